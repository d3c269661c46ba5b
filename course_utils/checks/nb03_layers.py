"""Checks for notebook 03: affine and ReLU layers, and the two-layer net's loss.

Each check calls only the student's code in ``_call_*`` and computes the expected values with
the reference layers in :mod:`course_utils.layers` in ``_expected_*``. Forward checks use
fixed linspace inputs for the visible test and random ones for the hidden tests; backward
checks use random, non-trivial inputs (no zeros, ReLU inputs on both sides of 0).
"""
from __future__ import annotations

import numpy as np

from .. import layers as ref
from ..losses import softmax_loss
from ._core import CheckFailure, Spec
from ._registry import register

__all__ = [
    "check_affine_forward", "check_affine_backward", "check_relu_forward", "check_relu_backward",
    "check_two_layer_loss",
]

_SHAPE_HINT_FORWARD = (
    "x has shape {x}: did you forget to flatten it to (N, D) first, with x.reshape(x.shape[0], -1)?"
)
_SHAPE_HINT_BACKWARD = (
    "check the shape of every product: dx = dout (N, M) @ w.T (M, D), reshaped back to x's shape "
    "{x}; dw = x_flat.T (D, N) @ dout (N, M), with x flattened to (N, D) as in the forward pass."
)


def _run(func: str, f, *args, shape_hint: str = "", x_shape=None):
    """Call student code; turn numpy shape errors into a CheckFailure with a hint."""
    try:
        return f(*args)
    except ValueError as e:
        if shape_hint and any(w in str(e) for w in ("shape", "dimension", "align", "broadcast", "reshape")):
            raise CheckFailure(
                f"{func} raised ValueError: {e}\n  Hint: {shape_hint.format(x=tuple(x_shape))}"
            ) from None
        raise


def _pair(func: str, result, names: str = "(out, cache)"):
    if not isinstance(result, tuple) or len(result) != 2:
        kind = type(result).__name__ if not isinstance(result, tuple) else f"tuple of {len(result)}"
        raise CheckFailure(f"{func} must return the pair {names}, got a {kind}.")
    return result


def _affine_cases(seed: int, *, forward: bool) -> list[dict]:
    if forward and seed == 0:
        # the visible forward test: fixed inputs, x of shape (2, 4, 5, 6) flattened to D = 120
        N, dims, M = 2, (4, 5, 6), 3
        D = int(np.prod(dims))
        x = np.linspace(-0.1, 0.5, N * D).reshape(N, *dims)
        w = np.linspace(-0.2, 0.3, D * M).reshape(D, M)
        b = np.linspace(-0.3, 0.1, M)
        return [dict(x=x, w=w, b=b)]
    rng = np.random.default_rng(seed + 300)
    cases = []
    for dims, M in [((3, 5), 4), ((2, 3, 2), 5)]:
        N = 4 + seed
        D = int(np.prod(dims))
        case = dict(x=rng.standard_normal((N, *dims)), w=rng.standard_normal((D, M)), b=rng.standard_normal(M))
        if not forward:
            case["dout"] = rng.standard_normal((N, M))
        cases.append(case)
    return cases


def _call_affine_forward(student, case):
    result = _run("affine_forward", student["affine_forward"], case["x"], case["w"], case["b"],
                  shape_hint=_SHAPE_HINT_FORWARD, x_shape=case["x"].shape)
    return dict(out=_pair("affine_forward", result)[0])


def _expected_affine_forward(case):
    return dict(out=ref.affine_forward(case["x"], case["w"], case["b"])[0])


def _no_bias(got, exp, case):
    return got.shape == exp.shape and np.allclose(got, exp - case["b"])


@register(Spec(
    name="affine_forward", args=("affine_forward",),
    cases=lambda seed: _affine_cases(seed, forward=True),
    call=_call_affine_forward, expected=_expected_affine_forward,
    batch="x", reference=("course_utils.layers.affine_forward",),
    hints=((_no_bias, "out is exactly x w without b: add the bias (broadcast over the rows)."),),
))
def check_affine_forward(affine_forward):
    """Check affine_forward on x of shape (N, d1, ..., dk) against the reference (notebook 03)."""


def _call_affine_backward(student, case):
    x_shape = case["x"].shape
    fwd = _run("affine_forward", student["affine_forward"], case["x"], case["w"], case["b"],
               shape_hint=_SHAPE_HINT_FORWARD, x_shape=x_shape)
    _, cache = _pair("affine_forward", fwd)
    back = _run("affine_backward", student["affine_backward"], case["dout"], cache,
                shape_hint=_SHAPE_HINT_BACKWARD, x_shape=x_shape)
    if not isinstance(back, tuple) or len(back) != 3:
        raise CheckFailure(f"affine_backward must return the triple (dx, dw, db), got a {type(back).__name__}.")
    dx, dw, db = back
    if np.ndim(dw) > 2:
        raise CheckFailure(
            f"affine_backward: dw has shape {np.shape(dw)}, expected {case['w'].shape} like w.\n"
            "  Hint: flatten x to (N, D) in the backward pass too, x.reshape(x.shape[0], -1), "
            "before computing x.T @ dout."
        )
    return dict(dx=dx, dw=dw, db=db)


def _expected_affine_backward(case):
    dx, dw, db = ref.affine_backward(case["dout"], ref.affine_forward(case["x"], case["w"], case["b"])[1])
    return dict(dx=dx, dw=dw, db=db)


@register(Spec(
    name="affine_backward", args=("affine_forward", "affine_backward"),
    cases=lambda seed: _affine_cases(seed, forward=False),
    call=_call_affine_backward, expected=_expected_affine_backward,
    like={"dx": "x", "dw": "w", "db": "b"}, batch="x",
    reference=("course_utils.layers.affine_forward", "course_utils.layers.affine_backward"),
))
def check_affine_backward(affine_forward, affine_backward):
    """Check affine_backward's dx, dw, db against the reference on random inputs (notebook 03)."""


def _relu_cases(seed: int, *, forward: bool) -> list[dict]:
    if forward and seed == 0:
        # 12 points from -0.5 to 0.5: half negative, half positive, none exactly 0
        return [dict(x=np.linspace(-0.5, 0.5, 12).reshape(3, 4))]
    rng = np.random.default_rng(seed + 400)
    cases = []
    for shape in [(5, 6), (3, 2, 4)]:
        x = rng.standard_normal(shape)
        x[np.abs(x) < 1e-3] = 0.5  # keep clear of the kink at 0
        case = dict(x=x)
        if not forward:
            case["dout"] = rng.standard_normal(shape)
        cases.append(case)
    return cases


def _call_relu_forward(student, case):
    out, _ = _pair("relu_forward", student["relu_forward"](case["x"]))
    if np.shape(out) != case["x"].shape and np.size(out) != case["x"].size:
        raise CheckFailure(
            f"relu_forward: out has shape {np.shape(out)}, expected {case['x'].shape} like x.\n"
            "  Hint: np.max(x, 0) takes the maximum *along axis 0*; the elementwise max(0, x) is "
            "np.maximum(x, 0)."
        )
    return dict(out=out)


def _expected_relu_forward(case):
    return dict(out=ref.relu_forward(case["x"])[0])


@register(Spec(
    name="relu_forward", args=("relu_forward",),
    cases=lambda seed: _relu_cases(seed, forward=True),
    call=_call_relu_forward, expected=_expected_relu_forward,
    like={"out": "x"}, reference=("course_utils.layers.relu_forward",),
    hints=(
        (lambda got, exp, case: np.allclose(got, np.abs(case["x"])),
         "negative inputs must become 0, not change sign: use np.maximum(x, 0)."),
        (lambda got, exp, case: np.allclose(got, np.minimum(case["x"], 0)),
         "you kept the negative part: ReLU keeps max(0, x)."),
        (lambda got, exp, case: np.allclose(got, case["x"]),
         "out equals x: the negative entries must be set to 0."),
    ),
))
def check_relu_forward(relu_forward):
    """Check relu_forward against max(0, x) (notebook 03)."""


def _call_relu_backward(student, case):
    _, cache = _pair("relu_forward", student["relu_forward"](case["x"]))
    return dict(dx=student["relu_backward"](case["dout"], cache))


def _expected_relu_backward(case):
    _, cache = ref.relu_forward(case["x"])
    return dict(dx=ref.relu_backward(case["dout"], cache))


@register(Spec(
    name="relu_backward", args=("relu_forward", "relu_backward"),
    cases=lambda seed: _relu_cases(seed, forward=False),
    call=_call_relu_backward, expected=_expected_relu_backward,
    like={"dx": "x"}, reference=("course_utils.layers.relu_forward", "course_utils.layers.relu_backward"),
    hints=(
        (lambda got, exp, case: np.allclose(got, case["dout"]),
         "dx equals dout everywhere: the gradient must be blocked (0) where x <= 0."),
        (lambda got, exp, case: np.allclose(got, case["dout"] * (case["x"] < 0)),
         "the mask is inverted: you passed the gradient where x < 0 and blocked it where x > 0."),
        (lambda got, exp, case: np.allclose(got, case["dout"] * np.maximum(case["x"], 0)),
         "you multiplied dout by the ReLU's output; the local gradient is the 0/1 mask (x > 0)."),
        (lambda got, exp, case: np.allclose(got, (case["x"] > 0).astype(float)),
         "dx is the 0/1 mask alone: multiply it by the upstream gradient dout (chain rule)."),
    ),
))
def check_relu_backward(relu_forward, relu_backward):
    """Check relu_backward on random inputs of both signs (notebook 03)."""


_TWO_LAYER_SHAPES = dict(N=5, D=4, H=6, C=3)


def _two_layer_cases(seed: int) -> list[dict]:
    rng = np.random.default_rng(seed + 500)
    N, D, H, C = (_TWO_LAYER_SHAPES[k] for k in "NDHC")
    N += seed
    cases = []
    for reg in (0.0, 0.7 + 0.1 * seed):
        cases.append(dict(
            X=rng.standard_normal((N, D)),
            y=rng.integers(0, C, N),
            W1=0.8 * rng.standard_normal((D, H)), b1=0.3 * rng.standard_normal(H),
            W2=0.8 * rng.standard_normal((H, C)), b2=0.3 * rng.standard_normal(C),
            reg=reg,
        ))
    return cases


def _call_two_layer(student, case):
    params = {k: case[k] for k in ("W1", "b1", "W2", "b2")}
    result = student["two_layer_loss"](params, case["X"], case["y"], case["reg"])
    loss, grads = _pair("two_layer_loss", result, "(loss, grads)")
    if not isinstance(grads, dict):
        raise CheckFailure(f"two_layer_loss: grads must be a dict keyed like params, got a {type(grads).__name__}.")
    missing = [k for k in params if k not in grads]
    if missing:
        raise CheckFailure(f"two_layer_loss: grads has no {', '.join(missing)}; it needs W1, b1, W2, b2.")
    return dict(dW1=grads["W1"], db1=grads["b1"], dW2=grads["W2"], db2=grads["b2"], loss=loss)


def _two_layer_reference(case, *, relu_mask=True, reg_loss=1.0, reg_grad=1.0, reg_bias=False):
    """The two-layer loss, or one of its usual wrong variants (for the hints)."""
    X, y, reg = case["X"], case["y"], case["reg"]
    a, c1 = ref.affine_forward(X, case["W1"], case["b1"])
    h, c2 = ref.relu_forward(a)
    scores, c3 = ref.affine_forward(h, case["W2"], case["b2"])
    data_loss, dscores = softmax_loss(scores, y)
    regularized = ["W1", "W2"] + (["b1", "b2"] if reg_bias else [])
    loss = data_loss + reg_loss * 0.5 * reg * sum(float(np.sum(case[k] ** 2)) for k in regularized)
    dh, dW2, db2 = ref.affine_backward(dscores, c3)
    da = ref.relu_backward(dh, c2) if relu_mask else dh
    _, dW1, db1 = ref.affine_backward(da, c1)
    grads = dict(dW1=dW1, db1=db1, dW2=dW2, db2=db2)
    for k in regularized:
        grads["d" + k] = grads["d" + k] + reg_grad * reg * case[k]
    # gradients first: the first wrong quantity is the one reported, and a wrong gradient
    # points at the mistake more precisely than a wrong scalar loss
    return dict(**grads, loss=loss)


def _is_variant(**wrong):
    """A hint test: does the wrong output equal this variant's (and differ from the right one)?"""

    def test(got, exp, case):
        variant = _two_layer_reference(case, **wrong)
        for name, value in variant.items():
            value = np.asarray(value)
            if value.shape == got.shape and np.asarray(exp).shape == value.shape:
                if not np.allclose(value, exp) and np.allclose(got, value, rtol=1e-6, atol=1e-10):
                    return True
        return False

    return test


@register(Spec(
    name="two_layer_loss", args=("two_layer_loss",), cases=_two_layer_cases,
    call=_call_two_layer, expected=_two_layer_reference,
    like={"dW1": "W1", "db1": "b1", "dW2": "W2", "db2": "b2"}, batch="X",
    reference=("course_utils.models.FullyConnectedNet",),
    hints=(
        (_is_variant(relu_mask=False),
         "the gradient reaching W1 and b1 skipped the ReLU: pass dh through relu_backward first."),
        (_is_variant(reg_loss=2.0),
         "the penalty in the loss is 0.5 * reg * (sum(W1**2) + sum(W2**2)): you dropped the 0.5."),
        (_is_variant(reg_grad=0.5),
         "the gradient of 0.5 * reg * sum(W**2) is reg * W: the 0.5 cancels the 2."),
        (_is_variant(reg_grad=2.0),
         "the gradient of 0.5 * reg * sum(W**2) is reg * W, not 2 * reg * W."),
        (_is_variant(reg_grad=0.0),
         "add the gradient of the penalty, reg * W, to dW1 and dW2."),
        (_is_variant(reg_loss=0.0),
         "add the penalty 0.5 * reg * (sum(W1**2) + sum(W2**2)) to the loss."),
        (_is_variant(reg_bias=True),
         "biases are not regularized: leave b1 and b2 out of the penalty and its gradient."),
    ),
))
def check_two_layer_loss(two_layer_loss):
    """Check two_layer_loss(params, X, y, reg) -> (loss, grads) against the reference (notebook 03)."""
