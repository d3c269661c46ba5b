"""Circuit explorer: sliders for a circuit's inputs, redrawn with values and gradients (notebook 01)."""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Sequence

import ipywidgets as widgets

from ..circuits import Value
from ..viz.backprop_circuits import draw_circuit
from ._render import FigureImage

__all__ = ["circuit_explorer", "slider_grid"]


def _decimals(step: float) -> int:
    """How many decimals write ``step`` exactly (0.05 -> 2, 0.1 -> 1, 2 -> 0)."""
    for d in range(10):
        if math.isclose(round(step, d), step, rel_tol=1e-9, abs_tol=0):
            return d
    raise ValueError(f"step {step!r} needs more than 9 decimals; use a round step such as 0.1 or 0.05")


def _round_step(step: float) -> bool:
    """Is step 1, 2, 2.5 or 5 times a power of 10 (so that every multiple reads as a round number)?"""
    if not step > 0:
        return False
    mantissa = step / 10.0 ** math.floor(math.log10(step) + 1e-12)
    return any(math.isclose(mantissa, m, rel_tol=1e-9) for m in (1, 2, 2.5, 5))


def _on_grid(value: float, step: float) -> bool:
    k = value / step
    return math.isclose(k, round(k), rel_tol=0, abs_tol=1e-9)


def _default_step(low: float, high: float) -> float:
    """The largest step of 1, 2 or 5 times a power of 10 that is at most (high - low) / 50 and has low and high on its
    grid (about 50 to 125 positions: fine enough to explore, coarse enough for a key press to show a change)."""
    exponent = math.floor(math.log10((high - low) / 50))
    for e in range(exponent, exponent - 10, -1):
        for m in (5, 2, 1):
            step = m * 10.0**e
            if step <= (high - low) / 50 * (1 + 1e-12) and _on_grid(low, step) and _on_grid(high, step):
                return round(step, max(0, -e))
    raise ValueError(f"no round step fits the range ({low}, {high}); give one: (low, high, start, step)")


def slider_grid(name: str, spec: Sequence[float]) -> tuple[float, float, float, float, int]:
    """(low, high, start, step, decimals) of one slider from ``(low, high)``, ``(low, high, start)`` or
    ``(low, high, start, step)``.

    Notes: a slider moves on the grid low, low + step, low + 2 step, ...: a start value off that grid would
    jump at the first key press, and a low value off a round grid would show readouts such as 2.16 or
    -2.82. So the step is round (1, 2, 2.5 or 5 times a power of 10; by default at most a fiftieth of the
    range), low, high and a given start lie on its grid (ValueError otherwise), and the default start, the
    middle, is put on the grid.
    """
    low, high, *rest = (float(v) for v in spec)
    if len(rest) > 2 or not low < high:
        raise ValueError(
            f"{name}: expected (low, high), (low, high, start) or (low, high, start, step) "
            f"with low < high, got {spec!r}"
        )
    step = rest[1] if len(rest) == 2 else _default_step(low, high)
    if not _round_step(step):
        raise ValueError(
            f"{name}: step {step:g} is not round (readouts such as {low + 7 * step:g}); use 1, 2, 2.5 "
            "or 5 times a power of 10, such as 0.1 or 0.05"
        )
    decimals = _decimals(step)
    for what, value in (("low", low), ("high", high)) + ((("start", rest[0]),) if rest else ()):
        if not _on_grid(value, step):
            raise ValueError(f"{name}: {what} = {value:g} is not a multiple of the step {step:g}")
    start = rest[0] if rest else low + round(((low + high) / 2 - low) / step) * step
    if not low <= start <= high:
        raise ValueError(f"{name}: start = {start:g} is outside ({low:g}, {high:g})")
    return low, high, round(start, decimals), step, decimals


def circuit_explorer(
    build: Callable[..., Value], /, *, title: str | None = None, **ranges: Sequence[float]
) -> widgets.VBox:
    """Sliders for the inputs of a circuit; every change rebuilds it, runs backward and redraws.

    Inputs:
    - build: ``build(**inputs) -> Value``, the output of the circuit for these input numbers.
    - ranges: one keyword per input of build, ``name=(low, high)``, ``(low, high, start)`` or
      ``(low, high, start, step)``; see :func:`slider_grid` for the default step and start.
    - title: figure title (default: the output's value).
    Returns: a VBox holding the sliders and the drawing (display it, or leave it as the last
    expression of a cell). Its ``state`` dict holds the last redraw's ``circuit`` (the output
    Value, after backward), ``figure`` (the closed matplotlib Figure) and ``seconds``.

    Notes: the circuit is rebuilt from scratch on every change, because a Value graph records
    one forward pass: new inputs mean a new graph. The inputs are rounded to the sliders' decimals
    before the circuit is built, so the browser's float arithmetic (-3 + 43 * 0.1 =
    1.2999999999999998) never shows up in the drawing. The drawing is a PNG in an Image widget,
    drawn once per change (see :mod:`course_utils.widgets._render`).
    """
    sliders, decimals = {}, {}
    for name, spec in ranges.items():
        low, high, start, step, decimals[name] = slider_grid(name, spec)
        sliders[name] = widgets.FloatSlider(
            value=start,
            min=low,
            max=high,
            step=step,
            description=name,
            continuous_update=False,
            readout_format=f".{decimals[name]}f",
        )
    image = FigureImage(crop=True)
    box = widgets.VBox(
        [widgets.HBox(list(sliders.values()), layout=widgets.Layout(flex_flow="row wrap")), image.widget]
    )
    box.state = {}

    def redraw(change: object = None) -> None:
        start = time.perf_counter()
        out = build(**{name: round(s.value, decimals[name]) for name, s in sliders.items()})
        out.backward()
        fig = draw_circuit(out, title=title if title is not None else f"output {out.data:.4f}")
        image.show(fig)
        box.state.update(circuit=out, figure=fig, seconds=time.perf_counter() - start)

    for slider in sliders.values():
        slider.observe(redraw, names="value")
    redraw()
    return box
