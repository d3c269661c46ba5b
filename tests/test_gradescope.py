"""``course export gradescope``: the bundle's contents, its scripts, and run_autograder grading an
honest, a blank, a hostile and an empty hand-in in scratch folders laid out like Gradescope's
``/autograder`` (``source/``, ``submission/``, ``results/``).

run_autograder runs here with this test run's Python (``COURSE_AUTOGRADER_PYTHON``) instead of
the venv setup.sh would build; setup.sh itself is checked with ``bash -n`` and its dry run.
"""

from __future__ import annotations

import hashlib
import json
import os
import stat
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import nbformat
import pytest

from course_tools import cli

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
SOLUTION = REPO / "solutions" / "01_backprop_circuits.ipynb"  # the course's smallest graded notebook
BLANK = REPO / "notebooks" / SOLUTION.name
PLANTED = REPO / "course_tools" / "grade" / "gradescope_pwned.py"  # a file a hostile hand-in tries to add


@pytest.fixture(scope="module")
def bundle(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("export") / "autograder.zip"
    assert cli.main(["export", "gradescope", "--solution", str(SOLUTION), "--out", str(out), "--timeout", "20"]) == 0
    return out


def unpack(bundle: Path, root: Path) -> Path:
    """A folder laid out like Gradescope's /autograder, with the bundle in source/."""
    for part in ("source", "submission", "results"):
        (root / part).mkdir(parents=True)
    with zipfile.ZipFile(bundle) as z:
        z.extractall(root / "source")
        for info in z.infolist():  # zipfile drops the permission bits; Gradescope's unzip keeps them
            os.chmod(root / "source" / info.filename, (info.external_attr >> 16) & 0o777 or 0o644)
    return root


def total(solution: Path) -> float:
    nb = nbformat.read(solution, as_version=4)
    return sum(c.metadata["nbgrader"]["points"] for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade"))


# ---------------------------------------------------------------------------------------------
# the bundle and its scripts (no kernels)


def test_the_bundle_has_the_scripts_the_solution_and_the_course_package(bundle):
    with zipfile.ZipFile(bundle) as z:
        names = set(z.namelist())
        modes = {i.filename: (i.external_attr >> 16) & 0o777 for i in z.infolist()}
        config = json.loads(z.read("course_autograder.json"))
        requirements = z.read("requirements.txt").decode().split()
        assert z.read(f"solution/{SOLUTION.name}") == SOLUTION.read_bytes()
    assert {"setup.sh", "run_autograder"} <= names
    assert modes["setup.sh"] & 0o111 and modes["run_autograder"] & 0o111
    assert {
        "course/pyproject.toml",
        "course/README.md",
        "course/course_utils/__init__.py",
        "course/course_tools/grade/command.py",
        "course/course_tools/gradescope.py",
    } <= names
    assert not any(
        n.startswith(("tests/", "solutions/", "notebooks/", "course/tests/"))
        or "__pycache__" in n
        or n.endswith(".pyc")
        for n in names
    )
    assert config["name"] == SOLUTION.stem and config["max_score"] == total(SOLUTION)
    assert sum(points for _, points in config["tests"]) == total(SOLUTION) and config["timeout"] == 20
    assert "numpy>=1.23" in requirements and not any(r.startswith("jupyterlab") for r in requirements)


def test_the_same_export_gives_the_same_bytes_and_force_keeps_a_backup(bundle, tmp_path, capsys):
    out = tmp_path / "again.zip"
    args = ["export", "gradescope", "--solution", str(SOLUTION), "--out", str(out), "--timeout", "20"]
    assert cli.main(args) == 0
    assert out.read_bytes() == bundle.read_bytes()
    out.write_bytes(b"an older bundle")
    assert cli.main(args) == 2
    assert "exists; run again with --force" in capsys.readouterr().err and out.read_bytes() == b"an older bundle"
    assert cli.main(args + ["--force"]) == 0
    backups = list((tmp_path / ".release-backups").glob("*/again.zip"))
    assert [b.read_bytes() for b in backups] == [b"an older bundle"] and out.read_bytes() == bundle.read_bytes()
    assert "previous bundle is kept in" in capsys.readouterr().out


@pytest.mark.parametrize(
    "case, message",
    [
        ("no solution", "no solution notebook at"),
        ("folder", "is a folder"),
        ("not zip", "must name a .zip file"),
        ("no tests", "no graded test cells"),
        ("memory", "not a size"),
    ],
)
def test_bad_export_arguments_exit_2_with_one_clear_line(tmp_path, capsys, case, message):
    solution, out = SOLUTION, tmp_path / "autograder.zip"
    if case == "no solution":
        solution = tmp_path / "missing.ipynb"
    elif case == "folder":
        out = tmp_path / "folder.zip"
        out.mkdir()
    elif case == "not zip":
        out = tmp_path / "autograder.tar"
    elif case == "no tests":
        solution = tmp_path / "plain.ipynb"
        nbformat.write(nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("x = 1")]), solution)
    args = ["export", "gradescope", "--solution", str(solution), "--out", str(out)]
    if case == "memory":
        args += ["--memory-limit", "lots"]
    assert cli.main(args) == 2
    err = capsys.readouterr().err
    assert message in err and err.startswith("course export gradescope: ") and err.count("\n") == 1
    assert not out.is_file()


def test_the_scripts_parse_and_setup_sh_dry_run_says_what_it_installs(bundle, tmp_path):
    root = unpack(bundle, tmp_path / "autograder")
    for script in ("setup.sh", "run_autograder"):
        subprocess.run(["bash", "-n", str(root / "source" / script)], check=True, timeout=30)
    env = dict(os.environ, COURSE_AUTOGRADER_ROOT=str(root))
    dry = subprocess.run(
        ["bash", str(root / "source" / "setup.sh"), "--dry-run"],
        cwd=root / "source",
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert dry.returncode == 0, dry.stderr
    venv = root / "venv"
    assert f"+ python3 -m venv {venv}" in dry.stdout
    assert f"-r {root / 'source' / 'requirements.txt'}" in dry.stdout
    assert f"--no-deps -e {root / 'source' / 'course'}" in dry.stdout  # editable: kept out of what kernels read
    assert f"{venv}/bin/python -I -m course_tools.gradescope check --root {root}" in dry.stdout
    assert not venv.exists()


def test_the_scripts_are_template_files_rendered_by_code(bundle):
    from course_tools.gradescope import ExportError, render_template

    folder = REPO / "course_tools" / "templates" / "gradescope"
    with zipfile.ZipFile(bundle) as z:
        for script in ("setup.sh", "run_autograder"):
            template = (folder / script).read_text()
            text = z.read(script).decode()
            assert "@@" in template and "@@" not in text and text.startswith("#!/usr/bin/env bash\n")
            assert f"course/course_tools/templates/gradescope/{script}" in z.namelist()  # the package data
    assert "timeout --kill-after=10 540)" in text  # the deadline (480 s by default) and a minute
    values = dict(name="x", root_variable="R", python_variable="P", hard_deadline=1)
    with pytest.raises(ExportError, match="not a plain word"):
        render_template("run_autograder", {**values, "name": "x\nrm -rf /"})
    with pytest.raises(ExportError, match="no value for the placeholders"):
        render_template("run_autograder", {k: v for k, v in values.items() if k != "name"})


# ---------------------------------------------------------------------------------------------
# run_autograder on four hand-ins (kernels)


def hostile_code(root: Path, planted: Path) -> str:
    """An answer cell that fakes results.json (now, and later from a process left running), reads the
    solution from source/, patches the grader, and answers from what it found."""
    results = root / "results" / "results.json"
    fake = json.dumps({"score": 1000, "output": "pwned"})
    later = f"import time; time.sleep(2.5); open({str(results)!r}, 'w').write({fake!r})"
    return f"""import glob, json, os, subprocess, sys
for path in ({str(results)!r}, {str(root / "results" / "pwned.txt")!r}, {str(root / "source" / "pwned.txt")!r},
             {str(planted)!r}):
    try:
        open(path, 'w').write({fake!r})
    except OSError:
        pass
for path in ({str(root / "source" / "course" / "course_tools" / "grade" / "verdict.py")!r},
             {str(root / "source" / "course_autograder.json")!r}):
    try:
        open(path, 'a').write('\\nimport os; os.system("touch /tmp/pwned")\\n')
    except OSError:
        pass
subprocess.Popen([sys.executable, '-c', {later!r}], start_new_session=True)
stolen = False
for path in glob.glob({str(root / "source" / "solution" / "*.ipynb")!r}):
    try:
        for cell in json.load(open(path))['cells']:
            if cell.get('metadata', {{}}).get('nbgrader', {{}}).get('grade_id') == 'grads_xyz':
                exec(''.join(cell['source']), globals())
                stolen = True
    except Exception:
        pass
if not stolen:
    def grads_xyz(x, y, z):
        return 0.0, 0.0, 0.0
print('stolen' if stolen else 'nothing to steal')
"""


def hostile(root: Path) -> bytes:
    """The blank notebook with :func:`hostile_code` as its first answer."""
    nb = nbformat.read(BLANK, as_version=4)
    cell = next(c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") == "grads_xyz")
    cell.source = hostile_code(root, PLANTED)
    return nbformat.writes(nb).encode()


def test_the_hostile_answer_succeeds_outside_the_sandbox(bundle, tmp_path):
    """The control for the hostile hand-in below: run as a plain program, it does all it tries."""
    root = unpack(bundle, tmp_path / "autograder")
    planted = tmp_path / "planted.py"
    run = subprocess.run(
        [sys.executable, "-c", hostile_code(root, planted)], cwd=tmp_path, capture_output=True, text=True, timeout=60
    )
    assert run.stdout.strip() == "stolen", run.stderr
    assert json.loads((root / "results" / "results.json").read_text())["score"] == 1000
    assert planted.exists() and (root / "source" / "pwned.txt").exists()
    assert "pwned" in (root / "source" / "course" / "course_tools" / "grade" / "verdict.py").read_text()


def _digest(folder: Path) -> dict:
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file() and not p.is_symlink()
    }


@pytest.fixture(scope="module")
def graded(bundle, tmp_path_factory):
    """run_autograder in five scratch roots at once: name -> (root, results.json, stdout, source digest)."""
    import course_utils

    if not sys.platform.startswith("linux"):
        pytest.skip("the grading sandbox needs Linux")
    if Path(course_utils.__file__).resolve().parent != REPO / "course_utils":
        pytest.skip("grading kernels need the course installed editable from this checkout (pip install -e .)")
    base = tmp_path_factory.mktemp("gradescope")
    names = ("honest", "blank", "hostile", "empty", "slow", "no_python")
    roots = {name: unpack(bundle, base / name) for name in names}
    (roots["honest"] / "submission" / SOLUTION.name).write_bytes(SOLUTION.read_bytes())
    (roots["blank"] / "submission" / "my work (1).ipynb").write_bytes(BLANK.read_bytes())
    (roots["hostile"] / "submission" / SOLUTION.name).write_bytes(hostile(roots["hostile"]))
    (roots["empty"] / "submission" / "README.txt").write_text("I forgot the notebook")
    slow = nbformat.read(BLANK, as_version=4)
    first = next(c for c in slow.cells if c.metadata.get("nbgrader", {}).get("solution"))
    first.source = "import time\ntime.sleep(600)"
    nbformat.write(slow, roots["slow"] / "submission" / SOLUTION.name)
    config = roots["slow"] / "source" / "course_autograder.json"  # a deadline shorter than export allows
    config.write_text(json.dumps({**json.loads(config.read_text()), "deadline": 4, "timeout": 60}))
    digests = {name: _digest(root / "source") for name, root in roots.items()}
    procs = {}
    for name, root in roots.items():
        python = "/nonexistent/python" if name == "no_python" else sys.executable
        env = dict(os.environ, COURSE_AUTOGRADER_ROOT=str(root), COURSE_AUTOGRADER_PYTHON=python)
        procs[name] = subprocess.Popen(
            [str(root / "source" / "run_autograder")],
            cwd=root,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
    outputs = {name: p.communicate(timeout=240)[0] for name, p in procs.items()}
    time.sleep(3.0)  # longer than the hostile hand-in's leftover process waits before it writes
    try:
        yield {
            name: dict(
                root=root,
                results=json.loads((root / "results" / "results.json").read_text()),
                stdout=outputs[name],
                code=procs[name].returncode,
                digest=digests[name],
            )
            for name, root in roots.items()
        }
    finally:
        PLANTED.unlink(missing_ok=True)


def isolation_line() -> str:
    from course_tools.grade.submission import Settings

    return Settings().describe().split(";")[0]  # "kernels run ...": who the kernels run as


@pytest.mark.kernel
def test_an_honest_hand_in_gets_full_marks_with_feedback_per_test(graded):
    r = graded["honest"]
    assert r["code"] == 0, r["stdout"]
    results, points = r["results"], total(SOLUTION)
    assert results["score"] == points
    assert sum(t["max_score"] for t in results["tests"]) == points
    assert all(t["score"] == t["max_score"] and t["status"] == "passed" for t in results["tests"])
    assert [t["name"] for t in results["tests"]][:2] == ["test_grads_xyz", "test_gates"]
    assert all("hidden test 1: passed" in t["output"] for t in results["tests"])
    # the sandbox's description is the instructor's (the log), not the students'
    assert isolation_line() not in json.dumps(results) and "seccomp" not in json.dumps(results)
    assert f"run_autograder: {SOLUTION.stem}; {isolation_line()}" in r["stdout"]
    assert results["extra_data"]["status"] == "ok" and results["extra_data"]["handin"] == SOLUTION.name
    assert "course grade: 1 of 1 submission(s)" in r["stdout"]  # the grader's log, for the instructor


@pytest.mark.kernel
def test_a_blank_hand_in_scores_zero_and_each_test_says_why(graded):
    results = graded["blank"]["results"]
    assert results["score"] == 0 and sum(t["max_score"] for t in results["tests"]) == total(SOLUTION)
    assert all(t["score"] == 0 and t["status"] == "failed" for t in results["tests"])
    assert all(" not filled in yet" in t["output"] for t in results["tests"])
    assert results["extra_data"]["handin"] == "my work (1).ipynb"  # the one notebook, whatever its name


@pytest.mark.kernel
def test_a_hostile_hand_in_earns_nothing_and_cannot_touch_results_source_or_grader(graded):
    r = graded["hostile"]
    results = r["results"]
    assert results["score"] == 0, results["tests"][0]["output"]  # the solution it tried to read would give 1
    assert "dfdx[0] is wrong" in results["tests"][0]["output"]  # the cell ran to its end, answering zeros
    assert "pwned" not in json.dumps(results) and len(results["tests"]) == 6
    assert sorted(p.name for p in (r["root"] / "results").iterdir()) == ["results.json"]
    assert _digest(r["root"] / "source") == r["digest"]
    assert not PLANTED.exists()
    ps = subprocess.run(["ps", "-eo", "args"], capture_output=True, text=True).stdout
    assert "time.sleep(2.5)" not in ps


@pytest.mark.kernel
def test_a_hand_in_without_a_notebook_gets_zero_and_the_reason(graded):
    results = graded["empty"]["results"]
    assert results["score"] == 0 and sum(t["max_score"] for t in results["tests"]) == total(SOLUTION)
    assert "has no .ipynb file" in results["output"] and "Grading note (no notebook)" in results["output"]
    assert all("not graded" in t["output"] for t in results["tests"])
    assert "kernels run" not in results["output"]


@pytest.mark.kernel
def test_a_hand_in_over_the_deadline_gets_zero_and_the_reason(graded):
    r = graded["slow"]
    assert r["code"] == 0 and r["results"]["score"] == 0, r["stdout"]
    assert "took longer than the 4 s allowed" in r["results"]["output"]
    assert r["results"]["extra_data"]["status"] == "timeout" and len(r["results"]["tests"]) == 6
    assert r["results"]["execution_time"] < 45  # stopped at its deadline, not after its cell's 60 s


@pytest.mark.kernel
def test_run_autograder_writes_results_even_when_python_cannot_run(graded):
    r = graded["no_python"]
    assert r["code"] == 0 and r["results"]["score"] == 0
    assert "could not grade this submission" in r["results"]["output"]
    assert stat.S_ISREG((r["root"] / "results" / "results.json").stat().st_mode)
