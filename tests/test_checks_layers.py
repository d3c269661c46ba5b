"""The notebook 03 checks: pass on correct layers, fail with the right hint on typical slips."""
import numpy as np
import pytest

import course_utils as cu
from course_utils import layers as ref
from course_utils.checks import REGISTRY, CheckFailure, run_student, verify

checks = cu.checks


# ---- reference-like student code, with switches for the usual mistakes ----

def affine_forward(x, w, b, *, reshape=True, bias=True, pair=True):
    xf = x.reshape(x.shape[0], -1) if reshape else x
    out = xf @ w + (b if bias else 0)
    return (out, (x, w, b)) if pair else out


def affine_backward(dout, cache, *, reshape_dx=True, sum_db=True, mean_db=False, transpose_dw=False,
                    dx_no_transpose=False, reshape_x=True):
    x, w, b = cache
    xf = x.reshape(x.shape[0], -1) if reshape_x else x
    dx = dout @ (w if dx_no_transpose else w.T)
    dx = dx.reshape(x.shape) if reshape_dx else dx
    dw = dout.T @ xf if transpose_dw else xf.T @ dout
    db = dout.mean(axis=0) if mean_db else (dout.sum(axis=0) if sum_db else dout)
    return dx, dw, db


def relu_forward(x):
    return np.maximum(x, 0), x


def relu_backward(dout, x):
    return dout * (x > 0)


def two_layer_loss(params, X, y, reg, *, relu_mask=True, reg_loss=1.0, reg_grad=1.0, reg_bias=False,
                   drop_key=None):
    W1, b1, W2, b2 = params["W1"], params["b1"], params["W2"], params["b2"]
    a = X @ W1 + b1
    h = np.maximum(a, 0)
    scores = h @ W2 + b2
    loss, dscores = cu.losses.softmax_loss(scores, y)
    reg_names = ["W1", "W2"] + (["b1", "b2"] if reg_bias else [])
    loss += reg_loss * 0.5 * reg * sum(np.sum(params[k] ** 2) for k in reg_names)
    grads = {"W2": h.T @ dscores, "b2": dscores.sum(axis=0)}
    dh = dscores @ W2.T
    da = dh * (a > 0) if relu_mask else dh
    grads["W1"], grads["b1"] = X.T @ da, da.sum(axis=0)
    for k in reg_names:
        grads[k] = grads[k] + reg_grad * reg * params[k]
    if drop_key:
        del grads[drop_key]
    return loss, grads


def with_(f, **options):
    return lambda *args: f(*args, **options)


def fails(check, match, **student):
    with pytest.raises(CheckFailure, match="(?s)" + match):
        check(**student, verbose=False)


# ---- passing ----

@pytest.mark.parametrize("seed", [0, 1, 2])
def test_correct_implementations_pass(seed, capsys):
    checks.check_affine_forward(affine_forward=affine_forward, seed=seed)
    checks.check_affine_backward(affine_forward=affine_forward, affine_backward=affine_backward, seed=seed)
    checks.check_relu_forward(relu_forward=relu_forward, seed=seed)
    checks.check_relu_backward(relu_forward=relu_forward, relu_backward=relu_backward, seed=seed)
    checks.check_two_layer_loss(two_layer_loss=two_layer_loss, seed=seed)
    out = capsys.readouterr().out
    for name in ("affine_forward", "affine_backward", "relu_forward", "relu_backward", "two_layer_loss"):
        assert f"\u2713 {name}" in out
    assert "FAIL" not in out


def test_reference_layers_pass():
    checks.check_affine_forward(affine_forward=ref.affine_forward, verbose=False)
    checks.check_affine_backward(affine_forward=ref.affine_forward, affine_backward=ref.affine_backward, verbose=False)
    checks.check_relu_forward(relu_forward=ref.relu_forward, verbose=False)
    checks.check_relu_backward(relu_forward=ref.relu_forward, relu_backward=ref.relu_backward, verbose=False)


def test_registered_with_args():
    assert REGISTRY["check_affine_backward"].args == ("affine_forward", "affine_backward")
    assert REGISTRY["check_two_layer_loss"].args == ("two_layer_loss",)
    for name in ("check_affine_forward", "check_relu_forward", "check_relu_backward"):
        assert name in REGISTRY and name in cu.checks.__all__


def test_grader_split_call_then_verify():
    """The autograder runs call() with the student's code and verify() elsewhere."""
    spec = REGISTRY["check_affine_backward"]
    student = dict(affine_forward=affine_forward, affine_backward=with_(affine_backward, sum_db=False))
    case = spec.cases(1)[0]
    outputs, modified = run_student(spec, student, case)
    with pytest.raises(CheckFailure, match="sum over the batch"):
        verify(spec, case, outputs, spec.expected(case), modified)


def test_unwritten_exercise_raises_not_implemented():
    def blank(*args):
        raise NotImplementedError()
    for check, kw in [(checks.check_affine_forward, dict(affine_forward=blank)),
                      (checks.check_relu_backward, dict(relu_forward=relu_forward, relu_backward=blank)),
                      (checks.check_two_layer_loss, dict(two_layer_loss=blank))]:
        with pytest.raises(NotImplementedError):
            check(**kw, verbose=False)


# ---- affine_forward ----

def test_affine_forward_without_reshape():
    fails(checks.check_affine_forward, r"forget to flatten it to \(N, D\)",
          affine_forward=with_(affine_forward, reshape=False))


def test_affine_forward_without_bias():
    fails(checks.check_affine_forward, "add the bias", affine_forward=with_(affine_forward, bias=False))


def test_affine_forward_returning_only_out():
    fails(checks.check_affine_forward, r"must return the pair \(out, cache\)",
          affine_forward=with_(affine_forward, pair=False))


def test_affine_forward_modifying_x():
    def f(x, w, b):
        x *= 1.0
        x += 1.0
        return affine_forward(x, w, b)
    fails(checks.check_affine_forward, "modified its input `x` in place", affine_forward=f)


# ---- affine_backward ----

@pytest.mark.parametrize("mistake, match", [
    (dict(sum_db=False), r"db has shape \(5, 4\), expected \(4,\) like b.*sum over the batch"),
    (dict(mean_db=True), "factor of 1/N"),
    (dict(reshape_dx=False), r"dx has shape \(5, 15\), expected \(5, 3, 5\) like x.*reshape"),
    (dict(transpose_dw=True), "transposed shape"),
    (dict(dx_no_transpose=True), r"dx = dout \(N, M\) @ w.T \(M, D\)"),
    (dict(reshape_x=False), r"dw has shape \(5, 3, 4\).*flatten x to \(N, D\) in the backward pass"),
])
def test_affine_backward_mistakes(mistake, match):
    fails(checks.check_affine_backward, match, affine_forward=affine_forward,
          affine_backward=with_(affine_backward, **mistake), seed=1)


def test_affine_backward_modifying_dout():
    def f(dout, cache):
        dout /= 1.0
        dout *= 2.0
        return affine_backward(dout / 2.0, cache)
    fails(checks.check_affine_backward, "modified its input `dout`", affine_forward=affine_forward,
          affine_backward=f)


# ---- relu_forward ----

def test_relu_forward_with_np_max():
    fails(checks.check_relu_forward, r"np.maximum\(x, 0\)", relu_forward=lambda x: (np.max(x, 0), x))


def test_relu_forward_with_abs():
    fails(checks.check_relu_forward, "not change sign", relu_forward=lambda x: (np.abs(x), x))


def test_relu_forward_keeping_negative_part():
    fails(checks.check_relu_forward, "kept the negative part", relu_forward=lambda x: (np.minimum(x, 0), x))


def test_relu_forward_in_place():
    def f(x):
        x[x < 0] = 0
        return x, x
    fails(checks.check_relu_forward, "modified its input `x` in place", relu_forward=f)


# ---- relu_backward ----

@pytest.mark.parametrize("wrong, match", [
    (lambda dout, x: dout, r"blocked \(0\) where x <= 0"),
    (lambda dout, x: dout * (x < 0), "mask is inverted"),
    (lambda dout, x: dout * np.maximum(x, 0), "multiplied dout by the ReLU's output"),
    (lambda dout, x: (x > 0).astype(float), "multiply it by the upstream gradient"),
])
def test_relu_backward_mistakes(wrong, match):
    fails(checks.check_relu_backward, match, relu_forward=relu_forward, relu_backward=wrong)


def test_relu_backward_in_place():
    def f(dout, x):
        dout[x <= 0] = 0
        return dout
    fails(checks.check_relu_backward, "modified its input `dout`", relu_forward=relu_forward, relu_backward=f)


# ---- two_layer_loss ----

@pytest.mark.parametrize("mistake, match", [
    (dict(relu_mask=False), "skipped the ReLU"),
    (dict(reg_loss=2.0, reg_grad=2.0), r"dW1.*not 2 \* reg \* W.*"),
    (dict(reg_grad=0.5), "dW1.*the 0.5 cancels the 2"),
    (dict(reg_grad=2.0), r"not 2 \* reg \* W"),
    (dict(reg_grad=0.0), r"add the gradient of the penalty, reg \* W"),
    (dict(reg_bias=True), "db1.*biases are not regularized"),
    (dict(drop_key="b2"), "grads has no b2"),
])
def test_two_layer_loss_mistakes(mistake, match):
    fails(checks.check_two_layer_loss, match, two_layer_loss=with_(two_layer_loss, **mistake))


def test_two_layer_loss_returning_only_loss():
    fails(checks.check_two_layer_loss, r"must return the pair \(loss, grads\)",
          two_layer_loss=lambda *args: two_layer_loss(*args)[0])


def test_two_layer_loss_modifying_params():
    def f(params, X, y, reg):
        loss, grads = two_layer_loss(params, X, y, reg)
        params["W1"] -= 0.1 * grads["W1"]
        return loss, grads
    fails(checks.check_two_layer_loss, "modified its input `W1`", two_layer_loss=f)


@pytest.mark.parametrize("mistake, match", [
    (dict(reg_loss=2.0), r"loss is wrong.*you dropped the 0.5"),
    (dict(reg_loss=0.0), r"loss is wrong.*add the penalty 0.5 \* reg"),
])
def test_two_layer_loss_penalty_mistakes(mistake, match):
    """Only the scalar loss is wrong: the message names it and gives the exercise's hint."""
    fails(checks.check_two_layer_loss, match, two_layer_loss=with_(two_layer_loss, **mistake))
