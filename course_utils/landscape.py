"""The loss of a linear classifier as a function of its weights, and three ways downhill (notebook 02).

- :func:`along_line`: the loss and the accuracy at ``W + t * direction`` for many t. Accuracy
  is a count of right answers, so it only changes when some example crosses a decision
  boundary: it is flat, with a zero gradient, almost everywhere. The loss changes with every
  score, so its gradient says which way is down.
- The three strategies of the CS231n notes on optimization, each given the same number of
  loss evaluations: :func:`random_search` (the best of many random W), :func:`random_local_search`
  (perturb W, keep the change if the loss went down) and :func:`gradient_descent` (step against
  the analytic gradient). :func:`compare_strategies` runs the three over several seeds.

Every function takes ``loss_fn(W, X, y, reg) -> (loss, dW)``, such as
:func:`course_utils.losses.linear_svm_loss`; only gradient descent uses dW.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import NamedTuple

import numpy as np

from .models import linear_predict

__all__ = [
    "along_line",
    "Run",
    "random_search",
    "random_local_search",
    "gradient_descent",
    "StrategyResult",
    "compare_strategies",
]

LossFn = Callable[..., tuple[float, np.ndarray]]


def along_line(
    loss_fn: LossFn,
    W: np.ndarray,
    direction: np.ndarray,
    X: np.ndarray,
    y: np.ndarray,
    ts: Sequence[float],
    reg: float = 0.0,
) -> tuple[np.ndarray, np.ndarray]:
    """The loss and the accuracy on (X, y) at W + t * direction, for each t in ts.

    Inputs: loss_fn as in the module docstring; W, direction: (D, C); X: (N, D); y: (N,);
    ts: (T,) positions along the line; reg: passed on to loss_fn.
    Returns: (losses, accuracies), two arrays of shape (T,).
    """
    W, direction = np.asarray(W, dtype=np.float64), np.asarray(direction, dtype=np.float64)
    if W.shape != direction.shape:
        raise ValueError(f"along_line: W {W.shape} and direction {direction.shape} must have the same shape")
    positions = np.asarray(ts, dtype=np.float64)
    losses, accs = np.zeros(len(positions)), np.zeros(len(positions))
    for k, t in enumerate(positions):
        Wt = W + t * direction
        losses[k] = loss_fn(Wt, X, y, reg)[0]
        accs[k] = np.mean(linear_predict(Wt, X) == y)
    return losses, accs


class Run(NamedTuple):
    """One strategy's run: the weights it ends with and its loss after each evaluation.

    - W: (D, C) the final weights (the best found, for the two random searches).
    - losses: (num_evals,) the loss of the current W after each evaluation (for random search,
      the best loss so far).
    """

    W: np.ndarray
    losses: np.ndarray


def _check_budget(num_evals: int, func: str) -> None:
    if num_evals < 1:
        raise ValueError(f"{func}: num_evals must be at least 1, got {num_evals}")


def random_search(
    loss_fn: LossFn,
    shape: tuple[int, int],
    X: np.ndarray,
    y: np.ndarray,
    *,
    num_evals: int,
    scale: float,
    rng: np.random.Generator,
    reg: float = 0.0,
) -> Run:
    """Try num_evals random weight matrices (entries N(0, scale^2)) and keep the one with the lowest loss.

    Notes: the CS231n notes' "very bad idea": every try starts from scratch, so nothing learned
    from one try helps the next.
    """
    _check_budget(num_evals, "random_search")
    best_W: np.ndarray | None = None
    best, losses = np.inf, np.zeros(num_evals)
    for k in range(num_evals):
        W = scale * rng.standard_normal(shape)
        loss = loss_fn(W, X, y, reg)[0]
        if best_W is None or loss < best:
            best_W, best = W, loss
        losses[k] = best
    assert best_W is not None  # num_evals >= 1
    return Run(best_W, losses)


def random_local_search(
    loss_fn: LossFn,
    W0: np.ndarray,
    X: np.ndarray,
    y: np.ndarray,
    *,
    num_evals: int,
    step: float,
    rng: np.random.Generator,
    reg: float = 0.0,
) -> Run:
    """From W0, add a random perturbation (entries N(0, step^2)) and keep it if the loss goes down.

    Notes: one evaluation for W0, then one per tried perturbation. A random direction in a space
    of D * C dimensions is nearly orthogonal to the downhill one, so most tries are wasted.
    """
    _check_budget(num_evals, "random_local_search")
    W = np.array(W0, dtype=np.float64, copy=True)
    loss = loss_fn(W, X, y, reg)[0]
    losses = np.zeros(num_evals)
    losses[0] = loss
    for k in range(1, num_evals):
        W_try = W + step * rng.standard_normal(W.shape)
        loss_try = loss_fn(W_try, X, y, reg)[0]
        if loss_try < loss:
            W, loss = W_try, loss_try
        losses[k] = loss
    return Run(W, losses)


def gradient_descent(
    loss_fn: LossFn, W0: np.ndarray, X: np.ndarray, y: np.ndarray, *, num_evals: int, lr: float, reg: float = 0.0
) -> Run:
    """Full-batch gradient descent from W0: evaluate loss and dW, step W -= lr * dW, num_evals times.

    Notes: the update follows the evaluation, so the returned W is the last one evaluated
    (num_evals - 1 steps). One evaluation here computes the gradient too, which costs about one
    more matrix product: the same order as the loss itself.
    """
    _check_budget(num_evals, "gradient_descent")
    W = np.array(W0, dtype=np.float64, copy=True)
    losses = np.zeros(num_evals)
    for k in range(num_evals):
        loss, dW = loss_fn(W, X, y, reg)
        losses[k] = loss
        if k < num_evals - 1:
            W = W - lr * dW
    return Run(W, losses)


class StrategyResult(NamedTuple):
    """One strategy in :func:`compare_strategies`.

    - step: the step size (scale, step or learning rate) chosen among those tried.
    - tried: each step size tried -> the final training loss it reached on the first seed.
    - losses: (S, num_evals) the loss curves, one per seed, with the chosen step.
    - val_acc: (S,) the validation accuracy each seed's final W reaches.
    """

    step: float
    tried: dict[float, float]
    losses: np.ndarray
    val_acc: np.ndarray


_STRATEGIES = ("random search", "random local search", "gradient descent")


def _run(
    name: str,
    loss_fn: LossFn,
    X: np.ndarray,
    y: np.ndarray,
    step: float,
    num_evals: int,
    seed: int,
    weight_scale: float,
    reg: float,
) -> Run:
    rng = np.random.default_rng(seed)
    shape = (X.shape[1], int(np.max(y)) + 1)
    if name == "random search":
        return random_search(loss_fn, shape, X, y, num_evals=num_evals, scale=step, rng=rng, reg=reg)
    W0 = weight_scale * rng.standard_normal(shape)
    if name == "random local search":
        return random_local_search(loss_fn, W0, X, y, num_evals=num_evals, step=step, rng=rng, reg=reg)
    return gradient_descent(loss_fn, W0, X, y, num_evals=num_evals, lr=step, reg=reg)


def compare_strategies(
    loss_fn: LossFn,
    X: np.ndarray,
    y: np.ndarray,
    X_val: np.ndarray,
    y_val: np.ndarray,
    *,
    steps: Mapping[str, Sequence[float]],
    num_evals: int,
    seeds: Sequence[int] = (0, 1, 2),
    weight_scale: float = 1e-3,
    reg: float = 0.0,
) -> dict[str, StrategyResult]:
    """The three strategies on the same loss, data and budget of loss evaluations, over several seeds.

    Inputs:
    - loss_fn, X (N, D), y (N,): the training loss and data; X_val, y_val: where accuracy is measured.
    - steps: strategy name ("random search", "random local search", "gradient descent") -> the
      step sizes to try (random search: the scale of its random W; local search: the scale of a
      perturbation; gradient descent: the learning rate).
    - num_evals: the budget of loss evaluations of every run; seeds: one run per seed.
    - weight_scale: the scale of the random W0 the two local methods start from; reg: for loss_fn.
    Returns: strategy name -> :class:`StrategyResult`, in the order of ``steps``.

    Notes: each strategy keeps the step size whose run on the first seed ends with the lowest
    training loss (the validation set is not used to choose), then runs every seed with it.
    """
    unknown = set(steps) - set(_STRATEGIES)
    if unknown:
        raise ValueError(f"compare_strategies: unknown strategies {sorted(unknown)}; use {', '.join(_STRATEGIES)}")
    if not seeds:
        raise ValueError("compare_strategies: give at least one seed")
    results = {}
    for name, candidates in steps.items():
        first = {float(s): _run(name, loss_fn, X, y, s, num_evals, seeds[0], weight_scale, reg) for s in candidates}
        tried = {s: float(run.losses[-1]) for s, run in first.items()}
        step = min(tried, key=tried.__getitem__)
        runs = [first[step]] + [_run(name, loss_fn, X, y, step, num_evals, s, weight_scale, reg) for s in seeds[1:]]
        results[name] = StrategyResult(
            step=step,
            tried=tried,
            losses=np.stack([r.losses for r in runs]),
            val_acc=np.array([np.mean(linear_predict(r.W, X_val) == y_val) for r in runs]),
        )
    return results
