"""An explorer for activation functions (notebook 04): where each one saturates.

Pick a function, an input range and a threshold: the function and its local gradient are
drawn, with the inputs where the gradient is smaller than the threshold shaded. Those are the
places where the unit passes (almost) nothing back to the layers below it.
"""

from __future__ import annotations

import ipywidgets as widgets
import numpy as np

from .. import layers
from ..viz.activations import plot_activations
from ._render import FigureImage

__all__ = ["activation_curve", "activation_explorer"]

_NAMES = ("sigmoid", "tanh", "relu", "leaky_relu", "elu")
_SIZE = (6.5, 3.8)  # the figure, in inches


def activation_curve(name: str, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """f(x) and the local gradient f'(x) of one of layers.ACTIVATIONS, at every entry of x.

    Notes: the gradient is the activation's own backward pass with dout = 1, so what is drawn
    is exactly what a network built from :mod:`course_utils.layers` multiplies by.
    """
    forward, backward = layers.ACTIVATIONS[name]
    out, cache = forward(x)
    return out, backward(np.ones_like(x), cache)


def activation_explorer(*, name: str = "sigmoid", x_max: float = 10.0, threshold: float = 0.01) -> widgets.VBox:
    """Controls for the function, the input range [-x_max, x_max] and the saturation threshold.

    Inputs (the initial values): name, one of sigmoid, tanh, relu, leaky_relu, elu; x_max in
    [1, 50]; threshold in [1e-4, 0.2].
    Returns: the widget; its ``state`` dict holds the last redraw's ``x``, ``out``, ``grad``
    and ``saturated`` (the fraction of the range where |f'| < threshold).
    """
    if name not in _NAMES:
        raise ValueError(f"activation_explorer: name must be one of {', '.join(_NAMES)}, got {name!r}")
    if not 1 <= x_max <= 50:
        raise ValueError(f"activation_explorer: x_max must be in [1, 50], got {x_max!r}")
    style = {"description_width": "120px"}
    layout = widgets.Layout(width="420px")
    controls = dict(
        name=widgets.Dropdown(options=list(_NAMES), value=name, description="function", style=style, layout=layout),
        x_max=widgets.FloatSlider(
            value=x_max,
            min=1,
            max=50,
            step=1,
            description="inputs up to ±",
            continuous_update=False,
            style=style,
            layout=layout,
        ),
        threshold=widgets.FloatLogSlider(
            value=threshold,
            min=-4,
            max=np.log10(0.2),
            step=0.25,
            base=10,
            description="|f'| below",
            readout_format=".0e",
            continuous_update=False,
            style=style,
            layout=layout,
        ),
    )
    image = FigureImage()
    box = widgets.VBox([*controls.values(), image.widget])
    box.state = {}

    def redraw(_: object = None) -> None:
        name, x_max, threshold = (controls[k].value for k in ("name", "x_max", "threshold"))
        x = np.linspace(-x_max, x_max, 801)
        f, grad = activation_curve(name, x)
        box.state.update(x=x, out=f, grad=grad, saturated=float(np.mean(np.abs(grad) < threshold)))
        title = f"{name}: |f'| < {threshold:.0e} on {box.state['saturated']:.0%} of the range"
        fig = plot_activations(x, {title: (f, grad)}, saturation=threshold, figsize=_SIZE)
        image.show(fig)

    for control in controls.values():
        control.observe(redraw, names="value")
    redraw()
    return box
