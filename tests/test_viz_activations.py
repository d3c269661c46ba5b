"""Tests for viz.activations: every figure has a title, axis labels and a legend, and draws the data given."""
import matplotlib

matplotlib.use("Agg")
import numpy as np
import pytest

import course_utils as cu


def _labelled(ax):
    assert ax.get_title() and ax.get_xlabel() and ax.get_ylabel()
    assert ax.get_legend() is not None


def test_plot_activations_draws_f_and_its_gradient():
    x = np.linspace(-10, 10, 201)
    curves = {name: cu.widgets.activation_curve(name, x) for name in ("sigmoid", "tanh", "relu", "elu")}
    fig = cu.viz.plot_activations(x, curves, saturation=0.01)
    visible = [ax for ax in fig.axes if ax.get_visible()]
    assert [ax.get_title() for ax in visible] == list(curves)
    for ax, (out, grad) in zip(visible, curves.values()):
        _labelled(ax)
        np.testing.assert_allclose(ax.lines[0].get_ydata(), out)
        np.testing.assert_allclose(ax.lines[1].get_ydata(), grad)
    assert max(curves["sigmoid"][1]) == pytest.approx(0.25)
    labels = [t.get_text() for t in visible[0].get_legend().get_texts()]
    assert labels == ["f(x)", "f'(x)", "|f'| < 0.01"]


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


def test_plot_per_epoch_and_paths():
    fig = cu.viz.plot_per_epoch({"layer 1": np.array([1e-3, 2e-3, 3e-3]), "layer 2": np.array([4e-3, 5e-3, 6e-3])},
                                ylabel="norm", title="During training", logy=True)
    ax = fig.axes[0]
    _labelled(ax)
    np.testing.assert_allclose(ax.lines[1].get_xdata(), [0, 1, 2])
    path = np.array([[-1.0, 1.0], [-0.5, 1.5], [0.5, -0.5]])
    fig = cu.viz.plot_paths_2d({"positive inputs": path}, np.array([1.0, -1.0]))
    _labelled(fig.axes[0])
    np.testing.assert_allclose(fig.axes[0].lines[0].get_xydata(), path)
