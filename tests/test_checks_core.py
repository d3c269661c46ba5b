"""The check machinery must fail, with the right message, on the usual wrong implementations.

The spec under test is a matrix-product layer (out = x @ w), the smallest layer on which every
classic mistake can be made.
"""

import importlib
import re

import numpy as np
import pytest
from toy_specs import BIAS_SPEC, SPEC, _call  # noqa: F401  (_call: the frame a traceback must not show)

from course_utils import checks
from course_utils.checks import CheckFailure, Hint, Spec, run_check
from course_utils.checks._core import diagnose, format_rows
from course_utils.checks._hints import always


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
    with pytest.raises(
        AssertionError,
        match=r"(?s)db has shape \(6, 3\), expected \(3,\) like b.*forget to sum over "
        r"the batch",
    ):
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
    spec = Spec(**{**SPEC.__dict__, "hints": (Hint("special", lambda got, exp, case: True, "special hint here"),)})
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


# --- a check is a real function -------------------------------------------------------------


def test_a_check_has_a_readable_signature_docstring_and_source():
    import inspect

    import course_utils as cu

    check_fn = cu.checks.check_affine_backward
    assert str(inspect.signature(check_fn)) == "(affine_forward, affine_backward, *, seed=0, verbose=True)"
    assert check_fn.__doc__.startswith("Check affine_backward") and "seed=0" in check_fn.__doc__
    assert "def check_affine_backward" in inspect.getsource(check_fn)
    assert check_fn.__name__ == "check_affine_backward" and check_fn.spec.name == "affine_backward"


def test_a_check_takes_its_arguments_by_position_or_keyword_and_explains_wrong_ones():
    from course_utils import layers
    from course_utils.checks import check_affine_backward as check_fn

    check_fn(layers.affine_forward, layers.affine_backward, verbose=False)
    check_fn(layers.affine_forward, affine_backward=layers.affine_backward, seed=2, verbose=False)
    with pytest.raises(TypeError, match="takes 2 arguments: affine_forward, affine_backward"):
        check_fn(1, 2, 3)
    with pytest.raises(TypeError, match="unexpected argument.*affine_backwards"):
        check_fn(layers.affine_forward, affine_backwards=layers.affine_backward)
    with pytest.raises(TypeError, match="affine_forward twice"):
        check_fn(layers.affine_forward, affine_forward=layers.affine_forward)
    with pytest.raises(TypeError, match="needs affine_backward; pass them by keyword"):
        check_fn(layers.affine_forward)


# --- what the student's own errors become ---------------------------------------------------


def test_a_blank_exercise_is_one_line_naming_it():
    from course_utils.checks import NotFilledIn

    def matmul_backward(dout, x, w):
        # YOUR CODE HERE
        raise NotImplementedError()

    with pytest.raises(NotFilledIn) as info:
        check(matmul_backward)
    assert str(info.value) == (
        'matmul_backward is not filled in yet: write your code in its cell, in place of "raise NotImplementedError()".'
    )
    assert isinstance(info.value, NotImplementedError) and isinstance(info.value, CheckFailure)


def test_a_numpy_error_in_the_students_code_names_their_line_with_a_hint():
    def matmul_backward(dout, x, w):
        dx = dout @ w  # should be w.T
        return dx, x.T @ dout

    with pytest.raises(CheckFailure) as info:
        check(matmul_backward)
    msg = str(info.value)
    assert msg.startswith("matmul_backward raised ValueError: matmul")
    assert re.search(r"\n  at matmul_backward, line \d+: `dx = dout @ w  # should be w.T`\n", msg)
    assert "Hint: in a matrix product a @ b the columns of a must match the rows of b" in msg


def test_an_index_error_gets_the_generic_hint_and_the_spec_can_give_its_own():
    def loop(dout, x, w):
        dw = np.zeros_like(w)
        for i in range(x.shape[1] + 1):
            dw[i] = x[:, i] @ dout
        return dout @ w.T, dw

    with pytest.raises(CheckFailure, match=r"(?s)raised IndexError: index 5 is out of bounds.*Hint: an index ran past"):
        check(loop)
    own = Spec(**{**SPEC.__dict__, "hints": (Hint("rows", always, "loop over the D rows of dw.", on="raised"),)})
    with pytest.raises(CheckFailure, match=r"(?s)raised IndexError.*Hint: loop over the D rows of dw\.$"):
        check(loop, own)
    by_case = Spec(
        **{
            **SPEC.__dict__,
            "hints": (Hint("w_shape", always, lambda m, e, case: f"w has shape {case['w'].shape}.", on="raised"),),
        }
    )
    with pytest.raises(CheckFailure, match=r"(?s)raised IndexError.*Hint: w has shape \(5, 3\)\.$"):
        check(loop, by_case)


def test_other_errors_of_the_student_are_raised_as_they_are_from_their_code():
    def matmul_backward(dout, x, w):
        return dout @ w.T, x.T @ dout.cpu()

    with pytest.raises(AttributeError) as info:
        check(matmul_backward)
    tb = info.value.__traceback__
    frames = []
    while tb is not None:
        frames.append(tb.tb_frame.f_code.co_name)
        tb = tb.tb_next
    assert frames[-1] == "matmul_backward" and "_call" not in frames  # the check's own call is cut out


def test_an_unusable_return_value_is_explained_not_a_traceback_into_the_check():
    with pytest.raises(CheckFailure, match=r"(?s)matmul_backward returned something the check cannot use.*return"):
        check(lambda dout, x, w: None)


# --- inputs modified in place: one rule, NaN included -----------------------------------------


def test_changed_inputs_ignores_nan_left_alone_and_sees_nan_written():
    from course_utils.checks import changed_inputs

    old = np.array([[1.0, np.nan], [3.0, 4.0]])
    assert changed_inputs({"x": old}, {"x": old.copy()}) == {}
    written = old.copy()
    written[1, 0] = np.nan
    assert changed_inputs({"x": old}, {"x": written}) == {"x": (1, 0)}
    assert changed_inputs({"x": old}, {"x": old[:1]}) == {"x": ()}
    assert changed_inputs({"n": np.arange(3)}, {"n": np.array([0, 5, 2])}) == {"n": (1,)}


def test_an_input_with_nan_that_the_student_leaves_alone_passes():
    spec = Spec(
        name="nan_safe",
        args=("f",),
        cases=lambda seed: [dict(x=np.array([1.0, np.nan, 2.0]))],
        call=lambda s, c: dict(out=s["f"](c["x"])),
        expected=lambda c: dict(out=np.nan_to_num(c["x"])),
    )
    run_check(spec, {"f": lambda x: np.nan_to_num(x)}, verbose=False)

    def writes_nan(x):
        x[0] = np.nan
        return np.nan_to_num(np.array([1.0, np.nan, 2.0]))

    with pytest.raises(CheckFailure, match=r"nan_safe modified its input `x` in place \(first change at index \(0\)\)"):
        run_check(spec, {"f": writes_nan}, verbose=False)


# --- shape hints blame the likely cause -------------------------------------------------------


def test_keepdims_is_not_a_forgotten_sum():
    with pytest.raises(
        CheckFailure,
        match=r"(?s)db has shape \(1, 3\), expected \(3,\).*extra leading dimension of "
        r"size 1: drop keepdims=True",
    ):
        check(lambda dout: dout.sum(axis=0, keepdims=True), BIAS_SPEC)


def test_a_loss_returned_as_an_array_of_one_is_told_to_return_a_number():
    spec = Spec(
        name="loss",
        args=("loss",),
        cases=lambda seed: [dict(x=np.arange(1.0, 5.0))],
        call=lambda s, c: dict(loss=s["loss"](c["x"])),
        expected=lambda c: dict(loss=float(np.sum(c["x"]))),
    )
    with pytest.raises(
        CheckFailure,
        match=r"(?s)loss has shape \(1,\), expected \(\).*array of one entry where a "
        r"plain number is expected: return float\(\.\.\.\) or \.item\(\)",
    ):
        run_check(spec, {"loss": lambda x: np.sum(x, keepdims=True)}, verbose=False)


def test_one_number_where_an_array_is_expected_names_the_missing_axis():
    with pytest.raises(CheckFailure, match=r"(?s)db has shape \(\), expected \(3,\).*give the axis"):
        check(lambda dout: dout.sum(), BIAS_SPEC)


# --- values: enough digits, float32 rounding, the point to redo by hand -----------------------


def test_values_that_print_alike_get_more_digits():
    spec = Spec(**{**SPEC.__dict__, "tol": 1e-12})
    with pytest.raises(CheckFailure) as info:
        check(lambda dout, x, w: (dout @ w.T, x.T @ dout * (1 + 3e-9)), spec)
    expected, got = re.search(r"expected (\S+), got (\S+) ", str(info.value)).groups()
    assert expected != got and len(expected) > 8


def test_float32_rounding_is_named_even_when_cast_back_to_float64():
    spec = Spec(**{**SPEC.__dict__, "tol": 1e-10})
    with pytest.raises(CheckFailure, match=r"(?s)dx differs from the float64 result by float32 rounding"):
        check(lambda dout, x, w: ((dout @ w.T).astype(np.float32).astype(np.float64), x.T @ dout), spec)
    with pytest.raises(CheckFailure, match=r"(?s)dx was computed in low precision \(float32\)"):
        check(lambda dout, x, w: ((dout @ w.T).astype(np.float32), x.T @ dout), spec)


def _scalar_spec(**fields):
    def cases(seed):
        rng = np.random.default_rng(seed)
        return [dict(x=rng.uniform(-2, 2, 5).round(2), y=rng.uniform(-2, 2, 5).round(2))]

    def call(student, case):
        return dict(dfdx=np.array([student["grad"](float(x), float(y)) for x, y in zip(case["x"], case["y"])]))

    return Spec(
        name="grad", args=("grad",), cases=cases, call=call, expected=lambda c: dict(dfdx=c["y"] * 1.0), **fields
    )


def test_a_scalar_check_prints_the_failing_point():
    case = _scalar_spec().cases(0)[0]
    with pytest.raises(CheckFailure) as info:
        run_check(_scalar_spec(point=("x", "y")), {"grad": lambda x, y: x}, verbose=False)
    i, x, y = re.search(r"dfdx\[(\d)\] is wrong at x=(\S+), y=(\S+): expected", str(info.value)).groups()
    assert (float(x), float(y)) == (case["x"][int(i)], case["y"][int(i)])
    with pytest.raises(CheckFailure) as info:
        run_check(_scalar_spec(), {"grad": lambda x, y: x}, verbose=False)
    assert " at x=" not in str(info.value)


# --- the hidden-test wording, from the same Failure ---------------------------------------


def _failure(fn, spec=SPEC):
    with pytest.raises(CheckFailure) as info:
        check(fn, spec)
    return info.value.failure


def test_hidden_wording_gives_no_values_shapes_or_inputs():
    from course_utils.checks import render, render_hidden

    value = _failure(lambda dout, x, w: (dout @ w.T, x.T @ dout / 4))
    assert value.kind == "value" and value.quantity == "dw" and value.hint.endswith("average twice over the batch?")
    hidden = render_hidden(value)
    assert hidden.startswith("matmul_backward: dw is wrong (rel. error") and "expected" not in hidden
    assert "N=4" not in hidden and "average twice" in hidden and "N=4" in render(value)

    shape = _failure(lambda dout: dout.copy(), BIAS_SPEC)
    assert shape.kind == "shape" and shape.got == (6, 3) and shape.expected == (3,)
    assert render_hidden(shape).startswith("bias_backward: db has the wrong shape.")
    assert "(6, 3)" not in render_hidden(shape) and "sum over the batch" in render_hidden(shape)

    point = _failure(lambda x, y: x, _scalar_spec(point=("x", "y")))
    assert point.point and " at x=" not in render_hidden(point)

    def bad(dout, x, w):
        dout *= 2
        return dout @ w.T / 2, x.T @ dout / 2

    inplace = _failure(bad)
    assert inplace.kind == "inplace" and "index" in render(inplace) and "index" not in render_hidden(inplace)
    assert render_hidden(inplace).startswith("matmul_backward modified its input `dout` in place")


def test_hidden_wording_of_numpy_errors_hides_the_shapes():
    from course_utils.checks import render_hidden

    failure = _failure(lambda dout, x, w: (dout @ w, x.T @ dout))
    assert failure.kind == "exception" and "(size 5 is different from 3)" in failure.raised
    hidden = render_hidden(failure)
    assert hidden.startswith("matmul_backward raised ValueError: matmul") and "size 5" not in hidden


def test_a_blank_helper_is_named_rather_than_the_function_that_calls_it():
    def affine(x, w):
        raise NotImplementedError()

    def matmul_backward(dout, x, w):
        return affine(dout, w.T), x.T @ dout

    with pytest.raises(NotImplementedError, match="^affine is not filled in yet"):
        check(matmul_backward)


def test_unpacking_the_wrong_number_of_items_is_explained():
    def matmul_backward(dout, x, w):
        a, b, c = (x, w)  # noqa: F841
        return dout @ w.T, x.T @ dout

    with pytest.raises(
        CheckFailure,
        match=r"(?s)raised ValueError: not enough values to unpack.*a, b, c = \(x, w\)"
        r".*Hint: the names on the left",
    ):
        check(matmul_backward)


def test_an_object_array_is_explained():
    with pytest.raises(CheckFailure, match=r"(?s)dw has dtype object, expected float64 numbers.*np.zeros\(shape\)"):
        check(lambda dout, x, w: (dout @ w.T, np.array([None] * 15).reshape(5, 3)))


def test_a_boolean_mask_returned_is_explained_as_a_mask():
    with pytest.raises(
        CheckFailure, match=r"(?s)dx has dtype bool, expected float64 numbers.*Hint: an array of True/False"
    ):
        check(lambda dout, x, w: (x > 0, x.T @ dout))


def test_a_changed_argument_list_is_named_as_such():
    with pytest.raises(
        CheckFailure,
        match=r"(?s)matmul_backward cannot be called with the exercise's arguments "
        r"\(TypeError: .*takes 2 positional arguments but 3 were given\).*def",
    ):
        check(lambda dout, cache: (dout, cache))


def test_hidden_wording_of_a_check_modules_own_message_drops_numbers_but_keeps_the_hint():
    from course_utils.checks import Failure, render_hidden

    text = (
        "affine_backward: dw has shape (5, 4, 3), expected (60, 3) like w; out[1] is 0.25, not -1.5e-3.\n"
        "  Hint: flatten x of shape (5, 4, 3) to (N, D) in the backward pass too."
    )
    hidden = render_hidden(Failure("affine_backward", "message", text=text))
    assert hidden == (
        "affine_backward: dw has shape (...), expected (...) like w; out[1] is ..., not ....\n"
        "  Hint: flatten x of shape (...) to (N, D) in the backward pass too."
    )


def test_a_course_feature_not_written_yet_is_not_taken_for_a_blank_exercise():
    import os

    import course_utils

    course_code, where = {}, os.path.join(os.path.dirname(course_utils.__file__), "models.py")
    exec(
        compile("def tanh_net():\n    raise NotImplementedError('tanh comes with notebook 04')\n", where, "exec"),
        course_code,
    )

    def matmul_backward(dout, x, w):
        course_code["tanh_net"]()
        return dout @ w.T, x.T @ dout

    with pytest.raises(NotImplementedError) as info:
        check(matmul_backward)
    assert not isinstance(info.value, CheckFailure)


def test_a_library_error_on_what_the_student_returned_is_not_blamed_on_the_library():
    spec = Spec(
        name="pair",
        args=("f",),
        cases=lambda seed: [dict(x=np.ones(3))],
        call=lambda s, c: dict(out=np.stack(s["f"](c["x"]))),
        expected=lambda c: dict(out=np.ones((2, 3))),
    )
    with pytest.raises(CheckFailure, match=r"(?s)^pair returned something the check cannot use \(ValueError: "):
        run_check(spec, {"f": lambda x: (x, x[:2])}, verbose=False)


@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize("module", checks.NOTEBOOK_MODULES)
def test_every_notebook_module_declares_case_sizes_and_they_are_distinct(module, seed):
    """Sizes N, D, M, C ... all differ in every case, so a transposed or wrong-axis answer cannot pass."""
    from course_utils.checks._shapes import distinct

    mod = importlib.import_module(f"course_utils.checks.{module}")
    assert set(mod.CASE_SIZES) == set(mod.__all__), f"{module}.CASE_SIZES must name the sizes of every check"
    for name, sizes in mod.CASE_SIZES.items():
        for case in checks.REGISTRY[name].cases(seed):
            assert distinct(sizes(case)), (name, seed, sizes(case))


def test_hints_first_puts_a_named_cause_before_the_generic_factor():
    scaled = lambda dout, x, w: (dout @ w.T, 0.1 * (x.T @ dout))
    named = (Hint("lr_hardcoded", lambda got, exp, case: True, "lr is hard-coded"),)
    with pytest.raises(AssertionError, match="constant factor"):
        check(scaled, Spec(**{**SPEC.__dict__, "hints": named}))
    with pytest.raises(AssertionError, match="lr is hard-coded"):
        check(scaled, Spec(**{**SPEC.__dict__, "hints": named, "hints_first": True}))


def test_a_spec_can_say_why_an_output_is_nan():
    nan = lambda dout, x, w: (dout @ w.T, np.sqrt(-np.abs(x.T @ dout)))
    with np.errstate(invalid="ignore"), pytest.raises(AssertionError, match="exp\\(\\) overflowed"):
        check(nan)
    spec = Spec(
        **{**SPEC.__dict__, "hints": (Hint("negative_root", always, "a root of a negative number", on="nonfinite"),)}
    )
    with np.errstate(invalid="ignore"), pytest.raises(AssertionError, match="root of a negative number"):
        check(nan, spec)
