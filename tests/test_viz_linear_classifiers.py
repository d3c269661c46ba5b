"""Notebook 02's figures of training: along a line, three strategies, the search grid, templates."""

import matplotlib.pyplot as plt
import numpy as np
import pytest
from viz_layout import assert_clear, assert_margins_of_tight_layout

import course_utils as cu
from course_utils.landscape import StrategyResult


def test_plot_along_line_one_column_per_panel_losses_then_accuracy():
    ts = np.linspace(-1, 1, 21)
    panels = {
        "wide": (ts, {"softmax": ts**2, "SVM": np.abs(ts)}, (ts > 0).astype(float)),
        "zoom": (ts / 10, {"softmax": ts**2 / 100, "SVM": np.abs(ts) / 10}, np.ones(21)),
    }
    fig = cu.viz.plot_along_line(panels)
    axes = np.array(fig.axes).reshape(3, 2)
    assert [ax.get_title() for ax in axes[0]] == ["wide", "zoom"]
    assert [ax.get_ylabel() for ax in axes[:, 0]] == ["softmax loss", "SVM loss", "training accuracy (%)"]
    assert all(ax.get_xlabel() for ax in axes[-1])
    np.testing.assert_allclose(axes[2, 0].lines[0].get_ydata(), 100 * (ts > 0))
    assert fig._suptitle is not None
    plt.close(fig)
    with pytest.raises(ValueError, match="every panel must name the losses"):
        cu.viz.plot_along_line({"a": panels["wide"], "b": (ts, {"softmax": ts}, ts)})


def test_plot_strategies_labels_carry_step_and_validation_accuracy():
    res = {
        "random search": StrategyResult(0.1, {0.1: 8.0}, np.full((3, 5), 8.0), np.array([0.2, 0.25, 0.3])),
        "gradient descent": StrategyResult(
            1.0, {1.0: 0.1}, np.tile(np.geomspace(9, 0.1, 5), (3, 1)), np.array([0.97, 0.97, 0.97])
        ),
    }
    fig = cu.viz.plot_strategies(res)
    ax = fig.axes[0]
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert labels == ["random search (step 0.1): val acc 20%-30%", "gradient descent (step 1): val acc 97%"]
    assert ax.get_yscale() == "log" and ax.get_xlabel() and ax.get_ylabel() and ax.get_title()
    assert len(ax.lines) == 2 * (3 + 1)  # each seed thin, the median thick
    plt.close(fig)


def test_plot_search_grid_marks_the_best_cell_and_checks_shapes():
    acc = np.array([[0.5, 0.9, 0.7], [0.6, 0.8, 0.95]])
    fig = cu.viz.plot_search_grid([0.01, 0.1, 1.0], [0.0, 0.1], acc)
    ax = fig.axes[0]
    texts = [t.get_text() for t in ax.texts]
    assert texts == ["50", "90", "70", "60", "80", "95"]
    (box,) = [p for p in ax.patches if isinstance(p, plt.Rectangle)]
    assert box.get_xy() == (1.5, 0.5)  # column 2 (lr 1), row 1 (reg 0.1)
    assert [t.get_text() for t in ax.get_xticklabels()] == ["0.01", "0.1", "1"]
    assert ax.get_xlabel() == "learning rate" and ax.get_ylabel() == "regularization strength"
    plt.close(fig)
    fig, axes = plt.subplots(1, 2)
    assert cu.viz.plot_search_grid([1, 2, 3], [1, 2], acc, ax=axes[1]) is fig
    plt.close(fig)
    with pytest.raises(ValueError, match=r"val_acc must be \(len\(regs\), len\(lrs\)\) = \(2, 2\)"):
        cu.viz.plot_search_grid([1, 2], [1, 2], acc)


def test_plot_templates_one_row_per_matrix_with_its_own_scale():
    rng = np.random.default_rng(0)
    weights = {"reg 0": rng.standard_normal((64, 10)), "reg 1": 0.01 * rng.standard_normal((64, 10))}
    fig = cu.viz.plot_templates(weights)
    rows = fig.axes
    assert len(rows) == 2 and all(len(ax.images) == 10 for ax in rows)
    assert [t.get_text() for t in rows[0].texts] == [str(c) for c in range(10)]
    assert rows[1].get_ylabel().startswith("reg 1\nmax |w| 0.0")
    for ax, W in zip(rows, weights.values()):
        assert ax.images[3].get_clim() == pytest.approx((-np.abs(W).max(), np.abs(W).max()))
        np.testing.assert_allclose(ax.images[3].get_array(), W[:, 3].reshape(8, 8))
    lefts = [ax.images[c].get_extent()[0] for c in range(10)]
    assert all(b - a > 8 for a, b in zip(lefts, lefts[1:])), "the templates overlap"
    plt.close(fig)
    with pytest.raises(ValueError, match="every W must be"):
        cu.viz.plot_templates({"a": np.zeros((64, 10)), "b": np.zeros((64, 9))})


@pytest.mark.parametrize(
    ("scores", "y", "names"),
    [((-2.85, 0.86, 0.28), 2, None), ((-9.5, 8.0, 3.0, 1.0), 1, None), ((1.0, 2.0, -1.0), 0, ["cat", "dog", "ship"])],
)
def test_score_losses_have_tight_layouts_margins(scores, y, names):
    # the loss explorer's figure, at its first scores and at scores whose tick labels are wider
    assert_margins_of_tight_layout(cu.viz.plot_score_losses(scores, y, class_names=names))


@pytest.mark.parametrize(("rows", "classes"), [(3, 10), (1, 3), (5, 10)])
def test_templates_leave_room_for_the_labels_and_sit_where_tight_layout_puts_notebook_02s(rows, classes):
    rng = np.random.default_rng(0)
    more = "" if rows == 3 else "\nand a second line"  # notebook 02's labels are one line
    weights = {f"reg {k:g}{more}": 10.0**-k * rng.standard_normal((64, classes)) for k in range(rows)}
    fig = cu.viz.plot_templates(weights, title="Softmax classifier: one template per digit" if classes > 3 else "W")
    assert_clear(fig)
    if (rows, classes) == (3, 10):  # notebook 02's
        assert_margins_of_tight_layout(fig, original=False)


@pytest.mark.parametrize(
    ("lrs", "regs"), [([1e-3, 1e-2, 1e-1, 1.0], [0, 1e-4, 1e-2]), ([0.01, 0.1, 1, 10, 100], [0, 0.001, 1])]
)
def test_search_grid_of_its_own_has_tight_layouts_margins(lrs, regs):
    acc = np.random.default_rng(0).random((len(regs), len(lrs)))
    assert_margins_of_tight_layout(cu.viz.plot_search_grid(lrs, regs, acc))
