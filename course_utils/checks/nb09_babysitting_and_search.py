"""Checks for notebook 09: sampling hyperparameters for a random search, and a model ensemble.

``sample_hyperparams(rng, num, lr_range, reg_range)`` is judged on the numbers it draws from a
generator the check hands it (a fresh copy for the student and for the reference), so the
contract fixes the order of draws: first all learning rates, then all regularization
strengths, each as ``10 ** rng.uniform(log10(lo), log10(hi), size=num)``. Any right way of
writing it (``np.power``, natural logs on both sides, ``lo * (hi / lo) ** rng.random(num)``, a
loop of single draws) turns the same uniform numbers u into the same values. The usual slips
turn the same u into other values, so each is recognized exactly: u is recovered from the
expected values, and the slip's formula applied to it (uniform in [lo, hi] itself, the
exponents returned, natural-log exponents raised as powers of 10, ``np.exp`` of base-10
exponents, ``reg`` drawn from ``lr_range``, the two returned swapped, the draws made in the
wrong order or interleaved). A grid (evenly spaced values) and values outside the given range
(numbers typed in instead of the ranges) get their own hints.

``ensemble_predict(prob_list)`` is judged on the labels it returns for probabilities where
averaging them, voting on labels, trusting the most confident model, multiplying the models'
probabilities and taking one model alone all disagree. The M arrays are handed over as rows of
one (M, N, C) input, so a write into one of them is seen as a change of that input.

Both halves are kept apart for the autograder: ``_call_*`` only calls the student's code and
returns what it returned; every hint is a pure function of those outputs and the case, run
where the expected values are computed. Every case has distinct sizes (``CASE_SIZES``).
"""

from __future__ import annotations

import copy

import numpy as np

from .. import search as ref
from ._core import Spec, pair
from ._hints import Hint, always
from ._registry import register

__all__ = ["check_sample_hyperparams", "check_ensemble_predict"]


def _sample_sizes(case: dict) -> dict[str, int]:
    return {"num": case["num"]}


def _sample_cases(seed: int) -> list[dict]:
    # the ranges differ from the notebook's (1e-4, 1) and (1e-5, 1), and lr_range from reg_range
    return [
        dict(rng=np.random.default_rng(900 + 10 * seed + i), num=num, lr_range=lr_range, reg_range=reg_range)
        for i, (num, lr_range, reg_range) in enumerate(
            [(200 + 7 * seed, (1e-5, 1e-1), (1e-6, 1e-2)), (13 + seed, (3e-4, 3e-2), (1e-4, 1.0))]
        )
    ]


def _call_sample(student, case):
    out = student["sample_hyperparams"](
        rng=case["rng"], num=case["num"], lr_range=tuple(case["lr_range"]), reg_range=tuple(case["reg_range"])
    )
    lr, reg = pair("sample_hyperparams", out, "(lrs, regs)")
    return {"lr": lr, "reg": reg}


def _expected_sample(case):
    lr, reg = ref.sample_hyperparams(copy.deepcopy(case["rng"]), case["num"], case["lr_range"], case["reg_range"])
    return {"lr": lr, "reg": reg}


def _draws(case) -> tuple[np.ndarray, np.ndarray]:
    """The uniform numbers u in [0, 1) behind the expected learning rates and regs (num each)."""
    rng = copy.deepcopy(case["rng"])
    u = rng.random(2 * case["num"])
    return u[: case["num"]], u[case["num"] :]


def _exps(range_: tuple[float, float], u: np.ndarray, log=np.log10) -> np.ndarray:
    lo, hi = log(range_[0]), log(range_[1])
    return lo + u * (hi - lo)


def _close(got: np.ndarray, want: np.ndarray) -> bool:
    return got.shape == want.shape and bool(np.allclose(got, want, rtol=1e-9, atol=0))


def _slip(transform):
    """A hint test: does the quantity equal transform(u, its range, case), u the draws behind it?"""

    def test(got, exp, case):
        u_lr, u_reg = _draws(case)
        is_lr = _close(exp, 10 ** _exps(case["lr_range"], u_lr))
        u, range_ = (u_lr, case["lr_range"]) if is_lr else (u_reg, case["reg_range"])
        with np.errstate(all="ignore"):
            return _close(got, transform(u, range_, case, is_lr))

    return test


def _other(u, range_, case, is_lr):
    """The other quantity's values: lrs where regs belong or the reverse."""
    u_lr, u_reg = _draws(case)
    return 10 ** _exps(case["reg_range"], u_reg) if is_lr else 10 ** _exps(case["lr_range"], u_lr)


def _order_swapped(u, range_, case, is_lr):
    u_lr, u_reg = _draws(case)
    return 10 ** _exps(range_, u_reg if is_lr else u_lr)


def _interleaved(u, range_, case, is_lr):
    u_lr, u_reg = _draws(case)
    stream = np.concatenate([u_lr, u_reg])
    return 10 ** _exps(range_, stream[0::2] if is_lr else stream[1::2])


def _outside(which):
    def test(got, exp, case):
        lo, hi = case[which]
        return bool(np.any((got < lo * (1 - 1e-12)) | (got > hi * (1 + 1e-12))))

    return test


def _uniform_in_range(got, exp, case):
    """Values spread evenly over [lo, hi] rather than evenly over the decades (from any generator)."""
    lo, hi = case["lr_range"] if _close(exp, _expected_sample(case)["lr"]) else case["reg_range"]
    if got.size < 100 or np.any(got < lo) or np.any(got > hi):
        return False
    return bool(np.mean(got < np.sqrt(lo * hi)) < 0.2)  # log-uniform puts half below the geometric middle


def _grid(got, exp, case):
    if got.size < 3 or np.any(got <= 0):
        return False
    steps = np.diff(np.log10(np.sort(got.ravel())))
    return bool(np.allclose(steps, steps[0], rtol=1e-6, atol=1e-12))


def _same_spread_other_numbers(got, exp, case):
    return (
        got.shape == exp.shape
        and not np.allclose(got, exp)
        and bool(np.all(got > 0) and np.abs(np.log10(got).mean() - np.log10(exp).mean()) < 0.5)
    )


_RANGE = {"lr": "lr_range", "reg": "reg_range"}
_UNIFORM = (
    "the values are uniform in [lo, hi] itself: almost all of them fall in the top decade. Draw the "
    "exponent uniformly, 10 ** rng.uniform(np.log10(lo), np.log10(hi), size=num), so that every decade "
    "(1e-5..1e-4, 1e-4..1e-3, ...) gets the same share of trials."
)


def _either(a, b):
    return lambda got, exp, case: a(got, exp, case) or b(got, exp, case)


_SAMPLE_HINTS = tuple(  # each cause once for lr and once for reg: lr_uniform_not_log, reg_uniform_not_log, ...
    Hint(f"{name}_{code}", test, text, quantity=name)
    for name in ("lr", "reg")
    for code, test, text in (
        (
            "uniform_not_log",
            _either(_slip(lambda u, r, case, is_lr: r[0] + u * (r[1] - r[0])), _uniform_in_range),
            _UNIFORM,
        ),
        (
            "exponents_returned",
            _slip(lambda u, r, case, is_lr: _exps(r, u)),
            "these are the exponents, log10 of the values: return 10 ** exponent, the values themselves.",
        ),
        (
            "natural_log_base_10",
            _slip(lambda u, r, case, is_lr: 10 ** _exps(r, u, np.log)),
            "the exponents were drawn between np.log(lo) and np.log(hi), natural logarithms, then raised as powers of "
            "10: use np.log10 with 10 ** (or np.log with np.exp), one base on both sides.",
        ),
        (
            "log10_base_e",
            _slip(lambda u, r, case, is_lr: np.exp(_exps(r, u))),
            "the exponents were drawn between np.log10(lo) and np.log10(hi) but raised with np.exp: use 10 ** "
            "exponent (or np.log with np.exp), one base on both sides.",
        ),
        (
            "other_quantity",
            _slip(_other),
            "these are the other quantity's values: return (lrs, regs) in that order, lrs drawn from lr_range and regs "
            "from reg_range.",
        ),
        (
            "draw_order_swapped",
            _slip(_order_swapped),
            "the right values in the wrong order of draws: the regularization strengths were drawn first. Draw all "
            "learning rates first (one call with size=num), then all regularization strengths.",
        ),
        (
            "draws_interleaved",
            _slip(_interleaved),
            "one (lr, reg) pair at a time: the draws alternate between the two. Draw all learning rates first (one "
            "call with size=num), then all regularization strengths (a second call).",
        ),
        (
            "outside_range",
            _outside(_RANGE[name]),
            f"some values fall outside the {_RANGE[name]} you were given: draw between np.log10({_RANGE[name]}[0]) and "
            f"np.log10({_RANGE[name]}[1]), not between numbers typed in (the check uses other ranges than the notebook).",
        ),
        (
            "grid_not_random",
            _grid,
            "the values are evenly spaced in log space: that is a grid (np.logspace), not a random search. Draw each "
            "exponent at random: 10 ** rng.uniform(np.log10(lo), np.log10(hi), size=num).",
        ),
        (
            "other_random_numbers",
            _same_spread_other_numbers,
            "the spread is right but the numbers differ: draw from the rng you are given (not np.random or a new "
            "generator), all learning rates first (one call with size=num), then all regularization strengths.",
        ),
    )
)


_SAMPLE_SHAPES = (
    Hint(
        "one_number",
        lambda got, exp, case: got.ndim == 0,
        "one number where num values are expected: give rng.uniform size=num, to draw num of them at once.",
        on="shape",
    ),
    Hint(
        "lrs_and_regs_in_one_array",
        lambda got, exp, case: got.size == 2 * case["num"],
        "2 * num values in one array: return two arrays, (lrs, regs), num values each.",
        on="shape",
    ),
)


@register(
    Spec(
        name="sample_hyperparams",
        args=("sample_hyperparams",),
        cases=_sample_cases,
        call=_call_sample,
        expected=_expected_sample,
        tol=1e-9,
        reference=("course_utils.search.sample_hyperparams",),
        hints=_SAMPLE_HINTS + _SAMPLE_SHAPES,
        hints_first=True,
    )
)
def check_sample_hyperparams(sample_hyperparams):
    """Check sample_hyperparams(rng, num, lr_range, reg_range) -> (lrs, regs) drawn log-uniformly (notebook 09)."""


def _ensemble_sizes(case: dict) -> dict[str, int]:
    M, N, C = case["prob_list"].shape
    return {"M": M, "N": N, "C": C}


def _ensemble_cases(seed: int) -> list[dict]:
    rng = np.random.default_rng(950 + seed)
    cases = []
    for M, N, C in [(3, 41 + 2 * seed, 7), (5, 29 + seed, 4)]:
        scores = rng.standard_normal((M, N, C)) * 2.0
        probs = np.exp(scores - scores.max(axis=2, keepdims=True))
        cases.append(dict(prob_list=probs / probs.sum(axis=2, keepdims=True)))  # M models' (N, C), as one array
    return cases


def _call_ensemble(student, case):
    # the M arrays are views into the case's (M, N, C) array: a write into one is a change of that input
    return {"labels": student["ensemble_predict"](prob_list=list(case["prob_list"]))}


def _expected_ensemble(case):
    return {"labels": ref.ensemble_predict(list(case["prob_list"]))}


def _vote(case):
    votes = np.stack([p.argmax(axis=1) for p in case["prob_list"]])
    return np.round(votes.mean(axis=0))


def _plurality(got, exp, case):
    """Are these the labels most models predict (any tie broken either way)?"""
    M, N, C = case["prob_list"].shape
    if got.shape != exp.shape or not np.all((got >= 0) & (got < C) & (got == np.round(got))):
        return False
    votes = np.stack([p.argmax(axis=1) for p in case["prob_list"]])
    counts = (votes[:, :, None] == np.arange(C)).sum(axis=0)  # (N, C) votes per class
    return not np.array_equal(got, exp) and np.array_equal(counts[np.arange(N), got.astype(int)], counts.max(axis=1))


def _labels_of(combine):
    return lambda got, exp, case: got.shape == exp.shape and np.array_equal(got, combine(case["prob_list"]))


_ENSEMBLE_HINTS = (
    Hint(
        "vote_averaged",
        lambda got, exp, case: got.shape == exp.shape and np.array_equal(got, _vote(case)),
        "these are the models' labels averaged: average the probabilities, (M, N, C) -> (N, C), then take the "
        "argmax of each row. A label is a class name, its mean means nothing.",
    ),
    Hint(
        "plurality_vote",
        _plurality,
        "these are a majority vote of the models' own labels: average their probabilities instead, then take the "
        "argmax of each row (a vote ignores how sure each model is).",
    ),
    Hint(
        "most_confident_model",
        _labels_of(lambda p: p.max(axis=0).argmax(axis=1)),
        "the most confident model decides each example (a max over the models): average the M models' "
        "probabilities instead, np.mean over the model axis, then the argmax of each row.",
    ),
    Hint(
        "product_of_probabilities",
        _labels_of(lambda p: np.log(p).sum(axis=0).argmax(axis=1)),
        "the probabilities were multiplied (or their logs added): average the probabilities themselves, then "
        "take the argmax of each row.",
    ),
    Hint(
        "first_model_only",
        _labels_of(lambda p: p[0].argmax(axis=1)),
        "these are the first model's labels alone: average all M models' probabilities, then take the argmax.",
    ),
    Hint(
        "last_model_only",
        _labels_of(lambda p: p[-1].argmax(axis=1)),
        "these are the last model's labels alone (a loop that overwrites instead of adding up?): average all M "
        "models' probabilities, then take the argmax.",
    ),
)


def _shaped(*shapes):
    """A hint test: is the output of one of these shapes, given the case's sizes (M, N, C)?"""
    return lambda got, exp, case: got.shape in [shape(*case["prob_list"].shape) for shape in shapes]


_ENSEMBLE_OTHER = (
    Hint(
        "probabilities_not_labels",
        _shaped(lambda M, N, C: (N, C)),
        "these are the averaged probabilities, (N, C): take the argmax of each row (axis=1) for the labels.",
        on="shape",
    ),
    Hint(
        "argmax_over_examples",
        _shaped(lambda M, N, C: (C,)),
        "one value per class: the argmax ran over the examples (axis 0). Average over the models, then "
        "take the argmax over the classes, axis=1.",
        on="shape",
    ),
    Hint(
        "one_value_per_model",
        _shaped(lambda M, N, C: (M,), lambda M, N, C: (M, N)),
        "one value per model: average over the models (axis 0 of the stacked (M, N, C) array) first.",
        on="shape",
    ),
    Hint(
        "wrong_shape",
        always,
        "stack the M arrays of shape (N, C) into (M, N, C), average over axis 0, then take the argmax over "
        "axis 1: one label per example.",
        on="shape",
    ),
    Hint(
        "in_place",
        always,
        "`total = prob_list[0]` then `total += p` adds into the first model's own array. Start from "
        "a new one (np.zeros_like, or .copy()), write total = total + p, or use np.mean of the stack.",
        on="inplace",
    ),
    Hint(
        "raised",
        always,
        "stack the M arrays of shape (N, C) into (M, N, C), average over axis 0, then argmax over axis 1.",
        on="raised",
    ),
)


@register(
    Spec(
        name="ensemble_predict",
        args=("ensemble_predict",),
        cases=_ensemble_cases,
        call=_call_ensemble,
        expected=_expected_ensemble,
        tol=0.0,
        reference=("course_utils.search.ensemble_predict",),
        hints=_ENSEMBLE_HINTS + _ENSEMBLE_OTHER,
        hints_first=True,
    )
)
def check_ensemble_predict(ensemble_predict):
    """Check ensemble_predict(prob_list) -> (N,) labels from the average of the models' probabilities (notebook 09)."""


CASE_SIZES = {"check_sample_hyperparams": _sample_sizes, "check_ensemble_predict": _ensemble_sizes}
