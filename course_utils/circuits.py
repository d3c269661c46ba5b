"""Scalar computational graphs: a value that records the graph, gates, and a net of gates.

Introduced in notebook 01 (backprop circuits).

Notes
-----
Two views of one chain rule. :class:`Value` is the automatic view: every operation stores,
next to its forward result, its inputs (``children``) and its local gradients (``local``), so
``backward()`` only multiplies and adds along the wires. The gate classes are the view by
hand: a gate caches in ``forward`` what its ``backward(dout)`` needs, and :class:`Net` runs a
list of gates forward in topological order and backward in reverse.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Callable, Iterable, Sequence
from typing import Protocol

__all__ = [
    "Value",
    "topological_order",
    "AddGate",
    "MultiplyGate",
    "MaxGate",
    "ExpGate",
    "ReciprocalGate",
    "SigmoidGate",
    "Net",
]


def _sigmoid(x: float) -> float:
    """1 / (1 + exp(-x)), written so that exp never overflows."""
    return 1 / (1 + math.exp(-x)) if x >= 0 else math.exp(x) / (1 + math.exp(x))


def _is_number(x: object) -> bool:
    return isinstance(x, numbers.Real) and not isinstance(x, Value)


class Value:
    """A scalar that remembers how it was computed.

    Inputs:
    - data: a number.
    - label: optional name (``"x"``, ``"w0"``), used by ``cu.viz.draw_circuit``.
    - children, local, op: set by the operations, not by hand.

    Attributes: ``data``; ``grad`` (d output / d this node, filled by ``backward``);
    ``children`` (the Values it was computed from); ``local`` (d this / d child, one per child);
    ``op`` (``"+"``, ``"*"``, ``"max"``, ``"exp"``, ``"1/x"``, ``"σ"``, ``"*-1"``, ``"+1"`` ...;
    ``""`` for an input).

    Notes: an operation with a plain number (``x + 1``, ``2 * x``) makes a one-input gate
    (``"+1"``, ``"*2"``) rather than a node for the constant, as the lecture draws it. Each
    operation's forward value and local gradient sit on the same line: that pair is all a gate
    knows; the chain rule in ``backward`` does the rest.
    """

    __slots__ = ("data", "grad", "children", "local", "op", "label")

    def __init__(
        self,
        data: float,
        label: str = "",
        *,
        children: Iterable[Value] = (),
        local: Iterable[float] = (),
        op: str = "",
    ) -> None:
        if isinstance(data, Value):
            raise TypeError("Value(data): data is already a Value")
        self.data, self.grad, self.op, self.label = float(data), 0.0, op, label
        self.children, self.local = tuple(children), tuple(float(g) for g in local)

    def __repr__(self) -> str:
        return f"Value({self.label + '=' if self.label else ''}{self.data:.4g}, grad={self.grad:.4g}, op={self.op!r})"

    def _gate(
        self, other: Value | None, data: float, local: Sequence[float], op: str
    ) -> Value:  # a new node computed from self (and other, a Value or None)
        return Value(data, children=(self,) if other is None else (self, other), local=local, op=op)

    def __add__(self, other: Value | float) -> Value:
        if isinstance(other, Value):
            return self._gate(other, self.data + other.data, (1, 1), "+")
        if _is_number(other):
            return self._gate(None, self.data + other, (1,), f"+{other:g}" if other >= 0 else f"-{-other:g}")
        return NotImplemented

    __radd__ = __add__

    def __sub__(self, other: Value | float) -> Value:
        if isinstance(other, Value):
            return self._gate(other, self.data - other.data, (1, -1), "-")
        return self + (-other) if _is_number(other) else NotImplemented

    def __rsub__(self, other: float) -> Value:
        return self._gate(None, other - self.data, (-1,), f"{other:g}-x") if _is_number(other) else NotImplemented

    def __mul__(self, other: Value | float) -> Value:
        if isinstance(other, Value):
            return self._gate(other, self.data * other.data, (other.data, self.data), "*")
        if _is_number(other):
            return self._gate(None, self.data * other, (other,), f"*{other:g}")
        return NotImplemented

    __rmul__ = __mul__

    def __neg__(self) -> Value:
        return self * -1

    def __truediv__(self, other: Value | float) -> Value:
        a = self.data
        if isinstance(other, Value):
            return self._gate(other, a / other.data, (1 / other.data, -a / other.data**2), "/")
        return self._gate(None, a / other, (1 / other,), f"/{other:g}") if _is_number(other) else NotImplemented

    def __rtruediv__(self, other: float) -> Value:
        x = self.data
        return self._gate(None, other / x, (-other / x**2,), f"{other:g}/x") if _is_number(other) else NotImplemented

    def __pow__(self, other: Value | float) -> Value:
        a = self.data
        if isinstance(other, Value):
            b, out = other.data, a**other.data
            return self._gate(other, out, (b * a ** (b - 1), out * math.log(a) if a > 0 else math.nan), "^")
        if _is_number(other):
            return self._gate(None, a**other, (other * a ** (other - 1),), f"^{other:g}")
        return NotImplemented

    def __rpow__(self, other: float) -> Value:
        if not _is_number(other):
            return NotImplemented
        out = other**self.data
        return self._gate(None, out, (out * math.log(other) if other > 0 else math.nan,), f"{other:g}^x")

    def exp(self) -> Value:
        out = math.exp(self.data)
        return self._gate(None, out, (out,), "exp")

    def sigmoid(self) -> Value:
        s = _sigmoid(self.data)
        return self._gate(None, s, (s * (1 - s),), "σ")

    def relu(self) -> Value:
        return self._gate(None, max(self.data, 0.0), (float(self.data > 0),), "relu")

    def max(self, other: Value | float) -> Value:
        """max(self, other); on a tie the gradient goes to self."""
        if isinstance(other, Value):
            first = self.data >= other.data
            return self._gate(other, max(self.data, other.data), (first, not first), "max")
        if _is_number(other):
            return self._gate(None, max(self.data, other), (self.data >= other,), f"max(·,{other:g})")
        raise TypeError(f"Value.max: expected a Value or a number, got {type(other).__name__}")

    def backward(self) -> None:
        """Fill ``grad`` on every node this one depends on with d self / d node.

        Notes: the graph is walked in reverse topological order, so a node's gradient is
        complete (every consumer has added its share) before it is passed on. Gradients are
        reset first, so calling backward twice gives the same result, not twice the result.
        """
        order = topological_order(self)
        for node in order:
            node.grad = 0.0
        self.grad = 1.0
        for node in reversed(order):
            for child, local in zip(node.children, node.local):
                child.grad += local * node.grad


def topological_order(root: Value) -> list[Value]:
    """Every node ``root`` depends on, each after all of its children; ``root`` last.

    Notes: an explicit stack instead of recursion, so a chain of 10,000 operations does not
    overflow Python's call stack.
    """
    order: list[Value] = []
    seen: set[Value] = set()
    stack = [(root, False)]
    while stack:
        node, expanded = stack.pop()
        if expanded:
            order.append(node)
        elif node not in seen:
            seen.add(node)
            stack.append((node, True))
            stack.extend((child, False) for child in reversed(node.children) if child not in seen)
    return order


class Gate(Protocol):
    """What :class:`Net` asks of a gate: any of the classes below, or the student's own."""

    @property
    def forward(self) -> Callable[..., float]: ...  # forward(x, y) or forward(x): any number of inputs

    def backward(self, dout: float) -> tuple[float, ...]: ...


class AddGate:
    """out = x + y. Backward: add distributes dout unchanged to both inputs.

    Every gate: ``forward(*inputs)`` returns the output and caches what backward needs;
    ``backward(dout)`` returns a tuple with one gradient per input, ``(dx, dy)`` or ``(dx,)``.
    """

    def forward(self, x: float, y: float) -> float:
        return x + y

    def backward(self, dout: float) -> tuple[float, float]:
        return dout, dout


class MultiplyGate:
    """out = x * y. Backward: multiply swaps, dx = y * dout and dy = x * dout (so cache both)."""

    def forward(self, x: float, y: float) -> float:
        self.x, self.y = x, y
        return x * y

    def backward(self, dout: float) -> tuple[float, float]:
        return self.y * dout, self.x * dout


class MaxGate:
    """out = max(x, y). Backward: max routes dout to the larger input (x on a tie), 0 to the other."""

    def forward(self, x: float, y: float) -> float:
        self.x, self.y = x, y
        return max(x, y)

    def backward(self, dout: float) -> tuple[float, float]:
        return (dout, 0.0) if self.x >= self.y else (0.0, dout)


class ExpGate:
    """out = exp(x). Backward: dx = exp(x) * dout, reusing the cached output."""

    def forward(self, x: float) -> float:
        self.out = math.exp(x)
        return self.out

    def backward(self, dout: float) -> tuple[float]:
        return (self.out * dout,)


class ReciprocalGate:
    """out = 1 / x. Backward: dx = -dout / x**2."""

    def forward(self, x: float) -> float:
        self.x = x
        return 1 / x

    def backward(self, dout: float) -> tuple[float]:
        return (-dout / self.x**2,)


class SigmoidGate:
    """out = σ(x) = 1 / (1 + exp(-x)). Backward: dx = σ(x)(1 - σ(x)) * dout.

    Notes: the local gradient needs only the output, so forward caches σ(x) and backward
    costs two multiplications: the reason the sigmoid is usually one gate, not four.
    """

    def forward(self, x: float) -> float:
        self.out = _sigmoid(x)
        return self.out

    def backward(self, dout: float) -> tuple[float]:
        return (self.out * (1 - self.out) * dout,)


class Net:
    """Gates in topological order: forward runs them in order, backward in reverse.

    Inputs: entries: list of ``(gate, input_names, output_name)``; every input name is an input
    of the net or the output of an earlier entry, and every entry has its own gate object.

    Notes: a gate object caches the inputs of its last forward, so sharing one object between
    two entries would let the second forward overwrite what the first backward needs. Where a
    value feeds several gates, backward adds up their gradients (the multivariate chain rule).
    """

    def __init__(self, entries: Iterable[tuple[Gate, str | Sequence[str], str]]) -> None:
        self.entries = [(gate, (ins,) if isinstance(ins, str) else tuple(ins), out) for gate, ins, out in entries]
        if len({id(gate) for gate, _, _ in self.entries}) != len(self.entries):
            raise ValueError("Net: every entry needs its own gate object (a gate caches one forward)")
        self.values: dict[str, float] = {}

    def forward(self, inputs: dict[str, float]) -> float:
        """Inputs: dict name -> number. Returns the last gate's output; keeps every value in ``values``."""
        values = dict(inputs)
        for gate, ins, out in self.entries:
            missing = [name for name in ins if name not in values]
            if missing:
                raise KeyError(
                    f"Net: {out!r} needs {missing[0]!r}, not computed yet (entries must be in topological order)"
                )
            values[out] = gate.forward(*(values[name] for name in ins))
        self.values = values
        return values[self.entries[-1][2]]

    def backward(self, dout: float = 1.0) -> dict[str, float]:
        """Inputs: dout, d loss / d output. Returns dict name -> gradient for every named value."""
        grads = dict.fromkeys(self.values, 0.0)
        grads[self.entries[-1][2]] = dout
        for gate, ins, out in reversed(self.entries):
            for name, d in zip(ins, gate.backward(grads[out])):
                grads[name] = grads[name] + d
        return grads
