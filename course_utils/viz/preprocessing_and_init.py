"""Figures of notebook 05: preprocessing steps, per-layer activation histograms, and gradients per layer.

Each function draws what it is given (computed by :mod:`course_utils.data` and
:mod:`course_utils.init`) and returns the Figure.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, cast

import numpy as np
from matplotlib.figure import Figure
from matplotlib.patches import StepPatch
from matplotlib.ticker import MaxNLocator

from ._axes import log_scale, margins_in_inches, subplots, tick_labels_width

if TYPE_CHECKING:
    from ..train import History

__all__ = [
    "plot_preprocessing",
    "plot_layer_histograms",
    "update_layer_histograms",
    "plot_gradient_stats",
    "plot_runs_by_init",
]


def plot_preprocessing(steps: Mapping[str, np.ndarray], *, title: str = "Preprocessing, step by step") -> Figure:
    """One scatter panel per step (e.g. the dict of :func:`course_utils.data.preprocess_steps`).

    Inputs: steps, name -> (N, 2) points; title: the figure's title.
    Returns: the Figure. Every panel has equal axes through the origin, so centering shows as a
    shift onto the cross, normalization as a change of scale and PCA as a rotation.
    """
    if not steps:
        raise ValueError("plot_preprocessing: steps is empty")
    fig, axes = subplots(1, len(steps), figsize=(2.5 * len(steps), 3.0))  # 12.5 in for 5 steps: fits a laptop
    for ax, (name, X) in zip(np.atleast_1d(axes), steps.items()):
        X = np.asarray(X, dtype=np.float64)
        if X.ndim != 2 or X.shape[1] != 2:
            raise ValueError(f"plot_preprocessing: step {name!r} must be (N, 2), got shape {X.shape}")
        ax.scatter(X[:, 0], X[:, 1], s=4, alpha=0.5)
        ax.axhline(0, color="k", lw=0.6)
        ax.axvline(0, color="k", lw=0.6)
        ax.set_aspect("equal", adjustable="datalim")
        ax.set_title(name)
        ax.set_xlabel("x1")
        ax.set_ylabel("x2")
    fig.suptitle(title)
    # tight_layout's margins, laid out once: left of a panel its y tick labels and 0.45 inches for the
    # ticks and the y label. Equal axes widen their limits to the panel's shape, and so may change the
    # labels: the labels are measured on panels laid out for labels half an inch wide, then placed.
    margins_in_inches(fig, left=0.95, right=0.15, bottom=0.58, top=0.68, gap_w=0.95)
    widths = []
    for ax in fig.axes:
        ax.apply_aspect()
        widths.append(tick_labels_width(ax))
    gap_w = max(widths[1:], default=0.0) + 0.45
    margins_in_inches(fig, left=widths[0] + 0.45, right=0.15, bottom=0.58, top=0.68, gap_w=gap_w)
    return fig


_PANEL, _SIGMA, _LEFT = 2.8, 1.0, 0.8  # inches: a run's panel, its sigmas at its right; the layer names
_ROW, _TOP, _BOTTOM = 0.42, 0.95, 0.6  # inches: per layer, above the panels (titles), below (x labels)


def plot_layer_histograms(
    runs: Mapping[str, Sequence[np.ndarray]], *, bins: int = 40, title: str = "Activations per layer"
) -> Figure:
    """Per-layer histograms of the activations: one panel per run, one histogram per layer, stacked.

    Inputs: runs, label (e.g. 'xavier / tanh') -> list of (N, H) activations, one per layer (the
    same number of layers in every run); bins: histogram bins; title: the figure's title.
    Returns: the Figure. Each panel is titled with its run; layer 1 is the top row, the rows are
    named at the left of the first panel, and each row's std (σ) is written at its right. A row is
    its histogram scaled to its own highest bin (for nonnegative activations, such as a ReLU's,
    the highest bin after the first: the first holds the exact 0s, half of all values, and is cut
    at the row's height). Every row of a panel shares the x range, which spans 99.9% of each
    layer's values, so a shrinking or saturating signal is seen at a glance.

    Notes: every text is at least 10 pt, so the figure stays readable when a notebook scales it
    down to a laptop's width. The histograms are counted with np.histogram and drawn as filled
    steps (one artist per layer), and the margins are fixed in inches rather than found by
    tight_layout: both keep the widget of notebook 05 quick, and it refills the figure with
    :func:`update_layer_histograms` rather than drawing a new one.
    """
    if not runs:
        raise ValueError("plot_layer_histograms: runs is empty")
    depths = {len(v) for v in runs.values()}
    if len(depths) != 1 or not min(depths):
        raise ValueError(f"plot_layer_histograms: every run needs the same number (>= 1) of layers, got {depths}")
    num_layers = depths.pop()
    width = _LEFT + len(runs) * (_PANEL + _SIGMA)
    height = num_layers * _ROW + _TOP + _BOTTOM
    fig, axes = subplots(1, len(runs), squeeze=False, figsize=(width, height))
    for r, ax in enumerate(axes[0]):
        for i in range(num_layers):
            base = num_layers - 1 - i  # layer 1 on top
            ax.stairs([base], [0, 1], baseline=base, fill=True, color=f"C{r}", alpha=0.85)
            ax.text(1.02, base + 0.3, "", transform=ax.get_yaxis_transform(), fontsize=10, va="center")
        ax.set_yticks(
            np.arange(num_layers) + 0.3,
            [f"layer {num_layers - k}" for k in range(num_layers)] if r == 0 else [],
            fontsize=10,
        )  # the rows are the same layers in every panel
        ax.tick_params(axis="y", length=0)
        ax.tick_params(axis="x", labelsize=10)
        ax.xaxis.set_major_locator(MaxNLocator(5, steps=[1, 2, 5, 10]))
        ax.set_ylim(-0.1, num_layers)
        ax.set_xlabel("activation", fontsize=10)
        for side in ("left", "right", "top"):
            ax.spines[side].set_visible(False)
    fig.suptitle(title, fontsize=12)
    margins_in_inches(fig, left=_LEFT, right=_SIGMA, bottom=_BOTTOM, top=_TOP, panel=(_PANEL, _ROW), gap_w=_SIGMA)
    return update_layer_histograms(fig, runs, bins=bins)


def update_layer_histograms(fig: Figure, runs: Mapping[str, Sequence[np.ndarray]], *, bins: int = 40) -> Figure:
    """Refill a figure of :func:`plot_layer_histograms` with other runs: as many runs and layers.

    Returns: the Figure. Notes: the widget of notebook 05 calls this when init or activation
    changes; histograms, titles, σ and ranges change, the layout stays.
    """
    for ax, (label, acts) in zip(fig.axes, runs.items()):
        if len(acts) != len(ax.patches):
            raise ValueError(f"update_layer_histograms: the figure has {len(ax.patches)} layers, got {len(acts)}")
        # the x range: 99.9% of every layer's values (a ReLU's rare large outputs would squeeze the rest)
        hi = max(float(np.quantile(np.abs(h), 0.999)) for h in acts) or 1.0
        lo = -hi if min(float(h.min()) for h in acts) < 0 else 0.0
        ax.set_title(label, fontsize=11)
        for i, (h, patch, text) in enumerate(zip(acts, ax.patches, ax.texts)):
            base = len(acts) - 1 - i
            counts, edges = np.histogram(np.asarray(h), bins=bins, range=(lo, hi))
            top = counts[1:].max() if lo == 0 and counts[1:].any() else counts.max()  # a ReLU's 0s: clipped
            cast(StepPatch, patch).set_data(base + 0.9 * np.minimum(counts / max(1, top), 1.0), edges, baseline=base)
            text.set_text(f"σ={np.std(h):.2g}")
        ax.set_xlim(lo, hi)
    return fig


def plot_gradient_stats(
    runs: Mapping[str, np.ndarray], *, title: str = "Gradients per layer at initialization"
) -> Figure:
    """std of dL/dh (left) and of dL/dW (right) per layer, log scale, one line per run.

    Inputs: runs, label -> (L, 2) array of (std of dL/dh, std of dL/dW) per layer, first layer
    first (as :func:`course_utils.init.gradient_stats` returns), or (S, L, 2) for S seeds (as
    :attr:`course_utils.init.Experiment.backward`): then the line is the median over the seeds
    and a band spans their min to max. title: the figure's title.
    Returns: the Figure; the legend sits at the right, beside the panels.
    """
    if not runs:
        raise ValueError("plot_gradient_stats: runs is empty")
    fig, axes = subplots(1, 2, figsize=(12, 4.2))
    for ax in axes:
        log_scale(ax, "y")
    for k, (label, stats) in enumerate(runs.items()):
        stats = np.asarray(stats, dtype=np.float64)
        stats = stats[None] if stats.ndim == 2 else stats
        layers = np.arange(1, stats.shape[1] + 1)
        for j, ax in enumerate(axes):
            ax.plot(layers, np.median(stats[:, :, j], axis=0), "o-", color=f"C{k}", label=label)
            if len(stats) > 1:
                ax.fill_between(
                    layers, stats[:, :, j].min(axis=0), stats[:, :, j].max(axis=0), color=f"C{k}", alpha=0.25, lw=0
                )
    seeds = " (line: median over the seeds; band: min to max)" if any(np.ndim(v) == 3 for v in runs.values()) else ""
    for ax, what in zip(axes, ["std of dL/dh (reaching the layer)", "std of dL/dW (the weight update)"]):
        ax.set_xlabel("layer")
        ax.set_ylabel("std (log scale)")
        ax.set_title(what)
        ax.set_xticks(layers)
        ax.grid(alpha=0.3)
    fig.legend(*axes[0].get_legend_handles_labels(), loc="center right")
    fig.suptitle(title + seeds)
    # the margins tight_layout finds, the legend's 14% of the width at the right, laid out once
    margins_in_inches(fig, left=0.8, right=0.14 * fig.get_figwidth() + 0.15, bottom=0.6, top=0.7, gap_w=0.75)
    return fig


def plot_runs_by_init(
    histories: Mapping[str, Sequence[History]], *, title: str = "Training by initialization", smooth: int = 10
) -> Figure:
    """Mini-batch loss (left) and validation accuracy per epoch (right), one color per init, one line per seed.

    Inputs: histories, label -> list of :class:`course_utils.train.History` (one per seed);
    title: the figure's title; smooth: window of the moving average drawn over the loss.
    Returns: the Figure; the legend (one entry per label) sits at the right, beside the panels.
    """
    if not histories:
        raise ValueError("plot_runs_by_init: histories is empty")
    fig, (ax_loss, ax_acc) = subplots(1, 2, figsize=(12, 4.2))
    for k, (label, runs) in enumerate(histories.items()):
        for s, h in enumerate(runs):
            loss = np.asarray(h.loss, dtype=np.float64)
            window = max(1, min(smooth, len(loss)))
            smoothed = np.convolve(loss, np.ones(window) / window, mode="valid")
            ax_loss.plot(
                np.arange(window - 1, len(loss)), smoothed, color=f"C{k}", lw=1.2, label=label if s == 0 else None
            )
            ax_acc.plot(np.arange(len(h.val_acc)), h.val_acc, "o-", color=f"C{k}", ms=3, lw=1.2)
    ax_loss.set(xlabel="iteration", ylabel=f"loss (moving average of {smooth})", title="Mini-batch loss")
    ax_acc.set(xlabel="epoch", ylabel="validation accuracy", title="Validation accuracy", ylim=(0, 1.02))
    for ax in (ax_loss, ax_acc):
        ax.grid(alpha=0.3)
    fig.legend(*ax_loss.get_legend_handles_labels(), loc="center right", title="init (a line per seed)")
    fig.suptitle(title)
    margins_in_inches(fig, left=0.7, right=0.16 * fig.get_figwidth() + 0.15, bottom=0.6, top=0.7, gap_w=0.7)
    return fig
