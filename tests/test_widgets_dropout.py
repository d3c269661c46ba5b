"""widgets.dropout: the explorer builds without a browser, redraws on the slider, fast."""
import matplotlib

matplotlib.use("Agg")
import numpy as np
import pytest

from course_utils.train import History
from course_utils.widgets.dropout import dropout_explorer


def _runs():
    return {p: History(loss=np.ones(5), train_acc=np.linspace(0.1, 1 - p / 10, 30),
                       val_acc=np.linspace(0.1, 0.9, 30), iterations_per_epoch=1) for p in (0.0, 0.25, 0.5, 0.75)}


def test_slider_redraws_fast():
    box = dropout_explorer(_runs())
    assert box.state["p_drop"] == 0.0
    slider = box.children[0]
    slider.value = 0.5
    assert box.state["p_drop"] == 0.5
    assert np.isclose(box.state["train_acc"], 0.95)
    assert box.state["seconds"] < 0.5, f"a redraw took {box.state['seconds']:.2f} s"


def test_bad_arguments():
    with pytest.raises(ValueError, match="empty"):
        dropout_explorer({})
    with pytest.raises(ValueError, match="not one of"):
        dropout_explorer(_runs(), p_drop=0.3)
