"""Circuit explorer: sliders for a circuit's inputs, redrawn with values and gradients (notebook 01)."""
from __future__ import annotations

from collections.abc import Callable

import ipywidgets as widgets
import matplotlib.pyplot as plt
from IPython.display import display

from ..circuits import Value
from ..viz.circuits import draw_circuit

__all__ = ["circuit_explorer"]


def circuit_explorer(build: Callable[..., Value], /, *, title: str | None = None, **ranges) -> widgets.VBox:
    """Sliders for the inputs of a circuit; every change rebuilds it, runs backward and redraws.

    Inputs:
    - build: ``build(**inputs) -> Value``, the output of the circuit for these input numbers.
    - ranges: one keyword per input of build, ``name=(low, high)`` or ``(low, high, start)``.
    - title: figure title (default: the output's value).
    Returns: a VBox holding the sliders and the figure's Output (display it, or leave it as
    the last expression of a cell).

    Notes: the circuit is rebuilt from scratch on every change, because a Value graph records
    one forward pass: new inputs mean a new graph.
    """
    sliders = {}
    for name, spec in ranges.items():
        low, high, *start = spec
        value = start[0] if start else (low + high) / 2
        sliders[name] = widgets.FloatSlider(value=value, min=low, max=high, step=(high - low) / 100,
                                            description=name, continuous_update=False,
                                            readout_format=".2f")

    def redraw(**inputs):
        out = build(**inputs)
        out.backward()
        fig = draw_circuit(out, title=title if title is not None else f"output {out.data:.4f}")
        display(fig)
        plt.close(fig)

    output = widgets.interactive_output(redraw, sliders)
    return widgets.VBox([widgets.HBox(list(sliders.values()), layout=widgets.Layout(flex_flow="row wrap")),
                         output])
