"""Update rules: one step of gradient-based optimization for one parameter array.

Introduced in notebook 02 (plain SGD trains a linear classifier); momentum is used from
notebook 03 on, and notebook 08 adds the adaptive rules.

Every rule has the same signature::

    next_w, state = rule(w, dw, state=None, *, lr=..., <other hyperparameters>)

Notes
-----
The rule's memory (``state``, a dict) is kept apart from the parameter and passed back in on
the next step, so one function serves every parameter of a model (one state per parameter)
and a step can be replayed or inspected. Hyperparameters are keywords. Nothing is updated in
place: ``w``, ``dw`` and ``state`` are left as they were and new arrays are returned, so a
parameter is never trained "by accident" through two names for one array.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from .second_order import backtracking, lbfgs, lbfgs_direction, newton_step

__all__ = [
    "sgd",
    "sgd_momentum",
    "nesterov_momentum",
    "adagrad",
    "rmsprop",
    "adam",
    "RULES",
    "step_schedule",
    "exponential_schedule",
    "inverse_time_schedule",
    "cosine_schedule",
    # second-order methods, written in course_utils.second_order and offered here beside the first-order rules
    "newton_step",
    "lbfgs_direction",
    "backtracking",
    "lbfgs",
]


Step = tuple[np.ndarray, dict[str, Any]]  # what an update rule returns: (next_w, state)


def _check(w: np.ndarray, dw: np.ndarray, func: str) -> tuple[np.ndarray, np.ndarray]:
    w = np.asarray(w)
    dw = np.asarray(dw)
    if w.shape != dw.shape:
        raise ValueError(f"{func}: dw has shape {dw.shape}, expected {w.shape} like w")
    return w, dw


def sgd(w: np.ndarray, dw: np.ndarray, state: dict[str, Any] | None = None, *, lr: float = 1e-2) -> Step:
    """Vanilla stochastic gradient descent: w <- w - lr * dw.

    Inputs:
    - w: parameter array of any shape; dw: its gradient, same shape.
    - state: ignored (plain SGD has no memory); accepted so every rule is called alike.
    - lr: learning rate.
    Returns: (next_w, state): a new array of w's shape and an empty dict.

    Notes: the gradient gives the direction of steepest ascent for an infinitesimal step;
    lr decides how far to trust that local picture.
    """
    w, dw = _check(w, dw, "sgd")
    return w - lr * dw, {}


def sgd_momentum(
    w: np.ndarray,
    dw: np.ndarray,
    state: dict[str, Any] | None = None,
    *,
    lr: float = 1e-2,
    momentum: float = 0.9,
) -> Step:
    """SGD with momentum: v <- momentum * v - lr * dw, then w <- w + v.

    Inputs:
    - w: parameter array; dw: its gradient, same shape.
    - state: None on the first step (velocity starts at zero), else the dict this function
      returned last time, holding ``velocity`` (w's shape).
    - lr: learning rate; momentum: the fraction of the velocity kept from one step to the next.
    Returns: (next_w, state): a new array of w's shape and a new dict with ``velocity``.

    Notes: the velocity is a running sum of past gradients, decayed by ``momentum``: along a
    direction where gradients agree it builds up to lr / (1 - momentum) times the gradient
    (10x for 0.9), while components that flip sign from step to step cancel, which damps the
    zig-zag across a narrow valley.
    """
    w, dw = _check(w, dw, "sgd_momentum")
    v = np.zeros_like(w, dtype=np.result_type(w, dw, float)) if not state else np.asarray(state["velocity"])
    if v.shape != w.shape:
        raise ValueError(f"sgd_momentum: state['velocity'] has shape {v.shape}, expected {w.shape} like w")
    v = momentum * v - lr * dw
    return w + v, {"velocity": v}


def _memory(state: dict[str, Any] | None, key: str, w: np.ndarray, dw: np.ndarray, func: str) -> np.ndarray:
    """The array ``state[key]`` (zeros on the first step), checked to be shaped like w."""
    if not state:
        return np.zeros_like(w, dtype=np.result_type(w, dw, float))
    value = np.asarray(state[key])
    if value.shape != w.shape:
        raise ValueError(f"{func}: state[{key!r}] has shape {value.shape}, expected {w.shape} like w")
    return value


def nesterov_momentum(
    w: np.ndarray, dw: np.ndarray, state: dict[str, Any] | None = None, *, lr: float = 1e-2, momentum: float = 0.9
) -> Step:
    """Nesterov momentum in the notes' form: v_prev = v; v = mu v - lr dw; w += -mu v_prev + (1 + mu) v.

    Inputs: as sgd_momentum (state holds ``velocity``). Returns (next_w, state).

    Notes: the look-ahead form evaluates the gradient at w + mu v, where momentum is about to
    carry the weights. Rewritten in terms of the looked-ahead point, the update needs only the
    gradient at the current parameters, which is the form here; notebook 08 shows both agree.
    """
    w, dw = _check(w, dw, "nesterov_momentum")
    v_prev = _memory(state, "velocity", w, dw, "nesterov_momentum")
    v = momentum * v_prev - lr * dw
    return w - momentum * v_prev + (1 + momentum) * v, {"velocity": v}


def adagrad(
    w: np.ndarray, dw: np.ndarray, state: dict[str, Any] | None = None, *, lr: float = 1e-2, eps: float = 1e-8
) -> Step:
    """AdaGrad: cache += dw², w -= lr dw / (sqrt(cache) + eps); state holds ``cache``.

    Notes: every coordinate gets its own step size, small where gradients have been large.
    The cache only grows, so the steps shrink for ever and learning eventually stops
    (notebook 08 measures it); RMSProp lets the cache forget.
    """
    w, dw = _check(w, dw, "adagrad")
    cache = _memory(state, "cache", w, dw, "adagrad") + dw * dw
    return w - lr * dw / (np.sqrt(cache) + eps), {"cache": cache}


def rmsprop(
    w: np.ndarray,
    dw: np.ndarray,
    state: dict[str, Any] | None = None,
    *,
    lr: float = 1e-2,
    decay_rate: float = 0.99,
    eps: float = 1e-8,
) -> Step:
    """RMSProp: cache = decay_rate cache + (1 - decay_rate) dw², w -= lr dw / (sqrt(cache) + eps).

    Notes: a leaky AdaGrad: the cache is a running average of recent squared gradients, so the
    step size adapts without shrinking to zero.
    """
    w, dw = _check(w, dw, "rmsprop")
    cache = decay_rate * _memory(state, "cache", w, dw, "rmsprop") + (1 - decay_rate) * dw * dw
    return w - lr * dw / (np.sqrt(cache) + eps), {"cache": cache}


def adam(
    w: np.ndarray,
    dw: np.ndarray,
    state: dict[str, Any] | None = None,
    *,
    lr: float = 1e-3,
    beta1: float = 0.9,
    beta2: float = 0.999,
    eps: float = 1e-8,
) -> Step:
    """Adam with bias correction; state holds ``m``, ``v`` and the step count ``t``.

    t += 1; m = beta1 m + (1 - beta1) dw; v = beta2 v + (1 - beta2) dw²;
    w -= lr m_hat / (sqrt(v_hat) + eps) with m_hat = m / (1 - beta1^t), v_hat = v / (1 - beta2^t).

    Notes: momentum (m) and RMSProp (v) together. Both averages start at 0 and are biased
    towards it for the first steps; dividing by 1 - beta^t (t counted from 1) undoes that.
    """
    w, dw = _check(w, dw, "adam")
    m = _memory(state, "m", w, dw, "adam")
    v = _memory(state, "v", w, dw, "adam")
    t = (int(state["t"]) if state else 0) + 1
    m = beta1 * m + (1 - beta1) * dw
    v = beta2 * v + (1 - beta2) * dw * dw
    m_hat, v_hat = m / (1 - beta1**t), v / (1 - beta2**t)
    return w - lr * m_hat / (np.sqrt(v_hat) + eps), {"m": m, "v": v, "t": t}


RULES = {
    "sgd": sgd,
    "sgd_momentum": sgd_momentum,
    "nesterov_momentum": nesterov_momentum,
    "adagrad": adagrad,
    "rmsprop": rmsprop,
    "adam": adam,
}


# learning-rate schedules: each returns a function iteration (from 0) -> learning rate


def step_schedule(lr: float, *, drop: float = 0.5, every: int = 100) -> Callable[[int], float]:
    """lr * drop ** (it // every): multiply by ``drop`` every ``every`` iterations."""
    return lambda it: lr * drop ** (it // every)


def exponential_schedule(lr: float, *, k: float) -> Callable[[int], float]:
    """lr * exp(-k it): a smooth decay by a factor e every 1/k iterations."""
    return lambda it: lr * float(np.exp(-k * it))


def inverse_time_schedule(lr: float, *, k: float) -> Callable[[int], float]:
    """lr / (1 + k it): the 1/t decay of the lecture."""
    return lambda it: lr / (1.0 + k * it)


def cosine_schedule(lr: float, *, total: int, warmup: int = 0, lr_min: float = 0.0) -> Callable[[int], float]:
    """A linear warm-up over ``warmup`` iterations, then half a cosine from lr down to lr_min at ``total``."""

    def schedule(it: int) -> float:
        if it < warmup:
            return lr * (it + 1) / warmup
        frac = min(1.0, (it - warmup) / max(1, total - warmup))
        return lr_min + 0.5 * (lr - lr_min) * (1 + float(np.cos(np.pi * frac)))

    return schedule
