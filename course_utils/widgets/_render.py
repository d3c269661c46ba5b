"""How every explorer shows its figure: a PNG in an ipywidgets Image, drawn once per redraw.

Why not ``display(fig)`` into an Output widget, as the notebooks' cells do: the inline backend
saves a figure with ``bbox_inches="tight"``, which draws it twice (once to measure its ink, once
to save), most of a redraw's time (benchmarks/README.md, widgets). Here the figure keeps the size and layout it was
built with, so one draw makes the PNG. An explorer builds its figure once and, on a change,
updates its artists (``set_data``, ``set_text``) before :meth:`FigureImage.show`; building new
axes, ticks and a tight layout on every change costs as much as a draw.

An Image widget also captures no output: the picture is replaced without flicker, and a
notebook runner (nbclient, which answers every output an Output widget captures with a message
of its own) has no extra messages to wait for.
"""

from __future__ import annotations

import io

import ipywidgets as widgets
import matplotlib.pyplot as plt
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.transforms import Bbox

from .._inline import COMPRESS_LEVEL

__all__ = ["DPI", "FigureImage", "png_bytes"]

DPI = 100  # the inline backend's resolution, so an explorer's figure matches the notebook's other figures


def png_bytes(fig: Figure, *, bbox_inches: Bbox | None = None) -> bytes:
    """The figure as PNG bytes at :data:`DPI`, drawn once (``bbox_inches``: the part to save, in inches, or None
    for the whole figure; not "tight", which draws twice)."""
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=DPI, bbox_inches=bbox_inches, pil_kwargs={"compress_level": COMPRESS_LEVEL})
    return buffer.getvalue()


class FigureImage:
    """One explorer's figure in an Image widget (``.widget``, to put in the explorer's box).

    ``show(fig)`` renders ``fig`` into the widget; ``show()`` renders the figure shown last again,
    after its artists changed. When a figure is first shown, it is closed in pyplot (the explorer
    owns it, and the inline backend does not show it a second time when the cell ends), its layout
    is frozen (a layout engine, even the placeholder ``fig.tight_layout()`` leaves behind, makes
    every ``savefig`` draw the figure an extra time to lay it out) and it gets an Agg canvas of its
    own (a ``Figure()`` made without pyplot would get a new one, and a new renderer, per save:
    about a fifth of a redraw).

    ``crop=True`` crops the PNG to the figure's ink, as the inline backend does, for a figure
    sized to its content (the circuit explorer's, made anew on every change): the ink's box is
    measured when a figure of a new size is shown, and kept while the size stays, so a redraw
    of the same circuit with other numbers is still one draw.
    """

    def __init__(self, *, crop: bool = False) -> None:
        self.widget = widgets.Image(format="png")
        self.figure: Figure | None = None
        self.crop = crop
        self._crop_box: tuple[tuple[float, float], Bbox] | None = None  # (figure size, box), both in inches

    def show(self, fig: Figure | None = None) -> None:
        if fig is not None and fig is not self.figure:
            plt.close(fig)
            engine = fig.get_layout_engine()
            if engine is not None:
                engine.execute(fig)  # the layout, once (the placeholder of tight_layout does nothing)
                fig.set_layout_engine(None)
            if not isinstance(fig.canvas, FigureCanvasAgg):
                FigureCanvasAgg(fig)
            self.figure = fig
        if self.figure is None:
            raise ValueError("FigureImage.show: no figure yet; pass one")
        box = None
        if self.crop:
            size = tuple(self.figure.get_size_inches())
            if self._crop_box is None or self._crop_box[0] != size:
                ink = self.figure.get_tightbbox(self.figure.canvas.get_renderer())  # type: ignore[attr-defined]  # an Agg canvas (above)
                self._crop_box = size, ink.padded(plt.rcParams["savefig.pad_inches"])
            box = self._crop_box[1]
        # shown at the PNG's own size: a box stretches its children to its width, which would enlarge
        # the picture (and its text) past the screen; narrower screens still shrink it to fit
        width = (box.width if box is not None else self.figure.get_figwidth()) * DPI
        if self.widget.layout.width != f"{round(width)}px":
            self.widget.layout.width, self.widget.layout.max_width = f"{round(width)}px", "100%"
        self.widget.value = png_bytes(self.figure, bbox_inches=box)
