"""Every failure a check reports has exactly one cause code, ``<exercise>.<cause>``: the code of the
hint that explained it, decided with the hint, or the generic cause of its kind."""

import re

import numpy as np
import pytest
from toy_specs import SPEC

from course_utils import checks
from course_utils.checks import CheckFailure, Hint, Spec, cause_code, pick, run_check
from course_utils.checks._hints import CODE, GENERIC, NUMPY_HINTS


def code_of(fn, spec=SPEC):
    with pytest.raises(CheckFailure) as info:
        run_check(spec, {spec.args[0]: fn}, verbose=False)
    return info.value.code


@pytest.mark.parametrize(
    "fn, code",
    [
        (lambda dout, x, w: (dout @ w.T, -(x.T @ dout)), "matmul_backward.wrong_sign"),
        (lambda dout, x, w: (dout @ w.T, dout.T @ x), "matmul_backward.transposed_shape"),
        (lambda dout, x, w: (dout @ w.T, 4 * (x.T @ dout)), "matmul_backward.not_divided_by_n"),
        (lambda dout, x, w: (dout @ w.T, np.zeros((5, 3))), "matmul_backward.all_zeros"),
        (lambda dout, x, w: (dout @ w.T, (x.T @ dout).astype(np.float16)), "matmul_backward.low_precision"),
        (lambda dout, x, w: (dout @ w.T, x.T @ dout + np.arange(15.0).reshape(5, 3)), "matmul_backward.wrong_values"),
        (lambda dout, x, w: (dout @ w.T, None), "matmul_backward.returned_none"),
        (lambda dout, x, w: (dout @ w.T, "dw"), "matmul_backward.wrong_type"),
        (lambda dout, x, w: (dout @ w.T, np.ones((2, 2))), "matmul_backward.wrong_shape"),
        (lambda dout, x, w: (dout @ w.T, (x.T @ dout) * np.inf), "matmul_backward.not_finite"),
        (lambda dout, x, w: (dout @ w, x.T @ dout), "matmul_backward.matmul_shapes"),
        (lambda dout, x, w: (dout @ w.T, x.T @ dout, 1), "matmul_backward.returned"),
        (lambda dout: (dout, dout), "matmul_backward.signature_changed"),
    ],
)
def test_every_failure_gets_one_code(fn, code):
    assert code_of(fn) == code


def test_a_blank_exercise_and_an_input_written_into_have_their_codes():
    def blank(dout, x, w):
        raise NotImplementedError()

    def inplace(dout, x, w):
        x *= 2
        return dout @ w.T, x.T @ dout / 2

    assert code_of(blank) == "matmul_backward.blank"
    assert code_of(inplace) == "matmul_backward.in_place"


def test_a_named_hint_gives_its_code_and_its_message_and_a_later_one_does_not_win():
    hints = (
        Hint(
            "dw_doubled", lambda got, exp, case: np.allclose(got, 2 * exp), "dw counts the batch twice.", quantity="dw"
        ),
        Hint("never_seen", lambda got, exp, case: True, "not this one.", quantity="dw"),
    )
    spec = Spec(**{**SPEC.__dict__, "hints": hints})
    with pytest.raises(CheckFailure, match="dw counts the batch twice") as info:
        run_check(spec, {"matmul_backward": lambda dout, x, w: (dout @ w.T, 2 * x.T @ dout)}, verbose=False)
    assert info.value.code == "matmul_backward.dw_doubled"
    assert info.value.failure.cause == "dw_doubled"


def test_hints_of_other_kinds_and_outputs_are_not_picked():
    h = Hint("only_dx", lambda *a: True, "m", quantity="dx")
    raised = Hint("shapes", lambda message, expected, case: "matmul" in message, "m", on="raised")
    assert pick((h,), "value", 1, 1, {}, quantity="dw") is None
    assert pick((h,), "value", 1, 1, {}, quantity="dx") is h
    assert pick((h, raised), "raised", "matmul: bad", None, {}) is raised
    assert pick((raised,), "raised", "other", None, {}) is None
    tuple_hint = Hint("both", lambda *a: True, "m", quantity=("dx", "dw"))
    assert pick((tuple_hint,), "value", 1, 1, {}, quantity="dw") is tuple_hint


def test_a_code_is_snake_case_and_a_check_name_becomes_one():
    with pytest.raises(ValueError, match="snake_case"):
        Hint("Missing-Mean", lambda *a: True, "m")
    with pytest.raises(ValueError, match="on"):
        Hint("x", lambda *a: True, "m", on="values")
    assert cause_code("SigmoidGate", None, "value") == "sigmoid_gate.wrong_values"
    assert cause_code("Net", "no_grad", "value") == "net.no_grad"
    assert all(CODE.match(f"x.{c}") for c in GENERIC.values())


def test_every_hint_of_every_check_has_a_well_formed_code_unique_in_its_check():
    for name, spec in checks.REGISTRY.items():
        assert all(isinstance(h, Hint) for h in spec.hints), name
        codes = [h.code for h in spec.hints]
        for code in codes:
            assert CODE.match(cause_code(spec.name, code, "value")), (name, code)
        assert len(codes) == len(set(codes)), (name, [c for c in codes if codes.count(c) > 1])


def test_numpy_hints_have_distinct_codes():
    codes = [h.code for h in NUMPY_HINTS]
    assert len(codes) == len(set(codes)) and all(re.fullmatch(r"[a-z0-9_]+", c) for c in codes)


def test_a_hint_in_another_form_is_refused_with_a_clear_error():
    spec = Spec(**{**SPEC.__dict__, "hints": ((lambda got, exp, case: True, "a pair"),)})
    with pytest.raises(TypeError, match="every hint of a check is a Hint"):
        run_check(spec, {"matmul_backward": lambda dout, x, w: (dout @ w.T, 2 * x.T @ dout)}, verbose=False)
