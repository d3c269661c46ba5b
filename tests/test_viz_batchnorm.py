"""viz.batchnorm: each figure draws what it is given, with titles, labels and legends."""

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
import pytest
from viz_layout import assert_margins_of_tight_layout

from course_utils.viz.batchnorm import plot_batch_noise, plot_batch_statistics, plot_sweep


def test_sweep_draws_one_line_per_setting_on_log_axis():
    ax = plot_sweep(
        [1e-4, 1e-2, 1.0],
        {"batchnorm": [0.9, 0.95, 0.93], "plain": [0.1, 0.1, 0.12]},
        xlabel="weight scale",
        title="t",
        chance=0.1,
    )
    assert ax.get_xscale() == "log" and ax.get_title() == "t" and ax.get_xlabel() == "weight scale"
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert labels == ["batchnorm", "plain", "chance"]
    np.testing.assert_allclose(ax.lines[1].get_ydata(), [0.1, 0.1, 0.12])
    plt.close("all")


def test_batch_noise_has_a_one_over_sqrt_n_guide():
    ax = plot_batch_noise([4, 16, 64], {"batch mean": [0.4, 0.2, 0.1], "batch std": [0.3, 0.15, 0.08]})
    guide = ax.lines[-1].get_ydata()
    np.testing.assert_allclose(guide, [0.4, 0.2, 0.1])
    assert ax.get_xscale() == ax.get_yscale() == "log"
    plt.close("all")


def test_batch_statistics_histograms_with_fixed_limits():
    rng = np.random.default_rng(0)
    fig = plot_batch_statistics(
        rng.normal(1, 0.1, 200), rng.normal(2, 0.1, 200), 1.0, 2.0, batch_size=8, limits=((0, 2), (1, 3))
    )
    left, right = fig.axes
    assert left.get_xlim() == (0, 2) and right.get_xlim() == (1, 3)
    assert "N=8" in left.get_title() and left.get_legend() is not None
    plt.close("all")


@pytest.mark.parametrize(("num_batches", "scale"), [(400, 1.0), (40, 1.0), (400, 1000.0)])  # counts of 2 and 3 digits
def test_batch_statistics_have_tight_layouts_margins(num_batches, scale):
    rng = np.random.default_rng(0)
    means, stds = scale * rng.normal(1, 0.3, num_batches), scale * rng.gamma(9, 0.15, num_batches)
    assert_margins_of_tight_layout(plot_batch_statistics(means, stds, scale, 1.3 * scale, batch_size=16))


def test_sweep_over_seeds_draws_the_median_and_a_min_to_max_bar_with_the_legend_beside_the_axes():
    results = {"batchnorm": [[0.9, 0.95, 0.93], [0.5, 0.7, 0.6]], "plain": [[0.1, 0.1, 0.1], [0.2, 0.4, 0.3]]}
    ax = plot_sweep([1e-2, 1.0], results, xlabel="weight scale", title="t")
    np.testing.assert_allclose(ax.lines[0].get_ydata(), [0.93, 0.6])
    bars = ax.collections[0].get_segments()
    np.testing.assert_allclose([seg[:, 1] for seg in bars], [[0.9, 0.95], [0.5, 0.7]])
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert "batchnorm: min to max of 3 seeds" in labels
    ax.figure.canvas.draw()
    legend = ax.get_legend().get_window_extent()
    assert legend.x0 >= ax.get_window_extent().x1  # right of the axes: it covers no point
    plt.close("all")
