"""Benchmark 3: ``course grade``, the same notebook handed in by 20 students, ``--jobs 1`` against ``--jobs 2``.

The two settings are run in alternation (1, 2, 1, 2, ...) and the speed-up is the median of
the ratios of one pair. Each submission's time is split where it goes, by timing the grader's
own steps from outside (its functions are wrapped in this process, never changed):

- sandbox: the submission's folders, scratch tmpfs and control group (``KernelHost()``);
- kernel start: launching the sandboxed kernel until it answers (``KernelSession.start``);
- boot: the grader's set-up inside the kernel (importing the grading copy of the course, the plan);
- setup steps: the solution's setup statements and the student's answer cells;
- tests: running the tests in the kernel (``KernelHost.run_test``);
- cleanup: ending the submission's processes and removing its folders (``KernelHost.close``);
- other: the rest (reading the hand-in, the verdicts in the grader's process, reports).

Before the first submission, a run builds its plan and the grading copy once; its preflight kernel
(proof that grading kernels can start) starts beside the first submissions and is not counted.

    python -m benchmarks.grade [--solution solutions/03_layers_and_two_layer_net.ipynb] [--copies 20] [--rounds 2]

Target: at least 1.8x from one job to two.
"""

from __future__ import annotations

import argparse
import io
import shutil
import tempfile
import threading
import time
from collections import defaultdict
from contextlib import contextmanager
from pathlib import Path

from benchmarks._common import ROOT, cores, load, markdown_table, median_ratio, report

TARGET = 1.8
PHASES = ["sandbox", "kernel start", "boot", "setup steps", "tests", "cleanup", "other"]


class PhaseClock:
    """Seconds per phase, summed over the submissions graded while it is installed."""

    def __init__(self):
        self.seconds: dict[str, float] = defaultdict(float)
        self.local = threading.local()
        self.lock = threading.Lock()

    def add(self, phase: str, seconds: float) -> None:
        with self.lock:
            self.seconds[phase] += seconds

    def wrap(self, owner, name: str, phase, *, mark: str | None = None):
        """Replace owner.name by a timed version; ``phase`` is a name or a function of the thread's mark.

        Only time spent inside ``grade_submission`` (whose mark is "submission") is counted, so the
        run's preflight kernel does not enter the submissions' phases.
        """
        original = getattr(owner, name)
        clock = self

        def timed(*args, **kwargs):
            outer = getattr(clock.local, "mark", None)
            inside = getattr(clock.local, "inside", False)  # within a grade_submission of this thread
            if mark:
                clock.local.mark = mark
            if mark == "submission":
                clock.local.inside = True
            start = time.perf_counter()
            try:
                return original(*args, **kwargs)
            finally:
                elapsed = time.perf_counter() - start
                if mark:
                    clock.local.mark = outer
                if mark == "submission":
                    clock.local.inside = inside
                label = phase(outer) if callable(phase) else phase
                if label and (inside or mark == "submission"):
                    clock.add(label, elapsed)

        setattr(owner, name, timed)
        return owner, name, original

    @contextmanager
    def installed(self):
        from course_tools.grade import kernel_host, session, submission

        host, sess = kernel_host.KernelHost, session.KernelSession
        undo = [
            self.wrap(host, "__init__", "sandbox"),
            self.wrap(host, "start", None, mark="boot"),  # its parts are counted below
            self.wrap(sess, "start", "kernel start"),
            self.wrap(sess, "run", lambda m: {"boot": "boot", "test": None, "close": None}.get(m, "setup steps")),
            self.wrap(host, "run_test", "tests", mark="test"),
            self.wrap(host, "close", "cleanup", mark="close"),
            self.wrap(submission, "grade_submission", "submission", mark="submission"),
        ]
        try:
            yield self
        finally:
            for owner, name, original in reversed(undo):
                setattr(owner, name, original)


def grade_once(subs: Path, solution: Path, out: Path, jobs: int, timeout: float) -> tuple[float, dict]:
    from course_tools.grade import grade

    clock = PhaseClock()
    if out.exists():
        shutil.rmtree(out)
    with clock.installed():
        start = time.perf_counter()
        results = grade(
            subs, solution, out, jobs=jobs, timeout=timeout, force=True, progress=False, stream=io.StringIO()
        )
        seconds = time.perf_counter() - start
    bad = [s for s, r in results.items() if r["status"] != "ok" or r["total"] != r["max_total"]]
    if bad:
        raise SystemExit(f"the solution did not score full marks for {', '.join(bad)}")
    phases = dict(clock.seconds)
    counted = sum(phases.get(p, 0.0) for p in PHASES[:-1])
    phases["other"] = phases.pop("submission", 0.0) - counted
    phases["per submission"] = sum(r["seconds"] for r in results.values()) / len(results)
    return seconds, phases


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--solution", type=Path, default=ROOT / "solutions" / "03_layers_and_two_layer_net.ipynb")
    parser.add_argument("--copies", type=int, default=20)
    parser.add_argument("--rounds", type=int, default=2, help="pairs of runs (--jobs 1, then --jobs 2)")
    parser.add_argument("--timeout", type=float, default=30.0)
    args = parser.parse_args()
    before = load()
    print(f"grading {args.copies} copies of {args.solution.name} on {cores()} core(s), load {before}", flush=True)
    runs: dict[int, list[tuple[float, dict]]] = {1: [], 2: []}
    with tempfile.TemporaryDirectory(prefix="bench-grade-") as tmp:
        subs = Path(tmp) / "submissions"
        subs.mkdir()
        for i in range(args.copies):
            shutil.copy(args.solution, subs / f"student{i:02d}.ipynb")
        for r in range(args.rounds):
            for jobs in (1, 2):
                seconds, phases = grade_once(subs, args.solution, Path(tmp) / f"out-{jobs}", jobs, args.timeout)
                runs[jobs].append((seconds, phases))
                print(f"round {r + 1}: --jobs {jobs}: {seconds:.1f} s, load {load()}", flush=True)
    n = args.copies

    def median(values):
        values = sorted(values)
        return values[len(values) // 2]

    speedup = median_ratio([s for s, _ in runs[1]], [s for s, _ in runs[2]])
    rows = []
    for jobs, results in runs.items():
        total = median([s for s, _ in results])
        phase = {p: median([ph.get(p, 0.0) for _, ph in results]) / n for p in PHASES}
        one = median([ph["per submission"] for _, ph in results])
        rows.append(
            [
                jobs,
                f"{total:.1f}",
                f"{total / n:.2f}",
                f"{one:.2f}",
                *[f"{phase[p]:.2f}" for p in PHASES],
                "1.00x" if jobs == 1 else f"{speedup:.2f}x",
            ]
        )
    header = [
        "jobs",
        "total (s)",
        "wall per submission (s)",
        "one submission (s)",
        *[f"{p} (s)" for p in PHASES],
        "speed-up",
    ]
    notes = [
        f"{n} copies of {args.solution.name} (all full marks), {args.rounds} round(s) of --jobs 1 then --jobs 2; "
        "times are medians; the speed-up is the median of the per-round ratios.",
        "'one submission' is the grader's own time per hand-in, start to finish; the phases split it "
        "(per submission, summed over both jobs when two run at once).",
        f"Target: at least {TARGET}x from one job to two: "
        + ("met." if speedup >= TARGET else f"missed ({speedup:.2f}x)."),
    ]
    report(
        "grade",
        "Grading: 20 hand-ins, --jobs 1 against --jobs 2",
        markdown_table(header, rows),
        notes=notes,
        load_before=before,
    )


if __name__ == "__main__":
    main()
