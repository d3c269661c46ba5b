"""widgets.babysitting_and_search: the learning-rate explorer builds without a browser, redraws on the slider, fast."""

import matplotlib

matplotlib.use("Agg")
import numpy as np
import pytest
from viz_layout import assert_margins_of_tight_layout, assert_png_unclipped

from course_utils.train import History
from course_utils.widgets.babysitting_and_search import learning_rate_explorer


def _runs():
    runs = {}
    for lr in (1e-4, 1e-2, 1.0):
        loss = np.linspace(2.3, 2.3 - lr, 60)
        if lr == 1.0:
            loss[-5:] = np.inf  # a diverged run still draws
        runs[lr] = History(
            loss=loss,
            train_acc=np.zeros(4),
            val_acc=np.zeros(4),
            iterations_per_epoch=15,
            update_ratio={"W1": np.full(60, lr / 10), "W2": np.full(60, lr / 5)},
        )
    return runs


def test_slider_redraws_fast_and_reports_the_ratios():
    box = learning_rate_explorer(_runs())
    assert box.state["lr"] == 1e-4
    box.children[0].value = 1e-2
    assert box.state["lr"] == 1e-2
    assert box.state["ratios"] == pytest.approx({"W1": 1e-3, "W2": 2e-3})
    box.children[0].value = 1.0
    assert box.state["final_loss"] == np.inf
    ax_loss, ax_ratio = box.state["figure"].axes  # the same figure, restyled and refilled
    assert ax_loss.get_title() == "lr = 1: diverged at iteration 55 (x)"
    assert ax_loss.get_legend() is None  # the title names the chosen rate; a legend would sit on the curves
    assert [line.get_linewidth() for line in ax_loss.lines[:3]] == [0.8, 0.8, 1.6]
    np.testing.assert_allclose(ax_ratio.lines[0].get_ydata(), 0.1)
    assert ax_ratio.get_ylim()[1] > 0.2  # rescaled to the ratios of lr = 1
    box.children[0].value = 1e-2
    assert ax_loss.get_title().startswith("Loss at lr = 0.01 ")


def test_bad_arguments():
    with pytest.raises(ValueError, match="empty"):
        learning_rate_explorer({})
    with pytest.raises(ValueError, match="not one of"):
        learning_rate_explorer(_runs(), lr=0.5)
    with pytest.raises(ValueError, match="no update ratios"):
        learning_rate_explorer(_runs(), layers=("W3",))


def test_a_run_that_blows_up_is_clipped_and_the_axis_stays_readable():
    runs = _runs()
    runs[1.0].loss[30:] = 2.3 * 10.0 ** np.arange(1, 31)  # 1e30 and on, as a real lr = 3 run does
    box = learning_rate_explorer(runs, lr=1.0)
    ax_loss = box.state["figure"].axes[0]
    low, high = ax_loss.get_ylim()
    assert high <= 3 * 2.3 + 1e-9 and low > 0  # three times the highest start, not 1e30
    (mark,) = [line for line in ax_loss.lines if line.get_marker() == "x"]
    assert mark.get_xdata()[0] == 30 and mark.get_ydata()[0] == high
    assert ax_loss.lines[2].get_ydata().tolist()[29:] == [runs[1.0].loss[29], high]  # up to the edge, then no more


def test_the_picture_holds_the_whole_figure_at_every_rate():
    runs = _runs()
    box = learning_rate_explorer(runs)
    slider, image = box.children
    for rate in sorted(runs, reverse=True):
        slider.value = rate
        assert_png_unclipped(bytes(image.value))
    assert_margins_of_tight_layout(box.state["figure"])  # at the first rate, as laid out
