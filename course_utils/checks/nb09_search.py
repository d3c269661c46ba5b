"""Checks for notebook 09: sampling hyperparameters for a random search, and a model ensemble.

``sample_hyperparams(rng, num, lr_range, reg_range)`` is judged on the numbers it draws from a
generator the check hands it (a fresh copy for the student and for the reference), so the
contract fixes the order of draws: first all learning rates, then all regularization
strengths, each as ``10 ** rng.uniform(log10(lo), log10(hi), size=num)``. A search that draws
uniformly in the range itself (not in its logarithm) gets its own hint, told apart by the
values it returns. ``ensemble_predict(prob_list)`` is judged on the labels it returns for
probabilities where averaging probabilities and voting on labels disagree.
Every case has distinct sizes (see ``CASE_SIZES``).
"""
from __future__ import annotations

import copy

import numpy as np

from .. import search as ref
from ._core import CheckFailure, Spec
from ._registry import register

__all__ = ["check_sample_hyperparams", "check_ensemble_predict"]


def _sample_sizes(case: dict) -> dict[str, int]:
    return {"num": case["num"]}


def _sample_cases(seed: int) -> list[dict]:
    return [dict(rng=np.random.default_rng(900 + 10 * seed + i), num=num, lr_range=lr_range, reg_range=reg_range)
            for i, (num, lr_range, reg_range) in enumerate([
                (200 + 7 * seed, (1e-5, 1e-1), (1e-6, 1e-1)),
                (13 + seed, (3e-4, 3e-2), (1e-4, 1.0))])]


def _call_sample(student, case):
    out = student["sample_hyperparams"](rng=case["rng"], num=case["num"], lr_range=tuple(case["lr_range"]),
                                        reg_range=tuple(case["reg_range"]))
    if out is None:
        raise CheckFailure("sample_hyperparams returned None: return (lrs, regs), two arrays of num values.")
    try:
        lr, reg = out
    except (TypeError, ValueError):
        raise CheckFailure("sample_hyperparams must return a pair (lrs, regs) of arrays.") from None
    return {"lr": lr, "reg": reg}


def _expected_sample(case):
    lr, reg = ref.sample_hyperparams(copy.deepcopy(case["rng"]), case["num"], case["lr_range"], case["reg_range"])
    return {"lr": lr, "reg": reg}


def _uniform_in_range(got, exp, case):
    """Values spread evenly over [lo, hi] rather than evenly over the decades."""
    lo, hi = case["lr_range"] if np.all(got <= case["lr_range"][1]) and got.size == case["num"] else (None, None)
    if lo is None or got.size < 100:
        return False
    return bool(np.mean(got < np.sqrt(lo * hi)) < 0.2)  # log-uniform puts half below the geometric middle


def _log_not_pow(got, exp, case):
    return got.shape == exp.shape and bool(np.all(got < 0))


def _same_spread_other_numbers(got, exp, case):
    return got.shape == exp.shape and not np.allclose(got, exp) and bool(
        np.all(got > 0) and np.abs(np.log10(got).mean() - np.log10(exp).mean()) < 0.5)


@register(Spec(
    name="sample_hyperparams", args=("sample_hyperparams",), cases=_sample_cases,
    call=_call_sample, expected=_expected_sample, tol=1e-9, reference=("course_utils.search.sample_hyperparams",),
    hints=(
        (_uniform_in_range,
         "the values are uniform in [lo, hi] itself: almost all of them fall in the top decade. Draw the "
         "exponent uniformly, 10 ** rng.uniform(np.log10(lo), np.log10(hi), size=num), so that every decade "
         "(1e-5..1e-4, 1e-4..1e-3, ...) gets the same share of trials."),
        (_log_not_pow,
         "the values are negative: these are the exponents. Return 10 ** exponent, the learning rates themselves."),
        (_same_spread_other_numbers,
         "the spread is right but the numbers differ: draw from the rng you are given, all learning rates first "
         "(one call with size=num), then all regularization strengths, as "
         "10 ** rng.uniform(np.log10(lo), np.log10(hi), size=num)."),
    ),
))
def check_sample_hyperparams(sample_hyperparams):
    """Check sample_hyperparams(rng, num, lr_range, reg_range) -> (lrs, regs) drawn log-uniformly (notebook 09)."""


def _ensemble_sizes(case: dict) -> dict[str, int]:
    return {"M": len(case["prob_list"]), "N": case["prob_list"][0].shape[0], "C": case["prob_list"][0].shape[1]}


def _ensemble_cases(seed: int) -> list[dict]:
    rng = np.random.default_rng(950 + seed)
    cases = []
    for M, N, C in [(3, 41 + 2 * seed, 7), (5, 29 + seed, 4)]:
        scores = rng.standard_normal((M, N, C)) * 2.0
        probs = np.exp(scores - scores.max(axis=2, keepdims=True))
        probs /= probs.sum(axis=2, keepdims=True)
        cases.append(dict(prob_list=list(probs.copy())))
    return cases


def _call_ensemble(student, case):
    before = [p.copy() for p in case["prob_list"]]
    labels = student["ensemble_predict"](prob_list=case["prob_list"])
    for i, (p, old) in enumerate(zip(case["prob_list"], before)):
        if not np.array_equal(p, old):
            raise CheckFailure(f"ensemble_predict modified prob_list[{i}] in place (total += p writes into the first "
                               "model's probabilities). Never write into an input: total = total + p, or np.mean.")
    return {"labels": labels}


def _expected_ensemble(case):
    return {"labels": ref.ensemble_predict(case["prob_list"])}


def _vote(case):
    votes = np.stack([p.argmax(axis=1) for p in case["prob_list"]])
    return np.round(votes.mean(axis=0))


@register(Spec(
    name="ensemble_predict", args=("ensemble_predict",), cases=_ensemble_cases,
    call=_call_ensemble, expected=_expected_ensemble, tol=0.0, reference=("course_utils.search.ensemble_predict",),
    hints=(
        (lambda got, exp, case: got.shape == exp.shape and np.array_equal(got, _vote(case)),
         "these are the models' labels averaged: average the probabilities, (M, N, C) -> (N, C), then take the "
         "argmax of each row. A label is a class name, its mean means nothing."),
    ),
    error_hint="stack the M arrays of shape (N, C) into (M, N, C), average over axis 0, then argmax over axis 1.",
))
def check_ensemble_predict(ensemble_predict):
    """Check ensemble_predict(prob_list) -> (N,) labels from the average of the models' probabilities (notebook 09)."""


CASE_SIZES = {"check_sample_hyperparams": _sample_sizes, "check_ensemble_predict": _ensemble_sizes}
