"""Second-order methods: Newton's step and L-BFGS, for full-batch problems (notebook 08).

Newton's step x - H⁻¹ ∇f jumps to the minimum of the local quadratic model (on a quadratic: to
the minimum, in one step, whatever its condition number), but needs the Hessian H, D x D
numbers, and a solve with it. L-BFGS keeps only the last m steps s = x_{k+1} - x_k and the
changes of the gradient y = ∇f_{k+1} - ∇f_k, and from them applies an approximation of H⁻¹
to the gradient with two loops over the pairs (:func:`lbfgs_direction`), in O(m D).

Notes
-----
The pairs carry curvature only if they come from one function: y must be the change of the
gradient of the *same* loss along s. With mini-batches, each gradient is of another sample,
y mixes curvature with sampling noise, s·y can even be negative, and the line search accepts
steps that only suit one batch; that is why the lecture keeps L-BFGS for full-batch problems.
:func:`lbfgs` takes ``batches`` to show exactly that.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

import numpy as np

from .losses import _linear_loss_terms, _softmax_loss, linear_softmax_loss
from .timing import one_blas_thread

__all__ = [
    "newton_step",
    "lbfgs_direction",
    "backtracking",
    "lbfgs",
    "LbfgsRun",
    "first_order",
    "softmax_regression",
    "evaluations_to",
]


def newton_step(x: np.ndarray, grad: np.ndarray, hessian: np.ndarray) -> np.ndarray:
    """x - H⁻¹ grad: the minimum of the quadratic model at x, in one step (a solve with H, never its inverse)."""
    return np.asarray(x, dtype=np.float64) - np.linalg.solve(hessian, grad)


def lbfgs_direction(grad: np.ndarray, S: np.ndarray, Y: np.ndarray) -> np.ndarray:
    """The L-BFGS search direction -H grad by the two-loop recursion.

    Inputs:
    - grad: (D,) the gradient at the current point.
    - S, Y: (m, D) the last m steps s_i and gradient changes y_i, oldest first (m may be 0).
    Returns: (D,) the direction -H grad, with H the BFGS approximation of the inverse Hessian built
    from the pairs on top of H0 = gamma I, gamma = s·y / y·y of the newest pair (1 without pairs).

    Notes: the first loop runs from the newest pair to the oldest, the second back from the
    oldest to the newest; rho_i = 1 / (y_i·s_i). Nothing is modified in place.
    """
    q = np.array(grad, dtype=np.float64)
    m = len(S)
    rho = [1.0 / float(Y[i] @ S[i]) for i in range(m)]
    alpha = [0.0] * m
    for i in reversed(range(m)):
        alpha[i] = rho[i] * float(S[i] @ q)
        q = q - alpha[i] * Y[i]
    gamma = float(S[-1] @ Y[-1]) / float(Y[-1] @ Y[-1]) if m else 1.0
    r = gamma * q
    for i in range(m):
        beta = rho[i] * float(Y[i] @ r)
        r = r + (alpha[i] - beta) * S[i]
    return -r


def backtracking(
    fun: Callable,
    x: np.ndarray,
    f: float,
    g: np.ndarray,
    d: np.ndarray,
    *,
    step: float = 1.0,
    shrink: float = 0.5,
    c: float = 1e-4,
    max_tries: int = 30,
) -> tuple[float, float, np.ndarray, int]:
    """A simple line search: halve the step until f(x + step d) <= f + c step g·d (Armijo's condition).

    Inputs: fun(x) -> (f, grad); the point x with its f and g; a descent direction d (g·d < 0).
    Returns: (step, f_new, g_new, evaluations); step is 0.0 (and f, g those of x) if no step of the
    ``max_tries`` was accepted.
    """
    slope = float(g @ d)
    for tries in range(1, max_tries + 1):
        f_new, g_new = fun(x + step * d)
        if np.isfinite(f_new) and f_new <= f + c * step * slope:
            return step, float(f_new), g_new, tries
        step *= shrink
    return 0.0, f, g, max_tries


@dataclass
class LbfgsRun:
    """What :func:`lbfgs` did: ``x`` the last point; per iteration (T,), ``loss`` (at its start, on its
    batch) and ``evaluations`` (loss-and-gradient evaluations it took to get there, line searches
    included); ``skipped``, the pairs dropped because s·y <= 0."""

    x: np.ndarray
    loss: np.ndarray
    evaluations: np.ndarray
    skipped: int


@one_blas_thread()  # small products: a second BLAS thread only waits (train.train's Notes)
def lbfgs(
    fun: Callable,
    x0: np.ndarray,
    *,
    memory: int = 10,
    max_iter: int = 100,
    gtol: float = 1e-6,
    target: float | None = None,
    max_evaluations: int | None = None,
    direction: Callable = lbfgs_direction,
    batches: Iterable | None = None,
) -> LbfgsRun:
    """Minimize fun with L-BFGS and a backtracking line search.

    Inputs:
    - fun: x -> (loss, grad) for x of shape (D,); with ``batches``, (x, batch) -> (loss, grad).
    - x0: (D,) the start (not modified); memory: the pairs kept, m.
    - max_iter: iterations at most; gtol: stop when |grad| falls below it, target: once the loss is at
      most this (both full batch only);
      max_evaluations: stop before an iteration once this many evaluations are used (None: no limit).
    - direction: (grad, S, Y) -> direction, :func:`lbfgs_direction` or a student's.
    - batches: None for the full batch, or an iterable giving one batch per iteration; the
      gradient change y of a pair is then taken between two different batches, as a naive
      stochastic L-BFGS would.
    Returns: an :class:`LbfgsRun`.
    """
    x = np.array(x0, dtype=np.float64)
    stream = iter(batches) if batches is not None else None

    def current() -> Callable[[np.ndarray], tuple[float, np.ndarray]]:
        batch = next(stream) if stream is not None else None
        return (lambda z: fun(z, batch)) if stream is not None else fun

    f_now = current()
    f, g = f_now(x)
    S: list[np.ndarray] = []
    Y: list[np.ndarray] = []
    losses: list[float] = []
    evals: list[int] = []
    skipped, count = 0, 1
    for _ in range(max_iter):
        losses.append(float(f))
        evals.append(count)
        done = stream is None and (np.linalg.norm(g) < gtol or (target is not None and f <= target))
        if done or (max_evaluations is not None and count >= max_evaluations):
            break
        d = direction(g, np.array(S).reshape(len(S), len(x)), np.array(Y).reshape(len(Y), len(x)))
        if not float(g @ d) < 0:  # not a descent direction: forget the pairs, go downhill
            S, Y, d = [], [], -g
        step, f_new, g_new, tries = backtracking(f_now, x, f, g, d)
        count += tries
        if step == 0.0:
            S, Y = [], []
        s = step * d
        x = x + s
        if stream is not None:  # the next batch's loss and gradient at the new point
            f_now = current()
            f_new, g_new = f_now(x)
            count += 1
        y = g_new - g
        if float(s @ y) > 1e-10 * np.linalg.norm(s) * np.linalg.norm(y):
            S, Y = (S + [s])[-memory:], (Y + [y])[-memory:]
        elif step > 0:
            skipped += 1
        f, g = f_new, g_new
    return LbfgsRun(x=x, loss=np.array(losses), evaluations=np.array(evals), skipped=skipped)


@one_blas_thread()  # as lbfgs
def first_order(
    fun: Callable,
    x0: np.ndarray,
    rule: Callable,
    *,
    steps: int,
    target: float | None = None,
    batches: Iterable[Any] | None = None,
    **hyper: float,
) -> tuple[np.ndarray, np.ndarray]:
    """A rule of :mod:`course_utils.optim` on the same footing as :func:`lbfgs`: one evaluation per step.

    Inputs: fun, x0 and batches as for :func:`lbfgs`; rule and its keywords; steps, the budget of
    evaluations; target: stop once the loss is at most this (full batch).
    Returns: (x, losses): the last point and the loss at the start of each step (T,). A run whose loss
    is no longer finite, or above 100 times the first, stops there (diverged).
    """
    x, state = np.array(x0, dtype=np.float64), None
    losses: list[float] = []
    stream = iter(batches) if batches is not None else None
    for _ in range(steps):
        f, g = fun(x, next(stream)) if stream is not None else fun(x)
        losses.append(float(f))
        if not np.isfinite(f) or f > 100 * losses[0] or (target is not None and f <= target):
            break
        x, state = rule(x, g, state, **hyper)
    return x, np.array(losses)


def evaluations_to(losses: np.ndarray, evaluations: np.ndarray, target: float) -> float:
    """The evaluations spent until the loss first reached ``target`` (inf if it never did)."""
    hit = np.flatnonzero(np.asarray(losses) <= target)
    return float(np.asarray(evaluations)[hit[0]]) if hit.size else float("inf")


class SoftmaxRegression:
    """The full-batch loss of a linear softmax classifier with biases, as ``fun(w, idx=None) -> (loss, grad)``.

    w is flat, ``num_params`` = (D + 1) * C long (the last row of the (D + 1, C) matrix holds the
    biases, not penalized); idx selects a mini-batch (None: all N examples). C is the number of
    classes in y.
    """

    def __init__(self, X: np.ndarray, y: np.ndarray, reg: float) -> None:
        self.Xb = np.hstack([np.asarray(X, dtype=np.float64), np.ones((len(X), 1))])
        self.y, self.reg, self.C = np.asarray(y), reg, int(np.max(y)) + 1
        self.num_params = self.Xb.shape[1] * self.C
        linear_softmax_loss(np.zeros((self.Xb.shape[1], self.C)), self.Xb, self.y, reg, bias_row=True)  # checks

    def __call__(self, w: np.ndarray, idx: np.ndarray | None = None) -> tuple[float, np.ndarray]:
        """linear_softmax_loss(W, Xb[idx], y[idx], reg, bias_row=True), W = w as (D + 1, C), dW flat.

        Notes: the same numbers, without checking the inputs again at every call (they were
        checked once, in __init__): an L-BFGS or Adam run calls this thousands of times.
        """
        Xb, y = (self.Xb, self.y) if idx is None else (self.Xb[idx], self.y[idx])
        W = np.asarray(w, dtype=np.float64).reshape(self.Xb.shape[1], self.C)
        loss, dW = _linear_loss_terms(_softmax_loss, W, Xb, y, self.reg, bias_row=True)
        return loss, dW.ravel()


def softmax_regression(X: np.ndarray, y: np.ndarray, reg: float) -> SoftmaxRegression:
    """The loss of :class:`SoftmaxRegression` on (X, y) with L2 strength reg (see there)."""
    return SoftmaxRegression(X, y, reg)
