"""widgets.activations: the explorer builds without a browser, redraws on every control in well
under half a second, and shades where the local gradient is below the threshold."""

import time

import matplotlib

matplotlib.use("Agg")
import ipywidgets as widgets
import numpy as np
import pytest
from viz_layout import assert_png_unclipped

from course_utils.widgets.activations import activation_explorer


def _controls(box):
    return {c.description: c for c in box.children if not isinstance(c, widgets.Image)}


def test_builds_headless_and_draws():
    box = activation_explorer()
    assert set(_controls(box)) == {"function", "inputs up to ±", "|f'| below"}
    assert any(isinstance(c, widgets.Image) and bytes(c.value).startswith(b"\x89PNG") for c in box.children)
    assert set(box.state) == {"x", "out", "grad", "saturated"}
    assert box.state["x"].max() == 10
    (image,) = [c for c in box.children if isinstance(c, widgets.Image)]
    assert image.layout.width == "650px"  # shown at its own size (widgets._render), not stretched to the box


def test_every_control_redraws_and_saturation_follows():
    box = activation_explorer(name="sigmoid", x_max=10, threshold=0.01)
    c = _controls(box)
    sigmoid = box.state["saturated"]
    assert 0.5 < sigmoid < 0.6  # σ(1 - σ) < 0.01 where |x| > 4.6: 54% of [-10, 10]
    c["inputs up to ±"].value = 40
    assert box.state["x"].max() == 40 and box.state["saturated"] > 0.8
    c["function"].value = "tanh"
    np.testing.assert_allclose(box.state["out"], np.tanh(box.state["x"]))
    c["function"].value = "leaky_relu"
    assert box.state["saturated"] == 0.0  # its slope never goes below 0.01
    c["|f'| below"].value = 0.1
    assert box.state["saturated"] == pytest.approx(0.5, abs=0.01)  # the negative half


def test_redraw_is_fast():
    box = activation_explorer()
    control = _controls(box)["function"]
    times = []
    for name in ("tanh", "relu", "elu", "sigmoid"):
        start = time.process_time()
        control.value = name
        times.append(time.process_time() - start)
    assert np.median(times) < 0.5, times  # CPU seconds: a loaded machine stretches only the wall clock


def test_rejects_unknown_settings():
    with pytest.raises(ValueError, match="name must be one of"):
        activation_explorer(name="swish")
    with pytest.raises(ValueError, match="x_max"):
        activation_explorer(x_max=100)


@pytest.mark.parametrize("name", ["tanh", "relu", "elu"])
def test_the_picture_holds_the_whole_figure(name):
    box = activation_explorer(name=name, x_max=40, threshold=0.01)
    (image,) = [c for c in box.children if isinstance(c, widgets.Image)]
    assert_png_unclipped(bytes(image.value))
