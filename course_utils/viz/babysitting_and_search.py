"""Figures of notebook 09: update/weight ratios per layer, grid against random search, search trials."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.figure import Figure

from ._axes import log_scale, margins_beside_legend, margins_in_inches, subplots, tick_labels_width, x_labels_overhang

if TYPE_CHECKING:
    from ..train import History

__all__ = ["plot_update_ratios", "plot_grid_vs_random", "plot_search_trials", "plot_ensembles"]


def plot_update_ratios(
    histories: Mapping[str, History],
    *,
    layers: Sequence[str] = ("W1", "W2"),
    target: float = 1e-3,
    title: str = "Update/weight ratio per layer",
) -> Figure:
    """||update|| / ||W|| per iteration on a log axis, one colour per run and one line style per layer.

    Inputs:
    - histories: label -> :class:`course_utils.train.History` (its ``update_ratio``).
    - layers: the parameters drawn; target: the rule of thumb, drawn as a grey line.
    Returns: the matplotlib Figure.

    Notes: a log axis, because the runs worth comparing differ by orders of magnitude.
    """
    fig, ax = subplots(figsize=(8.5, 3.8))
    log_scale(ax, "y")
    styles = ("-", "--", ":", "-.")
    for i, (label, h) in enumerate(histories.items()):
        for name, style in zip(layers, styles):
            ax.plot(h.update_ratio[name], style, color=f"C{i}", label=f"{label}, {name}")
    ax.axhline(target, color="gray", lw=0.8, label=f"{target:g}, rule of thumb")
    ax.set(xlabel="iteration", ylabel="||update|| / ||W||", title=title)
    legend = ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0))  # outside: the runs fill the axes at every height
    margins_beside_legend(fig, legend, left=0.8, bottom=0.6, top=0.4)  # tight_layout's margins, found once
    return fig


def plot_grid_vs_random(
    grid: np.ndarray,
    rand: np.ndarray,
    profile: Callable[[np.ndarray], np.ndarray],
    *,
    title: str = "Nine trials: grid against random",
) -> Figure:
    """The trials of a grid and of a random search in the unit square, with the score's profile along a.

    Inputs:
    - grid, rand: (T, 2) points (a, b) in [0, 1]^2; a is the parameter that matters.
    - profile: a -> score along a, drawn scaled into the panel as a curve.
    Returns: the matplotlib Figure.
    """
    fig, axes = subplots(1, 2, figsize=(8, 4.2), sharey=True)
    a = np.linspace(0, 1, 200)
    p = profile(a)
    curve = 0.05 + 0.9 * (p - p.min()) / max(np.ptp(p), 1e-12)
    for ax, (name, pts) in zip(axes, (("Grid search", grid), ("Random search", rand))):
        ax.plot(pts[:, 0], pts[:, 1], "o", label="trials")
        ax.plot(a, curve, color="C1", label="score against a (scaled)")
        distinct = len(np.unique(np.round(pts[:, 0], 9)))
        ax.set(xlabel="a (important)", title=f"{name}: {distinct} values of a", xlim=(0, 1), ylim=(0, 1))
    axes[0].set_ylabel("b (unimportant)")
    fig.legend(*axes[0].get_legend_handles_labels(), loc="lower center", ncol=2)  # below both: clear of trials
    fig.suptitle(title)
    # the margins tight_layout finds, the legend's 8% of the height below, laid out once
    margins_in_inches(fig, left=0.7, right=0.25, bottom=0.08 * fig.get_figheight() + 0.6, top=0.7, gap_w=0.4)
    return fig


def plot_search_trials(
    results: Mapping[str, np.ndarray],
    *,
    box: tuple[tuple[float, float], tuple[float, float]] | None = None,
    title: str = "Validation accuracy of each trial (colour)",
) -> Figure:
    """Each trial at its (lr, reg) on log axes, coloured by validation accuracy; one marker per stage.

    Inputs:
    - results: stage name (e.g. "coarse", "fine") -> (T, 3) rows of (lr, reg, val_acc).
    - box: optional ((lr_lo, lr_hi), (reg_lo, reg_hi)), drawn as a dashed rectangle (the fine ranges).
    Returns: the matplotlib Figure.

    Notes: the colour scale starts at 0.5, so the good trials (0.9 and above) are told apart; a
    worse trial is drawn in the darkest colour. The legend sits below the axes, clear of the trials.
    """
    fig, ax = subplots(figsize=(6.5, 4.8))
    log_scale(ax, "both")
    sc = None
    for (name, res), marker in zip(results.items(), ("o", "s", "^", "D")):
        res = np.asarray(res)
        sc = ax.scatter(
            res[:, 0],
            res[:, 1],
            c=res[:, 2],
            vmin=0.5,
            vmax=1,
            cmap="viridis",
            marker=marker,
            s=40,
            edgecolors="k",
            label=name,
        )
    if box is not None:
        (x0, x1), (y0, y1) = box
        ax.plot([x0, x1, x1, x0, x0], [y0, y0, y1, y1, y0], "--", color="C3", lw=1.2, label="fine ranges")
    ax.set(xlabel="learning rate", ylabel="reg", title=title)
    if sc is not None:
        fig.colorbar(sc, ax=ax, label="validation accuracy (0.5 or less: darkest)", pad=0.02)
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.14), ncol=3)
    # tight_layout's margins, laid out once: left of the axes the reg's tick labels and 0.44 inches
    # for the ticks and the y label, below it the x label and the legend, a line of title above
    margins_in_inches(fig, left=tick_labels_width(ax) + 0.44, right=0.15, bottom=0.99, top=0.36)
    return fig


def plot_ensembles(
    accuracy: Mapping[str, Sequence[float]],
    log_loss: Mapping[str, Sequence[float]],
    *,
    title: str = "Ensembles on the validation set",
) -> Figure:
    """Each method's validation accuracy and log-loss: the mean over seeds as a dot, min to max as a bar.

    Inputs:
    - accuracy, log_loss: method name -> its values over seeds (same names, in the order drawn top-down).
    Returns: the matplotlib Figure.

    Notes: the spread is drawn because the differences between methods are a few examples of
    the validation set; a mean alone would hide that. A dotted line marks the first method's mean.
    """
    names = list(accuracy)
    fig, axes = subplots(1, 2, figsize=(10, 0.45 * len(names) + 1.6), sharey=True)
    pos = np.arange(len(names))[::-1]
    for ax, values, label in ((axes[0], accuracy, "validation accuracy"), (axes[1], log_loss, "validation log-loss")):
        v = [np.asarray(values[n], dtype=float) for n in names]
        mean = np.array([x.mean() for x in v])
        ax.hlines(pos, [x.min() for x in v], [x.max() for x in v], color="C0", lw=3, alpha=0.45)
        ax.plot(mean, pos, "o", color="C0")
        ax.axvline(mean[0], color="0.5", ls=":", lw=1)  # the first method's mean, for reference
        ax.set(xlabel=f"{label} (dot: mean, bar: min to max)")
        ax.grid(alpha=0.3, axis="x")
    axes[0].set_yticks(pos, names)
    fig.suptitle(title)
    # tight_layout's margins, laid out once: the methods' names left of the panels, 0.25 inches for
    # the ticks; the panels share their y axis, so the gap (and the right margin) holds only 0.15 inches
    # and what reaches past the panels' edges: x tick labels where the data puts them, the second's y ticks
    left = tick_labels_width(axes[0]) + 0.25
    margins_in_inches(fig, left=left, right=0.15, bottom=0.59, top=0.47, gap_w=0.2)
    (_, past_first), (before_second, past_second) = x_labels_overhang(axes[0]), x_labels_overhang(axes[1])
    gap_w = 0.15 + past_first + max(before_second, plt.rcParams["ytick.major.size"] / 72)
    margins_in_inches(fig, left=left, right=0.15 + past_second, bottom=0.59, top=0.47, gap_w=gap_w)
    return fig
