"""A learning-rate explorer (notebook 09): learning rate -> the loss curve and the update/weight ratios.

Each run trains a net for a few epochs, too slow for a slider, so the explorer takes runs the
notebook has already made and only redraws them.
"""
from __future__ import annotations

import time
from collections.abc import Mapping

import ipywidgets as widgets
import matplotlib.pyplot as plt
import numpy as np
from IPython.display import display

__all__ = ["learning_rate_explorer"]


def _draw(runs: Mapping[float, object], lr: float, layers: tuple[str, ...]):
    fig, (ax_loss, ax_ratio) = plt.subplots(1, 2, figsize=(10, 3.6))
    for other in sorted(runs):
        h = runs[other]
        loss = np.where(np.isfinite(h.loss), h.loss, np.nan)
        chosen = other == lr
        ax_loss.plot(loss, color="C0" if chosen else "0.8", lw=1.6 if chosen else 0.8, zorder=3 if chosen else 1,
                     label=f"lr = {other:g}" if chosen else None)
    h = runs[lr]
    for i, name in enumerate(layers):
        ax_ratio.plot(h.update_ratio[name], color=f"C{i + 1}", lw=1, label=name)
    ax_ratio.axhspan(1e-3, 1e-2, color="C2", alpha=0.12, label="0.1% to 1%")
    ax_loss.set(yscale="log", xlabel="iteration", ylabel="mini-batch loss",
                title=f"Loss at lr = {lr:g} (the other rates in grey)")
    ax_ratio.set(yscale="log", xlabel="iteration", ylabel="norm(update) / norm(W)",
                 title="Update/weight ratio per layer")
    ax_loss.legend(loc="upper right")
    ax_ratio.legend(loc="upper right", fontsize=8)
    fig.tight_layout()
    return fig


def learning_rate_explorer(runs: Mapping[float, object], *, lr: float | None = None,
                           layers: tuple[str, ...] = ("W1", "W2")) -> widgets.VBox:
    """A slider over the learning rates of ``runs`` -> that run's loss curve and update/weight ratios.

    Inputs: runs: learning rate -> :class:`course_utils.train.History` (at least one); lr: the
    rate shown first (default: the smallest); layers: the weights whose ratios are drawn.
    Returns: the widget. Its ``state`` dict holds the last redraw's ``lr``, ``final_loss``,
    the median ``ratios`` per layer and ``seconds`` (drawing time).
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
    slider = widgets.SelectionSlider(options=[(f"{r:g}", r) for r in rates], value=lr, description="lr",
                                     continuous_update=False, layout=widgets.Layout(width="420px"))
    out = widgets.Output()
    box = widgets.VBox([slider, out])
    box.state = {}

    def redraw(rate):
        start = time.perf_counter()
        with out:
            out.clear_output(wait=True)
            fig = _draw(runs, rate, layers)
            display(fig)
            plt.close(fig)
        h = runs[rate]
        box.state.update(lr=rate, final_loss=float(h.loss[-1]),
                         ratios={name: float(np.median(h.update_ratio[name])) for name in layers},
                         seconds=time.perf_counter() - start)

    slider.observe(lambda change: redraw(change["new"]), names="value")
    redraw(lr)
    return box
