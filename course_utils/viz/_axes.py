"""What the plotting modules share about axes."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, cast

import matplotlib.pyplot as plt
from matplotlib.axes import Axes
from matplotlib.colors import ListedColormap, to_rgb
from matplotlib.figure import Figure


def figure_of(ax: Axes) -> Figure:
    """The figure ``ax`` is drawn in (the whole figure, should the axes sit in a subfigure)."""
    fig = ax.get_figure(root=True)
    if fig is None:
        raise ValueError("these axes belong to no figure: make them with plt.subplots()")
    return fig


def palette(name: str) -> tuple[tuple[float, float, float], ...]:
    """The colours of one of matplotlib's listed colormaps ("tab10", "Dark2") as RGB triples."""
    return tuple(to_rgb(c) for c in cast(Sequence[Any], cast(ListedColormap, plt.get_cmap(name)).colors))
