"""The notebook 04 checks: correct activations pass however written, typical slips fail with the right hint."""

import math
import re
import warnings

import numpy as np
import pytest

import course_utils as cu
from course_utils.checks import CheckFailure

checks = cu.checks


# ---- correct answers, written in several ways ----


def sigmoid_forward(x):
    e = np.exp(-np.abs(x))
    out = np.where(x >= 0, 1 / (1 + e), e / (1 + e))
    return out, out


def sigmoid_forward_clipped(x):
    out = 1 / (1 + np.exp(-np.clip(x, -500, 500)))
    return out, (out,)


def sigmoid_backward(dout, cache):
    s = cache[0] if isinstance(cache, tuple) else cache
    return dout * s * (1 - s)


def sigmoid_forward_x(x):  # caches x and recomputes σ in the backward pass: also correct
    e = np.exp(-np.abs(x))
    return np.where(x >= 0, 1 / (1 + e), e / (1 + e)), x


def sigmoid_backward_x(dout, x):
    s = sigmoid_forward(x)[0]
    return dout * s * (1 - s)


def tanh_forward(x):
    out = np.tanh(x)
    return out, out


def tanh_forward_exp(x):
    out = (np.exp(x) - np.exp(-x)) / (np.exp(x) + np.exp(-x))
    return out, out


def tanh_forward_sigmoid(x):
    out = 2 * sigmoid_forward(2 * x)[0] - 1
    return out, out


def tanh_backward(dout, out):
    return dout * (1 - out**2)


def leaky_relu_forward(x, alpha=0.01):
    return np.where(x > 0, x, alpha * x), (x, alpha)


def leaky_relu_forward_mask(x, alpha=0.01):
    mask = x > 0
    return x * mask + alpha * x * ~mask, (mask, alpha)


def leaky_relu_backward(dout, cache):
    x, alpha = cache
    return np.where(x > 0, dout, alpha * dout)


def leaky_relu_backward_mask(dout, cache):
    mask, alpha = cache
    return dout * (mask + alpha * ~mask)


def elu_forward(x, alpha=1.0):
    out = np.where(x > 0, x, alpha * np.expm1(np.minimum(x, 0)))
    return out, (x, out, alpha)


def elu_forward_exp(x, alpha=1.0):
    out = np.where(x > 0, x, alpha * (np.exp(x) - 1))
    return out, (x, out, alpha)


def elu_backward(dout, cache):
    x, out, alpha = cache
    return np.where(x > 0, dout, dout * (out + alpha))


def elu_backward_exp(dout, cache):
    x, _, alpha = cache
    return dout * np.where(x > 0, 1.0, alpha * np.exp(x))


def leaky_relu_forward_maximum(x, alpha=0.01):  # right for 0 < alpha < 1, the alphas the check uses
    return np.maximum(x, alpha * x), (x, alpha)


def leaky_relu_forward_copy(x, alpha=0.01):
    out = x.copy()
    out[x <= 0] *= alpha
    return out, (x > 0, alpha)


def leaky_relu_backward_loops(dout, cache):
    positive, alpha = cache
    dx = np.zeros(dout.shape)
    for i in range(dout.shape[0]):
        for j in range(dout.shape[1]):
            dx[i, j] = dout[i, j] if positive[i, j] else alpha * dout[i, j]
    return dx


def elu_forward_loops(x, alpha=1.0):
    out = np.zeros(x.shape)
    for i in range(x.shape[0]):
        for j in range(x.shape[1]):
            out[i, j] = x[i, j] if x[i, j] > 0 else alpha * (math.exp(x[i, j]) - 1)
    return out, (x, out, alpha)


def elu_backward_mask(dout, cache):
    x, out, alpha = cache
    dx = dout.copy()
    dx[x <= 0] = dout[x <= 0] * (out[x <= 0] + alpha)
    return dx


def sigmoid_forward_loops(x):
    out = np.zeros(x.shape)
    for i in range(x.shape[0]):
        for j in range(x.shape[1]):
            v = x[i, j]
            out[i, j] = 1 / (1 + math.exp(-v)) if v >= 0 else math.exp(v) / (1 + math.exp(v))
    return out, out


def fails(check, match, *, seed=0, **student):
    with pytest.raises(CheckFailure, match="(?s)" + match):
        check(**student, seed=seed, verbose=False)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_correct_implementations_pass(seed, capsys):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        checks.check_sigmoid(sigmoid_forward=sigmoid_forward, sigmoid_backward=sigmoid_backward, seed=seed)
        checks.check_sigmoid(sigmoid_forward=sigmoid_forward_clipped, sigmoid_backward=sigmoid_backward, seed=seed)
        checks.check_sigmoid(sigmoid_forward=sigmoid_forward_x, sigmoid_backward=sigmoid_backward_x, seed=seed)
        checks.check_sigmoid(sigmoid_forward=sigmoid_forward_loops, sigmoid_backward=sigmoid_backward, seed=seed)
        for fwd in (tanh_forward, tanh_forward_exp, tanh_forward_sigmoid):
            checks.check_tanh(tanh_forward=fwd, tanh_backward=tanh_backward, seed=seed)
        checks.check_leaky_relu(
            leaky_relu_forward=leaky_relu_forward, leaky_relu_backward=leaky_relu_backward, seed=seed
        )
        checks.check_leaky_relu(
            leaky_relu_forward=leaky_relu_forward_mask, leaky_relu_backward=leaky_relu_backward_mask, seed=seed
        )
        checks.check_leaky_relu(
            leaky_relu_forward=leaky_relu_forward_maximum, leaky_relu_backward=leaky_relu_backward, seed=seed
        )
        checks.check_leaky_relu(
            leaky_relu_forward=leaky_relu_forward_copy, leaky_relu_backward=leaky_relu_backward_loops, seed=seed
        )
        checks.check_elu(elu_forward=elu_forward, elu_backward=elu_backward, seed=seed)
        checks.check_elu(elu_forward=elu_forward_loops, elu_backward=elu_backward_mask, seed=seed)
        checks.check_elu(elu_forward=elu_forward_exp, elu_backward=elu_backward_exp, seed=seed)
    out = capsys.readouterr().out
    for name in ("sigmoid", "tanh", "leaky_relu", "elu"):
        assert f"\u2713 {name}" in out
    assert "FAIL" not in out


def test_reference_layers_pass():
    L = cu.layers
    checks.check_sigmoid(sigmoid_forward=L.sigmoid_forward, sigmoid_backward=L.sigmoid_backward, verbose=False)
    checks.check_tanh(tanh_forward=L.tanh_forward, tanh_backward=L.tanh_backward, verbose=False)
    checks.check_leaky_relu(
        leaky_relu_forward=L.leaky_relu_forward, leaky_relu_backward=L.leaky_relu_backward, verbose=False
    )
    checks.check_elu(elu_forward=L.elu_forward, elu_backward=L.elu_backward, verbose=False)


def test_cases_hold_large_magnitudes_and_no_zeros():
    for name in ("check_sigmoid", "check_tanh", "check_leaky_relu", "check_elu"):
        for seed in (0, 1, 2):
            for case in checks.REGISTRY[name].cases(seed):
                assert np.abs(case["x"]).max() >= 40 and np.all(case["x"] != 0)
    assert np.abs(checks.REGISTRY["check_sigmoid"].cases(0)[0]["x"]).max() > 709


@pytest.mark.parametrize("name, default", [("check_leaky_relu", 0.01), ("check_elu", 1.0)])
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_every_test_calls_with_the_default_and_another_alpha(name, default, seed):
    """The visible test too: a hard-coded default must fail where the student sees it."""
    alphas = [case.get("alpha") for case in checks.REGISTRY[name].cases(seed)]
    assert None in alphas, "one call leaves alpha at its default"
    assert any(a is not None and a != default for a in alphas), "one call passes another alpha="


def test_alpha_is_passed_as_a_keyword():
    seen = []

    def forward(x, alpha=0.01):
        seen.append(alpha)
        return leaky_relu_forward(x, alpha=alpha)

    def positional_only(x, a=0.01):
        return leaky_relu_forward(x, a)

    checks.check_leaky_relu(leaky_relu_forward=forward, leaky_relu_backward=leaky_relu_backward, verbose=False)
    assert seen == [0.01, 0.1]
    fails(
        checks.check_leaky_relu,
        "cannot be called.*alpha",
        leaky_relu_forward=positional_only,
        leaky_relu_backward=leaky_relu_backward,
    )


# ---- typical wrong answers: each fails, on the visible test (seed 0), with the hint for its cause ----

SOLUTION_LINES = (
    "np.where(x >= 0, 1 / (1 + e), e / (1 + e))",
    "dout * s * (1 - s)",
    "dout * (1 - out**2)",
    "np.where(x > 0, x, alpha * x)",
    "np.where(x > 0, dout, alpha * dout)",
    "dout * (out + alpha)",
)


def message(check, **student):
    """The text of the failure on the visible test; no hint may print a solution line."""
    with pytest.raises(CheckFailure) as info:
        check(**student, verbose=False)
    text = str(info.value)
    assert not any(line in text for line in SOLUTION_LINES), text
    assert "Traceback" not in text and len(text.splitlines()) <= 4, text
    return text


def as_float32(forward):
    def wrapped(x, **keywords):
        out, cache = forward(x, **keywords)
        return out.astype(np.float32), cache

    return wrapped


def naive_sigmoid(x):
    out = 1 / (1 + np.exp(-x))
    return out, out


def sigmoid_forward_inplace(x):
    np.clip(x, -500, 500, out=x)
    out = 1 / (1 + np.exp(-x))
    return out, out


def sigmoid_forward_sign(x):
    out = 1 / (1 + np.exp(np.clip(x, -700, 700)))
    return out, out


def sigmoid_at_out(dout, s):
    t = sigmoid_forward(s)[0]
    return dout * t * (1 - t)


SIGMOID_SLIPS = {
    "overflow": (naive_sigmoid, sigmoid_backward, r"overflow.*-\|x\|"),
    "σ instead of σ(1 - σ)": (sigmoid_forward, lambda dout, s: dout * s, r"not σ\(x\) alone"),
    "derivative at the cached output": (sigmoid_forward, sigmoid_at_out, "wrong point"),
    "dout forgotten": (sigmoid_forward, lambda dout, s: s * (1 - s), "chain rule"),
    "sign in exp": (sigmoid_forward_sign, sigmoid_backward, "minus sign"),
    "sign of the local gradient": (sigmoid_forward, lambda dout, s: dout * s * (s - 1), "wrong sign"),
    "input modified in place": (sigmoid_forward_inplace, sigmoid_backward, "modified its input `x`"),
    "float32": (as_float32(sigmoid_forward), sigmoid_backward, "float32"),
    "float32 cache, float64 dx": (
        lambda x: (sigmoid_forward(x)[0], sigmoid_forward(x)[1].astype(np.float32)),
        sigmoid_backward,
        "went through float32",
    ),
}


def tanh_backward_inplace(dout, out):
    dout *= 1 - out**2
    return dout


TANH_SLIPS = {
    "derivative at the cached output": (tanh_forward, lambda dout, t: dout * (1 - np.tanh(t) ** 2), "wrong point"),
    "dout forgotten": (tanh_forward, lambda dout, t: 1 - t**2, "chain rule"),
    "square missing": (tanh_forward, lambda dout, t: dout * (1 - t), "with the square"),
    "the sigmoid's pattern": (tanh_forward, lambda dout, t: dout * t * (1 - t), "sigmoid's pattern"),
    "sign": (tanh_forward, lambda dout, t: dout * (t**2 - 1), "wrong sign"),
    "dout modified in place": (tanh_forward, tanh_backward_inplace, "modified its input `dout`"),
    "float32": (as_float32(tanh_forward), tanh_backward, "float32"),
    "float32 cache, float64 dx": (
        lambda x: (tanh_forward(x)[0], tanh_forward(x)[1].astype(np.float32)),
        tanh_backward,
        "went through float32",
    ),
    "summed over the batch": (
        tanh_forward,
        lambda dout, t: np.sum(dout * (1 - t**2), axis=0),
        "shape.*summed or averaged over the batch axis",
    ),
    "summed over the features": (
        tanh_forward,
        lambda dout, t: np.mean(dout * (1 - t**2), axis=1),
        "shape.*summed or averaged over the last axis",
    ),
}


def leaky_hardcoded(x, alpha=0.01):
    return np.where(x > 0, x, 0.01 * x), (x, alpha)


def leaky_backward_hardcoded(dout, cache):
    return np.where(cache[0] > 0, dout, 0.01 * dout)


def leaky_inplace(x, alpha=0.01):
    x[x < 0] *= alpha
    return x, (x, alpha)


LEAKY_SLIPS = {
    "alpha on the positive side": (
        lambda x, alpha=0.01: (np.where(x > 0, alpha * x, x), (x, alpha)),
        leaky_relu_backward,
        "negative inputs only",
    ),
    "backward: alpha on the positive side": (
        leaky_relu_forward,
        lambda dout, c: np.where(c[0] > 0, c[1] * dout, dout),
        "other way round",
    ),
    "forward hard-codes the default": (leaky_hardcoded, leaky_relu_backward, "fits alpha = 0.01, the default"),
    "backward hard-codes the default": (
        leaky_relu_forward,
        leaky_backward_hardcoded,
        "fits alpha = 0.01.*keep that alpha in the cache",
    ),
    "plain ReLU forward": (lambda x, alpha=0.01: (np.maximum(x, 0), (x, alpha)), leaky_relu_backward, "plain ReLU"),
    "plain ReLU backward": (leaky_relu_forward, lambda dout, c: np.where(c[0] > 0, dout, 0.0), "dx is 0 where x <= 0"),
    "dout forgotten": (leaky_relu_forward, lambda dout, c: np.where(c[0] > 0, 1.0, c[1]), "chain rule"),
    "input modified in place": (leaky_inplace, leaky_relu_backward, "modified its input `x`"),
    "float32": (as_float32(leaky_relu_forward), leaky_relu_backward, "float32"),
    "float32 on the negative side of dx": (
        leaky_relu_forward,
        lambda dout, c: np.where(c[0] > 0, dout, c[1] * dout.astype(np.float32)),
        "went through float32",
    ),
    "sign": (leaky_relu_forward, lambda dout, c: -leaky_relu_backward(dout, c), "wrong sign"),
}


def test_a_hard_coded_default_passes_only_the_calls_that_use_the_default():
    case = checks.REGISTRY["check_leaky_relu"].cases(0)[0]
    assert "alpha" not in case
    out, cache = leaky_hardcoded(case["x"])
    np.testing.assert_allclose(out, cu.layers.leaky_relu_forward(case["x"])[0])


def elu_missing_minus_one(x, alpha=1.0):
    out = np.where(x > 0, x, alpha * np.exp(np.minimum(x, 0)))
    return out, (x, out, alpha)


def elu_hardcoded(x, alpha=1.0):
    out = np.where(x > 0, x, np.expm1(np.minimum(x, 0)))
    return out, (x, out, alpha)


def elu_swapped(x, alpha=1.0):
    out = np.where(x > 0, alpha * np.expm1(np.minimum(x, 0)), x)
    return out, (x, out, alpha)


def elu_inplace(x, alpha=1.0):
    neg = x <= 0
    x[neg] = alpha * np.expm1(x[neg])
    return x, (neg, x, alpha)


def elu_backward_of_inplace(dout, cache):
    neg, out, alpha = cache
    return np.where(neg, dout * (out + alpha), dout)


def elu_backward_without_alpha(dout, cache):
    x = cache[0]
    return np.where(x > 0, dout, dout * np.exp(np.minimum(x, 0)))


ELU_SLIPS = {
    "- 1 missing": (elu_missing_minus_one, elu_backward_exp, "lacks the - 1"),
    "branches swapped": (elu_swapped, elu_backward, "branches are swapped"),
    "forward hard-codes the default": (elu_hardcoded, elu_backward, "fits alpha = 1.0, the default"),
    "derivative keeps the - 1": (elu_forward, lambda dout, c: np.where(c[0] > 0, dout, dout * c[1]), "the - 1 goes"),
    "derivative without alpha": (elu_forward, elu_backward_without_alpha, "lacks the factor alpha"),
    "backward hard-codes the default": (
        elu_forward,
        lambda dout, c: np.where(c[0] > 0, dout, dout * (c[1] + 1.0)),
        "uses 1.0 .the default.",
    ),
    "dout forgotten": (
        elu_forward,
        lambda dout, c: np.where(c[0] > 0, 1.0, c[2] * np.exp(np.minimum(c[0], 0))),
        "chain rule",
    ),
    "input modified in place": (elu_inplace, elu_backward_of_inplace, "modified its input `x`"),
    "float32": (as_float32(elu_forward), elu_backward, "float32"),
    "float32 output cached, float64 dx": (
        lambda x, alpha=1.0: (elu_forward(x, alpha)[0], (x, elu_forward(x, alpha)[1][1].astype(np.float32), alpha)),
        elu_backward,
        "went through float32",
    ),
}


SLIPS = {"sigmoid": SIGMOID_SLIPS, "tanh": TANH_SLIPS, "leaky_relu": LEAKY_SLIPS, "elu": ELU_SLIPS}


@pytest.mark.parametrize("name, slip", [(name, slip) for name, table in SLIPS.items() for slip in table])
def test_typical_wrong_answers_fail_with_their_hint(name, slip):
    forward, backward, hint = SLIPS[name][slip]
    text = message(getattr(checks, f"check_{name}"), **{f"{name}_forward": forward, f"{name}_backward": backward})
    assert re.search(hint, text, re.S), text


def test_not_a_pair():
    fails(checks.check_tanh, r"pair \(out, cache\)", tanh_forward=np.tanh, tanh_backward=tanh_backward)


def test_blank_exercise_says_not_filled_in():
    def blank(x):
        raise NotImplementedError()

    fails(checks.check_sigmoid, "not filled in", sigmoid_forward=blank, sigmoid_backward=sigmoid_backward)


@pytest.mark.parametrize(
    "name, slip, code",
    [
        ("sigmoid", "overflow", "sigmoid.exp_overflow"),
        ("sigmoid", "derivative at the cached output", "sigmoid.sigma_of_output"),
        ("sigmoid", "float32 cache, float64 dx", "sigmoid.float32_intermediate"),
        ("tanh", "square missing", "tanh.missing_square"),
        ("tanh", "summed over the batch", "tanh.lost_axis"),
        ("leaky_relu", "forward hard-codes the default", "leaky_relu.alpha_default_forward"),
        ("leaky_relu", "dout forgotten", "leaky_relu.forgot_dout"),
        ("elu", "branches swapped", "elu.branches_swapped"),
        ("elu", "input modified in place", "elu.in_place"),
    ],
)
def test_typical_wrong_answers_have_their_cause_codes(name, slip, code):
    forward, backward, _ = SLIPS[name][slip]
    with pytest.raises(CheckFailure) as info:
        getattr(checks, f"check_{name}")(**{f"{name}_forward": forward, f"{name}_backward": backward}, verbose=False)
    assert info.value.code == code
