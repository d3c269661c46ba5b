"""An explorer of weight initialization (notebook 05): init, activation and depth -> per-layer histograms.

A smaller version of the lecture's experiment (300 unit-Gaussian examples of 200 dimensions
through layers of 200 units), so that a redraw stays well under half a second.
"""

from __future__ import annotations

import time
from typing import Any

import ipywidgets as widgets
import numpy as np

from .. import init as init_mod
from ..viz.preprocessing_and_init import plot_layer_histograms, update_layer_histograms
from ._render import FigureImage

__all__ = ["init_explorer"]

_ACTIVATIONS = ("tanh", "relu", "sigmoid")
_INITS = ("small", "large", "xavier", "he")


def init_explorer(
    *,
    init: str = "xavier",
    activation: str = "tanh",
    depth: int = 8,
    num_examples: int = 300,
    width: int = 200,
    seed: int = 0,
) -> widgets.VBox:
    """Dropdowns for init and activation and a depth slider -> histograms and statistics per layer.

    Inputs (initial values): init, one of 'small', 'large', 'xavier', 'he'; activation, 'tanh',
    'relu' or 'sigmoid'; depth, 2 to 12 layers; num_examples and width: the size of the
    experiment (fixed for the widget's life); seed: the generator of the data and weights.
    Returns: the widget. Its ``state`` dict holds the last redraw's ``stats`` (list of
    (mean, std) per layer, as :func:`course_utils.init.forward_stats` returns), ``figure`` and
    ``seconds`` (compute and draw time).

    Notes: every redraw builds its generators from ``seed``, so the same settings always give
    the same picture. One figure per depth is made on first use and then only refilled.
    """
    if init not in _INITS:
        raise ValueError(f"init_explorer: init must be one of {', '.join(_INITS)}, got {init!r}")
    if activation not in _ACTIVATIONS:
        raise ValueError(f"init_explorer: activation must be one of {', '.join(_ACTIVATIONS)}, got {activation!r}")
    if not 2 <= depth <= 12:
        raise ValueError(f"init_explorer: depth must be between 2 and 12, got {depth!r}")
    style = {"description_width": "100px"}
    layout = widgets.Layout(width="360px")
    controls = dict(
        init=widgets.Dropdown(options=_INITS, value=init, description="init", style=style, layout=layout),
        activation=widgets.Dropdown(
            options=_ACTIVATIONS, value=activation, description="activation", style=style, layout=layout
        ),
        depth=widgets.IntSlider(
            value=depth, min=2, max=12, description="layers", continuous_update=False, style=style, layout=layout
        ),
    )
    image, stds = FigureImage(), widgets.Label()
    box = widgets.VBox([*controls.values(), image.widget, stds])
    box.state = {}
    figures: dict[int, Any] = {}  # depth -> its figure

    def redraw(_: object = None) -> None:
        start = time.perf_counter()
        init, activation, depth = (controls[name].value for name in ("init", "activation", "depth"))
        X = np.random.default_rng(seed).standard_normal((num_examples, width))
        run = init_mod.forward_pass(
            X, [width] * depth, init=init, activation=activation, rng=np.random.default_rng(seed + 1)
        )
        runs = {f"{init} / {activation}": run.activations}
        if depth in figures:
            update_layer_histograms(figures[depth], runs)
        else:
            figures[depth] = plot_layer_histograms(
                runs, title=f"{num_examples} examples through {depth} layers of {width}"
            )
        image.show(figures[depth])
        stats = [(float(h.mean()), float(h.std())) for h in run.activations]
        stds.value = "std per layer: " + ", ".join(f"{s:.3g}" for _, s in stats)
        box.state.update(stats=stats, figure=figures[depth], seconds=time.perf_counter() - start)

    for control in controls.values():
        control.observe(redraw, names="value")
    redraw()
    return box
