"""An optimizer playground (notebook 08): rules, learning rate, momentum or decay, start and surface -> paths.

Every redraw runs the chosen rules with :func:`course_utils.surfaces.run_2d` (a few hundred
tiny steps: milliseconds) and draws the paths over the surface's contours beside the loss
per step. Each surface's figure, with its contours, is made once and kept; a redraw replaces
only the paths and the loss curves.
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from typing import Any

import ipywidgets as widgets
import numpy as np
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from .. import optim
from ..conditioning import quadratic
from ..surfaces import SURFACES, run_2d
from ..viz._axes import fixed_titles, log_scale
from ..viz.optimizers import draw_surface, plot_path_losses, surface_grid
from ._render import FigureImage

__all__ = ["optimizer_playground", "playground_paths", "start_in_view", "conditioning_explorer", "conditioning_paths"]

_VIEW = {
    "bowl": ((-10, 10), (-5, 5), (0.0, 0.0)),
    "valley": ((-10, 10), (-6, 6), (0.0, 0.0)),
    "rosenbrock": ((-2, 2), (-1, 3), (1.0, 1.0)),
    "saddle": ((-3, 3), (-3, 3), (0.0, 0.0)),
}
# where a path starts when the surface changes and the current start lies outside the new view
_START = {"bowl": (-7.0, 2.0), "valley": (-8.0, 3.0), "rosenbrock": (-1.5, 2.5), "saddle": (-2.5, 0.5)}


def start_in_view(surface: str, start: tuple[float, float]) -> tuple[float, float]:
    """``start`` if it lies in the surface's view, else the surface's own start point (which does)."""
    (x_lo, x_hi), (y_lo, y_hi), _ = _VIEW.get(surface, ((-10, 10), (-5, 5), None))
    x, y = start
    return (float(x), float(y)) if x_lo <= x <= x_hi and y_lo <= y <= y_hi else _START.get(surface, (0.0, 0.0))


def _set_range(slider: widgets.FloatSlider, lo: float, hi: float, value: float) -> None:
    """Give a slider a new range and value without it clamping the value to the old range on the way."""
    slider.min, slider.max = min(lo, slider.min), max(hi, slider.max)
    slider.value = value
    slider.min, slider.max = lo, hi
    slider.step = (hi - lo) / 40


def playground_paths(
    rules: Sequence[str],
    surface: str,
    *,
    lr: float,
    memory: float,
    start: tuple[float, float] = (-7.0, 2.0),
    steps: int = 30,
) -> dict[str, np.ndarray]:
    """The path of each rule: name -> (steps + 1, 2). ``memory`` is momentum, decay_rate or beta1 as the rule takes."""
    paths = {}
    for name in rules:
        hyper = {"lr": lr}
        if name in ("sgd_momentum", "nesterov_momentum"):
            hyper["momentum"] = memory
        elif name == "rmsprop":
            hyper["decay_rate"] = memory
        elif name == "adam":
            hyper["beta1"] = memory
        paths[name] = run_2d(optim.RULES[name], SURFACES[surface], start, steps, **hyper)
    return paths


class _SurfaceFigure:
    """One surface's contours (left), where :meth:`draw` puts the paths, beside their loss per step (right)."""

    def __init__(self, name: str):
        xlim, ylim, minimum = _VIEW.get(name, ((-10, 10), (-5, 5), None))
        self.name = name
        self.figure = Figure(figsize=(9.6, 4))
        with fixed_titles():
            self.ax_path = self.figure.add_axes((0.08, 0.15, 0.46, 0.72))
            self.ax_loss = self.figure.add_axes((0.62, 0.15, 0.35, 0.72))
        draw_surface(
            self.ax_path,
            SURFACES[name],
            xlim=xlim,
            ylim=ylim,
            minimum=minimum,
            grid=surface_grid(SURFACES[name], xlim, ylim, num=60),
        )
        self.lines: list[Line2D] = []

    def draw(self, paths: Mapping[str, np.ndarray], *, title: str) -> Figure:
        for line in self.lines + self.ax_loss.lines:
            line.remove()
        self.ax_loss.relim()  # forget the removed curves' range
        self.lines = [
            self.ax_path.plot(p[:, 0], p[:, 1], "o-", color=f"C{k}", markersize=2.5, linewidth=1, label=label)[0]
            for k, (label, p) in enumerate(paths.items())
        ]
        if paths:
            self.ax_path.set_title(title)
            self.ax_path.legend(fontsize=10, loc="best")
            plot_path_losses(SURFACES[self.name], paths, ax=self.ax_loss, title="loss per step (colours as left)")
            legend = self.ax_loss.get_legend()
            if legend is not None:  # the paths' legend names the colours; here it would cover curves
                legend.remove()
        else:
            self.ax_path.set_title("choose at least one rule")
            for ax in (self.ax_path, self.ax_loss):
                legend = ax.get_legend()
                if legend is not None:
                    legend.remove()
        return self.figure


def optimizer_playground(
    *,
    rules: Sequence[str] = ("sgd", "sgd_momentum", "adam"),
    surface: str = "bowl",
    lr: float = 0.1,
    memory: float = 0.9,
    start: tuple[float, float] = (-7.0, 2.0),
    steps: int = 30,
) -> widgets.VBox:
    """Controls for the rules, surface, lr (log slider), momentum/decay/beta1, start point and steps.

    The start sliders span the surface's view; when the surface changes, a start outside the new view
    moves to that surface's own start point, so the path always begins inside the picture.

    Returns: the widget. Its ``state`` dict holds the last redraw's ``paths`` (name -> points),
    ``final`` (name -> the last point), ``figure``, ``seconds`` (time of the redraw) and ``redraws``.
    """
    rule_box = widgets.SelectMultiple(options=list(optim.RULES), value=tuple(rules), description="rules", rows=6)
    wide = {"description_width": "90px"}  # room for "mom./decay" in full, the column's labels aligned
    surface_box = widgets.Dropdown(options=list(SURFACES), value=surface, description="surface", style=wide)
    lr_slider = widgets.FloatLogSlider(
        value=lr, base=10, min=-3, max=0.5, step=0.05, description="lr", style=wide, continuous_update=False
    )
    memory_slider = widgets.FloatSlider(
        value=memory, min=0.0, max=0.99, step=0.01, description="mom./decay", style=wide, continuous_update=False
    )
    x0 = widgets.FloatSlider(value=0.0, min=-10, max=10, step=0.5, description="start x", continuous_update=False)
    y0 = widgets.FloatSlider(value=0.0, min=-10, max=10, step=0.5, description="start y", continuous_update=False)
    steps_slider = widgets.IntSlider(value=steps, min=5, max=200, step=5, description="steps", continuous_update=False)
    controls = widgets.HBox(
        [rule_box, widgets.VBox([surface_box, lr_slider, memory_slider]), widgets.VBox([x0, y0, steps_slider])]
    )
    image = FigureImage()
    box = widgets.VBox([controls, image.widget])
    box.state = {"redraws": 0}
    figures: dict[str, _SurfaceFigure] = {}  # surface -> its _SurfaceFigure, made on first use
    holding: list[bool] = []  # non-empty while the start sliders are being moved for a new surface

    def fit_start(name: str, point: tuple[float, float]) -> None:
        (x_lo, x_hi), (y_lo, y_hi), _ = _VIEW.get(name, ((-10, 10), (-5, 5), None))
        x, y = start_in_view(name, point)
        holding.append(True)
        try:
            _set_range(x0, x_lo, x_hi, x)
            _set_range(y0, y_lo, y_hi, y)
        finally:
            holding.clear()

    def on_surface(_: object = None) -> None:
        fit_start(surface_box.value, (x0.value, y0.value))
        redraw()

    def redraw(_: object = None) -> None:
        if holding:
            return
        begin = time.perf_counter()
        name = surface_box.value
        if name not in figures:
            figures[name] = _SurfaceFigure(name)
        paths = playground_paths(
            rule_box.value,
            name,
            lr=lr_slider.value,
            memory=memory_slider.value,
            start=(x0.value, y0.value),
            steps=steps_slider.value,
        )
        fig = figures[name].draw(paths, title=f"{name}: paths from ({x0.value:g}, {y0.value:g})")
        image.show(fig)
        box.state.update(
            paths=paths,
            final={k: p[-1] for k, p in paths.items()},
            figure=fig,
            seconds=time.perf_counter() - begin,
            redraws=box.state["redraws"] + 1,
        )

    for control in (rule_box, lr_slider, memory_slider, x0, y0, steps_slider):
        control.observe(redraw, names="value")
    surface_box.observe(on_surface, names="value")
    fit_start(surface, start)
    redraw()
    return box


def conditioning_paths(
    kappa: float, *, lr: float, momentum: float, steps: int, start: tuple[float, float] = (1.0, 1.0)
) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """On f = (x²/κ + y²)/2 from ``start``: gradient descent at its best fixed lr, 2 / (1 + 1/κ), and momentum
    at ``lr`` and ``momentum``. For each, the path (steps + 1, 2) and its distance to the minimum relative to
    the start's (steps + 1,)."""
    surface = quadratic(np.array([1.0 / kappa, 1.0]))
    runs = {
        "gradient descent, best lr": run_2d(optim.sgd, surface, start, steps, lr=2 / (1 + 1 / kappa)),
        "momentum": run_2d(optim.sgd_momentum, surface, start, steps, lr=lr, momentum=momentum),
    }
    with np.errstate(over="ignore"):  # a diverged path's distance is inf
        return {name: (path, np.linalg.norm(path, axis=1) / np.linalg.norm(start)) for name, path in runs.items()}


def _best_step(kappa: float) -> tuple[float, float]:
    """The heavy ball's best lr and momentum for curvatures in [1/κ, 1]."""
    root = np.sqrt(kappa)
    return 4 / (1 + 1 / root) ** 2, ((root - 1) / (root + 1)) ** 2


def conditioning_explorer(
    *, kappa: float = 100.0, momentum: float = 0.9, lr: float = 1.0, steps: int = 300, tol: float = 1e-3
) -> widgets.VBox:
    """Sliders for κ, the momentum, lr and the steps; a button sets the best lr and momentum for κ.

    Left: the paths of momentum and of gradient descent (at its own best lr) on f = (x²/κ + y²)/2 from
    (1, 1); right: their distance to the minimum against the iteration, with the tolerance.
    Returns: the widget; its ``state`` dict holds the last redraw's ``runs`` (name -> (path, distance)),
    ``iterations`` (name -> steps to reach tol, or None), ``figure`` and ``seconds``.
    """
    style = {"description_width": "80px"}
    kappa_slider = widgets.FloatLogSlider(
        value=kappa, base=10, min=0, max=4, step=0.25, description="κ", style=style, continuous_update=False
    )
    mu_slider = widgets.FloatSlider(
        value=momentum,
        min=0.0,
        max=0.999,
        step=0.001,
        description="momentum",
        readout_format=".3f",
        style=style,
        continuous_update=False,
    )
    lr_slider = widgets.FloatLogSlider(
        value=lr, base=10, min=-2, max=0.6, step=0.02, description="lr", style=style, continuous_update=False
    )
    steps_slider = widgets.IntSlider(
        value=steps, min=20, max=2000, step=20, description="steps", style=style, continuous_update=False
    )
    best = widgets.Button(description="best lr, momentum for κ", layout=widgets.Layout(width="200px"))
    image = FigureImage()
    box = widgets.VBox(
        [
            widgets.HBox([widgets.VBox([kappa_slider, mu_slider]), widgets.VBox([lr_slider, steps_slider]), best]),
            image.widget,
        ]
    )
    box.state = {}
    fig = Figure(figsize=(9.6, 4))
    with fixed_titles():
        ax_path = fig.add_axes((0.085, 0.15, 0.39, 0.72))
        ax_dist = fig.add_axes((0.58, 0.15, 0.39, 0.72))
    ax_path.set(xlabel="x (curvature 1/κ)", ylabel="y (curvature 1)")
    ax_path.plot(0, 0, "*", color="k", markersize=10)
    names = ("gradient descent, best lr", "momentum")
    lines = {
        name: (
            ax_path.plot([], [], "-", color=f"C{k}", linewidth=1, label=name)[0],
            ax_dist.plot([], [], color=f"C{k}", label=name)[0],
        )
        for k, name in enumerate(names)
    }
    ax_dist.axhline(tol, color="0.5", linestyle=":")
    ax_dist.text(
        0.01, tol * 1.6, f"tolerance {tol:g}", color="0.4", fontsize=10, transform=ax_dist.get_yaxis_transform()
    )  # x in axes fraction, y in data
    log_scale(ax_dist, "y")
    ax_dist.set(ylim=(1e-6, 1e3), xlabel="iteration", ylabel="distance to the minimum / at start")
    ax_path.legend(fontsize=10, loc="lower left")  # the right panel's curves have the same colours
    contours: list[tuple[float, tuple[float, float], Any]] = []  # [(kappa, half-widths of the view, contour set)]
    holding: list[bool] = []

    def draw_contours(k: float, half: tuple[float, float]) -> None:
        if contours and contours[0][:2] == (k, half):
            return
        for *_, artist in contours:
            artist.remove()
        X, Y = np.meshgrid(np.linspace(-half[0], half[0], 80), np.linspace(-half[1], half[1], 80))
        contours[:] = [
            (
                k,
                half,
                ax_path.contour(X, Y, np.log1p(0.5 * (X * X / k + Y * Y)), levels=15, colors="0.75", linewidths=0.6),
            )
        ]
        ax_path.set(xlim=(-half[0], half[0]), ylim=(-half[1], half[1]))

    def redraw(_: object = None) -> None:
        if holding:
            return
        begin = time.perf_counter()
        k = kappa_slider.value
        runs = conditioning_paths(k, lr=lr_slider.value, momentum=mu_slider.value, steps=steps_slider.value)
        iterations = {}
        reach = np.full(2, 1.5)
        for name, (path, dist) in runs.items():
            lines[name][0].set_data(path[:, 0], path[:, 1])
            reach = np.maximum(reach, np.abs(np.where(np.isfinite(path), path, 0)).max(axis=0))
            lines[name][1].set_data(np.arange(len(dist)), np.where(dist < 1e3, dist, np.nan))
            reached = np.flatnonzero(dist <= tol)
            iterations[name] = int(reached[0]) if reached.size else None
        # each axis spans the whole path (up to 1e3), in steps of 2x so that small changes keep the view
        half = 1.5 * 2 ** np.ceil(np.log2(np.minimum(reach, 1e3) / 1.5))
        draw_contours(k, (float(half[0]), float(half[1])))
        ax_dist.set_xlim(0, steps_slider.value)
        said = ", ".join(
            f"{n.split(',')[0]}: {i if i is not None else f'> {steps_slider.value}'}" for n, i in iterations.items()
        )
        ax_path.set_title(f"κ = {k:g}, lr = {lr_slider.value:.3g}, momentum = {mu_slider.value:.3g}")
        ax_dist.set_title(f"iterations to reach {tol:g}\n{said}", fontsize=10)
        image.show(fig)
        box.state.update(runs=runs, iterations=iterations, figure=fig, seconds=time.perf_counter() - begin)

    def set_best(_: object = None) -> None:
        lr_best, mu_best = _best_step(kappa_slider.value)
        holding.append(True)
        try:
            lr_slider.value, mu_slider.value = min(lr_best, 10**lr_slider.max), round(mu_best, 3)
        finally:
            holding.clear()
        redraw()

    for control in (kappa_slider, mu_slider, lr_slider, steps_slider):
        control.observe(redraw, names="value")
    best.on_click(set_best)
    redraw()
    return box
