"""Checks for notebook 07: inverted dropout, forward and backward.

A mask may be drawn from the generator in more than one right way (``rng.random(x.shape) >=
p_drop``, ``rng.random(x.shape) < 1 - p_drop``, ``rng.binomial(1, 1 - p_drop, x.shape)``),
and each gives other numbers from the same generator. So these checks do not ask for the
course's mask bit for bit: they judge properties that every right answer has, on inputs large
enough for the statistics to be sharp (tens of thousands of units, tolerances five or more
standard deviations wide):

- every kept unit is x / (1 - p_drop) exactly (inverted dropout scales at train time);
- the mask is drawn per element: no whole column (feature) or row (example) is dropped, which
  for independent units has a probability below 1e-25 here;
- the fraction of units dropped is p_drop (not 1 - p_drop, not a constant), per case with
  p_drop != 0.5, and the mean of the output is the mean of the input;
- the cache holds the scaled mask, the one the output was made with;
- test mode (train=False, rng=None) returns x unchanged;
- the mask comes from ``rng`` alone: the same seed gives the same output, another seed another
  mask, and numpy's global generator is left alone;
- the backward pass is the centered-difference gradient of the student's own forward pass with
  the mask held fixed (the same seed on every evaluation): dout times the forward's mask.

Two halves, kept apart for the autograder: ``_call_*`` runs the student's code and returns raw
arrays only (outputs, the cache's mask, outputs with the same and another seed, in test mode,
numpy's global generator state around the calls); ``_judge_*`` (the spec's ``derive``) is a pure
function of those arrays and the case that turns them into the compared quantities, so every
verdict is decided where the expected values live. The kept units are read off the student's
output (x is never 0 in the cases). Every case has N != D (``CASE_SIZES``).
"""

from __future__ import annotations

import copy

import numpy as np

from ._core import Spec, pair
from ._hints import Hint
from ._registry import register

__all__ = ["check_dropout_forward", "check_dropout_backward"]

_FORWARD = {
    0: [(240, 250, 0.3), (260, 230, 0.65)],
    1: [(250, 220, 0.2), (210, 270, 0.7)],
    2: [(230, 280, 0.4), (270, 240, 0.75)],
}
_BACKWARD = {0: [(23, 17, 0.35)], 1: [(19, 26, 0.6)], 2: [(29, 21, 0.25)]}
_H = 1e-5  # the step of the centered differences


def _sizes(case: dict) -> dict[str, int]:
    N, D = case["x"].shape
    return {"N": N, "D": D}


def _x(rng: np.random.Generator, shape: tuple[int, int]) -> np.ndarray:
    x = rng.standard_normal(shape) + 1.5  # mean well away from 0, so that mean(out)/mean(x) is sharp
    x[np.abs(x) < 1e-3] = 0.5  # never 0: a 0 in the output then means a dropped unit
    return x


def _forward_cases(seed: int) -> list[dict]:
    rng = np.random.default_rng(7000 + seed)
    return [
        dict(
            x=_x(rng, (N, D)),
            p_drop=p,
            rng=np.random.default_rng(7100 + 10 * seed + i),
            other_rng=np.random.default_rng(7200 + 10 * seed + i),
        )
        for i, (N, D, p) in enumerate(_FORWARD[seed % 3])
    ]


def _backward_cases(seed: int) -> list[dict]:
    rng = np.random.default_rng(7300 + seed)
    return [
        dict(x=_x(rng, (N, D)), dout=rng.standard_normal((N, D)), p_drop=p, rng=np.random.default_rng(7400 + seed))
        for N, D, p in _BACKWARD[seed % 3]
    ]


def _raw(value):
    """A copy of what the student's code returned (out may be x itself, written later), or the object itself."""
    return np.array(value, copy=True) if isinstance(value, np.ndarray) else value


def _mask_of(cache):
    """The mask in a cache: DropoutCache(mask).mask, a tuple's or list's first item, a dict's "mask", or the cache."""
    if hasattr(cache, "mask"):
        return cache.mask
    if isinstance(cache, (tuple, list)) and cache:
        return cache[0]
    return cache.get("mask", cache) if isinstance(cache, dict) else cache


def _train(forward, x, p, rng):
    out, cache = pair("dropout_forward", forward(x, p, train=True, rng=copy.deepcopy(rng)))
    return _raw(out), _raw(_mask_of(cache))


def _global_state() -> np.ndarray:
    _, keys, pos, has_gauss, gauss = np.random.get_state(legacy=True)
    return np.concatenate([np.asarray(keys, dtype=np.float64), [pos, has_gauss, gauss]])


def _call_forward(student, case):
    """Student code only: the raw outputs the judge needs, nothing compared here."""
    forward, x, p, rng = student["dropout_forward"], case["x"], case["p_drop"], case["rng"]
    x0 = x.copy()  # the student's code may write into x: the later calls get pristine copies
    before = _global_state()
    out, mask = _train(forward, x, p, rng)
    again, _ = _train(forward, x0.copy(), p, rng)
    other, _ = _train(forward, x0.copy(), p, case["other_rng"])
    try:
        test, raised = forward(x0.copy(), p, train=False, rng=None), 0.0
    except AttributeError as e:  # rng.random on None: the code has no test-mode branch
        if "NoneType" not in str(e):
            raise
        test, raised = forward(x0.copy(), p, train=False, rng=copy.deepcopy(rng)), 1.0
    test_out, _ = pair("dropout_forward", test)
    return {
        "out": out,
        "cache mask": mask,
        "out, same seed": again,
        "out, other seed": other,
        "test-mode out": _raw(test_out),
        "raised in test mode without rng": raised,
        "np.random before": before,
        "np.random after": _global_state(),
    }


def _broadcasts(value, shape) -> bool:
    """An array of numbers that broadcasts to this shape (a mask drawn per feature is (D,))."""
    if not (isinstance(value, np.ndarray) and value.dtype.kind in "biuf"):
        return False
    try:
        return np.broadcast_shapes(value.shape, shape) == shape
    except ValueError:
        return False


def _fits(value, shape) -> bool:
    """An array of numbers of exactly this shape (anything else goes to verify as it is, to be named)."""
    return isinstance(value, np.ndarray) and value.dtype.kind in "biuf" and value.shape == shape


def _in_dtype_of(value: np.ndarray, source) -> np.ndarray:
    """value in source's dtype when that is float16 or float32, so that verify names the low precision."""
    dtype = getattr(source, "dtype", None)
    return value.astype(dtype) if dtype in (np.float16, np.float32) else value


def _judge_forward(case, raw):
    """The compared quantities, from the raw outputs of ``_call_forward`` and the case alone (no student code)."""
    x, p = case["x"], case["p_drop"]
    out, name = raw["out"], "out / x, kept units"
    if not _fits(out, x.shape):
        return {name: out}  # verify says what is wrong with it (None, type, shape)
    out64 = out.astype(np.float64)
    kept = out64 != 0
    q = {
        name: _in_dtype_of(np.where(kept, out64 / x, 1 / (1 - p)), out),
        "whole columns dropped": np.mean(np.all(~kept, axis=0)),
        "whole rows dropped": np.mean(np.all(~kept, axis=1)),
        "dropped fraction": np.mean(~kept),
        "mean(out) / mean(x)": out64.mean() / x.mean(),
    }
    mask = raw["cache mask"]
    if _broadcasts(mask, x.shape):
        mask = np.broadcast_to(np.asarray(mask, dtype=np.float64), x.shape)
        q["cache mask / (out / x)"] = np.where(kept, mask / np.where(kept, out64 / x, 1), 1 + np.abs(mask))
    else:  # None, another object or another shape: 0 everywhere, which no mask gives, for its hint
        q["cache mask / (out / x)"] = np.zeros(x.shape)
    q["test mode, rng=None: error"] = raw["raised in test mode without rng"]
    test = raw["test-mode out"]
    q["test-mode out - x"] = _in_dtype_of(test.astype(np.float64) - x, test) if _fits(test, x.shape) else test
    for key, label in (
        ("out, same seed", "same seed: units that differ"),
        ("out, other seed", "other seed: same output"),
    ):
        value = raw[key]
        if not _fits(value, x.shape):
            q[label] = value
        elif key == "out, same seed":
            q[label] = np.mean(value != out)
        else:
            q[label] = float(np.array_equal(value, out))
    before, after = raw["np.random before"], raw["np.random after"]
    q["np.random changed"] = float(
        not (isinstance(before, np.ndarray) and isinstance(after, np.ndarray) and np.array_equal(before, after))
    )
    return q


def _expected_forward(case):
    x, p = case["x"], case["p_drop"]
    return {
        "out / x, kept units": np.full(x.shape, 1 / (1 - p)),
        "whole columns dropped": 0.0,
        "whole rows dropped": 0.0,
        "dropped fraction": p,
        "mean(out) / mean(x)": 1.0,
        "cache mask / (out / x)": np.ones(x.shape),
        "test mode, rng=None: error": 0.0,
        "test-mode out - x": np.zeros(x.shape),
        "np.random changed": 0.0,
        "same seed: units that differ": 0.0,
        "other seed: same output": 0.0,
    }


def _kept_at(value, right=None):
    """A hint test: are the entries not at the right value (default 1/(1 - p_drop)) all at value(p_drop)?"""

    def test(got, exp, case):
        p = case["p_drop"]
        off = got != (1 / (1 - p) if right is None else right)
        return bool(np.any(off)) and np.allclose(got[off], value(p))

    return test


def _hard_coded(got, exp, case):
    p, off = case["p_drop"], got != 1 / (1 - case["p_drop"])
    c = got[off]
    return (
        c.size > 0
        and np.allclose(c, c.flat[0])
        and c.flat[0] > 1
        and not np.isclose(c.flat[0], 1 / p)
        and not np.isclose(c.flat[0], 1 / (1 - p), rtol=1e-6, atol=0)
    )


_MASK = "the scaled mask (0 for a dropped unit, 1 / (1 - p_drop) for a kept one)"
_HARD_CODED = (
    "as if p_drop were another number than the one given: is a value of p_drop (a default such as 0.5) "
    "written into your code? Use the p_drop argument everywhere."
)
_NO_TEST_BRANCH = (
    "it has no test-mode branch: with train=False return x unchanged (and the cache's mask None), "
    "before drawing any mask; rng may then be None."
)

_FORWARD_HINTS = (
    Hint(
        "float32_rounding",
        lambda got, exp, case: np.allclose(got, exp, rtol=1e-6, atol=0),
        "the kept units are x / (1 - p_drop) only to about 7 digits: float32 rounding. Keep float64 throughout "
        "(no .astype(np.float32), no dtype=np.float32 arrays).",
        quantity="out / x, kept units",
    ),
    Hint(
        "mask_not_applied",
        lambda got, exp, case: np.all(got == 1),
        "no unit is dropped in train mode: multiply x by the mask (0 for a dropped unit) when train is True.",
        quantity="out / x, kept units",
    ),
    Hint(
        "kept_not_scaled",
        _kept_at(lambda p: 1.0),
        f"the kept units are not scaled: inverted dropout multiplies x by {_MASK} at train time, so that the "
        "expected output is x and test mode needs no change.",
        quantity="out / x, kept units",
    ),
    Hint(
        "divided_by_p_drop",
        _kept_at(lambda p: 1 / p),
        "the kept units are divided by p_drop: p_drop is the probability of *dropping* a unit; divide by the "
        "probability of keeping, 1 - p_drop.",
        quantity="out / x, kept units",
    ),
    Hint(
        "multiplied_by_keep_prob",
        _kept_at(lambda p: 1 - p),
        "the kept units are multiplied by 1 - p_drop: inverted dropout divides by it at train time.",
        quantity="out / x, kept units",
    ),
    Hint(
        "scale_hardcoded",
        _hard_coded,
        "the kept units are scaled by 1 / (1 - q) for some q other than p_drop, " + _HARD_CODED,
        quantity="out / x, kept units",
    ),
    Hint(
        "columns_dropped",
        lambda got, exp, case: got > 0,
        "whole columns of x are dropped: the mask is drawn per feature (one number per column, shared by every "
        "example). Draw one number per element, rng.random(x.shape), so that each example gets its own mask.",
        quantity="whole columns dropped",
    ),
    Hint(
        "rows_dropped",
        lambda got, exp, case: got > 0,
        "whole rows of x (examples) are dropped: the mask is drawn per example. Draw one number per element, "
        "rng.random(x.shape).",
        quantity="whole rows dropped",
    ),
    Hint(
        "keep_drop_swapped",
        lambda got, exp, case: abs(got - (1 - case["p_drop"])) < 0.03,
        "it drops a fraction 1 - p_drop of the units: p_drop is the probability of *dropping* a unit, so a unit is "
        "kept where rng.random(x.shape) >= p_drop (the 2016 lecture's p is the probability of keeping).",
        quantity="dropped fraction",
    ),
    Hint(
        "nothing_dropped",
        lambda got, exp, case: got == 0,
        "no unit is dropped in train mode: a unit is dropped where rng.random(x.shape) < p_drop.",
        quantity="dropped fraction",
    ),
    Hint(
        "drop_rate_hardcoded",
        lambda got, exp, case: True,
        "the fraction of units dropped is not p_drop, " + _HARD_CODED,
        quantity="dropped fraction",
    ),
    Hint(
        "cache_no_mask",
        lambda got, exp, case: not np.any(got),
        "the cache holds no mask shaped like x (None, another object, or another shape): return "
        "DropoutCache(mask), with the mask x was multiplied by.",
        quantity="cache mask / (out / x)",
    ),
    Hint(
        "cache_unscaled_mask",
        _kept_at(lambda p: 1 - p, right=1.0),
        f"the cache holds the unscaled mask (0s and 1s): keep the mask the output was made with, {_MASK}, in "
        "DropoutCache(mask), so that the backward pass is dout * mask.",
        quantity="cache mask / (out / x)",
    ),
    Hint(
        "cache_holds_out",
        lambda got, exp, case: np.allclose(got[got != 1], case["x"][got != 1]),
        "the cache holds out, not the mask: return DropoutCache(mask), the mask x was multiplied by.",
        quantity="cache mask / (out / x)",
    ),
    Hint(
        "cache_other_mask",
        lambda got, exp, case: True,
        f"the cache's mask is not the one x was multiplied by: return DropoutCache(mask) with {_MASK}.",
        quantity="cache mask / (out / x)",
    ),
    Hint(
        "test_mode_uses_rng",
        lambda got, exp, case: got == 1,
        "with train=False and rng=None dropout_forward used rng (AttributeError): " + _NO_TEST_BRANCH,
        quantity="test mode, rng=None: error",
    ),
    Hint(
        "vanilla_test_scaling",
        lambda got, exp, case: np.allclose(got, -case["x"] * case["p_drop"]),
        "test mode scales x by 1 - p_drop: that is vanilla dropout; inverted dropout scales at train time and "
        "returns x unchanged at test time.",
        quantity="test-mode out - x",
    ),
    Hint(
        "test_mode_scaled_up",
        lambda got, exp, case: np.allclose(got, case["x"] * case["p_drop"] / (1 - case["p_drop"])),
        "test mode scales x by 1 / (1 - p_drop): with train=False return x unchanged.",
        quantity="test-mode out - x",
    ),
    Hint(
        "test_mode_drops",
        lambda got, exp, case: np.any(got == -case["x"]),
        "test mode drops units: " + _NO_TEST_BRANCH,
        quantity="test-mode out - x",
    ),
    Hint(
        "not_reproducible",
        lambda got, exp, case: True,
        "dropout_forward gave two different outputs for two generators seeded alike: the mask must come from the rng "
        "you are given (rng.random(x.shape)), not from a new generator or np.random.",
        quantity="same seed: units that differ",
    ),
    Hint(
        "rng_ignored",
        lambda got, exp, case: True,
        "dropout_forward gave the same mask for two generators seeded differently: it ignores rng (a fixed seed "
        "inside?). Draw the mask from the rng you are given: rng.random(x.shape).",
        quantity="other seed: same output",
    ),
    Hint(
        "global_rng",
        lambda got, exp, case: True,
        "dropout_forward drew from (or reseeded) numpy's global generator np.random: draw the mask from the rng you "
        "are given, rng.random(x.shape), so that a seeded experiment gives the same masks every time and nothing "
        "else changes its numbers.",
        quantity="np.random changed",
    ),
)


@register(
    Spec(
        name="dropout_forward",
        args=("dropout_forward",),
        cases=_forward_cases,
        call=_call_forward,
        derive=_judge_forward,
        expected=_expected_forward,
        tol={
            "out / x, kept units": 1e-9,
            "dropped fraction": 0.03,
            "mean(out) / mean(x)": 0.04,
            "cache mask / (out / x)": 1e-9,
            "test-mode out - x": 1e-12,
            "whole columns dropped": 0.0,
            "whole rows dropped": 0.0,
            "test mode, rng=None: error": 0.0,
            "same seed: units that differ": 0.0,
            "other seed: same output": 0.0,
            "np.random changed": 0.0,
        },
        like={"out / x, kept units": "x", "cache mask / (out / x)": "x", "test-mode out - x": "x"},
        reference=("course_utils.layers.dropout_forward",),
        hints=_FORWARD_HINTS,
    )
)
def check_dropout_forward(dropout_forward):
    """Check dropout_forward(x, p_drop, train=..., rng=...): inverted dropout, the mask drawn from rng (notebook 07).

    Any right way of drawing the mask from rng passes: the check judges the scaling of kept
    units, that the mask is drawn per element, the fraction dropped, the mean, the cache's mask,
    test mode with rng=None, and that the mask comes from rng alone. p_drop is never 0.5 here.
    """


def _call_backward(student, case):
    """Student code only: the forward's outputs around x (mask fixed by the seed) and the backward's dx."""
    forward, backward = student["dropout_forward"], student["dropout_backward"]
    x, p, rng = case["x"], case["p_drop"], case["rng"]
    out, cache = pair("dropout_forward", forward(x.copy(), p, train=True, rng=copy.deepcopy(rng)))
    return {
        "out": _raw(out),
        "out, same seed": _train(forward, x.copy(), p, rng)[0],
        "out at x + h": _train(forward, x + _H, p, rng)[0],
        "out at x - h": _train(forward, x - _H, p, rng)[0],
        "dx": _raw(backward(case["dout"], cache)),
    }


def _judge_backward(case, raw):
    """dx against dout times the centered differences of the forward (it acts on each unit alone)."""
    x, shape = case["x"], case["x"].shape
    outs = [raw[k] for k in ("out", "out, same seed", "out at x + h", "out at x - h")]
    if not all(_fits(o, shape) for o in outs):
        bad = next(o for o in outs if not _fits(o, shape))
        return {"same seed: units that differ": bad}
    out, again, plus, minus = (o.astype(np.float64) for o in outs)
    q = {"same seed: units that differ": np.mean(again != out)}
    if q["same seed: units that differ"] > 0:  # no fixed mask, no gradient to judge: that failure alone
        return {**_expected_backward(case), **q}
    dx = raw["dx"]
    if not _fits(dx, shape):
        return {**q, "dx / numerical dx, kept units": dx}
    kept = out != 0
    numerical = case["dout"] * (plus - minus) / ((x + _H) - (x - _H))  # the step as the inputs hold it
    q["dx, dropped units"] = np.where(kept, 0.0, dx)
    q["dx / numerical dx, kept units"] = _in_dtype_of(np.where(kept, dx / np.where(kept, numerical, 1), 1.0), dx)
    return q


def _expected_backward(case):
    shape = case["x"].shape
    return {
        "same seed: units that differ": 0.0,
        "dx, dropped units": np.zeros(shape),
        "dx / numerical dx, kept units": np.ones(shape),
    }


_NEW_MASK = (
    "dx is not dout * mask with the forward's mask: use the mask the forward pass put in the cache; a new "
    "mask drawn in the backward pass drops other units than the forward did."
)

_BACKWARD_HINTS = (
    Hint(
        "forward_not_reproducible",
        lambda got, exp, case: True,
        "dropout_forward gave two different outputs for two generators seeded alike, so its gradient cannot be "
        "checked with the mask held fixed: draw the mask from the rng you are given (run check_dropout_forward first).",
        quantity="same seed: units that differ",
    ),
    Hint(  # dx where the forward dropped a unit (expected 0 there), or 0 where it kept one
        "new_mask",
        lambda got, exp, case: bool(np.any(exp == 0) or np.any(got == 0)),
        _NEW_MASK,
        quantity=("dx, dropped units", "dx / numerical dx, kept units"),
    ),
    Hint(
        "dout_ignored",
        lambda got, exp, case: np.allclose(got[got != 1] * case["dout"][got != 1], 1),
        "dx does not depend on dout: the backward pass multiplies the upstream gradient by the mask, dx = dout * mask.",
        quantity="dx / numerical dx, kept units",
    ),
    Hint(
        "missing_scale",
        _kept_at(lambda p: 1 - p, right=1.0),
        "dx misses the factor 1 / (1 - p_drop) (an unscaled mask in the cache?): the forward multiplied x by the "
        "scaled mask, so the backward multiplies dout by that same scaled mask.",
        quantity="dx / numerical dx, kept units",
    ),
    Hint(
        "scaled_twice",
        _kept_at(lambda p: 1 / (1 - p), right=1.0),
        "dx is scaled by 1 / (1 - p_drop) twice: the cached mask already holds the scaling, dx = dout * mask.",
        quantity="dx / numerical dx, kept units",
    ),
)


@register(
    Spec(
        name="dropout_backward",
        args=("dropout_forward", "dropout_backward"),
        cases=_backward_cases,
        call=_call_backward,
        derive=_judge_backward,
        expected=_expected_backward,
        tol={"same seed: units that differ": 0.0, "dx / numerical dx, kept units": 1e-9, "dx, dropped units": 1e-9},
        like={"dx / numerical dx, kept units": "dout"},
        reference=("course_utils.layers.dropout_forward", "course_utils.layers.dropout_backward"),
        hints=_BACKWARD_HINTS,
    )
)
def check_dropout_backward(dropout_forward, dropout_backward):
    """Check dropout_backward(dout, cache) against centered differences of dropout_forward, mask fixed (notebook 07).

    The forward pass runs with the same seed on every evaluation, so its mask stays fixed and
    the gradient is dout times that mask: the backward pass must reuse the forward's mask.
    """


CASE_SIZES = dict.fromkeys(__all__, _sizes)
