"""Hand-ins built to earn points without the work, or to bring the grader down: each earns
nothing, harms no other hand-in, and leaves the run whole (every row written).

Unearned points: a blank answer whose cell replaces a check's kernel-side call, or the kernel's
whole test runner, with one that returns the values the grader expects. The kernel only sends
back raw results of the student's functions; every expected value and every comparison lives in
the grader's process, so forged "verdict" values read as what they are (nothing to judge).
"""

from __future__ import annotations

import contextlib
import copy
import csv
import json
import sys
import tempfile
from pathlib import Path

import nbformat
import numpy as np
import pytest

pytestmark = pytest.mark.kernel

if not sys.platform.startswith("linux"):
    pytest.skip("the grading sandbox and these tests need Linux", allow_module_level=True)

from course_tools import cli  # noqa: E402
from course_tools.grade import verdict  # noqa: E402
from course_tools.grade.tree import remove_tree  # noqa: E402
from course_tools.release import release_notebook  # noqa: E402
from course_utils.checks import REGISTRY, CheckFailure, verify  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
NB02 = REPO / "solutions" / "02_linear_classifiers.ipynb"
NB07 = REPO / "solutions" / "07_dropout.ipynb"

# The values each check's judging expects when nothing is wrong: constants, whatever the inputs.
_CONSTANTS = """
import numpy as _np
def _constants(check, case):
    if check == "check_train_sgd":
        T, (D, C) = case["num_iters"], case["W"].shape
        return {"W's change / (-lr * dW)": _np.ones((T, D, C)), "loss_history / loss_fn's losses": _np.ones(T)}
    if check == "check_dropout_forward":
        x, p = case["x"], case["p_drop"]
        return {"out / x, kept units": _np.full(x.shape, 1 / (1 - p)), "whole columns dropped": 0.0,
                "whole rows dropped": 0.0, "dropped fraction": p, "mean(out) / mean(x)": 1.0,
                "cache mask / (out / x)": _np.ones(x.shape), "test mode, rng=None: error": 0.0,
                "test-mode out - x": _np.zeros(x.shape), "np.random changed": 0.0,
                "same seed: units that differ": 0.0, "other seed: same output": 0.0}
    if check == "check_dropout_backward":
        shape = case["x"].shape
        return {"same seed: units that differ": 0.0, "dx, dropped units": _np.zeros(shape),
                "dx / numerical dx, kept units": _np.ones(shape)}
    return {}
"""

# A check's kernel-side call replaced by one that returns those constants.
FORGED_CALL = (
    _CONSTANTS
    + """
from course_utils.checks import REGISTRY as _REGISTRY
for _name in ("check_train_sgd", "check_dropout_forward", "check_dropout_backward"):
    _REGISTRY[_name].call = (lambda name: lambda student, case: _constants(name, case))(_name)
"""
)

# The kernel's whole test runner replaced by one that writes those constants as the results.
FORGED_RUNNER = (
    _CONSTANTS
    + """
import json as _json, sys as _sys
_kernel = _sys.modules["course_grade_kernel"]
def _forged_run(request_path, inputs_path, out):
    with open(request_path) as f:
        request = _json.load(f)
    with _np.load(inputs_path) as npz:
        inputs = dict(npz)
    arrays, calls = {}, []
    for ci, call in enumerate(request["calls"]):
        cases = []
        for k, desc in enumerate(call["cases"]):
            case = _kernel.decode_input(desc, inputs)
            cases.append({"outputs": {name: _kernel.encode_output(v, arrays, f"{ci}.{k}.{name}")
                                      for name, v in _constants(call["check"], case).items()},
                          "inputs": {key: _kernel.encode_output(case[key], arrays, f"{ci}.{k}.in.{key}")
                                     for key, d in desc["d"] if "a" in d}})
        calls.append({"cases": cases})
    _np.savez(out + ".npz", **arrays)
    with open(out + ".json", "w") as f:
        _json.dump({"calls": calls}, f)
_kernel.run_test = _forged_run
"""
)


def _with_cells(solution: Path, extra: dict[str, str], blank: bool = True) -> str:
    """The released (blank) notebook of ``solution``, or the solution, with code appended to answer cells."""
    nb = release_notebook(solution) if blank else nbformat.read(solution, as_version=4)
    for cell in nb.cells:
        gid = cell.metadata.get("nbgrader", {}).get("grade_id")
        if gid in extra and cell.metadata["nbgrader"].get("solution"):
            cell.source += "\n" + extra[gid]
    return nbformat.writes(nb)


def _grade(tmp: Path, solution: Path, handins: dict[str, str]) -> dict[str, dict]:
    subs, out = tmp / "subs", tmp / "out"
    subs.mkdir()
    for name, text in handins.items():
        (subs / f"{name}.ipynb").write_text(text)
    assert cli.main(["grade", str(subs), "--solution", str(solution), "--out", str(out), "--jobs", "2"]) == 0
    with open(out / "grades.csv", newline="") as f:
        rows = {r["student"]: r for r in csv.DictReader(f)}
    assert set(rows) == set(handins)  # every hand-in has its row: the run is whole
    results = {name: json.loads((out / "results" / f"{name}.json").read_text()) for name in handins}
    return {name: {"row": rows[name], **results[name]} for name in handins}


@pytest.fixture(scope="module")
def graded02(tmp_path_factory):
    return _grade(
        tmp_path_factory.mktemp("nb02"),
        NB02,
        {
            "honest": NB02.read_text(),
            "forged_call": _with_cells(NB02, {"train_sgd": FORGED_CALL}),
            "forged_runner": _with_cells(NB02, {"train_sgd": FORGED_RUNNER}),
        },
    )


@pytest.fixture(scope="module")
def graded07(tmp_path_factory):
    return _grade(
        tmp_path_factory.mktemp("nb07"),
        NB07,
        {
            "honest": NB07.read_text(),
            "forged_call": _with_cells(NB07, {"dropout_forward": FORGED_CALL}),
            "forged_runner": _with_cells(NB07, {"dropout_forward": FORGED_RUNNER}),
        },
    )


def test_a_forged_train_sgd_verdict_earns_nothing(graded02):
    assert graded02["honest"]["total"] == graded02["honest"]["max_total"]
    for name in ("forged_call", "forged_runner"):
        assert graded02[name]["total"] == 0, name
        assert graded02[name]["tests"]["test_train_sgd"]["points"] == 0


def test_forged_dropout_verdicts_earn_nothing(graded07):
    assert graded07["honest"]["total"] == graded07["honest"]["max_total"]
    for name in ("forged_call", "forged_runner"):
        assert graded07[name]["total"] == 0, name


def _perturbed(value, rng: np.random.Generator):
    """The case with every float array's values and every generator redrawn (same shapes, same sizes)."""
    if isinstance(value, dict):
        return {k: _perturbed(v, rng) for k, v in value.items()}
    if isinstance(value, list):
        return [_perturbed(v, rng) for v in value]
    if isinstance(value, np.ndarray) and value.dtype.kind == "f":
        return value + rng.standard_normal(value.shape)
    if isinstance(value, np.random.Generator):
        return np.random.default_rng(rng.integers(1 << 62))
    return value


@pytest.mark.parametrize("check", sorted(REGISTRY))
def test_no_check_passes_on_values_a_kernel_could_forge(check):
    """Outputs equal to the expected values of a case with other input values never pass: where the
    expected values do not depend on the inputs (a check that judges ratios or properties), the
    kernel must send raw results that the grader's ``derive`` turns into them."""
    spec = REGISTRY[check]
    rng = np.random.default_rng(0)
    for seed in (0, 1):
        for case in spec.cases(seed):
            expected = spec.expected(case)
            try:
                forged = spec.expected(_perturbed(case, rng))
            except Exception:
                continue
            limit = verdict.size_limit(case, expected)
            assert limit >= max(np.size(v) for v in expected.values())
            try:
                outputs = spec.derive(case, dict(forged)) if spec.derive is not None else forged
                verify(spec, case, outputs, expected)
            except (CheckFailure, KeyError, TypeError, ValueError, AttributeError, IndexError):
                continue
            pytest.fail(f"{check}(seed={seed}) passes on expected values made from other inputs")


# ---------------------------------------------------------------------------------------------
# The grader's own process survives any hand-in: every failure stays in that hand-in's row.

NB03 = REPO / "solutions" / "03_layers_and_two_layer_net.ipynb"

# relu_forward right, but the check's call patched to send back a cache the grader would broadcast
# against dout: (2**20, 1, 1) times (N, D) would be gigabytes (at 2**22 the results are over the size cap).
BROADCAST_CACHE = """
import numpy as _np
from course_utils.checks import REGISTRY as _REGISTRY
_REGISTRY["check_relu_forward"].call = lambda student, case: {
    "out": _np.maximum(case["x"], 0), "cache x": _np.zeros((2**20, 1, 1))}
"""

# The kernel's scratch folder (its working folder) nested 1,500 levels deep.
DEEP_SCRATCH = """
import os as _os
_fd = _os.open(".", _os.O_RDONLY)
for _ in range(1500):
    _os.mkdir("d", dir_fd=_fd)
    _next = _os.open("d", _os.O_RDONLY, dir_fd=_fd)
    _os.close(_fd)
    _fd = _next
_os.close(_fd)
"""

# Results whose .npz claims five million arrays in its central directory.
HUGE_DIRECTORY = """
import struct as _struct, sys as _sys
_kernel = _sys.modules["course_grade_kernel"]
_honest_run = _kernel.run_test
def _run(request_path, inputs_path, out):
    _honest_run(request_path, inputs_path, out)
    with open(out + ".npz", "ab") as f:  # a second end-of-directory record, the last one read
        f.write(_struct.pack("<4s4H2LH", b"PK\\x05\\x06", 0, 0, 0xFFFF, 0xFFFF, 0xFFFFFFFF, 0, 0))
        f.write(_struct.pack("<4sLQL", b"PK\\x06\\x07", 0, 0, 1))
_kernel.run_test = _run
"""


def _deep_folder(top: Path, depth: int) -> None:
    import os

    fd = os.open(top, os.O_RDONLY)
    for _ in range(depth):
        os.mkdir("d", dir_fd=fd)
        nxt = os.open("d", os.O_RDONLY, dir_fd=fd)
        os.close(fd)
        fd = nxt
    os.close(fd)


@contextlib.contextmanager
def _own_temp_folder():
    """The grader's temporary folders go to a folder of this test's own (short, for socket paths), so that
    another grading run, in another test worker, is never taken for a folder this one left behind.
    Yields a function that lists what the grader left there."""
    own = Path(tempfile.mkdtemp(prefix="cg-"))
    try:
        with pytest.MonkeyPatch.context() as mp:
            mp.setattr(tempfile, "tempdir", str(own))
            yield lambda: {p for p in own.iterdir() if p.name.startswith("course-grade")}
    finally:
        remove_tree(own)


@pytest.fixture(scope="module")
def graded03(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("nb03")
    honest = NB03.read_text()
    handins = {
        "honest": honest,
        "broadcast_cache": _with_cells(NB03, {"relu_forward": BROADCAST_CACHE}, blank=False),
        "deep_scratch": _with_cells(NB03, {"relu_forward": DEEP_SCRATCH}, blank=False),
        "huge_directory": _with_cells(NB03, {"relu_forward": HUGE_DIRECTORY}, blank=False),
    }
    subs = tmp / "subs"
    subs.mkdir()
    for name, text in handins.items():
        (subs / f"{name}.ipynb").write_text(text)
    folder = subs / "deep_folder"  # a student's folder with its notebook, beside a folder 1,100 levels deep
    folder.mkdir()
    (folder / "deep_folder.ipynb").write_text(honest)
    _deep_folder(folder, 1100)
    out = tmp / "out"
    with _own_temp_folder() as leftovers:
        assert cli.main(["grade", str(subs), "--solution", str(NB03), "--out", str(out), "--jobs", "2"]) == 0
        left = leftovers()
    with open(out / "grades.csv", newline="") as f:
        rows = {r["student"]: r for r in csv.DictReader(f)}
    results = {name: json.loads((out / "results" / f"{name}.json").read_text()) for name in rows}
    yield {"rows": rows, "results": results, "left": left, "out": out}
    from course_tools.grade.tree import remove_tree

    remove_tree(folder)  # pytest's own clean-up of old temporary folders recurses


def test_every_hostile_hand_in_of_03_has_its_row_and_the_honest_ones_full_marks(graded03):
    rows, results = graded03["rows"], graded03["results"]
    assert set(rows) == {"honest", "broadcast_cache", "deep_scratch", "huge_directory", "deep_folder"}
    full = results["honest"]["max_total"]
    for name in ("honest", "deep_scratch", "deep_folder"):
        assert results[name]["total"] == full and results[name]["status"] == "ok", (name, results[name]["detail"])
    assert not graded03["left"]  # the 1,500-deep scratch folder went with its kernel's folders


def test_a_cache_the_grader_would_broadcast_is_refused_before_any_arithmetic(graded03):
    r = graded03["results"]["broadcast_cache"]
    test = r["tests"]["test_relu_forward"]
    assert test["points"] == 0 and "far more entries than expected" in test["messages"][0]["message"]
    assert r["status"] != "grader error"
    others = {k: t["points"] for k, t in r["tests"].items() if k != "test_relu_forward"}
    assert all(p == t["max"] for p, t in zip(others.values(), (r["tests"][k] for k in others)))


def test_results_with_a_forged_central_directory_are_refused_unread(graded03):
    r = graded03["results"]["huge_directory"]  # the tests before its answer cell ran are graded as usual
    assert r["status"] == "unreadable results" and r["tests"]["test_relu_forward"]["points"] == 0


def test_npz_directory_and_member_counts_are_checked_before_reading(tmp_path):
    from course_tools.grade.transport import TransportError, load_npz

    path = tmp_path / "r.npz"
    np.savez(path, **{f"a{i}": np.zeros(2) for i in range(5)})
    assert len(load_npz(path, max_arrays=5)) == 5
    with pytest.raises(TransportError, match="more than the 4"):
        load_npz(path, max_arrays=4)
    with open(path, "ab") as f:  # an end record that claims 5 million entries (zip64)
        import struct

        f.write(struct.pack("<4s4H2LH", b"PK\x05\x06", 0, 0, 0xFFFF, 0xFFFF, 0xFFFFFFFF, 0, 0))
    with pytest.raises(TransportError):
        load_npz(path, max_arrays=5)


def test_folders_thousands_deep_are_walked_and_removed_without_recursion(tmp_path):
    import os

    from course_tools.grade.tree import files_in, remove_tree

    top = tmp_path / "top"
    top.mkdir()
    (top / "a.ipynb").write_text("{}")
    _deep_folder(top, 1500)
    os.symlink(tmp_path / "outside", top / "link")
    (tmp_path / "outside").mkdir()
    (tmp_path / "outside" / "kept.txt").write_text("kept")
    assert files_in(top) == [top / "a.ipynb"]
    os.chmod(top / "d", 0o500)  # read-only (a kernel running as the grader's user can do that)
    remove_tree(top)
    assert not top.exists() and (tmp_path / "outside" / "kept.txt").read_text() == "kept"


# Messages a kernel sends the grader on its own channels. The relay reads them with caps (frames
# per message, bytes per frame, its own memory); the grader stops that kernel with a status.
_SEND = """
import json as _json
_k = get_ipython().kernel
def _signed(header, content=b"{}", parent=None):
    parent = parent if parent is not None else _json.dumps(_k.get_parent("shell")["header"], default=str).encode()
    parts = [header, parent, b"{}", content]
    return [b"<IDS|MSG>", _k.session.sign(parts), *parts]
"""

IOPUB_FRAMES = (
    _SEND
    + """
_big = b"x" * (4 << 20)
_k.iopub_thread.send_multipart([b"stream", *_signed(b'{"msg_type": "stream"}', _big)] + [_big] * 40)
import time as _time; _time.sleep(3)
"""
)

IOPUB_LIST_HEADER = (
    _SEND
    + """
_k.iopub_thread.send_multipart([b"stream", *_signed(b"[1, 2, 3]")])
import time as _time; _time.sleep(3)
"""
)

SHELL_MEMORY = (
    _SEND
    + """
_big = b"x" * ((4 << 20) - 4096)
_k.shell_stream.send_multipart(list(_k._parent_ident["shell"]) + _signed(b'{"msg_type": "x"}', _big) + [_big] * 150)
import time as _time; _time.sleep(3)
"""
)

SHELL_DEEP_HEADER = (
    _SEND
    + """
_deep = b"[" * 100000 + b"]" * 100000
_k.shell_stream.send_multipart(list(_k._parent_ident["shell"]) + _signed(_deep))
import time as _time; _time.sleep(3)
"""
)

SHELL_BIG_FRAMES = (
    _SEND
    + """
_big = b"x" * (5 << 20)
_k.shell_stream.send_multipart(list(_k._parent_ident["shell"]) + _signed(b'{"msg_type": "x"}', _big) + [_big] * 10)
import time as _time; _time.sleep(3)
"""
)


@pytest.fixture(scope="module")
def graded_messages(tmp_path_factory):
    import resource

    from course_tools.grade import session

    tmp = tmp_path_factory.mktemp("messages")
    memory, session.RELAY_MEMORY = session.RELAY_MEMORY, 384 << 20  # 600 MB of frames then kill the relay
    hostile = (
        ("iopub_frames", IOPUB_FRAMES),
        ("iopub_list_header", IOPUB_LIST_HEADER),
        ("shell_memory", SHELL_MEMORY),
        ("shell_deep_header", SHELL_DEEP_HEADER),
        ("shell_big_frames", SHELL_BIG_FRAMES),
    )
    handins = {
        "honest": NB03.read_text(),
        **{name: _with_cells(NB03, {"relu_forward": code}, blank=False) for name, code in hostile},
    }
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    try:
        graded = _grade(tmp, NB03, handins)
    finally:
        session.RELAY_MEMORY = memory
    return graded, (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) << 10


@pytest.mark.parametrize(
    "name", ["iopub_frames", "iopub_list_header", "shell_memory", "shell_deep_header", "shell_big_frames"]
)
def test_a_hostile_message_stops_only_its_own_kernel(graded_messages, name):
    graded, grown = graded_messages
    assert graded["honest"]["total"] == graded["honest"]["max_total"]
    r = graded[name]
    assert r["status"] == "bad message", (r["status"], r["detail"])
    assert r["tests"]["test_relu_forward"]["points"] == 0
    assert r["tests"]["test_affine_forward"]["points"] == r["tests"]["test_affine_forward"]["max"]
    assert grown < 256 << 20  # the grader never held the messages


# ---------------------------------------------------------------------------------------------
# Course functions that are not an exercise's reference but give its answer are withheld too
# (derived: tests/test_grade_withheld.py runs every callable of every grading copy).

MAXOUT_RELU = """
def relu_forward(x):
    flat = x.reshape(len(x), -1)
    D = flat.shape[1]
    out, _ = cu.layers.maxout_forward(flat, np.stack([np.eye(D), np.zeros((D, D))]), np.zeros((2, D)))
    return out.reshape(x.shape), cu.layers.ReluCache(x)
"""

SCALE_INIT = """
def init_weights(dims, init, rng):
    return [rng.standard_normal((a, b)) * cu.init.scale(init, a, b) for a, b in zip(dims[:-1], dims[1:])]
"""

NB05 = REPO / "solutions" / "05_preprocessing_and_init.ipynb"


@pytest.mark.parametrize(
    "code, check, arg",
    [(MAXOUT_RELU, "check_relu_forward", "relu_forward"), (SCALE_INIT, "check_init_weights", "init_weights")],
)
def test_the_course_functions_behind_these_answers_work_outside_grading(code, check, arg):
    import course_utils as cu

    ns = {"np": np, "cu": cu}
    exec(code, ns)
    getattr(cu.checks, check)(**{arg: ns[arg]}, verbose=False)  # a real answer, were they reachable


@pytest.fixture(scope="module")
def graded_withheld(tmp_path_factory):
    return {
        "03": _grade(
            tmp_path_factory.mktemp("w03"),
            NB03,
            {"honest": NB03.read_text(), "maxout": _with_cells(NB03, {"relu_forward": MAXOUT_RELU}, blank=False)},
        ),
        "05": _grade(
            tmp_path_factory.mktemp("w05"),
            NB05,
            {"honest": NB05.read_text(), "scale": _with_cells(NB05, {"init_weights": SCALE_INIT}, blank=False)},
        ),
    }


def test_maxout_and_init_scale_are_withheld_while_their_exercises_are_graded(graded_withheld):
    for nb, name, test in (("03", "maxout", "test_relu_forward"), ("05", "scale", "test_init_weights")):
        graded = graded_withheld[nb]
        assert graded["honest"]["total"] == graded["honest"]["max_total"]
        t = graded[name]["tests"][test]
        assert t["points"] == 0, (nb, t)
        assert (
            "not available while grading" in t["messages"][0]["message"]
            or "course's own implementation" in t["messages"][0]["message"]
        ), t["messages"]


def test_without_bubblewrap_a_deep_scratch_folder_is_removed_too(tmp_path):
    """Without namespaces the scratch folder is a plain folder under /tmp, removed by the grader alone."""
    from course_tools.grade import kernel_host

    subs, out = tmp_path / "subs", tmp_path / "out"
    subs.mkdir()
    (subs / "deep_scratch.ipynb").write_text(_with_cells(NB03, {"relu_forward": DEEP_SCRATCH}, blank=False))
    with _own_temp_folder() as leftovers, pytest.MonkeyPatch.context() as mp:
        mp.setattr(kernel_host.shutil, "which", lambda name, *a, **k: None)  # no bwrap on this machine
        assert cli.main(["grade", str(subs), "--solution", str(NB03), "--out", str(out), "--jobs", "1"]) == 0
        left = leftovers()
    result = json.loads((out / "results" / "deep_scratch.json").read_text())
    assert result["status"] == "ok" and result["total"] == result["max_total"], result["detail"]
    assert not left


def test_a_forged_train_sgd_verdict_earns_nothing_through_the_gradescope_bundle(tmp_path):
    import os
    import subprocess

    from test_gradescope import unpack

    bundle = tmp_path / "autograder.zip"
    assert cli.main(["export", "gradescope", "--solution", str(NB02), "--out", str(bundle), "--timeout", "20"]) == 0
    scores = {}
    for name, text in (("honest", NB02.read_text()), ("forged", _with_cells(NB02, {"train_sgd": FORGED_CALL}))):
        root = unpack(bundle, tmp_path / name)
        (root / "submission" / NB02.name).write_text(text)
        env = dict(os.environ, COURSE_AUTOGRADER_ROOT=str(root), COURSE_AUTOGRADER_PYTHON=sys.executable)
        subprocess.run([str(root / "source" / "run_autograder")], cwd=root, env=env, capture_output=True, timeout=240)
        results = json.loads((root / "results" / "results.json").read_text())
        scores[name] = {t["name"]: t["score"] for t in results["tests"]}
    assert scores["honest"]["test_train_sgd"] == 2
    assert scores["forged"]["test_train_sgd"] == 0 and sum(scores["forged"].values()) == 0


@pytest.mark.parametrize("check", sorted(c for c, s in REGISTRY.items() if s.derive is not None))
def test_no_checks_judging_broadcasts_a_returned_array_of_a_hostile_shape(check):
    """Each raw output a check's derive reads, replaced by an array of shape (k, 1, 1), (1, k) or (k,)
    just within the size the grader accepts, costs the grader's judging no more than a few times that
    array (never one broadcast against the inputs): shapes are checked before any arithmetic."""
    import tracemalloc

    from course_tools.grade.verdict import _bounded, size_limit

    spec = REGISTRY[check]
    case = spec.cases(0)[0]
    expected = spec.expected(case)
    honest = {}
    try:  # the raw outputs the course's own code gives, for their names and shapes
        import importlib

        refs = dict.fromkeys(spec.args)
        for dotted in spec.reference:
            module, name = dotted.rsplit(".", 1)
            if name in refs:
                refs[name] = getattr(importlib.import_module(module), name)
        honest = spec.call(refs, copy.deepcopy(case))
    except Exception:
        pytest.skip(f"{check}: the course's own code cannot stand in for every argument")
    limit = size_limit(case, expected)
    for name, value in honest.items():
        if not isinstance(value, np.ndarray):
            continue
        for shape in ((limit - 1, 1, 1), (1, limit - 1), (limit - 1,)):
            outputs = {**honest, name: np.zeros(shape)}
            outputs = {k: _bounded(v, limit) for k, v in outputs.items()}
            tracemalloc.start()
            try:
                spec.derive(case, dict(outputs))
            except Exception:
                pass
            peak = tracemalloc.get_traced_memory()[1]
            tracemalloc.stop()
            assert peak < 4 * limit * 8 + (256 << 10), (check, name, shape, peak)  # no array N*D times its size
