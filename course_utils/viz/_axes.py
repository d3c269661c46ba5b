"""What the plotting modules share about axes."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any, cast

import matplotlib.pyplot as plt
from matplotlib.axes import Axes
from matplotlib.colors import ListedColormap, to_rgb
from matplotlib.figure import Figure


@contextmanager
def fixed_titles() -> Iterator[None]:
    """Axes made inside keep their titles where matplotlib puts them by default, just above the axes.

    By default matplotlib looks, at every draw, for tick labels above the axes to lift the title
    over (for each axes, a layout of its x axis and of its y axis's offset text): no course
    figure has any there, and on a figure of many panels the search is a tenth of the drawing.
    """
    with plt.rc_context({"axes.titley": 1.0}):
        yield


def subplots(*args: Any, **kwargs: Any) -> Any:
    """``plt.subplots``, with :func:`fixed_titles`."""
    with fixed_titles():
        return plt.subplots(*args, **kwargs)


def margins_in_inches(
    fig: Figure,
    *,
    left: float,
    right: float,
    bottom: float,
    top: float,
    panel: tuple[float, float],
    gap_w: float = 0.0,
    gap_h: float = 0.0,
) -> None:
    """``fig.subplots_adjust`` with the margins and the gaps between panels given in inches.

    panel: a panel's (width, height) in inches, the unit matplotlib measures gaps in. Fixed
    margins are laid out once, where a layout engine measures every tick label at each draw.
    """
    width, height = fig.get_size_inches()
    fig.subplots_adjust(
        left=left / width,
        right=1 - right / width,
        bottom=bottom / height,
        top=1 - top / height,
        wspace=gap_w / panel[0],
        hspace=gap_h / panel[1],
    )


def figure_of(ax: Axes) -> Figure:
    """The figure ``ax`` is drawn in (the whole figure, should the axes sit in a subfigure)."""
    fig = ax.get_figure(root=True)
    if fig is None:
        raise ValueError("these axes belong to no figure: make them with plt.subplots()")
    return fig


def palette(name: str) -> tuple[tuple[float, float, float], ...]:
    """The colours of one of matplotlib's listed colormaps ("tab10", "Dark2") as RGB triples."""
    return tuple(to_rgb(c) for c in cast(Sequence[Any], cast(ListedColormap, plt.get_cmap(name)).colors))
