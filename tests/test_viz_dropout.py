"""viz.dropout: the figures draw from made-up runs and numbers, with the panels the notebook describes."""
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np

from course_utils.train import History
from course_utils.viz.dropout import plot_dropout_runs, plot_mask_average


def _run(train, val):
    return History(loss=np.ones(5), train_acc=np.array(train), val_acc=np.array(val), iterations_per_epoch=1)


def test_runs_figure_has_curves_and_gaps():
    runs = {0.0: _run([0.1, 0.9, 1.0], [0.1, 0.8, 0.85]), 0.5: _run([0.1, 0.8, 0.95], [0.1, 0.8, 0.9])}
    fig = plot_dropout_runs(runs, highlight=0.5)
    ax, ax_gap = fig.axes
    assert len(ax.lines) == 4
    heights = [b.get_height() for b in ax_gap.patches]
    assert np.allclose(heights, [0.15, 0.05])
    plt.close(fig)


def test_mask_average_figure():
    fig = plot_mask_average([1, 10, 100], [0.8, 0.95, 0.99], [0.3, 0.1, 0.03], [0.85, 0.9, 0.91],
                            single_accuracy=0.91)
    assert len(fig.axes) == 2
    assert fig.axes[0].get_xscale() == "log"
    plt.close(fig)
