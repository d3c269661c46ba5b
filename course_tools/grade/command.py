"""``course grade``: grade handed-in notebooks with the solution notebook's tests.

    course grade SUBMISSIONS --solution solutions/NN_topic.ipynb --out OUT
                 [--jobs N] [--timeout SECONDS] [--memory-limit SIZE] [--disk-limit SIZE] [--force]
                 [--shard I/N]
    course grade merge OUT1 OUT2 ... --out OUT      (see :mod:`shards`)

``SUBMISSIONS`` holds ``<student>.ipynb`` files or ``<student>/`` folders with the notebook
inside; :mod:`handins` finds them, names their rows and reads each into memory. Each is then
graded in its own sandboxed kernel (:mod:`submission`, :mod:`sandbox`), several at once
(``--jobs``). The student's code only ever runs there; the tests' inputs, the expected values
and every comparison stay in this process (:mod:`plan`, :mod:`verdict`), so an answer that
patches numpy, the checks or the builtins in its own kernel changes nothing but its own outputs.

Results: ``OUT/grades.csv``, ``OUT/feedback/<student>.md`` and ``OUT/results/<student>.json``,
written as each submission finishes (:mod:`report`). A re-run skips the students whose
notebook and solution are unchanged, unless ``--force``. The exit status is 0 whenever every
submission got a row, whatever the scores; 2 when the grader cannot run; 130 on Ctrl-C.
"""

from __future__ import annotations

import argparse
import concurrent.futures as cf
import datetime
import hashlib
import os
import queue
import signal
import sys
import threading
import time
import traceback
from pathlib import Path
from typing import TYPE_CHECKING

from .handins import Handin, any_handins, find_handins
from .plan import GradeError
from .results import STATUSES, Status
from .shards import Shard

if TYPE_CHECKING:  # imported when grading starts (the kernels' modules)
    from .kernel_host import KernelHost

__all__ = ["grade", "add_arguments", "run", "GradeError"]


def _check_arguments(submissions: Path, solution: Path, out: Path, jobs: int, timeout: float, memory: int) -> None:
    if not submissions.is_dir():
        raise GradeError(f"no submissions folder at {submissions}")
    if not solution.is_file():
        raise GradeError(f"no solution notebook at {solution}")
    sub, dest = submissions.resolve(), out.resolve()
    if dest == sub or sub in dest.parents or dest in sub.parents:
        raise GradeError(f"--out {out} must be outside the submissions folder {submissions} (and not contain it)")
    if jobs < 1:
        raise GradeError("--jobs must be at least 1")
    if not timeout > 0:
        raise GradeError("--timeout must be a positive number of seconds")
    if memory < 256 << 20:
        raise GradeError("--memory-limit must be at least 256M")


def grade(
    submissions,
    solution,
    out,
    *,
    jobs: int | None = None,
    timeout: float = 30.0,
    memory: str | int = "2G",
    disk: str | int = "512M",
    force: bool = False,
    progress: bool = True,
    stream=None,
    shard: Shard | str | None = None,
) -> dict[str, dict]:
    """Grade every submission (or one shard's share of them, ``shard="2/4"``); returns
    ``{student: result}``. GradeError if the grader cannot run."""
    try:
        from . import sandbox
    except ImportError:  # no `resource` module: Windows
        raise GradeError("grading needs Linux or macOS (the sandbox uses POSIX resource limits)") from None
    from .plan import load_plan
    from .submission import Settings

    stream = stream or sys.stderr
    submissions, solution, out = Path(submissions), Path(solution), Path(out)
    if jobs is None:
        jobs = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    try:
        limit = sandbox.parse_size(memory) if isinstance(memory, str) else int(memory)
        space = sandbox.parse_size(disk) if isinstance(disk, str) else int(disk)
    except ValueError as e:
        raise GradeError(str(e)) from None
    _check_arguments(submissions, solution, out, jobs, timeout, limit)
    if space < 16 << 20:
        raise GradeError("--disk-limit must be at least 16M")
    shard = Shard.parse(shard) if isinstance(shard, str) else shard
    Shard.check_out(out, shard)
    plan = load_plan(solution)
    entries = find_handins(submissions, plan.name, shard.holds if shard else None)
    if not entries and (shard is None or not any_handins(submissions)):
        raise GradeError(f"no submissions in {submissions} (expected <student>.ipynb files or <student>/ folders)")
    settings = Settings(timeout=float(timeout), memory=limit, disk=space)
    try:
        settings.prepare(plan)
        return _grade(plan, settings, entries, submissions, solution, out, jobs, force, progress, stream, shard)
    finally:
        settings.close()


def _grade(
    plan, settings, entries, submissions, solution, out, jobs, force, progress, stream, shard
) -> dict[str, dict]:
    from .report import load_result, write_csv

    results, todo = {}, []
    for entry in entries:
        sha = hashlib.sha256(entry.data).hexdigest() if entry.data is not None else None
        entry.sha = sha
        old = None if force else load_result(out, entry.student)
        if (
            old
            and old.get("submission_sha256") == sha
            and old.get("solution_sha256") == plan.sha256
            and old.get("handin", entry.handin) == entry.handin
            and all(n in old.get("notes", ()) for n in entry.notes)
        ):
            results[entry.student] = old
        else:
            todo.append(entry)
    share = f" in shard {shard} of {submissions}" if shard else ""
    stream.write(
        f"course grade: {len(todo)} of {len(entries)} submission(s){share} to grade against {solution}"
        f"{f' ({len(entries) - len(todo)} already graded)' if len(todo) < len(entries) else ''}; "
        f"{jobs} at a time; {settings.describe()}\n"
    )
    if not settings.landlock and not settings.as_root:
        stream.write(
            "course grade: warning: without Landlock (Linux 5.13+) or root, student code runs as you and "
            "could write to your files; grade in a container or as root.\n"
        )
    write_csv(out, plan, results)  # an empty shard's output too: an empty gradebook that merge accepts
    for folder in ("results", "feedback"):
        (out / folder).mkdir(exist_ok=True)
    _run_all(plan, settings, todo, results, out, jobs, progress, stream, shard)
    return results


class _Preflight(threading.Thread):
    """One kernel started with the grader's bootstrap alone, while the first hand-ins are graded
    (so that its start-up does not delay the first hand-in). No result is saved before
    it has succeeded; if it fails, the grader cannot run: every kernel is stopped, nothing of this
    run is saved, and its GradeError is raised."""

    def __init__(self, plan, settings, slot: int, stop: threading.Event, active: dict):
        super().__init__(name="grade-preflight", daemon=True)
        self.args, self.stop, self.active = (plan, settings, slot), stop, active
        self.error: GradeError | None = None
        self.done = threading.Event()

    def run(self) -> None:
        from .submission import preflight

        try:
            preflight(*self.args)
        except GradeError as e:
            self.error = e
            self.stop.set()
            for kernel in list(self.active.values()):
                kernel.terminate()
        except Exception as e:  # a bug here must still end the run cleanly
            self.error = GradeError(f"the grader's first kernel failed: {e.__class__.__name__}: {e}")
            self.stop.set()
        finally:
            self.done.set()


def _run_all(plan, settings, todo, results, out, jobs, progress, stream, shard) -> None:
    from .report import Progress, save_result, write_csv
    from .submission import grade_submission, unreadable

    stop, lock = threading.Event(), threading.Lock()
    active: dict[int, KernelHost] = {}  # slot -> the kernel grading there
    check = None
    if any(e.data is not None for e in todo):
        check = _Preflight(plan, settings, jobs, stop, active)  # slots 0..jobs-1 are the hand-ins'
        check.start()
    slots: queue.Queue = queue.Queue()
    for i in range(jobs):
        slots.put(i)
    bar = Progress(len(todo), stream, progress)
    started = time.monotonic()

    def work(entry: Handin) -> None:
        if stop.is_set():
            return
        slot = slots.get()
        bar.started()
        try:
            if entry.problem:
                result = unreadable(plan, *entry.problem)
            else:
                assert entry.data is not None  # read, or it has a problem
                result = grade_submission(plan, entry.data, settings, slot, stop, active)
        except Exception as e:  # a bug in the grader must not cost the other submissions
            traceback.print_exc(file=stream)
            result = unreadable(plan, Status.GRADER_ERROR, f"{e.__class__.__name__}: {e}")
        finally:
            slots.put(slot)
        if check is not None:
            check.done.wait()
        if stop.is_set():
            return
        if entry.notes:
            result["notes"] = [*entry.notes, *result.get("notes", [])]
        result.update(
            student=entry.student,
            handin=entry.handin,
            source=entry.source,
            submission_sha256=entry.sha,
            solution=plan.name,
            solution_sha256=plan.sha256,
            shard=str(shard) if shard else None,
            graded_at=datetime.datetime.now().astimezone().isoformat(timespec="seconds"),
        )
        with lock:
            try:
                save_result(out, plan, result)
            except OSError as e:  # its own files cannot be written: the row still says so
                result.update(
                    status=Status.GRADER_ERROR,
                    detail=f"its result could not be saved ({e.__class__.__name__}: {str(e)[:120]})",
                )
            results[entry.student] = result
            write_csv(out, plan, results)
        bar.finished(entry.student, result, plan)

    pool = cf.ThreadPoolExecutor(max_workers=jobs, thread_name_prefix="grade")
    futures = [pool.submit(work, e) for e in todo]
    try:
        pending = set(futures)
        while pending:
            _, pending = cf.wait(pending, timeout=0.5)
            bar.tick()
    except KeyboardInterrupt:
        stop.set()
        for f in futures:
            f.cancel()
        for kernel in list(active.values()):
            kernel.terminate()
        pool.shutdown(wait=True)
        if check is not None:
            check.join()
        bar.close()
        raise
    pool.shutdown(wait=True)
    for f in futures:
        f.result()
    if check is not None:
        check.join()
    bar.close()
    if check is not None and check.error is not None:
        raise check.error
    seconds = time.monotonic() - started
    counts = {s: sum(r["status"] == s for r in results.values()) for s in STATUSES}
    summary = ", ".join(f"{n} {s}" for s, n in counts.items() if n)
    each = f" ({seconds / len(todo):.1f} s per submission)" if todo else ""
    stream.write(f"course grade: graded {len(todo)} in {seconds:.1f} s{each}; {out / 'grades.csv'}: {summary}\n")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("submissions", type=Path, help="folder of <student>.ipynb files or <student>/ folders")
    parser.add_argument("--solution", type=Path, required=True, help="the solution notebook whose tests grade them")
    parser.add_argument("--out", type=Path, required=True, help="folder for grades.csv, feedback/ and results/")
    parser.add_argument("--jobs", type=int, default=None, help="submissions graded at once (default: number of cores)")
    parser.add_argument("--timeout", type=float, default=30.0, help="seconds allowed per cell (default 30)")
    parser.add_argument("--memory-limit", default="2G", help="memory per student kernel, e.g. 2G or 512M (default 2G)")
    parser.add_argument(
        "--disk-limit",
        default="512M",
        help="scratch space per submission, e.g. 512M (default; needs root and bubblewrap)",
    )
    parser.add_argument("--force", action="store_true", help="grade again students who already have a result")
    parser.add_argument(
        "--shard",
        metavar="I/N",
        default=None,
        help="grade only shard I of N (1 <= I <= N; a hand-in's shard depends on its name alone); "
        "give each shard its own --out, then `course grade merge`",
    )


def run(args: argparse.Namespace) -> int:
    """The ``course grade`` command; returns the exit status."""

    def on_term(*_):
        raise KeyboardInterrupt

    old = signal.signal(signal.SIGTERM, on_term) if threading.current_thread() is threading.main_thread() else None
    try:
        grade(
            args.submissions,
            args.solution,
            args.out,
            jobs=args.jobs,
            timeout=args.timeout,
            memory=args.memory_limit,
            disk=args.disk_limit,
            force=args.force,
            progress=True,
            shard=args.shard,
        )
        return 0
    except GradeError as e:
        print(f"course grade: {e}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(
            f"\ncourse grade: interrupted; finished results are kept in {args.out}. "
            "Run the same command again to grade the rest.",
            file=sys.stderr,
        )
        return 130
    finally:
        if old is not None:
            signal.signal(signal.SIGTERM, old)
