"""An explorer of dropout rates (notebook 07): p_drop -> that rate's validation curve over seeds, the others faint.

Training the nets takes a couple of seconds, too slow for a slider, so the explorer takes the
runs the notebook has already made (a :class:`course_utils.dropout.DropoutRuns`) and only redraws them.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

import ipywidgets as widgets
import numpy as np

from ..viz.dropout import highlight_dropout_run, plot_dropout_runs
from ._render import FigureImage

if TYPE_CHECKING:
    from ..dropout import DropoutRuns

__all__ = ["dropout_explorer"]


def dropout_explorer(runs: DropoutRuns, *, p_drop: float | None = None) -> widgets.VBox:
    """A slider over the dropout rates of ``runs`` -> that rate's curve in colour, the others faint.

    Inputs: runs: a :class:`course_utils.dropout.DropoutRuns` (at least one rate);
    p_drop: the rate shown first (default: the first of runs.p_drops).
    Returns: the widget. Its ``state`` dict holds the last redraw's ``p_drop``, ``val_loss``
    and ``val_acc`` (at the last iteration, mean over the seeds), ``figure`` and ``seconds``
    (drawing time).
    """
    rates = [float(p) for p in getattr(runs, "p_drops", ())]
    if not rates:
        raise ValueError("dropout_explorer: runs has no dropout rates; give the DropoutRuns of train_nets")
    if p_drop is None:
        p_drop = rates[0]
    if not np.any(np.isclose(rates, p_drop)):
        raise ValueError(f"dropout_explorer: p_drop={p_drop!r} is not one of the runs' rates {rates}")
    slider = widgets.SelectionSlider(
        options=[(f"{p:g}", p) for p in rates],
        value=rates[int(np.argmin(np.abs(np.array(rates) - p_drop)))],
        description="p_drop",
        continuous_update=False,
        layout=widgets.Layout(width="360px"),
    )
    fig, image = plot_dropout_runs(runs, highlight=slider.value), FigureImage()  # drawn once; a change recolours
    box = widgets.VBox([slider, image.widget])
    box.state = {}

    def redraw(p: float) -> None:
        start = time.perf_counter()
        image.show(highlight_dropout_run(fig, runs, p))
        k = rates.index(p)
        box.state.update(
            p_drop=p,
            val_loss=float(runs.val_loss[-1, k].mean()),
            val_acc=float(runs.val_acc[-1, k].mean()),
            figure=fig,
            seconds=time.perf_counter() - start,
        )

    slider.observe(lambda change: redraw(change["new"]), names="value")
    redraw(slider.value)
    return box
