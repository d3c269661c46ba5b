"""The notebook 01 checks: pass on correct answers, fail with the right hint on typical slips."""

import numpy as np
import pytest

import course_utils as cu
from course_utils import circuits as ref
from course_utils.checks import REGISTRY, run_student, verify
from course_utils.checks._failure import NotFilledIn

checks = cu.checks


def _fails(check, match, **student):
    with np.errstate(all="ignore"), pytest.raises(AssertionError, match="(?s)" + match):
        check(**student, verbose=False)


ALL = (
    "check_grads_xyz",
    "check_gates",
    "check_sigmoid_gate",
    "check_net",
    "check_vector_relu_backward",
    "check_matmul_backward",
)


def test_checks_are_registered():
    for name in ALL:
        assert name in REGISTRY and hasattr(checks, name)


# correct answers pass, on the visible and the hidden seeds
def grads_xyz(x, y, z):
    return z, z, x + y


def relu_backward(dout, x):
    return dout * (x > 0)


def matmul_backward(dD, X, W):
    return dD @ W.T, X.T @ dD


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_correct_answers_pass(seed, capsys):
    checks.check_grads_xyz(grads_xyz=grads_xyz, seed=seed)
    checks.check_gates(AddGate=ref.AddGate, MultiplyGate=ref.MultiplyGate, MaxGate=ref.MaxGate, seed=seed)
    checks.check_sigmoid_gate(SigmoidGate=ref.SigmoidGate, seed=seed)
    checks.check_net(Net=ref.Net, seed=seed)
    checks.check_vector_relu_backward(relu_backward=relu_backward, seed=seed)
    checks.check_matmul_backward(matmul_backward=matmul_backward, seed=seed)
    out = capsys.readouterr().out
    assert out.count("\u2713") == 6 and "FAIL" not in out


def test_student_written_gates_with_numpy_results_pass(capsys):
    class MaxGate(ref.MaxGate):
        def backward(self, dout):
            return dout * np.float64(self.x >= self.y), dout * np.float64(self.y > self.x)

    checks.check_gates(AddGate=ref.AddGate, MultiplyGate=ref.MultiplyGate, MaxGate=MaxGate)
    assert "\u2713 gates" in capsys.readouterr().out


# (1) grads_xyz
@pytest.mark.parametrize(
    "wrong, match",
    [
        (lambda x, y, z: (-4.0, -4.0, 3.0), "same at every point.*formula"),
        (lambda x, y, z: (-z, -z, -(x + y)), "wrong sign"),
        (lambda x, y, z: (x + y, x + y, z), "swapped"),
        (lambda x, y, z: (x * z, y * z, x + y), "add gate's local gradient is 1"),
        (lambda x, y, z: (z, z, x * y), "other.*input of the multiply gate"),
        (lambda x, y, z: (1.0, 1.0, x + y), r"1 is only the add gate's local gradient.*dfdx = dfdy = z"),
        (lambda x, y, z: (z, y, x + y), r"dfdy\[0\] is wrong.*passes the upstream gradient df/dq = z to both inputs"),
        (lambda x, y, z: (z, z), r"must return the tuple \(dfdx, dfdy, dfdz\)"),
        (lambda x, y, z: (z, None, x + y), "dfdy is None"),
    ],
)
def test_grads_xyz_failures(wrong, match):
    _fails(checks.check_grads_xyz, match, grads_xyz=wrong)


def test_hard_coded_answer_fails_on_the_visible_seed_too():
    """Seed 0 contains the lecture's point, but also random ones."""
    _fails(checks.check_grads_xyz, "dfdx", grads_xyz=lambda x, y, z: (-4.0, -4.0, 3.0))


# (2) gates
class MulNoSwap(ref.MultiplyGate):
    def backward(self, dout):
        return self.x * dout, self.y * dout


class MulForgotDout(ref.MultiplyGate):
    def backward(self, dout):
        return self.y, self.x


class MulSign(ref.MultiplyGate):
    def backward(self, dout):
        return -self.y * dout, -self.x * dout


class MaxBoth(ref.MaxGate):
    def backward(self, dout):
        return dout, dout


class MaxReversed(ref.MaxGate):
    def backward(self, dout):
        return (dout, 0.0) if self.x < self.y else (0.0, dout)


class MaxForgotDout(ref.MaxGate):
    def backward(self, dout):
        return (1.0, 0.0) if self.x >= self.y else (0.0, 1.0)


class MaxTimesValue(ref.MaxGate):
    def backward(self, dout):
        top = max(self.x, self.y)
        return (top * dout, 0.0) if self.x >= self.y else (0.0, top * dout)


class AddForgotDout(ref.AddGate):
    def backward(self, dout):
        return 1.0, 1.0


class AddOne(ref.AddGate):
    def backward(self, dout):
        return (dout,)


class MulNoCache:
    def forward(self, x, y):
        return x * y

    def backward(self, dout):
        return self.y * dout, self.x * dout


GOOD = dict(AddGate=ref.AddGate, MultiplyGate=ref.MultiplyGate, MaxGate=ref.MaxGate)


@pytest.mark.parametrize(
    "name, cls, match",
    [
        ("MultiplyGate", MulNoSwap, "MultiplyGate dx.*multiply swaps: dx gets y\\*dout"),
        ("MultiplyGate", MulForgotDout, "MultiplyGate dx.*forget to multiply by the upstream gradient dout"),
        ("MultiplyGate", MulSign, "wrong sign"),
        ("MaxGate", MaxBoth, "MaxGate d[xy].*goes only to the larger input"),
        ("MaxGate", MaxReversed, "MaxGate dx.*larger.*comparison"),
        ("MaxGate", MaxForgotDout, "forget to multiply by the upstream gradient dout"),
        ("MaxGate", MaxTimesValue, "local gradient is 1 for the larger input.*not the larger value"),
        ("AddGate", AddForgotDout, "AddGate dx.*forget to multiply by the upstream gradient dout"),
        ("AddGate", AddOne, r"AddGate.backward must return the tuple \(dx, dy\)"),
    ],
)
def test_gate_failures(name, cls, match):
    _fails(checks.check_gates, match, **{**GOOD, name: cls})


def test_gate_without_cache_raises_the_students_error():
    with pytest.raises(AttributeError):
        checks.check_gates(**{**GOOD, "MultiplyGate": MulNoCache}, verbose=False)


def test_blank_gate_raises_not_implemented():
    class Blank(ref.AddGate):
        def backward(self, dout):
            raise NotImplementedError()

    with pytest.raises(NotImplementedError):
        checks.check_gates(**{**GOOD, "AddGate": Blank}, verbose=False)


# (3) sigmoid gate
class SigSignExp(ref.SigmoidGate):
    def forward(self, x):
        self.out = 1 / (1 + np.exp(x))
        return self.out


class SigForgotDout(ref.SigmoidGate):
    def backward(self, dout):
        return (self.out * (1 - self.out),)


class SigNoOneMinus(ref.SigmoidGate):
    def backward(self, dout):
        return (self.out * dout,)


class SigAtInput(ref.SigmoidGate):
    def forward(self, x):
        self.x = x
        return super().forward(x)

    def backward(self, dout):
        return (self.x * (1 - self.x) * dout,)


class SigBare(ref.SigmoidGate):
    def backward(self, dout):
        return self.out * (1 - self.out) * dout


@pytest.mark.parametrize(
    "cls, match",
    [
        (SigSignExp, "SigmoidGate: out.*sign inside exp"),
        (SigForgotDout, "dx.*forget to multiply by the upstream gradient dout"),
        (SigNoOneMinus, r"σ\(x\)\(1 - σ\(x\)\), not σ\(x\)"),
        (SigAtInput, "at the output σ\\(x\\) you cached"),
        (SigBare, r"must return the tuple \(dx,\) \(note the comma"),
    ],
)
def test_sigmoid_gate_failures(cls, match):
    _fails(checks.check_sigmoid_gate, match, SigmoidGate=cls)


# (4) the net
class NetOverwrites(ref.Net):
    def backward(self, dout=1.0):
        grads = dict.fromkeys(self.values, 0.0)
        grads[self.entries[-1][2]] = dout
        for gate, ins, out in reversed(self.entries):
            for name, d in zip(ins, gate.backward(grads[out])):
                grads[name] = d
        return grads


class NetForwardOrder(ref.Net):
    def backward(self, dout=1.0):
        grads = dict.fromkeys(self.values, 0.0)
        grads[self.entries[-1][2]] = dout
        for gate, ins, out in self.entries:
            for name, d in zip(ins, gate.backward(grads[out])):
                grads[name] = grads[name] + d
        return grads


class NetIgnoresDout(ref.Net):
    def backward(self, dout=1.0):
        return super().backward(1.0)


class NetOnlyInputs(ref.Net):
    def backward(self, dout=1.0):
        grads = super().backward(dout)
        return {k: grads[k] for k in ("x", "y", "z")}


@pytest.mark.parametrize(
    "cls, match",
    [
        (NetOverwrites, "Net: db.*gradients add where a value branches"),
        (
            NetForwardOrder,
            r"(?s)Net: dc\[0\] is wrong at x=-0.940624, y=-0.2, z=-1.59626, dout=-1.78743: "
            r"expected 0.366019, got 0 .*reverse\* order",
        ),
        (NetIgnoresDout, r"Net: df.*grads\[self.entries\[-1\]\[2\]\] = dout"),
        (NetOnlyInputs, "no gradient for 'f', 's', 'c', 'b', 'a'"),
    ],
)
def test_net_failures(cls, match):
    _fails(checks.check_net, match, Net=cls)


# (5) vector ReLU backward
@pytest.mark.parametrize(
    "wrong, match",
    [
        (lambda dout, x: (x > 0).astype(float), "forget to multiply by the upstream gradient dout"),
        (lambda dout, x: dout.copy(), "blocked"),
        (lambda dout, x: dout * (x <= 0), "inverted"),
        (lambda dout, x: dout * np.maximum(x, 0), "not x itself"),
        (lambda dout, x: -dout * (x > 0), "wrong sign"),
        (lambda dout, x: (dout * (x > 0)).T, "shape"),
    ],
)
def test_vector_relu_failures(wrong, match):
    _fails(checks.check_vector_relu_backward, match, relu_backward=wrong)


def test_vector_relu_in_place_is_caught():
    def in_place(dout, x):
        dout[x <= 0] = 0
        return dout

    _fails(checks.check_vector_relu_backward, "modified its input `dout` in place", relu_backward=in_place)


def test_call_and_verify_work_apart():
    """The autograder runs call in the student's kernel and verify in its own process."""
    for name, student in [
        ("check_net", {"Net": ref.Net}),
        ("check_grads_xyz", {"grads_xyz": grads_xyz}),
        ("check_matmul_backward", {"matmul_backward": matmul_backward}),
    ]:
        spec = REGISTRY[name]
        for case in spec.cases(1):
            outputs, modified = run_student(spec, student, case)
            rows = verify(spec, case, outputs, spec.expected(case), modified)
            assert all(r.ok for r in rows)


def test_cases_are_deterministic_and_never_all_zero():
    for name in ALL:
        spec = REGISTRY[name]
        for seed in (0, 1, 2):
            a, b = spec.cases(seed), spec.cases(seed)
            for ca, cb in zip(a, b):
                for key in ca:
                    assert np.array_equal(ca[key], cb[key])
                    assert np.any(ca[key] != 0)
        assert not np.array_equal(
            spec.cases(0)[0][next(iter(spec.cases(0)[0]))], spec.cases(1)[0][next(iter(spec.cases(1)[0]))]
        )


# distinct sizes, ties, state between calls, the failing point
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_gate_cases_include_ties(seed):
    case = REGISTRY["check_gates"].cases(seed)[0]
    x, y = case["x"], case["y"]
    assert np.sum(x == y) >= 2 and np.sum(x > y) >= 2 and np.sum(x < y) >= 2


class MaxStrict(ref.MaxGate):
    def backward(self, dout):
        return (dout, 0.0) if self.x > self.y else (0.0, dout)


class MaxTieToY(ref.MaxGate):
    def backward(self, dout):
        return dout * (self.x >= self.y), dout * (self.y >= self.x)


class MaxTieSplit(ref.MaxGate):
    def backward(self, dout):
        if self.x == self.y:
            return dout / 2, dout / 2
        return super().backward(dout)


@pytest.mark.parametrize("cls, quantity", [(MaxStrict, "dx"), (MaxTieToY, "dy"), (MaxTieSplit, "dx")])
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_max_gate_ties_follow_the_course_rule(cls, quantity, seed):
    _fails(
        checks.check_gates,
        rf"MaxGate {quantity}\[\d+\] is wrong at x=(\S+), y=\1, dout=.*only the ties are wrong: "
        r"when x == y, the course's max gate gives all of dout to x.*self.x >= self.y",
        **{**GOOD, "MaxGate": cls},
        seed=seed,
    )


class MaxIfElse:
    """Another correct max gate: the comparison written the other way round, a list returned."""

    def forward(self, x, y):
        self.x, self.y = x, y
        return x if x >= y else y

    def backward(self, dout):
        if self.y > self.x:
            return [0.0, dout]
        return [dout, 0]


class AddNumpy:
    def forward(self, x, y):
        return np.add(x, y)

    def backward(self, dout):
        return np.float64(dout), np.array(dout)


def test_other_correct_gates_pass():
    for seed in (0, 1, 2):
        checks.check_gates(AddGate=AddNumpy, MultiplyGate=ref.MultiplyGate, MaxGate=MaxIfElse, seed=seed, verbose=False)


class MulAccumulates(ref.MultiplyGate):
    """Adds into gradients kept on the object: right once, wrong the second time."""

    def backward(self, dout):
        self.dx = getattr(self, "dx", 0.0) + self.y * dout
        self.dy = getattr(self, "dy", 0.0) + self.x * dout
        return self.dx, self.dy


class MulCachesOnce(ref.MultiplyGate):
    """Caches only the first forward's inputs: right for a new object, wrong when reused."""

    def forward(self, x, y):
        if not hasattr(self, "x"):
            self.x, self.y = x, y
        return x * y


class SigAccumulates(ref.SigmoidGate):
    def backward(self, dout):
        self.total = getattr(self, "total", 0.0) + self.out * (1 - self.out) * dout
        return (self.total,)


def test_state_kept_between_calls_is_caught():
    _fails(
        checks.check_gates,
        r"MultiplyGate.backward gave \(dx, dy\) = \(\S+, \S+\) the first time and .* when "
        r"called again after the same forward, at x=.*Hint: forward must overwrite what it caches",
        **{**GOOD, "MultiplyGate": MulAccumulates},
    )
    _fails(
        checks.check_gates,
        r"MultiplyGate gives \(out, dx, dy\) = .* when one object has already run earlier "
        r"points, but .* as a new object",
        **{**GOOD, "MultiplyGate": MulCachesOnce},
    )
    _fails(checks.check_sigmoid_gate, "SigmoidGate.backward gave dx = .* when called again", SigmoidGate=SigAccumulates)


class NetKeepsGrads(ref.Net):
    """Gradients kept on the net between calls: right the first time only."""

    def __init__(self, entries):
        super().__init__(entries)
        self.grads = {}

    def backward(self, dout=1.0):
        for name in self.values:
            self.grads.setdefault(name, 0.0)
        self.grads[self.entries[-1][2]] += dout
        for gate, ins, out in reversed(self.entries):
            for name, d in zip(ins, gate.backward(self.grads[out])):
                self.grads[name] = self.grads[name] + d
        return dict(self.grads)


class NetResetsGrads(NetKeepsGrads):
    """The same, but starting each backward from zero: correct."""

    def backward(self, dout=1.0):
        self.grads = {}
        return super().backward(dout)


class NetNoGradInit(ref.Net):
    def backward(self, dout=1.0):
        grads = {self.entries[-1][2]: dout}
        for gate, ins, out in reversed(self.entries):
            for name, d in zip(ins, gate.backward(grads[out])):
                grads[name] = grads[name] + d
        return grads


class NetNoInputs(ref.Net):
    def forward(self, inputs):
        values = {}
        for gate, ins, out in self.entries:
            values[out] = gate.forward(*[values[name] for name in ins])
        self.values = values
        return values[self.entries[-1][2]]


def test_net_state_and_missing_keys():
    _fails(
        checks.check_net,
        r"Net.backward gave grads\['\w+'\] = .* when called again after the same forward.*"
        r"Hint: each backward starts from fresh gradients",
        Net=NetKeepsGrads,
    )
    checks.check_net(Net=NetResetsGrads, verbose=False)
    _fails(
        checks.check_net,
        r"NetNoGradInit.backward raised KeyError: 's'\n  at NetNoGradInit.backward, line \d+: "
        r"`grads\[name\] = grads\[name\] \+ d`\n  Hint: every named value needs a gradient to add to: start from "
        r"grads = \{name: 0.0 for name in self.values\}",
        Net=NetNoGradInit,
    )
    _fails(checks.check_net, r"NetNoInputs.forward raised KeyError: 'x'.*values = dict\(inputs\)", Net=NetNoInputs)


class NetIterative:
    """Another correct net: values and gradients in lists indexed by position, a while loop backward."""

    def __init__(self, entries):
        self.entries = entries
        self.values = {}

    def forward(self, inputs):
        self.values = dict(inputs)
        for gate, ins, out in self.entries:
            self.values[out] = gate.forward(*(self.values[n] for n in ins))
        return self.values[self.entries[-1][2]]

    def backward(self, dout=1.0):
        grads = dict.fromkeys(self.values, 0.0)
        grads[self.entries[-1][2]] += dout
        i = len(self.entries)
        while i:
            i -= 1
            gate, ins, out = self.entries[i]
            for name, d in zip(ins, gate.backward(grads[out])):
                grads[name] += d
        return grads


def test_other_correct_net_passes():
    for seed in (0, 1, 2):
        checks.check_net(Net=NetIterative, seed=seed, verbose=False)


def test_a_wrong_scalar_shows_the_point_to_redo_by_hand():
    _fails(
        checks.check_grads_xyz,
        r"grads_xyz: dfdx\[\d\] is wrong at x=\S+, y=\S+, z=\S+: expected",
        grads_xyz=lambda x, y, z: (x + y, x + y, z),
    )
    _fails(
        checks.check_gates,
        r"gates: MultiplyGate dx\[\d\] is wrong at x=\S+, y=\S+, dout=\S+: expected",
        **{**GOOD, "MultiplyGate": MulNoSwap},
    )
    _fails(
        checks.check_sigmoid_gate,
        r"SigmoidGate: dx\[\d\] is wrong at x=\S+, dout=\S+: expected",
        SigmoidGate=SigNoOneMinus,
    )


def test_vector_relu_with_a_matrix_product():
    _fails(
        checks.check_vector_relu_backward,
        r"raised ValueError.*Jacobian is diagonal.*dx = dout \* \(x > 0\) uses \*",
        relu_backward=lambda dout, x: dout @ (x > 0),
    )


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_vector_relu_written_differently_passes(seed):
    checks.check_vector_relu_backward(relu_backward=lambda dout, x: np.where(x > 0, dout, 0), seed=seed, verbose=False)
    checks.check_vector_relu_backward(
        relu_backward=lambda dout, x: dout * np.heaviside(x, 0.0), seed=seed, verbose=False
    )


def test_a_numpy_error_in_a_gate_gets_a_message_with_a_hint():
    class MaxIndexes(ref.MaxGate):
        def backward(self, dout):
            grads = np.array([dout, 0.0])
            return grads[0], grads[2]

    _fails(
        checks.check_gates,
        r"MaxIndexes.backward raised IndexError: index 2 is out of bounds.*\n  at "
        r"MaxIndexes.backward, line \d+: `return grads\[0\], grads\[2\]`\n  Hint: ",
        **{**GOOD, "MaxGate": MaxIndexes},
    )


class MulFreesCache(ref.MultiplyGate):
    """Frees its cache after backward, as some frameworks do: correct, though backward works once only."""

    def backward(self, dout):
        grads = self.y * dout, self.x * dout
        del self.x, self.y
        return grads


def test_a_gate_whose_backward_works_once_passes():
    checks.check_gates(**{**GOOD, "MultiplyGate": MulFreesCache}, verbose=False)


class SigFromInput:
    """Another correct sigmoid gate: caches x and recomputes σ(x) in backward, with numpy."""

    def forward(self, x):
        self.x = x
        return 1.0 / (1.0 + np.exp(-x))

    def backward(self, dout):
        s = 1.0 / (1.0 + np.exp(-self.x))
        return [s * (1 - s) * dout]


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_other_correct_scalar_answers_pass(seed):
    checks.check_grads_xyz(grads_xyz=lambda x, y, z: [np.float64(z), z * 1.0, np.add(x, y)], seed=seed, verbose=False)
    checks.check_sigmoid_gate(SigmoidGate=SigFromInput, seed=seed, verbose=False)


# (6) the matrix-multiply gate D = X W
def test_blank_matmul_backward_gets_the_one_line_message():
    def matmul_backward(dD, X, W):
        # YOUR CODE HERE
        raise NotImplementedError()

    with pytest.raises(NotFilledIn) as info:
        checks.check_matmul_backward(matmul_backward=matmul_backward)
    assert str(info.value) == (
        'matmul_backward is not filled in yet: write your code in its cell, in place of "raise NotImplementedError()".'
    )


SHAPES_DX = r"dX = dD @ W\.T, \(N, M\) @ \(M, D\)"
SHAPES_DW = r"dW = X\.T @ dD, \(D, N\) @ \(N, M\): the batch axis N is summed"


@pytest.mark.parametrize(
    "wrong, match",
    [
        # dD @ W instead of dD @ W.T: numpy refuses, and the hint names the transpose
        (
            lambda dD, X, W: (dD @ W, X.T @ dD),
            r"matmul_backward raised ValueError: matmul: .*\n  at .*`.*`\n  Hint: dD is \(N, M\), so the factor right of it "
            r"must start with M: W\.T is \(M, D\), " + SHAPES_DX,
        ),
        (lambda dD, X, W: (np.dot(dD, W), X.T @ dD), r"raised ValueError: shapes .* not aligned.*W\.T is \(M, D\)"),
        # X @ dD: the transpose of X missing
        (
            lambda dD, X, W: (dD @ W.T, X @ dD),
            r"raised ValueError.*Hint: a factor ending in D met one starting with the batch size N: transpose X and put it "
            r"first, " + SHAPES_DW,
        ),
        # the order of the factors swapped
        (
            lambda dD, X, W: (dD @ W.T, dD @ X),
            r"raised ValueError.*Hint: the factors are in the wrong order: " + SHAPES_DW,
        ),
        (
            lambda dD, X, W: (dD @ W.T, dD.T @ X),
            r"matmul_backward: dW has shape \(3, 4\), expected \(4, 3\) like W\.\n  "
            r"Hint: this is dW transposed \(dD\.T @ X\): put X\.T first, " + SHAPES_DW,
        ),
        (
            lambda dD, X, W: (W @ dD.T, X.T @ dD),
            r"dX has shape \(4, 5\), expected \(5, 4\) like X\.\n  Hint: this is dX transposed \(W @ dD\.T\): put dD first",
        ),
        (lambda dD, X, W: (dD @ W.T, X.T @ dD.T), r"Hint: dD is already \(N, M\): do not transpose it"),
        # forgetting the upstream gradient: X.T for dW (W.T for dX), or dD replaced by ones
        (
            lambda dD, X, W: (dD @ W.T, X.T),
            r"dW has shape \(4, 5\), expected \(4, 3\) like W\.\n  Hint: dW = X\.T leaves out the upstream gradient dD",
        ),
        (
            lambda dD, X, W: (W.T, X.T @ dD),
            r"dX has shape .* like X\.\n  Hint: dX = W\.T leaves out the upstream gradient dD",
        ),
        (
            lambda dD, X, W: (dD @ W.T, X.T @ np.ones_like(dD)),
            r"dW\[.*is wrong.*forget the upstream gradient dD\? dW is X\.T",
        ),
        (
            lambda dD, X, W: (np.ones_like(dD) @ W.T, X.T @ dD),
            r"dX\[.*is wrong.*forget the upstream gradient dD\? dX is dD",
        ),
        # sign
        (lambda dD, X, W: (dD @ W.T, -(X.T @ dD)), r"dW\[\d, \d\] is wrong.*every entry has the wrong sign"),
        (lambda dD, X, W: (-dD @ W.T, X.T @ dD), r"dX\[\d, \d\] is wrong.*every entry has the wrong sign"),
        # other slips
        (
            lambda dD, X, W: (X.T @ dD, dD @ W.T),
            r"dX has shape .*Hint: this is dW: return the pair in the order \(dX, dW\)",
        ),
        (
            lambda dD, X, W: (dD * W, X.T @ dD),
            r"raised ValueError: operands could not be broadcast.*Hint: \* multiplies entry by entry; these gradients are "
            r"matrix products",
        ),
        (lambda dD, X, W: (dD @ W.T, X.T @ dD / X.shape[0]), r"dW.*off by a factor of 1/N"),
        (lambda dD, X, W: (dD @ W.T, (X.T @ dD).astype(np.float32)), r"dW.*low precision \(float32\)"),
        (lambda dD, X, W: (dD @ W.T, X.T @ dD, None), r"must return the pair \(dX, dW\), got a tuple of 3"),
        (lambda dD, X, W: (dD @ W.T, None), "dW is None"),
    ],
)
def test_matmul_backward_failures(wrong, match):
    _fails(checks.check_matmul_backward, match, matmul_backward=wrong)


def matmul_outer_products(dD, X, W):
    """A loop over the examples: each adds the outer product of its row of X and its row of dD to dW."""
    dX, dW = np.zeros(X.shape), np.zeros(W.shape)
    for n in range(X.shape[0]):
        dX[n] = W @ dD[n]
        dW += np.outer(X[n], dD[n])
    return dX, dW


def matmul_entry_loops(dD, X, W):
    N, D = X.shape
    M = W.shape[1]
    dX, dW = np.zeros((N, D)), np.zeros((D, M))
    for n in range(N):
        for d in range(D):
            for m in range(M):
                dX[n, d] += dD[n, m] * W[d, m]
                dW[d, m] += X[n, d] * dD[n, m]
    return dX, dW


@pytest.mark.parametrize(
    "answer",
    [
        matmul_outer_products,
        matmul_entry_loops,
        lambda dD, X, W: (np.einsum("nm,dm->nd", dD, W), np.einsum("nd,nm->dm", X, dD)),
        lambda dD, X, W: (np.dot(dD, W.T), np.dot(X.T, dD)),
        lambda dD, X, W: [np.matmul(dD, W.transpose()), (dD.T @ X).T],
        lambda dD, X, W: (W.dot(dD.T).T, np.tensordot(X, dD, axes=(0, 0))),
    ],
    ids=["outer products", "entry loops", "einsum", "np.dot", "matmul, list", "dot.T, tensordot"],
)
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_matmul_backward_written_differently_passes(answer, seed):
    checks.check_matmul_backward(matmul_backward=answer, seed=seed, verbose=False)


def test_matmul_backward_in_place_is_caught():
    def in_place(dD, X, W):
        dD *= 1.5
        return dD @ W.T / 1.5, X.T @ dD / 1.5

    _fails(checks.check_matmul_backward, "modified its input `dD` in place", matmul_backward=in_place)


def test_matmul_reference_is_the_course_affine_backward_and_matches_numerical_gradients():
    spec = REGISTRY["check_matmul_backward"]
    assert spec.reference == ("course_utils.layers.affine_backward",)
    case = spec.cases(1)[0]
    expected = spec.expected(case)
    X, W, dD = case["X"].copy(), case["W"].copy(), case["dD"]
    assert cu.gradcheck.rel_error(expected["dX"], cu.gradcheck.numerical_gradient_array(lambda v: v @ W, X, dD)) < 1e-8
    assert cu.gradcheck.rel_error(expected["dW"], cu.gradcheck.numerical_gradient_array(lambda v: X @ v, W, dD)) < 1e-8


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_matmul_cases_have_distinct_sizes(seed):
    from course_utils.checks.nb01_backprop_circuits import CASE_SIZES

    for case in REGISTRY["check_matmul_backward"].cases(seed):
        sizes = CASE_SIZES["check_matmul_backward"](case)
        assert len(set(sizes.values())) == 3 and min(sizes.values()) > 1


@pytest.mark.parametrize(
    "check, student, code",
    [
        ("check_grads_xyz", dict(grads_xyz=lambda x, y, z: (x + y, x + y, z)), "grads_xyz.swapped_gradients"),
        ("check_grads_xyz", dict(grads_xyz=lambda x, y, z: (-z, -z, -(x + y))), "grads_xyz.wrong_sign"),
        ("check_gates", {**GOOD, "MaxGate": MaxReversed}, "gates.max_wrong_direction"),
        ("check_gates", {**GOOD, "AddGate": AddOne}, "gates.not_a_tuple"),
        ("check_sigmoid_gate", dict(SigmoidGate=SigAtInput), "sigmoid_gate.sigma_of_sigma"),
        ("check_net", dict(Net=NetOverwrites), "net.gradients_not_accumulated"),
        ("check_net", dict(Net=NetOnlyInputs), "net.missing_gradients"),
        (
            "check_vector_relu_backward",
            dict(relu_backward=lambda dout, x: dout * (x <= 0)),
            "relu_backward.mask_inverted",
        ),
        (
            "check_vector_relu_backward",
            dict(relu_backward=lambda dout, x: dout @ (x > 0)),
            "relu_backward.jacobian_product",
        ),
        (
            "check_matmul_backward",
            dict(matmul_backward=lambda dD, X, W: (np.ones_like(dD) @ W.T, X.T @ dD)),
            "matmul_backward.dx_forgot_upstream",
        ),
        (
            "check_matmul_backward",
            dict(matmul_backward=lambda dD, X, W: (dD @ W, X.T @ dD)),
            "matmul_backward.w_not_transposed",
        ),
    ],
    ids=lambda v: v if isinstance(v, str) else "",
)
def test_typical_slips_have_their_cause_codes(check, student, code):
    with np.errstate(all="ignore"), pytest.raises(checks.CheckFailure) as info:
        getattr(checks, check)(**student, verbose=False)
    assert info.value.code == code
