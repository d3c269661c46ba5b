"""The autograder, `course grade`: hostile submissions, unreadable input, re-runs, Ctrl-C, the
command line, and every notebook of the course.

Most tests read the results of one grading run (module scope) over a folder of submissions
built from the solution notebook ``grade_fixtures/fixture.json``, one submission per way a
notebook can go wrong.
"""

from __future__ import annotations

import ast
import csv
import hashlib
import importlib
import inspect
import os
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import nbformat
import pytest

pytestmark = pytest.mark.kernel  # nearly every test here grades in sandboxed kernels

if not sys.platform.startswith("linux"):
    pytest.skip("the grading sandbox and these tests need Linux", allow_module_level=True)


def _course_not_installed_from(repo: Path) -> str | None:
    """Why grading kernels would not use the course in ``repo``, or None if they will.

    A grading kernel imports course_utils as a fresh, isolated Python does, and the sandbox
    lets it read only the folder of the course_utils that the grader imported. Both must be
    this checkout, which is what an editable install of it gives.
    """
    import course_utils

    here = (repo / "course_utils").resolve()
    code = "import course_utils; print(course_utils.__file__)"
    proc = subprocess.run(
        [sys.executable, "-I", "-c", code], cwd=tempfile.gettempdir(), capture_output=True, text=True, timeout=120
    )
    if proc.returncode != 0:
        return f"{sys.executable} cannot import course_utils"
    for who, file in (("a grading kernel", proc.stdout.strip()), ("this test run", course_utils.__file__)):
        found = Path(file).resolve().parent
        if found != here:
            return f"{who} would import course_utils from {found}, not from this checkout ({here})"
    return None


_why = _course_not_installed_from(Path(__file__).resolve().parents[1])
if _why:
    pytest.skip(
        f"the grading tests need the course installed editable from this checkout: {_why}. "
        "Run `pip install -e .` here (`make test` does it in .venv).",
        allow_module_level=True,
    )

from course_tools import cli  # noqa: E402  (after the checks above)
from course_tools.grade import grade, sandbox  # noqa: E402
from course_tools.grade.plan import Step, load_plan  # noqa: E402
from course_tools.grade.transport import TransportError, load_npz  # noqa: E402
from course_tools.release import release_notebook  # noqa: E402
from course_utils.checks import REGISTRY  # noqa: E402

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
SOLUTION = HERE / "grade_fixtures" / "fixture.json"  # a notebook; .json so nbval does not run it
PROTECTED = os.geteuid() == 0 or sandbox.landlock_abi() >= 6  # a kernel cannot signal the test run

SCALE = "def scale(x, a):\n    return a * x\n"
AFFINE = "def affine(x, w, b):\n    return x @ w + b\n"
SOFTPLUS = "def softplus(x):\n    return np.logaddexp(0.0, x)\n"
GOOD = {"scale": SCALE, "affine": AFFINE, "softplus": SOFTPLUS}


@pytest.fixture(scope="module", autouse=True)
def fixture_checks():
    """Register the fixture's checks for this module only (other tests see the course's alone)."""
    from grade_fixtures.fixture_checks import registered

    with registered():
        yield


def probe(condition: str) -> str:
    """A scale answer that is right only if ``condition`` (code that sets ``held``) holds: full
    marks for a hand-in with it prove the wall it tests."""
    body = "\n".join("    " + line for line in condition.strip().splitlines())
    return (
        f"def _check():\n{body}\n    return held\nHELD = _check()\ndef scale(x, a):\n    return a * x if HELD else x\n"
    )


def notebook(answers: dict | None = None, *, drop=()) -> bytes:
    """The fixture solution with some answer cells replaced or dropped."""
    nb = nbformat.read(SOLUTION, as_version=4)
    cells = []
    for cell in nb.cells:
        meta = cell.metadata.get("nbgrader", {})
        gid = meta.get("grade_id")
        if gid in drop:
            continue
        if meta.get("solution") and answers and gid in answers:
            cell.source = answers[gid]
        cells.append(cell)
    nb.cells = cells
    return nbformat.writes(nb).encode()


def blank(tests: str | None = None) -> bytes:
    """The released student notebook; with ``tests``, its test cells rewritten (and given 100 points)."""
    nb = release_notebook(SOLUTION)
    for cell in nb.cells:
        meta = cell.metadata.get("nbgrader", {})
        if meta.get("grade") and tests is not None:
            cell.source, meta["points"] = tests, 100
    return nbformat.writes(nb).encode()


# An answer cell that, when it runs, calls the reference on the check's cases for many seeds
# and answers from that table (a reference present in the kernel would give full marks).
TABLER = """import course_utils.checks as checks
from grade_fixtures import fixture_ref as fr
table = {}
for seed in range(20):
    for case in checks.REGISTRY['check_fx_scale'].cases(seed):
        try:
            table[case['x'].tobytes()] = fr.scale_reference(case['x'], case['a'])
        except Exception:
            pass
def scale(x, a):
    return table.get(x.tobytes(), x)
"""
# Fakes for the profiler that once watched for reference calls, then the call itself.
FAKER = """import sys, threading
sys.setprofile = lambda f: None
sys.getprofile = lambda: None
threading.setprofile = lambda f: None
kernel = sys.modules.get('course_grade_kernel')
if kernel is not None:
    kernel._Tracer = type('_Tracer', (), {'__init__': lambda self, *a: None, '__enter__': lambda self: self,
                                          '__exit__': lambda self, *a: False, 'hits': set(), 'tampered': False})
def affine(x, w, b):
    return fixture_ref.affine_reference(x, w, b)
"""
# The reference run in a child process, a fork, and a thread started before the test.
CHILD = """import json, subprocess, sys
CODE = ("import json, sys, numpy as np; from grade_fixtures.fixture_ref import scale_reference as s; "
        "print(json.dumps(s(np.array(json.loads(sys.argv[1])), float(sys.argv[2])).tolist()))")
def scale(x, a):
    run = subprocess.run([sys.executable, '-c', CODE, json.dumps(x.tolist()), str(a)], capture_output=True, text=True)
    return np.array(json.loads(run.stdout))
"""
FORK = """import os, pickle
def affine(x, w, b):
    r, w_fd = os.pipe()
    pid = os.fork()
    if pid == 0:
        try:
            data = pickle.dumps(fixture_ref.affine_reference(x, w, b))
        except BaseException:
            data = pickle.dumps(None)
        os.write(w_fd, data)
        os._exit(0)
    os.close(w_fd)
    data = b''
    while chunk := os.read(r, 1 << 16):
        data += chunk
    os.waitpid(pid, 0)
    return pickle.loads(data)
"""
THREAD = """import queue, threading
import grade_fixtures.fixture_ref as fr
jobs, answers = queue.Queue(), queue.Queue()
def _worker():
    while True:
        x = jobs.get()
        try:
            answers.put(fr.softplus_reference(x))
        except BaseException:
            answers.put(None)
threading.Thread(target=_worker, daemon=True).start()
def softplus(x):
    jobs.put(x)
    return answers.get(timeout=2)
"""
# Results that would cost the grader gigabytes: many compressed members, each within the
# per-array limit (4 x 32 MB of zeros, twice what the grader accepts, 130 kB on disk).
NPZ_BOMB = """import sys, zipfile, numpy as _np
_kernel = sys.modules['course_grade_kernel']
_real = _kernel.np.savez
class _Np:
    def __getattr__(self, name):
        return getattr(_np, name)
    def savez(self, file, **arrays):
        with zipfile.ZipFile(file, 'w', zipfile.ZIP_DEFLATED) as z:
            for i in range(4):
                with z.open(f'big{i}.npy', 'w', force_zip64=True) as f:
                    _np.lib.format.write_array(f, _np.zeros(1 << 22))
_kernel.np = _Np()
def scale(x, a):
    return a * x
"""
# Results nested 100,000 deep, then execute replies whose fields have the wrong types.
MALFORMED = """import sys, json as _json
_kernel = sys.modules['course_grade_kernel']
class _Deep:
    load = staticmethod(_json.load)
    loads = staticmethod(_json.loads)
    @staticmethod
    def dump(obj, f, *args, **kwargs):
        f.write('[' * 100000 + ']' * 100000)
        _kernel.json = _json
_kernel.json = _Deep
def scale(x, a):
    return a * x
"""
GARBLER = """_session = get_ipython().kernel.session
_send = _session.send
def _garbled(stream, msg_or_type, content=None, *args, **kwargs):
    if msg_or_type == 'execute_reply':
        content = {'status': ['error'], 'ename': {'deep': [[[1]]]}, 'evalue': 7, 'traceback': 5}
    return _send(stream, msg_or_type, content, *args, **kwargs)
_session.send = _garbled
def softplus(x):
    return np.logaddexp(0.0, x)
"""
# Start-up files a restarted kernel would run, then a crash that restarts it.
STARTUP = """import os
_sleep = 'import time\\ntime.sleep(1000)\\n'
for folder, name in [(os.path.join(os.environ.get('IPYTHONDIR', '.ipython'), 'profile_default', 'startup'), '00.py'),
                     (os.path.join(os.path.expanduser('~'), '.ipython', 'profile_default', 'startup'), '00.py'),
                     (os.environ.get('JUPYTER_CONFIG_DIR', '.jupyter'), 'ipython_kernel_config.py'),
                     (os.environ.get('MPLCONFIGDIR', '.mpl'), 'matplotlibrc'), ('.', 'numpy.py'), ('.', 'json.py')]:
    try:
        os.makedirs(folder, exist_ok=True)
        with open(os.path.join(folder, name), 'w') as f:
            f.write('backend: module://numpy\\n' if name == 'matplotlibrc' else _sleep)
    except OSError:
        pass
os._exit(1)
"""
ORIGINAL_REF = HERE / "grade_fixtures" / "fixture_ref.py"
# A copy of the reference's source file, run under another name: the kernel's copy, then the original.
SOURCER = """import grade_fixtures.fixture_ref as fr
ns = {}
for path in (fr.__file__, ORIGINAL):
    try:
        exec(compile(open(path).read(), 'my_copy.py', 'exec'), ns)
        ns['scale_reference'](np.ones(1), 1.0)
        break
    except Exception:
        ns = {}
def scale(x, a):
    return ns['scale_reference'](x, a)
"""


def hostile(subs: Path, out: Path) -> dict[str, bytes | dict]:
    """Every submission of the big run: name -> notebook bytes (or {file: bytes} for a folder)."""
    attempts = [
        f"open({str(p)!r}, 'w').write('pwned')"
        for p in (
            out / "grades.csv",
            out / "results" / "good.json",
            out / "evil.txt",
            subs / "good.ipynb",
            subs / "evil.ipynb",
            REPO / "course_utils" / "evil.py",
            REPO / "evil.txt",
            HERE / "grade_fixtures" / "evil.py",
        )
    ]
    attempts.append(f"os.remove({str(subs / 'blank.ipynb')!r})")
    if PROTECTED:  # without a sandbox that forbids it, this would kill the test run itself
        attempts.append("os.kill(os.getppid(), signal.SIGKILL)")
    writer = "import os, signal, subprocess\n" + "".join(
        f"try:\n    {a}\nexcept OSError:\n    pass\n" for a in attempts
    )
    writer += (
        "open('scratch.txt', 'w').write('mine')\n"
        "subprocess.Popen(['sleep', '1234.5'], start_new_session=True)\n" + SCALE
    )
    other = nbformat.v4.new_notebook(
        cells=[
            nbformat.v4.new_code_cell(
                "def foo():\n    return 1", metadata={"nbgrader": {"grade_id": "foo", "solution": True, "grade": False}}
            )
        ]
    )
    nometa = nbformat.reads(notebook().decode(), as_version=4)
    for cell in nometa.cells:
        cell.metadata.pop("nbgrader", None)
    reordered = nbformat.reads(notebook().decode(), as_version=4)
    answers = [c for c in reordered.cells if c.metadata.get("nbgrader", {}).get("solution")]
    wrong_copy = nbformat.v4.new_code_cell("def scale(x, a):\n    return x", metadata=dict(answers[0].metadata))
    reordered.cells = [nbformat.v4.new_code_cell("print('All tests passed')"), wrong_copy, *answers[::-1]]
    return {
        "good": notebook(GOOD),
        "blank": blank(),
        "patcher": notebook(
            {
                "scale": "import builtins, numpy, course_utils.checks as checks, course_utils.gradcheck as gradcheck\n"
                "numpy.allclose = lambda *a, **k: True\nnumpy.array_equal = lambda *a, **k: True\n"
                "numpy.testing.assert_allclose = lambda *a, **k: None\ngradcheck.rel_error = lambda *a, **k: 0.0\n"
                "checks.verify = checks._core.verify = lambda *a, **k: []\n"
                "checks.run_check = checks._core.run_check = lambda *a, **k: []\n"
                "for spec in checks.REGISTRY.values():\n"
                "    spec.tol = float('inf')\n    spec.expected = lambda case: {}\n"
                "builtins.abs = lambda x: 0.0\ndef scale(x, a):\n    return x\n",
                "affine": "def affine(x, w, b):\n    out = x @ w + b\n    x[0, 0] = 1e6\n    return out\n",
                "softplus": "def softplus(x):\n    return x\n",
            }
        ),
        "printer": notebook(
            {
                "scale": "print('All tests passed! 6/6 points')\ndef scale(x, a):\n"
                "    print('✓ scale: all quantities match')\n    return 0 * x\n",
                "affine": "def affine(x, w, b):\n    x @ w + b\n",
                "softplus": "def softplus(x):\n    return np.log(1 + np.exp(x)) + 1e-3\n",
            }
        ),
        "exiter": notebook(
            {
                "scale": "import sys\nsys.exit(0)\n" + SCALE,
                "affine": AFFINE,
                "softplus": "def softplus(x):\n    import os\n    os._exit(3)\n",
            }
        ),
        "crasher": notebook(
            {"scale": SCALE, "affine": "import ctypes\nctypes.string_at(0)\n" + AFFINE, "softplus": SOFTPLUS}
        ),
        "hanger": notebook(
            {
                "scale": "def scale(x, a):\n    while True:\n        pass\n",
                "affine": AFFINE,
                "softplus": "def softplus(x):\n    import signal\n"
                "    signal.signal(signal.SIGINT, signal.SIG_IGN)\n"
                "    while True:\n        pass\n",
            }
        ),
        "flooder": notebook(
            {
                "scale": "while True:\n    print('All tests passed! ' * 50)\n" + SCALE,
                "affine": AFFINE,
                "softplus": SOFTPLUS,
            }
        ),
        "hog": notebook(
            {
                "scale": SCALE,
                "affine": AFFINE + "hoard = np.ones(1 << 31)\n",
                "softplus": "def softplus(x):\n    hoard = bytearray(8 << 30)\n    return np.logaddexp(0.0, x)\n",
            }
        ),
        "writer": notebook({"scale": writer, "affine": AFFINE, "softplus": SOFTPLUS}),
        "refcaller": notebook(
            {
                "scale": "from grade_fixtures.fixture_ref import scale_reference as s\n"
                "def scale(x, a):\n    return s(x, a)\n",
                "affine": "def affine(x, w, b):\n    return fixture_ref.affine_reference(x, w, b)\n",
                "softplus": SOFTPLUS,
            }
        ),
        "tamperer": notebook(
            {
                "scale": SCALE,
                "affine": "import sys\ndef affine(x, w, b):\n    sys.setprofile(None)\n"
                "    return fixture_ref.affine_reference(x, w, b)\n",
                "softplus": "def softplus(x):\n    import importlib, grade_fixtures.fixture_ref as r\n"
                "    return importlib.reload(r).softplus_reference(x)\n",
            }
        ),
        "fifo": notebook(
            {
                "scale": "import json, os\ndef _fifo(obj, f, *args, **kwargs):\n    f.close()\n"
                "    os.unlink(f.name)\n    os.mkfifo(f.name)\njson.dump = _fifo\n" + SCALE
            }
        ),
        "symlinker": notebook(
            {
                "scale": "import os\ndef _link(file, **arrays):\n    os.symlink('/etc/shadow', file)\n"
                "np.savez = _link\n" + SCALE
            }
        ),
        "expectant": notebook(
            {
                "scale": "import course_utils.checks as checks\n"
                "spec = checks.REGISTRY['check_fx_scale']\n"
                "spec.call = lambda student, case: spec.expected(case)\n"
                "def scale(x, a):\n    return x\n"
            }
        ),
        # the reference is absent, not watched: every way of reaching it finds the stub
        "tabler": notebook({"scale": TABLER, "affine": AFFINE, "softplus": SOFTPLUS}),
        "faker": notebook({"scale": SCALE, "affine": FAKER, "softplus": SOFTPLUS}),
        "forker": notebook({"scale": CHILD, "affine": FORK, "softplus": THREAD}),
        "sourcer": notebook(
            {"scale": SOURCER.replace("ORIGINAL", repr(str(ORIGINAL_REF))), "affine": AFFINE, "softplus": SOFTPLUS}
        ),
        # the grader's own process stays bounded whatever comes back
        "bomber": notebook({"scale": NPZ_BOMB, "affine": AFFINE, "softplus": SOFTPLUS}),
        "malformer": notebook({"scale": MALFORMED, "affine": AFFINE, "softplus": GARBLER}),
        "verbose": notebook(
            {"scale": SCALE + "PAD = '" + "x" * (5 << 20) + "'\n", "affine": AFFINE, "softplus": SOFTPLUS}
        ),
        "starter": notebook({"scale": STARTUP + SCALE, "affine": AFFINE, "softplus": SOFTPLUS}),
        LONG_NAME: {"fixture.ipynb": notebook(GOOD)},
        "ann lee": notebook(GOOD),
        "ann_lee": notebook({"scale": SCALE, "affine": AFFINE, "softplus": "def softplus(x):\n    return x\n"}),
        "broken": b'{"cells": [{"cell_type": "code", "source": ',
        "empty": b"",
        "other": nbformat.writes(other).encode(),
        "missing": notebook(GOOD, drop=("affine",)),
        "nometa": nbformat.writes(nometa).encode(),
        "reordered": nbformat.writes(reordered).encode(),
        "edited_tests": blank(tests="print('All tests passed')"),
        "frank": {"fixture.ipynb": notebook(GOOD), "notes.ipynb": nbformat.writes(other).encode()},
        "gina": {"README.txt": b"I forgot the notebook"},
    }


EXPECTED = {  # student: (total, status)
    "good": (6, "ok"),
    "blank": (0, "ok"),
    "patcher": (0, "ok"),
    "printer": (0, "ok"),
    "exiter": (2, "exit"),
    "crasher": (4, "kernel died"),
    "hanger": (2, "timeout"),
    "flooder": (5, "output limit"),
    "hog": (3, "memory"),
    "writer": (6, "ok"),
    "refcaller": (3, "ok"),
    "tamperer": (1, "ok"),
    "broken": (0, "invalid notebook"),
    "empty": (0, "invalid notebook"),
    "other": (0, "wrong assignment"),
    "missing": (4, "missing answers"),
    "nometa": (0, "missing answers"),
    "reordered": (6, "ok"),
    "edited_tests": (0, "ok"),
    "frank": (6, "ok"),
    "gina": (0, "no notebook"),
    "fifo": (0, "unreadable results"),
    "symlinker": (0, "unreadable results"),
    "expectant": (5, "ok"),
    "tabler": (5, "ok"),
    "faker": (4, "ok"),
    "forker": (0, "ok"),
    "sourcer": (5, "ok"),
    "bomber": (0, "unreadable results"),
    "malformer": (2, "unreadable results"),
    "verbose": (5, "missing answers"),
    "starter": (5, "exit"),
    "ann_lee": (3, "ok"),
}
LONG_NAME = "a" * 245  # a folder name as long as a file system allows, once the grader adds to it
SPECIAL = {  # hand-ins that are not notebook files: key -> (total, status)
    "linked": (0, "invalid notebook"),
    "fifo_handin": (0, "invalid notebook"),
    "zero": (0, "invalid notebook"),
    "dirlink": (0, "invalid notebook"),
}


def _key(handin: str) -> str:
    """The row key of a hand-in whose name is not a safe file name (see handins.student_key)."""
    from course_tools.grade.handins import student_key as _student_key

    return _student_key(handin.removesuffix("/").removesuffix(".ipynb"), handin)


EXPECTED.update({_key(LONG_NAME + "/"): (6, "ok"), _key("ann lee.ipynb"): (6, "ok")})
EXPECTED.update(SPECIAL)


def _digest(folder: Path) -> dict:
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file() and not p.is_symlink()
    }


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    """Grade every hostile submission at once (2 jobs, 3 s per cell, 1 GB per kernel)."""
    base = tmp_path_factory.mktemp("grade")
    subs, out = base / "submissions", base / "out"
    subs.mkdir()
    for name, content in hostile(subs, out).items():
        if isinstance(content, dict):
            (subs / name).mkdir()
            for file, data in content.items():
                (subs / name / file).write_bytes(data)
        else:
            (subs / f"{name}.ipynb").write_bytes(content)
    (subs / "linked.ipynb").symlink_to(SOLUTION)  # the solution itself, through a link
    (subs / "zero.ipynb").symlink_to("/dev/zero")  # endless bytes
    os.mkfifo(subs / "fifo_handin.ipynb")  # a read that never ends
    (subs / "dirlink").symlink_to(HERE / "grade_fixtures")  # a folder elsewhere
    before = _digest(subs)
    start = time.monotonic()
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    results = grade(subs, SOLUTION, out, jobs=2, timeout=3, memory="1G", progress=False)
    grown = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - peak
    return dict(results=results, subs=subs, out=out, before=before, seconds=time.monotonic() - start, grown_kb=grown)


@pytest.mark.parametrize("student", sorted(EXPECTED))
def test_each_submission_gets_its_score_and_status(run, student):
    result = run["results"][student]
    assert (result["total"], result["status"]) == EXPECTED[student], result["detail"]


def test_grades_csv_has_one_row_per_submission(run):
    with open(run["out"] / "grades.csv", newline="") as f:
        rows = list(csv.DictReader(f))
    assert [r["student"] for r in rows] == sorted(EXPECTED)
    assert list(rows[0]) == [
        "student",
        "handin",
        "test_scale",
        "test_affine",
        "test_softplus",
        "total",
        "max_total",
        "status",
        "detail",
    ]
    good = next(r for r in rows if r["student"] == "good")
    assert (good["test_scale"], good["test_affine"], good["test_softplus"], good["total"], good["max_total"]) == (
        "1",
        "2",
        "3",
        "6",
        "6",
    )
    assert {r["status"] for r in rows} <= {s for _, s in EXPECTED.values()}
    assert all(r["detail"] for r in rows if r["status"] != "ok")


def test_each_stored_test_result_reads_back_as_the_same_json(run):
    """Inside the grader a test's result is a TestResult; the results file holds its JSON, which
    reads back (``from_json``) and writes out (``to_json``) byte for byte the same."""
    import json

    from course_tools.grade.results import TestResult

    stored = sorted((run["out"] / "results").glob("*.json"))
    assert stored
    for path in stored:
        record = json.loads(path.read_text())
        for gid, t in record["tests"].items():
            back = TestResult.from_json(t).to_json()
            assert json.dumps(back) == json.dumps(t), (path.name, gid)
    good = json.loads((run["out"] / "results" / "good.json").read_text())["tests"]["test_scale"]
    assert list(good) == ["points", "max", "passed", "cause", "answer", "messages", "errors"]
    assert TestResult.from_json(good).messages[0].to_json() == good["messages"][0]


def read_csv(out: Path) -> list[dict]:
    with open(out / "grades.csv", newline="") as f:
        return list(csv.DictReader(f))


def feedback(run, student: str) -> str:
    return (run["out"] / "feedback" / f"{student}.md").read_text()


def test_patching_numpy_checks_and_builtins_earns_nothing(run):
    tests = run["results"]["patcher"]["tests"]
    assert all(t["points"] == 0 for t in tests.values())
    assert "modified its input `x` in place" in tests["test_affine"]["messages"][0]["message"]


def test_printed_verdicts_are_ignored(run):
    text = feedback(run, "printer")
    assert "out is None" in text and "Score: 0 / 6" in text


def test_hidden_failures_reveal_no_expected_values_or_test_code(run):
    visible, hidden = run["results"]["printer"]["tests"]["test_softplus"]["messages"]
    assert "expected" in visible["message"]
    assert hidden["message"].startswith("softplus: out is wrong (rel. error") and "expected" not in hidden["message"]
    text = feedback(run, "printer")
    assert "seed" not in text and "check_fx" not in text


def test_calling_the_reference_earns_nothing_and_says_why(run):
    tests = run["results"]["refcaller"]["tests"]
    assert tests["test_scale"]["points"] == tests["test_affine"]["points"] == 0
    assert tests["test_softplus"]["points"] == 3
    assert "course's own implementation" in tests["test_affine"]["messages"][0]["message"]
    assert "affine_reference" in feedback(run, "refcaller")


def test_a_check_patched_to_return_its_expected_values_earns_nothing(run):
    message = run["results"]["expectant"]["tests"]["test_scale"]["messages"][0]["message"]
    assert "the check's own computation of the expected values" in message


def test_the_reference_is_absent_however_an_answer_reaches_for_it(run):
    """Reloaded, called after faking the old profiler, from a table built when the cell ran,
    from a child process, a fork or an earlier thread, or from a copy of its source file."""
    r = run["results"]
    for student, test in [("tamperer", "test_affine"), ("tamperer", "test_softplus"), ("faker", "test_affine")]:
        assert "course's own implementation" in r[student]["tests"][test]["messages"][0]["message"], student
    for student, test in [
        ("tabler", "test_scale"),
        ("sourcer", "test_scale"),
        ("forker", "test_scale"),
        ("forker", "test_affine"),
        ("forker", "test_softplus"),
    ]:
        assert r[student]["tests"][test]["points"] == 0, (student, test)


def test_a_crashing_or_hanging_answer_costs_only_its_own_tests(run):
    r = run["results"]
    assert r["crasher"]["tests"]["test_affine"]["points"] == 0
    assert "crashed the kernel (SIGSEGV)" in r["crasher"]["tests"]["test_affine"]["messages"][0]["message"]
    assert [t["points"] for t in r["hanger"]["tests"].values()] == [0, 2, 0]
    assert "ran longer than 3 s" in r["hanger"]["detail"]
    assert "called sys.exit()" in r["exiter"]["detail"] and "exit code 3" in r["exiter"]["detail"]
    assert "MemoryError" in feedback(run, "hog")


def test_results_the_grader_cannot_safely_read_earn_nothing(run):
    for student in ("fifo", "symlinker"):
        messages = [m["message"] for t in run["results"][student]["tests"].values() for m in t["messages"]]
        assert set(messages) == {"the grader could not read what your code returned."}


def test_missing_and_duplicated_answer_cells_are_explained(run):
    assert "no answer cell `affine`" in feedback(run, "missing")
    assert "the last one was graded" in feedback(run, "reordered")


def test_submissions_change_nothing_outside_their_scratch_folder(run):
    out = run["out"]
    assert _digest(run["subs"]) == run["before"]
    planted = (REPO / "evil.txt", REPO / "course_utils" / "evil.py", HERE / "grade_fixtures" / "evil.py")
    assert not any(p.exists() for p in planted)
    assert sorted(p.name for p in out.iterdir()) == ["feedback", "grades.csv", "results"]
    assert "pwned" not in (out / "grades.csv").read_text()
    assert (out / "results" / "good.json").read_text().startswith("{")
    ps = subprocess.run(["ps", "-eo", "args"], capture_output=True, text=True).stdout
    assert "sleep 1234.5" not in ps


def test_the_run_time_is_bounded(run):
    assert run["seconds"] < 120


def test_hand_ins_that_are_links_pipes_or_devices_are_refused_unread(run):
    r = run["results"]
    assert "link" in r["linked"]["detail"] and "link" in r["zero"]["detail"] and "link" in r["dirlink"]["detail"]
    assert "not a regular file" in r["fifo_handin"]["detail"]


def test_the_graders_memory_stays_bounded_whatever_comes_back(run):
    assert run["grown_kb"] < 400 << 10, f"the grader grew by {run['grown_kb'] >> 10} MB"
    assert "could not read" in run["results"]["bomber"]["tests"]["test_scale"]["messages"][0]["message"]


def test_malformed_results_and_replies_cost_only_their_own_tests(run):
    tests = run["results"]["malformer"]["tests"]
    assert (tests["test_scale"]["points"], tests["test_affine"]["points"], tests["test_softplus"]["points"]) == (
        0,
        2,
        0,
    )


def test_an_oversized_answer_cell_is_not_parsed(run):
    r = run["results"]["verbose"]
    assert any("more than the 100,000" in n for n in r["notes"]) and r["seconds"] < 30


def test_start_up_files_written_by_a_hand_in_never_run(run):
    r = run["results"]["starter"]
    assert r["tests"]["test_affine"]["points"] == 2 and r["seconds"] < 30


def test_rows_are_keyed_by_the_real_hand_in_name(run):
    rows = {r["handin"]: r for r in read_csv(run["out"])}
    assert rows["ann lee.ipynb"]["total"] == "6" and rows["ann_lee.ipynb"]["total"] == "3"
    assert rows["ann lee.ipynb"]["student"] != rows["ann_lee.ipynb"]["student"]
    assert rows[LONG_NAME + "/"]["total"] == "6"
    for handin in ("ann lee.ipynb", "ann_lee.ipynb", LONG_NAME + "/"):
        assert (run["out"] / "feedback" / f"{rows[handin]['student']}.md").is_file()


def test_a_new_hand_in_never_takes_over_an_earlier_row(tmp_path):
    subs, out = tmp_path / "subs", tmp_path / "out"
    subs.mkdir()
    (subs / "ann_lee.ipynb").write_bytes(notebook(GOOD))
    grade(subs, SOLUTION, out, jobs=1, timeout=10, progress=False)
    before = (out / "feedback" / "ann_lee.md").read_text()
    (subs / "ann lee.ipynb").write_bytes(notebook({"scale": SCALE, "affine": AFFINE, "softplus": "x = 1\n"}))
    (subs / "ann lee").mkdir()
    (subs / "ann lee" / "fixture.ipynb").write_bytes(notebook(GOOD))
    os.utime(subs / "ann lee", (time.time() + 5,) * 2)  # the folder came later
    imitator = _key("ann lee.ipynb")  # a name shaped like another hand-in's row
    (subs / f"{imitator}.ipynb").write_bytes(notebook({"scale": SCALE, "affine": AFFINE, "softplus": "x = 1\n"}))
    grade(subs, SOLUTION, out, jobs=1, timeout=10, progress=False)
    assert (out / "feedback" / "ann_lee.md").read_text() == before
    rows = {r["handin"]: r for r in read_csv(out)}
    assert rows["ann_lee.ipynb"]["total"] == "6"
    # one name, a file and a folder: both graded, each in its own row; the imitator takes nobody's
    assert (rows["ann lee.ipynb"]["total"], rows["ann lee/"]["total"], rows[f"{imitator}.ipynb"]["total"]) == (
        "3",
        "6",
        "3",
    )
    assert rows["ann lee.ipynb"]["student"] == imitator
    assert len({r["student"] for r in rows.values()}) == len(rows) == 4


def setup_code(plan, answers: dict) -> str:
    return "\n".join(s.source for s in plan.program(answers) if isinstance(s, Step) and s.grade_id is None)


def test_a_kernel_runs_only_the_setup_that_answers_and_tests_use():
    plan = load_plan(SOLUTION)
    code = setup_code(plan, {})
    assert "import numpy as np" in code and "OFFSET = 0.0" in code
    assert not any(s in code for s in ("time.sleep", "matplotlib", "autoreload", "plt.plot"))
    uses_plt = setup_code(plan, {"scale": "def scale(x, a):\n    plt.figure()\n    return a * x"})
    assert "import matplotlib.pyplot as plt" in uses_plt and "time.sleep" not in uses_plt


def test_names_a_function_uses_count_even_when_defined_after_it(tmp_path):
    nb = nbformat.read(SOLUTION, as_version=4)
    helper = nbformat.v4.new_code_cell("def helper(x):\n    return FACTOR * x")
    nb.cells[2:2] = [
        helper,
        nbformat.v4.new_code_cell("FACTOR = 1.0\nunused = helper(2.0)"),
        nbformat.v4.new_code_cell("print('a figure')"),
    ]
    path = tmp_path / "fixture.json"
    nbformat.write(nb, path)
    code = setup_code(load_plan(path), {"scale": "def scale(x, a):\n    return helper(a * x)"})
    assert "def helper(x)" in code and "FACTOR = 1.0" in code
    assert "unused" not in code and "a figure" not in code


def test_parse_size():
    assert sandbox.parse_size("2G") == 2 << 30
    assert sandbox.parse_size("512M") == sandbox.parse_size("512MiB") == 512 << 20
    assert sandbox.parse_size("1.5G") == 3 << 29 and sandbox.parse_size("4096") == 4096
    with pytest.raises(ValueError, match="not a size"):
        sandbox.parse_size("lots")


def test_results_are_read_only_as_small_numeric_regular_files(tmp_path):
    import io
    import zipfile

    import numpy as np

    forged = io.BytesIO()
    np.lib.format.write_array_header_1_0(forged, {"descr": "<f8", "fortran_order": False, "shape": (10**12,)})
    with zipfile.ZipFile(tmp_path / "forged.npz", "w") as z:
        z.writestr("a.npy", forged.getvalue() + bytes(8))
    np.savez(tmp_path / "objects.npz", a=np.array([{}, None], dtype=object))
    np.savez(tmp_path / "fine.npz", a=np.arange(3.0))
    os.symlink(tmp_path / "fine.npz", tmp_path / "link.npz")
    os.mkfifo(tmp_path / "fifo.npz")
    assert list(load_npz(tmp_path / "fine.npz")["a"]) == [0.0, 1.0, 2.0]
    for name in ("forged", "objects", "link", "fifo"):
        with pytest.raises(TransportError):
            load_npz(tmp_path / f"{name}.npz")


@pytest.fixture()
def small(tmp_path):
    subs = tmp_path / "subs"
    subs.mkdir()
    (subs / "good.ipynb").write_bytes(notebook(GOOD))
    (subs / "blank.ipynb").write_bytes(blank())
    return subs, tmp_path / "out"


def test_a_rerun_skips_what_is_done_unless_forced(small, capsys):
    subs, out = small
    args = ["grade", str(subs), "--solution", str(SOLUTION), "--out", str(out), "--jobs", "2", "--timeout", "10"]
    assert cli.main(args) == 0
    first = (out / "results" / "good.json").read_text()
    assert cli.main(args) == 0
    assert "0 of 2 submission(s) to grade" in capsys.readouterr().err
    assert (out / "results" / "good.json").read_text() == first
    (subs / "blank.ipynb").write_bytes(notebook({"affine": "def affine(x, w, b):\n    return x @ w\n"}))
    assert cli.main(args) == 0
    assert "1 of 2 submission(s) to grade" in capsys.readouterr().err
    assert cli.main(args + ["--force"]) == 0
    assert "2 of 2 submission(s) to grade" in capsys.readouterr().err
    rows = {r["student"]: r for r in read_csv(out)}
    assert rows["blank"]["total"] == "4" and rows["good"]["total"] == "6"


def test_ctrl_c_keeps_finished_results_and_stops_every_kernel(tmp_path):
    subs, out = tmp_path / "subs", tmp_path / "out"
    subs.mkdir()
    (subs / "a_good.ipynb").write_bytes(notebook(GOOD))
    (subs / "b_slow.ipynb").write_bytes(notebook({"scale": "import time\ntime.sleep(60)\n" + SCALE}))
    # Ctrl-C on a terminal: SIGINT raises KeyboardInterrupt, even where this test run ignores it
    # (a job started in the background by a shell without job control starts with SIGINT ignored)
    code = (
        "import signal, sys\nsignal.signal(signal.SIGINT, signal.default_int_handler)\n"
        "from grade_fixtures import fixture_checks\nfrom course_tools import cli\n"
        f"sys.exit(cli.main(['grade', {str(subs)!r}, '--solution', {str(SOLUTION)!r}, '--out', {str(out)!r}, "
        "'--jobs', '1', '--timeout', '100']))"
    )
    env = dict(os.environ, PYTHONPATH=str(HERE))
    proc = subprocess.Popen([sys.executable, "-c", code], env=env, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 60
    while not (out / "results" / "a_good.json").exists() and time.monotonic() < deadline:
        time.sleep(0.2)
    time.sleep(1.0)  # b_slow is now in its 60 s cell
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=30)
    assert proc.returncode == 130, err
    assert "interrupted" in err
    assert sorted(p.name for p in (out / "results").iterdir()) == ["a_good.json"]
    assert [r["student"] for r in read_csv(out)] == ["a_good"]
    time.sleep(0.5)
    assert not _children_of(proc.pid)


def _children_of(pid: int) -> list[int]:
    """Processes started for the grader ``pid``: kernels carry JPY_PARENT_PID in their environment,
    or (with bubblewrap, where the grader is outside their namespace) live in its control groups."""
    found, needle, group = [], f"JPY_PARENT_PID={pid}\0".encode(), f"/course-grade-{pid}-".encode()
    for entry in os.listdir("/proc"):
        try:
            if entry.isdigit() and (
                needle in Path(f"/proc/{entry}/environ").read_bytes()
                or group in Path(f"/proc/{entry}/cgroup").read_bytes()
            ):
                found.append(int(entry))
        except OSError:
            continue
    return found


@pytest.mark.parametrize(
    "change, message",
    [
        (lambda subs: {"--solution": str(subs / "missing.ipynb")}, "no solution notebook"),
        (lambda subs: {"--memory-limit": "lots"}, "not a size"),
        (lambda subs: {"--jobs": "0"}, "--jobs must be at least 1"),
        (lambda subs: {"--out": str(subs / "out")}, "must be outside the submissions folder"),
    ],
    ids=["solution", "memory", "jobs", "out"],
)
def test_bad_arguments_exit_2_with_a_clear_message(small, capsys, change, message):
    subs, out = small
    options = {"--solution": str(SOLUTION), "--out": str(out), **change(subs)}
    assert cli.main(["grade", str(subs), *[x for item in options.items() for x in item]]) == 2
    assert message in capsys.readouterr().err


def test_a_solution_whose_tests_are_not_check_calls_is_refused(small, tmp_path, capsys):
    subs, out = small
    nb = nbformat.read(SOLUTION, as_version=4)
    test = next(c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade"))
    test.source = "assert scale(1, 2) == 2"
    bad = tmp_path / "bad.ipynb"
    nbformat.write(nb, bad)
    assert cli.main(["grade", str(subs), "--solution", str(bad), "--out", str(out)]) == 2
    assert "may only call cu.checks.check_*" in capsys.readouterr().err


def test_an_empty_submissions_folder_is_refused(tmp_path, capsys):
    (tmp_path / "subs").mkdir()
    assert cli.main(["grade", str(tmp_path / "subs"), "--solution", str(SOLUTION), "--out", str(tmp_path / "o")]) == 2
    assert "no submissions in" in capsys.readouterr().err


COURSE = sorted((REPO / "solutions").glob("*.ipynb"))


def reference_answers(solution: Path) -> tuple[dict[str, str], set[str]]:
    """Answer cells that hand in the course's own implementation instead of the student's.

    For each graded function or class that a test's check lists as a reference, the answer
    cell gets a last line that replaces it by the course's (same name for classes; for
    functions, any reference whose signature fits). Returns the new answer sources and the
    tests that must then score zero.
    """
    plan = load_plan(solution)
    nb = nbformat.read(solution, as_version=4)
    sources = {
        c.metadata["nbgrader"]["grade_id"]: c.source
        for c in nb.cells
        if c.cell_type == "code" and c.metadata.get("nbgrader", {}).get("solution")
    }
    defs = {
        node.name: (gid, node)
        for gid, src in sources.items()
        for node in ast.parse(src).body
        if isinstance(node, (ast.FunctionDef, ast.ClassDef))
    }
    replaced, failing = {}, set()
    for test in plan.tests:
        for call in test.calls:
            for expr in call.args.values():
                if expr not in defs:
                    continue
                gid, node = defs[expr]
                same_name_first = sorted(REGISTRY[call.check].reference, key=lambda d: d.rsplit(".", 1)[1] != expr)
                for dotted in same_name_first:
                    module, attr = dotted.rsplit(".", 1)
                    ref = getattr(importlib.import_module(module), attr)
                    is_class = inspect.isclass(ref)
                    if isinstance(node, ast.ClassDef) != is_class or (is_class and attr != expr):
                        continue
                    if not inspect.isclass(ref):
                        try:
                            inspect.signature(ref).bind(*[a.arg for a in node.args.args])
                        except TypeError:
                            continue
                    line = f"\n{expr} = __import__('importlib').import_module({module!r}).{attr}\n"
                    replaced[gid] = replaced.get(gid, sources[gid]) + line
                    failing.add(test.grade_id)
                    break
    # a test whose answer builds on a replaced function (the two-layer net on affine_forward) runs
    # that function's stand-in, which finds no answer of the student's own: it scores zero too
    handed_in = {name for gid in replaced for name in plan.defined_by(gid)}
    for test in plan.tests:
        for gid in plan.answers:
            if test.names & plan.defined_by(gid) and (plan.answers[gid][1] | plan.answers[gid][2]) & handed_in:
                failing.add(test.grade_id)
    return replaced, failing


@pytest.mark.parametrize("solution", COURSE, ids=[p.stem for p in COURSE])
def test_every_course_notebook_solution_full_marks_blank_zero_reference_none(solution, tmp_path):
    """The solution scores full marks, the released notebook zero, and handing in the course's
    own implementation zero on exactly the tests that grade it."""
    subs, out = tmp_path / "subs", tmp_path / "out"
    subs.mkdir()
    shutil.copy(solution, subs / "solution.ipynb")
    (subs / "blank.ipynb").write_text(nbformat.writes(release_notebook(solution)))
    replaced, failing = reference_answers(solution)
    if replaced:
        nb = nbformat.read(solution, as_version=4)
        for cell in nb.cells:
            gid = cell.metadata.get("nbgrader", {}).get("grade_id")
            if gid in replaced and cell.metadata["nbgrader"].get("solution"):
                cell.source = replaced[gid]
        nbformat.write(nb, subs / "reference.ipynb")
    assert cli.main(["grade", str(subs), "--solution", str(solution), "--out", str(out), "--jobs", "2"]) == 0
    rows = {r["student"]: r for r in read_csv(out)}
    plan = load_plan(solution)
    assert rows["solution"]["status"] == "ok" and rows["solution"]["total"] == rows["solution"]["max_total"]
    assert rows["blank"]["status"] == "ok" and rows["blank"]["total"] == "0"
    assert all(rows["blank"][t.grade_id] == "0" for t in plan.tests)
    blank_feedback = (out / "feedback" / "blank.md").read_text()
    # one cause, said once: a test that builds on other exercises names every blank one it runs
    assert "fix that first" not in blank_feedback
    assert blank_feedback.count("are not filled in yet") >= sum(bool(plan.builds_on(t)) for t in plan.tests)
    if replaced:
        got = {t.grade_id: float(rows["reference"][t.grade_id]) for t in plan.tests}
        assert got == {t.grade_id: 0.0 if t.grade_id in failing else t.points for t in plan.tests}
        assert (out / "feedback" / "reference.md").read_text().count("course's own implementation") >= len(failing)
