"""Loss explorer: sliders for one example's scores, showing hinge and cross-entropy (notebook 02)."""

from __future__ import annotations

from collections.abc import Sequence

import ipywidgets as widgets

from ..viz.linear_classifiers import plot_score_losses, update_score_losses
from ._render import FigureImage

__all__ = ["loss_explorer"]


def loss_explorer(scores: Sequence[float] = (-2.85, 0.86, 0.28), y: int = 2, *, limit: float = 10.0) -> widgets.VBox:
    """Sliders for each class score and a dropdown for the correct class; redraws both losses.

    Inputs: scores: starting scores (C of them); y: starting correct class; limit: slider range.
    Returns: a VBox of the controls and the figure (an Image widget).

    Notes: drag a wrong class's score below the margin line and its hinge term vanishes while
    the cross-entropy keeps shrinking: the SVM is satisfied, softmax never quite is.
    """
    sliders = {
        f"s{j}": widgets.FloatSlider(
            value=float(s),
            min=-limit,
            max=limit,
            step=0.05,
            description=f"score {j}",
            continuous_update=False,
            readout_format=".2f",
        )
        for j, s in enumerate(scores)
    }
    correct = widgets.Dropdown(options=list(range(len(scores))), value=int(y), description="correct")

    image = FigureImage()

    def redraw(_: object = None) -> None:
        values = [s.value for s in sliders.values()]
        if image.figure is None:
            image.show(plot_score_losses(values, correct.value))
        else:  # the same figure refilled: a new one would cost its ticks and layout again
            image.show(update_score_losses(image.figure, values, correct.value))

    for control in (*sliders.values(), correct):
        control.observe(redraw, names="value")
    redraw()
    return widgets.VBox(
        [widgets.HBox([*sliders.values(), correct], layout=widgets.Layout(flex_flow="row wrap")), image.widget]
    )
