"""Conditioning, measured: how many iterations each rule needs on a quadratic of condition number κ.

Notebook 08. A quadratic f(x) = ½ Σ λ_i x_i² with curvatures λ_i spread from 1/κ to 1 (so its
condition number, largest over smallest curvature, is κ) is the simplest model of a loss
surface that is steep in some directions and shallow in others. Its minimum is x = 0.

:func:`iterations_to_tolerance` runs gradient descent, momentum or Nesterov momentum (the rules
of :mod:`course_utils.optim`) on it for a whole grid of learning rates and momenta at once, and
reports, per κ, the fewest iterations any setting of the grid needed to shrink the distance to
the minimum by the factor ``tol``: each rule at its best fixed step. :func:`theory_iterations`
gives the rate the classical analysis promises at the best step (about κ/2 · ln(1/tol) for
gradient descent, √κ/2 · ln(1/tol) for momentum), to draw beside it.

Notes
-----
The grid is run as one array of shape (number of κ, number of settings, dimension): the rules
broadcast their ``lr`` and ``momentum`` like any numpy array, so a whole sweep costs about as
much as one run. The first setting to reach the tolerance is the best one, so each κ stops
once one setting gets there (at the end of the chunk of iterations whose points showed it).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
from numpy.typing import ArrayLike

from . import optim

__all__ = ["curvatures", "quadratic", "iterations_to_tolerance", "theory_iterations", "RULES"]

_CHUNK_NUMBERS = 1 << 17  # the points of a chunk of iterations kept at once: 1 MB

RULES = {"gradient descent": optim.sgd, "momentum": optim.sgd_momentum, "nesterov": optim.nesterov_momentum}


def curvatures(kappa: float, dim: int = 6) -> np.ndarray:
    """(dim,) curvatures λ, log-spaced from 1/kappa to 1 (condition number kappa; dim >= 2 unless kappa is 1)."""
    if kappa < 1 or dim < 1:
        raise ValueError(f"curvatures: need kappa >= 1 and dim >= 1, got kappa={kappa}, dim={dim}")
    return np.logspace(-np.log10(kappa), 0.0, dim)


def quadratic(lam: ArrayLike) -> Callable[[ArrayLike], tuple[float, np.ndarray]]:
    """The surface f(x) = ½ Σ λ_i x_i² as ``x -> (f, grad)``, for :func:`course_utils.surfaces.run_2d` (2-D)."""
    lams = np.asarray(lam, dtype=np.float64)

    def surface(x: ArrayLike) -> tuple[float, np.ndarray]:
        p = np.asarray(x, dtype=np.float64)
        return 0.5 * float(np.sum(lams * p * p)), lams * p

    return surface


def iterations_to_tolerance(
    rule: str,
    kappas: Sequence[float],
    *,
    lrs: Sequence[float],
    momenta: Sequence[float] = (0.0,),
    dim: int = 6,
    tol: float = 1e-3,
    max_iter: int = 100_000,
) -> dict[str, np.ndarray]:
    """Each rule at its best fixed step: per κ, the fewest iterations any (lr, momentum) of the grid needs.

    Inputs:
    - rule: a key of :data:`RULES` ("gradient descent", "momentum", "nesterov").
    - kappas: (K,) condition numbers; lrs, momenta: the grid (every pair is tried; gradient descent
      ignores the momenta).
    - dim: curvatures per quadratic (see :func:`curvatures`); the start is x0 = (1, ..., 1).
    - tol: the distance to the minimum must shrink to tol |x0|; max_iter: the budget.
    Returns: a dict of (K,) arrays: ``iterations`` (max_iter + 1 where no setting got there), and the
    best ``lr`` and ``momentum``.
    """
    if rule not in RULES:
        raise ValueError(f"iterations_to_tolerance: rule must be one of {list(RULES)}, got {rule!r}")
    momenta = (0.0,) if rule == "gradient descent" else tuple(momenta)
    lr_grid, mu_grid = (a.ravel() for a in np.meshgrid(np.asarray(lrs, float), np.asarray(momenta, float)))
    lam = np.array([curvatures(k, dim) for k in kappas])[:, None, :]  # (K, 1, dim)
    hyper = {"lr": lr_grid[None, :, None]}
    if rule != "gradient descent":
        hyper["momentum"] = mu_grid[None, :, None]
    x = np.ones((len(kappas), len(lr_grid), dim))
    limit = tol * tol * dim  # the squared distance, |x0|² = dim
    found = np.full(len(kappas), max_iter + 1)
    best = np.zeros(len(kappas), dtype=int)
    active, lam_active = np.arange(len(kappas)), lam
    state, it = None, 0
    with np.errstate(over="ignore", invalid="ignore"):
        while it < max_iter and len(active):
            # a chunk of iterations, their points kept, then one distance check for all of them: a
            # check per iteration would cost more than the iteration itself on these small arrays
            chunk = min(max_iter - it, max(1, min(64, _CHUNK_NUMBERS // x.size)))
            points = np.empty((chunk, *x.shape))
            for t in range(chunk):
                x, state = RULES[rule](x, lam_active * x, state, **hyper)
                points[t] = x
            done = np.einsum("tksd,tksd->tks", points, points) <= limit  # (chunk, active, settings)
            when = done.any(axis=2)  # (chunk, active)
            hit = when.any(axis=0)
            if hit.any():
                first = np.argmax(when[:, hit], axis=0)  # the first iteration of the chunk to get there
                found[active[hit]] = it + 1 + first
                best[active[hit]] = np.argmax(done[first, np.flatnonzero(hit)], axis=1)
                keep = ~hit
                active, lam_active, x = active[keep], lam_active[keep], x[keep]
                state = {k: v[keep] for k, v in state.items()} if state else state
            it += chunk
    return {"iterations": found, "lr": lr_grid[best], "momentum": mu_grid[best]}


def theory_iterations(rule: str, kappa: ArrayLike, tol: float = 1e-3) -> np.ndarray:
    """Iterations to shrink the distance by ``tol`` at the classical best step: ln(1/tol) / ln(1/rate), with
    rate (κ-1)/(κ+1) for gradient descent, (√κ-1)/(√κ+1) for momentum (heavy ball) and 1 - 1/√κ for
    Nesterov (at lr = 1/L); rate 0 (one step) at κ = 1 for the first two."""
    k = np.asarray(kappa, dtype=np.float64)
    root = np.sqrt(k)
    rate = {
        "gradient descent": (k - 1) / (k + 1),
        "momentum": (root - 1) / (root + 1),
        "nesterov": 1 - 1 / root,
    }[rule]
    with np.errstate(divide="ignore"):
        return np.where(rate > 0, np.log(1 / tol) / -np.log(np.where(rate > 0, rate, 0.5)), 1.0)
