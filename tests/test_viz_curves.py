"""Tests for viz.curves and viz.images: figures with titles, labels and legends, no plt.show()."""
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
import pytest

import course_utils as cu
from course_utils.train import History


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def _history(val=True, T=40, E=4):
    rng = np.random.default_rng(0)
    return History(loss=2.3 * np.exp(-np.arange(T) / 10) + 0.1 * rng.random(T),
                   train_acc=np.linspace(0.1, 0.9, E + 1),
                   val_acc=np.linspace(0.1, 0.85, E + 1) if val else np.array([]),
                   iterations_per_epoch=T // E)


def test_plot_history_axes_and_labels():
    fig = cu.viz.plot_history(_history(), title="Digits")
    assert isinstance(fig, matplotlib.figure.Figure)
    ax_loss, ax_acc = fig.axes
    assert fig._suptitle.get_text() == "Digits"
    assert (ax_loss.get_xlabel(), ax_loss.get_ylabel()) == ("iteration", "loss")
    assert (ax_acc.get_xlabel(), ax_acc.get_ylabel()) == ("epoch", "accuracy")
    assert ax_loss.get_title() and ax_acc.get_title()
    labels = [t.get_text() for t in ax_acc.get_legend().get_texts()]
    assert labels == ["train", "val"]
    np.testing.assert_allclose(ax_acc.lines[1].get_ydata(), np.linspace(0.1, 0.85, 5))


def test_plot_histories_compares_runs_without_val():
    fig = cu.viz.plot_histories({"SVM": _history(val=False), "softmax": _history()}, title="Both")
    labels = [t.get_text() for t in fig.axes[1].get_legend().get_texts()]
    assert labels == ["SVM train", "softmax train", "softmax val"]
    assert [t.get_text() for t in fig.axes[0].get_legend().get_texts()] == ["SVM loss", "softmax loss"]


def test_plot_history_short_run():
    fig = cu.viz.plot_history(_history(T=3, E=1))
    assert len(fig.axes[0].lines) == 2


def test_plot_timings_log_axes():
    sizes = [10, 100, 1000]
    fig = cu.viz.plot_timings(sizes, {"loops": [1e-3, 1e-2, 1e-1], "vectorized": [1e-5, 2e-5, 1e-4]},
                              title="Speed-up")
    ax = fig.axes[0]
    assert ax.get_xscale() == "log" and ax.get_yscale() == "log"
    assert ax.get_title() == "Speed-up" and ax.get_xlabel() and ax.get_ylabel()
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["loops", "vectorized"]
    assert any(t.get_text() == "1000x" for t in ax.texts)


def test_plot_digits_grid():
    X, y = cu.data.load_digits()
    fig = cu.viz.plot_digits(X, y, num_per_class=5, title="Digits")
    (ax,) = fig.axes
    assert ax.get_title() == "Digits" and ax.get_ylabel() == "class"
    assert [t.get_text() for t in ax.get_yticklabels()] == [str(c) for c in range(10)]
    mosaic = ax.images[0].get_array()
    assert mosaic.shape == (10 * 9 - 1, 5 * 9 - 1)
    np.testing.assert_array_equal(mosaic[:8, :8], X[y == 0][0].reshape(8, 8))
    np.testing.assert_array_equal(mosaic[81:, 36:], X[y == 9][4].reshape(8, 8))
    assert np.ma.getmaskarray(mosaic)[8].all() or np.isnan(np.asarray(mosaic.data)[8]).all()


def test_plot_weight_images_templates():
    W = np.random.default_rng(0).standard_normal((64, 10))
    fig = cu.viz.plot_weight_images(W, title="Softmax")
    visible = [ax for ax in fig.axes if ax.get_visible()]
    assert len(visible) == 10 and fig._suptitle.get_text() == "Softmax"
    assert [ax.get_title() for ax in visible] == [str(c) for c in range(10)]
    np.testing.assert_allclose(visible[3].images[0].get_array(), W[:, 3].reshape(8, 8))
    fig = cu.viz.plot_weight_images(W[:, :3], class_names=["a", "b", "c"])
    assert [ax.get_title() for ax in fig.axes if ax.get_visible()] == ["a", "b", "c"]


def test_image_shape_errors():
    with pytest.raises(ValueError, match="\\(64, C\\)"):
        cu.viz.plot_weight_images(np.zeros((65, 10)))
    with pytest.raises(ValueError, match="\\(N, 64\\)"):
        cu.viz.plot_digits(np.zeros((3, 10)), np.zeros(3, dtype=int))
