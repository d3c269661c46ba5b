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

from typing import Any

import numpy as np

__all__ = ["sgd", "sgd_momentum"]


def _check(w: np.ndarray, dw: np.ndarray, func: str) -> tuple[np.ndarray, np.ndarray]:
    w = np.asarray(w)
    dw = np.asarray(dw)
    if w.shape != dw.shape:
        raise ValueError(f"{func}: dw has shape {dw.shape}, expected {w.shape} like w")
    return w, dw


def sgd(w: np.ndarray, dw: np.ndarray, state: dict[str, Any] | None = None, *, lr: float = 1e-2):
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
):
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
