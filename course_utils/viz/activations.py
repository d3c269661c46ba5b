"""Activation functions and what they do to gradients (notebook 04).

Every function here draws what it is given: the notebook (or the widget) computes the curves
with :mod:`course_utils.layers`, the gradient norms with :func:`course_utils.init.gradient_norms`,
and passes the arrays in. Results over several seeds come as 2-D arrays (one row per seed) and
are drawn with their spread: every seed's line, or a bar with its min-max range.

Notes: text is drawn at matplotlib's default 10 pt or larger (titles 12 pt) and no figure is
wider than 9.6 inches, so that in JupyterLab at 1366x768 a figure is shown at full size and its
text is as large as the notebook's body text; legends sit outside the data.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from numpy.typing import ArrayLike

from ._axes import figure_of, log_scale, margins_beside_legend, margins_in_inches, subplots, tick_labels_width

__all__ = ["plot_activations", "plot_gradient_norms", "plot_per_epoch", "plot_paths_2d"]


def plot_activations(
    x: np.ndarray,
    curves: Mapping[str, tuple[np.ndarray, np.ndarray]],
    *,
    saturation: float | None = None,
    ncols: int = 3,
    figsize: tuple[float, float] | None = None,
) -> Figure:
    """One panel per activation: f(x) and its local gradient f'(x).

    Inputs:
    - x: (P,) the inputs, increasing.
    - curves: name -> (f(x), f'(x)), two (P,) arrays each.
    - saturation: if given, shade where |f'(x)| < saturation (the unit passes almost no gradient).
    - ncols: panels per row; figsize: (width, height) in inches (default: 3.1 by 2.6 per panel).
    Returns: the matplotlib Figure.

    Notes: the gradient is drawn dashed on the same axes as the function, so the place where
    the curve flattens and the place where the gradient dies are seen to be the same. One
    legend for all panels, above them, so that it covers no curve.
    """
    n = len(curves)
    ncols = min(ncols, n)
    nrows = -(-n // ncols)
    fig, axes = subplots(nrows, ncols, figsize=figsize or (3.1 * ncols, 2.6 * nrows + 0.5), squeeze=False)
    handles: dict[str, Any] = {}  # label -> its artist, one per label over all panels
    for ax, (name, (out, grad)) in zip(axes.flat, curves.items()):
        ax.plot(x, out, color="C0", label="f(x)")
        ax.plot(x, grad, "--", color="C3", label="f'(x)")
        if saturation is not None:
            flat = np.abs(grad) < saturation
            if flat.any():
                ax.fill_between(
                    x,
                    0,
                    1,
                    where=flat,
                    transform=ax.get_xaxis_transform(),
                    color="0.5",
                    alpha=0.2,
                    label=f"|f'| < {saturation:g}",
                )
        ax.axhline(0, color="0.6", lw=0.6)
        ax.axvline(0, color="0.6", lw=0.6)
        ax.set(title=name, xlabel="x", ylabel="value")
        ax.grid(alpha=0.3)
        handles.update(zip(*reversed(ax.get_legend_handles_labels())))
    for ax in axes.flat[n:]:
        ax.set_visible(False)
    fig.legend(list(handles.values()), list(handles.keys()), loc="upper center", ncol=len(handles), frameon=False)
    # tight_layout's margins, laid out once: left of a panel its y tick labels (as wide as the data
    # makes them) and 0.45 inches for the ticks and the y label; 0.35 inches above the titles for the legend
    first = max(tick_labels_width(ax) for ax in axes[:, 0])
    rest = max((tick_labels_width(ax) for ax in axes[:, 1:].flat if ax.get_visible()), default=0.0)
    margins_in_inches(fig, left=first + 0.45, right=0.15, bottom=0.58, top=0.71, gap_w=rest + 0.45, gap_h=0.79)
    return fig


def _rows(values: ArrayLike) -> np.ndarray:
    """values as a 2-D array, one row per seed (a 1-D array is one seed)."""
    return np.atleast_2d(np.asarray(values, dtype=float))


def plot_gradient_norms(norms: Mapping[str, np.ndarray], *, title: str = "Gradient norm per layer") -> Figure:
    """Grouped bars: the gradient norm of each hidden layer, one group per network.

    Inputs: norms: label (e.g. '3 hidden layers') -> (L,) norms, first layer first, or (S, L),
    one row per seed: the bar is then the mean over seeds and its whisker the min-max range.
    Returns: the matplotlib Figure (log scale: a constant ratio per layer is a straight staircase).
    """
    fig, ax = subplots(figsize=(7.5, 3.8))
    log_scale(ax, "y")
    width = 0.8 / len(norms)
    for k, (label, values) in enumerate(norms.items()):
        rows = _rows(values)
        mean = rows.mean(axis=0)
        layers = np.arange(1, rows.shape[1] + 1) + (k - (len(norms) - 1) / 2) * width
        spread = np.array([mean - rows.min(axis=0), rows.max(axis=0) - mean]) if len(rows) > 1 else None
        ax.bar(layers, mean, width=width, color=f"C{k}", label=label)
        if spread is not None:
            ax.errorbar(layers, mean, yerr=spread, fmt="none", ecolor="k", elinewidth=1, capsize=3)
    longest = max(_rows(v).shape[1] for v in norms.values())
    ax.set_xticks(np.arange(1, longest + 1))
    seeds = max(len(_rows(v)) for v in norms.values())
    ylabel = "norm of the bias gradient" + (f"\n(mean, min-max of {seeds} seeds)" if seeds > 1 else "")
    ax.set(xlabel="hidden layer (1 = next to the input)", ylabel=ylabel, title=title)
    ax.grid(alpha=0.3, axis="y")
    legend = ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1), borderaxespad=0)
    margins_beside_legend(fig, legend, left=1.0, bottom=0.6, top=0.4)  # tight_layout's margins, found once
    return fig


# a line style and marker per series: curves that coincide (two runs both at chance) stay visible
_STYLES: list[dict[str, Any]] = [
    dict(ls="-", marker="o", ms=3),
    dict(ls="--", marker="s", ms=3),
    dict(ls="-.", marker="^", ms=3.5),
    dict(ls=":", marker="D", ms=3),
]


def plot_per_epoch(
    series: Mapping[str, np.ndarray],
    *,
    ylabel: str,
    title: str,
    logy: bool = False,
    xlabel: str = "epoch",
    ax: Axes | None = None,
    legend: bool = True,
) -> Figure:
    """One curve per series over epochs 0..E (epoch 0: before training).

    Inputs: series: label -> (E + 1,) values, or (S, E + 1), one row per seed: then every seed
    is a thin line and the median over seeds a thick one. ylabel, title, xlabel: the texts;
    logy: log scale; ax: the axes to draw in (default: a new figure, laid out here; a figure of
    the caller's is laid out by the caller, once, after its last panel); legend: draw one, to the
    right of the axes (clear of the curves).
    Returns: the matplotlib Figure. Used for per-layer gradient norms and dead-unit fractions.
    """
    own = ax is None
    fig, ax = subplots(figsize=(7.5, 3.6)) if ax is None else (figure_of(ax), ax)
    many = False
    for k, (label, values) in enumerate(series.items()):
        rows = _rows(values)
        epochs = np.arange(rows.shape[1])
        if len(rows) > 1:
            many = True
            for row in rows:
                ax.plot(epochs, row, "-", lw=0.8, alpha=0.45, color=f"C{k}")
            ax.plot(epochs, np.median(rows, axis=0), lw=2, **_STYLES[k % len(_STYLES)], color=f"C{k}", label=label)
        else:
            ax.plot(epochs, rows[0], **_STYLES[k % len(_STYLES)], color=f"C{k}", label=label)
    ax.set(xlabel=xlabel, ylabel=ylabel, title=title)
    if logy:
        log_scale(ax, "y")
    ax.grid(alpha=0.3)
    shown = None
    if legend:
        shown = ax.legend(
            loc="upper left",
            bbox_to_anchor=(1.01, 1),
            borderaxespad=0,
            title="median (thick), seeds (thin)" if many else None,
            title_fontsize=10,
        )
    if own:  # tight_layout's margins, laid out once: the y tick labels and 0.45 inches for the ticks and the y label
        left = tick_labels_width(ax) + 0.45
        if shown is not None:
            margins_beside_legend(fig, shown, left=left, bottom=0.58, top=0.36)
        else:
            margins_in_inches(fig, left=left, right=0.15, bottom=0.58, top=0.36)
    return fig


def plot_paths_2d(
    paths: Mapping[str, np.ndarray], target: np.ndarray, *, title: str = "Gradient descent on two weights"
) -> Figure:
    """Paths of a 2-D weight vector, each from its start to (near) a target.

    Inputs: paths: label -> (T + 1, 2) successive weights; target: (2,) the weights sought.
    Returns: the matplotlib Figure.
    """
    fig, ax = subplots(figsize=(7.5, 4.6))
    for k, (label, path) in enumerate(paths.items()):
        ax.plot(path[:, 0], path[:, 1], ".-", ms=3, lw=1, color=f"C{k}", label=label)
        ax.plot(*path[0], "o", color=f"C{k}", ms=6)
    ax.plot(*target, "*", color="k", ms=14, linestyle="none", label="target w*")
    ax.axhline(0, color="0.6", lw=0.6)
    ax.axvline(0, color="0.6", lw=0.6)
    ax.set(xlabel="w1", ylabel="w2", title=title, aspect="equal")
    ax.grid(alpha=0.3)
    legend = ax.legend(loc="upper left", bbox_to_anchor=(1.02, 1), borderaxespad=0)
    # tight_layout's margins, laid out once: the equal axes take the panel's height (or its width) and
    # sit in its middle, the legend beside them; what a cell shows is cropped to them
    margins_beside_legend(fig, legend, left=tick_labels_width(ax) + 0.45, bottom=0.58, top=0.36)
    return fig
