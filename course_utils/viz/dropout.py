"""Figures of notebook 07: validation curves per dropout rate over seeds, and one pass against an average of masks."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
from matplotlib.axes import Axes
from matplotlib.container import ErrorbarContainer
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from numpy.typing import ArrayLike

from ._axes import log_scale, margins_in_inches, subplots, tick_labels_width

if TYPE_CHECKING:
    from ..dropout import DropoutRuns

__all__ = ["plot_dropout_runs", "highlight_dropout_run", "plot_mask_average"]


def _band(ax: Axes, x: ArrayLike, seeds: ArrayLike, color: str, label: str, **kw: Any) -> tuple[Line2D, Any]:
    """The mean over seeds (last axis) as a line, min to max as a shaded band; returns (line, band)."""
    values = np.asarray(seeds)
    (line,) = ax.plot(x, values.mean(axis=-1), color=color, label=label, **kw)
    band = ax.fill_between(x, values.min(axis=-1), values.max(axis=-1), color=color, alpha=0.2, linewidth=0)
    return line, band


def _bars(ax: Axes, x: ArrayLike, seeds: ArrayLike, **kw: Any) -> ErrorbarContainer:
    """Mean over seeds (last axis) with min-max error bars."""
    values = np.asarray(seeds)
    mean = values.mean(axis=-1)
    err = np.stack([mean - values.min(axis=-1), values.max(axis=-1) - mean])
    return ax.errorbar(x, mean, yerr=err, capsize=4, marker="o", **kw)


def plot_dropout_runs(runs: DropoutRuns, *, highlight: float | None = None) -> Figure:
    """Validation loss while training, per dropout rate; losses and accuracy at the end against p_drop.

    Inputs:
    - runs: a :class:`course_utils.dropout.DropoutRuns` (P rates, S seeds).
    - highlight: the p_drop drawn in full colour in the left panel (the others faint); None: all alike.
    Returns: the matplotlib Figure.

    Notes: lines are means over the seeds, bands and error bars span their min to max. The
    middle panel puts the training loss measured in test mode (the net a user gets) beside
    the one measured in train mode (with masks, what the optimizer sees).
    """
    fig, (ax, ax_loss, ax_acc) = subplots(1, 3, figsize=(12, 3.8), gridspec_kw=dict(width_ratios=(1.4, 1, 1)))
    ps = runs.p_drops
    for k, p in enumerate(ps):
        _band(ax, runs.steps, runs.val_loss[:, k], f"C{k}", f"p_drop={p:g}")
    top = 1.6 * float(np.max(runs.val_loss[-1]))  # the first iterations' high loss off the top: the end matters
    ax.set(
        xlabel="iteration",
        ylabel="validation loss",
        title="Validation loss while training",
        ylim=(0.8 * float(np.min(runs.val_loss)), max(top, 1.05 * float(np.max(runs.val_loss[-1])))),
    )
    x = np.arange(len(ps))
    _bars(ax_loss, x, runs.val_loss[-1], color="C3", label="validation")
    _bars(ax_loss, x, runs.train_loss_masked, color="C7", linestyle="--", label="training, train mode")
    _bars(ax_loss, x, runs.train_loss[-1], color="k", label="training, test mode")
    highest = max(float(np.max(runs.val_loss[-1])), float(np.max(runs.train_loss_masked)))
    ax_loss.set(
        xlabel="p_drop", ylabel="loss at the end", title="Losses at the last iteration", ylim=(0, 1.5 * highest)
    )  # room above the data for the legend
    ax_loss.legend(loc="upper left")
    _bars(ax_acc, x, runs.val_acc[-1], color="C2")
    ax_acc.set(xlabel="p_drop", ylabel="validation accuracy", title="Validation accuracy at the end")
    for a in (ax_loss, ax_acc):
        a.set_xticks(x, [f"{p:g}" for p in ps])
    highlight_dropout_run(fig, runs, highlight)
    # tight_layout's margins, laid out once: left of a panel its y tick labels (as wide as the losses
    # make them) and 0.45 inches for the ticks and the y label; a gap also holds half the last x label
    gap_w = max(tick_labels_width(ax_loss), tick_labels_width(ax_acc)) + 0.49
    margins_in_inches(fig, left=tick_labels_width(ax) + 0.45, right=0.2, bottom=0.59, top=0.36, gap_w=gap_w)
    return fig


def highlight_dropout_run(fig: Figure, runs: DropoutRuns, highlight: float | None) -> Figure:
    """Redraw a figure of :func:`plot_dropout_runs` in place: ``highlight``'s curve in full colour, the others faint.

    Inputs: fig and runs: the figure and the runs it was drawn from; highlight: one of
    ``runs.p_drops``, or None for all alike.
    Returns: the Figure. Notes: the widget of notebook 07 calls this on every change of its
    slider; only transparency changes, so the figure keeps its layout.
    """
    ax = fig.axes[0]
    for k, p in enumerate(runs.p_drops):  # per rate, in order: a line and a band
        on = highlight is None or np.isclose(p, highlight)
        ax.lines[k].set_alpha(1.0 if on else 0.2)
        ax.collections[k].set_alpha(0.2 if on else 0.05)
    ax.legend(loc="upper right")  # anew: a legend copies its lines' alpha when it is made
    return fig


def plot_mask_average(
    num_masks: Sequence[int],
    to_single: np.ndarray,
    to_all: np.ndarray,
    accuracy: np.ndarray,
    *,
    single_accuracy: np.ndarray,
) -> Figure:
    """How the average of k masks approaches the single scaled pass, as k grows, over seeds.

    Inputs:
    - num_masks: (K,) the numbers k of masks averaged.
    - to_single: (K, S) mean over examples of the largest |difference| of probabilities between
      the average of k masks and the single test pass, per seed; to_all: (K, S) the same between
      the average of k masks and the average of all of them.
    - accuracy: (K, S) validation accuracy of the average of k masks.
    - single_accuracy: (S,) validation accuracy of the single test pass.
    Returns: the matplotlib Figure.
    """
    k = np.asarray(num_masks, dtype=float)
    fig, (ax_p, ax_a) = subplots(1, 2, figsize=(11, 3.8))
    log_scale(ax_p, "both")
    log_scale(ax_a, "x")
    _band(ax_p, k, to_single, "C0", "average of k masks vs the single pass", marker="o")
    to_all = np.asarray(to_all)
    part = k < k[-1]
    _band(ax_p, k[part], to_all[part], "C1", f"average of k vs of all {int(k[-1])} masks", marker="s")
    ax_p.plot(k[part], to_all[0].mean() / np.sqrt(k[part]), color="gray", linestyle=":", label="∝ 1/√k")
    ax_p.set(
        xlabel="masks averaged, k",
        ylabel="mean max |Δ probability|",
        title="Probabilities: noise shrinks, a gap stays",
    )
    ax_p.legend(loc="lower left")
    _band(ax_a, k, accuracy, "C2", "average of k masks", marker="o")
    single = np.asarray(single_accuracy)
    ax_a.axhspan(single.min(), single.max(), color="k", alpha=0.1)
    ax_a.axhline(single.mean(), color="k", linestyle="--", label="single scaled pass")
    ax_a.set(xlabel="masks averaged, k", ylabel="validation accuracy", title="Accuracy")
    ax_a.legend(loc="lower right")
    # the margins tight_layout finds, laid out once (the inline backend crops the PNG to its ink)
    margins_in_inches(fig, left=0.95, right=0.15, bottom=0.6, top=0.4, gap_w=0.9)
    return fig
