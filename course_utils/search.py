"""Hyperparameter search and model ensembles (notebook 09).

The reference answers of notebook 09's exercises, used by its experiments and its checks.
"""
from __future__ import annotations

from collections.abc import Sequence

import numpy as np

__all__ = ["sample_hyperparams", "ensemble_predict", "softmax_probs"]


def sample_hyperparams(rng: np.random.Generator, num: int, lr_range: tuple[float, float],
                       reg_range: tuple[float, float]) -> tuple[np.ndarray, np.ndarray]:
    """Learning rates and regularization strengths for a random search, log-uniform in their ranges.

    Inputs:
    - rng: the generator to draw from; num: number of trials.
    - lr_range, reg_range: (lo, hi) with 0 < lo < hi.
    Returns: (lrs, regs), two arrays of shape (num,).

    Notes: both act multiplicatively (halving lr matters as much at 1e-4 as at 1e-1), so the
    exponent is drawn uniformly and every decade of the range gets the same share of trials;
    drawing in [lo, hi] itself would put about 90% of them in the top decade. All learning rates
    are drawn first, then all regularization strengths: the check relies on that order.
    """
    for name, (lo, hi) in (("lr_range", lr_range), ("reg_range", reg_range)):
        if not 0 < lo < hi:
            raise ValueError(f"sample_hyperparams: {name} must be (lo, hi) with 0 < lo < hi, got {(lo, hi)}")
    lrs = 10 ** rng.uniform(np.log10(lr_range[0]), np.log10(lr_range[1]), size=num)
    regs = 10 ** rng.uniform(np.log10(reg_range[0]), np.log10(reg_range[1]), size=num)
    return lrs, regs


def ensemble_predict(prob_list: Sequence[np.ndarray]) -> np.ndarray:
    """Labels (N,) from the average of M models' class probabilities, each (N, C).

    Notes: probabilities are averaged, not labels: a label is a class name, and a vote throws
    away how sure each model was. The inputs are not modified.
    """
    return np.mean(np.stack(prob_list), axis=0).argmax(axis=1)


def softmax_probs(scores: np.ndarray) -> np.ndarray:
    """Class probabilities (N, C) from scores (N, C), shifted by each row's max for stability."""
    e = np.exp(scores - scores.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)
