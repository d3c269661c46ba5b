"""viz.optimizers: paths on contours, losses along paths, step lengths, loss curves."""

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
import pytest
from viz_layout import assert_margins_of_tight_layout

from course_utils import optim, surfaces
from course_utils.viz.optimizers import (
    plot_loss_curves,
    plot_path_losses,
    plot_step_lengths,
    plot_trajectories,
    surface_grid,
)


def _paths():
    return {
        name: surfaces.run_2d(optim.RULES[name], surfaces.bowl, (-7, 2), 30, lr=lr)
        for name, lr in (("sgd", 0.95), ("adagrad", 1.5), ("adam", 0.3))
    }


def test_grid_holds_the_surface_values():
    X, Y, Z = surface_grid(surfaces.bowl, (-10, 10), (-5, 5), num=11)
    assert X.shape == Y.shape == Z.shape == (11, 11)
    assert np.allclose(Z, X**2 / 20 + Y**2)


def test_one_axes_with_a_legend_or_one_panel_per_path():
    fig = plot_trajectories(surfaces.bowl, _paths(), title="bowl")
    ax = fig.axes[0]
    assert ax.get_title() == "bowl" and ax.get_xlabel() == "x"
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["sgd", "adagrad", "adam"]
    plt.close(fig)
    fig = plot_trajectories(surfaces.bowl, _paths(), ncols=2)
    titles = [a.get_title() for a in fig.axes if a.get_visible()]
    assert titles == ["sgd", "adagrad", "adam"]
    plt.close(fig)


def test_other_figures_are_labelled():
    for fig in (
        plot_path_losses(surfaces.bowl, _paths()),
        plot_step_lengths({"adagrad": np.array([1.0, 0.5, 0.3])}),
        plot_loss_curves({"sgd": np.linspace(2, 0.1, 50)}, smooth=5),
    ):
        ax = fig.axes[0]
        assert ax.get_title() and ax.get_xlabel() and ax.get_ylabel() and ax.get_legend()
        plt.close(fig)


def test_iterations_against_kappa_are_on_log_axes_with_theory_dashed():
    from course_utils.viz.optimizers import plot_iterations_vs_kappa

    kappas = np.logspace(0, 4, 5)
    fig = plot_iterations_vs_kappa(
        kappas,
        {"gd": kappas * 3, "momentum": np.sqrt(kappas) * 3},
        {"gd": kappas * 3.5, "momentum": np.sqrt(kappas) * 3.5},
    )
    ax = fig.axes[0]
    assert ax.get_xscale() == ax.get_yscale() == "log" and len(ax.lines) == 4
    assert [line.get_linestyle() for line in ax.lines] == ["-", "--", "-", "--"]
    assert "κ" in ax.get_xlabel() and len(ax.get_legend().get_texts()) == 4
    fig.canvas.draw()  # the legend lies right of the axes, over none of the lines
    assert ax.get_legend().get_window_extent().x0 > ax.get_window_extent().x1
    plt.close(fig)


def test_lr_sweep_bars_span_min_to_max_and_gaps_are_floored():
    from course_utils.viz.optimizers import plot_loss_gaps, plot_lr_sweep

    fig = plot_lr_sweep({"sgd": [0.1, 1.0]}, {"sgd": np.array([[1.0, 2.0, 3.0], [0.5, 0.5, 0.5]])})
    ax = fig.axes[0]
    assert ax.get_xscale() == "log" and np.allclose(ax.lines[0].get_ydata(), [2.0, 0.5])
    plt.close(fig)
    fig = plot_loss_gaps({"a": (np.arange(1, 4), np.array([1.0, 1e-3, 0.0]))}, target=1e-5)
    assert fig.axes[0].lines[0].get_ydata()[-1] == 1e-16 and len(fig.axes[0].lines) == 2
    plt.close(fig)


@pytest.mark.parametrize("name", ["bowl", "saddle", "rosenbrock"])  # log and linear loss axes
def test_path_losses_of_their_own_have_tight_layouts_margins(name):
    paths = {
        rule: surfaces.run_2d(optim.RULES[rule], surfaces.SURFACES[name], (-1.5, 1.5), 30, lr=1e-3)
        for rule in ("sgd", "adam")
    }
    assert_margins_of_tight_layout(plot_path_losses(surfaces.SURFACES[name], paths))
