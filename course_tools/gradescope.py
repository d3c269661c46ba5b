"""``course export gradescope``: the course's autograder as a Gradescope autograder bundle.

    course export gradescope --solution solutions/NN_topic.ipynb --out autograder.zip
                             [--timeout S] [--memory-limit SIZE] [--deadline S] [--visibility V] [--force]

The zip holds, at its top (Gradescope unpacks it into ``/autograder/source``), the two scripts
rendered from ``course_tools/templates/gradescope/`` (:func:`render_template`) and the data:

- ``setup.sh``: run once, as root, when Gradescope builds the assignment's image. It installs
  Python 3.10+ with ``venv``, bubblewrap and libseccomp from apt where they are missing, makes a venv in
  ``/autograder/venv`` with the grading dependencies (``requirements.txt``: the course's, less
  JupyterLab), installs the course from ``course/`` (carried in the zip) *editable*, and ends
  with ``run_autograder``'s own self-check (the solution loads, the isolation it will have).
  ``bash setup.sh --dry-run`` prints what it would install and changes nothing.
- ``run_autograder``: run for every hand-in. It grades the notebook in ``/autograder/submission``
  with the course's grader (:func:`course_tools.grade.grade`, the same tamper-proof grader as
  ``course grade``: the student's code runs only in a sandboxed kernel, expected values and
  comparisons stay in the grader) and writes ``/autograder/results/results.json``.
- ``course_autograder.json`` (what was exported, and the grading settings), ``solution/`` (the
  solution notebook: Gradescope never shows the autograder's source to students) and
  ``course/`` (``course_utils``, ``course_tools``, ``pyproject.toml``, ``README.md``).

Which notebook is graded: the grader's own rule for a student's folder (``course grade``): the
one ``.ipynb`` file in the submission (subfolders included, hidden files and links to folders
not), or, if there are several, the one named like the solution (``NN_topic.ipynb``).

``results.json``: the score; one test per graded test cell (its name is the ``grade_id``, with
its score, ``max_score`` and the grader's feedback for it, worded as in ``course grade``'s
feedback files, hidden tests included); and an ``output`` for the whole hand-in with the score,
any grading note (why a hand-in could not be graded: no notebook, invalid notebook, wrong
assignment, time or memory exceeded...). The isolation line (the one ``course grade`` prints)
and any warning about the container go to the autograder's log, which only instructors see
(``stdout_visibility`` hidden), never to the students' output. A hand-in that cannot be graded
still gets a ``results.json``, with score 0 and the reason. Everything is written in one step
once every kernel of the hand-in has ended, replacing whatever a hand-in may have put there; if
Python itself cannot run, ``run_autograder`` writes a ``results.json`` of its own that says so.
A hand-in may take at most ``--deadline`` seconds in all (keep it under the assignment's
autograder timeout on Gradescope), after which it gets score 0 with that reason.

Isolation on Gradescope. Gradescope runs ``run_autograder`` as root in a Docker container, and
what the sandbox of :mod:`course_tools.grade.sandbox` can use depends on that container:

- root, bubblewrap and control groups (a privileged container): everything ``course grade``
  has on a Linux machine: own namespaces, a control group, a scratch quota, its own user, Landlock.
- root without control-group delegation (Docker's default): each hand-in's kernel runs as a
  user of its own, with per-process limits, and under Landlock when the host's kernel (5.13+)
  and the container's seccomp profile allow it (reads only Python and the grading copy of the
  course, writes only a scratch folder). ``run_autograder`` makes ``/autograder/source`` (the
  solution) readable by root only, and the results are written by root, so without Landlock
  a kernel still cannot read the solution nor write the results. bubblewrap is then not used;
  if it is installed but cannot make namespaces in the container, it is left out for the run.
- no root (not Gradescope's default): the kernel runs as the grader's user, under Landlock if
  the host allows it; without Landlock nothing keeps it from reading the solution, which the
  log then says, as ``course grade`` warns.

``run_autograder`` writes the isolation it has in the autograder's log (for instructors only),
and grades in every case. ``COURSE_AUTOGRADER_ROOT`` (default ``/autograder``) and
``COURSE_AUTOGRADER_PYTHON`` (default the venv's Python) let a test run the bundle in a scratch
folder laid out like ``/autograder``.
"""

from __future__ import annotations

import argparse
import hashlib
import io
import json
import os
import re
import shutil
import signal
import stat
import subprocess
import sys
import tempfile
import time
import traceback
import zipfile
from pathlib import Path

__all__ = ["ExportError", "export", "render_template", "run_autograder", "results_json", "add_arguments", "main"]

CONFIG = "course_autograder.json"
ROOT_VARIABLE, PYTHON_VARIABLE = "COURSE_AUTOGRADER_ROOT", "COURSE_AUTOGRADER_PYTHON"
VISIBILITIES = ("visible", "after_due_date", "after_published", "hidden")
NOT_GRADING = {"jupyterlab"}  # the students' editor: the grader never imports it
STUDENT = "submission"  # the hand-in's name inside the grader's output folder
_SKIP = shutil.ignore_patterns("__pycache__", "*.pyc", "*.pyo", ".*", "*.egg-info")
_EPOCH = (1980, 1, 1, 0, 0, 0)  # every entry of the zip gets this date: the same export, the same bytes


class ExportError(Exception):
    """The bundle cannot be built: bad arguments or an unusable solution notebook."""


# ---------------------------------------------------------------------------------------------
# course export gradescope


TEMPLATES = ("setup.sh", "run_autograder")  # course_tools/templates/gradescope/, rendered by render_template
_PLACEHOLDER = re.compile(r"@@(\w+)@@")


def render_template(name: str, values: dict) -> str:
    """The bundle's script ``name`` (a file of ``course_tools/templates/gradescope``) with each
    ``@@key@@`` replaced by ``values[key]``: a value must be a plain word or number (no quoting to
    get wrong), and a placeholder without a value is an error."""
    from importlib.resources import files

    text = (files("course_tools") / "templates" / "gradescope" / name).read_text(encoding="utf-8")
    wanted = set(_PLACEHOLDER.findall(text))
    if not wanted <= set(values):
        raise ExportError(f"template {name}: no value for the placeholders {sorted(wanted - set(values))}")
    for key, value in values.items():
        if not re.fullmatch(r"[\w.+-]+", str(value), re.ASCII):
            raise ExportError(f"template {name}: {key}={value!r} is not a plain word (letters, digits, _.+-)")
    return _PLACEHOLDER.sub(lambda m: str(values[m.group(1)]), text)


def _course_source() -> Path:
    """The folder holding ``pyproject.toml``, ``course_utils`` and ``course_tools``."""
    here = Path(__file__).resolve().parent.parent
    if not (here / "pyproject.toml").is_file() or not (here / "course_utils").is_dir():
        raise ExportError(
            f"the course's source is not beside course_tools ({here} has no pyproject.toml): "
            "export from a checkout of the course installed editable (pip install -e .)"
        )
    return here


def _requirements(source: Path) -> list[str]:
    """The course's runtime dependencies less what grading never imports (JupyterLab)."""
    if sys.version_info >= (3, 11):
        import tomllib

        deps = tomllib.loads((source / "pyproject.toml").read_text(encoding="utf-8"))["project"]["dependencies"]
    else:  # Python 3.10 has no tomllib: the installed package's metadata says the same
        from importlib.metadata import requires

        deps = [r for r in requires("course_utils") or [] if "extra ==" not in r]
    return [d for d in deps if re.split(r"[\s<>=!~;\[]", d, maxsplit=1)[0].lower() not in NOT_GRADING]


def _check_export_arguments(
    solution: Path, out: Path, force: bool, timeout: float, memory: str, deadline: float, visibility: str
) -> int:
    from .grade.sandbox import parse_size

    if not solution.is_file():
        raise ExportError(f"no solution notebook at {solution}")
    if out.suffix.lower() != ".zip":
        raise ExportError(f"--out {out} must name a .zip file (Gradescope takes the autograder as a zip)")
    if out.is_dir():
        raise ExportError(f"--out {out} is a folder; name the .zip file to write")
    if out.exists() and not force:
        raise ExportError(f"{out} exists; run again with --force to replace it (a backup is kept first)")
    if not timeout > 0:
        raise ExportError("--timeout must be a positive number of seconds")
    try:
        limit = parse_size(memory)
    except ValueError as e:
        raise ExportError(str(e)) from None
    if limit < 256 << 20:
        raise ExportError("--memory-limit must be at least 256M")
    if not deadline >= 30:
        raise ExportError("--deadline must be at least 30 seconds")
    if visibility not in VISIBILITIES:
        raise ExportError(f"--visibility must be one of {', '.join(VISIBILITIES)}")
    return limit


def _add(z: zipfile.ZipFile, name: str, data: bytes, mode: int = 0o644) -> None:
    info = zipfile.ZipInfo(name, _EPOCH)
    info.external_attr = (stat.S_IFREG | mode) << 16
    info.compress_type = zipfile.ZIP_DEFLATED
    z.writestr(info, data)


def _package_files(source: Path) -> list[tuple[str, Path]]:
    """(name in the zip, file) of the course package: what ``pip install`` of it needs."""
    files = [("course/pyproject.toml", source / "pyproject.toml"), ("course/README.md", source / "README.md")]
    for package in ("course_utils", "course_tools"):
        skip = set()
        for folder, dirs, names in os.walk(source / package):
            ignored = _SKIP(folder, dirs + names)
            dirs[:] = sorted(d for d in dirs if d not in ignored)
            skip |= ignored
            for name in sorted(n for n in names if n not in ignored):
                path = Path(folder) / name
                if path.is_file() and not path.is_symlink():
                    files.append((f"course/{path.relative_to(source).as_posix()}", path))
    return [(n, p) for n, p in files if p.is_file()]


def export(
    solution: Path | str,
    out: Path | str,
    *,
    force: bool = False,
    timeout: float = 30.0,
    memory: str = "1G",
    deadline: float = 480.0,
    visibility: str = "visible",
) -> list[str]:
    """Write the Gradescope bundle for ``solution`` to ``out``; returns lines to print.

    Refuses (ExportError) a missing solution, a solution the grader cannot use (no graded tests,
    checks outside the course package), an ``out`` that is not a ``.zip`` name or is a folder,
    and an existing ``out`` unless ``force``, which first copies it to ``.release-backups/<time>/``
    beside it (as ``course release --force`` does).
    """
    from .grade.plan import GradeError, load_plan
    from .grade.report import atomic_write

    solution, out = Path(solution), Path(out)
    _check_export_arguments(solution, out, force, timeout, memory, deadline, visibility)
    try:
        plan = load_plan(solution)
    except GradeError as e:
        raise ExportError(str(e)) from None
    if plan.paths:
        raise ExportError(
            f"{solution}: its checks live outside course_utils ({', '.join(plan.paths)}); the bundle "
            "carries only the course package"
        )
    source = _course_source()
    config = {
        "name": plan.name,
        "solution": f"solution/{plan.name}.ipynb",
        "solution_sha256": plan.sha256,
        "max_score": plan.max_total,
        "tests": [[t.grade_id, t.points] for t in plan.tests],
        "timeout": float(timeout),
        "memory_limit": memory,
        "deadline": float(deadline),
        "visibility": visibility,
    }
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        fill = dict(
            name=re.sub(r"[^\w.+-]", "_", plan.name, flags=re.ASCII),
            root_variable=ROOT_VARIABLE,
            python_variable=PYTHON_VARIABLE,
            hard_deadline=int(deadline) + 60,
        )
        for script in TEMPLATES:
            _add(z, script, render_template(script, fill).encode(), 0o755)
        _add(z, CONFIG, (json.dumps(config, indent=1) + "\n").encode())
        _add(z, "requirements.txt", ("\n".join(_requirements(source)) + "\n").encode())
        _add(z, str(config["solution"]), solution.read_bytes())
        for name, path in _package_files(source):
            _add(z, name, path.read_bytes())
    out.parent.mkdir(parents=True, exist_ok=True)
    lines = []
    if out.exists():
        backup = out.resolve().parent / ".release-backups" / time.strftime("%Y%m%d-%H%M%S")
        backup.mkdir(parents=True, exist_ok=True)
        shutil.copy2(out, backup / out.name)
        lines.append(f"{out}: replaced (the previous bundle is kept in {backup / out.name})")
    atomic_write(out, buf.getvalue())
    tests = ", ".join(f"{t.grade_id} ({_num(t.points)})" for t in plan.tests)
    lines.append(
        f"{out}: Gradescope autograder for {plan.name}, {len(plan.tests)} tests, {_num(plan.max_total)} "
        f"points: {tests}; {timeout:g} s per cell, {memory} per kernel, {deadline:g} s per hand-in. "
        "Upload it as the assignment's autograder (Configure Autograder > Zip file upload)."
    )
    return lines


def _num(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else f"{x:.2f}"


# ---------------------------------------------------------------------------------------------
# run_autograder (inside Gradescope's container)


class _Tee:
    """A stream for the grader's progress: to stdout (Gradescope's log for instructors) and kept."""

    def __init__(self):
        self.kept = io.StringIO()

    def write(self, text: str) -> int:
        self.kept.write(text)
        sys.stdout.write(text)
        sys.stdout.flush()
        return len(text)

    def flush(self) -> None:
        sys.stdout.flush()

    def isatty(self) -> bool:
        return False


class _Deadline(KeyboardInterrupt):
    """The hand-in's time is up. A KeyboardInterrupt, so that the grader stops its kernels as on Ctrl-C."""


def _printable(text: str) -> str:
    """A file name as text that any stream and JSON reader take (no lone surrogates, no controls)."""
    text = text.encode("utf-8", "backslashreplace").decode("utf-8")
    return re.sub(r"[\x00-\x1f\x7f]", "?", text)


def _hide_broken_bwrap() -> str | None:
    """As root, bubblewrap may be installed yet unable to make namespaces in this container: then
    leave it off the PATH for this run (the grader looks it up there) and say so."""
    why = None
    while os.geteuid() == 0 and (path := shutil.which("bwrap")):
        try:
            probe = subprocess.run(
                [
                    path,
                    "--unshare-ipc",
                    "--unshare-pid",
                    "--unshare-net",
                    "--unshare-uts",
                    "--die-with-parent",
                    "--ro-bind",
                    "/",
                    "/",
                    "--proc",
                    "/proc",
                    "--dev",
                    "/dev",
                    "true",
                ],
                capture_output=True,
                timeout=30,
            )
            if probe.returncode == 0:
                return None  # a working bubblewrap further along the PATH: it is the one used
            why = (probe.stderr.decode(errors="replace").strip().splitlines() or ["no message"])[-1][:120]
        except (OSError, subprocess.TimeoutExpired) as e:
            why = e.__class__.__name__
        folder = os.path.realpath(os.path.dirname(path))
        os.environ["PATH"] = os.pathsep.join(
            p for p in os.environ.get("PATH", "").split(os.pathsep) if p and os.path.realpath(p) != folder
        )
        why = f"bubblewrap cannot make namespaces in this container ({why}), so it is not used"
    return why


def _isolation(plan, config: dict) -> tuple[str, list[str]]:
    """The isolation line ``course grade`` prints for these settings here, and warnings."""
    import course_utils

    from .grade.submission import Settings

    settings = Settings(timeout=config["timeout"], memory=config["memory"], disk=config["disk"])
    warnings = []
    try:
        settings.prepare(plan)
        line = settings.describe()
        course = Path(course_utils.__file__).resolve().parent
        if any(course == Path(r) or Path(r) in course.parents for r in settings.read):
            warnings.append(
                f"the course's own code ({course}) is readable by the kernels: install the course "
                "editable, outside the venv (setup.sh does)"
            )
    finally:
        settings.close()
    if not settings.landlock and not settings.as_root:
        warnings.append(
            "without Landlock (Linux 5.13+) or root, student code runs as the grader's user and could "
            "read the solution and write to the grader's files"
        )
    return line, warnings


def _find_notebook(folder: Path, name: str):
    """The hand-in in Gradescope's submission folder, by the grader's rule for a student's folder
    (:func:`course_tools.grade.handins.pick_notebook`): its one notebook, or the one named
    ``<name>.ipynb``. Returns the grader's Handin: bytes read safely, or a problem."""
    from .grade.handins import Handin, pick_notebook
    from .grade.results import Status

    handin = Handin(STUDENT, f"{folder.name}/", f"{folder.name}/")
    if not folder.is_dir() or folder.is_symlink():
        handin.problem = (Status.NO_NOTEBOOK, "nothing was handed in (no submission folder)")
        return handin
    return pick_notebook(handin, folder, name, folder, what="submission")


def _sections(feedback: str, gids: list[str]) -> tuple[str, dict[str, str]]:
    """Split the grader's feedback (report.feedback_markdown) into the text about the whole hand-in
    and one text per test, each as the grader words it."""
    found = [re.search(rf"^## {re.escape(g)}: .*$", feedback, re.M) for g in gids]
    heads = [h for h in found if h is not None]
    if len(heads) < len(gids):
        return feedback, dict.fromkeys(gids, "")
    starts = [h.start() for h in heads] + [len(feedback)]
    per = {g: feedback[h.end() : starts[i + 1]].strip() for i, (g, h) in enumerate(zip(gids, heads))}
    preamble = [line for line in feedback[: starts[0]].splitlines() if not line.startswith(("|", "# "))]
    closing = ""
    last = per[gids[-1]].rsplit("\n\n", 1)
    if len(last) == 2 and not last[1].startswith(("-", " ", "Note:", "`")):
        per[gids[-1]], closing = last[0].rstrip(), last[1].strip()
    return "\n".join(preamble).strip() + ("\n\n" + closing if closing else ""), per


def results_json(plan, result: dict, config: dict, seconds: float) -> dict:
    """Gradescope's results.json for one graded hand-in (``result`` as ``course grade`` saves it). The
    sandbox's description is not in it: students see the output, and it is the instructor's (the log)."""
    from .grade.report import feedback_markdown
    from .grade.results import Status

    gids = [t.grade_id for t in plan.tests]
    whole, per = _sections(feedback_markdown(plan, result), gids)
    tests = []
    for t in plan.tests:
        r = result["tests"][t.grade_id]
        tests.append(
            {
                "name": t.grade_id,
                "score": r["points"],
                "max_score": t.points,
                "status": "passed" if r["passed"] else "failed",
                "output": per[t.grade_id],
                "output_format": "md",
                "visibility": "visible",
            }
        )
    handin = _printable(str(result.get("source") or ""))
    lines = [whole]
    if handin:
        lines.append(f"Graded: `{handin.replace('`', '?')}` against {plan.name}.")
    if result["status"] == Status.GRADER_ERROR:
        lines.append(
            "This is not a score for your work: the autograder itself failed. Tell your instructor, who "
            "can see the autograder's log."
        )
    return {
        "score": result["total"],
        "execution_time": round(seconds, 1),
        "output": "\n\n".join(lines),
        "output_format": "md",
        "test_output_format": "md",
        "visibility": config.get("visibility", "visible"),
        "stdout_visibility": "hidden",
        "tests": tests,
        "extra_data": {
            "status": result["status"],
            "detail": result.get("detail", ""),
            "handin": handin,
            "submission_sha256": result.get("submission_sha256"),
            "solution_sha256": plan.sha256,
        },
    }


def _fallback(config: dict, status: str, why: str, seconds: float) -> dict:
    """results.json when grading did not finish (``status``: timeout or grader error, the values of
    ``grade.results.Status``, written as text so that this needs none of the grader's imports): score 0, the
    tests listed, the reason."""
    tests = [
        {"name": gid, "score": 0, "max_score": points, "status": "failed", "output": f"not graded: {why}"}
        for gid, points in config.get("tests", [])
    ]
    if status == "timeout":
        output = f"**Score: 0**\n\nGrading note (timeout): {why}."
    else:
        output = (
            f"The autograder could not grade this submission: {why}. This is not a score for your work: "
            "tell your instructor, who can see the autograder's log."
        )
    return {
        "score": 0,
        "execution_time": round(seconds, 1),
        "output": output,
        "stdout_visibility": "hidden",
        "visibility": config.get("visibility", "visible"),
        "tests": tests,
        "extra_data": {"status": status, "detail": why},
    }


def _read_config(root: Path) -> dict:
    return json.loads((root / "source" / CONFIG).read_text(encoding="utf-8"))


def _sizes(config: dict) -> dict:
    from .grade.sandbox import parse_size

    config["memory"] = parse_size(config["memory_limit"])
    config["disk"] = parse_size(config.get("disk_limit", "512M"))
    return config


def _grade(root: Path, config: dict, started: float) -> dict:
    from .grade import GradeError, grade
    from .grade.plan import load_plan
    from .grade.results import Status
    from .grade.submission import unreadable

    solution = root / "source" / config["solution"]
    plan = load_plan(solution)
    if os.geteuid() == 0:  # kernels run as users of their own: the solution is for root's eyes only
        os.chmod(root / "source", 0o700)
    hidden = _hide_broken_bwrap()
    isolation, notes = _isolation(plan, config)
    if hidden:
        notes.insert(0, hidden)
    print(f"run_autograder: {plan.name}; {isolation}", flush=True)
    for note in notes:
        print(f"run_autograder: warning: {note}", flush=True)
    entry = _find_notebook(root / "submission", plan.name)
    result = None
    if entry.problem:
        result = unreadable(plan, *entry.problem)
    else:
        work = Path(tempfile.mkdtemp(prefix="course-gradescope-"))  # 0700: no kernel user may enter
        try:
            (work / "handin").mkdir()
            (work / "handin" / f"{STUDENT}.ipynb").write_bytes(entry.data)
            results = grade(
                work / "handin",
                solution,
                work / "out",
                jobs=1,
                timeout=config["timeout"],
                memory=config["memory"],
                disk=config["disk"],
                force=True,
                progress=True,
                stream=_Tee(),
            )
            result = results[STUDENT]
        except GradeError as e:
            result = unreadable(plan, Status.GRADER_ERROR, str(e).splitlines()[0])
        except _Deadline:
            result = unreadable(
                plan, Status.TIMEOUT, f"grading took longer than the {config['deadline']:g} s allowed for one hand-in"
            )
        finally:
            shutil.rmtree(work, ignore_errors=True)
    result.update(
        student=STUDENT,
        source=entry.source if entry.data is not None else "",
        submission_sha256=hashlib.sha256(entry.data).hexdigest() if entry.data is not None else None,
    )
    return results_json(plan, result, config, time.monotonic() - started)


def _write(path: Path, data: dict) -> None:
    """Write results.json in one step, replacing whatever is there (a file, or a link a hand-in made)."""
    from .grade.report import atomic_write

    folder = path.parent
    if folder.is_symlink() or not folder.is_dir():
        if folder.is_symlink():
            folder.unlink()
        folder.mkdir(parents=True, exist_ok=True)
    atomic_write(path, json.dumps(data, indent=1, ensure_ascii=True) + "\n")


def run_autograder(root: Path | str) -> int:
    """Grade the hand-in in ``root/submission`` and write ``root/results/results.json``.

    Returns 0 once results.json is written (whatever the score), 1 if even that failed.
    """
    root, started = Path(root), time.monotonic()
    results = root / "results" / "results.json"
    config: dict = {}

    def on_deadline(*_):
        raise _Deadline

    old = {s: signal.signal(s, on_deadline) for s in (signal.SIGALRM, signal.SIGTERM)}
    try:
        config = _read_config(root)
        signal.alarm(max(1, int(config["deadline"])))  # before the grader's imports: they count too
        data = _grade(root, _sizes(config), started)
        signal.alarm(0)
    except _Deadline:
        data = _fallback(
            config,
            "timeout",
            f"grading took longer than the {config.get('deadline', 0):g} s allowed for one hand-in",
            time.monotonic() - started,
        )
    except Exception as e:  # a bug or a broken bundle: the student still gets results.json
        signal.alarm(0)
        traceback.print_exc(file=sys.stdout)
        data = _fallback(config, "grader error", f"{e.__class__.__name__}: {str(e)[:200]}", time.monotonic() - started)
    finally:
        signal.alarm(0)
        for s, handler in old.items():
            signal.signal(s, handler)
    try:
        _write(results, data)
    except OSError as e:
        print(f"run_autograder: cannot write {results}: {e}", file=sys.stderr)
        return 1
    total = sum(t["max_score"] for t in data.get("tests", []))
    status = data.get("extra_data", {}).get("status", "not graded")
    print(f"run_autograder: score {_num(data['score'])} / {_num(total)} ({status}); wrote {results}", flush=True)
    return 0


def check(root: Path | str) -> int:
    """setup.sh's last step: the bundle's solution loads here, and the isolation grading will have."""
    from .grade import GradeError
    from .grade.plan import load_plan

    root = Path(root)
    try:
        config = _sizes(_read_config(root))
        plan = load_plan(root / "source" / config["solution"])
    except (OSError, ValueError, KeyError, GradeError) as e:
        print(f"course_tools.gradescope check: the bundle cannot grade: {e}", file=sys.stderr)
        return 1
    isolation, notes = _isolation(plan, config)
    print(
        f"{plan.name}: {len(plan.tests)} tests, {_num(plan.max_total)} points; {isolation} (as the build runs "
        "it: Gradescope's grading container may differ, and run_autograder reports what it has)"
    )
    for note in notes:
        print(f"warning: {note}")
    return 0


# ---------------------------------------------------------------------------------------------
# command line


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The options of ``course export gradescope``."""
    parser.add_argument("--solution", type=Path, required=True, help="the solution notebook whose tests grade")
    parser.add_argument("--out", type=Path, required=True, help="the .zip file to write (e.g. autograder.zip)")
    parser.add_argument("--timeout", type=float, default=30.0, help="seconds allowed per cell (default 30)")
    parser.add_argument(
        "--memory-limit",
        default="1G",
        help="memory per student kernel, e.g. 1G (default; keep it under the container's memory)",
    )
    parser.add_argument(
        "--deadline",
        type=float,
        default=480.0,
        help="seconds one hand-in may take in all (default 480; keep it under the assignment's "
        "autograder timeout on Gradescope)",
    )
    parser.add_argument(
        "--visibility",
        default="visible",
        choices=VISIBILITIES,
        help="when students see their results (Gradescope's visibility; default visible)",
    )
    parser.add_argument("--force", action="store_true", help="replace an existing bundle (a backup is kept first)")


def export_command(args: argparse.Namespace) -> int:
    """``course export gradescope``; returns the exit status."""
    try:
        for line in export(
            args.solution,
            args.out,
            force=args.force,
            timeout=args.timeout,
            memory=args.memory_limit,
            deadline=args.deadline,
            visibility=args.visibility,
        ):
            print(line)
        return 0
    except ExportError as e:
        print(f"course export gradescope: {e}", file=sys.stderr)
        return 2


def main(argv: list[str] | None = None) -> int:
    """``python -m course_tools.gradescope run|check [--root ROOT]`` (what the bundle's scripts call)."""
    parser = argparse.ArgumentParser(prog="python -m course_tools.gradescope")
    parser.add_argument("action", choices=("run", "check"))
    parser.add_argument(
        "--root",
        type=Path,
        default=Path(os.environ.get(ROOT_VARIABLE) or "/autograder"),
        help=f"the autograder's folder (default ${ROOT_VARIABLE} or /autograder)",
    )
    args = parser.parse_args(argv)
    return run_autograder(args.root) if args.action == "run" else check(args.root)


if __name__ == "__main__":
    sys.exit(main())
