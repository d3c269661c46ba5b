"""viz.layers_and_two_layer_net: every figure has titles, labels and a legend, and the legend never covers a panel."""

import matplotlib

matplotlib.use("Agg")
import numpy as np
import pytest
from matplotlib.figure import Figure
from viz_layout import assert_clear, axes_boxes

import course_utils as cu
from course_utils.models import FullyConnectedNet


@pytest.fixture(scope="module")
def circles():
    return cu.data.make_circles(n=80, seed=0)


def _net(H, C=2, seed=0):
    return FullyConnectedNet([H], 2, C, weight_scale=1.0, seed=seed)


def _legend_clear_of_panels(fig):
    """The figure's legend exists and overlaps no visible panel."""
    fig.canvas.draw()
    assert fig.legends, "no figure legend"
    renderer = fig.canvas.get_renderer()
    box = fig.legends[0].get_window_extent(renderer)
    for ax in fig.axes:
        if ax.get_visible():
            assert not box.overlaps(ax.get_window_extent(renderer)), f"the legend covers the panel {ax.get_title()!r}"
    return [t.get_text() for t in fig.legends[0].get_texts()]


def test_region_grid_has_one_panel_per_model_and_the_legend_outside(circles):
    X, y = circles
    models = {f"net {h}": _net(h) for h in (2, 3, 5, 8, 13)}
    fig = cu.viz.plot_region_grid(models, X, y, ncols=3, suptitle="grid", resolution=30)
    assert isinstance(fig, Figure)
    visible = [ax for ax in fig.axes if ax.get_visible()]
    assert [ax.get_title() for ax in visible] == list(models)
    assert len(fig.axes) == 6 and not fig.axes[-1].get_visible()
    assert all(ax.get_xlabel() and ax.get_ylabel() and ax.get_legend() is None for ax in visible)
    assert _legend_clear_of_panels(fig) == ["class 0", "class 1"]
    assert fig._suptitle.get_text() == "grid"


def test_region_grid_in_one_row_by_default(circles):
    X, y = circles
    fig = cu.viz.plot_region_grid({"a": _net(2), "b": cu.models.LinearClassifier(2, 2)}, X, y, resolution=20)
    assert len({round(ax.get_position().y0, 3) for ax in fig.axes}) == 1
    with pytest.raises(ValueError, match="empty"):
        cu.viz.plot_region_grid({}, X, y)


def test_threshold_regions_shade_the_output_and_draw_the_units(circles):
    X, y = circles
    unit = (np.array([[1.0], [0.0]]), np.array([0.0]))
    square = [cu.regions.polygon_units(np.array([[-1, -1], [1, -1], [1, 1], [-1, 1]], float)), cu.regions.and_unit(4)]
    fig = cu.viz.plot_threshold_regions(
        {
            "half": dict(region=lambda P: cu.regions.threshold_net(P, [unit])[:, 0], units=unit),
            "square": dict(region=lambda P: cu.regions.threshold_net(P, square)[:, 0], units=square[0], data=False),
            "pieces": dict(
                region=lambda P: cu.regions.threshold_net(P, square)[:, 0],
                pieces=lambda P: cu.regions.threshold_net(P, square[:1]),
            ),
        },
        X=X,
        y=y,
        resolution=60,
        suptitle="threshold",
    )
    axes = fig.axes
    assert [ax.get_title() for ax in axes] == ["half", "square", "pieces"]
    assert all(ax.get_xlabel() == "$x_1$" and ax.get_ylabel() == "$x_2$" for ax in axes)
    dashed = [[line for line in ax.get_lines() if line.get_linestyle() == "--"] for ax in axes]
    assert [len(d) for d in dashed] == [1, 4, 0]
    assert len(axes[0].collections) > len(axes[1].collections)  # data drawn on the first, not the second
    labels = _legend_clear_of_panels(fig)
    assert labels[:2] == ["output 1", "its border"] and "class 1" in labels
    assert any("unit" in t for t in labels) and any("polygons" in t for t in labels)
    with pytest.raises(ValueError, match="empty"):
        cu.viz.plot_threshold_regions({})


def test_relu_cells_draw_each_units_line_and_the_boundary_pieces(circles):
    X, y = circles
    models = {"two": _net(2), "three": _net(3, seed=1)}
    fig = cu.viz.plot_relu_cells(models, X, y, resolution=40, suptitle="cells")
    box = cu.regions.data_box(X)
    for ax, (title, model) in zip(fig.axes, models.items()):
        assert ax.get_title() == title and ax.get_xlabel()
        assert len([line for line in ax.get_lines() if line.get_linestyle() == "--"]) == model.params["W1"].shape[1]
        pieces = cu.regions.boundary_segments(model, box)
        thick = [line for line in ax.get_lines() if line.get_linestyle() == "-" and line.get_linewidth() > 2]
        assert len(thick) == len(pieces)
        assert ax.get_xlim() == pytest.approx(box[:2])
    labels = _legend_clear_of_panels(fig)
    assert labels[:2] == ["class 0", "class 1"] and sum("unit" in t for t in labels) == 3
    with pytest.raises(ValueError, match="empty"):
        cu.viz.plot_relu_cells({}, X, y)


def test_seed_accuracies_one_dot_per_seed_and_the_mean(circles):
    accs = {"a": [0.9, 0.9, 0.92], "b": [0.95, 0.96, 0.97]}
    fig = cu.viz.plot_seed_accuracies(accs, num_examples=100, title="seeds")
    ax = fig.axes[0]
    assert ax.get_title() == "seeds" and "one example apart (1.00 points)" in ax.get_xlabel()
    assert [t.get_text() for t in ax.get_yticklabels()] == ["a", "b"]
    dots = [c for c in ax.collections if c.get_offsets().shape[0] == 3]
    assert len(dots) == 2
    xs = np.sort(np.asarray(dots[0].get_offsets())[:, 0])
    assert xs.tolist() == pytest.approx([90, 90, 92])
    assert len(set(dots[0].get_offsets()[:, 1])) == 3  # equal values spread apart
    texts = [t.get_text() for t in ax.texts]
    assert "90.7 ± 0.9" in texts and "96.0 ± 0.8" in texts
    assert _legend_clear_of_panels(fig) == ["one seed", "mean ± std"]
    with pytest.raises(ValueError, match="empty"):
        cu.viz.plot_seed_accuracies({})


def test_hidden_space_3d_is_large_with_the_legend_outside(circles):
    X, y = circles
    fig = cu.viz.plot_hidden_space_3d(_net(3), X, y, title="3-D")
    assert fig.get_size_inches()[0] >= 12
    ax0, ax1 = fig.axes
    assert ax1.name == "3d" and ax1.get_zlabel() == "$h_3$" and ax0.get_title() == "input space"
    assert ax1.get_position().width > ax0.get_position().width
    labels = _legend_clear_of_panels(fig)
    assert labels == ["class 0", "class 1", "grid lines", "decision plane\n(scores equal)"]
    with pytest.raises(ValueError, match="3 units"):
        cu.viz.plot_hidden_space_3d(_net(2), X, y)


@pytest.mark.parametrize(
    "names",
    [["linear SVM", "linear softmax", "two-layer net"], ["a", "b"], [f"model {k} with a long name" for k in range(5)]],
)
def test_seed_accuracies_leave_room_for_the_names_the_x_label_and_the_legend(names):
    rng = np.random.default_rng(0)
    fig = cu.viz.plot_seed_accuracies({n: 0.95 + 0.03 * rng.random(5) for n in names}, num_examples=270, title="seeds")
    assert_clear(fig)
    renderer = fig.canvas.get_renderer()
    legend, ink = fig.legends[0].get_window_extent(renderer), fig.axes[0].get_tightbbox(renderer)
    assert legend.y1 < ink.y0  # under the x label
    # where constrained layout put the axes: the names 0.04 inches from the edge, 0.78 inches below, 0.255 above
    x0, y0, _, height = axes_boxes(fig)[0]
    assert ink.x0 / fig.dpi == pytest.approx(0.04, abs=0.02)
    assert (y0, fig.get_figheight() - y0 - height) == pytest.approx((0.78, 0.255))
