"""viz.dropout: the figures draw from made-up runs and numbers, with the panels the notebook describes."""

import dataclasses

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
import pytest
from viz_layout import assert_margins_of_tight_layout

from course_utils.dropout import DropoutRuns
from course_utils.viz.dropout import plot_dropout_runs, plot_mask_average


def _runs():
    T, P, S = 6, 3, 3
    curve = np.linspace(1.0, 0.5, T)[:, None, None] + np.linspace(0, 0.3, P)[:, None] + np.linspace(0, 0.1, S)
    return DropoutRuns(
        p_drops=np.array([0.0, 0.5, 0.75]),
        seeds=np.arange(S),
        steps=np.arange(T),
        train_loss=curve / 10,
        train_loss_masked=curve[-1] / 5,
        val_loss=curve,
        val_acc=1 - curve / 4,
        params={},
        hidden_dims=[8],
    )


def test_runs_figure_has_a_band_per_rate_and_bars_over_seeds():
    runs = _runs()
    fig = plot_dropout_runs(runs, highlight=0.5)
    ax, ax_loss, ax_acc = fig.axes
    assert len(ax.lines) == 3 and len(ax.collections) == 3
    assert np.allclose(ax.lines[1].get_ydata(), runs.val_loss[:, 1].mean(axis=-1))
    assert [line.get_alpha() for line in ax.lines] == [0.2, 1.0, 0.2]
    assert [t.get_text() for t in ax_acc.get_xticklabels()] == ["0", "0.5", "0.75"]
    assert len(ax_loss.get_legend().get_texts()) == 3
    plt.close(fig)


@pytest.mark.parametrize("scale", [1.0, 100.0])  # the losses' tick labels one and three digits wide
def test_runs_figure_has_tight_layouts_margins(scale):
    runs = _runs()
    runs = dataclasses.replace(
        runs,
        val_loss=scale * runs.val_loss,
        train_loss_masked=scale * runs.train_loss_masked,
        val_acc=runs.val_acc / scale,
    )
    assert_margins_of_tight_layout(plot_dropout_runs(runs, highlight=0.5))


def test_mask_average_figure():
    k = np.array([1, 10, 100])
    spread = np.array([1.0, 1.1, 0.9])
    fig = plot_mask_average(
        k,
        np.outer([0.3, 0.12, 0.1], spread),
        np.outer([0.3, 0.1, 0.0], spread),
        np.outer([0.8, 0.85, 0.86], spread),
        single_accuracy=np.array([0.85, 0.86, 0.84]),
    )
    ax_p, ax_a = fig.axes
    assert ax_p.get_xscale() == "log" and ax_p.get_yscale() == "log"
    assert len(ax_p.lines[1].get_xdata()) == 2  # the average of all masks is not compared with itself
    plt.close(fig)
