"""widgets._render and every explorer: a change draws the figure once into an Image widget (no
Output widget), the PNG has nothing cut off at its edges, and a redraw is cheap in CPU time."""

import io
import statistics
import time

import matplotlib

matplotlib.use("Agg")
import ipywidgets as widgets
import matplotlib.pyplot as plt
import numpy as np
import pytest
from PIL import Image

import course_utils as cu
from course_utils.circuits import Value
from course_utils.train import History
from course_utils.widgets._render import FigureImage

LIMIT, LIMIT_TRAINING = 0.25, 0.75  # CPU seconds per redraw, median: generous (the targets are 0.15 / 0.5 wall)


def _history(k, p):
    return History(
        loss=np.linspace(2.3, 0.5 + p, 60),
        train_acc=np.linspace(0.3, 1 - p / 10, 20),
        val_acc=np.linspace(0.3, 0.9 - p / 20, 20),
        iterations_per_epoch=3,
        update_ratio={"W1": np.full(60, 10.0**-k), "W2": np.full(60, 2 * 10.0**-k)},
    )


def _dropout_runs():
    T, P, S = 16, 3, 3
    curve = np.linspace(1.0, 0.5, T)[:, None, None] + np.linspace(0, 0.2, P)[:, None] + np.linspace(0, 0.1, S)
    return cu.dropout.DropoutRuns(
        p_drops=np.array([0.0, 0.25, 0.5]),
        seeds=np.arange(S),
        steps=np.arange(T) * 20,
        train_loss=curve / 10,
        train_loss_masked=curve[-1] / 5,
        val_loss=curve,
        val_acc=1 - curve / 4,
        params={},
        hidden_dims=[8],
    )


EXPLORERS = {
    "circuit": (
        lambda: cu.widgets.circuit_explorer(
            lambda x, y: Value(x, "x") * Value(y, "y") + Value(x, "x"), x=(-3, 3, 1.0), y=(-3, 3, 2.0)
        ),
        LIMIT,
    ),
    "loss": (lambda: cu.widgets.loss_explorer(), LIMIT),
    "classifier": (lambda: cu.widgets.classifier_explorer(), LIMIT_TRAINING),
    "activation": (lambda: cu.widgets.activation_explorer(), LIMIT),
    "init": (lambda: cu.widgets.init_explorer(), LIMIT),
    "batch": (lambda: cu.widgets.batch_stats_explorer(np.random.default_rng(0).exponential(size=1000)), LIMIT),
    "dropout": (lambda: cu.widgets.dropout_explorer(_dropout_runs()), LIMIT),
    "optimizer": (lambda: cu.widgets.optimizer_playground(), LIMIT),
    "conditioning": (lambda: cu.widgets.conditioning_explorer(), LIMIT),
    "learning_rate": (
        lambda: cu.widgets.learning_rate_explorer({lr: _history(k, 0.1) for k, lr in enumerate((1e-4, 1e-2, 1.0))}),
        LIMIT,
    ),
}


def _walk(box):
    todo = [box]
    while todo:
        w = todo.pop(0)
        yield w
        todo.extend(getattr(w, "children", ()))


def _changes(box):
    """(control, trait, value) for each control: the last option and back, or a slider's ends."""
    for c in _walk(box):
        if isinstance(c, widgets.widget_selection._Selection) and not isinstance(c, widgets.SelectMultiple):
            yield from ((c, "index", i) for i in (len(c.options) - 1 if c.index == 0 else 0, c.index))
        elif isinstance(c, widgets.FloatLogSlider):
            yield from ((c, "value", c.base**v) for v in (c.min, c.max))
        elif isinstance(c, (widgets.widget_int._Int, widgets.widget_float._Float)) and hasattr(c, "max"):
            yield from ((c, "value", v) for v in (c.min, c.max))


def _border_is_blank(png: bytes) -> bool:
    """No ink on the PNG's outermost two pixels: nothing was cut off at the figure's edge."""
    rgb = np.asarray(Image.open(io.BytesIO(png)).convert("RGB")).astype(int)
    border = np.concatenate(
        [rgb[:2].reshape(-1, 3), rgb[-2:].reshape(-1, 3), rgb[:, :2].reshape(-1, 3), rgb[:, -2:].reshape(-1, 3)]
    )
    return bool(np.all(np.abs(border - rgb[0, 0]).sum(axis=1) < 48))


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


@pytest.mark.parametrize("name", list(EXPLORERS))
def test_every_change_redraws_the_image_fast_with_nothing_cut_off(name):
    make, limit = EXPLORERS[name]
    box = make()
    assert not [w for w in _walk(box) if isinstance(w, widgets.Output)], "an Output widget: nbclient would answer it"
    (image,) = [w for w in _walk(box) if isinstance(w, widgets.Image)]
    seconds, changed = [], 0
    for control, trait, value in _changes(box):
        before = bytes(image.value)
        start = time.process_time()  # CPU time: a loaded machine stretches the wall clock, not the work done
        setattr(control, trait, value)
        seconds.append(time.process_time() - start)
        png = bytes(image.value)
        assert png.startswith(b"\x89PNG")
        assert _border_is_blank(png), f"{name}: ink at the edge of the PNG after {control.description} = {value!r}"
        width = Image.open(io.BytesIO(png)).size[0]  # shown at its own size, never stretched to the box's width
        assert (image.layout.width, image.layout.max_width) == (f"{width}px", "100%"), f"{name}: {image.layout.width}"
        changed += png != before
    assert changed >= len(seconds) // 2, f"{name}: only {changed} of {len(seconds)} changes changed the image"
    assert statistics.median(seconds) < limit, f"{name}: a redraw took {statistics.median(seconds):.3f} CPU s"


def test_show_draws_the_figure_once():
    """The inline backend's tight bounding box drew every figure twice; a laid-out figure (tight_layout
    leaves a placeholder layout engine, which would add a draw of its own) is drawn once per show."""
    fig, ax = plt.subplots(figsize=(4, 3))
    ax.plot([1, 2, 3])
    ax.set(title="t", xlabel="x", ylabel="y")
    fig.tight_layout()
    draws = []
    original = fig.draw
    fig.draw = lambda renderer: draws.append(1) or original(renderer)
    image = FigureImage()
    image.show(fig)
    image.show()
    assert len(draws) == 2 and Image.open(io.BytesIO(bytes(image.widget.value))).size == (400, 300)
    assert not plt.get_fignums(), "the explorer owns its figure: pyplot (and the inline backend) let go of it"


def test_crop_measures_the_ink_once_per_figure_size():
    image = FigureImage(crop=True)
    sizes = []
    for width in (4, 4, 6):
        fig, ax = plt.subplots(figsize=(width, 2))
        ax.text(0.5, 0.5, "ink", ha="center")
        ax.axis("off")
        image.show(fig)
        sizes.append(Image.open(io.BytesIO(bytes(image.widget.value))).size)
    assert sizes[0] == sizes[1] and sizes[0][0] < 400 and sizes[2] != sizes[0]  # cropped, then measured anew


def test_show_needs_a_figure_first():
    with pytest.raises(ValueError, match="no figure"):
        FigureImage().show()
