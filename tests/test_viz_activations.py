"""Tests for viz.activations: every figure has a title, axis labels and a legend clear of the data, draws the data
given, shows the spread over seeds, and fits JupyterLab at 1366x768 with text no smaller than the body's."""

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
import pytest
from viz_layout import assert_clear, assert_margins_of_tight_layout, axes_boxes

import course_utils as cu


def _labelled(ax, legend=True):
    assert ax.get_title() and ax.get_xlabel() and ax.get_ylabel()
    assert (ax.get_legend() is not None) == legend


def _readable(fig):
    """At most 9.6 inches wide (shown unscaled in the Lab at 1366x768), no text under 10 pt, legends outside."""
    assert fig.get_size_inches()[0] <= 9.6
    fig.canvas.draw()
    texts = [
        t
        for ax in fig.axes
        for t in [ax.title, ax.xaxis.label, ax.yaxis.label, *ax.get_xticklabels(), *ax.get_yticklabels()]
        if t.get_text()
    ]
    legends = [ax.get_legend() for ax in fig.axes if ax.get_legend()] + fig.legends
    texts += [t for legend in legends for t in legend.get_texts()]
    assert texts and min(t.get_fontsize() for t in texts) >= 10
    renderer = fig.canvas.get_renderer()
    for legend in legends:
        box = legend.get_window_extent(renderer)
        for ax in fig.axes:
            assert not box.overlaps(ax.get_window_extent(renderer)), "a legend covers the data"


def test_plot_activations_draws_f_and_its_gradient():
    x = np.linspace(-10, 10, 201)
    curves = {name: cu.widgets.activation_curve(name, x) for name in ("sigmoid", "tanh", "relu", "elu")}
    fig = cu.viz.plot_activations(x, curves, saturation=0.01)
    visible = [ax for ax in fig.axes if ax.get_visible()]
    assert [ax.get_title() for ax in visible] == list(curves)
    for ax, (out, grad) in zip(visible, curves.values()):
        _labelled(ax, legend=False)
        np.testing.assert_allclose(ax.lines[0].get_ydata(), out)
        np.testing.assert_allclose(ax.lines[1].get_ydata(), grad)
    assert max(curves["sigmoid"][1]) == pytest.approx(0.25)
    labels = [t.get_text() for t in fig.legends[0].get_texts()]  # one legend, above the panels
    assert labels == ["f(x)", "f'(x)", "|f'| < 0.01"]
    _readable(fig)


@pytest.mark.parametrize(
    ("names", "scale", "x_max", "figsize"),
    [
        (("sigmoid", "tanh", "relu", "leaky_relu", "elu", "relu"), 1.0, 6.0, None),  # notebook 04's six
        (("sigmoid", "tanh"), 1.0, 6.0, None),
        (("sigmoid", "tanh", "relu", "elu"), -1000.0, 6.0, None),  # wide tick labels, in the second column too
        (("tanh",), 1.0, 40.0, (6.5, 3.8)),  # the explorer's
        (("relu",), 1.0, 40.0, (6.5, 3.8)),
    ],
)
def test_plot_activations_has_tight_layouts_margins_for_any_tick_labels(names, scale, x_max, figsize):
    x = np.linspace(-x_max, x_max, 401)
    curves = {}
    for name in names:
        out, grad = cu.widgets.activation_curve(name, x)
        title = f"{name} {len(curves)}" + (": |f'| < 1e-02 on 60% of the range" if figsize else "")  # the explorer's
        curves[title] = (scale * out, grad)
    fig = cu.viz.plot_activations(x, curves, saturation=0.01, figsize=figsize)
    assert_margins_of_tight_layout(fig, rect=(0, 0, 1, 1 - 0.35 / fig.get_size_inches()[1]))


def test_activation_curve_is_the_layers_backward_pass():
    x = np.array([-10.0, 0.0, 10.0])
    out, grad = cu.widgets.activation_curve("sigmoid", x)
    np.testing.assert_allclose(out, 1 / (1 + np.exp(-x)))
    np.testing.assert_allclose(grad, out * (1 - out))
    out, grad = cu.widgets.activation_curve("leaky_relu", x)
    np.testing.assert_allclose(grad, [0.01, 0.01, 1.0])


def test_plot_gradient_norms_bars_per_layer():
    norms = {"2 hidden layers": np.array([0.01, 0.05]), "3 hidden layers": np.array([0.003, 0.014, 0.055])}
    fig = cu.viz.plot_gradient_norms(norms)
    ax = fig.axes[0]
    _labelled(ax)
    assert ax.get_yscale() == "log"
    heights = [p.get_height() for p in ax.patches]
    np.testing.assert_allclose(heights, [0.01, 0.05, 0.003, 0.014, 0.055])
    _readable(fig)


def test_plot_gradient_norms_over_seeds_draws_the_mean_and_min_max():
    per_seed = np.array([[0.01, 0.04], [0.02, 0.06], [0.03, 0.05]])
    fig = cu.viz.plot_gradient_norms({"2 hidden layers": per_seed})
    ax = fig.axes[0]
    np.testing.assert_allclose([p.get_height() for p in ax.patches], [0.02, 0.05])
    (segments,) = [c.get_segments() for c in ax.collections if len(c.get_segments()) == 2]
    np.testing.assert_allclose([(s[0][1], s[1][1]) for s in segments], [(0.01, 0.03), (0.04, 0.06)])
    assert "3 seeds" in ax.get_ylabel()


def test_plot_per_epoch_and_paths():
    fig = cu.viz.plot_per_epoch(
        {"layer 1": np.array([1e-3, 2e-3, 3e-3]), "layer 2": np.array([4e-3, 5e-3, 6e-3])},
        ylabel="norm",
        title="During training",
        logy=True,
    )
    ax = fig.axes[0]
    _labelled(ax)
    np.testing.assert_allclose(ax.lines[1].get_xdata(), [0, 1, 2])
    _readable(fig)
    path = np.array([[-1.0, 1.0], [-0.5, 1.5], [0.5, -0.5]])
    fig = cu.viz.plot_paths_2d({"positive inputs": path}, np.array([1.0, -1.0]))
    _labelled(fig.axes[0])
    np.testing.assert_allclose(fig.axes[0].lines[0].get_xydata(), path)
    _readable(fig)


@pytest.mark.parametrize(
    ("paths", "target"),
    [
        (
            {
                "x > 0 (like sigmoid outputs)": [[-1, 1], [-1.2, 0.5], [0.3, -0.5], [0.9, -0.9]],
                "x - 0.5": [[-1, 1], [0.8, -1]],
            },
            (1, -1),
        ),
        ({"wide": [[-10, 1], [0, 0.5], [10, -1]]}, (10, -1)),  # axes as wide as the panel, less tall
        ({"tall, with a long label": [[-1, -100], [1, 100]]}, (1, 100)),
    ],
)
def test_plot_paths_2d_leaves_room_for_the_labels_and_the_legend(paths, target):
    fig = cu.viz.plot_paths_2d({k: np.array(v, dtype=float) for k, v in paths.items()}, np.array(target, dtype=float))
    assert_clear(fig)
    renderer = fig.canvas.get_renderer()
    legend, ax = fig.axes[0].get_legend().get_window_extent(renderer), fig.axes[0].get_window_extent(renderer)
    assert ax.x1 < legend.x0  # beside the axes drawn
    # the equal axes about as large as tight_layout makes them: what a cell shows is cropped to them and the legend
    drawn = axes_boxes(fig, original=False)[0, 2:]
    fig.tight_layout()
    assert drawn == pytest.approx(axes_boxes(fig, original=False)[0, 2:], rel=0.05)


def test_plot_per_epoch_over_seeds_draws_every_seed_and_the_median():
    runs = np.array([[0.0, 0.5, 0.9], [0.0, 0.4, 0.7], [0.0, 0.6, 0.8]])
    fig, (left, right) = plt.subplots(1, 2, figsize=(9.6, 3.6))
    cu.viz.plot_per_epoch({"leaky": runs}, ylabel="accuracy", title="Accuracy", ax=left, legend=False)
    cu.viz.plot_per_epoch({"leaky": runs}, ylabel="accuracy", title="Accuracy", ax=right)
    _labelled(left, legend=False)
    _labelled(right)
    assert len(right.lines) == 4  # three seeds and their median
    np.testing.assert_allclose(right.lines[-1].get_ydata(), [0.0, 0.5, 0.8])
    assert [t.get_text() for t in right.get_legend().get_texts()] == ["leaky"]
    _readable(fig)


@pytest.mark.parametrize(
    ("series", "logy", "legend"),
    [
        ({"layer 1": [1e-3, 2e-3, 3e-3], "layer 2": [4e-3, 5e-3, 6e-3]}, True, True),
        ({"seed 0": np.random.default_rng(0).random((3, 11))}, False, True),  # over seeds: a legend with a title
        ({"a": 1000.0 * np.arange(5)}, False, False),
    ],
)
def test_plot_per_epoch_of_its_own_has_tight_layouts_margins(series, logy, legend):
    fig = cu.viz.plot_per_epoch(
        {k: np.asarray(v) for k, v in series.items()}, ylabel="norm", title="During training", logy=logy, legend=legend
    )
    assert_margins_of_tight_layout(fig, slack=0.06)  # margins_beside_legend leaves 0.05 inches more right of the legend
