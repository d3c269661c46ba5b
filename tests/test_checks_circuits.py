"""The notebook 01 checks: pass on correct answers, fail with the right hint on typical slips."""
import numpy as np
import pytest

import course_utils as cu
from course_utils import circuits as ref
from course_utils.checks import REGISTRY, run_student, verify

checks = cu.checks


def _fails(check, match, **student):
    with np.errstate(all="ignore"):
        with pytest.raises(AssertionError, match="(?s)" + match):
            check(**student, verbose=False)


def test_checks_are_registered():
    for name in ("check_grads_xyz", "check_gates", "check_sigmoid_gate", "check_net", "check_vector_relu_backward"):
        assert name in REGISTRY and hasattr(checks, name)


# correct answers pass, on the visible and the hidden seeds
def grads_xyz(x, y, z):
    return z, z, x + y


def relu_backward(dout, x):
    return dout * (x > 0)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_correct_answers_pass(seed, capsys):
    checks.check_grads_xyz(grads_xyz=grads_xyz, seed=seed)
    checks.check_gates(AddGate=ref.AddGate, MultiplyGate=ref.MultiplyGate, MaxGate=ref.MaxGate, seed=seed)
    checks.check_sigmoid_gate(SigmoidGate=ref.SigmoidGate, seed=seed)
    checks.check_net(Net=ref.Net, seed=seed)
    checks.check_vector_relu_backward(relu_backward=relu_backward, seed=seed)
    out = capsys.readouterr().out
    assert out.count("\u2713") == 5 and "FAIL" not in out


def test_student_written_gates_with_numpy_results_pass(capsys):
    class MaxGate(ref.MaxGate):
        def backward(self, dout):
            return dout * np.float64(self.x >= self.y), dout * np.float64(self.y > self.x)

    checks.check_gates(AddGate=ref.AddGate, MultiplyGate=ref.MultiplyGate, MaxGate=MaxGate)
    assert "\u2713 gates" in capsys.readouterr().out


# (1) grads_xyz
@pytest.mark.parametrize("wrong, match", [
    (lambda x, y, z: (-4.0, -4.0, 3.0), "same at every point.*formula"),
    (lambda x, y, z: (-z, -z, -(x + y)), "wrong sign"),
    (lambda x, y, z: (x + y, x + y, z), "swapped"),
    (lambda x, y, z: (x * z, y * z, x + y), "add gate's local gradient is 1"),
    (lambda x, y, z: (z, z, x * y), "other.*input of the multiply gate"),
    (lambda x, y, z: (z, z), r"must return the tuple \(dfdx, dfdy, dfdz\)"),
    (lambda x, y, z: (z, None, x + y), "dfdy is None"),
])
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


@pytest.mark.parametrize("name, cls, match", [
    ("MultiplyGate", MulNoSwap, "MultiplyGate dx.*multiply swaps: dx gets y\\*dout"),
    ("MultiplyGate", MulForgotDout, "MultiplyGate dx.*forget to multiply by the upstream gradient dout"),
    ("MultiplyGate", MulSign, "wrong sign"),
    ("MaxGate", MaxBoth, "MaxGate d[xy].*goes only to the larger input"),
    ("MaxGate", MaxReversed, "MaxGate dx.*larger.*comparison"),
    ("MaxGate", MaxForgotDout, "forget to multiply by the upstream gradient dout"),
    ("AddGate", AddForgotDout, "AddGate dx.*forget to multiply by the upstream gradient dout"),
    ("AddGate", AddOne, r"AddGate.backward must return the tuple \(dx, dy\)"),
])
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


@pytest.mark.parametrize("cls, match", [
    (SigSignExp, "SigmoidGate: out.*sign inside exp"),
    (SigForgotDout, "dx.*forget to multiply by the upstream gradient dout"),
    (SigNoOneMinus, r"σ\(x\)\(1 - σ\(x\)\), not σ\(x\)"),
    (SigAtInput, "at the output σ\\(x\\) you cached"),
    (SigBare, r"must return the tuple \(dx,\) \(note the comma"),
])
def test_sigmoid_gate_failures(cls, match):
    _fails(checks.check_sigmoid_gate, match, SigmoidGate=cls)


# (4) the net
class NetOverwrites(ref.Net):
    def backward(self, dout=1.0):
        grads = {name: 0.0 for name in self.values}
        grads[self.entries[-1][2]] = dout
        for gate, ins, out in reversed(self.entries):
            for name, d in zip(ins, gate.backward(grads[out])):
                grads[name] = d
        return grads


class NetForwardOrder(ref.Net):
    def backward(self, dout=1.0):
        grads = {name: 0.0 for name in self.values}
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


@pytest.mark.parametrize("cls, match", [
    (NetOverwrites, "Net: db.*gradients add where a value branches"),
    (NetForwardOrder, r"(?s)Net: dc\[0\] is wrong: expected 0.366019, got 0 .*reverse\* order"),
    (NetIgnoresDout, "Net: df.*grads\\[output\\] = dout"),
    (NetOnlyInputs, "no gradient for 'f', 's', 'c', 'b', 'a'"),
])
def test_net_failures(cls, match):
    _fails(checks.check_net, match, Net=cls)


# (5) vector ReLU backward
@pytest.mark.parametrize("wrong, match", [
    (lambda dout, x: (x > 0).astype(float), "forget to multiply by the upstream gradient dout"),
    (lambda dout, x: dout.copy(), "blocked"),
    (lambda dout, x: dout * (x <= 0), "inverted"),
    (lambda dout, x: dout * np.maximum(x, 0), "not x itself"),
    (lambda dout, x: -dout * (x > 0), "wrong sign"),
    (lambda dout, x: (dout * (x > 0)).T, "shape"),
])
def test_vector_relu_failures(wrong, match):
    _fails(checks.check_vector_relu_backward, match, relu_backward=wrong)


def test_vector_relu_in_place_is_caught():
    def in_place(dout, x):
        dout[x <= 0] = 0
        return dout

    _fails(checks.check_vector_relu_backward, "modified its input `dout` in place", relu_backward=in_place)


def test_call_and_verify_work_apart():
    """The autograder runs call in the student's kernel and verify in its own process."""
    for name, student in [("check_net", {"Net": ref.Net}), ("check_grads_xyz", {"grads_xyz": grads_xyz})]:
        spec = REGISTRY[name]
        for case in spec.cases(1):
            outputs, modified = run_student(spec, student, case)
            rows = verify(spec, case, outputs, spec.expected(case), modified)
            assert all(r.ok for r in rows)


def test_cases_are_deterministic_and_never_all_zero():
    for name in ("check_grads_xyz", "check_gates", "check_sigmoid_gate", "check_net", "check_vector_relu_backward"):
        spec = REGISTRY[name]
        for seed in (0, 1, 2):
            a, b = spec.cases(seed), spec.cases(seed)
            for ca, cb in zip(a, b):
                for key in ca:
                    assert np.array_equal(ca[key], cb[key])
                    assert np.any(ca[key] != 0)
        assert not np.array_equal(spec.cases(0)[0][next(iter(spec.cases(0)[0]))],
                                  spec.cases(1)[0][next(iter(spec.cases(1)[0]))])
