"""widgets.search: the learning-rate explorer builds without a browser, redraws on the slider, fast."""
import matplotlib

matplotlib.use("Agg")
import numpy as np
import pytest

from course_utils.train import History
from course_utils.widgets.search import learning_rate_explorer


def _runs():
    runs = {}
    for lr in (1e-4, 1e-2, 1.0):
        loss = np.linspace(2.3, 2.3 - lr, 60)
        if lr == 1.0:
            loss[-5:] = np.inf  # a diverged run still draws
        runs[lr] = History(loss=loss, train_acc=np.zeros(4), val_acc=np.zeros(4), iterations_per_epoch=15,
                           update_ratio={"W1": np.full(60, lr / 10), "W2": np.full(60, lr / 5)})
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
    assert ax_loss.get_title().startswith("Loss at lr = 1 ")
    assert [t.get_text() for t in ax_loss.get_legend().get_texts()] == ["lr = 1"]
    assert [line.get_linewidth() for line in ax_loss.lines] == [0.8, 0.8, 1.6]
    np.testing.assert_allclose(ax_ratio.lines[0].get_ydata(), 0.1)
    assert ax_ratio.get_ylim()[1] > 0.2  # rescaled to the ratios of lr = 1


def test_bad_arguments():
    with pytest.raises(ValueError, match="empty"):
        learning_rate_explorer({})
    with pytest.raises(ValueError, match="not one of"):
        learning_rate_explorer(_runs(), lr=0.5)
    with pytest.raises(ValueError, match="no update ratios"):
        learning_rate_explorer(_runs(), layers=("W3",))
