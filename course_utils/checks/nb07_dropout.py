"""Checks for notebook 07: inverted dropout, forward and backward.

A mask may be drawn from the generator in more than one right way (``rng.random(x.shape) >=
p_drop``, ``rng.random(x.shape) < 1 - p_drop``, ``rng.binomial(1, 1 - p_drop, x.shape)``),
and each gives other numbers from the same generator. So these checks do not ask for the
course's mask bit for bit: they judge properties that every right answer has, on inputs large
enough for the statistics to be sharp (tens of thousands of units, tolerances five or more
standard deviations wide):

- the fraction of units dropped is p_drop (not 1 - p_drop), per case with p_drop != 0.5,
  where the two differ;
- every kept unit is x / (1 - p_drop) exactly (inverted dropout scales at train time), so
  the mean of the output is the mean of the input;
- test mode returns x unchanged, with no generator at all;
- the mask comes from ``rng`` alone: two calls with generators seeded alike give the same
  output, another seed gives another mask, and numpy's global generator is left alone;
- the backward pass is the centered-difference gradient of the student's own forward pass
  with the mask held fixed (the same seed on every evaluation): dout times the forward's
  mask, 0 where the forward dropped the unit.

The kept units are read off the student's output (x is never 0 in the cases). The three
properties about where the mask comes from are yes-or-no and are judged while the student's
code runs; everything else is compared by ``verify``. Every case has N != D (``CASE_SIZES``).
"""
from __future__ import annotations

import copy

import numpy as np

from ..gradcheck import numerical_gradient_array
from ._core import CheckFailure, Spec, pair
from ._registry import register

__all__ = ["check_dropout_forward", "check_dropout_backward"]

_FORWARD = {0: [(240, 250, 0.3), (260, 230, 0.65)], 1: [(250, 220, 0.2), (210, 270, 0.7)],
            2: [(230, 280, 0.4), (270, 240, 0.75)]}
_BACKWARD = {0: [(23, 17, 0.35)], 1: [(19, 26, 0.6)], 2: [(29, 21, 0.25)]}


def _sizes(case: dict) -> dict[str, int]:
    N, D = case["x"].shape
    return {"N": N, "D": D}


def _x(rng: np.random.Generator, shape: tuple[int, int]) -> np.ndarray:
    x = rng.standard_normal(shape) + 1.5  # mean well away from 0, so that mean(out)/mean(x) is sharp
    x[np.abs(x) < 1e-3] = 0.5  # never 0: a 0 in the output then means a dropped unit
    return x


def _forward_cases(seed: int) -> list[dict]:
    rng = np.random.default_rng(7000 + seed)
    return [dict(x=_x(rng, (N, D)), p_drop=p, rng=np.random.default_rng(7100 + 10 * seed + i),
                 other_rng=np.random.default_rng(7200 + 10 * seed + i))
            for i, (N, D, p) in enumerate(_FORWARD[seed % 3])]


def _backward_cases(seed: int) -> list[dict]:
    rng = np.random.default_rng(7300 + seed)
    cases = []
    for N, D, p in _BACKWARD[seed % 3]:
        cases.append(dict(x=_x(rng, (N, D)), dout=rng.standard_normal((N, D)), p_drop=p,
                          rng=np.random.default_rng(7400 + seed)))
    return cases



def _out(func: str, result, shape) -> np.ndarray:
    out = np.array(pair(func, result)[0], dtype=np.float64, copy=True)  # a copy: out may be x itself
    if out.shape != shape:
        raise CheckFailure(f"{func}: out has shape {out.shape}, expected {shape} like x: dropout zeroes units of x, "
                           "it keeps x's shape (draw the mask with rng.random(x.shape)).")
    return out


def _global_state() -> tuple:
    state = np.random.get_state()
    return state[1].copy(), state[2]


def _same_global(a: tuple, b: tuple) -> bool:
    return a[1] == b[1] and np.array_equal(a[0], b[0])


def _from_rng_alone(forward, x: np.ndarray, p: float, rng: np.random.Generator, other_rng: np.random.Generator):
    """The train-mode output on a fresh copy of rng; CheckFailure if the mask does not come from rng alone."""
    x0 = x.copy()  # the student's code may write into x: the later calls get pristine copies
    before = _global_state()
    out = _out("dropout_forward", forward(x, p, train=True, rng=copy.deepcopy(rng)), x.shape)
    if not _same_global(before, _global_state()):
        raise CheckFailure(
            "dropout_forward drew from (or reseeded) numpy's global generator np.random: draw the mask from the "
            "rng you are given, rng.random(x.shape), so that a seeded experiment gives the same masks every time "
            "and nothing else changes its numbers.")
    again = _out("dropout_forward", forward(x0.copy(), p, train=True, rng=copy.deepcopy(rng)), x.shape)
    if not np.array_equal(out, again):
        raise CheckFailure(
            "dropout_forward gave two different outputs for two generators seeded alike: the mask must come from "
            "the rng you are given (rng.random(x.shape)), not from a new generator or np.random.")
    other = _out("dropout_forward", forward(x0.copy(), p, train=True, rng=copy.deepcopy(other_rng)), x.shape)
    if np.array_equal(out, other):
        raise CheckFailure(
            "dropout_forward gave the same mask for two generators seeded differently: it ignores rng (a fixed "
            "seed inside?). Draw the mask from the rng you are given: rng.random(x.shape).")
    return out


def _call_forward(student, case):
    forward, x, p = student["dropout_forward"], case["x"], case["p_drop"]
    x0 = x.copy()
    out = _from_rng_alone(forward, x, p, case["rng"], case["other_rng"])
    test = _out("dropout_forward", forward(x0.copy(), p, train=False, rng=None), x.shape)
    kept = out != 0
    return {"dropped fraction": np.mean(~kept),
            "kept out / x": np.where(kept, out / x0, 1 / (1 - p)),
            "mean(out) / mean(x)": out.mean() / x0.mean(),
            "test-mode out - x": test - x0}


def _expected_forward(case):
    x, p = case["x"], case["p_drop"]
    return {"dropped fraction": p, "kept out / x": np.full(x.shape, 1 / (1 - p)), "mean(out) / mean(x)": 1.0,
            "test-mode out - x": np.zeros(x.shape)}


def _is(name: str, test):
    """A hint test for one quantity (recognised by its expected value) of the forward check."""
    def hint_test(got, exp, case):
        want = np.asarray(_expected_forward(case)[name], dtype=np.float64)
        return exp.shape == want.shape and np.array_equal(exp, want) and bool(test(got, case["p_drop"], case))
    return hint_test


def _kept_scale(value):
    return lambda got, p, case: np.allclose(got[got != 1 / (1 - p)], value(p)) and np.any(got != 1 / (1 - p))


_FORWARD_HINTS = (
    (_is("dropped fraction", lambda got, p, c: abs(got - (1 - p)) < 0.03),
     "it drops a fraction 1 - p_drop of the units: p_drop is the probability of *dropping* a unit, so a unit is "
     "kept where rng.random(x.shape) >= p_drop (the 2016 lecture's p is the probability of keeping)."),
    (_is("dropped fraction", lambda got, p, c: got < 1e-9),
     "no unit is dropped in train mode: multiply x by the mask (0 for a dropped unit), and apply it when "
     "train is True."),
    (_is("kept out / x", _kept_scale(lambda p: 1.0)),
     "the kept units are not scaled: inverted dropout divides them by 1 - p_drop at train time, "
     "mask = (rng.random(x.shape) >= p_drop) / (1 - p_drop), so that the expected output is x and test mode "
     "needs no change."),
    (_is("kept out / x", _kept_scale(lambda p: 1 / p)),
     "the kept units are divided by p_drop: divide by the probability of keeping, 1 - p_drop."),
    (_is("kept out / x", _kept_scale(lambda p: 1 - p)),
     "the kept units are multiplied by 1 - p_drop: inverted dropout divides by it at train time."),
    (_is("test-mode out - x", lambda got, p, c: np.allclose(got, -c["x"] * p)),
     "test mode scales x by 1 - p_drop: that is vanilla dropout; inverted dropout scales at train time and "
     "returns x unchanged at test time."),
    (_is("test-mode out - x", lambda got, p, c: np.any(got == -c["x"])),
     "test mode drops units: with train=False return x itself, no mask (and no rng is needed)."),
    (_is("test-mode out - x", lambda got, p, c: np.allclose(got, c["x"] * p / (1 - p))),
     "test mode scales x by 1 / (1 - p_drop): with train=False return x unchanged."),
)


@register(Spec(
    name="dropout_forward", args=("dropout_forward",), cases=_forward_cases, call=_call_forward,
    expected=_expected_forward, tol={"dropped fraction": 0.03, "kept out / x": 1e-9, "mean(out) / mean(x)": 0.04,
                                     "test-mode out - x": 1e-12},
    reference=("course_utils.layers.dropout_forward",), hints=_FORWARD_HINTS,
))
def check_dropout_forward(dropout_forward):
    """Check dropout_forward(x, p_drop, train=..., rng=...): inverted dropout, the mask drawn from rng (notebook 07).

    Any right way of drawing the mask from rng passes: the check judges the fraction dropped,
    the scaling of kept units, the mean, test mode, and that the mask comes from rng alone.
    """


def _call_backward(student, case):
    forward, backward = student["dropout_forward"], student["dropout_backward"]
    x, p, rng = case["x"], case["p_drop"], case["rng"]
    x0 = x.copy()
    out, cache = pair("dropout_forward", forward(x, p, train=True, rng=copy.deepcopy(rng)))
    out = np.array(out, dtype=np.float64, copy=True)
    if out.shape != x0.shape:
        raise CheckFailure(f"dropout_forward: out has shape {out.shape}, expected {x0.shape} like x.")
    again = _out("dropout_forward", forward(x0.copy(), p, train=True, rng=copy.deepcopy(rng)), x0.shape)
    if not np.array_equal(out, again):
        raise CheckFailure(
            "dropout_forward gave two different outputs for two generators seeded alike, so its gradient cannot be "
            "checked with the mask held fixed: draw the mask from the rng you are given (run "
            "check_dropout_forward first).")
    dx = backward(case["dout"], cache)
    if dx is None:
        raise CheckFailure("dropout_backward returned None: return dx, an array shaped like dout.")
    dx = np.asarray(dx, dtype=np.float64)
    if dx.shape != x0.shape:
        raise CheckFailure(f"dropout_backward: dx has shape {dx.shape}, expected {x0.shape} like dout.")
    numerical = numerical_gradient_array(
        lambda v: _out("dropout_forward", forward(v.copy(), p, train=True, rng=copy.deepcopy(rng)), x0.shape),
        x0.copy(), case["dout"].copy())
    kept = out != 0
    safe = np.where(kept, numerical, 1.0)
    return {"dx / numerical dx (kept units)": np.where(kept, dx / safe, 1.0),
            "dx (dropped units)": np.where(kept, 0.0, dx)}


def _expected_backward(case):
    shape = case["x"].shape
    return {"dx / numerical dx (kept units)": np.ones(shape), "dx (dropped units)": np.zeros(shape)}


def _kept(test):
    def hint_test(got, exp, case):
        return np.all(exp == 1) and bool(test(got[got != 1], case))
    return hint_test


_NEW_MASK = ("dx is not dout * mask with the forward's mask: use the mask the forward pass put in the cache; a new "
             "mask drawn in the backward pass drops other units than the forward did.")

_BACKWARD_HINTS = (
    (lambda got, exp, case: np.all(exp == 0) and np.any(got != 0), _NEW_MASK),
    (_kept(lambda g, c: np.any(g == 0)), _NEW_MASK),
    (_kept(lambda g, c: np.allclose(g, 1 - c["p_drop"])),
     "dx misses the factor 1 / (1 - p_drop): the forward multiplied x by the scaled mask, so the backward "
     "multiplies dout by that same scaled mask."),
    (_kept(lambda g, c: np.allclose(g, 1 / (1 - c["p_drop"]))),
     "dx is scaled by 1 / (1 - p_drop) twice: the cached mask already holds the scaling, dx = dout * mask."),
)


@register(Spec(
    name="dropout_backward", args=("dropout_forward", "dropout_backward"), cases=_backward_cases,
    call=_call_backward, expected=_expected_backward, tol=1e-6,
    reference=("course_utils.layers.dropout_forward", "course_utils.layers.dropout_backward"),
    hints=_BACKWARD_HINTS,
))
def check_dropout_backward(dropout_forward, dropout_backward):
    """Check dropout_backward(dout, cache) against centered differences of dropout_forward, mask fixed (notebook 07).

    The forward pass runs with the same seed on every evaluation, so its mask stays fixed and
    the gradient is dout times that mask: the backward pass must reuse the forward's mask.
    """


CASE_SIZES = dict.fromkeys(__all__, _sizes)
