"""What the plotting modules share about axes."""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any, Literal, cast

import matplotlib as mpl
import matplotlib.pyplot as plt
import numpy as np
from matplotlib.axes import Axes
from matplotlib.axis import Axis
from matplotlib.colors import ListedColormap, to_rgb
from matplotlib.figure import Figure
from matplotlib.legend import Legend
from matplotlib.text import Text
from matplotlib.ticker import LogFormatter, LogLocator


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
    panel: tuple[float, float] | None = None,
    gap_w: float = 0.0,
    gap_h: float = 0.0,
) -> None:
    """``fig.subplots_adjust`` with the margins and the gaps between panels given in inches.

    panel: a panel's (width, height) in inches, the unit matplotlib measures gaps in; None: the
    figure's grid of equal panels, what the margins and gaps leave of the figure. Fixed margins
    are laid out once, where a layout engine (or ``fig.tight_layout()``, before the inline
    backend measures the figure again to crop it) measures every tick label.
    """
    width, height = fig.get_size_inches()
    if panel is None:
        spec = fig.axes[0].get_subplotspec()
        if spec is None:
            raise ValueError("margins_in_inches: pass panel= for axes that are not on a grid")
        nrows, ncols = spec.get_gridspec().get_geometry()
        panel = (
            (width - left - right - gap_w * (ncols - 1)) / ncols,
            (height - bottom - top - gap_h * (nrows - 1)) / nrows,
        )
    fig.subplots_adjust(
        left=left / width,
        right=1 - right / width,
        bottom=bottom / height,
        top=1 - top / height,
        wspace=gap_w / panel[0],
        hspace=gap_h / panel[1],
    )


def margins_beside_legend(
    fig: Figure, legend: Legend, *, left: float, bottom: float, top: float, gap_w: float = 0.0
) -> None:
    """:func:`margins_in_inches` for a row of panels with ``legend`` right of the last one
    (``bbox_to_anchor=(1.01, 1)``): the right margin is the legend's width, measured once, and
    0.25 inches more; gap_w: the gap between panels, in inches."""
    renderer = fig.canvas.get_renderer()  # type: ignore[attr-defined]  # Agg's, and the inline backend's
    width = legend.get_window_extent(renderer).width / fig.dpi
    margins_in_inches(fig, left=left, right=width + 0.25, bottom=bottom, top=top, gap_w=gap_w)


def _tick_labels(ax: Axes, name: Literal["x", "y"]) -> list[tuple[float, float]]:
    """(location, width in inches) of every labelled tick of ``ax``'s x or y axis in view, major and minor,
    found without drawing the figure: the ticks are located and formatted, and only their labels measured."""
    fig = figure_of(ax)
    axis = ax.xaxis if name == "x" else ax.yaxis
    lo, hi = sorted(ax.get_xlim() if name == "x" else ax.get_ylim())  # autoscales the view now, as a draw would
    slack = 1e-9 * (hi - lo)  # matplotlib also labels a tick a rounding error outside the view
    renderer = fig.canvas.get_renderer()  # type: ignore[attr-defined]  # Agg's, and the inline backend's
    found = []
    for locs, formatter, ticks in (
        (axis.get_majorticklocs(), axis.get_major_formatter(), axis.get_major_ticks(1)),
        (axis.get_minorticklocs(), axis.get_minor_formatter(), axis.get_minor_ticks(1)),
    ):
        shown = [float(v) for v in locs if lo - slack <= v <= hi + slack]
        prop = ticks[0].label1.get_fontproperties()
        for v, label in zip(shown, formatter.format_ticks(shown)):
            if label:
                text = Text(text=label, fontproperties=prop, figure=fig)
                found.append((v, text.get_window_extent(renderer).width / fig.dpi))
    return found


def tick_labels_width(ax: Axes) -> float:
    """The widest label of ``ax``'s y ticks in view (major and minor), in inches, measured without drawing the figure.

    For a left margin (or a gap between panels) that fits the labels the data gives: tight_layout
    finds it by drawing every artist of the figure; this formats and measures only these labels.
    """
    return max((width for _, width in _tick_labels(ax, "y")), default=0.0)


def x_labels_overhang(ax: Axes) -> tuple[float, float]:
    """How far ``ax``'s x tick labels, centred on their ticks, reach past its left and right edges at its
    present position, in inches (0 where they do not): what a gap between panels holds besides the
    next panel's y labels. Measured as :func:`tick_labels_width` measures."""
    fig = figure_of(ax)
    box = ax.get_window_extent()  # at the axes' position, which subplots_adjust sets at once
    left = right = 0.0
    for v, width in _tick_labels(ax, "x"):
        at = ax.transData.transform((v, 0.0))[0]
        left = max(left, (box.x0 - at) / fig.dpi + width / 2)
        right = max(right, (at - box.x1) / fig.dpi + width / 2)
    return left, right


def figure_of(ax: Axes) -> Figure:
    """The figure ``ax`` is drawn in (the whole figure, should the axes sit in a subfigure)."""
    fig = ax.get_figure(root=True)
    if fig is None:
        raise ValueError("these axes belong to no figure: make them with plt.subplots()")
    return fig


def palette(name: str) -> tuple[tuple[float, float, float], ...]:
    """The colours of one of matplotlib's listed colormaps ("tab10", "Dark2") as RGB triples."""
    return tuple(to_rgb(c) for c in cast(Sequence[Any], cast(ListedColormap, plt.get_cmap(name)).colors))


class PowerFormatter(LogFormatter):
    """Tick labels of a log axis in plain text, "1e−3" and "2e−2", at the ticks matplotlib labels.

    Notes: matplotlib's default, ``LogFormatterSciNotation``, writes its labels ("10⁻³") as
    mathtext, which it parses anew for every figure it draws; plain text needs no parsing. The
    e-notation is the one the notebooks' code writes (``lr=1e-3``): with unicode superscripts
    instead, the font's superscript minus is a faint two-pixel line at 100 dpi, and "10⁻⁴" reads
    as "10⁴". Which ticks get a label (``labelOnlyBase``, ``minor_thresholds``) is
    :class:`~matplotlib.ticker.LogFormatter`'s choice, as for the default; a minus is the sign
    matplotlib writes (U+2212, with ``axes.unicode_minus``).
    """

    _base: float  # set by LogFormatter
    _sublabels: set[float] | None  # the mantissas labelled, chosen by LogFormatter.set_locs (None: all)

    def __call__(self, x: float, pos: int | None = None) -> str:
        if x == 0:  # symlog's zero
            return "0"
        if self._base != 10:
            return super().__call__(x, pos)
        sign = "-" if x < 0 else ""
        x = abs(x)
        fx = math.log10(x)
        is_decade = math.isclose(fx, round(fx))
        exponent = round(fx) if is_decade else math.floor(fx)
        coeff = 10.0 ** (fx - exponent)
        if self.labelOnlyBase and not is_decade:
            return ""
        if self._sublabels is not None and round(coeff) not in self._sublabels:
            return ""
        if abs(fx) < mpl.rcParams["axes.formatter.min_exponent"]:
            return self.fix_minus(f"{sign}{x:g}")
        if is_decade:
            return self.fix_minus(f"{sign}1e{exponent}")
        if math.isclose(coeff, round(coeff)):
            coeff = round(coeff)
        return self.fix_minus(f"{sign}{coeff:g}e{exponent}")


class _MinorLogLocator(LogLocator):
    """Minor ticks of a log axis at 2 and 5 times each power of ten; matplotlib's 2 to 9 where they are labelled.

    Notes: a tick is several artists, made and drawn anew for every figure, and eight a decade
    are most of a log axis's ticks. Where the view holds few powers of ten (at most one, or as
    many as the minor formatter's ``minor_thresholds`` allows), the formatter labels minor ticks,
    often the only labels there are: such views keep all of them.
    """

    def __init__(self) -> None:
        super().__init__(10.0, subs="auto")

    def tick_values(self, vmin: float, vmax: float) -> Sequence[float]:
        ticks = np.asarray(super().tick_values(vmin, vmax))
        low, high = sorted((vmin, vmax))
        if low <= 0 or len(ticks) == 0:
            return cast(Sequence[float], ticks)
        # the powers of ten in view, counted as LogFormatter.set_locs counts them (math.log with a
        # base, not log10: at 1e-3 they differ in the last bit, and so may the count)
        powers = math.floor(math.log(high, 10)) - math.floor(math.nextafter(math.log(low, 10), -math.inf))
        formatter = self.axis.get_minor_formatter() if isinstance(self.axis, Axis) else None
        if powers <= getattr(formatter, "minor_thresholds", (1, 0.4))[0]:
            return cast(Sequence[float], ticks)
        mantissa = ticks / 10.0 ** np.floor(np.log10(ticks) + 1e-9)
        return cast(Sequence[float], ticks[np.isclose(mantissa, 2) | np.isclose(mantissa, 5)])


def log_scale(ax: Axes, axis: Literal["x", "y", "both"]) -> None:
    """Put ``axis`` of ``ax`` on a log scale, its ticks labelled in plain text by :class:`PowerFormatter`.

    The major ticks sit where matplotlib puts them; minor ticks at 2 and 5 times each power of
    ten (:class:`_MinorLogLocator`). Call it where ``ax.set_yscale("log")`` would go.
    """
    for name in ("x", "y") if axis == "both" else (axis,):
        (ax.set_xscale if name == "x" else ax.set_yscale)("log")
        target = ax.xaxis if name == "x" else ax.yaxis
        target.set_major_formatter(PowerFormatter())
        target.set_minor_formatter(PowerFormatter())
        target.set_minor_locator(_MinorLogLocator())
