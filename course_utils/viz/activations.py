"""Activation functions and what they do to gradients (notebook 04).

Every function here draws what it is given: the notebook (or the widget) computes the curves
with :mod:`course_utils.layers`, the gradient norms with :func:`course_utils.init.gradient_norms`,
and passes the arrays in.
"""
from __future__ import annotations

from collections.abc import Mapping

import matplotlib.pyplot as plt
import numpy as np

__all__ = ["plot_activations", "plot_gradient_norms", "plot_per_epoch", "plot_paths_2d"]


def plot_activations(x: np.ndarray, curves: Mapping[str, tuple[np.ndarray, np.ndarray]], *,
                     saturation: float | None = None, ncols: int = 3):
    """One panel per activation: f(x) and its local gradient f'(x).

    Inputs:
    - x: (P,) the inputs, increasing.
    - curves: name -> (f(x), f'(x)), two (P,) arrays each.
    - saturation: if given, shade where |f'(x)| < saturation (the unit passes almost no gradient).
    - ncols: panels per row.
    Returns: the matplotlib Figure.

    Notes: the gradient is drawn dashed on the same axes as the function, so the place where
    the curve flattens and the place where the gradient dies are seen to be the same.
    """
    n = len(curves)
    ncols = min(ncols, n)
    nrows = -(-n // ncols)
    fig, axes = plt.subplots(nrows, ncols, figsize=(3.6 * ncols, 2.9 * nrows), squeeze=False)
    for ax, (name, (out, grad)) in zip(axes.flat, curves.items()):
        ax.plot(x, out, color="C0", label="f(x)")
        ax.plot(x, grad, "--", color="C3", label="f'(x)")
        if saturation is not None:
            flat = np.abs(grad) < saturation
            if flat.any():
                ax.fill_between(x, 0, 1, where=flat, transform=ax.get_xaxis_transform(), color="0.5", alpha=0.2,
                                label=f"|f'| < {saturation:g}")
        ax.axhline(0, color="0.6", lw=0.6)
        ax.axvline(0, color="0.6", lw=0.6)
        ax.set(title=name, xlabel="x", ylabel="value")
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8, loc="upper left")
    for ax in axes.flat[n:]:
        ax.set_visible(False)
    fig.tight_layout()
    return fig


def plot_gradient_norms(norms: Mapping[str, np.ndarray], *, title: str = "Gradient norm per layer"):
    """Grouped bars: the gradient norm of each hidden layer, one group per network.

    Inputs: norms: label (e.g. '3 hidden layers') -> (L,) norms, first layer first.
    Returns: the matplotlib Figure (log scale: a constant ratio per layer is a straight staircase).
    """
    fig, ax = plt.subplots(figsize=(7, 3.6))
    width = 0.8 / len(norms)
    for k, (label, values) in enumerate(norms.items()):
        layers = np.arange(1, len(values) + 1)
        ax.bar(layers + (k - (len(norms) - 1) / 2) * width, values, width=width, color=f"C{k}", label=label)
    longest = max(len(v) for v in norms.values())
    ax.set_xticks(np.arange(1, longest + 1))
    ax.set(yscale="log", xlabel="hidden layer (1 = next to the input)", ylabel="norm of the bias gradient",
           title=title)
    ax.grid(alpha=0.3, axis="y")
    ax.legend()
    fig.tight_layout()
    return fig


def plot_per_epoch(series: Mapping[str, np.ndarray], *, ylabel: str, title: str, logy: bool = False,
                   xlabel: str = "epoch"):
    """One curve per series over epochs 0..E (epoch 0: before training).

    Inputs: series: label -> (E + 1,) values; ylabel, title, xlabel: the texts; logy: log scale.
    Returns: the matplotlib Figure. Used for per-layer gradient norms and dead-unit fractions.
    """
    fig, ax = plt.subplots(figsize=(7, 3.6))
    for k, (label, values) in enumerate(series.items()):
        ax.plot(np.arange(len(values)), values, "o-", ms=3, color=f"C{k}", label=label)
    ax.set(xlabel=xlabel, ylabel=ylabel, title=title)
    if logy:
        ax.set_yscale("log")
    ax.grid(alpha=0.3)
    ax.legend()
    fig.tight_layout()
    return fig


def plot_paths_2d(paths: Mapping[str, np.ndarray], target: np.ndarray, *,
                  title: str = "Gradient descent on two weights"):
    """Paths of a 2-D weight vector, each from its start to (near) a target.

    Inputs: paths: label -> (T + 1, 2) successive weights; target: (2,) the weights sought.
    Returns: the matplotlib Figure.
    """
    fig, ax = plt.subplots(figsize=(5.2, 4.6))
    for k, (label, path) in enumerate(paths.items()):
        ax.plot(path[:, 0], path[:, 1], ".-", ms=3, lw=1, color=f"C{k}", label=label)
        ax.plot(*path[0], "o", color=f"C{k}", ms=6)
    ax.plot(*target, "*", color="k", ms=14, label="target w*")
    ax.axhline(0, color="0.6", lw=0.6)
    ax.axvline(0, color="0.6", lw=0.6)
    ax.set(xlabel="w1", ylabel="w2", title=title, aspect="equal")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    fig.tight_layout()
    return fig
