"""viz.babysitting_and_search: the figures draw from made-up runs and numbers, with the lines and points the notebook describes."""

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
import pytest
from viz_layout import assert_clear, assert_margins_of_tight_layout

from course_utils.train import History
from course_utils.viz.babysitting_and_search import (
    plot_ensembles,
    plot_grid_vs_random,
    plot_search_trials,
    plot_update_ratios,
)


def _run(ratio):
    return History(
        loss=np.ones(4),
        train_acc=np.zeros(2),
        val_acc=np.zeros(2),
        iterations_per_epoch=2,
        update_ratio={"W1": np.full(4, ratio), "W2": np.full(4, 2 * ratio)},
    )


def test_update_ratios_one_line_per_run_and_layer_and_the_target():
    fig = plot_update_ratios({"low": _run(1e-5), "good": _run(1e-3)})
    ax = fig.axes[0]
    assert len(ax.lines) == 5 and ax.get_yscale() == "log" and ax.get_legend() is not None
    assert ax.lines[0].get_color() == ax.lines[1].get_color() != ax.lines[2].get_color()
    plt.close(fig)


def test_grid_vs_random_counts_distinct_values_in_the_titles():
    grid = np.array([(a, b) for a in (0.2, 0.5, 0.8) for b in (0.2, 0.5, 0.8)])
    rand = np.random.default_rng(0).uniform(size=(9, 2))
    fig = plot_grid_vs_random(grid, rand, lambda a: np.exp(-(((a - 0.6) / 0.1) ** 2)))
    assert [ax.get_title() for ax in fig.axes] == ["Grid search: 3 values of a", "Random search: 9 values of a"]
    plt.close(fig)


def test_search_trials_are_points_on_log_axes_coloured_by_accuracy():
    coarse = np.array([[1e-3, 1e-4, 0.5], [1e-1, 1e-2, 0.9]])
    fig = plot_search_trials({"coarse": coarse, "fine": coarse[:1]})
    ax = fig.axes[0]
    assert ax.get_xscale() == ax.get_yscale() == "log"
    assert [len(c.get_offsets()) for c in ax.collections] == [2, 1]
    assert np.allclose(ax.collections[0].get_array(), [0.5, 0.9]) and len(fig.axes) == 2  # with the colour bar
    plt.close(fig)


def test_search_trials_draw_the_fine_ranges_and_keep_the_legend_off_the_axes():
    coarse = np.array([[1e-3, 1e-4, 0.5], [1e-1, 1e-2, 0.9]])
    fig = plot_search_trials({"coarse": coarse}, box=((1e-2, 0.5), (1e-4, 1e-2)))
    ax = fig.axes[0]
    (rect,) = [line for line in ax.lines if line.get_label() == "fine ranges"]
    assert min(rect.get_xdata()) == 1e-2 and max(rect.get_ydata()) == 1e-2
    fig.canvas.draw()
    assert ax.get_legend().get_window_extent().y1 < ax.get_window_extent().y0  # below the axes


def test_ensembles_one_row_per_method_with_its_spread():
    acc = {"one net": [0.97, 0.99], "ensemble of 8": [0.985, 0.985]}
    loss = {"one net": [0.09, 0.08], "ensemble of 8": [0.07, 0.075]}
    fig = plot_ensembles(acc, loss)
    ax_acc, ax_loss = fig.axes
    assert [t.get_text() for t in ax_acc.get_yticklabels()] == ["one net", "ensemble of 8"]
    (bars,) = ax_acc.collections
    assert np.allclose(sorted(seg[:, 0].tolist() for seg in bars.get_segments()), [[0.97, 0.99], [0.985, 0.985]])
    assert np.allclose(ax_loss.lines[0].get_xdata(), [0.085, 0.0725])
    assert "log-loss" in ax_loss.get_xlabel() and "accuracy" in ax_acc.get_xlabel()


@pytest.mark.parametrize("reg", [(1e-5, 1.0), (0.02, 0.3)])  # reg over decades; within one, minor ticks labelled
def test_search_trials_have_tight_layouts_margins(reg):
    trials = np.column_stack([np.geomspace(1e-4, 1.0, 12), np.geomspace(*reg, 12), np.linspace(0.1, 0.98, 12)])
    fig = plot_search_trials({"coarse": trials, "fine": trials[6:]}, box=((1e-2, 0.5), reg), title="Search 0: trials")
    assert_margins_of_tight_layout(fig)


@pytest.mark.parametrize(
    "names",
    [
        ["one net", "best of 8 (picked on val)", "ensemble of 2", "ensemble of 4", "5 snapshots of one run"],
        ["a", "b"],
        ["one net", "best of 8 (picked on val)", "ensemble of 2"],
    ],
)
def test_ensembles_have_tight_layouts_margins(names):
    rng = np.random.default_rng(0)
    acc = {n: 0.97 + 0.02 * rng.random(3) for n in names}
    loss = {n: 0.08 + 0.02 * rng.random(3) for n in names}
    fig = plot_ensembles(acc, loss, title="Ensembles on the validation set")
    assert_clear(fig)
    # 0.1 inches: the x tick labels past the panels' edges, which tight_layout measures before it moves them
    assert_margins_of_tight_layout(fig, slack=0.1)


def _outside(fig, legend, ax) -> bool:
    fig.canvas.draw()
    box, frame = legend.get_window_extent(), ax.get_window_extent()
    return box.x0 >= frame.x1 or box.y1 <= frame.y0 or box.x1 <= frame.x0 or box.y0 >= frame.y1


def test_the_legends_stay_off_the_data():
    fig = plot_update_ratios({"low": _run(1e-5), "good": _run(1e-3)})
    assert _outside(fig, fig.axes[0].get_legend(), fig.axes[0])
    grid = np.array([(a, b) for a in (0.2, 0.5, 0.8) for b in (0.2, 0.5, 0.8)])
    fig = plot_grid_vs_random(grid, grid[::-1], lambda a: a)
    (legend,) = fig.legends
    assert all(_outside(fig, legend, ax) for ax in fig.axes)
    assert [t.get_text() for t in legend.get_texts()] == ["trials", "score against a (scaled)"]
