"""draw_circuit: layout and drawing of circuits (the explorer widget: test_widgets_backprop_circuits.py)."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.colors as mcolors
import matplotlib.pyplot as plt
import pytest

from course_utils.circuits import Value
from course_utils.viz.backprop_circuits import GRAD_COLOR, VALUE_COLOR, circuit_layout, draw_circuit


def xyz():
    x, y, z = Value(-2.0, "x"), Value(5.0, "y"), Value(-4.0, "z")
    return (x + y) * z


def neuron():
    w0, x0, w1, x1, w2 = (Value(v, n) for v, n in zip((2.0, -1.0, -3.0, -2.0, -3.0), ("w0", "x0", "w1", "x1", "w2")))
    return 1 / (1 + (-(w0 * x0 + w1 * x1 + w2)).exp())


def branch():
    x, y, z = Value(3.0, "x"), Value(-4.0, "y"), Value(2.0, "z")
    return x * y + x.max(z)


def square():
    x = Value(3.0, "x")
    return x * x


def fifteen():
    x, y, z, w = Value(3.0, "x"), Value(-4.0, "y"), Value(2.0, "z"), Value(-1.0, "w")
    return 2 * x * y + x.max(z) * w + (x * w).exp() / z


EXPRESSIONS = {"xyz": xyz, "neuron": neuron, "branch": branch, "square": square, "fifteen": fifteen}


def _texts(fig, color):
    return [t for t in fig.axes[0].texts if mcolors.same_color(t.get_color(), color) and t.get_text()]


@pytest.mark.parametrize("name", EXPRESSIONS)
def test_draws_values_above_and_gradients_below_each_wire(name):
    out = EXPRESSIONS[name]()
    out.backward()
    fig = draw_circuit(out)
    values, grads = _texts(fig, VALUE_COLOR), _texts(fig, GRAD_COLOR)
    assert values and grads and not mcolors.same_color(VALUE_COLOR, GRAD_COLOR)
    assert all(t.get_va() == "bottom" for t in values) and all(t.get_va() == "top" for t in grads)
    assert f"{out.data:.2f}" in {t.get_text() for t in values}
    assert "1.00" in {t.get_text() for t in grads}  # the output's own gradient
    assert fig.axes[0].get_title() and fig.axes[0].get_legend() is not None
    legend = [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
    assert any("value" in t for t in legend) and any("gradient" in t for t in legend)


def test_the_lecture_numbers_are_on_the_wires():
    out = xyz()
    out.backward()
    fig = draw_circuit(out)
    assert {"-2.00", "5.00", "-4.00", "3.00", "-12.00"} <= {t.get_text() for t in _texts(fig, VALUE_COLOR)}
    assert {"-4.00", "3.00", "1.00"} <= {t.get_text() for t in _texts(fig, GRAD_COLOR)}
    ops = {t.get_text() for t in fig.axes[0].texts}
    assert {"+", "*", "x", "y", "z"} <= ops


def test_gradients_are_blank_before_backward():
    fig = draw_circuit(xyz())
    assert _texts(fig, VALUE_COLOR) and not _texts(fig, GRAD_COLOR)
    assert any("backward" in t.get_text() for t in fig.axes[0].get_legend().get_texts())


@pytest.mark.parametrize("name", ["xyz", "neuron", "branch", "square"])
def test_labels_do_not_overlap_each_other_or_the_gates(name):
    out = EXPRESSIONS[name]()
    out.backward()
    fig = draw_circuit(out)
    renderer = fig.canvas.get_renderer()
    boxes = [t.get_window_extent(renderer) for t in _texts(fig, VALUE_COLOR) + _texts(fig, GRAD_COLOR)]
    for i, a in enumerate(boxes):
        for b in boxes[i + 1 :]:
            assert not a.shrunk(0.9, 0.8).overlaps(b.shrunk(0.9, 0.8)), f"{name}: labels overlap"
    gates = [p.get_window_extent(renderer) for p in fig.axes[0].patches if type(p).__name__ == "Circle"]
    for box in boxes:
        assert not any(box.shrunk(0.9, 0.8).overlaps(g) for g in gates), f"{name}: a label covers a gate"


def test_fifteen_node_graph_and_layout():
    out = fifteen()
    pos, bends = circuit_layout(out)
    assert len(pos) <= 15
    xs = {p[0] for p in pos.values()}
    assert pos[out][0] == max(xs)  # output on the right
    for node, (x, _) in pos.items():
        for child in node.children:
            assert pos[child][0] < x  # every wire runs left to right
    assert any(bends.values())  # the long wire into the division bends around the gates
    out.backward()
    draw_circuit(out)


def test_draws_into_a_given_axes_and_handles_a_single_input():
    fig, ax = plt.subplots(figsize=(5, 3))
    assert draw_circuit(xyz(), ax=ax, title="f") is fig and ax.get_title() == "f"
    v = Value(2.0, "a")
    v.backward()
    draw_circuit(v)
