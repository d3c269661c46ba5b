"""Tests for viz.curves and viz.images: figures with titles, labels and legends, no plt.show()."""

import io

import matplotlib

matplotlib.use("Agg")
import numpy as np
import pytest
from viz_layout import assert_clear, assert_margins_of_tight_layout, axes_boxes

import course_utils as cu
from course_utils.train import History


def _history(val=True, T=40, E=4):
    rng = np.random.default_rng(0)
    return History(
        loss=2.3 * np.exp(-np.arange(T) / 10) + 0.1 * rng.random(T),
        train_acc=np.linspace(0.1, 0.9, E + 1),
        val_acc=np.linspace(0.1, 0.85, E + 1) if val else np.array([]),
        iterations_per_epoch=T // E,
    )


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


def test_a_diverging_run_is_clipped_and_marked_where_it_leaves_the_axis():
    blown = _history()
    blown.loss = blown.loss.copy()
    blown.loss[20:] = 10.0 ** np.arange(1, 21)
    fig = cu.viz.plot_histories({"good": _history(), "lr=3": blown})
    ax_loss = fig.axes[0]
    top = ax_loss.get_ylim()[1]
    assert top == pytest.approx(3 * max(_history().loss[0], blown.loss[0]))
    (mark,) = [line for line in ax_loss.lines if line.get_marker() == "x"]
    assert (mark.get_xdata()[0], mark.get_ydata()[0]) == (20, top)
    labels = [t.get_text() for t in ax_loss.get_legend().get_texts()]
    assert labels == ["good loss", "lr=3 loss (diverged at iteration 20)"]


def test_runs_that_do_not_diverge_keep_their_autoscaled_axis():
    fig = cu.viz.plot_histories({"a": _history(), "b": _history()})
    assert fig.axes[0].get_ylim()[1] < 3.0 and not any(line.get_marker() == "x" for line in fig.axes[0].lines)


def test_plot_history_short_run():
    fig = cu.viz.plot_history(_history(T=3, E=1))
    assert len(fig.axes[0].lines) == 2


def test_plot_timings_log_axes():
    sizes = [10, 100, 1000]
    fig = cu.viz.plot_timings(sizes, {"loops": [1e-3, 1e-2, 1e-1], "vectorized": [1e-5, 2e-5, 1e-4]}, title="Speed-up")
    ax = fig.axes[0]
    assert ax.get_xscale() == "log" and ax.get_yscale() == "log"
    assert ax.get_title() == "Speed-up" and ax.get_xlabel() and ax.get_ylabel()
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["loops", "vectorized"]
    assert any(t.get_text() == "1000x" for t in ax.texts)


def _ratio_label(fig):
    (label,) = [t for t in fig.axes[0].texts if t.get_text().endswith("x")]
    return label


def _clear_of_lines(fig, label) -> list[str]:
    """What the ratio label touches or sticks out of: lines (sampled every pixel), markers, the axes' edge."""
    ax = fig.axes[0]
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    box = label.get_window_extent(renderer)
    problems = []
    frame = ax.get_window_extent(renderer)
    if not (frame.x0 <= box.x0 and box.x1 <= frame.x1 and frame.y0 <= box.y0 and box.y1 <= frame.y1):
        problems.append(f"label {box} outside the axes {frame}")
    for line in ax.lines:
        pts = ax.transData.transform(line.get_xydata())
        half_width = line.get_linewidth() * fig.dpi / 72 / 2
        radius = line.get_markersize() * fig.dpi / 72 / 2
        for a, b in zip(pts[:-1], pts[1:]):
            steps = int(np.hypot(*(b - a))) + 2
            for p in a + np.linspace(0, 1, steps)[:, None] * (b - a):
                if box.padded(half_width).contains(*p):
                    problems.append(f"{line.get_label()} passes through the label at {p}")
                    break
        for p in pts:
            dx = max(box.x0 - p[0], 0, p[0] - box.x1)
            dy = max(box.y0 - p[1], 0, p[1] - box.y1)
            if np.hypot(dx, dy) < radius:
                problems.append(f"a marker of {line.get_label()} at {p} touches the label")
    return problems


TIMINGS = {
    # notebook 01: forward slower than backward by 1.6x, parallel lines of slope 1, close enough that a label
    # placed carelessly between them sits on one
    "forward/backward": (
        [300, 900, 3000, 9000],
        {"forward": [2.1e-4, 6.3e-4, 2.18e-3, 6.63e-3], "backward": [1.3e-4, 3.8e-4, 1.42e-3, 4.26e-3]},
        "1.6x",
    ),
    "parallel 1.5x": ([10, 100, 1000], {"a": [1.5e-5, 1.5e-4, 1.5e-3], "b": [1e-5, 1e-4, 1e-3]}, "1.5x"),
    "faster first": ([10, 100, 1000], {"a": [1e-5, 1e-4, 1e-3], "b": [2e-5, 2.2e-4, 2.4e-3]}, "2.4x"),
    "Jacobian/mask": (
        [64, 256, 1024, 4096],
        {"Jacobian product": [6e-6, 2e-5, 1.5e-3, 5e-2], "masked gradient": [1.3e-6, 1.6e-6, 2e-6, 1e-5]},
        "5000x",
    ),
    "loops/vectorized": ([50, 200, 800], {"loops": [2e-3, 8e-3, 3.2e-2], "vectorized": [5e-5, 6e-5, 1e-4]}, "320x"),
    "three lines": (
        [10, 100, 1000],
        {"a": [1e-4, 1e-3, 1e-2], "b": [1e-5, 1e-4, 1e-3], "c": [1e-6, 1e-5, 1e-4]},
        "10x",
    ),
}


@pytest.mark.parametrize("name", TIMINGS)
def test_plot_timings_ratio_label_never_touches_a_line(name):
    sizes, times, text = TIMINGS[name]
    fig = cu.viz.plot_timings(sizes, times, title=name)
    label = _ratio_label(fig)
    assert label.get_text() == text
    assert not _clear_of_lines(fig, label)
    fig.savefig(io.BytesIO(), format="png", bbox_inches="tight")  # as the notebook's inline backend draws it
    assert not _clear_of_lines(fig, label)


def test_plot_timings_without_a_visible_gap_has_no_arrow():
    fig = cu.viz.plot_timings([10, 100], {"a": [1.2e-5, 1.2e-4], "b": [1e-5, 1e-4]})
    assert not [t for t in fig.axes[0].texts if t.get_text()]


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


@pytest.mark.parametrize(("num_per_class", "classes"), [(10, range(10)), (5, range(10)), (20, range(3))])
def test_plot_digits_is_drawn_as_large_as_tight_layout_draws_it(num_per_class, classes):
    X, y = cu.data.load_digits()
    keep = np.isin(y, list(classes))
    fig = cu.viz.plot_digits(X[keep], y[keep] + 100 * (len(classes) < 10), num_per_class=num_per_class)
    assert_clear(fig)
    # the mosaic keeps its aspect: what a cell shows, cropped to it and its labels, is its size
    drawn = axes_boxes(fig, original=False)[0, 2:]
    fig.tight_layout()
    assert drawn == pytest.approx(axes_boxes(fig, original=False)[0, 2:], abs=0.05)


@pytest.mark.parametrize(
    ("num", "shape", "names"),
    [
        (10, (8, 8), None),  # notebooks 02 and 09
        (15, (8, 8), [f"unit {j}" for j in range(15)]),  # notebook 03
        (2, (8, 8), ["mean image", "a centred 3"]),  # notebook 05
        (25, (8, 8), None),
        (4, (16, 8), None),  # tall images: as tall as their panels, narrower
        (4, (8, 16), None),
    ],
)
def test_plot_weight_images_fill_their_panels_and_leave_room_for_the_titles(num, shape, names):
    W = np.random.default_rng(0).standard_normal((shape[0] * shape[1], num))
    fig = cu.viz.plot_weight_images(W, shape=shape, class_names=names, title="The first-layer weights as images")
    assert_clear(fig)
    boxes = axes_boxes(fig, original=False)[: min(num, 5)]  # the first row's images, as drawn
    if shape[0] <= shape[1]:  # as wide as their panels: 0.15 inches apart and from the figure's edges
        assert boxes[0, 0] == pytest.approx(0.15) and np.diff(boxes[:, 0]) - boxes[:-1, 2] == pytest.approx(0.15)
    if shape[0] == shape[1] and num <= 15:
        # the notebooks' images drawn where tight_layout draws them, to a tenth of an inch: it measures
        # the titles above images of the panels' shape before the layout, not of the images'
        assert_margins_of_tight_layout(fig, original=False, slack=0.12)


def test_image_shape_errors():
    with pytest.raises(ValueError, match="\\(64, C\\)"):
        cu.viz.plot_weight_images(np.zeros((65, 10)))
    with pytest.raises(ValueError, match="\\(N, 64\\)"):
        cu.viz.plot_digits(np.zeros((3, 10)), np.zeros(3, dtype=int))


def test_plot_weight_images_widens_the_figure_for_a_title_wider_than_its_panels():
    W = np.random.default_rng(0).standard_normal((64, 2))
    title = "The training set's mean image, and one digit minus it"  # notebook 05: wider than two panels
    fig = cu.viz.plot_weight_images(W, class_names=["mean image", "a centred 3"], title=title)
    assert fig.get_figwidth() > 3.2
    assert_clear(fig)  # the title inside the figure: the notebook's picture is cropped to the figure
    boxes = axes_boxes(fig, original=False)  # the two images centred under it, 0.15 inches apart
    assert boxes[0, 0] == pytest.approx(fig.get_figwidth() - boxes[1, 0] - boxes[1, 2])
    assert boxes[1, 0] - boxes[0, 0] - boxes[0, 2] == pytest.approx(0.15)
