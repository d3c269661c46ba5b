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
    ax, ax_gap = box.state["figure"].axes  # the same figure, recoloured: p_drop = 0.5 in full colour
    assert [line.get_alpha() for line in ax.lines] == [0.2, 0.2, 0.2, 0.2, 1.0, 1.0, 0.2, 0.2]
    assert [bar.get_alpha() for bar in ax_gap.patches] == [0.3, 0.3, 1.0, 0.3]
    assert [h.get_alpha() for h in ax.get_legend().legend_handles] == [0.2, 0.2, 1.0, 0.2]


def test_bad_arguments():
    with pytest.raises(ValueError, match="empty"):
        dropout_explorer({})
    with pytest.raises(ValueError, match="not one of"):
        dropout_explorer(_runs(), p_drop=0.3)
