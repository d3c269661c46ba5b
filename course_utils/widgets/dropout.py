"""An explorer of dropout rates (notebook 07): p_drop -> train and validation curves of runs made beforehand.

Training even a small net takes about half a second per rate, too slow for a slider, so the
explorer takes runs the notebook has already made and only redraws them.
"""
from __future__ import annotations

import time
from collections.abc import Mapping

import ipywidgets as widgets

from ..viz.dropout import highlight_dropout_run, plot_dropout_runs
from ._render import FigureImage

__all__ = ["dropout_explorer"]


def dropout_explorer(runs: Mapping[float, object], *, p_drop: float | None = None) -> widgets.VBox:
    """A slider over the dropout rates of ``runs`` -> that run's curves in colour, the others faint.

    Inputs: runs: p_drop -> :class:`course_utils.train.History` (at least one);
    p_drop: the rate shown first (default: the first of runs).
    Returns: the widget. Its ``state`` dict holds the last redraw's ``p_drop``,
    ``train_acc`` and ``val_acc`` (the final accuracies), ``figure`` and ``seconds`` (drawing time).
    """
    if not runs:
        raise ValueError("dropout_explorer: runs is empty; give p_drop -> History for at least one rate")
    rates = sorted(runs)
    if p_drop is None:
        p_drop = rates[0]
    if p_drop not in runs:
        raise ValueError(f"dropout_explorer: p_drop={p_drop!r} is not one of the runs' rates {rates}")
    slider = widgets.SelectionSlider(options=[(f"{p:g}", p) for p in rates], value=p_drop, description="p_drop",
                                     continuous_update=False, layout=widgets.Layout(width="360px"))
    runs = {q: runs[q] for q in rates}
    fig, image = plot_dropout_runs(runs, highlight=p_drop), FigureImage()  # drawn once; a change recolours it
    box = widgets.VBox([slider, image.widget])
    box.state = {}

    def redraw(p):
        start = time.perf_counter()
        image.show(highlight_dropout_run(fig, runs, p))
        h = runs[p]
        box.state.update(p_drop=p, train_acc=float(h.train_acc[-1]), val_acc=float(h.val_acc[-1]),
                         figure=fig, seconds=time.perf_counter() - start)

    slider.observe(lambda change: redraw(change["new"]), names="value")
    redraw(p_drop)
    return box
