"""2-D loss surfaces with analytic gradients, and optimizer trajectories on them (notebook 08).

A surface is a function ``surface(p) -> (value, grad)`` of a point p of shape (2,).
:func:`run_2d` walks an update rule of :mod:`course_utils.optim` across one, which is all a
picture of an optimizer's path needs.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
from numpy.typing import ArrayLike

__all__ = ["bowl", "valley", "rosenbrock", "saddle", "SURFACES", "run_2d"]

_ANGLE = np.deg2rad(30.0)
_ROT = np.array([[np.cos(_ANGLE), np.sin(_ANGLE)], [-np.sin(_ANGLE), np.cos(_ANGLE)]])


def bowl(p: np.ndarray) -> tuple[float, np.ndarray]:
    """f = x²/20 + y²: steep along y, shallow along x (the lecture's picture, from (-7, 2))."""
    x, y = p
    return x * x / 20 + y * y, np.array([x / 10, 2 * y])


def valley(p: np.ndarray) -> tuple[float, np.ndarray]:
    """A narrow valley rotated by 30°: f = u²/50 + 5 v² with (u, v) = R p."""
    u, v = _ROT @ p
    return u * u / 50 + 5 * v * v, _ROT.T @ np.array([u / 25, 10 * v])


def rosenbrock(p: np.ndarray) -> tuple[float, np.ndarray]:
    """f = (1 - x)² + 100 (y - x²)²: a curved valley with its minimum at (1, 1)."""
    x, y = p
    return (1 - x) ** 2 + 100 * (y - x * x) ** 2, np.array([-2 * (1 - x) - 400 * x * (y - x * x), 200 * (y - x * x)])


def saddle(p: np.ndarray) -> tuple[float, np.ndarray]:
    """f = x² - y²: a saddle at the origin, a minimum along x and a maximum along y."""
    x, y = p
    return x * x - y * y, np.array([2 * x, -2 * y])


SURFACES: dict[str, Callable[[np.ndarray], tuple[float, np.ndarray]]] = {
    "bowl": bowl,
    "valley": valley,
    "rosenbrock": rosenbrock,
    "saddle": saddle,
}


def run_2d(
    rule: Callable[..., tuple[np.ndarray, Any]],
    surface: Callable[[np.ndarray], tuple[float, np.ndarray]],
    start: ArrayLike,
    steps: int,
    **hyper: float,
) -> np.ndarray:
    """The path of ``rule`` on ``surface`` from ``start``: an array (steps + 1, 2) of points.

    Inputs: rule, an update rule ``(w, dw, state, **hyper) -> (next_w, state)``; surface,
    ``p -> (value, grad)``; start, the first point; steps, how many updates; hyper, the
    rule's keywords (lr, momentum, ...). A path that leaves every finite number stops there
    and the remaining rows repeat its last finite point.
    """
    p = np.asarray(start, dtype=np.float64).reshape(2)
    path = np.empty((steps + 1, 2))
    path[0] = p
    state = None
    for i in range(1, steps + 1):
        with np.errstate(over="ignore", invalid="ignore"):
            _, grad = surface(p)
            nxt, state = rule(p, grad, state, **hyper)
        if not np.all(np.isfinite(nxt)):
            path[i:] = p
            break
        p = nxt
        path[i] = p
    return path
