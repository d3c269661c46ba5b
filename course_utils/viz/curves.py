"""Training curves and timing plots.

Shared, so named after its concept: notebooks 01 and 02 time code with it (the speed-up of
vectorizing), notebooks 02, 03 and 09 draw training curves.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.ticker import NullFormatter
from numpy.typing import ArrayLike

from ._axes import figure_of, log_scale, margins_beside_legend, margins_in_inches, subplots

if TYPE_CHECKING:
    from ..train import History

__all__ = ["plot_history", "plot_histories", "plot_timings", "loss_ceiling", "clip_diverged"]


def _smooth(values: np.ndarray, window: int) -> np.ndarray:
    if window <= 1 or len(values) < window:
        return values
    kernel = np.ones(window) / window
    return np.convolve(values, kernel, mode="valid")


def loss_ceiling(losses: Sequence[np.ndarray], *, factor: float = 3.0) -> float:
    """The top of a loss axis that keeps diverging runs from flattening the others: factor x the largest start.

    Inputs: losses: one (T,) loss curve per run; factor: how far above the largest first loss.
    Returns: the ceiling (inf when no run has a finite first loss).

    Notes: a healthy run's loss stays below where it started, give or take the mini-batch noise,
    so three times the highest start is above every healthy curve; a diverging run crosses it
    within a few iterations on its way to 1e30 or NaN.
    """
    starts = [float(loss[0]) for loss in map(np.asarray, losses) if len(loss) and np.isfinite(loss[0])]
    return factor * max(starts) if starts else float("inf")


def clip_diverged(loss: np.ndarray, ceiling: float) -> tuple[np.ndarray, int | None]:
    """A loss curve up to the iteration where it first exceeds ceiling or stops being finite.

    Inputs: loss: (T,) the loss per iteration; ceiling: see :func:`loss_ceiling`.
    Returns: (shown, left): the first ``left`` values, and ``left`` (None, and the whole curve,
    when the run never leaves the axis).
    """
    loss = np.asarray(loss, dtype=float)
    out = ~np.isfinite(loss) | (loss > ceiling)
    if not out.any():
        return loss, None
    left = int(np.argmax(out))
    return loss[:left], left


def plot_histories(histories: Mapping[str, History], *, title: str = "Training", smooth: int = 10) -> Figure:
    """Loss per iteration (left) and train/val accuracy per epoch (right) for several runs.

    Inputs:
    - histories: label -> :class:`course_utils.train.History` (an empty label for a single run).
    - title: the figure's title; smooth: window of the moving average drawn over the loss.
    Returns: the matplotlib Figure.

    Notes: the raw mini-batch loss is noisy (each batch is a different sample), so it is drawn
    faint with its moving average on top; accuracies are measured once per epoch, epoch 0
    being the untrained model. Solid lines are train accuracy, dashed lines validation. A run
    whose loss diverges is drawn up to where it leaves the axis (three times the highest start,
    :func:`loss_ceiling`), marked there with an x, so the other runs keep a readable scale.
    """
    fig, (ax_loss, ax_acc) = subplots(1, 2, figsize=(10, 3.6))
    ceiling = loss_ceiling([h.loss for h in histories.values()])
    clipped = False
    for k, (label, h) in enumerate(histories.items()):
        color = f"C{k}"
        name = f"{label} " if label else ""
        loss, left = clip_diverged(h.loss, ceiling)
        raw = loss if left is None else np.append(loss, ceiling)  # the faint line runs up to the edge
        ax_loss.plot(np.arange(len(raw)), raw, color=color, alpha=0.3, lw=0.8)
        smooth_loss = _smooth(loss, smooth)
        offset = len(loss) - len(smooth_loss)
        ax_loss.plot(
            np.arange(offset, len(loss)),
            smooth_loss,
            color=color,
            label=f"{name}loss".strip() + ("" if left is None else f" (diverged at iteration {left})"),
        )
        if left is not None:
            clipped = True
            ax_loss.plot([left], [ceiling], "x", color=color, ms=9, mew=2, clip_on=False)
        epochs = np.arange(len(h.train_acc))
        ax_acc.plot(epochs, h.train_acc, "o-", color=color, ms=3, label=f"{name}train")
        if len(h.val_acc):
            ax_acc.plot(epochs, h.val_acc, "s--", color=color, ms=3, label=f"{name}val")
    ax_loss.set(xlabel="iteration", ylabel="loss", title="Mini-batch loss")
    if clipped:
        ax_loss.set_ylim(0, ceiling)
    ax_acc.set(xlabel="epoch", ylabel="accuracy", title="Accuracy", ylim=(0, 1.02))
    ax_loss.legend()
    legend = ax_acc.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0))  # outside: accuracies fill the whole axes
    for ax in (ax_loss, ax_acc):
        ax.grid(alpha=0.3)
    fig.suptitle(title)
    margins_beside_legend(fig, legend, left=0.65, bottom=0.6, top=0.7, gap_w=0.75)  # tight_layout's, found once
    return fig


def plot_history(history: History, *, title: str = "Training", smooth: int = 10) -> Figure:
    """Loss and accuracy curves of one training run (see :func:`plot_histories`). Returns the Figure."""
    return plot_histories({"": history}, title=title, smooth=smooth)


def plot_timings(
    sizes: ArrayLike,
    times: Mapping[str, Sequence[float]],
    *,
    title: str = "Run time against batch size",
    xlabel: str = "N (examples)",
) -> Figure:
    """Run time against problem size on log-log axes, one line per implementation.

    Inputs:
    - sizes: (K,) problem sizes; times: label -> (K,) seconds per call at those sizes.
    - title, xlabel: texts of the figure.
    Returns: the matplotlib Figure.

    Notes: on log-log axes a cost proportional to N is a line of slope 1, a fixed overhead
    per call a flat line, and a speed-up a vertical gap between two lines; the ratio of the
    first two implementations at the largest size (slower over faster) is marked with an
    arrow. Its label goes to the right of the arrow, past the last point, where no line is
    drawn (the x axis is widened to make room), so it never sits on a line.
    """
    sizes = np.asarray(sizes)
    fig, ax = subplots(figsize=(5.5, 3.8))
    log_scale(ax, "both")
    for k, (label, t) in enumerate(times.items()):
        ax.plot(sizes, np.asarray(t), "o-", color=f"C{k}", label=label)
    ax.xaxis.set_minor_formatter(NullFormatter())  # minor labels collide on short log ranges
    ax.set(xlabel=xlabel, ylabel="time per call (s)", title=title)
    ax.grid(alpha=0.3, which="both")
    # the margins tight_layout finds, laid out once (the inline backend crops the PNG to its ink)
    margins_in_inches(fig, left=0.8, right=0.2, bottom=0.6, top=0.4 + 0.2 * title.count("\n"))
    if len(times) >= 2:
        first, second = (float(np.asarray(t)[-1]) for t in list(times.values())[:2])
        slow, fast = max(first, second), min(first, second)
        if slow / fast >= 1.5:  # a gap too small to see needs no arrow
            _ratio_arrow(ax, float(sizes[-1]), slow, fast)
    ax.legend()
    return fig


def _ratio_arrow(ax: Axes, x: float, slow: float, fast: float) -> None:
    """A double arrow from fast to slow at x, its label just right of it; the x axis widened to fit the label."""
    ratio = slow / fast
    ax.annotate("", xy=(x, fast), xytext=(x, slow), arrowprops=dict(arrowstyle="<->", color="0.4"))
    offset = 7  # points between the arrow and the label: clear of the last markers (radius 3 points)
    label = ax.annotate(
        f"{ratio:.0f}x" if ratio >= 10 else f"{ratio:.1f}x",
        xy=(x, np.sqrt(slow * fast)),
        xytext=(offset, 0),
        textcoords="offset points",
        ha="left",
        va="center",
    )
    fig = figure_of(ax)
    renderer = fig.canvas.get_renderer()  # type: ignore[attr-defined]  # Agg's, and the inline backend's
    ax.get_xlim()  # autoscales the limits now: the label's point, outside the limits until then, measures empty
    needed = offset * fig.dpi / 72 + label.get_window_extent(renderer).width + 6  # pixels right of x
    for _ in range(2):  # the axes' width in pixels hardly changes between the two passes
        left, right = np.log(ax.get_xlim())
        width = ax.get_window_extent(renderer).width
        at = (np.log(x) - left) / (right - left) * width  # pixels from the axes' left edge to x
        if at + needed <= width:
            break
        ax.set_xlim(right=float(np.exp(left + (np.log(x) - left) * width / (width - needed))))
