"""How a notebook shows a figure: the inline backend's picture, drawn once.

IPython's inline backend saves every figure a cell shows with ``bbox_inches="tight"``: matplotlib
then lays the figure out and measures every artist (a pass with drawing disabled), measures them
again for the box, and only then draws, so most of the text and tick layout is done two or three
times (a third of the course's figure time; benchmarks/README.md, notebooks). :func:`install`
puts :func:`ink_png` in its place: it draws the figure once, on a canvas :data:`MARGIN` inches
wider on every side than the figure (so what lies a little past the figure's edge, which the tight
box includes, is drawn too), and crops the pixels to the ink plus the same padding
(``savefig.pad_inches``), which is what the tight box is for. Where ink comes within half of
:data:`MARGIN` of that canvas's edge (something lies farther out), the figure is transparent or
not drawn by Agg, the backend's own function draws it.

Only the backend's default is replaced: a notebook that sets ``InlineBackend.figure_formats`` or
``print_figure_kwargs`` (``%config``) keeps what it set.
"""

from __future__ import annotations

import functools
import io
import sys
from binascii import b2a_base64
from typing import Any

__all__ = ["COMPRESS_LEVEL", "MARGIN", "ink_png", "install"]

# zlib's fastest level, for the notebooks' figures and the explorers' (course_utils.widgets._render):
# a third less time than the default 6 for about 6-15% more bytes, on a local link
COMPRESS_LEVEL = 1
MARGIN = 1.0  # inches of canvas drawn around the figure, for what lies past its edge

_DEFAULT = {"fmt": "png", "base64": True, "bbox_inches": "tight"}  # IPython's inline PNG, as it registers it


def install() -> None:
    """In an IPython kernel, show figures with :func:`ink_png` from the next cell on (elsewhere nothing).

    The inline backend registers its PNG function when the first figure is made, so the swap is
    checked after every cell (a dictionary lookup), before the backend shows the cell's figures.
    """
    shell = _shell()
    if shell is None or not hasattr(shell, "events"):
        return
    callbacks = shell.events.callbacks.get("post_execute", [])
    if not any(getattr(f, "__qualname__", "") == _swap.__qualname__ for f in callbacks):  # once per kernel
        shell.events.register("post_execute", _swap)  # before the backend's flush, if that is registered later
    _swap()


def _shell() -> Any:
    """The running IPython shell, or None (IPython not imported, or no shell)."""
    get_ipython = getattr(sys.modules.get("IPython"), "get_ipython", None)
    return get_ipython() if get_ipython is not None else None


def _swap() -> None:
    """Replace the inline backend's default PNG function for figures by :func:`ink_png` (if it is registered)."""
    figure = sys.modules.get("matplotlib.figure")
    pylabtools = sys.modules.get("IPython.core.pylabtools")
    shell = _shell()
    if figure is None or pylabtools is None or shell is None:
        return
    formatter = shell.display_formatter.formatters.get("image/png")
    current = formatter.type_printers.get(figure.Figure) if formatter is not None else None
    if (
        isinstance(current, functools.partial)
        and current.func is pylabtools.print_figure
        and not current.args
        and current.keywords == _DEFAULT
    ):
        formatter.for_type(figure.Figure, functools.partial(ink_png, fallback=current))


def ink_png(fig: Any, *, fallback: Any = None) -> str | bytes | None:
    """``fig`` as the inline backend shows it (a base64 PNG cropped to its ink plus ``savefig.pad_inches``),
    drawn once.

    The figure is drawn on a canvas :data:`MARGIN` inches wider on every side than the figure (an
    explicit box, which savefig draws without measuring anything first), so a label or legend
    placed past the figure's edge is in the picture, as in the tight box. ``fallback``: the
    function to call for a picture the pixels cannot crop (ink within ``MARGIN / 2`` of that
    canvas's edge, a transparent figure; it gets ``fig``); None: IPython's ``print_figure`` as the
    inline backend calls it. Returns None for a figure with nothing in it, as the backend does.
    """
    import matplotlib as mpl
    import numpy as np
    from PIL import Image

    if not fig.axes and not fig.lines:
        return None
    background = np.round(np.array(mpl.colors.to_rgba(fig.get_facecolor())) * 255).astype(np.uint8)
    box = None
    if background[3] == 255:  # an opaque face, so the background's pixels are known exactly
        rgba = _draw_with_margin(fig)
        box = _ink_box(rgba, background, guard=round(MARGIN / 2 * fig.dpi)) if rgba is not None else None
    if box is None:
        if fallback is None:
            from IPython.core.pylabtools import print_figure

            fallback = functools.partial(print_figure, **_DEFAULT)
        return fallback(fig)
    (top, bottom), (left, right) = box
    pad = round(mpl.rcParams["savefig.pad_inches"] * fig.dpi)
    picture = np.empty((bottom - top + 2 * pad, right - left + 2 * pad, 4), np.uint8)
    picture[...] = background
    picture[pad : pad + bottom - top, pad : pad + right - left] = rgba[top:bottom, left:right]
    buffer = io.BytesIO()
    Image.fromarray(picture, "RGBA").save(buffer, format="png", compress_level=COMPRESS_LEVEL, dpi=(fig.dpi, fig.dpi))
    return b2a_base64(buffer.getvalue(), newline=False).decode("ascii")


def _draw_with_margin(fig: Any) -> Any:
    """The RGBA pixels of ``fig`` drawn once, with :data:`MARGIN` inches of its face around it (None: no Agg)."""
    import numpy as np
    from matplotlib.layout_engine import PlaceHolderLayoutEngine
    from matplotlib.transforms import Bbox

    engine = fig.get_layout_engine()
    if engine is not None and not isinstance(engine, PlaceHolderLayoutEngine):
        engine.execute(fig)  # what the draw would do first (constrained layout)
    width, height = fig.get_size_inches()
    box = Bbox.from_extents(-MARGIN, -MARGIN, width + MARGIN, height + MARGIN)
    # a figure legend placed by `loc` alone sits in the figure's box, which savefig widens to the
    # canvas: for the draw it is placed in the figure's own area (figure coordinates) instead
    legends = [legend for legend in fig.legends if legend.get_bbox_to_anchor() is fig.bbox]
    try:
        fig.set_layout_engine(None)  # laid out above; with a layout engine savefig would draw an extra time
        for legend in legends:
            legend.set_bbox_to_anchor(Bbox.unit(), transform=fig.transFigure)
        fig.canvas.print_figure(io.BytesIO(), format="rgba", dpi=fig.dpi, bbox_inches=box)
    finally:
        for legend in legends:
            legend.set_bbox_to_anchor(None)
        fig.set_layout_engine(engine)
    renderer = getattr(fig.canvas, "renderer", None)  # the Agg renderer it drew with, at the canvas's size
    if renderer is None or not hasattr(renderer, "buffer_rgba"):
        return None
    return np.asarray(renderer.buffer_rgba())


def _ink_box(rgba: Any, background: Any, guard: int) -> tuple[tuple[int, int], tuple[int, int]] | None:
    """The rows and columns ((top, bottom), (left, right), ends excluded) of the pixels that are not
    ``background``; None if there are none, or some lie within ``guard`` pixels of the edge (the
    picture may go on past it: a text's glyphs can stop a few pixels short of the edge that cuts them)."""
    import numpy as np

    pixels = rgba.view(np.uint32)[..., 0]  # one comparison per pixel, not four
    ink = pixels != background.view(np.uint32)[0]
    rows, cols = np.flatnonzero(ink.any(axis=1)), np.flatnonzero(ink.any(axis=0))
    if rows.size == 0:
        return None
    height, width = ink.shape
    if min(rows[0], cols[0], height - 1 - rows[-1], width - 1 - cols[-1]) < guard:
        return None
    return (int(rows[0]), int(rows[-1]) + 1), (int(cols[0]), int(cols[-1]) + 1)
