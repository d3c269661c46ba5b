"""widgets.dropout: the explorer builds without a browser, recolours on the slider, fast."""

import matplotlib

matplotlib.use("Agg")
import numpy as np
import pytest
from viz_layout import assert_png_unclipped

from course_utils.dropout import DropoutRuns
from course_utils.widgets.dropout import dropout_explorer


def _runs():
    T, P, S = 11, 4, 3
    curve = np.linspace(1.0, 0.5, T)[:, None, None] + np.linspace(0, 0.3, P)[:, None] + np.linspace(0, 0.1, S)
    return DropoutRuns(
        p_drops=np.array([0.0, 0.25, 0.5, 0.75]),
        seeds=np.arange(S),
        steps=np.arange(T) * 10,
        train_loss=curve / 10,
        train_loss_masked=curve[-1] / 5,
        val_loss=curve,
        val_acc=1 - curve / 4,
        params={},
        hidden_dims=[8],
    )


def test_slider_recolours_fast():
    runs = _runs()
    box = dropout_explorer(runs)
    assert box.state["p_drop"] == 0.0
    slider = box.children[0]
    slider.value = 0.5
    assert box.state["p_drop"] == 0.5
    assert np.isclose(box.state["val_loss"], runs.val_loss[-1, 2].mean())
    assert np.isclose(box.state["val_acc"], runs.val_acc[-1, 2].mean())
    ax = box.state["figure"].axes[0]  # the same figure, recoloured: p_drop = 0.5 in full colour
    assert [line.get_alpha() for line in ax.lines] == [0.2, 0.2, 1.0, 0.2]
    assert [band.get_alpha() for band in ax.collections] == [0.05, 0.05, 0.2, 0.05]
    assert [h.get_alpha() for h in ax.get_legend().legend_handles] == [0.2, 0.2, 1.0, 0.2]
    assert box.state["seconds"] < 1.0


def test_bad_arguments():
    with pytest.raises(ValueError, match="no dropout rates"):
        dropout_explorer({})
    with pytest.raises(ValueError, match="not one of"):
        dropout_explorer(_runs(), p_drop=0.3)


def test_the_picture_holds_the_whole_figure():
    box = dropout_explorer(_runs(), p_drop=0.5)
    assert_png_unclipped(bytes(box.children[1].value))
