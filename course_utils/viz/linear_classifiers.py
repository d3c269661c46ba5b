"""Figures of notebook 02 (linear classifiers): the losses, and how they are minimized.

- :func:`plot_score_losses`: one example's scores under the two losses (hinge margins and
  softmax probabilities), drawn by the loss explorer, which refills it with :func:`update_score_losses`;
- :func:`plot_along_line`: losses and accuracy along a line in weight space (flat accuracy,
  smooth loss);
- :func:`plot_strategies`: the loss per evaluation of random search, random local search and
  gradient descent;
- :func:`plot_search_grid`: validation accuracy over a grid of learning rates and
  regularization strengths;
- :func:`plot_templates`: the columns of W as images, one row per trained classifier.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, cast

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle

from ._axes import figure_of, log_scale, margins_in_inches, subplots, tick_labels_width

if TYPE_CHECKING:
    from ..landscape import StrategyResult

__all__ = [
    "plot_score_losses",
    "update_score_losses",
    "plot_along_line",
    "plot_strategies",
    "plot_search_grid",
    "plot_templates",
]


def plot_score_losses(scores: Sequence[float], y: int, *, class_names: Sequence[str] | None = None) -> Figure:
    """Draw one example's class scores as the SVM sees them and as softmax sees them.

    Inputs:
    - scores: (C,) class scores of one example; y: index of the correct class.
    - class_names: C labels for the x axis (default "class 0", "class 1", ...).
    Returns: the matplotlib Figure (left: scores with the margin line s_y - 1 and each class's
    hinge term, a red span from the line to the score, its value in a row above the bars;
    right: softmax probabilities with the cross-entropy -log p_y).

    Notes: the two losses read the same scores differently. The hinge loss is zero as soon as
    every wrong score sits at least 1 below the correct one and ignores how far below; the
    cross-entropy always wants the correct probability higher, so it is never exactly zero.
    """
    s = _scores_and_class(scores, y, "plot_score_losses")
    C = s.size
    names = list(class_names) if class_names is not None else [f"class {j}" for j in range(C)]
    fig, (ax_s, ax_p) = subplots(1, 2, figsize=(9, 3.6))
    # every artist a change of scores may need, drawn once: update_score_losses refills them
    ax_s.bar(names, np.zeros(C))
    ax_s.axhline(0.0, color="C3", ls="--", lw=1.2)  # the margin line
    for j in range(C):  # each class's hinge term: a red span and its value, shown where it is > 0
        ax_s.plot([j, j], [0.0, 0.0], color="C3", lw=3, solid_capstyle="butt", visible=False)
        ax_s.text(j, 0.0, "", ha="center", va="bottom", color="C3", fontsize=9, visible=False)
    ax_s.set_ylabel("score")
    ax_s.set_xlabel("class (green: correct; red dashes: margin line $s_y - 1$)", fontsize=9)
    ax_p.bar(names, np.zeros(C))
    ax_p.set(ylabel="probability", ylim=(0, 1))
    ax_p.set_xlabel("class (green: correct)")
    for ax in (ax_s, ax_p):
        ax.grid(alpha=0.3, axis="y")
    update_score_losses(fig, scores, y)
    # tight_layout's margins, laid out once: left of the scores their tick labels (as wide as these
    # scores make them) and 0.45 inches for the ticks and the y label; the probabilities' labels are "0.0" to "1.0"
    left = tick_labels_width(ax_s) + 0.45
    margins_in_inches(fig, left=left, right=0.15, bottom=0.59, top=0.36, gap_w=tick_labels_width(ax_p) + 0.45)
    return fig


def update_score_losses(fig: Figure, scores: Sequence[float], y: int) -> Figure:
    """Refill a figure of :func:`plot_score_losses` with other scores or another correct class.

    Inputs: fig: made by plot_score_losses for the same number of classes; scores, y: as there.
    Returns: the Figure. Notes: the loss explorer of notebook 02 calls this on every change; the
    bars, the margin line, the hinge terms, the titles and the score axis's limits change, the
    layout stays. The hinge terms' values sit in a row of their own above everything else in the
    axes (bars, zero line, margin line), with the y limits widened to make room: wherever the
    sliders put the scores, a label neither leaves the axes nor covers a bar.
    """
    s = _scores_and_class(scores, y, "update_score_losses")
    ax_s, ax_p = fig.axes
    if len(ax_s.patches) != s.size:
        raise ValueError(
            f"update_score_losses: the figure shows {len(ax_s.patches)} classes and scores has {s.size}; "
            "draw a new figure with plot_score_losses for another number of classes"
        )
    margins = np.maximum(0.0, s - s[y] + 1.0)
    margins[y] = 0.0
    shifted = s - s.max()
    probs = np.exp(shifted) / np.exp(shifted).sum()
    colors = ["C2" if j == y else "C0" for j in range(s.size)]

    line = s[y] - 1.0
    lo, hi = min(0.0, float(s.min()), line), max(0.0, float(s.max()), line)
    span = hi - lo
    label_y = hi + 0.05 * span
    margin_line, *spans = ax_s.lines
    margin_line.set_ydata([line, line])
    for j, (bar, hinge, value) in enumerate(zip(ax_s.patches, spans, ax_s.texts)):
        cast(Rectangle, bar).set_height(s[j])
        bar.set_facecolor(colors[j])
        shown = bool(margins[j] > 0)  # the hinge term is the height of s_j above the margin line
        hinge.set_data([j, j], [line, s[j]])
        hinge.set_visible(shown)
        value.set_position((j, label_y))
        value.set_text(f"+{margins[j]:.2f}" if shown else "")
        value.set_visible(shown)
    ax_s.set_ylim(lo - 0.06 * span, hi + 0.2 * span)
    ax_s.set_title(f"SVM: hinge loss {margins.sum():.2f}")
    for bar, p, color in zip(ax_p.patches, probs, colors):
        cast(Rectangle, bar).set_height(p)
        bar.set_facecolor(color)
    ax_p.set_title(f"softmax: cross-entropy {-np.log(probs[y]):.2f}")
    return fig


def _scores_and_class(scores: Sequence[float], y: int, func: str) -> np.ndarray:
    """The scores as a float64 vector, after checking that y is one of its classes."""
    s = np.asarray(scores, dtype=np.float64).ravel()
    if not 0 <= int(y) < s.size:
        raise ValueError(f"{func}: y={y} is not a class index in 0..{s.size - 1}")
    return s


def plot_along_line(
    panels: Mapping[str, tuple], *, title: str = "The loss and the accuracy along a line in weight space"
) -> Figure:
    """Losses and accuracy at W + t * direction: one column per range of t, one row per quantity.

    Inputs:
    - panels: column title -> (ts, losses, accuracy), with ts (T,) the positions, losses a
      mapping loss name -> (T,) values, accuracy (T,) (as ``landscape.along_line`` returns them).
      Every column must name the same losses.
    - title: the figure's title.
    Returns: the Figure: a row per loss (line plots), then a row of accuracy (a step plot), the
    columns sharing their t axis.

    Notes: accuracy counts right answers, so it is drawn as steps: flat between the points where
    an example crosses a decision boundary, and there it jumps. A zoomed column makes the flat
    stretches plain.
    """
    if not panels:
        raise ValueError("plot_along_line: panels is empty")
    names = list(next(iter(panels.values()))[1])
    rows = len(names) + 1
    fig, axes = subplots(rows, len(panels), figsize=(5.0 * len(panels), 1.9 * rows + 0.6), sharex="col", squeeze=False)
    for c, (col_title, (ts, losses, acc)) in enumerate(panels.items()):
        if list(losses) != names:
            raise ValueError(f"plot_along_line: every panel must name the losses {names}, got {list(losses)}")
        for r, name in enumerate(names):
            axes[r, c].plot(ts, losses[name], color=f"C{r}")
            axes[r, c].set_ylabel(f"{name} loss")
        axes[-1, c].step(ts, 100 * np.asarray(acc), where="mid", color="C2")
        axes[-1, c].set(ylabel="training accuracy (%)", xlabel="t (W + t * direction)")
        axes[0, c].set_title(col_title)
        for ax in axes[:, c]:
            ax.grid(alpha=0.3)
    fig.suptitle(title)
    # the margins tight_layout finds, laid out once; the rows share their x axis, so they sit close
    margins_in_inches(fig, left=0.8, right=0.15, bottom=0.6, top=0.7, gap_w=0.9, gap_h=0.26)
    return fig


def plot_strategies(
    results: Mapping[str, StrategyResult], *, title: str = "Three ways downhill, same budget"
) -> Figure:
    """Training loss per loss evaluation for each strategy, with its validation accuracy in the legend.

    Inputs:
    - results: strategy name -> an object with ``losses`` (S, E) (one curve per seed), ``val_acc``
      (S,) and ``step`` (the step size used), as ``landscape.compare_strategies`` returns.
    - title: the figure's title.
    Returns: the Figure (log-scale loss; the median over seeds drawn thick, each seed thin).
    """
    fig, ax = subplots(figsize=(6.4, 3.9))
    log_scale(ax, "y")
    for k, (name, res) in enumerate(results.items()):
        losses = np.atleast_2d(np.asarray(res.losses))
        evals = np.arange(1, losses.shape[1] + 1)
        for curve in losses:
            ax.plot(evals, curve, color=f"C{k}", lw=0.6, alpha=0.4)
        acc = np.asarray(res.val_acc)
        accs = f"{acc.min():.0%}" if f"{acc.min():.0%}" == f"{acc.max():.0%}" else f"{acc.min():.0%}-{acc.max():.0%}"
        ax.plot(
            evals, np.median(losses, axis=0), color=f"C{k}", lw=2, label=f"{name} (step {res.step:g}): val acc {accs}"
        )
    ax.set(xlabel="loss evaluations", ylabel="training loss", title=title)
    ax.grid(alpha=0.3, which="both")
    ax.legend(fontsize=8)
    # the margins tight_layout finds, laid out once (the inline backend crops the PNG to its ink)
    margins_in_inches(fig, left=0.8, right=0.2, bottom=0.6, top=0.4)
    return fig


def plot_search_grid(
    lrs: Sequence[float],
    regs: Sequence[float],
    val_acc: np.ndarray,
    *,
    title: str = "Validation accuracy",
    ax: plt.Axes | None = None,
) -> Figure:
    """A heat map of validation accuracy over learning rates (columns) and regularization strengths (rows).

    Inputs:
    - lrs: (L,) learning rates; regs: (R,) regularization strengths; val_acc: (R, L) accuracies.
    - title: the axes title; ax: draw into this Axes (default: a new figure).
    Returns: the Figure; every cell is labelled with its accuracy (%) and the best one is outlined.
    """
    acc = np.asarray(val_acc, dtype=np.float64)
    if acc.shape != (len(regs), len(lrs)):
        raise ValueError(
            f"plot_search_grid: val_acc must be (len(regs), len(lrs)) = {(len(regs), len(lrs))}, got {acc.shape}"
        )
    created = ax is None
    if ax is None:
        _, ax = subplots(figsize=(1.0 * len(lrs) + 2.4, 0.62 * len(regs) + 1.6))
    fig = figure_of(ax)
    im = ax.imshow(100 * acc, cmap="viridis", vmin=0, vmax=100, aspect="auto", origin="lower")
    for i in range(len(regs)):
        for j in range(len(lrs)):
            ax.text(
                j,
                i,
                f"{100 * acc[i, j]:.0f}",
                ha="center",
                va="center",
                fontsize=9,
                color="black" if acc[i, j] > 0.6 else "white",
            )
    best_i, best_j = np.unravel_index(int(np.argmax(acc)), acc.shape)
    ax.add_patch(plt.Rectangle((best_j - 0.5, best_i - 0.5), 1, 1, fill=False, ec="red", lw=2.5))
    ax.set_xticks(range(len(lrs)), [f"{v:g}" for v in lrs])
    ax.set_yticks(range(len(regs)), [f"{v:g}" for v in regs])
    ax.set(xlabel="learning rate", ylabel="regularization strength", title=title)
    fig.colorbar(im, ax=ax, label="validation accuracy (%)")
    if created:  # tight_layout's margins, laid out once: the regs' labels and 0.45 inches for the ticks and the y label
        margins_in_inches(fig, left=tick_labels_width(ax) + 0.45, right=0.15, bottom=0.58, top=0.36)
    return fig


def plot_templates(
    weights: Mapping[str, np.ndarray],
    *,
    shape: tuple[int, int] = (8, 8),
    title: str = "Templates: the columns of W as images",
) -> Figure:
    """The columns of several weight matrices as images: one row per matrix, one column per class.

    Inputs:
    - weights: row label -> W (H * W_img, C), without a bias row; all with the same C.
    - shape: (H, W_img) of one image; title: the figure's title.
    Returns: the Figure. Each row has one symmetric colour scale around 0 (red positive, blue
    negative), so within a row the templates compare; the row label gives that row's largest
    weight, since a strongly regularized W is much smaller.

    Notes: each row is one Axes holding its C images side by side, each framed, rather than one
    Axes per image: a figure of 30 Axes spends most of its time making and laying out Axes.
    """
    mats = {k: np.asarray(v, dtype=np.float64) for k, v in weights.items()}
    Cs = {m.shape[1] for m in mats.values()}
    if not mats or len(Cs) != 1 or any(m.ndim != 2 or m.shape[0] != shape[0] * shape[1] for m in mats.values()):
        raise ValueError(
            f"plot_templates: every W must be ({shape[0] * shape[1]}, C) with the same C, got "
            f"{[m.shape for m in mats.values()]}"
        )
    C = Cs.pop()
    h, w = shape
    gap = 0.15 * w  # between two templates of a row, in pixels
    fig, axes = subplots(len(mats), 1, figsize=(1.05 * C + 1.8, 1.3 * len(mats) + 0.7), squeeze=False)
    for ax, (label, W) in zip(axes[:, 0], mats.items()):
        scale = float(np.abs(W).max()) or 1.0
        left = np.arange(C) * (w + gap)
        for c in range(C):
            ax.imshow(
                W[:, c].reshape(shape),
                cmap="RdBu_r",
                vmin=-scale,
                vmax=scale,
                extent=(left[c], left[c] + w, 0, h),
                interpolation="nearest",
            )
        # each template's frame, all in one line broken by NaNs
        frame = np.concatenate([[(x0, 0), (x0 + w, 0), (x0 + w, h), (x0, h), (x0, 0), (np.nan, np.nan)] for x0 in left])
        ax.plot(*frame.T, color="k", lw=plt.rcParams["axes.linewidth"])
        ax.set(xlim=(-0.02 * w, left[-1] + 1.02 * w), ylim=(-0.02 * h, 1.02 * h), xticks=[], yticks=[])
        ax.set_aspect("equal")
        for spine in ax.spines.values():
            spine.set_visible(False)
        ax.set_ylabel(f"{label}\nmax |w| {scale:.2g}", fontsize=9)
    for c, x0 in enumerate(left):  # the class above each template of the first row, as a title
        axes[0, 0].annotate(
            str(c),
            (x0 + w / 2, h),
            xytext=(0, plt.rcParams["axes.titlepad"]),
            textcoords="offset points",
            ha="center",
            va="baseline",
            fontsize=plt.rcParams["axes.titlesize"],
        )
    fig.suptitle(title)
    # tight_layout's margins, laid out once: at the left the rows' labels, 0.15 inches a line of 9 points
    # (0.51 for two), the rows as wide as the rest and as tall as their templates, 0.23 inches apart; above
    # the first, the suptitle (matplotlib puts it 2% of the height down) and the class numbers; below the
    # last, what the rows leave
    width, height = fig.get_size_inches()
    label = 0.21 + 0.15 * max(ax.get_ylabel().count("\n") + 1 for ax in axes[:, 0])
    row = (width - label - 0.15) * 1.04 * h / (left[-1] + 1.04 * w)  # a row's height at its limits' aspect, in inches
    top = 0.02 * height + 0.56
    bottom = max(0.15, height - top - len(mats) * row - 0.23 * (len(mats) - 1))
    margins_in_inches(fig, left=label, right=0.15, bottom=bottom, top=top, gap_h=0.23)
    return fig
