"""Checks for notebook 01 (backprop circuits): one per exercise.

The scalar exercises (the gradients of f = (x + y)z, the gates, the net) are called once per
random point with plain Python floats, as a student writes them, and their results are
stacked into arrays, so a wrong answer shows up as a pattern across points: a constant where a
formula was expected, the other input where a gate should swap, dout missing. The hints name
those patterns; the expected values come from :mod:`course_utils.circuits`. A wrong value is
reported with its point (x, y, z, dout), so that the student can redo it by hand.

Notes: a gate or a net is an object with state (what forward cached), and a net reuses its
gates pass after pass; so each gate is also run on every point with one shared object, and
backward is called twice after the same forward: both must agree with a fresh object. The max
gate's cases include ties (x == y), where the course's rule decides: the gradient goes to x.
"""

from __future__ import annotations

import numpy as np

from .. import circuits as ref
from .. import layers
from ._core import CheckFailure, Spec, pair
from ._failure import Failure, code_name, describe_line, student_frames
from ._hints import Hint, matches
from ._registry import register
from ._shapes import named, product, raised

__all__ = [
    "check_grads_xyz",
    "check_gates",
    "check_sigmoid_gate",
    "check_net",
    "check_vector_relu_backward",
    "check_matmul_backward",
]

FORGOT_DOUT = (
    "did you forget to multiply by the upstream gradient dout? A gate's backward returns "
    "(local gradient) * dout for each input."
)


def _close(a, b) -> bool:
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    return a.shape == b.shape and np.allclose(a, b, rtol=1e-6, atol=1e-10)


def _forgot_dout(got, exp, case) -> bool:
    return _close(got * case["dout"], exp) and not _close(got, exp)


def _number(value, func: str, what: str) -> float:
    """A student's scalar result as a float, or a CheckFailure saying what it is instead."""
    if value is None:
        raise CheckFailure(f"{func}: {what} is None. Did you forget a `return`?", cause="returned_none")
    try:
        return float(np.asarray(value, dtype=np.float64).item())
    except (TypeError, ValueError):
        raise CheckFailure(f"{func}: {what} should be one number, got {value!r}.", cause="not_a_number") from None


def _tuple(result, n: int, func: str, what: str) -> tuple:
    if not isinstance(result, (tuple, list)) or len(result) != n:
        comma = " (note the comma in a one-element tuple)" if n == 1 else ""
        raise CheckFailure(f"{func} must return the tuple {what}{comma}, got {result!r}.", cause="not_a_tuple")
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
    rows = [
        tuple(
            _number(g, "grads_xyz", name)
            for g, name in zip(
                _tuple(student["grads_xyz"](float(x), float(y), float(z)), 3, "grads_xyz", "(dfdx, dfdy, dfdz)"),
                ("dfdx", "dfdy", "dfdz"),
            )
        )
        for x, y, z in zip(case["x"], case["y"], case["z"])
    ]
    return dict(zip(("dfdx", "dfdy", "dfdz"), (np.array(col) for col in zip(*rows))))


def _xyz_expected(case):
    out: dict[str, list[float]] = {"dfdx": [], "dfdy": [], "dfdz": []}
    for x, y, z in zip(case["x"], case["y"], case["z"]):
        vx, vy, vz = ref.Value(x), ref.Value(y), ref.Value(z)
        ((vx + vy) * vz).backward()
        for name, v in zip(out, (vx, vy, vz)):
            out[name].append(v.grad)
    return {k: np.array(v) for k, v in out.items()}


@register(
    Spec(
        name="grads_xyz",
        args=("grads_xyz",),
        cases=_xyz_cases,
        call=_xyz_call,
        expected=_xyz_expected,
        hints=(
            Hint(
                "missing_upstream_z",
                lambda got, exp, case: _close(exp, case["z"]) and _close(got, np.ones_like(got)),
                "1 is only the add gate's local gradient dq/dx; multiply it by the upstream gradient df/dq = z: "
                "dfdx = dfdy = z.",
            ),
            Hint(
                "constant_answer",
                lambda got, exp, case: np.ptp(got) == 0 and np.ptp(exp) > 0,
                "your answer is the same at every point: write the gradient as a formula in x, y and z "
                "(-4, -4 and 3 hold only at (-2, 5, -4)).",
            ),
            Hint(
                "swapped_gradients",
                lambda got, exp, case: _close(exp, case["z"]) and _close(got, case["x"] + case["y"]),
                "swapped: df/dx = df/dq * dq/dx = z * 1, and df/dz = q = x + y.",
            ),
            Hint(
                "add_gate_local_gradient",
                lambda got, exp, case: (
                    _close(exp, case["z"])
                    and (_close(got, case["x"] * case["z"]) or _close(got, case["y"] * case["z"]))
                ),
                "the add gate's local gradient is 1: df/dx = df/dq * 1 = z.",
            ),
            Hint(
                "dfdz_not_q",
                lambda got, exp, case: _close(exp, case["x"] + case["y"]),
                "df/dz is the *other* input of the multiply gate: dfdz = q = x + y.",
            ),
            Hint(
                "add_gate_not_passing",
                lambda got, exp, case: _close(exp, case["z"]),
                "the add gate passes the upstream gradient df/dq = z to both inputs (its local gradient is 1): "
                "dfdx = dfdy = z.",
            ),
        ),
        point=("x", "y", "z"),
    )
)
def check_grads_xyz(grads_xyz):
    """Check grads_xyz(x, y, z) -> (df/dx, df/dy, df/dz) for f = (x + y) z at random points (notebook 01)."""


# (2) the backward of the add, multiply and max gates
_GATES = ("AddGate", "MultiplyGate", "MaxGate")
_MAX_RULE = "(dout, 0.0) if self.x >= self.y else (0.0, dout)"


def _gate_cases(seed):
    rng = np.random.default_rng(seed + 110)
    x, y = _apart(rng, 8, -3, 3)
    dout = _spread(rng, 8, -2, 2, away=0.3)
    ties = np.round(rng.uniform(-3, 3, 2), 2)  # x == y: the max gate's rule decides
    ties = np.where(np.abs(ties) < 0.2, 0.5, ties)
    return [
        dict(
            x=np.concatenate([x, ties]),
            y=np.concatenate([y, ties]),
            dout=np.concatenate([dout, _spread(rng, 2, -2, 2, away=0.3)]),
        )
    ]


def _fmt(values) -> str:
    return "(" + ", ".join(f"{v:.6g}" for v in values) + ")"


def _again(backward, *args, **kwargs):
    """A second backward after the same forward; None if it raises (code may free its cache after one)."""
    try:
        return backward(*args, **kwargs)
    except Exception:
        return None


def _gate_pass(gate, name, x, y, d):
    value = _number(gate.forward(float(x), float(y)), f"{name}.forward", "its output")
    return (value, *_gate_backward(gate, name, d))


def _gate_backward(gate, name, d):
    dx, dy = _tuple(gate.backward(float(d)), 2, f"{name}.backward", "(dx, dy)")
    return _number(dx, f"{name}.backward", "dx"), _number(dy, f"{name}.backward", "dy")


def _state_hint(cache: str = "self.x, self.y = x, y") -> str:
    return (
        f"forward must overwrite what it caches ({cache}) and backward must compute new gradients from that "
        "cache and dout alone, without adding to values kept on self from an earlier call."
    )


def _gate_call(student, case):
    out = {}
    for name in _GATES:
        cls, cols = student[name], []
        shared = cls()  # one object for every point, as a net reuses its gates
        for x, y, d in zip(case["x"], case["y"], case["dout"]):
            gate = cls()
            first = _gate_pass(gate, name, x, y, d)
            again = _again(_gate_backward, gate, name, d)
            at = f"at x={x:.6g}, y={y:.6g}, dout={d:.6g}"
            if again is not None and not _close(first[1:], again):
                raise CheckFailure(
                    f"{name}.backward gave (dx, dy) = {_fmt(first[1:])} the first time and {_fmt(again)} when called "
                    f"again after the same forward, {at}.\n  Hint: {_state_hint()}",
                    cause="backward_not_repeatable",
                )
            reused = _gate_pass(shared, name, x, y, d)
            if not _close(reused, first):
                raise CheckFailure(
                    f"{name} gives (out, dx, dy) = {_fmt(reused)} when one object has already run earlier points, but "
                    f"{_fmt(first)} as a new object, {at}.\n  Hint: {_state_hint()}",
                    cause="state_kept_between_points",
                )
            cols.append(first)
        for key, col in zip(("out", "dx", "dy"), zip(*cols)):
            out[f"{name} {key}"] = np.array(col)
    return out


def _gate_expected(case):
    return _gate_call({name: getattr(ref, name) for name in _GATES}, case)


def _wrong_only_at_ties(got, exp, case):
    tie = case["x"] == case["y"]
    return bool(tie.any()) and _close(got[~tie], exp[~tie]) and not _close(got[tie], exp[tie])


@register(
    Spec(
        name="gates",
        args=_GATES,
        cases=_gate_cases,
        call=_gate_call,
        expected=_gate_expected,
        hints=(
            Hint(
                "max_ties",
                _wrong_only_at_ties,
                "only the ties are wrong: when x == y, the course's max gate gives all of dout to x and 0 to y, so compare "
                f"with >=: return {_MAX_RULE}.",
            ),
            Hint("forgot_dout", _forgot_dout, FORGOT_DOUT),
            Hint(
                "multiply_not_swapped",
                lambda got, exp, case: any(
                    _close(exp, a * case["dout"]) and _close(got, b * case["dout"])
                    for a, b in ((case["y"], case["x"]), (case["x"], case["y"]))
                ),
                "multiply swaps: dx gets y*dout and dy gets x*dout (each input's gradient is the other input times dout).",
            ),
            Hint(
                "max_not_routed",
                lambda got, exp, case: np.any(exp == 0) and _close(got, case["dout"]),
                "the max gate routes: the gradient goes only to the larger input; the smaller one gets 0: "
                f"return {_MAX_RULE}.",
            ),
            Hint(
                "max_wrong_direction",
                lambda got, exp, case: np.any(exp == 0) and _close(got + exp, case["dout"]),
                f"the max gate sends the gradient to the *larger* input, so check the direction of your comparison: return "
                f"{_MAX_RULE}.",
            ),
            Hint(
                "add_not_distributed",
                lambda got, exp, case: _close(exp, case["dout"]),
                "add distributes: both inputs get dout, unchanged: return (dout, dout).",
            ),
            Hint(
                "max_passes_value",
                lambda got, exp, case: _close(got, exp * np.maximum(case["x"], case["y"])),
                "the max gate's local gradient is 1 for the larger input (and 0 for the other), not the larger value: "
                f"return {_MAX_RULE}.",
            ),
        ),
        reference=tuple(f"course_utils.circuits.{name}" for name in _GATES),
        point=("x", "y", "dout"),
    )
)
def check_gates(AddGate, MultiplyGate, MaxGate):
    """Check forward and backward of the add, multiply and max gates at random points and ties (notebook 01)."""


# (3) the sigmoid gate
def _sigmoid_cases(seed):
    rng = np.random.default_rng(seed + 120)
    x = np.linspace(-4, 4, 9) if seed == 0 else rng.uniform(-6, 6, 9)
    return [dict(x=x, dout=_spread(rng, x.size, -2, 2, away=0.3))]


def _sigmoid_pass(gate, cls, x, d, *, forward=True):
    value = _number(gate.forward(float(x)), f"{cls}.forward", "its output") if forward else None
    (dx,) = _tuple(gate.backward(float(d)), 1, f"{cls}.backward", "(dx,)")
    return value, _number(dx, f"{cls}.backward", "dx")


def _sigmoid_call(student, case, cls="SigmoidGate"):
    outs, dxs = [], []
    shared = student[cls]()
    for x, d in zip(case["x"], case["dout"]):
        gate = student[cls]()
        value, dx = _sigmoid_pass(gate, cls, x, d)
        again = _again(_sigmoid_pass, gate, cls, x, d, forward=False)
        again = None if again is None else again[1]
        at = f"at x={x:.6g}, dout={d:.6g}"
        if again is not None and not _close(dx, again):
            raise CheckFailure(
                f"{cls}.backward gave dx = {dx:.6g} the first time and {again:.6g} when called again "
                f"after the same forward, {at}.\n  Hint: {_state_hint('self.out = σ(x)')}",
                cause="backward_not_repeatable",
            )
        reused = _sigmoid_pass(shared, cls, x, d)
        if not _close(reused, (value, dx)):
            raise CheckFailure(
                f"{cls} gives (out, dx) = {_fmt(reused)} when one object has already run earlier "
                f"points, but {_fmt((value, dx))} as a new object, {at}.\n"
                f"  Hint: {_state_hint('self.out = σ(x)')}",
                cause="state_kept_between_points",
            )
        outs.append(value)
        dxs.append(dx)
    return dict(out=np.array(outs), dx=np.array(dxs))


def _sig(x):
    return 1 / (1 + np.exp(-x))


_SIG_DX = "return (self.out * (1 - self.out) * dout,) with self.out = σ(x) cached in forward"


@register(
    Spec(
        name="SigmoidGate",
        args=("SigmoidGate",),
        cases=_sigmoid_cases,
        call=_sigmoid_call,
        expected=lambda case: _sigmoid_call({"SigmoidGate": ref.SigmoidGate}, case),
        hints=(
            Hint(
                "exp_sign",
                lambda got, exp, case: _close(got, _sig(-case["x"])),
                "σ(x) = 1 / (1 + exp(-x)): check the sign inside exp, self.out = 1 / (1 + math.exp(-x)).",
            ),
            Hint("forgot_dout", _forgot_dout, FORGOT_DOUT + " Here: return (self.out * (1 - self.out) * dout,)."),
            Hint(
                "local_gradient_is_sigma",
                lambda got, exp, case: _close(got, _sig(case["x"]) * case["dout"]),
                f"the local gradient is σ(x)(1 - σ(x)), not σ(x): {_SIG_DX}.",
            ),
            Hint(
                "sigma_of_sigma",
                lambda got, exp, case: _close(got, case["x"] * (1 - case["x"]) * case["dout"]),
                f"evaluate σ(1 - σ) at the output σ(x) you cached in forward, not at the input x: {_SIG_DX}.",
            ),
            Hint(
                "missing_sigma_factor",
                lambda got, exp, case: _close(got, (1 - _sig(case["x"])) * case["dout"]),
                f"the local gradient is σ(x)(1 - σ(x)): a factor σ(x) is missing: {_SIG_DX}.",
            ),
        ),
        reference=("course_utils.circuits.SigmoidGate",),
        point=("x", "dout"),
    )
)
def check_sigmoid_gate(SigmoidGate):
    """Check SigmoidGate's forward σ(x) and backward σ(1 - σ) * dout at fixed and random points (notebook 01)."""


# (4) a net of gates: forward in topological order, backward in reverse
def _net_entries():
    return [
        (ref.MultiplyGate(), ("x", "y"), "a"),
        (ref.MaxGate(), ("x", "z"), "b"),
        (ref.AddGate(), ("a", "b"), "c"),
        (ref.SigmoidGate(), ("c",), "s"),
        (ref.MultiplyGate(), ("s", "b"), "f"),
    ]


_NET_GRADS = ("f", "s", "c", "b", "a", "z", "y", "x")  # the order backward finds them


def _net_cases(seed):
    rng = np.random.default_rng(seed + 130)
    x, z = _apart(rng, 5, -2, 2)
    return [dict(x=x, y=_spread(rng, 5, -2, 2), z=z, dout=_spread(rng, 5, -2, 2, away=0.3))]


_KEY_HINTS = {
    "forward": "values must hold the inputs before the first gate runs: start from values = dict(inputs), then store "
    "each gate's output under its name, values[out] = gate.forward(...), in the order of self.entries.",
    "backward": "every named value needs a gradient to add to: start from grads = {name: 0.0 for name in self.values} "
    "(forward keeps self.values), then set grads[output] = dout.",
}


def _net_step(net, step: str, *args):
    """net.forward or net.backward; a KeyError (a value or gradient not there yet) gets its hint."""
    try:
        return getattr(net, step)(*args)
    except KeyError as exc:
        first, own = student_frames(exc.__traceback__)
        name = (code_name(first.tb_frame.f_code) if first else None) or f"Net.{step}"
        raise CheckFailure(
            Failure(
                name,
                "exception",
                raised=f"KeyError: {exc}",
                where=describe_line(own[-1]) if own else None,
                hint=_KEY_HINTS[step],
            ),
            cause="value_not_there_yet",
        ) from None


def _net_pass(net, x, y, z, d, *, forward=True) -> list[float | None]:
    out = None
    if forward:
        out = _number(
            _net_step(net, "forward", {"x": float(x), "y": float(y), "z": float(z)}), "Net.forward", "its output"
        )
    grads = _net_step(net, "backward", float(d))
    if not isinstance(grads, dict):
        raise CheckFailure(
            f"Net.backward must return a dict name -> gradient, got {type(grads).__name__}.", cause="grads_not_a_dict"
        )
    missing = [k for k in _NET_GRADS if k not in grads]
    if missing:
        raise CheckFailure(
            f"Net.backward: no gradient for {', '.join(map(repr, missing))}; return one for "
            "every named value (the inputs and every gate's output).",
            cause="missing_gradients",
        )
    return [out] + [_number(grads[k], "Net.backward", f"grads[{k!r}]") for k in _NET_GRADS]


_NET_STATE_HINT = (
    "each backward starts from fresh gradients, grads = {name: 0.0 for name in self.values}, made "
    "inside backward: not from a dict kept on self (or a default argument) from an earlier call."
)


def _net_call(student, case):
    cols = []
    shared = student["Net"](_net_entries())  # one net for every point, as training reuses a net
    for x, y, z, d in zip(case["x"], case["y"], case["z"], case["dout"]):
        net = student["Net"](_net_entries())
        first = _net_pass(net, x, y, z, d)
        again = (_again(_net_pass, net, x, y, z, d, forward=False) or first)[1:]
        at = f"at x={x:.6g}, y={y:.6g}, z={z:.6g}, dout={d:.6g}"
        for k, g1, g2 in zip(_NET_GRADS, first[1:], again):
            if not _close(g1, g2):
                raise CheckFailure(
                    f"Net.backward gave grads[{k!r}] = {g1:.6g} the first time and {g2:.6g} when called "
                    f"again after the same forward, {at}.\n  Hint: {_NET_STATE_HINT}",
                    cause="backward_not_repeatable",
                )
        reused = _net_pass(shared, x, y, z, d)
        for k, g1, g2 in zip(("out",) + _NET_GRADS, first, reused):
            if not _close(g1, g2):
                what = "its output" if k == "out" else f"grads[{k!r}]"
                raise CheckFailure(
                    f"Net gives {what} = {g2:.6g} when the same net has already run earlier points, "
                    f"but {g1:.6g} as a new net, {at}.\n  Hint: {_NET_STATE_HINT}",
                    cause="state_kept_between_points",
                )
        cols.append(first)
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


@register(
    Spec(
        name="Net",
        args=("Net",),
        cases=_net_cases,
        call=_net_call,
        expected=lambda case: _net_call({"Net": ref.Net}, case),
        hints=(
            Hint(
                "gradients_not_accumulated",
                lambda got, exp, case: any(_close(got, p) for p in _branch_parts(case)),
                "this value feeds two gates: gradients add where a value branches. Accumulate "
                "(grads[name] = grads[name] + d) instead of overwriting.",
            ),
            Hint(
                "not_reversed",
                lambda got, exp, case: _close(got, 0 * got) and not _close(exp, 0 * exp),
                "zero gradient: run the gates backward in *reverse* order (for gate, ins, out in "
                "reversed(self.entries)), so a gate's dout is complete before its backward is called.",
            ),
            Hint(
                "started_with_one",
                _forgot_dout,
                "start the backward pass with grads[self.entries[-1][2]] = dout (the argument), not 1.",
            ),
        ),
        reference=("course_utils.circuits.Net",),
        point=("x", "y", "z", "dout"),
    )
)
def check_net(Net):
    """Check Net.forward and Net.backward on a five-gate circuit with two branches (notebook 01)."""


# (5) the backward of an elementwise ReLU on a vector, without the Jacobian
def _relu_cases(seed):
    rng = np.random.default_rng(seed + 140)
    shape = (4, 6) if seed == 0 else (5, 7)
    return [dict(x=_spread(rng, shape, -2, 2, away=1e-3), dout=rng.standard_normal(shape))]


_VEC_DX = "dx = dout * (x > 0)"


def _relu_sizes(case):
    N, D = case["x"].shape
    return dict(N=N, D=D)


_VECTOR_RELU_ERRORS = (
    raised(
        "jacobian_product",
        _relu_sizes,
        lambda s, case: s.kind == "product",
        "the ReLU's Jacobian is diagonal, so its product with dout is entry by entry: "
        f"{_VEC_DX} uses *, never @ (and never forms the Jacobian).",
    ),
)


@register(
    Spec(
        name="relu_backward",
        args=("relu_backward",),
        cases=_relu_cases,
        call=lambda student, case: dict(dx=student["relu_backward"](case["dout"], case["x"])),
        expected=lambda case: dict(dx=np.where(case["x"] > 0, case["dout"], 0.0)),
        like={"dx": "x"},
        hints=_VECTOR_RELU_ERRORS
        + (
            Hint(
                "forgot_dout",
                lambda got, exp, case: _close(got, case["x"] > 0),
                "did you forget to multiply by the upstream gradient dout? dx = dout where x > 0, and 0 elsewhere: "
                f"{_VEC_DX}.",
            ),
            Hint(
                "not_blocked",
                lambda got, exp, case: _close(got, case["dout"]),
                f"dx equals dout everywhere: the gradient must be blocked (0) where x <= 0: {_VEC_DX}.",
            ),
            Hint(
                "mask_inverted",
                lambda got, exp, case: _close(got, case["dout"] * (case["x"] <= 0)),
                f"the mask is inverted: the gradient flows where x > 0 (where the ReLU let x through): {_VEC_DX}.",
            ),
            Hint(
                "multiplied_by_x",
                lambda got, exp, case: _close(got, case["dout"] * np.maximum(case["x"], 0)),
                f"the ReLU's local gradient is 1 where x > 0, not x itself: use the mask (x > 0), not relu(x): {_VEC_DX}.",
            ),
        ),
        reference=("course_utils.layers.relu_backward",),
    )
)
def check_vector_relu_backward(relu_backward):
    """Check relu_backward(dout, x) -> dx, the masked gradient of an elementwise ReLU (notebook 01)."""


# (6) the backward of the matrix-multiply gate D = X W, from the shapes
def _matmul_cases(seed):
    rng = np.random.default_rng(seed + 150)
    N, D, M = ((5, 4, 3), (6, 3, 7), (4, 7, 5))[seed % 3]  # all different, so a wrong product cannot fit
    return [dict(dD=rng.standard_normal((N, M)), X=rng.standard_normal((N, D)), W=rng.standard_normal((D, M)))]


def _matmul_sizes(case):
    (N, D), M = case["X"].shape, case["W"].shape[1]
    return dict(N=N, D=D, M=M)


_DX = "dX = dD @ W.T, (N, M) @ (M, D)"
_DW = "dW = X.T @ dD, (D, N) @ (N, M): the batch axis N is summed"
_BOTH = f"{_DX}, the shape of X; {_DW}, the shape of W"


def _matmul_shape_hint(name: str, got, case) -> str:
    """Why dX or dW came out with the wrong shape, from the shape it has (and its values where they tell)."""
    sizes = _matmul_sizes(case)
    shape = named(np.shape(got), sizes)
    X, W, dD = case["X"], case["W"], case["dD"]
    if name == "dX":
        if shape == "(M, D)" and matches(lambda c: c["W"].T)(got, np.zeros_like(got), case):
            return f"dX = W.T leaves out the upstream gradient dD: multiply by it, {_DX}."
        if shape == "(D, N)":
            return f"this is dX transposed (W @ dD.T): put dD first, {_DX}."
        if shape == "(D, M)" and np.allclose(got, X.T @ dD):
            return "this is dW: return the pair in the order (dX, dW)."
        return f"dX must have the shape of X, (N, D); of dD (N, M) and W (D, M), only {_DX} has it."
    if shape == "(D, N)" and np.allclose(got, X.T):
        return f"dW = X.T leaves out the upstream gradient dD: multiply by it, {_DW}."
    if shape == "(M, D)":
        return f"this is dW transposed (dD.T @ X): put X.T first, {_DW}."
    if shape == "(N, D)" and np.allclose(got, dD @ W.T):
        return "this is dX: return the pair in the order (dX, dW)."
    return f"dW must have the shape of W, (D, M); of X (N, D) and dD (N, M), only {_DW}, has it."


def _matmul_call(student, case):
    dX, dW = pair("matmul_backward", student["matmul_backward"](case["dD"], case["X"], case["W"]), "(dX, dW)")
    for name, got, like in (("dX", dX, "X"), ("dW", dW, "W")):
        if got is not None and np.ndim(got) and np.shape(got) != case[like].shape:
            raise CheckFailure(
                Failure(
                    "matmul_backward",
                    "shape",
                    name,
                    expected=case[like].shape,
                    got=np.shape(got),
                    like=like,
                    hint=_matmul_shape_hint(name, got, case),
                )
            )
    return dict(dX=dX, dW=dW)


def _matmul_expected(case):
    no_bias = np.zeros(case["W"].shape[1])
    dX, dW, _ = layers.affine_backward(case["dD"], layers.AffineCache(case["X"], case["W"], no_bias))
    return dict(dX=dX, dW=dW)


_MATMUL_ERRORS = (
    raised(  # dD @ W, or dD @ X.T
        "w_not_transposed",
        _matmul_sizes,
        product("M", "D"),
        f"dD is (N, M), so the factor right of it must start with M: W.T is (M, D), {_DX}. (And {_DW}.)",
    ),
    raised(  # X @ dD, or W.T @ dD
        "x_not_transposed_first",
        _matmul_sizes,
        product("D", "N"),
        f"a factor ending in D met one starting with the batch size N: transpose X and put it first, {_DW}; and {_DX}.",
    ),
    raised(
        "factors_swapped", _matmul_sizes, product("M", "N"), f"the factors are in the wrong order: {_DW}."
    ),  # dD @ X
    raised(  # X.T @ dD.T
        "dd_transposed", _matmul_sizes, product("N", "M"), f"dD is already (N, M): do not transpose it, {_DW}."
    ),
    raised(
        "product_mismatch",
        _matmul_sizes,
        lambda s, case: s.kind == "product",
        lambda s, case: f"a product of (..., {s.left}) @ ({s.right}, ...) does not fit: {_BOTH}.",
    ),
    raised(
        "elementwise_product",
        _matmul_sizes,
        lambda s, case: s.kind == "broadcast",
        f"* multiplies entry by entry; these gradients are matrix products: {_BOTH}.",
    ),
)


@register(
    Spec(
        name="matmul_backward",
        args=("matmul_backward",),
        cases=_matmul_cases,
        call=_matmul_call,
        expected=_matmul_expected,
        like={"dX": "X", "dW": "W"},
        batch="X",
        tol=1e-9,  # sums of a few products of numbers near 1: float64 is good to 1e-14 here, float32 to 1e-7 only
        hints=_MATMUL_ERRORS
        + (
            Hint(
                "dx_forgot_upstream",
                matches(lambda c: np.ones_like(c["dD"]) @ c["W"].T),
                f"did you forget the upstream gradient dD? dX is dD times the local gradient: {_DX}.",
            ),
            Hint(
                "dw_forgot_upstream",
                matches(lambda c: c["X"].T @ np.ones_like(c["dD"])),
                f"did you forget the upstream gradient dD? dW is X.T times dD: {_DW}.",
            ),
        ),
        reference=("course_utils.layers.affine_backward",),
    )
)
def check_matmul_backward(matmul_backward):
    """Check matmul_backward(dD, X, W) -> (dX, dW), the backward of D = X @ W (notebook 01)."""


def _points(case):
    return {"points": len(case["x"])}  # scalar code, one call per point: no shapes to mix up


CASE_SIZES = {
    "check_grads_xyz": _points,
    "check_gates": _points,
    "check_sigmoid_gate": _points,
    "check_net": _points,
    "check_vector_relu_backward": _relu_sizes,
    "check_matmul_backward": _matmul_sizes,
}
