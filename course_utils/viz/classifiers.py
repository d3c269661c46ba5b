"""Figures of classifiers on 2-D data: decision boundaries, and the space a hidden layer makes.

Shared, so named after its concept: notebook 02 draws linear classifiers' boundaries with it, notebook
03 the two-layer net's and the space its hidden layer makes (and :mod:`.layers_and_two_layer_net`
builds on it).

A "model" here is anything that turns points (M, 2) into labels: a function returning labels
(M,) or scores (M, C), or an object with ``predict(X)`` or ``scores(X)``, such as
``models.FullyConnectedNet`` and ``models.LinearClassifier``. These functions evaluate the
model they are given on a grid of points and draw the result; they train nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, cast

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.axes import Axes
from matplotlib.colors import ListedColormap
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from ._axes import (
    figure_of,
    fixed_titles,
    margins_in_inches,
    palette,
    subplots,
    tick_labels_width,
    x_labels_overhang,
)

if TYPE_CHECKING:
    from mpl_toolkits.mplot3d import Axes3D

__all__ = ["plot_decision_boundary", "plot_decision_boundaries", "plot_hidden_space"]

_COLORS = palette("tab10")


def _labels_of(model: Any) -> Callable[[np.ndarray], np.ndarray]:
    """A function points (M, 2) -> labels (M,) for any of the model kinds above."""
    if hasattr(model, "predict"):
        f = model.predict
    elif hasattr(model, "scores") and hasattr(model, "params"):
        f = model.scores
    elif callable(model):
        f = model
    else:
        raise TypeError(
            f"expected a function of points (M, 2) or a model with predict/scores, got {type(model).__name__}"
        )

    def labels(points: np.ndarray) -> np.ndarray:
        out = np.asarray(f(points))
        return np.argmax(out, axis=1) if out.ndim == 2 else out.astype(np.int64)

    return labels


def _check_2d(X: np.ndarray, y: np.ndarray, func: str) -> tuple[np.ndarray, np.ndarray]:
    X, y = np.asarray(X), np.asarray(y)
    if X.ndim != 2 or X.shape[1] != 2 or y.shape != (X.shape[0],):
        raise ValueError(f"{func}: X must be (N, 2) and y (N,), got X {X.shape} and y {y.shape}")
    return X, y


def _grid(X: np.ndarray, resolution: int, padding: float) -> tuple[np.ndarray, np.ndarray]:
    lo, hi = X.min(axis=0), X.max(axis=0)
    pad = padding * (hi - lo)
    g0 = np.linspace(lo[0] - pad[0], hi[0] + pad[0], resolution)
    g1 = np.linspace(lo[1] - pad[1], hi[1] + pad[1], resolution)
    return np.meshgrid(g0, g1)


def _scatter(ax: Axes, X: np.ndarray, y: np.ndarray, class_names: Sequence[str] | None, **kw: Any) -> None:
    for c in np.unique(y):
        name = class_names[c] if class_names is not None else f"class {c}"
        pts = X[y == c]
        ax.scatter(
            pts[:, 0], pts[:, 1], s=kw.get("s", 14), color=_COLORS[c % 10], edgecolors="k", linewidths=0.4, label=name
        )


def plot_decision_boundary(
    model: Any,
    X: np.ndarray,
    y: np.ndarray,
    *,
    ax: plt.Axes | None = None,
    title: str = "Decision boundary",
    resolution: int = 200,
    padding: float = 0.1,
    class_names: Sequence[str] | None = None,
    legend: bool = True,
) -> Figure:
    """Class regions of a model on 2-D data, with the data on top.

    Inputs:
    - model: a function of points (M, 2) returning labels (M,) or scores (M, C), or an object
      with predict(X) or loss(X) (see the module docstring).
    - X: (N, 2) points; y: (N,) int labels.
    - ax: draw into this Axes (default: a new figure); title: the Axes title.
    - resolution: grid points per side; padding: margin around the data, as a fraction of its range.
    - class_names: legend labels (default "class 0", "class 1", ...); legend: draw the legend.
    Returns: the Figure.

    Notes: each grid point is coloured by the class the model predicts there, so the borders
    between colours are the decision boundary: straight lines for a linear classifier, bends
    wherever a ReLU of the hidden layer switches on or off for a net.
    """
    X, y = _check_2d(X, y, "plot_decision_boundary")
    labels = _labels_of(model)
    g0, g1 = _grid(X, resolution, padding)
    Z = labels(np.column_stack([g0.ravel(), g1.ravel()])).reshape(g0.shape)
    num_classes = int(max(y.max(), Z.max())) + 1
    if ax is None:
        fig, ax = subplots(figsize=(4.6, 4.2))
    cmap = ListedColormap([_COLORS[c % 10] for c in range(num_classes)])
    ax.contourf(g0, g1, Z, levels=np.arange(num_classes + 1) - 0.5, cmap=cmap, alpha=0.3)
    _scatter(ax, X, y, class_names)
    ax.set(title=title, xlabel="$x_1$", ylabel="$x_2$", xlim=(g0.min(), g0.max()), ylim=(g1.min(), g1.max()))
    ax.set_aspect("equal")
    if legend:
        ax.legend(loc="upper right", fontsize="small", framealpha=0.8)
    return figure_of(ax)


def plot_decision_boundaries(
    models: Mapping[str, Any],
    X: np.ndarray,
    y: np.ndarray,
    *,
    suptitle: str | None = None,
    resolution: int = 200,
    class_names: Sequence[str] | None = None,
) -> Figure:
    """Several models' decision boundaries on the same data, side by side.

    Inputs:
    - models: panel title -> model (each as in :func:`plot_decision_boundary`), in order.
    - X: (N, 2) points; y: (N,) int labels.
    - suptitle: a title over all panels; resolution, class_names: as in plot_decision_boundary.
    Returns: the Figure, one panel per model (the legend on the first).
    """
    if not models:
        raise ValueError("plot_decision_boundaries: models is empty")
    fig, axes = subplots(1, len(models), figsize=(4.4 * len(models), 4.2), squeeze=False)
    for i, (ax, (name, model)) in enumerate(zip(axes[0], models.items())):
        plot_decision_boundary(
            model, X, y, ax=ax, title=name, resolution=resolution, class_names=class_names, legend=i == 0
        )
    if suptitle:
        fig.suptitle(suptitle)
    # tight_layout's margins, laid out once: left of a panel its y tick labels (as wide as the data
    # makes them) and 0.45 inches for the ticks and the y label; a line of title above, two with a suptitle
    first, *others = (tick_labels_width(ax) for ax in axes[0])
    left, gap_w, top = first + 0.45, max(others, default=0.0) + 0.45, 0.68 if suptitle else 0.36
    # equal axes as tall as their panel but narrower sit in the middle of it: with as much room right of
    # the panels as left of them, they keep their size and stay centred under the suptitle, as tight_layout leaves them
    height = fig.get_figheight() - 0.58 - top
    widest = max(height * np.ptp(ax.get_xlim()) / np.ptp(ax.get_ylim()) for ax in axes[0])
    narrow = widest <= (fig.get_figwidth() - 2 * left - gap_w * (len(models) - 1)) / len(models)
    margins_in_inches(fig, left=left, right=left if narrow else 0.15, bottom=0.58, top=top, gap_w=gap_w)
    return fig


def _grid_lines(X: np.ndarray, num_lines: int, padding: float, points_per_line: int = 200) -> list[np.ndarray]:
    """Horizontal and vertical lines over the data: a list of (points_per_line, 2) arrays."""
    lo, hi = X.min(axis=0), X.max(axis=0)
    lo, hi = lo - padding * (hi - lo), hi + padding * (hi - lo)
    t0 = np.linspace(lo[0], hi[0], points_per_line)
    t1 = np.linspace(lo[1], hi[1], points_per_line)
    lines = [np.column_stack([t0, np.full_like(t0, c)]) for c in np.linspace(lo[1], hi[1], num_lines)]
    lines += [np.column_stack([np.full_like(t1, c), t1]) for c in np.linspace(lo[0], hi[0], num_lines)]
    return lines


def plot_hidden_space(
    model: Any,
    X: np.ndarray,
    y: np.ndarray,
    *,
    layer: int = 1,
    title: str | None = None,
    num_grid_lines: int = 11,
    class_names: Sequence[str] | None = None,
) -> Figure:
    """The data and a grid in input space (left), and both as a hidden layer sees them (right).

    Inputs:
    - model: an object with ``hidden(X, layer)`` (as models.FullyConnectedNet), or a function
      mapping points (M, 2) to hidden activations (M, H).
    - X: (N, 2) points; y: (N,) int labels; layer: which hidden layer (for a model).
    - title: a title over both panels; num_grid_lines: grid lines per direction.
    - class_names: legend labels.
    Returns: the Figure. With H = 2 the right panel is the hidden plane; with H = 3 it is a 3-D
    plot; with more units the activations are projected on their 2 principal directions.

    Notes: a ReLU layer folds the plane: every unit cuts it along a line and flattens the side
    where it is off. The straight grid lines become bent lines in hidden space, and classes that
    no straight line separated in the input can end up on either side of a plane there. When the
    model's last layer reads this hidden layer directly, its class regions (linear in hidden
    space) are drawn too: shaded in 2-D, the boundary plane of two classes in 3-D.
    """
    X, y = _check_2d(X, y, "plot_hidden_space")
    if hasattr(model, "hidden"):
        transform = lambda pts: np.asarray(model.hidden(pts, layer=layer), dtype=np.float64)
    elif callable(model):
        transform = lambda pts: np.asarray(model(pts), dtype=np.float64)
    else:
        raise TypeError(f"plot_hidden_space: expected a model with hidden() or a function, got {type(model).__name__}")
    lines = _grid_lines(X, num_grid_lines, 0.1)
    H_data = transform(X)
    H = H_data.shape[1]
    H_lines = [transform(line) for line in lines]
    projected = H > 3
    if projected:
        mean = H_data.mean(axis=0)
        _, _, Vt = np.linalg.svd(H_data - mean, full_matrices=False)
        P = Vt[:2].T
        H_data = (H_data - mean) @ P
        H_lines = [(h - mean) @ P for h in H_lines]
    lo, hi = H_data.min(axis=0), H_data.max(axis=0)
    lo, hi = lo - 0.08 * (hi - lo) - 1e-3, hi + 0.08 * (hi - lo) + 1e-3
    H_lines = [_clip(h, lo, hi) for h in H_lines]
    last = None
    if hasattr(model, "params") and getattr(model, "num_layers", None) == layer + 1 and not projected:
        last = (np.asarray(model.params[f"W{layer + 1}"], float), np.asarray(model.params[f"b{layer + 1}"], float))

    with fixed_titles():
        fig = plt.figure(figsize=(10, 4.6))
        ax0 = fig.add_subplot(1, 2, 1)
        ax1: Any = fig.add_subplot(1, 2, 2, projection="3d") if H == 3 else fig.add_subplot(1, 2, 2)
    for i, line in enumerate(lines):
        ax0.plot(*line.T, color="0.6" if i < num_grid_lines else "0.8", lw=0.7, zorder=0)
    _scatter(ax0, X, y, class_names)
    ax0.set(title="input space", xlabel="$x_1$", ylabel="$x_2$")
    ax0.set_aspect("equal")
    ax0.legend(loc="upper right", fontsize="small", framealpha=0.8)
    grid_handle = Line2D([], [], color="0.6", lw=0.7, label="grid lines")

    if H == 3:
        for i, h in enumerate(H_lines):
            ax1.plot(*h.T, color="0.6" if i < num_grid_lines else "0.8", lw=0.6)
        for c in np.unique(y):
            ax1.scatter(
                *H_data[y == c].T,
                s=10,
                color=_COLORS[c % 10],
                edgecolors="k",
                linewidths=0.3,
                depthshade=False,
                label=class_names[c] if class_names else f"class {c}",
            )
        handles = [grid_handle]
        if last is not None and last[0].shape[1] == 2:
            handles.append(_plane_3d(ax1, last, lo, hi))
        ax1.set(
            xlabel="$h_1$",
            ylabel="$h_2$",
            zlabel="$h_3$",
            xlim=(lo[0], hi[0]),
            ylim=(lo[1], hi[1]),
            zlim=(lo[2], hi[2]),
        )
        ax1.set_title(f"hidden layer {layer} (3 units)")
        ax1.legend(handles=ax1.get_legend_handles_labels()[0] + handles, fontsize="small", loc="upper left")
    else:
        if last is not None and H == 2:
            g0, g1 = np.meshgrid(np.linspace(lo[0], hi[0], 200), np.linspace(lo[1], hi[1], 200))
            Z = np.argmax(np.column_stack([g0.ravel(), g1.ravel()]) @ last[0] + last[1], axis=1).reshape(g0.shape)
            C = last[0].shape[1]
            ax1.contourf(
                g0,
                g1,
                Z,
                levels=np.arange(C + 1) - 0.5,
                alpha=0.25,
                cmap=ListedColormap([_COLORS[c % 10] for c in range(C)]),
            )
        for i, h in enumerate(H_lines):
            ax1.plot(*h.T, color="0.6" if i < num_grid_lines else "0.8", lw=0.7, zorder=0)
        _scatter(ax1, H_data, y, class_names)
        ax1.set(xlim=(lo[0], hi[0]), ylim=(lo[1], hi[1]))
        if projected:
            ax1.set(
                title=f"hidden layer {layer} ({H} units), projected",
                xlabel="principal direction 1",
                ylabel="principal direction 2",
            )
        else:
            ax1.set(title=f"hidden layer {layer} ({H} units)", xlabel="$h_1$", ylabel="$h_2$")
        ax1.legend(
            handles=ax1.get_legend_handles_labels()[0] + [grid_handle],
            fontsize="small",
            loc="upper right",
            framealpha=0.8,
        )
    if title:
        fig.suptitle(title)
    if H == 3:  # a 3-D panel's tick labels and z label stand out of it as its view turns: measured
        fig.tight_layout()
        return fig
    # tight_layout's margins, laid out once: left of a panel its y tick labels (as wide as the data makes
    # them) and 0.45 inches for the ticks and the y label; right of one, its x tick labels past its edge
    top = 0.68 if title else 0.36
    left, gap_w = tick_labels_width(ax0) + 0.45, tick_labels_width(ax1) + 0.45
    margins_in_inches(fig, left=left, right=0.15, bottom=0.58, top=top, gap_w=gap_w)
    past_first, past_second = x_labels_overhang(ax0)[1], x_labels_overhang(ax1)[1]
    margins_in_inches(fig, left=left, right=0.15 + past_second, bottom=0.58, top=top, gap_w=gap_w + past_first)
    return fig


def _clip(points: np.ndarray, lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
    """Points outside the box [lo, hi] replaced by NaN (so a line stops at the box)."""
    inside = np.all((points >= lo) & (points <= hi), axis=1)
    return np.where(inside[:, None], points, np.nan)


def _plane_3d(ax: Axes, last: tuple[np.ndarray, np.ndarray], lo: np.ndarray, hi: np.ndarray) -> Any:
    """Draw the plane where the last layer's two scores are equal, turn the view so it is
    seen nearly edge-on, and return a legend handle."""
    W, b = last
    n, c = W[:, 1] - W[:, 0], b[1] - b[0]  # scores equal where n . h + c = 0
    k = int(np.argmax(np.abs(n)))  # solve for the coordinate the plane is steepest in
    i, j = [a for a in range(3) if a != k]
    u, v = np.meshgrid(np.linspace(lo[i], hi[i], 20), np.linspace(lo[j], hi[j], 20))
    w = -(c + n[i] * u + n[j] * v) / n[k]
    w = np.where((w >= lo[k]) & (w <= hi[k]), w, np.nan)
    coords: list[np.ndarray] = [u, u, u]
    coords[i], coords[j], coords[k] = u, v, w
    ax3d = cast("Axes3D", ax)  # the hidden space's panel is 3-D
    ax3d.plot_surface(*coords, color="0.3", alpha=0.2, linewidth=0)
    # look along a direction close to the plane, so the two classes sit on either side of it
    scale = (hi - lo) / np.max(hi - lo)
    normal = n * scale / np.linalg.norm(n * scale)
    view = np.array(
        [
            np.cos(np.radians(30)) * np.cos(np.radians(-60)),
            np.cos(np.radians(30)) * np.sin(np.radians(-60)),
            np.sin(np.radians(30)),
        ]
    )
    view = view - 0.9 * (view @ normal) * normal
    view /= np.linalg.norm(view)
    ax3d.view_init(elev=float(np.degrees(np.arcsin(view[2]))), azim=float(np.degrees(np.arctan2(view[1], view[0]))))
    return Line2D([], [], color="0.3", alpha=0.4, lw=6, label="decision plane")
