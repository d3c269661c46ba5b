"""course_utils._inline: a notebook's figure drawn once, cropped to its ink as the inline backend's tight box
crops it; the backend's own function where the pixels cannot tell; a notebook's own %config left alone."""

import base64
import functools
import io

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
import pytest
from IPython.core.interactiveshell import InteractiveShell
from IPython.core.pylabtools import print_figure, select_figure_formats
from matplotlib.figure import Figure
from PIL import Image

from course_utils import _inline


def _image(b64: str) -> np.ndarray:
    return np.asarray(Image.open(io.BytesIO(base64.b64decode(b64))).convert("RGBA"))


def _figure() -> Figure:
    fig, ax = plt.subplots(figsize=(5, 3))
    ax.plot([0, 1, 2], [1, 3, 2], label="a curve")
    ax.set(title="a title", xlabel="x", ylabel="y")
    ax.legend()
    fig.subplots_adjust(left=0.15, right=0.95, bottom=0.18, top=0.88)
    return fig


@pytest.fixture(autouse=True)
def _close():
    yield
    plt.close("all")


def test_the_picture_is_the_tight_box_of_one_draw():
    fig = _figure()
    ink = _image(_inline.ink_png(fig))
    tight = _image(print_figure(fig, fmt="png", base64=True, bbox_inches="tight"))
    # the tight box measures the artists' boxes (a text's box is a little taller than its glyphs),
    # the ink its pixels: the same picture to a few pixels, with the same padding of white around it
    assert abs(ink.shape[0] - tight.shape[0]) <= 6 and abs(ink.shape[1] - tight.shape[1]) <= 6
    pad = round(plt.rcParams["savefig.pad_inches"] * fig.dpi)
    white = np.uint8(255)
    assert (ink[:pad] == white).all() and (ink[-pad:] == white).all()
    assert (ink[:, :pad] == white).all() and (ink[:, -pad:] == white).all()
    assert (ink[pad] != white).any() and (ink[-pad - 1] != white).any()  # and ink right inside it
    assert (ink[:, pad] != white).any() and (ink[:, -pad - 1] != white).any()
    # the pixels inside are the figure's own, as drawn at its size (MARGIN * dpi is whole: the same grid)
    fig.canvas.draw()
    drawn = np.asarray(fig.canvas.buffer_rgba())
    rows = np.flatnonzero((drawn != white).any(axis=(1, 2)))
    cols = np.flatnonzero((drawn != white).any(axis=(0, 2)))
    np.testing.assert_array_equal(ink[pad:-pad, pad:-pad], drawn[rows[0] : rows[-1] + 1, cols[0] : cols[-1] + 1])


def test_what_lies_past_the_figure_is_in_the_picture_as_in_the_tight_box():
    fig = _figure()
    fig.legends.clear()
    fig.axes[0].set_ylabel("a label left of the figure", labelpad=45)  # about half an inch past its edge
    ink = _image(_inline.ink_png(fig, fallback=lambda f: pytest.fail("within MARGIN: no fallback")))
    tight = _image(print_figure(fig, fmt="png", base64=True, bbox_inches="tight"))
    assert ink.shape[1] > fig.get_figwidth() * fig.dpi + 30
    assert abs(ink.shape[1] - tight.shape[1]) <= 6 and abs(ink.shape[0] - tight.shape[0]) <= 6


def test_a_figure_legend_stays_where_the_figure_puts_it():
    fig = _figure()
    fig.axes[0].get_legend().remove()
    fig.subplots_adjust(right=0.7)
    fig.legend(loc="center right")  # placed in the figure's box, which the wider canvas must not move
    ink = _image(_inline.ink_png(fig))
    tight = _image(print_figure(fig, fmt="png", base64=True, bbox_inches="tight"))
    assert abs(ink.shape[1] - tight.shape[1]) <= 6 and abs(ink.shape[0] - tight.shape[0]) <= 6
    assert fig.legends[0].get_bbox_to_anchor() is fig.bbox  # and it is left as it was


def test_ink_past_the_wider_canvas_is_drawn_by_the_backend():
    fig = _figure()
    fig.text(0.5, 0.5, "a text far longer than the figure is wide, " * 6)  # past MARGIN on the right
    calls = []

    def fallback(f):
        calls.append(f)
        return "theirs"

    assert _inline.ink_png(fig, fallback=fallback) == "theirs" and calls == [fig]
    picture = _image(_inline.ink_png(fig))  # no fallback given: savefig's tight box, which includes it all
    assert picture.shape[1] > (fig.get_figwidth() + 2 * _inline.MARGIN) * fig.dpi


def test_a_transparent_figure_is_drawn_by_the_backend():
    fig = _figure()
    fig.patch.set_alpha(0.0)
    assert _inline.ink_png(fig, fallback=lambda f: "theirs") == "theirs"


def test_an_empty_figure_shows_nothing():
    assert _inline.ink_png(plt.figure()) is None


@pytest.fixture
def shell():
    shell = InteractiveShell.instance()
    yield shell
    InteractiveShell.clear_instance()


def _png_function(shell):
    return shell.display_formatter.formatters["image/png"].type_printers.get(Figure)


def test_install_replaces_only_the_backends_default(shell):
    _inline.install()
    assert _png_function(shell) is None  # no figure yet: the backend has registered nothing
    select_figure_formats(shell, {"png"}, bbox_inches="tight")  # what the inline backend does at the first figure
    shell.events.trigger("post_execute")
    function = _png_function(shell)
    assert isinstance(function, functools.partial) and function.func is _inline.ink_png
    _inline.install()  # again (autoreload re-imports the package): still one check per cell
    assert sum(f.__qualname__ == "_swap" for f in shell.events.callbacks["post_execute"]) == 1
    # a notebook's own settings (%config InlineBackend.print_figure_kwargs / figure_formats) are kept
    for formats, kwargs in (
        ({"png"}, {"bbox_inches": None}),
        ({"png"}, {"bbox_inches": "tight", "dpi": 200}),
        ({"retina"}, {}),
    ):
        select_figure_formats(shell, formats, **kwargs)
        before = _png_function(shell)
        shell.events.trigger("post_execute")
        assert _png_function(shell) is before
