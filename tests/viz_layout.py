"""Checks shared by the figure tests: fixed margins are the ones tight_layout finds, and every artist lies in the figure."""

from __future__ import annotations

import io

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.figure import Figure
from PIL import Image


def axes_boxes(fig: Figure, *, original: bool = True) -> np.ndarray:
    """Every axes' slot (original: its position before an aspect shrinks it; else the box drawn) as
    (x0, y0, width, height) in inches."""
    width, height = fig.get_size_inches()
    for ax in fig.axes:
        ax.apply_aspect()
    boxes = [ax.get_position(original=original).bounds for ax in fig.axes]
    return np.array(boxes) * [width, height, width, height]


def assert_inside(fig: Figure) -> None:
    """Everything drawn lies within the figure (a PNG of the whole figure, as an explorer shows it, clips nothing)."""
    fig.canvas.draw()
    ink = fig.get_tightbbox(fig.canvas.get_renderer())
    width, height = fig.get_size_inches()
    tol = 1 / fig.dpi  # a pixel
    assert ink.x0 >= -tol and ink.y0 >= -tol and ink.x1 <= width + tol and ink.y1 <= height + tol, (
        f"drawn outside the figure: ink {ink.bounds} in a {width} x {height} figure"
    )


def assert_margins_of_tight_layout(
    fig: Figure, *, rect=(0, 0, 1, 1), slack: float = 0.05, original: bool = True
) -> None:
    """The axes sit where ``fig.tight_layout(rect=rect)`` puts them, within ``slack`` inches: the fixed margins
    and gaps leave each tick label, axis label and title the room tight_layout measures for it, and no more.
    original=False compares the boxes drawn (equal axes narrower than their slots), not the slots.

    Lays the figure out anew: call it last."""
    assert_inside(fig)
    fixed = axes_boxes(fig, original=original)
    # from matplotlib's default margins, where the figure function's tight_layout started: a legend placed
    # in axes coordinates moves with the axes, so tight_layout's margins depend on where it starts
    fig.subplots_adjust(
        **{k: plt.rcParams[f"figure.subplot.{k}"] for k in ("left", "right", "bottom", "top", "wspace", "hspace")}
    )
    fig.tight_layout(rect=rect)
    tight = axes_boxes(fig, original=original)
    np.testing.assert_allclose(fixed, tight, atol=slack, err_msg="margins other than tight_layout's")


def assert_clear(fig: Figure) -> None:
    """Everything drawn lies within the figure, and no panel's ink (its ticks, labels, title) runs into another's."""
    assert_inside(fig)
    renderer = fig.canvas.get_renderer()
    boxes = [ax.get_tightbbox(renderer) for ax in fig.axes if ax.get_visible()]
    for i, a in enumerate(boxes):
        for b in boxes[i + 1 :]:
            assert not a.overlaps(b), f"two panels' ink overlaps: {a.bounds} and {b.bounds}"


def assert_png_unclipped(png: bytes, *, border: int = 3) -> None:
    """A PNG of a whole figure (an explorer's) has nothing but the background within ``border`` pixels of its
    edges: no tick label, axis label or title runs off it."""
    image = np.asarray(Image.open(io.BytesIO(png)).convert("L"))
    edges = np.concatenate(
        [image[:border].ravel(), image[-border:].ravel(), image[:, :border].ravel(), image[:, -border:].ravel()]
    )
    assert edges.min() >= 250, "ink at the edge of the picture: something runs off it"
