"""The notebook 04 checks: correct activations pass however written, typical slips fail with the right hint."""
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
    return dout * (1 - out ** 2)


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
        for fwd in (tanh_forward, tanh_forward_exp, tanh_forward_sigmoid):
            checks.check_tanh(tanh_forward=fwd, tanh_backward=tanh_backward, seed=seed)
        checks.check_leaky_relu(leaky_relu_forward=leaky_relu_forward, leaky_relu_backward=leaky_relu_backward,
                                seed=seed)
        checks.check_leaky_relu(leaky_relu_forward=leaky_relu_forward_mask,
                                leaky_relu_backward=leaky_relu_backward_mask, seed=seed)
        checks.check_elu(elu_forward=elu_forward, elu_backward=elu_backward, seed=seed)
        checks.check_elu(elu_forward=elu_forward_exp, elu_backward=elu_backward_exp, seed=seed)
    out = capsys.readouterr().out
    for name in ("sigmoid", "tanh", "leaky_relu", "elu"):
        assert f"\u2713 {name}" in out
    assert "FAIL" not in out


def test_reference_layers_pass():
    L = cu.layers
    checks.check_sigmoid(sigmoid_forward=L.sigmoid_forward, sigmoid_backward=L.sigmoid_backward, verbose=False)
    checks.check_tanh(tanh_forward=L.tanh_forward, tanh_backward=L.tanh_backward, verbose=False)
    checks.check_leaky_relu(leaky_relu_forward=L.leaky_relu_forward, leaky_relu_backward=L.leaky_relu_backward,
                            verbose=False)
    checks.check_elu(elu_forward=L.elu_forward, elu_backward=L.elu_backward, verbose=False)


def test_cases_hold_large_magnitudes_and_no_zeros():
    for name in ("check_sigmoid", "check_tanh", "check_leaky_relu", "check_elu"):
        for seed in (0, 1, 2):
            for case in checks.REGISTRY[name].cases(seed):
                assert np.abs(case["x"]).max() >= 40 and np.all(case["x"] != 0)
    assert np.abs(checks.REGISTRY["check_sigmoid"].cases(0)[0]["x"]).max() > 709


def test_hidden_tests_use_another_alpha():
    assert {c["alpha"] for s in (0, 1, 2) for c in checks.REGISTRY["check_leaky_relu"].cases(s)} == {0.01, 0.1, 0.2}
    assert {c["alpha"] for s in (0, 1, 2) for c in checks.REGISTRY["check_elu"].cases(s)} == {1.0, 0.5, 1.5}


# ---- sigmoid slips ----

def test_naive_sigmoid_overflows():
    def naive(x):
        out = 1 / (1 + np.exp(-x))
        return out, out

    fails(checks.check_sigmoid, "overflow.*np.abs", sigmoid_forward=naive, sigmoid_backward=sigmoid_backward)


def test_sigmoid_gradient_sigma_instead_of_sigma_one_minus_sigma():
    fails(checks.check_sigmoid, r"not σ\(x\)", sigmoid_forward=sigmoid_forward,
          sigmoid_backward=lambda dout, s: dout * s)


def test_sigmoid_derivative_at_the_cached_output():
    def at_out(dout, s):
        t = sigmoid_forward(s)[0]
        return dout * t * (1 - t)

    fails(checks.check_sigmoid, "wrong point", sigmoid_forward=sigmoid_forward, sigmoid_backward=at_out)


def test_sigmoid_dout_forgotten():
    fails(checks.check_sigmoid, "chain rule", sigmoid_forward=sigmoid_forward,
          sigmoid_backward=lambda dout, s: s * (1 - s))


def test_sigmoid_sign_in_exp():
    def wrong(x):
        out = 1 / (1 + np.exp(np.clip(x, -700, 700)))
        return out, out

    fails(checks.check_sigmoid, "minus sign", sigmoid_forward=wrong, sigmoid_backward=sigmoid_backward)


def test_input_modified_in_place():
    def inplace(x):
        np.clip(x, -500, 500, out=x)
        out = 1 / (1 + np.exp(-x))
        return out, out

    fails(checks.check_sigmoid, "modified its input", sigmoid_forward=inplace, sigmoid_backward=sigmoid_backward)


def test_backward_modifies_dout():
    def inplace(dout, out):
        dout *= 1 - out ** 2
        return dout

    fails(checks.check_tanh, "modified its input", tanh_forward=tanh_forward, tanh_backward=inplace)


# ---- tanh slips ----

def test_tanh_derivative_at_the_cached_output():
    fails(checks.check_tanh, "wrong point", tanh_forward=tanh_forward,
          tanh_backward=lambda dout, t: dout * (1 - np.tanh(t) ** 2))


def test_tanh_dout_forgotten():
    fails(checks.check_tanh, "chain rule", tanh_forward=tanh_forward, tanh_backward=lambda dout, t: 1 - t ** 2)


def test_tanh_square_missing():
    fails(checks.check_tanh, "with the square", tanh_forward=tanh_forward, tanh_backward=lambda dout, t: dout * (1 - t))


# ---- leaky ReLU slips ----

def test_leaky_relu_alpha_on_the_wrong_side():
    fails(checks.check_leaky_relu, "negative inputs only",
          leaky_relu_forward=lambda x, alpha=0.01: (np.where(x > 0, alpha * x, x), (x, alpha)),
          leaky_relu_backward=leaky_relu_backward)


def test_leaky_relu_backward_alpha_on_the_wrong_side():
    fails(checks.check_leaky_relu, "slope is 1 where x > 0", leaky_relu_forward=leaky_relu_forward,
          leaky_relu_backward=lambda dout, c: np.where(c[0] > 0, c[1] * dout, dout))


def test_leaky_relu_ignores_alpha():
    def fixed(x, alpha=0.01):
        return np.where(x > 0, x, 0.01 * x), (x, 0.01)

    with pytest.raises(CheckFailure, match="not 0.01"):
        checks.check_leaky_relu(leaky_relu_forward=fixed, leaky_relu_backward=leaky_relu_backward, seed=1,
                                verbose=False)
    checks.check_leaky_relu(leaky_relu_forward=fixed, leaky_relu_backward=leaky_relu_backward, verbose=False)


def test_leaky_relu_as_plain_relu_and_dout_forgotten():
    fails(checks.check_leaky_relu, "plain ReLU",
          leaky_relu_forward=lambda x, alpha=0.01: (np.maximum(x, 0), (x, alpha)),
          leaky_relu_backward=leaky_relu_backward)
    fails(checks.check_leaky_relu, "chain rule", leaky_relu_forward=leaky_relu_forward,
          leaky_relu_backward=lambda dout, c: np.where(c[0] > 0, 1.0, c[1]))


# ---- ELU slips ----

def test_elu_negative_branch_without_minus_one():
    def wrong(x, alpha=1.0):
        out = np.where(x > 0, x, alpha * np.exp(np.minimum(x, 0)))
        return out, (x, out, alpha)

    fails(checks.check_elu, "- 1 is missing", elu_forward=wrong, elu_backward=elu_backward_exp)


def test_elu_derivative_keeps_the_minus_one():
    fails(checks.check_elu, r"the - 1 goes", elu_forward=elu_forward,
          elu_backward=lambda dout, c: np.where(c[0] > 0, dout, dout * c[1]))


def test_elu_derivative_without_alpha_and_dout_forgotten():
    fails(checks.check_elu, "multiply by alpha", seed=1, elu_forward=elu_forward,
          elu_backward=lambda dout, c: np.where(c[0] > 0, dout, dout * np.exp(np.minimum(c[0], 0))))
    fails(checks.check_elu, "chain rule", elu_forward=elu_forward,
          elu_backward=lambda dout, c: np.where(c[0] > 0, 1.0, c[2] * np.exp(np.minimum(c[0], 0))))


def test_not_a_pair():
    fails(checks.check_tanh, r"pair \(out, cache\)", tanh_forward=np.tanh, tanh_backward=tanh_backward)


def test_blank_exercise_says_not_filled_in():
    def blank(x):
        raise NotImplementedError()

    fails(checks.check_sigmoid, "not filled in", sigmoid_forward=blank, sigmoid_backward=sigmoid_backward)
