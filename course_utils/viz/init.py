"""Figures of notebook 05: preprocessing steps, per-layer activation histograms, and gradients per layer.

Each function draws what it is given (computed by :mod:`course_utils.data` and
:mod:`course_utils.init`) and returns the Figure.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.ticker import MaxNLocator

__all__ = ["plot_preprocessing", "plot_layer_histograms", "update_layer_histograms", "plot_gradient_stats"]

_LEGEND_WIDTH = 1.3  # inches at the right of the histograms for their legend, so that it covers no panel


def plot_preprocessing(steps: Mapping[str, np.ndarray], *, title: str = "Preprocessing, step by step"):
    """One scatter panel per step (e.g. the dict of :func:`course_utils.data.preprocess_steps`).

    Inputs: steps, name -> (N, 2) points; title: the figure's title.
    Returns: the Figure. Every panel has equal axes through the origin, so centering shows as a
    shift onto the cross, normalization as a change of scale and PCA as a rotation.
    """
    if not steps:
        raise ValueError("plot_preprocessing: steps is empty")
    fig, axes = plt.subplots(1, len(steps), figsize=(3.0 * len(steps), 3.3))
    for ax, (name, X) in zip(np.atleast_1d(axes), steps.items()):
        X = np.asarray(X, dtype=np.float64)
        if X.ndim != 2 or X.shape[1] != 2:
            raise ValueError(f"plot_preprocessing: step {name!r} must be (N, 2), got shape {X.shape}")
        ax.scatter(X[:, 0], X[:, 1], s=4, alpha=0.5, label="points")
        ax.axhline(0, color="k", lw=0.6)
        ax.axvline(0, color="k", lw=0.6)
        ax.set_aspect("equal", adjustable="datalim")
        ax.set_title(name)
        ax.set_xlabel("x1")
        ax.set_ylabel("x2")
    np.atleast_1d(axes)[0].legend(loc="upper left", fontsize=7)
    fig.suptitle(title)
    fig.tight_layout()
    return fig


def plot_layer_histograms(runs: Mapping[str, Sequence[np.ndarray]], *, bins: int = 40,
                          title: str = "Activations per layer"):
    """Per-layer histograms of the activations, one row of small panels per run.

    Inputs: runs, label (e.g. 'xavier / tanh') -> list of (N, H) activations, one per layer;
    bins: histogram bins; title: the figure's title.
    Returns: the Figure. Each panel is titled with the layer and its mean and std; panels of a
    row share the x range, so a shrinking or saturating signal is seen at a glance.

    Notes: the histograms are counted with np.histogram and drawn as filled steps (one artist
    per panel, not one bar per bin), and the margins are fixed in inches rather than found by
    tight_layout: both keep the widget of notebook 05 quick, and it refills the figure with
    :func:`update_layer_histograms` rather than drawing a new one.
    """
    if not runs:
        raise ValueError("plot_layer_histograms: runs is empty")
    num_layers = max(len(v) for v in runs.values())
    fig, axes = plt.subplots(len(runs), num_layers, squeeze=False,
                             figsize=(1.45 * num_layers + 0.8 + _LEGEND_WIDTH, 1.8 * len(runs) + 0.9))
    for r, (row, label) in enumerate(zip(axes, runs)):
        for ax in row:
            ax.stairs([0], [0, 1], fill=True, color=f"C{r}", label=label)  # filled by update_layer_histograms
            ax.tick_params(labelsize=6)
            ax.xaxis.set_major_locator(MaxNLocator(4, steps=[1, 2, 5, 10]))  # few tick labels to draw
            ax.set_yticks([])
        row[0].set_ylabel(label, fontsize=8)
    fig.suptitle(title)
    fig.supxlabel("activation (the x axis of every panel)", fontsize=8)  # once, not under each panel
    fig.legend(handles=[row[0].patches[0] for row in axes], loc="center right", fontsize=7, title="row",
               title_fontsize=7, borderaxespad=1.5)
    width, height = fig.get_size_inches()
    # fixed margins in inches: much faster than tight_layout with dozens of small axes
    fig.subplots_adjust(left=0.6 / width, right=1 - (_LEGEND_WIDTH + 0.1) / width, bottom=0.5 / height,
                        top=1 - 0.85 / height, wspace=0.15, hspace=1.1)
    return update_layer_histograms(fig, runs, bins=bins)


def update_layer_histograms(fig, runs: Mapping[str, Sequence[np.ndarray]], *, bins: int = 40):
    """Refill a figure of :func:`plot_layer_histograms` with other runs: as many rows, at most as many layers.

    Returns: the Figure. Notes: the widget of notebook 05 calls this when init or activation
    changes; histograms, titles, labels and ranges change, the layout stays.
    """
    rows = np.reshape(fig.axes, (len(runs), -1))
    for row, (label, acts), legend_text in zip(rows, runs.items(), fig.legends[0].texts):
        hi = max(float(np.abs(h).max()) for h in acts) or 1.0
        lo = -hi if min(float(h.min()) for h in acts) < 0 else 0.0
        legend_text.set_text(label)
        row[0].set_ylabel(label, fontsize=8)
        for i, ax in enumerate(row):
            ax.set_visible(i < len(acts))
            if i >= len(acts):
                continue
            h = np.asarray(acts[i])
            counts, edges = np.histogram(h, bins=bins, range=(lo, hi))
            ax.patches[0].set_data(counts, edges)
            ax.set_title(f"layer {i + 1}\nμ={h.mean():.2g} σ={h.std():.2g}", fontsize=7)
            ax.relim()
            ax.autoscale_view()
    return fig


def plot_gradient_stats(runs: Mapping[str, Sequence[tuple[float, float]]], *,
                        title: str = "Gradients per layer at initialization"):
    """std of dL/dh (left) and of dL/dW (right) per layer, log scale, one line per run.

    Inputs: runs, label -> list of (std of dL/dh, std of dL/dW), first layer first (as
    :func:`course_utils.init.gradient_stats` returns); title: the figure's title.
    Returns: the Figure.
    """
    if not runs:
        raise ValueError("plot_gradient_stats: runs is empty")
    fig, axes = plt.subplots(1, 2, figsize=(10, 3.6))
    for k, (label, stats) in enumerate(runs.items()):
        stats = np.asarray(stats, dtype=np.float64)
        layers = np.arange(1, len(stats) + 1)
        for j, ax in enumerate(axes):
            ax.semilogy(layers, stats[:, j], "o-", color=f"C{k}", label=label)
    for ax, what in zip(axes, ["std of dL/dh (gradient reaching the layer)", "std of dL/dW (the weight update)"]):
        ax.set_xlabel("layer")
        ax.set_ylabel("std (log scale)")
        ax.set_title(what, fontsize=10)
        ax.legend(fontsize=8)
    fig.suptitle(title)
    fig.tight_layout()
    return fig
