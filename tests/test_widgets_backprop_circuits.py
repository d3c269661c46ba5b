"""widgets.backprop_circuits: the circuit explorer builds headless, redraws on change, and its sliders sit on round grids."""

import ast
import math
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import ipywidgets as widgets
import matplotlib.colors as mcolors
import matplotlib.pyplot as plt
import pytest

import course_utils as cu
from course_utils.circuits import Value
from course_utils.viz.backprop_circuits import GRAD_COLOR
from course_utils.widgets.backprop_circuits import slider_grid

NOTEBOOK = Path(__file__).resolve().parents[1] / "solutions" / "01_backprop_circuits.ipynb"


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def _sliders(box):
    return [w for w in box.children[0].children if isinstance(w, widgets.FloatSlider)]


def _grad_texts(fig):
    return {t.get_text() for t in fig.axes[0].texts if mcolors.same_color(t.get_color(), GRAD_COLOR) and t.get_text()}


def test_circuit_explorer_builds_headless_and_redraws_on_change():
    calls = []

    def build(x, y, z):
        calls.append((x, y, z))
        return (Value(x, "x") + Value(y, "y")) * Value(z, "z")

    box = cu.widgets.circuit_explorer(build, x=(-5, 5, -2), y=(-5, 5, 5), z=(-5, 5))
    assert isinstance(box, widgets.VBox)
    sliders, image = _sliders(box), box.children[1]
    assert [s.description for s in sliders] == ["x", "y", "z"]
    assert calls == [(-2, 5, 0.0)]
    first = bytes(image.value)
    assert isinstance(image, widgets.Image) and first.startswith(b"\x89PNG")
    sliders[2].value = -4.0
    assert calls[-1] == (-2, 5, -4.0) and bytes(image.value) != first
    assert box.state["circuit"].data == -12.0
    assert {"-4.00", "3.00"} <= _grad_texts(box.state["figure"])  # backward was run on the rebuilt circuit
    # the time a redraw took is recorded; its speed is tested in CPU time (tests/test_widgets_render.py),
    # which a loaded machine does not stretch as it stretches the wall clock
    assert 0 < box.state["seconds"] < 60


def test_the_explorer_captures_no_output():
    """A PNG in an Image widget, no Output widget: nothing for a notebook runner to answer."""
    box = cu.widgets.circuit_explorer(lambda x: Value(x, "x") * 2, x=(-3, 3, 1.0))
    assert not [w for w in (box, *box.children, *box.children[0].children) if isinstance(w, widgets.Output)]


def _assert_round(slider):
    """The slider's start is on its grid, and every position of the grid reads as a round number."""
    lo, hi, step, fmt = slider.min, slider.max, slider.step, slider.readout_format
    decimals = int(fmt.strip(".f"))
    assert math.isclose(step, round(step, decimals), rel_tol=1e-12), f"{slider.description}: step {step} vs {fmt}"
    assert round(step / 10**-decimals) in (1, 2, 5, 10, 20, 25, 50), f"{slider.description}: step {step} is not round"
    k = (slider.value - lo) / step
    assert math.isclose(k, round(k), abs_tol=1e-9), f"{slider.description}: start {slider.value} is off the grid"
    assert math.isclose(lo / step, round(lo / step), abs_tol=1e-9), f"{slider.description}: min {lo} is off the grid"
    for i in range(round((hi - lo) / step) + 1):
        value = lo + i * step  # what the browser computes for position i
        shown = format(value, fmt)
        assert math.isclose(float(shown), value, abs_tol=1e-9), f"{slider.description}: {value} reads {shown}"
        assert abs(float(shown) / step - round(float(shown) / step)) < 1e-9, f"{slider.description}: reads {shown}"


def _notebook_explorer():
    """The explorer exactly as notebook 01 builds it (its cell's code, run here)."""
    import nbformat

    nb = nbformat.read(NOTEBOOK, as_version=4)
    (source,) = [c.source for c in nb.cells if c.cell_type == "code" and "circuit_explorer(" in c.source]
    tree = ast.parse(source)
    namespace = {"cu": cu, "Value": Value}
    exec(compile(ast.Module(tree.body[:-1], type_ignores=[]), "cell", "exec"), namespace)
    return eval(compile(ast.Expression(tree.body[-1].value), "cell", "eval"), namespace)


def test_the_notebooks_sliders_start_on_their_grid_and_read_round():
    sliders = _sliders(_notebook_explorer())
    assert len(sliders) == 5
    for s in sliders:
        _assert_round(s)
        assert s.step in (0.05, 0.1), f"{s.description}: step {s.step}"


@pytest.mark.parametrize(
    "spec",
    [
        (-3, 3, 2.0),
        (-3, 3),
        (-5, 5, -2),
        (0, 1),
        (-1, 1, 0.3),
        (0, 1.03),
        (-2.5, 2.5),
        (0, 100),
        (-3, 3, 2.15, 0.05),
        (1e-3, 2e-3),
    ],
)
def test_every_slider_starts_on_a_round_grid(spec):
    box = cu.widgets.circuit_explorer(lambda x: Value(x, "x") * 2, x=spec)
    (slider,) = _sliders(box)
    _assert_round(slider)
    if len(spec) >= 3:
        assert slider.value == spec[2]


def test_the_default_step_is_round_and_gives_enough_positions():
    for lo, hi, step in [(-3, 3, 0.1), (-5, 5, 0.2), (0, 1, 0.02), (-2.5, 2.5, 0.1), (0, 100, 2.0)]:
        assert slider_grid("x", (lo, hi))[3] == step
        assert 50 <= (hi - lo) / step <= 125


@pytest.mark.parametrize(
    "spec, match",
    [
        ((-3, 3, 2.16), "start = 2.16 is not a multiple of the step 0.1"),
        ((-3, 3, 2.15, 0.1), "start = 2.15 is not a multiple of the step 0.1"),
        ((-2.93, 3, 0.0, 0.1), "low = -2.93 is not a multiple"),
        ((-3, 3, 4.0), "outside"),
        ((3, -3), "low < high"),
        ((-3, 3, 0.0, 0.06), "step 0.06 is not round"),
        ((-3, 3, 2.0, 0.3), "step 0.3 is not round"),
    ],
)
def test_off_grid_ranges_are_refused_with_the_reason(spec, match):
    with pytest.raises(ValueError, match=match):
        cu.widgets.circuit_explorer(lambda x: Value(x, "x"), x=spec)


def test_the_browsers_float_noise_never_reaches_the_circuit():
    seen = []

    def build(x):
        seen.append(x)
        return Value(x, "x") * 2

    (slider,) = _sliders(cu.widgets.circuit_explorer(build, x=(-3, 3, 0.0)))
    slider.value = -3 + 43 * 0.1  # 1.2999999999999998, as the browser sends position 43
    assert seen[-1] == 1.3
