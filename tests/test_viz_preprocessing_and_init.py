"""viz.preprocessing_and_init: every figure draws headless, with titles, axis labels and legends."""

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
import pytest
from viz_layout import assert_clear, assert_margins_of_tight_layout

import course_utils as cu


def test_plot_preprocessing():
    fig = cu.viz.plot_preprocessing(cu.data.preprocess_steps(cu.data.make_correlated_2d(100)))
    assert len(fig.axes) == 5 and all(ax.get_title() and ax.get_xlabel() for ax in fig.axes)
    assert fig.get_figwidth() <= 13  # readable at a laptop's width, not scaled down to a thumbnail
    plt.close(fig)


@pytest.mark.parametrize("seed", [0, 3])  # notebook 05's data, and data whose first panel's labels are narrower
def test_plot_preprocessing_has_tight_layouts_margins(seed):
    fig = cu.viz.plot_preprocessing(cu.data.preprocess_steps(cu.data.make_correlated_2d(500, seed=seed)))
    # 0.1 inches: tight_layout measures the labels of equal axes before they take the panel's shape
    assert_margins_of_tight_layout(fig, slack=0.1)


@pytest.mark.parametrize(("scale", "num_steps"), [(100.0, 5), (1e-3, 5), (1.0, 3), (1.0, 1)])
def test_plot_preprocessing_leaves_room_for_any_tick_labels(scale, num_steps):
    steps = cu.data.preprocess_steps(cu.data.make_correlated_2d(500, seed=0))
    fig = cu.viz.plot_preprocessing({k: scale * v for k, v in list(steps.items())[:num_steps]})
    assert_clear(fig)


def test_plot_layer_histograms():
    X = np.random.default_rng(0).standard_normal((50, 30))
    runs = {
        init: cu.init.forward_pass(X, [30] * 4, init=init, rng=np.random.default_rng(1)).activations
        for init in ["small", "xavier"]
    }
    fig = cu.viz.plot_layer_histograms(runs)
    assert len(fig.axes) == 2 and [ax.get_title() for ax in fig.axes] == ["small", "xavier"]
    assert [len(ax.patches) for ax in fig.axes] == [4, 4] and fig._suptitle is not None
    assert [t.get_text() for t in fig.axes[1].texts] == [f"σ={h.std():.2g}" for h in runs["xavier"]]
    assert [t.get_text() for t in fig.axes[0].get_yticklabels()] == [f"layer {i}" for i in (4, 3, 2, 1)]
    texts = [t for ax in fig.axes for t in [*ax.texts, ax.title, *ax.get_yticklabels(), *ax.get_xticklabels()]]
    assert min(t.get_fontsize() for t in texts if t.get_text()) >= 10  # readable when a notebook scales it down
    renderer = fig.canvas.get_renderer()
    sigmas = [t.get_window_extent(renderer) for t in fig.axes[0].texts]
    assert not any(box.overlaps(fig.axes[1].get_window_extent(renderer)) for box in sigmas)
    with pytest.raises(ValueError, match="same number"):
        cu.viz.plot_layer_histograms({"a": runs["small"], "b": runs["xavier"][:2]})
    plt.close(fig)


def test_plot_gradient_stats():
    X = np.random.default_rng(0).standard_normal((50, 30))
    runs = {"he": cu.init.gradient_stats(X, [30] * 3, init="he", activation="relu", rng=np.random.default_rng(2))}
    fig = cu.viz.plot_gradient_stats(runs)
    assert fig.legends and all(ax.get_xlabel() == "layer" and ax.get_title() for ax in fig.axes)
    assert len(fig.axes[0].lines[0].get_xdata()) == 3 and not fig.axes[0].collections  # one seed: no band
    plt.close(fig)


def test_plot_gradient_stats_over_seeds_draws_the_median_and_a_band():
    exp = cu.init.deep_experiment([30] * 3, init="he", activation="relu", num_examples=40, seeds=(0, 1, 2))
    fig = cu.viz.plot_gradient_stats({"he": exp.backward})
    np.testing.assert_allclose(fig.axes[1].lines[0].get_ydata(), np.median(exp.backward[:, :, 1], axis=0))
    assert len(fig.axes[0].collections) == 1 and "min to max" in fig._suptitle.get_text()
    _legend_clear_of_panels(fig)
    plt.close(fig)


def test_plot_runs_by_init_one_color_per_init_one_line_per_seed():
    X = np.random.default_rng(0).standard_normal((60, 5))
    y = np.arange(60) % 3
    histories = {
        init: [
            cu.train.train(
                cu.models.FullyConnectedNet([4], 5, 3, seed=s),
                X,
                y,
                X,
                y,
                rule=cu.optim.sgd,
                hyper=dict(lr=0.1),
                num_epochs=2,
                batch_size=20,
                rng=np.random.default_rng(s),
                verbose=False,
            )
            for s in (0, 1)
        ]
        for init in ["xavier", "he"]
    }
    fig = cu.viz.plot_runs_by_init(histories)
    assert len(fig.axes[0].lines) == len(fig.axes[1].lines) == 4
    assert [t.get_text() for t in fig.legends[0].texts] == ["xavier", "he"]
    _legend_clear_of_panels(fig)
    plt.close(fig)


def _legend_clear_of_panels(fig):
    renderer = fig.canvas.get_renderer()
    legend = fig.legends[0].get_window_extent(renderer)
    assert not any(legend.overlaps(ax.get_window_extent(renderer)) for ax in fig.axes)


def test_empty_inputs_raise():
    for f in (
        cu.viz.plot_preprocessing,
        cu.viz.plot_layer_histograms,
        cu.viz.plot_gradient_stats,
        cu.viz.plot_runs_by_init,
    ):
        with pytest.raises(ValueError):
            f({})
