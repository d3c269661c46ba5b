"""The check machinery must fail, with the right message, on the usual wrong implementations.

The spec under test is a matrix-product layer (out = x @ w), the smallest layer on which every
classic mistake can be made.
"""
import numpy as np
import pytest

from course_utils.checks import CheckFailure, Spec, run_check
from course_utils.checks._core import diagnose, format_rows


def _cases(seed):
    rng = np.random.default_rng(seed)
    return [dict(x=rng.standard_normal((4, 5)), w=rng.standard_normal((5, 3)), dout=rng.standard_normal((4, 3)))]


def _call(student, case):
    dx, dw = student["matmul_backward"](case["dout"], case["x"], case["w"])
    return dict(dx=dx, dw=dw)


def _expected(case):
    return dict(dx=case["dout"] @ case["w"].T, dw=case["x"].T @ case["dout"])


SPEC = Spec(name="matmul_backward", args=("matmul_backward",), cases=_cases, call=_call,
            expected=_expected, like={"dx": "x", "dw": "w"}, batch="x")

BIAS_SPEC = Spec(
    name="bias_backward", args=("bias_backward",),
    cases=lambda seed: [dict(dout=np.random.default_rng(seed).standard_normal((6, 3)))],
    call=lambda s, c: dict(db=s["bias_backward"](c["dout"])),
    expected=lambda c: dict(db=c["dout"].sum(axis=0)), like={"db": "b"}, batch="dout",
)


def check(fn, spec=SPEC):
    return run_check(spec, {spec.args[0]: fn}, verbose=True)


def test_correct_implementation_passes_and_prints_table(capsys):
    rows = check(lambda dout, x, w: (dout @ w.T, x.T @ dout))
    out = capsys.readouterr().out
    assert [r.name for r in rows] == ["dx", "dw"] and all(r.ok for r in rows)
    assert "rel. error" in out and "tolerance" in out and out.count("PASS") == 2
    assert "\u2713 matmul_backward" in out


def test_sign_error():
    with pytest.raises(AssertionError, match=r"(?s)matmul_backward: dw\[\d, \d\] is wrong.*wrong sign"):
        check(lambda dout, x, w: (dout @ w.T, -(x.T @ dout)))


def test_transposed_gradient_shape_is_reported_first():
    with pytest.raises(AssertionError, match=r"(?s)dw has shape \(3, 5\), expected \(5, 3\) like w.*transposed"):
        check(lambda dout, x, w: (dout @ w.T, dout.T @ x))


def test_forgotten_sum_over_the_batch():
    with pytest.raises(AssertionError, match=r"(?s)db has shape \(6, 3\), expected \(3,\) like b.*forget to sum over the batch"):
        check(lambda dout: dout.copy(), BIAS_SPEC)


def test_gradient_scaled_by_n():
    with pytest.raises(AssertionError, match=r"(?s)factor of 1/N \(N=4\).*average twice"):
        check(lambda dout, x, w: (dout @ w.T, x.T @ dout / 4))


def test_gradient_off_by_n_the_other_way():
    with pytest.raises(AssertionError, match=r"(?s)factor of N \(N=4\)"):
        check(lambda dout, x, w: (dout @ w.T, x.T @ dout * 4))


def test_in_place_modification_of_an_input():
    def bad(dout, x, w):
        dout *= 2  # writes into the caller's array
        return dout @ w.T / 2, x.T @ dout / 2

    with pytest.raises(AssertionError, match=r"(?s)matmul_backward modified its input `dout` in place.*copy\(\)"):
        check(bad)


def test_nan_and_inf_are_caught():
    def nan(dout, x, w):
        dw = x.T @ dout
        dw[1, 2] = np.nan
        return dout @ w.T, dw

    with pytest.raises(AssertionError, match=r"(?s)dw contains nan at index \(1, 2\).*overflow"):
        check(nan)
    with pytest.raises(AssertionError, match=r"dx contains inf"):
        check(lambda dout, x, w: (np.full((4, 5), np.inf), x.T @ dout))


def test_integer_dtype_is_caught():
    with pytest.raises(AssertionError, match=r"dx has dtype int64, expected float64"):
        check(lambda dout, x, w: ((dout @ w.T).astype(np.int64), x.T @ dout))


def test_all_zeros_is_named():
    with pytest.raises(AssertionError, match=r"(?s)dw is all zeros: was it computed at all"):
        check(lambda dout, x, w: (dout @ w.T, np.zeros((5, 3))))


def test_low_precision_is_named():
    with pytest.raises(AssertionError, match=r"(?s)dw was computed in low precision"):
        check(lambda dout, x, w: (dout @ w.T, (x.T @ dout).astype(np.float16)))


def test_none_and_wrong_type():
    with pytest.raises(AssertionError, match=r"(?s)dx is None.*return"):
        check(lambda dout, x, w: (None, x.T @ dout))
    with pytest.raises(AssertionError, match=r"dw is a str"):
        check(lambda dout, x, w: (dout @ w.T, "dw"))


def test_worst_index_expected_and_got_are_named():
    def one_wrong(dout, x, w):
        dw = x.T @ dout
        dw[2, 1] += 1.0
        return dout @ w.T, dw

    with pytest.raises(AssertionError) as info:
        check(one_wrong)
    msg = str(info.value)
    assert "dw[2, 1] is wrong" in msg and "expected" in msg and "got" in msg and "Hint:" in msg


def test_failure_prints_the_table_with_fail_rows(capsys):
    with pytest.raises(CheckFailure):
        check(lambda dout, x, w: (dout @ w.T, 2 * x.T @ dout))
    out = capsys.readouterr().out
    assert "PASS" in out and "FAIL" in out


def test_spec_specific_hint_used_when_generic_diagnosis_is_silent():
    spec = Spec(**{**SPEC.__dict__, "hints": ((lambda got, exp, case: True, "special hint here"),)})
    with pytest.raises(AssertionError, match="(?s)special hint here"):
        check(lambda dout, x, w: (dout @ w.T, x.T @ dout + np.arange(15.0).reshape(5, 3)), spec)


def test_missing_student_argument_is_explained():
    with pytest.raises(TypeError, match="needs matmul_backward"):
        run_check(SPEC, {})


def test_diagnose_is_silent_on_unrelated_errors():
    rng = np.random.default_rng(3)
    assert diagnose(rng.standard_normal((3, 3)), rng.standard_normal((3, 3))) is None


def test_format_rows_aligns_columns():
    from course_utils.checks import Row

    text = format_rows("f", [Row("dx", 1e-12, 1e-7), Row("dgamma", 0.5, 1e-7)])
    lines = text.splitlines()
    assert len({len(line) for line in lines[1:]}) == 1  # rows line up
    assert lines[1].endswith("PASS") and lines[2].endswith("FAIL")
