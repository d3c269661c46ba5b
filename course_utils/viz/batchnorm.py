"""Batch normalization's figures (notebook 06): sweeps with and without it, the noise of batch statistics.

Every function here draws what it is given; the notebook trains the nets and the widget
computes the batch statistics (:func:`course_utils.widgets.batchnorm.batch_statistics`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import cast

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.patches import StepPatch

from ._axes import figure_of, log_scale, margins_beside_legend, margins_in_inches, subplots, tick_labels_width

__all__ = ["plot_sweep", "plot_batch_noise", "plot_batch_statistics", "update_batch_statistics"]


def plot_sweep(
    values: Sequence[float],
    results: Mapping[str, Sequence[float]],
    *,
    xlabel: str,
    ylabel: str = "final validation accuracy",
    title: str = "",
    chance: float | None = None,
    ax: Axes | None = None,
) -> Axes:
    """One line per setting of a swept hyperparameter on a log x axis (weight scale, learning rate).

    Inputs:
    - values: (K,) the swept values, increasing and positive.
    - results: label (e.g. 'batchnorm', 'plain') -> (K,) the measured quantity at each value, or
      (K, S) its value for each of S seeds: then the line is the median and a bar spans min to max.
    - xlabel, ylabel, title: the axes' words; chance: if given, a dotted line at chance level.
    - ax: the Axes to draw into, or None for a new figure.
    Returns: the Axes.

    Notes: the x axis is logarithmic because such sweeps span orders of magnitude; a flat line
    means the outcome does not depend on that choice. The legend sits right of the axes, where
    it covers no point.
    """
    own = ax is None
    if ax is None:
        _, ax = subplots(figsize=(8.0, 3.8))
    for i, (label, measured) in enumerate(results.items()):
        ys = np.asarray(measured, dtype=float)
        if ys.ndim == 1:
            ax.plot(values, ys, "o-", color=f"C{i}", label=label)
            continue
        mid, low, high = np.median(ys, axis=1), ys.min(axis=1), ys.max(axis=1)
        ax.plot(values, mid, "o-", color=f"C{i}", label=f"{label} (median)")
        ax.errorbar(
            values,
            mid,
            yerr=[mid - low, high - mid],
            fmt="none",
            ecolor=f"C{i}",
            capsize=4,
            lw=1.5,
            label=f"{label}: min to max of {ys.shape[1]} seeds",
        )
    if chance is not None:
        ax.axhline(chance, color="0.5", ls=":", label="chance")
    log_scale(ax, "x")
    ax.set_ylim(0, 1.02)
    ax.set_xlabel(xlabel, fontsize=12)
    ax.set_ylabel(ylabel, fontsize=12)
    ax.set_title(title, fontsize=13)
    ax.tick_params(labelsize=11)
    ax.grid(alpha=0.3, which="both")
    legend = ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=11, frameon=False)
    if own:  # tight_layout's margins, found once
        margins_beside_legend(figure_of(ax), legend, left=0.75, bottom=0.65, top=0.4)
    else:
        figure_of(ax).tight_layout()
    return ax


def plot_batch_noise(
    batch_sizes: Sequence[int], spreads: Mapping[str, Sequence[float]], *, title: str = "Noise of the batch statistics"
) -> Axes:
    """Standard deviation of batch statistics against the batch size N, log-log, with a 1/sqrt(N) guide.

    Inputs: batch_sizes: (K,) increasing; spreads: label (e.g. 'batch mean') -> (K,) the spread
    of that statistic over many batches of each size.
    Returns: the Axes.

    Notes: the guide starts at the first spread of the first series, so a line parallel to it
    falls like 1/sqrt(N): four times the batch halves the noise.
    """
    _, ax = subplots(figsize=(8.0, 3.8))
    sizes = np.asarray(batch_sizes, dtype=float)
    first = None
    for i, (label, ys) in enumerate(spreads.items()):
        ax.plot(sizes, ys, "o-", color=f"C{i}", label=label)
        first = ys[0] if first is None else first
    if first is not None:
        ax.plot(sizes, first * np.sqrt(sizes[0] / sizes), "k--", lw=1, label=r"$\propto 1/\sqrt{N}$")
    log_scale(ax, "both")
    ax.set_xlabel("batch size N", fontsize=12)
    ax.set_ylabel("std over batches", fontsize=12)
    ax.set_title(title, fontsize=13)
    ax.tick_params(labelsize=11)
    ax.grid(alpha=0.3, which="both")
    legend = ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=11, frameon=False)
    margins_beside_legend(figure_of(ax), legend, left=0.85, bottom=0.65, top=0.4)  # tight_layout's, found once
    return ax


def plot_batch_statistics(
    means: np.ndarray,
    stds: np.ndarray,
    true_mean: float,
    true_std: float,
    *,
    batch_size: int,
    bins: int = 30,
    limits: tuple[tuple[float, float], ...] | None = None,
) -> Figure:
    """Histograms of one feature's batch means and batch standard deviations around the true values.

    Inputs:
    - means, stds: (B,) the statistics of B batches of ``batch_size`` examples each.
    - true_mean, true_std: the feature's statistics over the whole data set (drawn as lines).
    - limits: fixed x ranges ((lo, hi) for the means, (lo, hi) for the stds), so that a widget's
      redraws can be compared; None: matplotlib's.
    Returns: the Figure.
    """
    fig, axes = subplots(1, 2, figsize=(9.0, 3.9))
    for k, (ax, true, what) in enumerate(zip(axes, (true_mean, true_std), ("mean", "std"))):
        ax.stairs([0], [0, 1], fill=True, color=f"C{k}", alpha=0.75, label=f"batch {what}s")  # filled below
        ax.axvline(true, color="k", ls="--", label=f"whole-set {what}")
        ax.set_xlabel(f"batch {what}", fontsize=12)
        ax.set_ylabel("batches", fontsize=12)
        ax.tick_params(labelsize=11)
        if limits is not None:
            ax.set_xlim(limits[k])
        ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.22), ncol=2, fontsize=11, frameon=False)
    update_batch_statistics(fig, means, stds, batch_size=batch_size, bins=bins, limits=limits)
    # tight_layout's margins, laid out once: left of a panel its count labels (as wide as these batches
    # make them) and 0.47 inches for the ticks and the y label; below, the x label and the legend
    first, second = (tick_labels_width(ax) for ax in axes)
    margins_in_inches(fig, left=first + 0.47, right=0.15, bottom=1.16, top=0.37, gap_w=second + 0.62)
    return fig


def update_batch_statistics(
    fig: Figure,
    means: np.ndarray,
    stds: np.ndarray,
    *,
    batch_size: int,
    bins: int = 30,
    limits: tuple[tuple[float, float], ...] | None = None,
) -> Figure:
    """Refill a figure of :func:`plot_batch_statistics` with the statistics of other batches (same arguments).

    Returns: the Figure. Notes: the widget of notebook 06 calls this on every change of the batch
    size; the histograms, titles and count axes change, the layout stays.
    """
    for k, (ax, values, what) in enumerate(zip(fig.axes, (means, stds), ("mean", "std"))):
        counts, edges = np.histogram(values, bins=bins, range=None if limits is None else limits[k])
        cast(StepPatch, ax.patches[0]).set_data(counts, edges)  # drawn by ax.stairs
        ax.set_title(f"batch {what}, N={batch_size}: spread {np.std(values):.3f}", fontsize=13)
        ax.relim()
        ax.autoscale_view()
    return fig
