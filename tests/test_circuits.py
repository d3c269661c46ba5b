"""course_utils.circuits: Value against centered differences, gates, the net, branches."""

import math

import numpy as np
import pytest

from course_utils.circuits import (
    AddGate,
    ExpGate,
    MaxGate,
    MultiplyGate,
    Net,
    ReciprocalGate,
    SigmoidGate,
    Value,
    topological_order,
)


def numeric_grads(f, args, h=1e-6):
    """Centered differences of a function of floats."""
    grads = []
    for i in range(len(args)):
        up, down = list(args), list(args)
        up[i] += h
        down[i] -= h
        grads.append((f(*up) - f(*down)) / (2 * h))
    return grads


def value_grads(f, args):
    vals = [Value(a) for a in args]
    out = f(*vals)
    out.backward()
    return out.data, [v.grad for v in vals]


def _float_max(a, b):
    return a.max(b) if isinstance(a, Value) else max(a, b)


BINARY = {
    "add": lambda a, b: a + b,
    "sub": lambda a, b: a - b,
    "mul": lambda a, b: a * b,
    "div": lambda a, b: a / b,
    "pow": lambda a, b: a**b,
    "max": _float_max,
}
NUMBER_OPS = {  # a Value (or float) with a plain number on the left and on the right
    "add_left": lambda a: 2.5 + a,
    "add_right": lambda a: a + 2.5,
    "sub_left": lambda a: 2.5 - a,
    "sub_right": lambda a: a - 2.5,
    "mul_left": lambda a: -1.5 * a,
    "mul_right": lambda a: a * -1.5,
    "div_left": lambda a: 3.0 / a,
    "div_right": lambda a: a / 3.0,
    "pow_left": lambda a: 2.0**a,
    "pow_right": lambda a: a**3,
    "pow_neg": lambda a: a**-1,
    "neg": lambda a: -a,
    "max_right": lambda a: a.max(0.5) if isinstance(a, Value) else max(a, 0.5),
    "exp": lambda a: a.exp() if isinstance(a, Value) else math.exp(a),
    "sigmoid": lambda a: a.sigmoid() if isinstance(a, Value) else 1 / (1 + math.exp(-a)),
    "relu": lambda a: a.relu() if isinstance(a, Value) else max(a, 0.0),
    "int_left": lambda a: 3 * a + 1,
    "numpy_scalar": lambda a: a * np.float64(2.0),
}


@pytest.mark.parametrize("name", BINARY)
@pytest.mark.parametrize("a, b", [(1.3, 0.7), (0.4, -2.1), (2.2, 1.9)])
def test_binary_ops_match_finite_differences(name, a, b):
    f = BINARY[name]
    data, grads = value_grads(f, [a, b])
    assert data == pytest.approx(f(a, b))
    assert grads == pytest.approx(numeric_grads(f, [a, b]), rel=1e-5, abs=1e-8)


@pytest.mark.parametrize("name", NUMBER_OPS)
@pytest.mark.parametrize("a", [1.7, -0.8])
def test_ops_with_numbers_on_either_side_match_finite_differences(name, a):
    f = NUMBER_OPS[name]
    data, grads = value_grads(f, [a])
    assert data == pytest.approx(f(a))
    assert grads == pytest.approx(numeric_grads(f, [a]), rel=1e-5, abs=1e-8)


def test_a_composite_expression_matches_finite_differences():
    def g(x, y, z):
        sig = (lambda v: v.sigmoid()) if isinstance(x, Value) else (lambda v: 1 / (1 + math.exp(-v)))
        relu = (lambda v: v.relu()) if isinstance(x, Value) else (lambda v: max(v, 0.0))
        mx = (lambda a, b: a.max(b)) if isinstance(x, Value) else max
        return sig(x * y + 2.0) / (1 + (z - x) ** 2) * 3 - relu(y) + mx(x, z)

    args = [0.9, 1.4, -0.3]
    data, grads = value_grads(g, args)
    assert data == pytest.approx(g(*args))
    assert grads == pytest.approx(numeric_grads(g, args), rel=1e-5)


def test_the_lecture_examples():
    x, y, z = Value(-2.0, "x"), Value(5.0, "y"), Value(-4.0, "z")
    f = (x + y) * z
    f.backward()
    assert f.data == -12 and (x.grad, y.grad, z.grad) == (-4, -4, 3)

    w0, x0, w1, x1, w2 = (Value(v) for v in (2.0, -1.0, -3.0, -2.0, -3.0))
    by_gates = 1 / (1 + (-(w0 * x0 + w1 * x1 + w2)).exp())
    by_gates.backward()
    grads = [v.grad for v in (w0, x0, w1, x1, w2)]
    assert by_gates.data == pytest.approx(0.7311, abs=1e-4)
    assert grads == pytest.approx([-0.1966, 0.3932, -0.3932, -0.5898, 0.1966], abs=1e-4)
    one_gate = (w0 * x0 + w1 * x1 + w2).sigmoid()
    one_gate.backward()
    assert one_gate.data == pytest.approx(by_gates.data)
    assert [v.grad for v in (w0, x0, w1, x1, w2)] == pytest.approx(grads)


def test_gradients_add_at_a_branch():
    x = Value(3.0)
    (x * x).backward()
    assert x.grad == 6.0
    x, y, z = Value(3.0), Value(-4.0), Value(2.0)
    f = x * y + x.max(z)
    f.backward()
    assert (x.grad, y.grad, z.grad) == (-4.0 + 1.0, 3.0, 0.0)


def test_backward_twice_gives_the_same_gradients():
    x = Value(1.5)
    f = x * x * 2
    f.backward()
    f.backward()
    assert x.grad == pytest.approx(6.0)


def test_graph_records_children_ops_and_labels():
    x, y = Value(2.0, "x"), Value(3.0, "y")
    f = (x * y + 1).exp()
    assert f.op == "exp" and f.children[0].op == "+1" and f.children[0].children[0].children == (x, y)
    assert x.op == "" and x.label == "x" and x.children == ()
    assert (1 / x).op == "1/x" and (-x).op == "*-1" and (x**2).op == "^2"
    assert "x=2" in repr(x)


def test_topological_order_puts_children_first():
    x, y = Value(1.0), Value(2.0)
    a = x * y
    f = a + x
    order = topological_order(f)
    assert order[-1] is f and len(order) == 4
    assert order.index(a) > max(order.index(x), order.index(y))


def test_a_chain_of_ten_thousand_nodes_does_not_overflow_the_stack():
    x = Value(1.0)
    y = x
    for _ in range(10_000):
        y = y * 1.0001
    y.backward()
    assert x.grad == pytest.approx(1.0001**10_000)
    assert len(topological_order(y)) == 10_001
    del y  # deallocating the chain must not recurse either


def test_bad_operands_raise():
    with pytest.raises(TypeError):
        Value(1.0) + "a"
    with pytest.raises(TypeError):
        Value(Value(1.0))
    with pytest.raises(TypeError):
        Value(1.0).max("a")


# gates
@pytest.mark.parametrize(
    "gate, inputs, f",
    [
        (AddGate, (1.5, -2.0), lambda a, b: a + b),
        (MultiplyGate, (1.5, -2.0), lambda a, b: a * b),
        (MaxGate, (1.5, -2.0), max),
        (MaxGate, (-3.0, 0.5), max),
        (ExpGate, (0.7,), math.exp),
        (ReciprocalGate, (-1.6,), lambda a: 1 / a),
        (SigmoidGate, (0.8,), lambda a: 1 / (1 + math.exp(-a))),
        (SigmoidGate, (-800.0,), lambda a: 0.0),
    ],
)
def test_gates_forward_and_backward(gate, inputs, f):
    g = gate()
    assert g.forward(*inputs) == pytest.approx(f(*inputs))
    dout = -1.7
    grads = g.backward(dout)
    assert isinstance(grads, tuple) and len(grads) == len(inputs)
    expected = [dout * n for n in numeric_grads(f, list(inputs))]
    assert list(grads) == pytest.approx(expected, rel=1e-5, abs=1e-9)


def test_gate_patterns():
    assert AddGate().backward(2.0) == (2.0, 2.0)  # add distributes
    m = MaxGate()
    m.forward(4.0, 1.0)
    assert m.backward(2.0) == (2.0, 0.0)  # max routes
    mul = MultiplyGate()
    mul.forward(3.0, -4.0)
    assert mul.backward(2.0) == (-8.0, 6.0)  # multiply swaps


# the net
def neuron_net():
    return Net(
        [
            (MultiplyGate(), ("w0", "x0"), "a0"),
            (MultiplyGate(), ("w1", "x1"), "a1"),
            (AddGate(), ("a0", "a1"), "s0"),
            (AddGate(), ("s0", "w2"), "s"),
            (SigmoidGate(), "s", "f"),
        ]
    )


def test_net_runs_the_neuron_and_matches_value():
    net = neuron_net()
    inputs = dict(w0=2.0, x0=-1.0, w1=-3.0, x1=-2.0, w2=-3.0)
    out = net.forward(inputs)
    grads = net.backward()
    vals = {k: Value(v) for k, v in inputs.items()}
    f = (vals["w0"] * vals["x0"] + vals["w1"] * vals["x1"] + vals["w2"]).sigmoid()
    f.backward()
    assert out == pytest.approx(f.data)
    assert set(grads) == set(inputs) | {"a0", "a1", "s0", "s", "f"}
    for k, v in vals.items():
        assert grads[k] == pytest.approx(v.grad)
    assert net.values["s"] == pytest.approx(1.0)


def test_net_accumulates_where_a_value_branches_and_scales_by_dout():
    net = Net([(MultiplyGate(), ("x", "y"), "a"), (MaxGate(), ("x", "z"), "b"), (AddGate(), ("a", "b"), "f")])
    net.forward(dict(x=3.0, y=-4.0, z=2.0))
    grads = net.backward(2.0)
    assert grads["x"] == 2.0 * (-4.0 + 1.0) and grads["y"] == 6.0 and grads["z"] == 0.0 and grads["f"] == 2.0


def test_net_rejects_shared_gates_and_wrong_order():
    g = AddGate()
    with pytest.raises(ValueError, match="own gate object"):
        Net([(g, ("x", "y"), "a"), (g, ("a", "y"), "b")])
    net = Net([(AddGate(), ("a", "y"), "b"), (AddGate(), ("x", "y"), "a")])
    with pytest.raises(KeyError, match="topological order"):
        net.forward(dict(x=1.0, y=2.0))


def test_net_forward_does_not_modify_its_inputs():
    inputs = dict(w0=2.0, x0=-1.0, w1=-3.0, x1=-2.0, w2=-3.0)
    before = dict(inputs)
    neuron_net().forward(inputs)
    assert inputs == before
