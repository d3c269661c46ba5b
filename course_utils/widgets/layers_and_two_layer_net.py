"""Explorers for classifiers on 2-D data (notebook 03, layers and a two-layer net).

In the spirit of the ConvNetJS 2-D classification demo: pick a data set, a hidden-layer size
and a regularization strength, and a small two-layer net is trained from scratch on the spot
(well under a second) and drawn with its decision boundary and training accuracy.
"""

from __future__ import annotations

from typing import Any

import ipywidgets as widgets
import numpy as np

from .. import data, models, optim, train
from ..viz._axes import margins_in_inches, tick_labels_width
from ..viz.classifiers import plot_decision_boundary
from ._render import FigureImage

__all__ = ["TOY_TRAINING", "TOY_DATASETS", "classifier_explorer"]

#: How the explorer trains its net (and how notebook 03 trains its toy nets): plain SGD with
#: lr 2.0, 300 epochs of mini-batches of 100 (momentum and other rules come in notebook 08).
TOY_TRAINING: dict[str, Any] = dict(rule=optim.sgd, hyper=dict(lr=2.0), num_epochs=300, batch_size=100)
#: Initial weights of std 0.01, FullyConnectedNet's default: every score starts near 0, so the
#: first loss is close to log C (notebook 03's sanity check; notebook 05 is about this choice).
TOY_WEIGHT_SCALE = 0.01

#: The data sets the explorer offers, each a fixed draw (seed 0).
TOY_DATASETS = {
    "circles": lambda: data.make_circles(n=200, noise=0.05, factor=0.5, seed=0),
    "spiral": lambda: data.make_spiral(n_per_class=100, n_classes=3, seed=0),
}

_HIDDEN_SIZES = (1, 2, 3, 4, 5, 6, 8, 10, 20, 50, 100)


def classifier_explorer(
    *, dataset: str = "circles", hidden_size: int = 3, reg: float = 1e-3, seed: int = 0
) -> widgets.VBox:
    """Sliders for data set, hidden size, regularization and seed -> a trained net's boundary.

    Inputs (the initial slider values):
    - dataset: 'circles' or 'spiral' (see TOY_DATASETS).
    - hidden_size: units in the hidden layer, one of 1, 2, 3, 4, 5, 6, 8, 10, 20, 50, 100.
    - reg: L2 strength, between 1e-5 and 1.
    - seed: seed of the initial weights and of the mini-batch order.
    Returns: the widget (display it, or make it the last expression of a cell). Its ``state``
    dict holds the last redraw's ``model``, ``history`` and ``train_acc``.

    Notes: every redraw builds ``models.FullyConnectedNet([hidden_size], 2, C, reg=reg)`` and
    trains it with ``train.train`` and TOY_TRAINING; the generator comes from the seed slider,
    so the same settings always give the same picture. Try the circles with 2 and 3 hidden units:
    with two ReLUs the inner circle's region always runs out to the edge of the plane; with
    three it can be closed, a hexagon, since the boundary bends where it crosses each unit's
    line and a closed boundary crosses each of the three lines twice.
    """
    if dataset not in TOY_DATASETS:
        raise ValueError(f"classifier_explorer: dataset must be one of {', '.join(TOY_DATASETS)}, got {dataset!r}")
    if hidden_size not in _HIDDEN_SIZES:
        raise ValueError(f"classifier_explorer: hidden_size must be one of {_HIDDEN_SIZES}, got {hidden_size!r}")
    if not 1e-5 <= reg <= 1:
        raise ValueError(f"classifier_explorer: reg must be in [1e-5, 1], got {reg!r}")
    style = {"description_width": "150px"}
    layout = widgets.Layout(width="420px")
    controls = dict(
        dataset=widgets.Dropdown(
            options=list(TOY_DATASETS), value=dataset, description="data set", style=style, layout=layout
        ),
        hidden_size=widgets.SelectionSlider(
            options=_HIDDEN_SIZES,
            value=hidden_size,
            description="hidden units",
            continuous_update=False,
            style=style,
            layout=layout,
        ),
        reg=widgets.FloatLogSlider(
            value=reg,
            min=-5,
            max=0,
            step=0.25,
            base=10,
            description="regularization",
            readout_format=".0e",
            continuous_update=False,
            style=style,
            layout=layout,
        ),
        seed=widgets.IntSlider(
            value=seed, min=0, max=9, description="seed", continuous_update=False, style=style, layout=layout
        ),
    )
    image = FigureImage()
    box = widgets.VBox([*controls.values(), image.widget])
    box.state = {}

    def redraw(_: object = None) -> None:
        dataset, hidden_size, reg, seed = (controls[k].value for k in ("dataset", "hidden_size", "reg", "seed"))
        X, y = TOY_DATASETS[dataset]()
        model = models.FullyConnectedNet(
            [hidden_size], 2, int(y.max()) + 1, reg=reg, weight_scale=TOY_WEIGHT_SCALE, seed=seed
        )
        history = train.train(model, X, y, rng=np.random.default_rng(seed), verbose=False, **TOY_TRAINING)
        acc = models.accuracy(model, X, y)
        box.state.update(model=model, history=history, train_acc=acc)
        title = f"{dataset}, {hidden_size} hidden units, reg {reg:.0e}\ntraining accuracy {acc:.1%}"
        if image.figure is None:  # the figure is built and laid out once (a layout costs a draw)
            fig = plot_decision_boundary(model, X, y, resolution=120, title=title)
            # margins as tight_layout finds them (the PNG is the figure at its own size), laid out once: the
            # y tick labels and 0.45 inches for the ticks and the y label at the left, two lines of title above
            ax = fig.axes[0]
            margins_in_inches(fig, left=tick_labels_width(ax) + 0.45, right=0.15, bottom=0.58, top=0.58)
            image.show(fig)
            return
        ax = image.figure.axes[0]
        ax.clear()  # then redrawn into the same axes: cheaper than a new figure (no new axes, ticks, layout)
        plot_decision_boundary(model, X, y, ax=ax, resolution=120, title=title)
        image.show()

    for control in controls.values():
        control.observe(redraw, names="value")
    redraw()
    return box
