"""Checks for notebook 01 (backprop circuits): one per exercise.

The scalar exercises (the gradients of f = (x + y)z, the gates, the net) are called once per
random point with plain Python floats, as a student writes them, and their results are
stacked into arrays, so a wrong answer shows up as a pattern across points: a constant where a
formula was expected, the other input where a gate should swap, dout missing. The hints name
those patterns; the expected values come from :mod:`course_utils.circuits`.
"""
from __future__ import annotations

import numpy as np

from .. import circuits as ref
from ._core import CheckFailure, Spec
from ._registry import register

__all__ = ["check_grads_xyz", "check_gates", "check_sigmoid_gate", "check_net", "check_vector_relu_backward"]

FORGOT_DOUT = ("did you forget to multiply by the upstream gradient dout? A gate's backward returns "
               "(local gradient) * dout.")


def _close(a, b) -> bool:
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    return a.shape == b.shape and np.allclose(a, b, rtol=1e-6, atol=1e-10)


def _forgot_dout(got, exp, case) -> bool:
    return _close(got * case["dout"], exp) and not _close(got, exp)


def _number(value, func: str, what: str) -> float:
    """A student's scalar result as a float, or a CheckFailure saying what it is instead."""
    if value is None:
        raise CheckFailure(f"{func}: {what} is None. Did you forget a `return`?")
    try:
        return float(np.asarray(value, dtype=np.float64).item())
    except (TypeError, ValueError):
        raise CheckFailure(f"{func}: {what} should be one number, got {value!r}.") from None


def _tuple(result, n: int, func: str, what: str) -> tuple:
    if not isinstance(result, (tuple, list)) or len(result) != n:
        comma = " (note the comma in a one-element tuple)" if n == 1 else ""
        raise CheckFailure(f"{func} must return the tuple {what}{comma}, got {result!r}.")
    return tuple(result)


def _spread(rng, n, low, high, away=0.2):
    """n uniform numbers in [low, high] whose magnitude is at least `away` (never near 0)."""
    v = rng.uniform(low, high, n)
    return np.where(np.abs(v) < away, np.sign(v + 1e-12) * away, v)


def _apart(rng, n, low, high):
    """Two arrays of n uniform numbers, never near 0 nor near each other, each larger at least twice."""
    while True:
        a, b = rng.uniform(low, high, (2, n))
        if min(np.abs(a).min(), np.abs(b).min(), np.abs(a - b).min()) > 0.2 and 2 <= np.sum(a > b) <= n - 2:
            return a, b


# (1) the gradients of f = (x + y) z, by hand
def _xyz_cases(seed):
    rng = np.random.default_rng(seed + 100)
    pts = _spread(rng, (6, 3), -5, 5)
    if seed == 0:
        pts[0] = (-2.0, 5.0, -4.0)
    return [dict(x=pts[:, 0], y=pts[:, 1], z=pts[:, 2])]


def _xyz_call(student, case):
    rows = [tuple(_number(g, "grads_xyz", name) for g, name in zip(
        _tuple(student["grads_xyz"](float(x), float(y), float(z)), 3, "grads_xyz", "(dfdx, dfdy, dfdz)"),
        ("dfdx", "dfdy", "dfdz"))) for x, y, z in zip(case["x"], case["y"], case["z"])]
    return dict(zip(("dfdx", "dfdy", "dfdz"), (np.array(col) for col in zip(*rows))))


def _xyz_expected(case):
    out = {"dfdx": [], "dfdy": [], "dfdz": []}
    for x, y, z in zip(case["x"], case["y"], case["z"]):
        vx, vy, vz = ref.Value(x), ref.Value(y), ref.Value(z)
        ((vx + vy) * vz).backward()
        for name, v in zip(out, (vx, vy, vz)):
            out[name].append(v.grad)
    return {k: np.array(v) for k, v in out.items()}


@register(Spec(
    name="grads_xyz", args=("grads_xyz",), cases=_xyz_cases, call=_xyz_call, expected=_xyz_expected,
    hints=(
        (lambda got, exp, case: np.ptp(got) == 0 and np.ptp(exp) > 0,
         "your answer is the same at every point: write the gradient as a formula in x, y and z "
         "(-4, -4 and 3 hold only at (-2, 5, -4))."),
        (lambda got, exp, case: _close(exp, case["z"]) and _close(got, case["x"] + case["y"]),
         "swapped: df/dx = df/dq * dq/dx = z * 1, and df/dz = q = x + y."),
        (lambda got, exp, case: _close(exp, case["z"]) and (_close(got, case["x"] * case["z"])
                                                            or _close(got, case["y"] * case["z"])),
         "the add gate's local gradient is 1: df/dx = df/dq * 1 = z."),
        (lambda got, exp, case: _close(exp, case["x"] + case["y"]),
         "df/dz is the *other* input of the multiply gate, q = x + y."),
    ),
))
def check_grads_xyz(grads_xyz):
    """Check grads_xyz(x, y, z) -> (df/dx, df/dy, df/dz) for f = (x + y) z at random points (notebook 01)."""


# (2) the backward of the add, multiply and max gates
_GATES = ("AddGate", "MultiplyGate", "MaxGate")


def _gate_cases(seed):
    rng = np.random.default_rng(seed + 110)
    x, y = _apart(rng, 8, -3, 3)
    return [dict(x=x, y=y, dout=_spread(rng, 8, -2, 2, away=0.3))]


def _gate_call(student, case):
    out = {}
    for name in _GATES:
        cols = []
        for x, y, d in zip(case["x"], case["y"], case["dout"]):
            gate = student[name]()
            value = _number(gate.forward(float(x), float(y)), f"{name}.forward", "its output")
            dx, dy = _tuple(gate.backward(float(d)), 2, f"{name}.backward", "(dx, dy)")
            cols.append((value, _number(dx, f"{name}.backward", "dx"), _number(dy, f"{name}.backward", "dy")))
        for key, col in zip(("out", "dx", "dy"), zip(*cols)):
            out[f"{name} {key}"] = np.array(col)
    return out


def _gate_expected(case):
    return _gate_call({name: getattr(ref, name) for name in _GATES}, case)


@register(Spec(
    name="gates", args=_GATES, cases=_gate_cases, call=_gate_call, expected=_gate_expected,
    hints=(
        (_forgot_dout, FORGOT_DOUT),
        (lambda got, exp, case: any(_close(exp, a * case["dout"]) and _close(got, b * case["dout"])
                                    for a, b in ((case["y"], case["x"]), (case["x"], case["y"]))),
         "multiply swaps: dx gets y*dout and dy gets x*dout (each input's gradient is the other input times dout)."),
        (lambda got, exp, case: np.any(exp == 0) and _close(got, case["dout"]),
         "the max gate routes: the gradient goes only to the larger input; the smaller one gets 0."),
        (lambda got, exp, case: np.any(exp == 0) and _close(got + exp, case["dout"]),
         "the max gate sends the gradient to the *larger* input: check the direction of your comparison."),
        (lambda got, exp, case: _close(exp, case["dout"]),
         "add distributes: both inputs get dout, unchanged."),
    ),
    reference=tuple(f"course_utils.circuits.{name}" for name in _GATES),
))
def check_gates(AddGate, MultiplyGate, MaxGate):
    """Check forward and backward of the add, multiply and max gates at random points (notebook 01)."""


# (3) the sigmoid gate
def _sigmoid_cases(seed):
    rng = np.random.default_rng(seed + 120)
    x = np.linspace(-4, 4, 9) if seed == 0 else rng.uniform(-6, 6, 9)
    return [dict(x=x, dout=_spread(rng, x.size, -2, 2, away=0.3))]


def _sigmoid_call(student, case, cls="SigmoidGate"):
    outs, dxs = [], []
    for x, d in zip(case["x"], case["dout"]):
        gate = student[cls]()
        outs.append(_number(gate.forward(float(x)), f"{cls}.forward", "its output"))
        (dx,) = _tuple(gate.backward(float(d)), 1, f"{cls}.backward", "(dx,)")
        dxs.append(_number(dx, f"{cls}.backward", "dx"))
    return dict(out=np.array(outs), dx=np.array(dxs))


def _sig(x):
    return 1 / (1 + np.exp(-x))


@register(Spec(
    name="SigmoidGate", args=("SigmoidGate",), cases=_sigmoid_cases, call=_sigmoid_call,
    expected=lambda case: _sigmoid_call({"SigmoidGate": ref.SigmoidGate}, case),
    hints=(
        (lambda got, exp, case: _close(got, _sig(-case["x"])),
         "σ(x) = 1 / (1 + exp(-x)): check the sign inside exp."),
        (_forgot_dout, FORGOT_DOUT),
        (lambda got, exp, case: _close(got, _sig(case["x"]) * case["dout"]),
         "the local gradient is σ(x)(1 - σ(x)), not σ(x)."),
        (lambda got, exp, case: _close(got, case["x"] * (1 - case["x"]) * case["dout"]),
         "evaluate σ(1 - σ) at the output σ(x) you cached in forward, not at the input x."),
        (lambda got, exp, case: _close(got, (1 - _sig(case["x"])) * case["dout"]),
         "the local gradient is σ(x)(1 - σ(x)): a factor σ(x) is missing."),
    ),
    reference=("course_utils.circuits.SigmoidGate",),
))
def check_sigmoid_gate(SigmoidGate):
    """Check SigmoidGate's forward σ(x) and backward σ(1 - σ) * dout at fixed and random points (notebook 01)."""


# (4) a net of gates: forward in topological order, backward in reverse
def _net_entries():
    return [(ref.MultiplyGate(), ("x", "y"), "a"), (ref.MaxGate(), ("x", "z"), "b"),
            (ref.AddGate(), ("a", "b"), "c"), (ref.SigmoidGate(), ("c",), "s"),
            (ref.MultiplyGate(), ("s", "b"), "f")]


_NET_GRADS = ("f", "s", "c", "b", "a", "z", "y", "x")  # the order backward finds them


def _net_cases(seed):
    rng = np.random.default_rng(seed + 130)
    x, z = _apart(rng, 5, -2, 2)
    return [dict(x=x, y=_spread(rng, 5, -2, 2), z=z, dout=_spread(rng, 5, -2, 2, away=0.3))]


def _net_call(student, case):
    cols = []
    for x, y, z, d in zip(case["x"], case["y"], case["z"], case["dout"]):
        net = student["Net"](_net_entries())
        out = _number(net.forward({"x": float(x), "y": float(y), "z": float(z)}), "Net.forward", "its output")
        grads = net.backward(float(d))
        if not isinstance(grads, dict):
            raise CheckFailure(f"Net.backward must return a dict name -> gradient, got {type(grads).__name__}.")
        missing = [k for k in _NET_GRADS if k not in grads]
        if missing:
            raise CheckFailure(f"Net.backward: no gradient for {', '.join(map(repr, missing))}; return one for "
                               "every named value (the inputs and every gate's output).")
        cols.append([out] + [_number(grads[k], "Net.backward", f"grads[{k!r}]") for k in _NET_GRADS])
    names = ["out"] + [f"d{k}" for k in _NET_GRADS]
    return {name: np.array(col) for name, col in zip(names, zip(*cols))}


def _branch_parts(case):
    """What each branch alone sends back to x (via a, via b) and to b (via c, via f)."""
    x, y, z, d = case["x"], case["y"], case["z"], case["dout"]
    b = np.maximum(x, z)
    s = _sig(x * y + b)
    dc = s * (1 - s) * b * d
    db = dc + s * d
    return [dc, s * d, dc * y, db * (x >= z)]


@register(Spec(
    name="Net", args=("Net",), cases=_net_cases, call=_net_call,
    expected=lambda case: _net_call({"Net": ref.Net}, case),
    hints=(
        (lambda got, exp, case: any(_close(got, p) for p in _branch_parts(case)),
         "this value feeds two gates: gradients add where a value branches. Accumulate "
         "(grads[name] = grads[name] + d) instead of overwriting."),
        (lambda got, exp, case: _close(got, 0 * got) and not _close(exp, 0 * exp),
         "zero gradient: run the gates backward in *reverse* order (reversed(self.entries)), so a "
         "gate's dout is complete before its backward is called."),
        (_forgot_dout, "start the backward pass with grads[output] = dout (the argument), not 1."),
    ),
    reference=("course_utils.circuits.Net",),
))
def check_net(Net):
    """Check Net.forward and Net.backward on a five-gate circuit with two branches (notebook 01)."""


# (5) the backward of an elementwise ReLU on a vector, without the Jacobian
def _relu_cases(seed):
    rng = np.random.default_rng(seed + 140)
    shape = (4, 6) if seed == 0 else (5, 7)
    return [dict(x=_spread(rng, shape, -2, 2, away=1e-3), dout=rng.standard_normal(shape))]


@register(Spec(
    name="relu_backward", args=("relu_backward",), cases=_relu_cases,
    call=lambda student, case: dict(dx=student["relu_backward"](case["dout"], case["x"])),
    expected=lambda case: dict(dx=np.where(case["x"] > 0, case["dout"], 0.0)),
    like={"dx": "x"},
    hints=(
        (lambda got, exp, case: _close(got, case["x"] > 0),
         "did you forget to multiply by the upstream gradient dout? dx = dout where x > 0, and 0 elsewhere."),
        (lambda got, exp, case: _close(got, case["dout"]),
         "dx equals dout everywhere: the gradient must be blocked (0) where x <= 0."),
        (lambda got, exp, case: _close(got, case["dout"] * (case["x"] <= 0)),
         "the mask is inverted: the gradient flows where x > 0 (where the ReLU let x through)."),
        (lambda got, exp, case: _close(got, case["dout"] * np.maximum(case["x"], 0)),
         "the ReLU's local gradient is 1 where x > 0, not x itself: use the mask (x > 0), not relu(x)."),
    ),
    reference=("course_utils.layers.relu_backward",),
))
def check_vector_relu_backward(relu_backward):
    """Check relu_backward(dout, x) -> dx, the masked gradient of an elementwise ReLU (notebook 01)."""
