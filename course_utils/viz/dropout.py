"""Figures of notebook 07: training curves per dropout rate, and one pass against an average of masks."""
from __future__ import annotations

from collections.abc import Mapping, Sequence

import matplotlib.pyplot as plt
import numpy as np

__all__ = ["plot_dropout_runs", "highlight_dropout_run", "plot_mask_average"]


def plot_dropout_runs(runs: Mapping[float, object], *, highlight: float | None = None,
                      title: str = "Train (solid) and validation (dashed) accuracy"):
    """Train and validation accuracy per epoch for each dropout rate, and the final gap.

    Inputs:
    - runs: p_drop -> :class:`course_utils.train.History` (with validation accuracies).
    - highlight: the p_drop drawn in full colour (the others faint); None draws all alike.
    - title: the left panel's title.
    Returns: the matplotlib Figure.

    Notes: the gap between the two curves is what the model learned about its training set
    and not about digits in general; the right panel shows it at the last epoch.
    """
    fig, (ax, ax_gap) = plt.subplots(1, 2, figsize=(10, 3.6), gridspec_kw=dict(width_ratios=(2, 1)))
    ps = list(runs)
    for k, p in enumerate(ps):
        h = runs[p]
        ax.plot(h.epochs, h.train_acc, color=f"C{k}", label=f"p_drop={p:g}")
        ax.plot(h.epochs, h.val_acc, color=f"C{k}", linestyle="--")
    ax.set(xlabel="epoch", ylabel="accuracy", title=title, ylim=(0.5, 1.01))
    gaps = [runs[p].train_acc[-1] - runs[p].val_acc[-1] for p in ps]
    ax_gap.bar([f"{p:g}" for p in ps], gaps, color=[f"C{k}" for k in range(len(ps))])
    ax_gap.set(xlabel="p_drop", ylabel="train - val accuracy", title="gap at the last epoch")
    highlight_dropout_run(fig, runs, highlight)
    fig.tight_layout()
    return fig


def highlight_dropout_run(fig, runs: Mapping[float, object], highlight: float | None):
    """Redraw a figure of :func:`plot_dropout_runs` in place: ``highlight``'s run in full colour, the others faint.

    Inputs: fig and runs: the figure and the runs it was drawn from; highlight: a p_drop of runs,
    or None for all alike.
    Returns: the Figure. Notes: the widget of notebook 07 calls this on every change of its
    slider; only colours change, so the figure keeps its layout.
    """
    ax, ax_gap = fig.axes
    for k, p in enumerate(runs):  # per run, in order: a train line, a validation line, a bar
        alpha = 1.0 if highlight is None or np.isclose(p, highlight) else 0.2
        ax.lines[2 * k].set_alpha(alpha)
        ax.lines[2 * k + 1].set_alpha(alpha)
        ax_gap.patches[k].set_alpha(1.0 if alpha == 1.0 else 0.3)
    ax.legend(loc="lower right", fontsize=8)  # anew: a legend copies its lines' alpha when it is made
    return fig


def plot_mask_average(num_masks: Sequence[int], agreement: Sequence[float], prob_diff: Sequence[float],
                      accuracy: Sequence[float], *, single_accuracy: float):
    """How an average over masks approaches the single scaled pass, as the number of masks grows.

    Inputs:
    - num_masks: (K,) numbers of random masks averaged; agreement: (K,) fraction of examples
      whose predicted label is that of the single pass; prob_diff: (K,) mean over examples of
      the largest |difference| of softmax probabilities; accuracy: (K,) the average's accuracy.
    - single_accuracy: the accuracy of the single pass without dropout (test mode).
    Returns: the matplotlib Figure.
    """
    fig, (ax_p, ax_a) = plt.subplots(1, 2, figsize=(10, 3.4))
    ax_p.loglog(num_masks, prob_diff, "o-", color="C0")
    ax_p.set(xlabel="masks averaged", ylabel="mean max |Δ probability|",
             title="average of masks vs one pass: probabilities")
    ax_a.semilogx(num_masks, agreement, "o-", color="C1", label="same label as the single pass")
    ax_a.semilogx(num_masks, accuracy, "s-", color="C2", label="accuracy of the average")
    ax_a.axhline(single_accuracy, color="C2", linestyle=":", label="accuracy of the single pass")
    ax_a.set(xlabel="masks averaged", ylabel="fraction of examples", title="labels")
    ax_a.legend(loc="lower right", fontsize=8)
    fig.tight_layout()
    return fig
