"""Checks for notebook 04: sigmoid, tanh, leaky ReLU and ELU, each forward and backward.

Each check takes the student's pair ``(<name>_forward, <name>_backward)``: ``_call_*`` runs the
student's forward pass, then the student's backward pass on the student's own cache, and
returns ``out`` and ``dx``; ``_expected_*`` does the same with :mod:`course_utils.layers`.
Inputs are random, never 0 (the kink of the ReLUs), and every case has an N by D input with
N != D (see ``CASE_SIZES``). Every test, the visible one (seed 0) included, calls leaky ReLU and
ELU once with ``alpha`` left at its default and once with another ``alpha=`` keyword, so an
answer that ignores ``alpha`` (or hard-codes the default) fails where the student sees it.

Notes: the sigmoid cases hold inputs of magnitude 750, where ``np.exp(-x)`` overflows
(numpy warns ``overflow encountered in exp``): the exercise asks for a sigmoid that is safe
for any input, so an overflow warning during the forward pass fails the check, with a hint.
The other cases stay within |x| <= 40, so that tanh written with exponentials, or ELU with
``np.where`` on ``np.exp(x)``, pass: they are correct there, only not safe everywhere. Leaky
ReLU's alphas stay below 1, where ``np.maximum(x, alpha * x)`` is a correct answer too.
The pair is checked together (not the cache alone with the course's backward pass): students
choose what to cache, and the backward pass must read what their forward pass stored.
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np

from .. import layers as ref
from ._core import CheckFailure, Spec, pair
from ._hints import Hint, matches
from ._registry import register

__all__ = ["check_sigmoid", "check_tanh", "check_leaky_relu", "check_elu"]

# the sizes (N, D) of each check's cases, seeds 0, 1, 2: all different, N != D
_SHAPES = {
    "sigmoid": [[(3, 5), (7, 2)], [(4, 9), (6, 11)], [(8, 13), (10, 3)]],
    "tanh": [[(5, 3), (2, 7)], [(9, 4), (11, 6)], [(13, 8), (3, 10)]],
    "leaky_relu": [[(4, 6), (9, 2)], [(5, 8), (12, 7)], [(6, 11), (3, 14)]],
    "elu": [[(6, 4), (2, 9)], [(8, 5), (7, 12)], [(11, 6), (14, 3)]],
}
# the alpha= keyword of each case, seeds 0, 1, 2 (None: the call leaves alpha at its default)
_ALPHA = {"leaky_relu": [(None, 0.1), (0.2, None), (None, 0.3)], "elu": [(None, 0.5), (1.5, None), (None, 2.0)]}
DEFAULT_ALPHA = {"leaky_relu": 0.01, "elu": 1.0}
# entrywise functions: float64 answers agree to 1e-13 however written (dx to 1e-9 only where 1 - tanh² is
# about 1e-7 and tanh came from exponentials); float32 rounding shows as errors of about 3e-8
_TOL = {"out": 1e-9, "dx": 1e-8}
_SEED = {"sigmoid": 40, "tanh": 41, "leaky_relu": 42, "elu": 43}


def _sizes(case: dict) -> dict[str, int]:
    N, D = case["x"].shape
    return {"N": N, "D": D}


def _cases(name: str, seed: int) -> list[dict]:
    rng = np.random.default_rng(1000 * _SEED[name] + seed)
    cases = []
    for k, (N, D) in enumerate(_SHAPES[name][seed % 3]):
        x = rng.standard_normal((N, D)) * 3
        x[np.abs(x) < 1e-3] = 0.5  # keep clear of 0, where the ReLUs have their kink
        x.flat[0], x.flat[1] = 40.0, -40.0  # saturated units: the local gradient is about 0 there
        if name == "sigmoid":
            x.flat[2], x.flat[3] = 750.0, -750.0  # np.exp(750) overflows
        case: dict[str, Any] = dict(x=x, dout=rng.standard_normal((N, D)))
        if name in _ALPHA and _ALPHA[name][seed % 3][k] is not None:
            case["alpha"] = _ALPHA[name][seed % 3][k]
        cases.append(case)
    return cases


_SAFE_SIGMOID = (
    "np.exp(-x) overflows for x below about -709: take exp only of -|x|, which is never "
    "positive, and use the form of σ for each sign of x given in the exercise."
)


def _caller(name: str):
    def call(student, case):
        forward, backward = student[f"{name}_forward"], student[f"{name}_backward"]
        keywords = {"alpha": case["alpha"]} if "alpha" in case else {}
        with warnings.catch_warnings(record=True) as caught, np.errstate(over="warn"):
            warnings.simplefilter("always")
            out, cache = pair(f"{name}_forward", forward(case["x"], **keywords))
        overflow = [w for w in caught if "overflow" in str(w.message)]
        if overflow and name == "sigmoid":
            raise CheckFailure(
                f"sigmoid_forward: numpy warned '{overflow[0].message}' on an input of magnitude 750; a sigmoid "
                f"must be safe for any x.\n  Hint: {_SAFE_SIGMOID}",
                cause="exp_overflow",
            )
        for w in caught:  # anything else: let the student see it as usual
            warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)
        return {"out": out, "dx": backward(case["dout"], cache)}

    return call


def _expected(name: str):
    forward, backward = ref.ACTIVATIONS[name]

    def expected(case):
        out, cache = forward(case["x"], **({"alpha": case["alpha"]} if "alpha" in case else {}))
        return {"out": out, "dx": backward(case["dout"], cache)}

    return expected


def _sig(x):
    return ref.sigmoid_forward(x)[0]


def _alpha(case: dict, name: str) -> float:
    """The alpha a case's call used: its keyword, or the default."""
    return case.get("alpha", DEFAULT_ALPHA[name])


def _neg(case: dict) -> np.ndarray:
    """exp(x) where x <= 0 (and 1 elsewhere): ELU's negative side, never overflowing."""
    return np.exp(np.minimum(case["x"], 0))


_NO_DOUT = "dx is only the local gradient: multiply it by the upstream gradient dout (the chain rule)."


def _rounded(got, exp, case):
    """Right to float32's precision, not float64's, where the values are not tiny: an intermediate (a cached
    output, say) went through float32, though the result is float64 (the generic hint misses that)."""
    sizable = np.abs(exp) > 1e-3
    return np.allclose(got, exp, rtol=1e-5, atol=1e-7) and bool(
        np.any(np.abs(got - exp)[sizable] > 1e-9 * np.abs(exp)[sizable])
    )


_ROUNDED = Hint(
    "float32_intermediate",
    _rounded,
    "right to about 7 digits but not to 15: something went through float32 on the way (an "
    ".astype(np.float32), a float32 array): keep float64 throughout.",
)


@register(
    Spec(
        name="sigmoid",
        args=("sigmoid_forward", "sigmoid_backward"),
        cases=lambda seed: _cases("sigmoid", seed),
        call=_caller("sigmoid"),
        expected=_expected("sigmoid"),
        tol=_TOL,
        like={"out": "x", "dx": "x"},
        batch="x",
        reference=("course_utils.layers.sigmoid_forward", "course_utils.layers.sigmoid_backward"),
        hints=(
            Hint(
                "local_gradient_is_sigma",
                matches(lambda c: c["dout"] * _sig(c["x"])),
                "dx: the local gradient is σ(x) (1 - σ(x)), not σ(x) alone.",
            ),
            Hint(
                "sigma_of_output",
                matches(lambda c: c["dout"] * _sig(_sig(c["x"])) * (1 - _sig(_sig(c["x"])))),
                "dx: the cache holds the output s = σ(x), not x; applying σ to s again takes the derivative at the "
                "wrong point: use s itself.",
            ),
            Hint("forgot_dout", matches(lambda c: _sig(c["x"]) * (1 - _sig(c["x"]))), _NO_DOUT),
            Hint(
                "exp_sign",
                matches(lambda c: 1 / (1 + np.exp(np.clip(c["x"], -700, 700)))),
                "out goes from 1 down to 0 as x grows: the minus sign of exp(-x) is missing.",
            ),
            _ROUNDED,
        ),
    )
)
def check_sigmoid(sigmoid_forward, sigmoid_backward):
    """Check sigmoid_forward (safe for any x) and sigmoid_backward on its cache (notebook 04)."""


@register(
    Spec(
        name="tanh",
        args=("tanh_forward", "tanh_backward"),
        cases=lambda seed: _cases("tanh", seed),
        call=_caller("tanh"),
        expected=_expected("tanh"),
        tol=_TOL,
        like={"out": "x", "dx": "x"},
        batch="x",
        reference=("course_utils.layers.tanh_forward", "course_utils.layers.tanh_backward"),
        hints=(
            Hint(
                "tanh_of_output",
                matches(lambda c: c["dout"] * (1 - np.tanh(np.tanh(c["x"])) ** 2)),
                "dx: the cache holds the output t = tanh(x), not x; 1 - tanh(t)² is the derivative at the wrong "
                "point: use t itself.",
            ),
            Hint("forgot_dout", matches(lambda c: 1 - np.tanh(c["x"]) ** 2), _NO_DOUT),
            Hint(
                "missing_square",
                matches(lambda c: c["dout"] * (1 - np.tanh(c["x"]))),
                "dx: the local gradient is 1 - tanh(x)², with the square.",
            ),
            Hint(
                "sigmoid_pattern",
                matches(lambda c: c["dout"] * np.tanh(c["x"]) * (1 - np.tanh(c["x"]))),
                "dx: t (1 - t) is the sigmoid's pattern; tanh's local gradient is 1 - t², with t = tanh(x).",
            ),
            _ROUNDED,
        ),
    )
)
def check_tanh(tanh_forward, tanh_backward):
    """Check tanh_forward and tanh_backward on its cache (notebook 04)."""


def _leaky(case, alpha, where_positive, elsewhere):
    return np.where(case["x"] > 0, where_positive, alpha * elsewhere)


_DEFAULT_FORWARD = (
    "out fits alpha = {default}, the default, but this call passed another alpha=: use the alpha "
    "argument, never the default's value, in the function's body."
)
_DEFAULT_BACKWARD = (
    "dx fits alpha = {default}, the default, but the forward pass was called with another alpha=: "
    "keep that alpha in the cache and use it in the backward pass."
)


@register(
    Spec(
        name="leaky_relu",
        args=("leaky_relu_forward", "leaky_relu_backward"),
        cases=lambda seed: _cases("leaky_relu", seed),
        call=_caller("leaky_relu"),
        expected=_expected("leaky_relu"),
        tol=_TOL,
        like={"out": "x", "dx": "x"},
        batch="x",
        reference=("course_utils.layers.leaky_relu_forward", "course_utils.layers.leaky_relu_backward"),
        hints=(
            Hint(
                "alpha_scales_positive",
                matches(lambda c: np.where(c["x"] > 0, _alpha(c, "leaky_relu") * c["x"], c["x"])),
                "out: alpha scales the negative inputs only; the positive ones pass unchanged.",
            ),
            Hint(
                "slopes_swapped",
                matches(lambda c: np.where(c["x"] > 0, _alpha(c, "leaky_relu") * c["dout"], c["dout"])),
                "dx: the slope is 1 where x > 0 and alpha where x <= 0; yours has them the other way round.",
            ),
            Hint(
                "alpha_default_forward",
                matches(lambda c: _leaky(c, 0.01, c["x"], c["x"])),
                _DEFAULT_FORWARD.format(default=0.01),
            ),
            Hint(
                "alpha_default_backward",
                matches(lambda c: _leaky(c, 0.01, c["dout"], c["dout"])),
                _DEFAULT_BACKWARD.format(default=0.01),
            ),
            Hint(
                "plain_relu_forward",
                matches(lambda c: np.maximum(c["x"], 0)),
                "out is 0 for the negative inputs, as in a plain ReLU: leaky ReLU gives them the slope alpha.",
            ),
            Hint(
                "plain_relu_backward",
                matches(lambda c: np.where(c["x"] > 0, c["dout"], 0.0)),
                "dx is 0 where x <= 0, as in a plain ReLU: there the slope is alpha.",
            ),
            Hint("forgot_dout", matches(lambda c: np.where(c["x"] > 0, 1.0, _alpha(c, "leaky_relu"))), _NO_DOUT),
            _ROUNDED,
        ),
    )
)
def check_leaky_relu(leaky_relu_forward, leaky_relu_backward):
    """Check leaky_relu_forward(x, alpha=...) and leaky_relu_backward on its cache (notebook 04)."""


_ELU_ALPHA = (
    "dx where x <= 0 lacks the factor alpha, or uses 1.0 (the default) in its place: the local gradient "
    "is alpha exp(x), with the alpha of the forward pass kept in the cache."
)


@register(
    Spec(
        name="elu",
        args=("elu_forward", "elu_backward"),
        cases=lambda seed: _cases("elu", seed),
        call=_caller("elu"),
        expected=_expected("elu"),
        tol=_TOL,
        like={"out": "x", "dx": "x"},
        batch="x",
        reference=("course_utils.layers.elu_forward", "course_utils.layers.elu_backward"),
        hints=(
            Hint(
                "missing_minus_one",
                matches(lambda c: np.where(c["x"] > 0, c["x"], _alpha(c, "elu") * _neg(c))),
                "out: the negative side is alpha (exp(x) - 1), which is 0 at x = 0 (continuous) and tends to -alpha; "
                "yours lacks the - 1.",
            ),
            Hint(
                "branches_swapped",
                matches(lambda c: np.where(c["x"] > 0, _alpha(c, "elu") * (_neg(c) - 1), c["x"])),
                "out: the branches are swapped: x where x > 0, alpha (exp(x) - 1) elsewhere.",
            ),
            Hint(
                "alpha_default_forward",
                matches(lambda c: np.where(c["x"] > 0, c["x"], _neg(c) - 1)),
                _DEFAULT_FORWARD.format(default=1.0),
            ),
            Hint(
                "derivative_keeps_minus_one",
                matches(lambda c: np.where(c["x"] > 0, c["dout"], c["dout"] * _alpha(c, "elu") * (_neg(c) - 1))),
                "dx: the derivative of alpha (exp(x) - 1) is alpha exp(x): the - 1 goes.",
            ),
            Hint(
                "derivative_missing_alpha",
                matches(lambda c: np.where(c["x"] > 0, c["dout"], c["dout"] * _neg(c))),
                _ELU_ALPHA,
            ),
            Hint(
                "derivative_out_plus_one",
                matches(lambda c: np.where(c["x"] > 0, c["dout"], c["dout"] * (_alpha(c, "elu") * (_neg(c) - 1) + 1))),
                _ELU_ALPHA,
            ),
            Hint("forgot_dout", matches(lambda c: np.where(c["x"] > 0, 1.0, _alpha(c, "elu") * _neg(c))), _NO_DOUT),
            _ROUNDED,
        ),
    )
)
def check_elu(elu_forward, elu_backward):
    """Check elu_forward(x, alpha=...) and elu_backward on its cache (notebook 04)."""


# check -> the named sizes of a case (the tests assert that they are pairwise distinct)
CASE_SIZES = dict.fromkeys(__all__, _sizes)
