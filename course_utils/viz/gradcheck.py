"""Figures of numerical gradient checks: relative errors against the rule of thumb (notebook 01).

The relative error between a numerical and an analytic gradient is read against a rule of
thumb, shaded behind every curve here: at most 1e-7 the gradient is right, 1e-2 or more it is
wrong, in between it is suspicious (fine near a kink or deep in a circuit, a bug otherwise).
The compute side is :mod:`course_utils.gradcheck`; these functions only draw what they get.
Named after that concept, as gradient checks run through the course (notebooks 01-03, 06, 09),
though only notebook 01 draws them.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.patches import Patch
from numpy.typing import ArrayLike

from ._axes import figure_of, log_scale, margins_in_inches, subplots

__all__ = ["VERDICTS", "plot_rel_errors", "plot_error_scales", "plot_step_errors", "plot_kink"]

# (upper edge, label, colour) of each band of the rule of thumb, from the bottom up
VERDICTS = ((1e-7, "≤ 1e-7: right", "C2"), (1e-2, "1e-7 to 1e-2: suspicious", "C1"), (np.inf, "≥ 1e-2: wrong", "C3"))


def _verdict_bands(ax: Axes, low: float, high: float) -> None:
    """Shade the bands of VERDICTS between low and high, which become the y limits."""
    bottom = low
    for top, _, color in VERDICTS:
        ax.axhspan(bottom, min(top, high), color=color, alpha=0.12, lw=0, zorder=0)
        bottom = top
    ax.set_ylim(low, high)


def _legend(ax: Axes, **kwargs: Any) -> None:
    """The legend of the curves, then one entry per band of the rule of thumb."""
    bands = [Patch(facecolor=color, alpha=0.25, label=label) for _, label, color in VERDICTS]
    ax.legend(handles=ax.get_legend_handles_labels()[0] + bands, fontsize=7, **kwargs)


def plot_rel_errors(
    x: ArrayLike,
    errors: Mapping[str, ArrayLike],
    *,
    xlabel: str,
    title: str = "Relative error",
    logx: bool = True,
    floor: float = 1e-16,
    ax: Axes | None = None,
) -> Figure:
    """Relative errors against x on a log axis, over the bands of the rule of thumb.

    Inputs:
    - x: (K,) values of what was varied; errors: label -> (K,) relative errors.
    - xlabel, title: texts; logx: a log x axis; floor: errors below it (0 among them, which a log
      axis cannot show) are drawn at it, and the y label says so.
    - ax: the axes to draw into (default: a new figure).
    Returns: the matplotlib Figure.
    """
    fig, ax = subplots(figsize=(5.5, 3.8)) if ax is None else (figure_of(ax), ax)
    x = np.asarray(x, dtype=np.float64)
    values = {label: np.asarray(e, dtype=np.float64) for label, e in errors.items()}
    clipped = any(np.any(v < floor) for v in values.values())
    log_scale(ax, "both" if logx else "y")
    for k, (label, v) in enumerate(values.items()):
        ax.plot(x, np.maximum(v, floor), "o-", ms=3, color=f"C{k if k < 1 else k + 3}", label=label)
    everything = np.concatenate([np.maximum(v, floor) for v in values.values()])
    low, high = min(everything.min() / 5, 1e-9), max(everything.max() * 5, 1.0)
    _verdict_bands(ax, low, high)
    ax.set(
        xlabel=xlabel,
        ylabel="relative error" + (f" (below {floor:.0e}: at {floor:.0e})" if clipped else ""),
        title=title,
    )
    ax.grid(alpha=0.3, which="major")
    _legend(ax, loc="best")
    return fig


def plot_error_scales(
    scales: ArrayLike,
    absolute: Mapping[str, ArrayLike],
    relative: Mapping[str, ArrayLike],
    *,
    title: str = "Absolute and relative error",
) -> Figure:
    """The same gradient checks as their function is scaled: absolute error (left), relative error (right).

    Inputs:
    - scales: (K,) factors c the function was multiplied by.
    - absolute, relative: label -> (K,) max |numerical - analytic| and relative error per scale.
    Returns: the matplotlib Figure.

    Notes: multiplying f by c multiplies its gradient, and any error in it, by c: the absolute
    error follows the scale of the function and says nothing about right or wrong; the relative
    error does not move.
    """
    fig, (ax_abs, ax_rel) = subplots(1, 2, figsize=(10, 3.8))
    log_scale(ax_abs, "both")
    for k, (label, e) in enumerate(absolute.items()):
        ax_abs.plot(scales, e, "o-", ms=3, color=f"C{k if k < 1 else k + 3}", label=label)
    ax_abs.set(xlabel="scale c of the function", ylabel="max |numerical - analytic|", title="Absolute error")
    ax_abs.grid(alpha=0.3)
    ax_abs.legend(fontsize=7)
    plot_rel_errors(scales, relative, xlabel="scale c of the function", title="Relative error", ax=ax_rel)
    fig.suptitle(title)
    # the margins tight_layout finds, laid out once (the inline backend crops the PNG to its ink)
    margins_in_inches(fig, left=0.85, right=0.15, bottom=0.6, top=0.7, gap_w=0.85)
    return fig


def plot_step_errors(
    steps: ArrayLike,
    errors: Mapping[str, ArrayLike],
    *,
    title: str = "Error of a numerical derivative against the step h",
) -> Figure:
    """Relative error against the step h on log-log axes, the best step of each curve marked.

    Inputs:
    - steps: (K,) steps h; errors: label -> (K,) relative errors (the first curve: centred differences).
    Returns: the matplotlib Figure.

    Notes: two errors meet. Truncation (the difference quotient is not the derivative) falls with
    h, as h**2 for centred differences (slope 2 on these axes) and as h for one-sided ones; round-off
    (f is known to about eps = 2.2e-16 of its size, and that error is divided by h) grows as eps / h
    (slope -1). Dashed guides of slopes 2 and -1 are fitted to the first curve on either side of its
    best step, ten times away from it.
    """
    steps = np.asarray(steps, dtype=np.float64)
    fig = plot_rel_errors(steps, errors, xlabel="step h", title=title)
    ax = fig.axes[0]
    first = np.asarray(next(iter(errors.values())), dtype=np.float64)
    best = steps[np.argmin(first)]
    eps = np.finfo(np.float64).eps
    big, small = steps >= 10 * best, steps <= best / 10
    if big.any():
        c2 = np.median(first[big] / steps[big] ** 2)
        ax.plot(
            steps[big | (steps >= best)],
            c2 * steps[big | (steps >= best)] ** 2,
            "--",
            color="0.35",
            lw=1,
            label="∝ h² (truncation)",
        )
    if small.any():
        c1 = np.median(first[small] * steps[small] / eps)
        ax.plot(
            steps[small | (steps <= best)],
            c1 * eps / steps[small | (steps <= best)],
            ":",
            color="0.35",
            lw=1.2,
            label="∝ ε/h (round-off)",
        )
    for k, e in enumerate(errors.values()):
        e = np.asarray(e, dtype=np.float64)
        i = int(np.argmin(e))
        ax.plot(
            steps[i],
            e[i],
            "*",
            ms=11,
            color=f"C{k if k < 1 else k + 3}",
            mec="k",
            mew=0.5,
            label=f"best h = {steps[i]:.0e}",
        )
    _legend(ax, loc="upper left", bbox_to_anchor=(1.02, 1.0))  # beside the axes: the curves fill them
    fig.set_size_inches(7.8, 3.8)
    margins_in_inches(fig, left=0.85, right=1.85, bottom=0.6, top=0.4)  # right: the legend
    return fig


def plot_kink(
    x: ArrayLike,
    numerical: ArrayLike,
    analytic: ArrayLike,
    errors: ArrayLike,
    *,
    h: float,
    title: str = "A numerical gradient at a kink",
) -> Figure:
    """Gradients of a function with a kink at 0 (left) and their relative error (right), against x / h.

    Inputs:
    - x: (K,) points around the kink; numerical, analytic: (K,) gradients there; errors: (K,)
      their relative errors; h: the step of the numerical gradient.
    Returns: the matplotlib Figure.

    Notes: within h of the kink the two probes x - h and x + h fall on both sides of it, and the
    difference quotient averages the two slopes: neither is right, though the analytic gradient is.
    """
    x = np.asarray(x, dtype=np.float64) / h
    fig, (ax_g, ax_e) = subplots(1, 2, figsize=(10, 3.8))
    ax_g.axvspan(-1, 1, color="0.9", zorder=0, label="|x| < h: probes on both sides")
    ax_g.plot(x, analytic, "o", ms=3.5, color="C1", label="analytic (backprop)")
    ax_g.plot(x, numerical, "-", color="C0", label="numerical (centred, step h)")
    ax_g.set(xlabel="x / h", ylabel="gradient", title="Gradient")
    ax_g.grid(alpha=0.3)
    ax_g.legend(fontsize=7, loc="upper left")
    ax_e.axvspan(-1, 1, color="0.9", zorder=0)
    plot_rel_errors(x, {"relative error": errors}, xlabel="x / h", title="Relative error", logx=False, ax=ax_e)
    fig.suptitle(title)
    margins_in_inches(fig, left=0.7, right=0.15, bottom=0.6, top=0.7, gap_w=0.85)
    return fig
