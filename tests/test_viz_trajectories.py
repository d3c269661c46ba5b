"""viz.trajectories: paths on contours, losses along paths, step lengths, loss curves."""
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np

from course_utils import optim, surfaces
from course_utils.viz.trajectories import (
    plot_loss_curves,
    plot_path_losses,
    plot_step_lengths,
    plot_trajectories,
    surface_grid,
)


def _paths():
    return {name: surfaces.run_2d(optim.RULES[name], surfaces.bowl, (-7, 2), 30, lr=lr)
            for name, lr in (("sgd", 0.95), ("adagrad", 1.5), ("adam", 0.3))}


def test_grid_holds_the_surface_values():
    X, Y, Z = surface_grid(surfaces.bowl, (-10, 10), (-5, 5), num=11)
    assert X.shape == Y.shape == Z.shape == (11, 11)
    assert np.allclose(Z, X ** 2 / 20 + Y ** 2)


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
    for fig in (plot_path_losses(surfaces.bowl, _paths()),
                plot_step_lengths({"adagrad": np.array([1.0, 0.5, 0.3])}),
                plot_loss_curves({"sgd": np.linspace(2, 0.1, 50)}, smooth=5)):
        ax = fig.axes[0]
        assert ax.get_title() and ax.get_xlabel() and ax.get_ylabel() and ax.get_legend()
        plt.close(fig)
