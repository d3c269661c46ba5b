"""The grader's verdict and the notebook's check judge with one code path and word it two ways.

These run the comparison half of grading (``verdict.evaluate``) on results written by hand, as
a kernel would send them, without starting a kernel.
"""

from types import SimpleNamespace

import numpy as np
import pytest
from toy_specs import SPEC, _cases, _expected

from course_tools.grade import plan as grade_plan
from course_tools.grade import verdict
from course_utils.checks import REGISTRY, CheckFailure, Spec, render, run_check

NAME = "check_matmul_backward_for_verdict"


@pytest.fixture
def registered(monkeypatch):
    monkeypatch.setitem(REGISTRY, NAME, SPEC)


def _grade(student, *, hidden, seed=3, error=None, spec=SPEC):
    """What the grader says about ``student`` on one call, run here as the kernel would run it."""
    call = grade_plan.Call(NAME, {"matmul_backward": "matmul_backward"}, seed, hidden, spec.cases(seed))
    call.expected = [spec.expected(c) for c in call.cases]
    arrays, records = {}, []
    for k, case in enumerate(call.cases):
        work = {key: v.copy() for key, v in case.items()}
        record = {"references": [], "tampered": False}
        if error is not None:
            record["error"] = error
        else:
            out = spec.call({"matmul_backward": student}, work)
            record["outputs"] = {name: {"a": f"{k}.out.{name}"} for name in out}
            arrays.update({f"{k}.out.{name}": v for name, v in out.items()})
        record["inputs"] = {key: {"a": f"{k}.in.{key}"} for key in work}
        arrays.update({f"{k}.in.{key}": v for key, v in work.items()})
        records.append(record)
    plan = SimpleNamespace(references={NAME: []}, answers={}, defined_by=lambda gid: set())
    result = verdict.evaluate(grade_plan.Test("t", 2.0, 0, [call]), {"calls": [{"cases": records}]}, arrays, plan, {})
    return result.messages[0].message


def _notebook(student, seed=3):
    with pytest.raises(CheckFailure) as info:
        run_check(SPEC, {"matmul_backward": student}, seed=seed, verbose=False)
    return str(info.value)


def test_a_visible_failure_reads_as_in_the_notebook(registered):
    def wrong(dout, x, w):
        return dout @ w.T, x.T @ dout / 4

    assert _grade(wrong, hidden=False) == _notebook(wrong)
    assert "expected" in _grade(wrong, hidden=False)


def test_a_hidden_failure_gives_no_values_shapes_or_sizes(registered):
    scaled = _grade(lambda dout, x, w: (dout @ w.T, x.T @ dout / 4), hidden=True)
    assert scaled.startswith("matmul_backward: dw is wrong (rel. error") and "average twice" in scaled
    assert "expected" not in scaled and "N=" not in scaled
    shape = _grade(lambda dout, x, w: (dout @ w.T, dout.T @ x), hidden=True)
    assert shape.startswith("matmul_backward: dw has the wrong shape.") and "transposed" in shape
    assert "(3, 5)" not in shape and "(5, 3)" not in shape


def test_in_place_changes_are_judged_alike_and_nan_left_alone_is_no_change(registered, monkeypatch):
    def doubles(dout, x, w):
        dout *= 2
        return dout @ w.T / 2, x.T @ dout / 2

    hidden = _grade(doubles, hidden=True)
    assert hidden.startswith("matmul_backward modified its input `dout` in place.") and "index" not in hidden
    assert _grade(doubles, hidden=False) == _notebook(doubles)

    def with_nan(seed):
        cases = _cases(seed)
        cases[0]["x"][0, 0] = np.nan
        return cases

    nan_spec = Spec(**{**SPEC.__dict__, "cases": with_nan, "expected": lambda c: dict(dx=_expected(c)["dx"])})
    monkeypatch.setitem(REGISTRY, NAME, nan_spec)
    assert _grade(lambda dout, x, w: (dout @ w.T, 0.0), hidden=False, spec=nan_spec) == ""

    def writes_nan(dout, x, w):
        dout[1, 2] = np.nan
        return np.zeros((4, 5)), 0.0

    message = _grade(writes_nan, hidden=False, spec=nan_spec)
    assert "modified its input `dout` in place (first change at index (1, 2))" in message


def test_a_blank_exercise_reads_as_in_the_notebook(registered):
    def matmul_backward(dout, x, w):
        raise NotImplementedError()

    error = {
        "etype": "NotImplementedError",
        "message": "",
        "where": {"cell": "mm", "line": 2, "code": "raise NotImplementedError()", "function": "matmul_backward"},
    }
    assert _grade(None, hidden=True, error=error) == _notebook(matmul_backward)


def test_a_numpy_error_gets_the_checks_hint_and_hides_shapes_when_hidden(registered):
    message = "matmul: Input operand 1 has a mismatch in its core dimension 0 (size 5 is different from 3)"
    error = {
        "etype": "ValueError",
        "message": message,
        "where": {"cell": "mm", "line": 2, "code": "dx = dout @ w", "function": "matmul_backward"},
    }
    visible = _grade(None, hidden=False, error=error)
    assert visible.startswith(f"matmul_backward raised ValueError: {message}")
    assert "answer cell `mm`, line 2: `dx = dout @ w`" in visible and "columns of a must match the rows" in visible
    hidden = _grade(None, hidden=True, error=error)  # no text from the kernel: it could carry hidden inputs
    assert hidden.startswith("matmul_backward raised ValueError on a hidden test's inputs")
    assert "size 5" not in hidden and "mismatch" not in hidden and "dx = dout @ w" not in hidden


def test_the_grader_has_no_comparison_of_its_own():
    with open(verdict.__file__, encoding="utf-8") as f:
        source = f.read()
    assert "rel_error" not in source and "_hidden_reason" not in source and "_modified" not in source
    assert render is verdict.render


def test_an_unusable_result_reads_as_in_the_notebook_and_hides_the_kernels_words_when_hidden(registered):
    error = {"etype": "TypeError", "message": "cannot unpack non-iterable NoneType object", "where": None}
    assert _grade(None, hidden=False, error=error) == _notebook(lambda dout, x, w: None)
    hidden = _grade(None, hidden=True, error=error)
    assert "TypeError on a hidden test's inputs" in hidden and "did you forget a `return`?" in hidden
    assert "unpack" not in hidden
