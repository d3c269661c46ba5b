"""Figures of notebook 03 (layers and a two-layer net): the regions a net gives to each class, and
results over several seeds.

The computing is done elsewhere
(:mod:`course_utils.regions`, :mod:`course_utils.models`); these functions only draw.

Every figure with several panels keeps its legend outside the panels, so it never hides data.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from ..regions import boundary_segments, data_box
from ._axes import fixed_titles, margins_in_inches, palette, subplots, tick_labels_width, x_labels_overhang
from .classifiers import plot_decision_boundary

__all__ = [
    "plot_region_grid",
    "plot_threshold_regions",
    "plot_relu_cells",
    "plot_seed_accuracies",
    "plot_hidden_space_3d",
]

_COLORS = palette("tab10")
_UNIT_COLORS = palette("Dark2")


def _class_handles(y: np.ndarray, class_names: Sequence[str] | None) -> list[Line2D]:
    return [
        Line2D(
            [],
            [],
            ls="",
            marker="o",
            markersize=6,
            markerfacecolor=_COLORS[c % 10],
            markeredgecolor="k",
            markeredgewidth=0.4,
            label=class_names[c] if class_names is not None else f"class {c}",
        )
        for c in np.unique(y)
    ]


def plot_region_grid(
    models: Mapping[str, Any],
    X: np.ndarray,
    y: np.ndarray,
    *,
    ncols: int | None = None,
    suptitle: str | None = None,
    resolution: int = 120,
    class_names: Sequence[str] | None = None,
) -> Figure:
    """Decision regions of several models on the same 2-D data, in a grid, one legend outside.

    Inputs:
    - models: panel title -> model (anything ``viz.plot_decision_boundary`` takes), in order.
    - X: (N, 2) points; y: (N,) int labels.
    - ncols: panels per row (default: all in one row); suptitle: a title over the grid.
    - resolution: grid points per side of each panel; class_names: legend labels.
    Returns: the Figure; the class legend sits to the right of the grid.
    """
    if not models:
        raise ValueError("plot_region_grid: models is empty")
    ncols = len(models) if ncols is None else max(1, min(int(ncols), len(models)))
    fig, axes, legend_at = _panels(list(models), ncols=ncols, suptitle=suptitle, panel=3.0, legend_width=1.1)
    for ax, (name, model) in zip(axes.flat, models.items()):
        plot_decision_boundary(
            model, X, y, ax=ax, title=name, resolution=resolution, class_names=class_names, legend=False
        )
    for ax in axes.flat[len(models) :]:
        ax.set_visible(False)
    fig.legend(
        handles=_class_handles(np.asarray(y), class_names), loc="upper left", bbox_to_anchor=legend_at, fontsize="small"
    )
    return fig


def _panels(
    titles: Sequence[str], *, ncols: int, suptitle: str | None, panel: float, legend_width: float
) -> tuple[Figure, np.ndarray, tuple[float, float]]:
    """A figure of len(titles) square panels of ``panel`` inches in rows of ncols, room for a legend
    ``legend_width`` inches wide at the right, and the suptitle; returns it, its (nrows, ncols) axes
    and the point (figure fraction) where the legend's upper left corner goes.

    Notes: the margins are fixed in inches, wide enough for tick labels and axis labels at the left
    and below each panel and for its title (0.2 inches per line of text) above, rather than found
    by constrained layout, which measures every panel's tick labels at each draw (a third of the
    drawing of a figure of a few panels). The inline backend crops the figure to what it draws.
    """
    nrows = -(-len(titles) // ncols)
    title = 0.2 * max(str(t).count("\n") + 1 for t in titles) + 0.15
    left, bottom, right, top = 0.7, 0.55, legend_width + 0.15, title + (0.3 if suptitle else 0.05)
    gap_w, gap_h = 0.9, 0.45 + title
    width = left + panel * ncols + gap_w * (ncols - 1) + right
    height = bottom + panel * nrows + gap_h * (nrows - 1) + top
    fig, axes = subplots(nrows, ncols, figsize=(width, height), squeeze=False)
    margins_in_inches(
        fig, left=left, right=right, bottom=bottom, top=top, panel=(panel, panel), gap_w=gap_w, gap_h=gap_h
    )
    if suptitle:
        fig.suptitle(suptitle, y=1 - 0.1 / height, va="top")
    return fig, axes, (1 - legend_width / width, 1 - (top - title) / height)


def plot_threshold_regions(
    panels: Mapping[str, Mapping[str, Any]],
    *,
    X: np.ndarray | None = None,
    y: np.ndarray | None = None,
    extent: tuple[float, float, float, float] = (-1.5, 1.5, -1.5, 1.5),
    resolution: int = 160,
    suptitle: str | None = None,
) -> Figure:
    """Regions of nets of threshold units, one panel each.

    Inputs:
    - panels: title -> a dict with
      ``region``: a function of points (M, 2) returning the net's 0/1 output (M,), shaded where 1;
      ``units`` (optional): (W (2, K), b (K,)) first-layer units whose lines ``x @ W[:, k] + b[k] = 0``
      are drawn dashed, with a short arrow along ``W[:, k]`` to the side where the unit is on;
      ``pieces`` (optional): a function of points (M, 2) returning (M, P) 0/1 outputs (say, one
      column per polygon of a union), each column's outline drawn thin;
      ``data`` (optional, default True): draw X, y on this panel.
    - X, y: (N, 2) points and (N,) labels; extent: (x1_min, x1_max, x2_min, x2_max) of every
      panel; resolution: grid points per side; suptitle: a title over the panels.
    Returns: the Figure, with one legend outside the panels.
    """
    if not panels:
        raise ValueError("plot_threshold_regions: panels is empty")
    x_lo, x_hi, y_lo, y_hi = extent
    g0, g1 = np.meshgrid(np.linspace(x_lo, x_hi, resolution), np.linspace(y_lo, y_hi, resolution))
    points = np.column_stack([g0.ravel(), g1.ravel()])
    fig, axes, legend_at = _panels(list(panels), ncols=len(panels), suptitle=suptitle, panel=3.3, legend_width=1.7)
    span = max(x_hi - x_lo, y_hi - y_lo)
    has_pieces = has_units = False
    for ax, (title, spec) in zip(axes[0], panels.items()):
        inside = np.asarray(spec["region"](points), dtype=np.float64).reshape(g0.shape)
        ax.contourf(g0, g1, inside, levels=[-0.5, 0.5, 1.5], colors=["white", "0.55"], alpha=0.45)
        ax.contour(g0, g1, inside, levels=[0.5], colors="k", linewidths=1.5)
        if spec.get("pieces") is not None:
            has_pieces = True
            pieces = np.asarray(spec["pieces"](points), dtype=np.float64)
            for p in range(pieces.shape[1]):
                ax.contour(
                    g0, g1, pieces[:, p].reshape(g0.shape), levels=[0.5], colors="0.25", linewidths=0.7, linestyles=":"
                )
        if spec.get("units") is not None:
            has_units = True
            W, b = (np.asarray(a, dtype=np.float64) for a in spec["units"])
            for k in range(W.shape[1]):
                _draw_unit_line(ax, W[:, k], float(b[k]), extent, _UNIT_COLORS[k % 8], arrow=0.12 * span)
        if X is not None and y is not None and spec.get("data", True):
            for c in np.unique(y):
                ax.scatter(
                    *np.asarray(X)[np.asarray(y) == c].T,
                    s=10,
                    color=_COLORS[c % 10],
                    edgecolors="k",
                    linewidths=0.3,
                    zorder=3,
                )
        ax.set(title=title, xlabel="$x_1$", ylabel="$x_2$", xlim=(x_lo, x_hi), ylim=(y_lo, y_hi))
        ax.set_aspect("equal")
    handles = [
        Line2D([], [], color="0.55", alpha=0.6, lw=8, label="output 1"),
        Line2D([], [], color="k", lw=1.5, label="its border"),
    ]
    if has_units:
        handles.append(
            Line2D(
                [],
                [],
                color=_UNIT_COLORS[0],
                ls="--",
                lw=1.2,
                label="a first-layer unit's line\n(arrow: the side where\nit is on)",
            )
        )
    if has_pieces:
        handles.append(Line2D([], [], color="0.25", ls=":", lw=0.9, label="the polygons\nof the union"))
    if X is not None and y is not None:
        handles += _class_handles(np.asarray(y), None)
    fig.legend(handles=handles, loc="upper left", bbox_to_anchor=legend_at, fontsize="small")
    return fig


def _draw_unit_line(
    ax: Axes,
    w: np.ndarray,
    b: float,
    extent: tuple[float, float, float, float],
    color: str | tuple[float, ...],
    *,
    arrow: float,
    label: str | None = None,
) -> None:
    """The line x . w + b = 0 across the extent, dashed, and an arrow along w from its middle."""
    x_lo, x_hi, y_lo, y_hi = extent
    norm = float(np.linalg.norm(w))
    if norm == 0:
        return
    n = w / norm
    foot = -b / norm * n  # the point of the line closest to the origin
    direction = np.array([-n[1], n[0]])
    t = np.linspace(
        -3 * max(abs(x_lo), abs(x_hi), abs(y_lo), abs(y_hi)) - abs(b / norm),
        3 * max(abs(x_lo), abs(x_hi), abs(y_lo), abs(y_hi)) + abs(b / norm),
        2,
    )
    ax.plot(*(foot[:, None] + direction[:, None] * t), ls="--", lw=1.2, color=color, label=label)
    centre = np.array([(x_lo + x_hi) / 2, (y_lo + y_hi) / 2])
    mid = foot + direction * float((centre - foot) @ direction)
    if x_lo <= mid[0] <= x_hi and y_lo <= mid[1] <= y_hi:
        tip = mid + arrow * n
        ax.annotate(
            "", xy=(tip[0], tip[1]), xytext=(mid[0], mid[1]), arrowprops=dict(arrowstyle="->", color=color, lw=1.3)
        )


def plot_relu_cells(
    models: Mapping[str, Any],
    X: np.ndarray,
    y: np.ndarray,
    *,
    suptitle: str | None = None,
    resolution: int = 160,
    padding: float = 0.1,
) -> Figure:
    """Decision regions of one-hidden-layer ReLU nets (2 classes) with the lines where their
    hidden units switch on or off, and the straight pieces of the decision boundary.

    Inputs:
    - models: panel title -> net (2 inputs, one hidden ReLU layer, 2 classes).
    - X: (N, 2) points; y: (N,) labels; resolution: grid points per side; padding: margin
      around the data as a fraction of its range.
    - suptitle: a title over the panels.
    Returns: the Figure. In each panel the dashed lines are ``x @ W1[:, j] + b1[j] = 0``, the
    black segments are the boundary's straight pieces (:func:`regions.boundary_segments`) and
    the dots their ends, where the boundary bends.
    """
    if not models:
        raise ValueError("plot_relu_cells: models is empty")
    X, y = np.asarray(X), np.asarray(y)
    box = data_box(X, padding)
    span = max(box[1] - box[0], box[3] - box[2])
    fig, axes, legend_at = _panels(list(models), ncols=len(models), suptitle=suptitle, panel=3.5, legend_width=1.4)
    num_units = 0
    for ax, (title, model) in zip(axes[0], models.items()):
        plot_decision_boundary(model, X, y, ax=ax, title=title, resolution=resolution, padding=padding, legend=False)
        W1, b1 = np.asarray(model.params["W1"]), np.asarray(model.params["b1"])
        num_units = max(num_units, W1.shape[1])
        for j in range(W1.shape[1]):
            _draw_unit_line(ax, W1[:, j], float(b1[j]), box, _UNIT_COLORS[j % 8], arrow=0.08 * span)
        segments = boundary_segments(model, box)
        for s in segments:
            ax.plot(*np.array([s.start, s.end]).T, color="k", lw=2.2, solid_capstyle="round", zorder=4)
            ax.plot(*np.array([s.start, s.end]).T, ls="", marker="o", ms=4, color="k", zorder=5)
        ax.set(xlim=box[:2], ylim=box[2:])
    handles = _class_handles(y, None) + [
        Line2D([], [], color=_UNIT_COLORS[j % 8], ls="--", lw=1.2, label=f"unit {j + 1} switches\n(arrow: on side)")
        for j in range(num_units)
    ]
    handles.append(Line2D([], [], color="k", lw=2.2, marker="o", ms=4, label="straight pieces\nof the boundary"))
    fig.legend(handles=handles, loc="upper left", bbox_to_anchor=legend_at, fontsize="small")
    return fig


def plot_seed_accuracies(
    accuracies: Mapping[str, Sequence[float]],
    *,
    num_examples: int | None = None,
    title: str = "Accuracy over seeds",
    xlabel: str = "validation accuracy",
) -> Figure:
    """A strip plot: one row per model, one dot per seed, the mean and +- one std as a bar.

    Inputs:
    - accuracies: model name -> accuracies (fractions in [0, 1]), one per seed.
    - num_examples: size of the evaluation set; when given, thin vertical lines mark every
      possible accuracy (k / num_examples), so one example's worth is visible.
    - title, xlabel: the Axes title and x label.
    Returns: the Figure. Dots at the same value are spread vertically so each seed stays visible.
    """
    if not accuracies:
        raise ValueError("plot_seed_accuracies: accuracies is empty")
    names = list(accuracies)
    fig, ax = subplots(figsize=(7.5, 0.75 * len(names) + 1.4))
    all_values = np.concatenate([np.asarray(v, dtype=np.float64) for v in accuracies.values()])
    for row, name in enumerate(names):
        values = np.asarray(accuracies[name], dtype=np.float64)
        mean, std = float(values.mean()), float(values.std())
        offsets = np.zeros(len(values))
        for v in np.unique(values):  # spread equal values so that no dot hides another
            same = np.flatnonzero(values == v)
            offsets[same] = (np.arange(len(same)) - (len(same) - 1) / 2) * 0.09
        color = _COLORS[row % 10]
        ax.scatter(
            100 * values,
            row + offsets,
            s=36,
            color=color,
            edgecolors="k",
            linewidths=0.5,
            zorder=3,
            label="one seed" if row == 0 else None,
        )
        ax.errorbar(100 * mean, row - 0.3, xerr=100 * std, fmt="|", color=color, ms=12, capsize=4, lw=1.5, zorder=3)
        ax.annotate(
            f"{100 * mean:.1f} ± {100 * std:.1f}",
            (100 * (mean + std), row - 0.3),
            xytext=(8, 0),
            textcoords="offset points",
            ha="left",
            va="center",
            fontsize="small",
            color=color,
        )
    lo, hi = 100 * all_values.min(), 100 * all_values.max()
    margin = max(0.5, 0.15 * (hi - lo))
    ax.set(
        xlim=(lo - margin, hi + 2 * margin),
        ylim=(len(names) - 0.5, -0.9),
        yticks=range(len(names)),
        yticklabels=names,
        title=title,
    )
    if num_examples:
        step = 100 / num_examples
        for k in range(int(np.floor((lo - margin) / step)), int(np.ceil((hi + margin) / step)) + 1):
            ax.axvline(k * step, color="0.88", lw=0.6, zorder=0)
        xlabel = f"{xlabel} (%); grey lines: one example apart ({step:.2f} points)"
    else:
        xlabel = f"{xlabel} (%)"
    ax.set_xlabel(xlabel)
    ax.errorbar([], [], xerr=[], fmt="|", color="0.3", capsize=4, label="mean ± std")
    fig.legend(loc="lower center", ncols=2, fontsize="small")
    # constrained layout's margins, laid out once (not at every draw): the models' names at the left, below
    # the x label and the legend, a line of title above; at the right, an x tick label past the edge
    left = tick_labels_width(ax) + 0.14
    margins_in_inches(fig, left=left, right=0.04, bottom=0.78, top=0.255)
    margins_in_inches(fig, left=left, right=0.04 + x_labels_overhang(ax)[1], bottom=0.78, top=0.255)
    return fig


def plot_hidden_space_3d(
    model: Any,
    X: np.ndarray,
    y: np.ndarray,
    *,
    title: str | None = None,
    num_grid_lines: int = 11,
    elev: float = 20.0,
    azim: float = 45.0,
) -> Figure:
    """The data and a grid in the plane (left), and both in a 3-unit hidden layer (right, large).

    Inputs:
    - model: a net with ``hidden(X, layer=1)`` giving 3 activations per point and ``params``
      W2 (3, 2), b2 (2,) (as a ``models.FullyConnectedNet([3], 2, 2)``).
    - X: (N, 2) points; y: (N,) labels; title: a title over both panels.
    - num_grid_lines: straight grid lines per direction; elev, azim: the 3-D view angles.
    Returns: the Figure, with its legend outside the 3-D axes.

    Notes: each ReLU flattens the half of the plane where it is off, so the straight grid
    lines come out folded. The grey plane is where the output layer's two scores are equal:
    the output layer is a linear classifier in this space.
    """
    X, y = np.asarray(X, dtype=np.float64), np.asarray(y)
    lo, hi = X.min(axis=0), X.max(axis=0)
    lo, hi = lo - 0.1 * (hi - lo), hi + 0.1 * (hi - lo)
    t0, t1 = np.linspace(lo[0], hi[0], 200), np.linspace(lo[1], hi[1], 200)
    lines = [np.column_stack([t0, np.full_like(t0, c)]) for c in np.linspace(lo[1], hi[1], num_grid_lines)]
    lines += [np.column_stack([np.full_like(t1, c), t1]) for c in np.linspace(lo[0], hi[0], num_grid_lines)]
    H_data = np.asarray(model.hidden(X, layer=1), dtype=np.float64)
    if H_data.shape[1] != 3:
        raise ValueError(f"plot_hidden_space_3d: the hidden layer must have 3 units, got {H_data.shape[1]}")
    H_lines = [np.asarray(model.hidden(line, layer=1), dtype=np.float64) for line in lines]
    h_lo, h_hi = H_data.min(axis=0), H_data.max(axis=0)
    h_lo, h_hi = h_lo - 0.05 * (h_hi - h_lo) - 1e-3, h_hi + 0.05 * (h_hi - h_lo) + 1e-3

    with fixed_titles():
        fig = plt.figure(figsize=(13, 6.2))
        # fixed margins, as _panels: room for the axis labels, the titles and the legend at right
        grid = fig.add_gridspec(1, 2, width_ratios=[1, 1.7], left=0.055, right=0.9, bottom=0.0, top=0.93, wspace=0.05)
        ax0 = fig.add_subplot(grid[0])
        ax1 = fig.add_subplot(grid[1], projection="3d")
    for i, line in enumerate(lines):
        ax0.plot(*line.T, color="0.6" if i < num_grid_lines else "0.8", lw=0.7, zorder=0)
    for c in np.unique(y):
        ax0.scatter(X[y == c, 0], X[y == c, 1], s=12, color=_COLORS[c % 10], edgecolors="k", linewidths=0.3)
    ax0.set(title="input space", xlabel="$x_1$", ylabel="$x_2$")
    ax0.set_aspect("equal")

    for i, h in enumerate(H_lines):
        inside = np.all((h >= h_lo) & (h <= h_hi), axis=1)
        ax1.plot(*np.where(inside[:, None], h, np.nan).T, color="0.6" if i < num_grid_lines else "0.8", lw=0.6)
    for c in np.unique(y):
        ax1.scatter(*H_data[y == c].T, s=14, color=_COLORS[c % 10], edgecolors="k", linewidths=0.3, depthshade=False)
    handles = _class_handles(y, None) + [Line2D([], [], color="0.6", lw=0.7, label="grid lines")]
    W2, b2 = (np.asarray(model.params[k], dtype=np.float64) for k in ("W2", "b2"))
    if W2.shape == (3, 2):
        n, c = W2[:, 1] - W2[:, 0], float(b2[1] - b2[0])
        k = int(np.argmax(np.abs(n)))
        i, j = [a for a in range(3) if a != k]
        u, v = np.meshgrid(np.linspace(h_lo[i], h_hi[i], 25), np.linspace(h_lo[j], h_hi[j], 25))
        w = -(c + n[i] * u + n[j] * v) / n[k]
        w = np.where((w >= h_lo[k]) & (w <= h_hi[k]), w, np.nan)
        coords: list[Any] = [None, None, None]
        coords[i], coords[j], coords[k] = u, v, w
        ax1.plot_surface(*coords, color="0.3", alpha=0.2, linewidth=0)
        handles.append(Line2D([], [], color="0.3", alpha=0.4, lw=6, label="decision plane\n(scores equal)"))
    ax1.set(
        xlabel="$h_1$",
        ylabel="$h_2$",
        zlabel="$h_3$",
        xlim=(h_lo[0], h_hi[0]),
        ylim=(h_lo[1], h_hi[1]),
        zlim=(h_lo[2], h_hi[2]),
    )
    ax1.text2D(
        0.5, 0.98, "hidden layer (3 ReLU units)", transform=ax1.transAxes, ha="center", va="top", fontsize="large"
    )
    ax1.view_init(elev=elev, azim=azim)
    fig.legend(handles=handles, loc="upper left", bbox_to_anchor=(0.885, 0.99), fontsize="small")
    if title:
        fig.suptitle(title)
    return fig
