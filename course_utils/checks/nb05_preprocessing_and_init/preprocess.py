"""Check for notebook 05's preprocessing exercise: centre and normalize with the training set's statistics.

``preprocess(X_train, X_val, scale, eps)`` is called three times on one pair of sets: with
``scale=True`` and a tiny eps, with ``scale=False`` (centring only), and with ``eps=0.5`` (large
enough to matter), so an answer that ignores either keyword fails on the call that sets it. The
training set has one constant column, as the digits have pixels that are 0 in every image: its
std is 0 and only eps keeps the division finite. Each wrong formula students write (the
statistics of the wrong axis, the validation set's own statistics, the variance in place of the
std, the sample std) has its hint, found by recomputing the data with that formula.
"""

from __future__ import annotations

import numpy as np

from .._core import Spec, pair
from .._hints import Hint
from .._registry import register
from .._shapes import raised
from .init_weights import ROUNDED

__all__ = ["check_preprocess"]

_SETTINGS = ((True, 1e-8), (False, 1e-8), (True, 0.5))  # (scale, eps) of the three calls


def _label(case: dict) -> str:
    return (
        ""
        if (case["scale"], case["eps"]) == _SETTINGS[0]
        else (" (scale=False)" if not case["scale"] else f" (eps={case['eps']:g})")
    )


def _cases(seed: int) -> list[dict]:
    rng = np.random.default_rng(50 + seed)
    n, m, d = 23 + 2 * seed, 9 + seed, 6 + seed % 2  # distinct N, M, D
    spread = rng.uniform(0.5, 4.0, d)
    offset = rng.uniform(-3.0, 6.0, d)
    X_train = rng.standard_normal((n, d)) * spread + offset
    X_val = rng.standard_normal((m, d)) * spread + offset + 0.4  # its own mean differs from the training set's
    X_train[:, 2] = 0.0  # a "pixel" that is 0 in every training example
    return [dict(X_train=X_train, X_val=X_val, scale=scale, eps=eps) for scale, eps in _SETTINGS]


def _sizes(case: dict) -> dict[str, int]:
    return {"N": case["X_train"].shape[0], "M": case["X_val"].shape[0], "D": case["X_train"].shape[1]}


def _formula(
    case: dict, *, mean_of=lambda X: X.mean(axis=0), std_of=lambda X: X.std(axis=0), own_val=False, scale=None, eps=None
) -> tuple[np.ndarray, np.ndarray]:
    """(Z_train, Z_val) by the exercise's formula, or by a wrong variant of one of its parts."""
    scale = case["scale"] if scale is None else scale
    eps = case["eps"] if eps is None else eps
    out = []
    for X in (case["X_train"], case["X_val"]):
        stats_of = X if own_val else case["X_train"]
        Z = X - mean_of(stats_of)
        with np.errstate(divide="ignore", invalid="ignore"):  # a variant without eps: 0/0 at a constant feature
            out.append(Z / (std_of(stats_of) + eps) if scale else Z)
    return out[0], out[1]


def _call(student, case):
    result = pair(
        "preprocess",
        student["preprocess"](X_train=case["X_train"], X_val=case["X_val"], scale=case["scale"], eps=case["eps"]),
        "(Z_train, Z_val)",
    )
    label = _label(case)
    return {f"Z_train{label}": result[0], f"Z_val{label}": result[1]}


_CONSTANT_FEATURE = Hint(
    "constant_feature_divided_by_zero",
    lambda got, exp, case: got.ndim == 2 and got.shape[1] > 2 and not np.isfinite(got[:, 2]).all(),
    "column 2 is a feature that is 0 in every training example (its std is 0, like the digits' border "
    "pixels): divide by std + eps, so that a constant feature gives 0, not 0/0.",
    on="nonfinite",
)


def _expected(case):
    Z_train, Z_val = _formula(case)
    label = _label(case)
    return {f"Z_train{label}": Z_train, f"Z_val{label}": Z_val}


def _is(**wrong):
    """A hint test: the wrong output equals this variant's train or val output (chosen by its shape)."""

    def test(got, exp, case):
        try:
            variant = _formula(case, **wrong)
        except ValueError:  # e.g. a per-example mean of the training set does not fit the validation set
            return False
        for value, right in zip(variant, _formula(case)):
            if value.shape == got.shape == right.shape and not np.allclose(value, right, rtol=1e-11, atol=0):
                return bool(np.allclose(got, value, rtol=1e-11, atol=1e-14))
        return False

    return test


def _other_eps(got, exp, case):
    return any(_is(eps=e)(got, exp, case) for e in (0.0, 1e-8, 1e-7, 1e-6, 1e-5, 1e-4, 1e-3) if e != case["eps"])


def _eps_under_root(got, exp, case):
    return _is(std_of=lambda X: np.sqrt(X.var(axis=0) + case["eps"]) - case["eps"])(got, exp, case)


_STD = "divide by X_train.std(axis=0) + eps"
_PER_EXAMPLE = (  # statistics of each row, each set its own: no broadcasting error betrays them
    dict(mean_of=lambda X: X.mean(axis=1, keepdims=True), std_of=lambda X: X.std(axis=1, keepdims=True)),
    dict(mean_of=lambda X: X.mean(axis=1, keepdims=True)),
    dict(std_of=lambda X: X.std(axis=1, keepdims=True)),
)
_LABELS = [_label(dict(scale=scale, eps=eps)) for scale, eps in _SETTINGS]


_PER_EXAMPLE_SHAPES = ("(N, 1)", "(M, 1)", "(N,)", "(M,)")
_STATS_PER_EXAMPLE = raised(
    "statistics_per_example",
    _sizes,
    lambda s, case: s.kind == "broadcast" and any(shape in _PER_EXAMPLE_SHAPES for shape in s.shapes),
    "a mean or std taken per example (axis=1) has one entry per example and does not fit the other "
    "set: take the statistics per feature, over the examples: "
    "X_train.mean(axis=0) and X_train.std(axis=0), shape (D,).",
)


@register(
    Spec(
        name="preprocess",
        args=("preprocess",),
        cases=_cases,
        call=_call,
        expected=_expected,
        tol=1e-9,
        hints_first=True,
        like={f"Z_{s}{label}": f"X_{s}" for s in ("train", "val") for label in _LABELS},
        hints=(
            Hint(
                "wrong_sign",
                lambda got, exp, case: bool(np.any(exp)) and np.allclose(got, -exp, rtol=1e-11, atol=1e-14),
                "every entry has the wrong sign: subtract the mean from the data, X - mean (not mean - X).",
            ),
            Hint(
                "val_own_statistics",
                _is(own_val=True),
                "the validation set is centred (or scaled) with its own statistics: use the training set's "
                "mean and std for both sets (statistics from the validation data leak it into the model).",
            ),
            Hint(
                "per_example_statistics",
                lambda got, exp, case: any(_is(own_val=True, **wrong)(got, exp, case) for wrong in _PER_EXAMPLE),
                "each example is centred (or scaled) with its own statistics, taken per example (axis=1): take them per "
                "feature, over the training examples: X_train.mean(axis=0) and X_train.std(axis=0), shape (D,).",
            ),
            Hint(
                "one_mean_one_std",
                _is(mean_of=lambda X: X.mean(), std_of=lambda X: X.std()),
                "one mean and one std of all the numbers together: take one per feature (column), with axis=0.",
            ),
            Hint(
                "one_mean",
                _is(mean_of=lambda X: X.mean()),
                "one mean of all the numbers together: subtract one mean per feature (column), X_train.mean(axis=0).",
            ),
            Hint(
                "one_std",
                _is(std_of=lambda X: X.std()),
                "one std of all the numbers together: divide by one std per feature (column), X_train.std(axis=0) + eps.",
            ),
            Hint(
                "scaled_when_not_asked",
                _is(scale=True),
                "called with scale=False, the result is divided by the std: centre only when scale is "
                "False (use the argument, not a fixed True).",
            ),
            Hint(
                "not_scaled",
                _is(scale=False),
                f"the result is centred but not divided by the std: with scale=True, {_STD}.",
            ),
            Hint(
                "other_eps",
                _other_eps,
                "the result is that of another eps: use the argument eps (divide by std + eps), not a number of "
                "your own.",
            ),
            Hint(
                "divided_by_variance",
                _is(std_of=lambda X: X.var(axis=0)),
                f"divided by the variance: {_STD} (the square root of the variance).",
            ),
            Hint(
                "sample_std",
                _is(std_of=lambda X: X.std(axis=0, ddof=1)),
                "divided by the sample std (ddof=1, divides by N-1): use X_train.std(axis=0), which divides by N.",
            ),
            Hint(
                "eps_under_root",
                _eps_under_root,
                "eps is added under the square root, sqrt(var + eps): this exercise adds it to the std, std + eps.",
            ),
            ROUNDED,
            _CONSTANT_FEATURE,
            _STATS_PER_EXAMPLE,
        ),
    )
)
def check_preprocess(preprocess):
    """Check preprocess(X_train, X_val, scale, eps) -> (Z_train, Z_val) with several scale and eps (notebook 05)."""


CASE_SIZES = {"check_preprocess": _sizes}
