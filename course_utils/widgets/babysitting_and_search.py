"""A learning-rate explorer (notebook 09): learning rate -> the loss curve and the update/weight ratios.

Each run trains a net for a few epochs, too slow for a slider, so the explorer takes runs the
notebook has already made and only redraws them.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import TYPE_CHECKING

import ipywidgets as widgets
import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from ..viz._axes import fixed_titles, log_scale, margins_in_inches, tick_labels_width
from ..viz.curves import clip_diverged, loss_ceiling
from ._render import FigureImage

if TYPE_CHECKING:
    from ..train import History

__all__ = ["learning_rate_explorer"]


class _RateFigure:
    """Every run's loss (grey, the chosen one in colour) beside the chosen run's update/weight ratios.

    Built once, with a line per run and per layer, and laid out once; :meth:`choose` only restyles
    and refills the lines. A diverging run is drawn up to where it leaves the loss axis (three
    times the highest start, :func:`course_utils.viz.curves.loss_ceiling`) and marked there with
    an x: its 1e30 would otherwise squash every other curve into the bottom decade.
    """

    def __init__(self, runs: Mapping[float, History], layers: tuple[str, ...], lr: float) -> None:
        self.runs = runs
        self.figure = Figure(figsize=(10, 3.9))
        FigureCanvasAgg(self.figure)  # the canvas FigureImage would give it, here to measure tick labels on
        with fixed_titles():
            self.ax_loss, self.ax_ratio = self.figure.subplots(1, 2)
        log_scale(self.ax_loss, "y")
        log_scale(self.ax_ratio, "y")
        self.ceiling = loss_ceiling([h.loss for h in runs.values()])
        self.loss_lines, self.left, self.marks = {}, {}, {}
        for rate, h in sorted(runs.items()):
            shown, self.left[rate] = clip_diverged(h.loss, self.ceiling)
            if self.left[rate] is not None:
                shown = np.append(shown, self.ceiling)  # the line runs up to the edge, to its x
            self.loss_lines[rate] = self.ax_loss.plot(shown)[0]
            if self.left[rate] is not None:
                self.marks[rate] = self.ax_loss.plot(
                    [self.left[rate]], [self.ceiling], "x", ms=8, mew=2, clip_on=False
                )[0]
        shown = np.concatenate([line.get_ydata() for line in self.loss_lines.values()])
        shown = shown[shown > 0]
        if self.marks and shown.size:
            self.ax_loss.set_ylim(shown.min() / 1.5, self.ceiling)
        self.ratio_lines = {
            name: self.ax_ratio.plot([], [], color=f"C{i + 1}", lw=1, label=name)[0] for i, name in enumerate(layers)
        }
        self.ax_ratio.axhspan(1e-3, 1e-2, color="C2", alpha=0.12, label="0.1% to 1%")
        self.ax_loss.set(xlabel="iteration", ylabel="mini-batch loss")
        self.ax_ratio.set(xlabel="iteration", ylabel="norm(update) / norm(W)", title="Update/weight ratio per layer")
        self.ax_ratio.legend(loc="upper center", bbox_to_anchor=(0.5, -0.2), ncol=3, fontsize=9)
        self.choose(lr)
        # tight_layout's margins, laid out once: left of a panel its y tick labels and 0.45 inches for the
        # ticks and the y label; below, the x labels and the ratios' legend
        first, second = tick_labels_width(self.ax_loss), tick_labels_width(self.ax_ratio)
        margins_in_inches(self.figure, left=first + 0.45, right=0.15, bottom=1.05, top=0.36, gap_w=second + 0.45)

    def choose(self, lr: float) -> Figure:
        for rate, line in self.loss_lines.items():
            chosen = rate == lr
            line.set(color="C0" if chosen else "0.8", lw=1.6 if chosen else 0.8, zorder=3 if chosen else 1)
            if rate in self.marks:
                self.marks[rate].set(color="C3" if chosen else "0.7", zorder=4 if chosen else 2)
        left = self.left[lr]
        self.ax_loss.set_title(
            f"Loss at lr = {lr:g} (the other rates in grey)"
            if left is None
            else f"lr = {lr:g}: diverged at iteration {left} (x)"
        )
        for name, line in self.ratio_lines.items():
            ratio = self.runs[lr].update_ratio[name]
            line.set_data(np.arange(len(ratio)), ratio)
        self.ax_ratio.relim()
        self.ax_ratio.autoscale_view()
        return self.figure


def learning_rate_explorer(
    runs: Mapping[float, History], *, lr: float | None = None, layers: tuple[str, ...] = ("W1", "W2")
) -> widgets.VBox:
    """A slider over the learning rates of ``runs`` -> that run's loss curve and update/weight ratios.

    Inputs: runs: learning rate -> :class:`course_utils.train.History` (at least one); lr: the
    rate shown first (default: the smallest); layers: the weights whose ratios are drawn.
    Returns: the widget. Its ``state`` dict holds the last redraw's ``lr``, ``final_loss``,
    the median ``ratios`` per layer, ``figure`` and ``seconds`` (drawing time).
    """
    if not runs:
        raise ValueError("learning_rate_explorer: runs is empty; give lr -> History for at least one rate")
    rates = sorted(runs)
    lr = rates[0] if lr is None else lr
    if lr not in runs:
        raise ValueError(f"learning_rate_explorer: lr={lr!r} is not one of the runs' rates {rates}")
    missing = [name for name in layers if name not in runs[lr].update_ratio]
    if missing:
        raise ValueError(f"learning_rate_explorer: the runs have no update ratios for {missing}")
    slider = widgets.SelectionSlider(
        options=[(f"{r:g}", r) for r in rates],
        value=lr,
        description="lr",
        continuous_update=False,
        layout=widgets.Layout(width="420px"),
    )
    drawing, image = _RateFigure(runs, layers, lr), FigureImage()
    box = widgets.VBox([slider, image.widget])
    box.state = {}

    def redraw(rate: float) -> None:
        start = time.perf_counter()
        fig = drawing.choose(rate)
        image.show(fig)
        h = runs[rate]
        box.state.update(
            lr=rate,
            final_loss=float(h.loss[-1]),
            figure=fig,
            ratios={name: float(np.median(h.update_ratio[name])) for name in layers},
            seconds=time.perf_counter() - start,
        )

    slider.observe(lambda change: redraw(change["new"]), names="value")
    redraw(lr)
    return box
