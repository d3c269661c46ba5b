"""An optimizer playground (notebook 08): rules, learning rate, momentum or decay, start and surface -> paths.

Every redraw runs the chosen rules with :func:`course_utils.surfaces.run_2d` (a few hundred
tiny steps: milliseconds) and draws the paths over the surface's contours beside the loss
per step. Each surface's figure, with its contours, is made once and kept; a redraw replaces
only the paths and the loss curves.
"""
from __future__ import annotations

import time

import ipywidgets as widgets
from matplotlib.figure import Figure

from .. import optim
from ..surfaces import SURFACES, run_2d
from ..viz.trajectories import draw_surface, plot_path_losses, surface_grid
from ._render import FigureImage

__all__ = ["optimizer_playground", "playground_paths", "start_in_view"]

_VIEW = {"bowl": ((-10, 10), (-5, 5), (0.0, 0.0)), "valley": ((-10, 10), (-6, 6), (0.0, 0.0)),
         "rosenbrock": ((-2, 2), (-1, 3), (1.0, 1.0)), "saddle": ((-3, 3), (-3, 3), (0.0, 0.0))}
# where a path starts when the surface changes and the current start lies outside the new view
_START = {"bowl": (-7.0, 2.0), "valley": (-8.0, 3.0), "rosenbrock": (-1.5, 2.5), "saddle": (-2.5, 0.5)}


def start_in_view(surface: str, start) -> tuple[float, float]:
    """``start`` if it lies in the surface's view, else the surface's own start point (which does)."""
    (x_lo, x_hi), (y_lo, y_hi), _ = _VIEW.get(surface, ((-10, 10), (-5, 5), None))
    x, y = start
    return (float(x), float(y)) if x_lo <= x <= x_hi and y_lo <= y <= y_hi else _START.get(surface, (0.0, 0.0))


def _set_range(slider, lo: float, hi: float, value: float) -> None:
    """Give a slider a new range and value without it clamping the value to the old range on the way."""
    slider.min, slider.max = min(lo, slider.min), max(hi, slider.max)
    slider.value = value
    slider.min, slider.max = lo, hi
    slider.step = (hi - lo) / 40


def playground_paths(rules, surface: str, *, lr: float, memory: float, start=(-7.0, 2.0), steps: int = 30):
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
        self.figure = Figure(figsize=(11, 4))
        self.ax_path = self.figure.add_axes((0.06, 0.15, 0.48, 0.72))
        self.ax_loss = self.figure.add_axes((0.62, 0.15, 0.35, 0.72))
        draw_surface(self.ax_path, SURFACES[name], xlim=xlim, ylim=ylim, minimum=minimum,
                     grid=surface_grid(SURFACES[name], xlim, ylim, num=60))
        self.lines = []

    def draw(self, paths, *, title: str) -> Figure:
        for line in self.lines + self.ax_loss.lines:
            line.remove()
        self.ax_loss.relim()  # forget the removed curves' range
        self.lines = [self.ax_path.plot(p[:, 0], p[:, 1], "o-", color=f"C{k}", markersize=2.5, linewidth=1,
                                        label=label)[0] for k, (label, p) in enumerate(paths.items())]
        if paths:
            self.ax_path.set_title(title)
            self.ax_path.legend(fontsize=8, loc="best")
            plot_path_losses(SURFACES[self.name], paths, ax=self.ax_loss, title="loss per step")
        else:
            self.ax_path.set_title("choose at least one rule")
            for ax in (self.ax_path, self.ax_loss):
                if ax.get_legend() is not None:
                    ax.get_legend().remove()
        return self.figure


def optimizer_playground(*, rules=("sgd", "sgd_momentum", "adam"), surface: str = "bowl", lr: float = 0.1,
                         memory: float = 0.9, start=(-7.0, 2.0), steps: int = 30) -> widgets.VBox:
    """Controls for the rules, surface, lr (log slider), momentum/decay/beta1, start point and steps.

    The start sliders span the surface's view; when the surface changes, a start outside the new view
    moves to that surface's own start point, so the path always begins inside the picture.

    Returns: the widget. Its ``state`` dict holds the last redraw's ``paths`` (name -> points),
    ``final`` (name -> the last point), ``figure``, ``seconds`` (time of the redraw) and ``redraws``.
    """
    rule_box = widgets.SelectMultiple(options=list(optim.RULES), value=tuple(rules), description="rules",
                                      rows=6)
    wide = {"description_width": "90px"}  # room for "mom./decay" in full, the column's labels aligned
    surface_box = widgets.Dropdown(options=list(SURFACES), value=surface, description="surface", style=wide)
    lr_slider = widgets.FloatLogSlider(value=lr, base=10, min=-3, max=0.5, step=0.05, description="lr", style=wide,
                                       continuous_update=False)
    memory_slider = widgets.FloatSlider(value=memory, min=0.0, max=0.99, step=0.01, description="mom./decay",
                                        style=wide, continuous_update=False)
    x0 = widgets.FloatSlider(value=0.0, min=-10, max=10, step=0.5, description="start x", continuous_update=False)
    y0 = widgets.FloatSlider(value=0.0, min=-10, max=10, step=0.5, description="start y", continuous_update=False)
    steps_slider = widgets.IntSlider(value=steps, min=5, max=200, step=5, description="steps",
                                     continuous_update=False)
    controls = widgets.HBox([rule_box, widgets.VBox([surface_box, lr_slider, memory_slider]),
                             widgets.VBox([x0, y0, steps_slider])])
    image = FigureImage()
    box = widgets.VBox([controls, image.widget])
    box.state = {"redraws": 0}
    figures = {}  # surface -> its _SurfaceFigure, made on first use
    holding = []  # non-empty while the start sliders are being moved for a new surface

    def fit_start(name: str, point) -> None:
        (x_lo, x_hi), (y_lo, y_hi), _ = _VIEW.get(name, ((-10, 10), (-5, 5), None))
        x, y = start_in_view(name, point)
        holding.append(True)
        try:
            _set_range(x0, x_lo, x_hi, x)
            _set_range(y0, y_lo, y_hi, y)
        finally:
            holding.clear()

    def on_surface(_=None):
        fit_start(surface_box.value, (x0.value, y0.value))
        redraw()

    def redraw(_=None):
        if holding:
            return
        begin = time.perf_counter()
        name = surface_box.value
        if name not in figures:
            figures[name] = _SurfaceFigure(name)
        paths = playground_paths(rule_box.value, name, lr=lr_slider.value, memory=memory_slider.value,
                                 start=(x0.value, y0.value), steps=steps_slider.value)
        fig = figures[name].draw(paths, title=f"{name}: paths from ({x0.value:g}, {y0.value:g})")
        image.show(fig)
        box.state.update(paths=paths, final={k: p[-1] for k, p in paths.items()}, figure=fig,
                         seconds=time.perf_counter() - begin, redraws=box.state["redraws"] + 1)

    for control in (rule_box, lr_slider, memory_slider, x0, y0, steps_slider):
        control.observe(redraw, names="value")
    surface_box.observe(on_surface, names="value")
    fit_start(surface, start)
    redraw()
    return box
