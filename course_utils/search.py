"""Hyperparameter search and model ensembles (notebook 09).

The reference answers of notebook 09's exercises (``sample_hyperparams``, ``ensemble_predict``),
used by its experiments and its checks, and the pieces of its experiments: the fine stage's
ranges from the coarse stage's best trials, snapshots of one run, probabilities and log-loss.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from . import optim
from .timing import one_blas_thread
from .train import train

__all__ = [
    "sample_hyperparams",
    "ensemble_predict",
    "softmax_probs",
    "fine_ranges",
    "train_snapshots",
    "probabilities",
    "log_loss",
    "spread",
]


def sample_hyperparams(
    rng: np.random.Generator, num: int, lr_range: tuple[float, float], reg_range: tuple[float, float]
) -> tuple[np.ndarray, np.ndarray]:
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


def fine_ranges(
    trials: np.ndarray,
    lr_range: tuple[float, float],
    reg_range: tuple[float, float],
    *,
    top: int = 3,
    widen: float = 2.0,
) -> tuple[tuple[float, float], tuple[float, float]]:
    """The fine stage's (lr_range, reg_range): around the coarse stage's best trials, inside its ranges.

    Inputs:
    - trials: (T, 3) rows (lr, reg, val_acc) of the coarse stage.
    - lr_range, reg_range: the coarse stage's ranges; the fine ranges never leave them.
    - top: how many of the best trials span the new ranges; widen: the factor by which each new
      range reaches past its lowest and highest best value (in log space, a margin of log10(widen)).
    Returns: ((lr_lo, lr_hi), (reg_lo, reg_hi)).

    Notes: the best few trials, not the single best: one lucky trial would pin the fine stage
    on a point, and val accuracy is noisy (one of 270 examples is 0.4%).
    """
    trials = np.asarray(trials, dtype=float)
    if trials.ndim != 2 or trials.shape[1] != 3 or len(trials) < top or top < 1:
        raise ValueError(
            f"fine_ranges: trials must be (T, 3) rows (lr, reg, val_acc) with T >= top={top}, got shape {trials.shape}"
        )
    best = trials[np.argsort(trials[:, 2], kind="stable")[-top:]]
    out = []
    for column, (lo, hi) in ((best[:, 0], lr_range), (best[:, 1], reg_range)):
        out.append((max(lo, column.min() / widen), min(hi, column.max() * widen)))
    return out[0], out[1]


def train_snapshots(
    model: Any,
    X_train: np.ndarray,
    y_train: np.ndarray,
    *,
    num_cycles: int,
    epochs_per_cycle: int,
    lr: float,
    rule: Callable = optim.sgd_momentum,
    batch_size: int = 100,
    rng: np.random.Generator,
) -> list[dict[str, np.ndarray]]:
    """One run in cycles, each a cosine decay of the learning rate from lr to 0; the parameters after each cycle.

    Inputs: model (trained in place), X_train (N, ...), y_train (N,); num_cycles, epochs_per_cycle;
    lr: the peak learning rate of every cycle; rule: an update rule of :mod:`course_utils.optim`;
    rng: the generator for the shuffling.
    Returns: num_cycles dicts of parameter copies, keyed like ``model.params`` (the last = model.params).

    Notes: Huang et al.'s snapshot ensemble ("train 1, get M for free"): the learning rate restarts
    high at each cycle (and the rule's memory with it), sending the net to another nearby minimum,
    and anneals to 0 so that each snapshot is a finished net. The whole costs one run of
    num_cycles * epochs_per_cycle epochs.
    """
    per_epoch = -(-len(X_train) // batch_size)
    snapshots = []
    for _ in range(num_cycles):
        train(
            model,
            X_train,
            y_train,
            rule=rule,
            hyper=dict(lr=lr),
            num_epochs=epochs_per_cycle,
            batch_size=batch_size,
            schedule=optim.cosine_schedule(lr, total=epochs_per_cycle * per_epoch),
            num_train_samples=1,
            rng=rng,
            verbose=False,
        )
        snapshots.append({name: w.copy() for name, w in model.params.items()})
    return snapshots


@one_blas_thread()  # small products: a second BLAS thread only waits (train.train's Notes)
def probabilities(model: Any, X: np.ndarray, params: dict[str, np.ndarray] | None = None) -> np.ndarray:
    """Class probabilities (N, C) of the model's test-mode scores on X, with other parameters if given.

    Notes: ``params`` (a snapshot, a Polyak average) is put into a shallow copy of the model, so
    the model itself keeps its own parameters.
    """
    if params is not None:
        model = copy.copy(model)
        model.params = params
    return softmax_probs(model.scores(X, train=False))


def log_loss(probs: np.ndarray, y: np.ndarray) -> float:
    """The mean negative log-probability of the true classes y (N,) under probs (N, C).

    Notes: it sees what accuracy cannot: how sure a model is of its right answers and how wrong it
    is on the others, so it moves even when the accuracy on a small set is stuck on a few examples.
    """
    y = np.asarray(y)
    return float(-np.mean(np.log(np.maximum(probs[np.arange(len(y)), y], 1e-300))))


def spread(values: Sequence[float], *, digits: int = 3, signed: bool = False) -> str:
    """'mean (min–max)' of values, each rounded to ``digits`` decimals: a result over seeds in one field.

    signed: write a + before positive numbers (for differences); the range then reads 'min to max'.
    """
    v = np.asarray(values, dtype=float)
    f = f"{{:{'+' if signed else ''}.{digits}f}}".format
    sep = " to " if signed or v.min() < 0 else "–"
    return f"{f(v.mean())} ({f(v.min())}{sep}{f(v.max())})"
