"""widgets.linear_classifiers: the loss explorer builds headless and redraws; the figure it draws names its losses."""

import matplotlib.pyplot as plt
import numpy as np
import pytest
from viz_layout import assert_png_unclipped

import course_utils as cu


def test_plot_score_losses_titles_carry_the_notes_numbers():
    fig = cu.viz.plot_score_losses([-2.85, 0.86, 0.28], 2)
    titles = [ax.get_title() for ax in fig.axes]
    assert titles == ["SVM: hinge loss 1.58", "softmax: cross-entropy 1.04"]
    assert all(ax.get_xlabel() and ax.get_ylabel() for ax in fig.axes)
    plt.close(fig)


def test_plot_score_losses_agrees_with_the_losses_module():
    scores = np.array([[3.0, -1.0, 2.5, 0.0]])
    fig = cu.viz.plot_score_losses(scores[0], 0)
    hinge, _ = cu.losses.svm_loss(scores, np.array([0]))
    ce, _ = cu.losses.softmax_loss(scores, np.array([0]))
    assert fig.axes[0].get_title() == f"SVM: hinge loss {hinge:.2f}"
    assert fig.axes[1].get_title() == f"softmax: cross-entropy {ce:.2f}"
    plt.close(fig)


def test_plot_score_losses_rejects_a_bad_class():
    with pytest.raises(ValueError, match="y=3 is not a class index in 0..2"):
        cu.viz.plot_score_losses([1.0, 2.0, 3.0], 3)


def test_loss_explorer_builds_headless_and_refills_one_figure(monkeypatch):
    module = cu.widgets.linear_classifiers
    built, refilled = [], []
    plot, update = module.plot_score_losses, module.update_score_losses
    monkeypatch.setattr(module, "plot_score_losses", lambda s, y: built.append((list(s), y)) or plot(s, y))
    monkeypatch.setattr(module, "update_score_losses", lambda f, s, y: refilled.append((list(s), y)) or update(f, s, y))
    box = cu.widgets.loss_explorer()
    sliders, image = box.children[0].children, box.children[1]
    assert len(sliders) == 4 and built == [([-2.85, 0.86, 0.28], 2)] and not refilled
    first = image.value
    sliders[0].value = 5.0
    assert refilled[-1] == ([5.0, 0.86, 0.28], 2) and image.value != first
    sliders[3].value = 0
    assert refilled[-1][1] == 0 and len(built) == 1


SETTINGS = [
    ((-2.85, 0.86, 0.28), 2),
    ((-2.85, 10.0, 0.28), 2),
    ((10.0, 9.5, -10.0), 1),
    ((-10.0, 10.0, -10.0), 0),
    ((0.0, 0.0, 0.0), 2),
    ((10.0, 10.0, 10.0), 0),
    ((-10.0, -10.0, -10.0), 1),
    ((3.0, -1.0, 2.5, 0.0), 0),
]


def _state(fig):
    """What a figure of plot_score_losses shows: titles, score limits, bars, the margin line, the hinge terms shown."""
    ax_s, ax_p = fig.axes
    shown = [(tuple(line.get_xdata()), tuple(line.get_ydata())) for line in ax_s.lines[1:] if line.get_visible()]
    labels = [(t.get_position(), t.get_text()) for t in ax_s.texts if t.get_visible()]
    bars = [(p.get_height(), p.get_facecolor()) for ax in (ax_s, ax_p) for p in ax.patches]
    return (ax_s.get_title(), ax_p.get_title(), ax_s.get_ylim(), tuple(ax_s.lines[0].get_ydata()), shown, labels, bars)


@pytest.mark.parametrize("scores, y", [setting for setting in SETTINGS if len(setting[0]) == 3])
def test_a_refilled_figure_shows_what_a_new_one_shows(scores, y):
    fig = cu.viz.plot_score_losses([-2.85, 10.0, 0.28], 1)  # two hinge terms shown, to be hidden or moved
    cu.viz.update_score_losses(fig, scores, y)
    new = cu.viz.plot_score_losses(scores, y)
    assert _state(fig) == _state(new)
    plt.close(fig)
    plt.close(new)


def test_update_score_losses_rejects_another_number_of_classes():
    fig = cu.viz.plot_score_losses([1.0, 2.0, 3.0], 0)
    with pytest.raises(ValueError, match="shows 3 classes and scores has 4"):
        cu.viz.update_score_losses(fig, [1.0, 2.0, 3.0, 4.0], 0)
    with pytest.raises(ValueError, match="update_score_losses: y=5 is not a class index in 0..2"):
        cu.viz.update_score_losses(fig, [1.0, 2.0, 3.0], 5)
    plt.close(fig)


def _hinge_labels(ax):
    return [t for t in ax.texts if t.get_text().startswith("+")]


@pytest.mark.parametrize(
    "scores, y",
    SETTINGS + [(tuple(np.random.default_rng(seed).uniform(-10, 10, 3).round(2)), seed % 3) for seed in range(12)],
)
def test_hinge_labels_stay_inside_the_axes_and_off_the_bars(scores, y):
    fig = cu.viz.plot_score_losses(scores, y)
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    ax = fig.axes[0]
    box = ax.get_window_extent(renderer)
    labels = _hinge_labels(ax)
    hinge, _ = cu.losses.svm_loss(np.array([scores]), np.array([y]))
    assert len(labels) == sum(1 for j, s in enumerate(scores) if j != y and s - scores[y] + 1 > 0)
    assert sum(float(t.get_text()) for t in labels) == pytest.approx(hinge, abs=0.01 * max(1, len(labels)))
    bars = [p.get_window_extent(renderer) for p in ax.patches]
    for t in labels:
        tb = t.get_window_extent(renderer)
        assert box.x0 <= tb.x0 and tb.x1 <= box.x1 and box.y0 <= tb.y0 and tb.y1 <= box.y1, (t.get_text(), tb, box)
        assert not any(tb.overlaps(b) for b in bars), t.get_text()
    title = ax.title.get_window_extent(renderer)
    assert not any(t.get_window_extent(renderer).overlaps(title) for t in labels)
    plt.close(fig)


def test_the_loss_explorers_picture_holds_the_whole_figure():
    box = cu.widgets.loss_explorer()
    assert_png_unclipped(bytes(box.children[1].value))
