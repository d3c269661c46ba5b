"""Figures of notebook 08: optimizer paths on a 2-D surface, their loss per step, step lengths.

Compute with :func:`course_utils.surfaces.run_2d`, then draw here.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

import matplotlib.ticker as mticker
import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from ._axes import figure_of, log_scale, margins_beside_legend, margins_in_inches, subplots, tick_labels_width

Surface = Callable[[np.ndarray], tuple[float, np.ndarray]]  # p -> (value, gradient), as in course_utils.surfaces

__all__ = [
    "surface_grid",
    "draw_surface",
    "plot_trajectories",
    "plot_path_losses",
    "plot_step_lengths",
    "plot_loss_curves",
    "plot_iterations_vs_kappa",
    "plot_lr_sweep",
    "plot_loss_gaps",
]


def surface_grid(
    surface: Surface, xlim: tuple[float, float], ylim: tuple[float, float], num: int = 80
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The values of ``surface`` on a num x num grid: (X, Y, Z), each (num, num), for contour plots."""
    xs, ys = np.linspace(xlim[0], xlim[1], num), np.linspace(ylim[0], ylim[1], num)
    X, Y = np.meshgrid(xs, ys)
    Z = np.array([[surface(np.array([x, y]))[0] for x in xs] for y in ys])
    return X, Y, Z


def draw_surface(
    ax: Axes,
    surface: Surface,
    *,
    xlim: tuple[float, float] = (-10, 10),
    ylim: tuple[float, float] = (-5, 5),
    minimum: Sequence[float] | None = (0.0, 0.0),
    grid: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None,
    levels: int = 20,
) -> Axes:
    """Grey contours of ``surface`` (of log(1 + f - min f), so the levels crowd neither the minimum nor the rim)
    on ``ax``, its minimum starred, over the region xlim x ylim with the axes labelled x and y.

    grid: (X, Y, Z) from :func:`surface_grid`, to skip recomputing it. Returns: the Axes.
    """
    X, Y, Z = grid if grid is not None else surface_grid(surface, xlim, ylim)
    ax.contour(X, Y, np.log1p(Z - Z.min()), levels=levels, colors="0.7", linewidths=0.6)
    if minimum is not None:
        ax.plot(*minimum, "*", color="k", markersize=10)
    ax.set(xlim=xlim, ylim=ylim, xlabel="x", ylabel="y")
    return ax


def plot_trajectories(
    surface: Surface,
    paths: Mapping[str, np.ndarray],
    *,
    xlim: tuple[float, float] = (-10, 10),
    ylim: tuple[float, float] = (-5, 5),
    minimum: Sequence[float] | None = (0.0, 0.0),
    title: str = "optimizer paths",
    ncols: int | None = None,
    grid: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None,
    levels: int = 20,
) -> Figure:
    """Contours of ``surface`` with one labelled path per rule, in one panel each (or all in one).

    Inputs:
    - surface: ``p -> (value, grad)`` (see :mod:`course_utils.surfaces`).
    - paths: label -> (T + 1, 2) points, as returned by ``run_2d``.
    - xlim, ylim: the region drawn; minimum: the point marked with a star (None: none).
    - ncols: panels per row; None draws every path on one axes.
    - grid: (X, Y, Z) from :func:`surface_grid`, to skip recomputing it (the widget does that).
    Returns: the matplotlib Figure.
    """
    grid = grid if grid is not None else surface_grid(surface, xlim, ylim)
    labels = list(paths)
    if ncols is None:
        fig, ax = subplots(figsize=(7, 4))
        axes = [ax] * len(labels)
    else:
        nrows = -(-len(labels) // ncols)
        fig, grid_axes = subplots(nrows, ncols, figsize=(3.2 * ncols, 2.7 * nrows), squeeze=False)
        axes = list(grid_axes.ravel())
        for ax in axes[len(labels) :]:
            ax.set_visible(False)
    drawn = set()
    for k, label in enumerate(labels):
        ax = axes[k]
        if id(ax) not in drawn:
            draw_surface(ax, surface, xlim=xlim, ylim=ylim, minimum=minimum, grid=grid, levels=levels)
            drawn.add(id(ax))
        path = np.asarray(paths[label])
        ax.plot(path[:, 0], path[:, 1], "o-", color=f"C{k}", markersize=2.5, linewidth=1, label=label)
        if ncols is not None:
            ax.set_title(label, fontsize=10)
    # the margins tight_layout finds for these panels, laid out once (the inline backend crops the
    # PNG to its ink in any case)
    if ncols is None:
        axes[0].set_title(title)
        axes[0].legend(fontsize=10, loc="best")
        margins_in_inches(fig, left=0.7, right=0.3, bottom=0.6, top=0.4)
    else:
        fig.suptitle(title)
        margins_in_inches(fig, left=0.7, right=0.25, bottom=0.6, top=0.7, gap_w=0.75, gap_h=0.8)
    return fig


def plot_path_losses(
    surface: Surface, paths: Mapping[str, np.ndarray], *, title: str = "loss along each path", ax: Axes | None = None
) -> Figure:
    """The surface's value at every point of each path, against the step, on a log axis (linear where a
    value is not positive). A diverged path's curve stops where its values pass 1e100 (a log axis up to
    near the largest float cannot label its ticks)."""
    own = ax is None
    if ax is None:
        fig, ax = subplots(figsize=(6, 3.4))
    else:
        fig = figure_of(ax)
    positive = True
    for k, (label, path) in enumerate(paths.items()):
        with np.errstate(over="ignore", invalid="ignore"):
            values = np.array([surface(p)[0] for p in np.asarray(path)])
        values[~(np.abs(values) < 1e100)] = np.nan  # also inf and nan
        ax.plot(values, color=f"C{k}", label=label)
        positive &= bool(np.all(values[np.isfinite(values)] > 0))
    if positive:
        log_scale(ax, "y")
        # tick labels as plain numbers (2, 3, 0.5), not 2e0: the values sit near 1
        ax.yaxis.set_major_formatter(mticker.LogFormatter(labelOnlyBase=False, minor_thresholds=(2, 0.4)))
        ax.yaxis.set_minor_formatter(mticker.LogFormatter(labelOnlyBase=False, minor_thresholds=(2, 0.4)))
    else:
        ax.set_yscale("linear")
    ax.set(xlabel="step", ylabel="f(x, y)", title=title)
    ax.legend(fontsize=10)
    if own:  # tight_layout's margins, laid out once: the y tick labels and 0.45 inches for the ticks and the y label
        margins_in_inches(fig, left=tick_labels_width(ax) + 0.45, right=0.15, bottom=0.58, top=0.36)
    return fig


def plot_step_lengths(lengths: Mapping[str, np.ndarray], *, title: str = "step length per iteration") -> Figure:
    """|w_{t+1} - w_t| against t for each rule, both axes logarithmic."""
    fig, ax = subplots(figsize=(6, 3.4))
    log_scale(ax, "both")
    for k, (label, steps) in enumerate(lengths.items()):
        steps = np.asarray(steps)
        ax.plot(np.arange(1, len(steps) + 1), steps, color=f"C{k}", label=label)
    ax.set(xlabel="iteration", ylabel="step length", title=title)
    ax.legend(fontsize=10)
    margins_in_inches(fig, left=0.8, right=0.2, bottom=0.6, top=0.4)
    return fig


def plot_loss_curves(
    losses: Mapping[str, np.ndarray],
    *,
    smooth: int = 1,
    title: str = "training loss",
    xlabel: str = "iteration",
    log: bool = True,
) -> Figure:
    """One loss curve per label (a moving average over ``smooth`` iterations), the legend right of the axes."""
    fig, ax = subplots(figsize=(7.6, 3.4))
    for k, (label, loss) in enumerate(losses.items()):
        loss = np.asarray(loss, dtype=float)
        if smooth > 1 and len(loss) >= smooth:
            loss = np.convolve(loss, np.ones(smooth) / smooth, mode="valid")
        ax.plot(loss, color=f"C{k}", label=label)
    if log:
        log_scale(ax, "y")
    ax.set(xlabel=xlabel, ylabel="loss", title=title)
    # outside: six noisy curves leave no corner of the axes free
    legend = ax.legend(fontsize=10, loc="upper left", bbox_to_anchor=(1.01, 1.0))
    margins_beside_legend(fig, legend, left=0.8, bottom=0.6, top=0.4)
    return fig


def plot_iterations_vs_kappa(
    kappas: np.ndarray,
    measured: Mapping[str, np.ndarray],
    theory: Mapping[str, np.ndarray] | None = None,
    *,
    title: str = "iterations to tolerance against the condition number",
) -> Figure:
    """Measured iterations (markers) and the theory's (dashed, same colour) against κ, both axes logarithmic,
    the legend outside the axes, on the right.

    measured, theory: label -> (K,) iterations at each κ of ``kappas``.
    """
    fig, ax = subplots(figsize=(9.2, 4.2))
    log_scale(ax, "both")
    for k, (label, its) in enumerate(measured.items()):
        ax.plot(kappas, its, "o-", color=f"C{k}", label=f"{label}, measured")
        if theory is not None and label in theory:
            ax.plot(kappas, np.maximum(theory[label], 1), "--", color=f"C{k}", alpha=0.7, label=f"{label}, theory")
    ax.set(xlabel="condition number κ", ylabel="iterations", title=title)
    legend = ax.legend(fontsize=10, loc="upper left", bbox_to_anchor=(1.01, 1.0))  # outside: the lines fill the corners
    margins_beside_legend(fig, legend, left=0.75, bottom=0.6, top=0.4)  # tight_layout's margins, found once
    return fig


def plot_lr_sweep(
    lrs: Mapping[str, Sequence[float]],
    values: Mapping[str, np.ndarray],
    *,
    best: Mapping[str, tuple[float, np.ndarray]] | None = None,
    ylabel: str = "validation loss",
    title: str = "each rule across its learning rates",
) -> Figure:
    """One curve per rule: a result against the learning rate (the mean over seeds, bars from min to max).

    lrs: rule -> (L,) learning rates; values: rule -> (L,) or (L, S) results per lr (and seed);
    best: rule -> (lr, (S,) results on other seeds), drawn as a square with min-max bars. Log x and y;
    the legend outside the axes, on the right.
    """
    fig, ax = subplots(figsize=(9.2, 4.2))
    log_scale(ax, "both")
    for k, (label, grid) in enumerate(lrs.items()):
        v = np.asarray(values[label], dtype=float).reshape(len(grid), -1)
        mean = v.mean(axis=1)
        ax.errorbar(
            grid,
            mean,
            yerr=[mean - v.min(axis=1), v.max(axis=1) - mean],
            fmt="o-",
            color=f"C{k}",
            capsize=3,
            label=label,
        )
        if best is not None and label in best:
            lr, other = best[label][0], np.asarray(best[label][1], dtype=float)
            ax.errorbar(
                [lr],
                [other.mean()],
                yerr=[[other.mean() - other.min()], [other.max() - other.mean()]],
                fmt="s",
                color=f"C{k}",
                markerfacecolor="white",
                capsize=4,
                markersize=8,
            )
    if best is not None:
        ax.plot([], [], "s", color="0.3", markerfacecolor="white", label="best lr, other seeds")
    ax.set(xlabel="learning rate", ylabel=ylabel, title=title)
    legend = ax.legend(fontsize=10, loc="upper left", bbox_to_anchor=(1.01, 1.0))
    margins_beside_legend(fig, legend, left=0.95, bottom=0.6, top=0.4)
    return fig


def plot_loss_gaps(
    curves: Mapping[str, tuple[np.ndarray, np.ndarray]],
    *,
    target: float | None = None,
    title: str = "distance to the minimum loss",
    xlabel: str = "evaluations of loss and gradient",
) -> Figure:
    """The gap f - f* against the evaluations spent, one curve per method, log y; ``target``: a dotted line.

    curves: label -> (evaluations (T,), gap (T,)).
    """
    fig, ax = subplots(figsize=(7, 4.2))
    log_scale(ax, "y")
    for k, (label, (evals, gap)) in enumerate(curves.items()):
        ax.plot(evals, np.maximum(gap, 1e-16), color=f"C{k}", label=label)
    if target is not None:
        ax.axhline(target, color="0.5", linestyle=":", label=f"target {target:g}")
    ax.set(xlabel=xlabel, ylabel="loss - minimum loss", title=title)
    ax.legend(fontsize=10, loc="upper right")
    margins_in_inches(fig, left=0.8, right=0.2, bottom=0.6, top=0.4)
    return fig
