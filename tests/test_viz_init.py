"""viz.init: every figure draws headless, with titles, axis labels and legends."""
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
import pytest

import course_utils as cu


def test_plot_preprocessing():
    fig = cu.viz.plot_preprocessing(cu.data.preprocess_steps(cu.data.make_correlated_2d(100)))
    assert len(fig.axes) == 5 and all(ax.get_title() and ax.get_xlabel() for ax in fig.axes)
    assert fig.axes[0].get_legend() is not None
    plt.close(fig)


def test_plot_layer_histograms():
    X = np.random.default_rng(0).standard_normal((50, 30))
    runs = {init: cu.init.forward_pass(X, [30] * 4, init=init, rng=np.random.default_rng(1)).activations
            for init in ["small", "xavier"]}
    fig = cu.viz.plot_layer_histograms(runs)
    assert len(fig.axes) == 8 and "σ=" in fig.axes[0].get_title() and fig.axes[0].get_ylabel() == "small"
    assert fig.legends and fig._suptitle is not None
    plt.close(fig)


def test_plot_gradient_stats():
    X = np.random.default_rng(0).standard_normal((50, 30))
    runs = {"he": cu.init.gradient_stats(X, [30] * 3, init="he", activation="relu", rng=np.random.default_rng(2))}
    fig = cu.viz.plot_gradient_stats(runs)
    assert all(ax.get_legend() is not None and ax.get_xlabel() == "layer" for ax in fig.axes)
    assert len(fig.axes[0].lines[0].get_xdata()) == 3
    plt.close(fig)


def test_empty_inputs_raise():
    for f in (cu.viz.plot_preprocessing, cu.viz.plot_layer_histograms, cu.viz.plot_gradient_stats):
        with pytest.raises(ValueError):
            f({})
