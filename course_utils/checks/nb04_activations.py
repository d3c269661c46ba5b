"""Checks for notebook 04: sigmoid, tanh, leaky ReLU and ELU, each forward and backward.

Each check takes the student's pair ``(<name>_forward, <name>_backward)``: ``_call_*`` runs the
student's forward pass, then the student's backward pass on the student's own cache, and
returns ``out`` and ``dx``; ``_expected_*`` does the same with :mod:`course_utils.layers`.
Inputs are random, never 0 (the kink of the ReLUs), and every case has an N by D input with
N != D (see ``CASE_SIZES``). The visible test (seed 0) and the hidden ones differ in values,
sizes and, for leaky ReLU and ELU, in ``alpha``, so an answer that ignores ``alpha`` fails.

Notes: the sigmoid cases hold inputs of magnitude 750, where ``np.exp(-x)`` overflows
(numpy warns ``overflow encountered in exp``): the exercise asks for a sigmoid that is safe
for any input, so an overflow warning during the forward pass fails the check, with a hint.
The other cases stay within |x| <= 40, so that tanh written with exponentials, or ELU with
``np.where`` on ``np.exp(x)``, pass: they are correct there, only not safe everywhere.
The pair is checked together (not the cache alone with the course's backward pass): students
choose what to cache, and the backward pass must read what their forward pass stored.
"""
from __future__ import annotations

import warnings

import numpy as np

from .. import layers as ref
from ._core import CheckFailure, pair
from ._hints import matches
from ._registry import register
from ._shapes import ShapeSpec

__all__ = ["check_sigmoid", "check_tanh", "check_leaky_relu", "check_elu"]

# the sizes (N, D) of each check's cases, seeds 0, 1, 2: all different, N != D
_SHAPES = {
    "sigmoid": [[(3, 5), (7, 2)], [(4, 9), (6, 11)], [(8, 13), (10, 3)]],
    "tanh": [[(5, 3), (2, 7)], [(9, 4), (11, 6)], [(13, 8), (3, 10)]],
    "leaky_relu": [[(4, 6), (9, 2)], [(5, 8), (12, 7)], [(6, 11), (3, 14)]],
    "elu": [[(6, 4), (2, 9)], [(8, 5), (7, 12)], [(11, 6), (14, 3)]],
}
_ALPHA = {"leaky_relu": (0.01, 0.1, 0.2), "elu": (1.0, 0.5, 1.5)}
_SEED = {"sigmoid": 40, "tanh": 41, "leaky_relu": 42, "elu": 43}


def _sizes(case: dict) -> dict[str, int]:
    N, D = case["x"].shape
    return {"N": N, "D": D}


def _cases(name: str, seed: int) -> list[dict]:
    rng = np.random.default_rng(1000 * _SEED[name] + seed)
    cases = []
    for N, D in _SHAPES[name][seed % 3]:
        x = rng.standard_normal((N, D)) * 3
        x[np.abs(x) < 1e-3] = 0.5  # keep clear of 0, where the ReLUs have their kink
        x.flat[0], x.flat[1] = 40.0, -40.0  # saturated units: the local gradient is about 0 there
        if name == "sigmoid":
            x.flat[2], x.flat[3] = 750.0, -750.0  # np.exp(750) overflows
        case = dict(x=x, dout=rng.standard_normal((N, D)))
        if name in _ALPHA:
            case["alpha"] = _ALPHA[name][seed % 3]
        cases.append(case)
    return cases



_SAFE_SIGMOID = ("np.exp(-x) overflows for x below about -709; take exp only of -|x|, which is <= 0: "
                 "e = np.exp(-np.abs(x)), then out = np.where(x >= 0, 1 / (1 + e), e / (1 + e)).")


def _caller(name: str):
    def call(student, case):
        forward, backward = student[f"{name}_forward"], student[f"{name}_backward"]
        args = (case["x"], case["alpha"]) if "alpha" in case else (case["x"],)
        with warnings.catch_warnings(record=True) as caught, np.errstate(over="warn"):
            warnings.simplefilter("always")
            out, cache = pair(f"{name}_forward", forward(*args))
        overflow = [w for w in caught if "overflow" in str(w.message)]
        if overflow and name == "sigmoid":
            raise CheckFailure(
                f"sigmoid_forward: numpy warned '{overflow[0].message}' on an input of magnitude 750; a sigmoid "
                f"must be safe for any x.\n  Hint: {_SAFE_SIGMOID}")
        for w in caught:  # anything else: let the student see it as usual
            warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)
        return {"out": out, "dx": backward(case["dout"], cache)}

    return call


def _expected(name: str):
    forward, backward = ref.ACTIVATIONS[name]

    def expected(case):
        out, cache = forward(case["x"], case["alpha"]) if "alpha" in case else forward(case["x"])
        return {"out": out, "dx": backward(case["dout"], cache)}

    return expected


def _sig(x):
    return ref.sigmoid_forward(x)[0]


_NO_DOUT = ("dx is only the local gradient: multiply it by the upstream gradient, dx = dout * (local "
            "gradient) (the chain rule).")


@register(ShapeSpec(
    name="sigmoid", args=("sigmoid_forward", "sigmoid_backward"),
    cases=lambda seed: _cases("sigmoid", seed), call=_caller("sigmoid"), expected=_expected("sigmoid"),
    like={"out": "x", "dx": "x"}, batch="x", reference=("course_utils.layers.sigmoid_forward",
                                                         "course_utils.layers.sigmoid_backward"),
    hints=(
        (matches(lambda c: c["dout"] * _sig(c["x"])),
         "the local gradient is σ(x) (1 - σ(x)), not σ(x): dx = dout * out * (1 - out), with out the cached "
         "output."),
        (matches(lambda c: c["dout"] * _sig(_sig(c["x"])) * (1 - _sig(_sig(c["x"])))),
         "the cache holds the output s = σ(x), not x: σ(s) (1 - σ(s)) is the derivative at the wrong point; use "
         "s directly, dx = dout * s * (1 - s)."),
        (matches(lambda c: _sig(c["x"]) * (1 - _sig(c["x"]))), _NO_DOUT),
        (matches(lambda c: 1 / (1 + np.exp(np.clip(c["x"], -700, 700)))),
         "σ(x) = 1 / (1 + exp(-x)): the minus sign inside exp is missing (out goes from 1 down to 0)."),
    ),
))
def check_sigmoid(sigmoid_forward, sigmoid_backward):
    """Check sigmoid_forward (safe for any x) and sigmoid_backward on its cache (notebook 04)."""


@register(ShapeSpec(
    name="tanh", args=("tanh_forward", "tanh_backward"),
    cases=lambda seed: _cases("tanh", seed), call=_caller("tanh"), expected=_expected("tanh"),
    like={"out": "x", "dx": "x"}, batch="x", reference=("course_utils.layers.tanh_forward",
                                                      "course_utils.layers.tanh_backward"),
    hints=(
        (matches(lambda c: c["dout"] * (1 - np.tanh(np.tanh(c["x"])) ** 2)),
         "the cache holds the output t = tanh(x), not x: 1 - tanh(t)² is the derivative at the wrong point; "
         "use t directly, dx = dout * (1 - t**2)."),
        (matches(lambda c: 1 - np.tanh(c["x"]) ** 2), _NO_DOUT),
        (matches(lambda c: c["dout"] * (1 - np.tanh(c["x"]))),
         "the local gradient is 1 - tanh(x)², with the square: dx = dout * (1 - out**2)."),
        (matches(lambda c: c["dout"] * np.tanh(c["x"]) * (1 - np.tanh(c["x"]))),
         "that is the sigmoid's derivative pattern; tanh's is 1 - tanh(x)²: dx = dout * (1 - out**2)."),
    ),
))
def check_tanh(tanh_forward, tanh_backward):
    """Check tanh_forward and tanh_backward on its cache (notebook 04)."""


_ALPHA_SIDE = "alpha multiplies the negative inputs only: out = np.where(x > 0, x, alpha * x)."


@register(ShapeSpec(
    name="leaky_relu", args=("leaky_relu_forward", "leaky_relu_backward"),
    cases=lambda seed: _cases("leaky_relu", seed), call=_caller("leaky_relu"), expected=_expected("leaky_relu"),
    like={"out": "x", "dx": "x"}, batch="x", reference=("course_utils.layers.leaky_relu_forward",
                                                      "course_utils.layers.leaky_relu_backward"),
    hints=(
        (matches(lambda c: np.where(c["x"] > 0, c["alpha"] * c["x"], c["x"])), _ALPHA_SIDE),
        (matches(lambda c: np.where(c["x"] > 0, c["alpha"] * c["dout"], c["dout"])),
         "the slope is 1 where x > 0 and alpha elsewhere: dx = np.where(x > 0, dout, alpha * dout)."),
        (matches(lambda c: np.where(c["x"] > 0, c["x"], 0.01 * c["x"])),
         "use the alpha you are given, not 0.01: the check calls leaky_relu_forward(x, alpha) with other values."),
        (matches(lambda c: np.where(c["x"] > 0, c["dout"], 0.01 * c["dout"])),
         "use the alpha of the forward pass (keep it in the cache), not 0.01."),
        (matches(lambda c: np.maximum(c["x"], 0)),
         "that is a plain ReLU: the negative inputs give alpha * x, not 0."),
        (matches(lambda c: np.where(c["x"] > 0, c["dout"], 0.0)),
         "that is the plain ReLU's gradient: where x <= 0 the slope is alpha, dx = alpha * dout there."),
        (matches(lambda c: np.where(c["x"] > 0, 1.0, c["alpha"])), _NO_DOUT),
    ),
))
def check_leaky_relu(leaky_relu_forward, leaky_relu_backward):
    """Check leaky_relu_forward(x, alpha) and leaky_relu_backward on its cache (notebook 04)."""


@register(ShapeSpec(
    name="elu", args=("elu_forward", "elu_backward"),
    cases=lambda seed: _cases("elu", seed), call=_caller("elu"), expected=_expected("elu"),
    like={"out": "x", "dx": "x"}, batch="x", reference=("course_utils.layers.elu_forward",
                                                      "course_utils.layers.elu_backward"),
    hints=(
        (matches(lambda c: np.where(c["x"] > 0, c["x"], c["alpha"] * np.exp(np.minimum(c["x"], 0)))),
         "the negative side is alpha * (exp(x) - 1), which is 0 at x = 0 (continuous) and tends to -alpha: the "
         "- 1 is missing."),
        (matches(lambda c: np.where(c["x"] > 0, c["alpha"] * np.expm1(np.minimum(c["x"], 0)), c["x"])),
         "the branches are swapped: x where x > 0, alpha * (exp(x) - 1) elsewhere."),
        (matches(lambda c: np.where(c["x"] > 0, c["dout"], c["dout"] * c["alpha"] * np.expm1(np.minimum(c["x"], 0)))),
         "the derivative of alpha * (exp(x) - 1) is alpha * exp(x) (the - 1 goes): where x <= 0, "
         "dx = dout * alpha * np.exp(x), which is dout * (out + alpha)."),
        (matches(lambda c: np.where(c["x"] > 0, c["dout"], c["dout"] * np.exp(np.minimum(c["x"], 0)))),
         "the derivative where x <= 0 is alpha * exp(x): multiply by alpha."),
        (matches(lambda c: np.where(c["x"] > 0, 1.0, c["alpha"] * np.exp(np.minimum(c["x"], 0)))), _NO_DOUT),
        (matches(lambda c: np.where(c["x"] > 0, c["x"], np.expm1(np.minimum(c["x"], 0)))),
         "use the alpha you are given: the negative side is alpha * (exp(x) - 1)."),
    ),
))
def check_elu(elu_forward, elu_backward):
    """Check elu_forward(x, alpha) and elu_backward on its cache (notebook 04)."""


# check -> the named sizes of a case (the tests assert that they are pairwise distinct)
CASE_SIZES = dict.fromkeys(__all__, _sizes)
