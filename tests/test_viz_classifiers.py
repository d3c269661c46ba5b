"""viz.classifiers: figures with titles, labels and legends, for any kind of model."""

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
import pytest
from matplotlib.figure import Figure
from viz_layout import assert_clear, assert_margins_of_tight_layout, axes_boxes

import course_utils as cu
from course_utils.models import FullyConnectedNet


@pytest.fixture(scope="module")
def circles():
    return cu.data.make_circles(n=60, seed=0)


def _net(H, C=2, seed=0):
    return FullyConnectedNet([H], 2, C, weight_scale=1.0, seed=seed)


def _labelled(ax):
    return ax.get_title() and ax.get_xlabel() and ax.get_ylabel()


@pytest.mark.parametrize(
    "model",
    [
        _net(5),
        lambda P: (P[:, 0] > 0).astype(int),  # labels
        lambda P: np.column_stack([P[:, 0], -P[:, 0]]),  # scores
        cu.models.LinearClassifier(2, 2, seed=0),  # scores(X) only, no predict
    ],
)
def test_decision_boundary_for_any_model(model, circles):
    X, y = circles
    fig = cu.viz.plot_decision_boundary(model, X, y, title="a title", resolution=40)
    assert isinstance(fig, Figure)
    ax = fig.axes[0]
    assert ax.get_title() == "a title" and ax.get_xlabel() and ax.get_ylabel()
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["class 0", "class 1"]


def test_decision_boundary_colours_the_predicted_regions(circles):
    X, y = circles
    fig = cu.viz.plot_decision_boundary(
        lambda P: (P[:, 0] > 0).astype(int), X, y, resolution=30, class_names=["left", "right"]
    )
    ax = fig.axes[0]
    assert len(ax.collections) >= 3  # filled contours + one scatter per class
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["left", "right"]


def test_decision_boundary_into_given_axes(circles):
    X, y = circles
    fig, axes = plt.subplots(1, 2)
    out = cu.viz.plot_decision_boundary(_net(3), X, y, ax=axes[1], title="right", resolution=20, legend=False)
    assert out is fig and axes[1].get_title() == "right" and axes[1].get_legend() is None


def test_decision_boundaries_side_by_side(circles):
    X, y = circles
    fig = cu.viz.plot_decision_boundaries(
        {"linear": cu.models.LinearClassifier(2, 2), "net": _net(4)}, X, y, suptitle="compare", resolution=30
    )
    assert [ax.get_title() for ax in fig.axes] == ["linear", "net"]
    assert all(_labelled(ax) for ax in fig.axes)
    assert fig.axes[0].get_legend() is not None
    assert fig._suptitle.get_text() == "compare"


def test_decision_boundaries_of_tall_data_are_centred_under_the_suptitle():
    # notebook 02's two blobs: data taller than wide, so the equal axes are narrower than their panels
    rng = np.random.default_rng(0)
    X = np.vstack([rng.uniform((1.8, -3.8), (4.0, 3.1), (60, 2)), rng.uniform((4.0, -3.8), (6.4, 3.1), (60, 2))])
    X[[0, 119]] = (1.8, -3.8), (6.4, 3.1)  # its extent
    y = np.repeat([0, 1], 60)
    models = {"bias penalized": lambda P: P @ [[-1.0, 1.0], [0.1, 0.0]], "not": lambda P: P @ [[-1.0, 1.0], [0.0, 0.1]]}
    fig = cu.viz.plot_decision_boundaries(models, X, y, resolution=40, suptitle="Softmax with reg 0.1: the bias")
    assert_clear(fig)
    # as tight_layout leaves them: as tall as the panel between title and x label, centred under the suptitle
    boxes = axes_boxes(fig, original=False)
    assert boxes[:, 3] == pytest.approx(4.2 - 0.58 - 0.68)
    assert boxes[0, 0] + boxes[-1, 0] + boxes[-1, 2] == pytest.approx(fig.get_figwidth(), abs=0.05)


@pytest.mark.parametrize(("num", "scale", "suptitle"), [(3, 1.0, "three"), (1, 100.0, None)])
def test_decision_boundaries_leave_room_for_any_tick_labels(circles, num, scale, suptitle):
    X, y = circles
    models = {f"model {k}": (lambda P, k=k: np.column_stack([P[:, k % 2], -P[:, k % 2]])) for k in range(num)}
    assert_clear(cu.viz.plot_decision_boundaries(models, scale * X, y, resolution=30, suptitle=suptitle))


def test_decision_boundary_rejects_bad_input(circles):
    X, y = circles
    with pytest.raises(ValueError, match=r"X must be \(N, 2\)"):
        cu.viz.plot_decision_boundary(_net(3), np.zeros((5, 3)), np.zeros(5, int))
    with pytest.raises(TypeError, match="predict/scores"):
        cu.viz.plot_decision_boundary(42, X, y)
    with pytest.raises(ValueError, match="empty"):
        cu.viz.plot_decision_boundaries({}, X, y)


def test_hidden_space_two_units_is_a_plane_with_class_regions(circles):
    X, y = circles
    fig = cu.viz.plot_hidden_space(_net(2), X, y, title="two units")
    ax0, ax1 = fig.axes
    assert ax0.get_title() == "input space" and _labelled(ax0)
    assert ax1.get_title() == "hidden layer 1 (2 units)" and ax1.get_xlabel() == "$h_1$"
    assert "grid lines" in [t.get_text() for t in ax1.get_legend().get_texts()]
    assert fig._suptitle.get_text() == "two units"
    # hidden activations are ReLU outputs: the axes start at (about) zero
    assert ax1.get_xlim()[0] <= 0 and ax1.get_xlim()[0] > -1


def test_hidden_space_three_units_is_3d_with_the_decision_plane(circles):
    X, y = circles
    fig = cu.viz.plot_hidden_space(_net(3), X, y)
    ax1 = fig.axes[1]
    assert ax1.name == "3d" and ax1.get_zlabel() == "$h_3$" and "3 units" in ax1.get_title()
    assert "decision plane" in [t.get_text() for t in ax1.get_legend().get_texts()]


def test_hidden_space_many_units_is_projected():
    X, y = cu.data.make_spiral(n_per_class=20)
    fig = cu.viz.plot_hidden_space(_net(10, C=3), X, y)
    ax1 = fig.axes[1]
    assert "projected" in ax1.get_title() and "principal" in ax1.get_xlabel()


@pytest.mark.parametrize(("scale", "title"), [(1.0, "Circles through a 2-unit hidden layer"), (100.0, None)])
def test_hidden_space_in_2d_has_tight_layouts_margins(circles, scale, title):
    X, y = circles
    fig = cu.viz.plot_hidden_space(_net(2), scale * X, y, title=title)
    assert_margins_of_tight_layout(fig, original=False)


def test_hidden_space_of_a_plain_function(circles):
    X, y = circles
    fig = cu.viz.plot_hidden_space(lambda P: np.maximum(P @ np.array([[1.0, -1.0], [0.5, 2.0]]), 0), X, y)
    assert fig.axes[1].get_title() == "hidden layer 1 (2 units)"


def test_viz_never_modifies_data(circles):
    X, y = circles
    X0, y0 = X.copy(), y.copy()
    cu.viz.plot_decision_boundary(_net(3), X, y, resolution=20)
    cu.viz.plot_hidden_space(_net(3), X, y)
    assert np.array_equal(X, X0) and np.array_equal(y, y0)
