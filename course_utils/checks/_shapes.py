"""numpy's shape and index errors, read in an exercise's own size names (N, D, M, ...).

A check's inputs have distinct sizes, so every number in an error such as ``matmul: ... (size 7
is different from 15)`` names one dimension: the right factor starts with M where the left one
ends in D. The per-notebook checks turn that into the hint for the product that failed
(``dx = dout @ w.T``, not ``dout @ w``).

Notes: only the wording of numpy's own messages is read (matmul, dot, broadcasting, reshape,
out-of-bounds indices); anything else is left to the generic handling of errors. :func:`raised`
makes a check's :class:`~._hints.Hint` for one such error (``on="raised"``), whose test and
message see what the message says in the exercise's size names.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, cast

import numpy as np

from ._hints import Hint

__all__ = ["Shapes", "read", "named", "distinct", "raised", "product", "says"]

_MATMUL = re.compile(r"size (\d+) is different from (\d+)")  # (right factor's first, left factor's last)
_DOT = re.compile(r"shapes \(([\d, ]*)\) and \(([\d, ]*)\) not aligned")
_BROADCAST = re.compile(r"broadcast.*?shapes? ((?:\([\d, ]*\)\s*)+)")
_RESHAPE = re.compile(r"cannot reshape array of size (\d+) into shape \(([\d, -]*)\)")
_INDEX = re.compile(r"index (-?\d+) is out of bounds for axis (\d+) with size (\d+)")
_SHAPE = re.compile(r"\(([\d, ]*)\)")


@dataclass
class Shapes:
    """What one numpy error says, with every size replaced by its name where it has one.

    kind: ``"product"`` (left and right: the sizes that should have matched), ``"broadcast"``
    (shapes: the operands' shapes), ``"reshape"`` (size: the array's number of entries,
    shapes: the target), ``"index"`` (size: the axis length, index: the index used), or
    ``"shapes"`` (any other message with shapes in it: shapes, in the order they appear).
    """

    kind: str
    left: str = ""
    right: str = ""
    size: str = ""
    index: int = 0
    shapes: tuple[str, ...] = ()


def _ints(text: str) -> tuple[int, ...]:
    return tuple(int(t) for t in text.replace(" ", "").split(",") if t not in ("",))


def _name(n: int, sizes: Mapping[str, int]) -> str:
    for key, value in sizes.items():
        if value == n:
            return key
    return str(n)


def named(shape, sizes: Mapping[str, int]) -> str:
    """A shape in size names: ``(4, 15)`` -> ``"(N, D)"``; unnamed sizes stay numbers."""
    parts = [_name(int(n), sizes) if int(n) >= 0 else str(n) for n in shape]
    return "(" + ", ".join(parts) + ("," if len(parts) == 1 else "") + ")"


def read(message: str, sizes: Mapping[str, int]) -> Shapes | None:
    """The shape facts in the message of a numpy ValueError or IndexError (None if it has none)."""
    text = str(message)
    if m := _MATMUL.search(text):
        return Shapes("product", left=_name(int(m.group(2)), sizes), right=_name(int(m.group(1)), sizes))
    if m := _DOT.search(text):
        a, b = _ints(m.group(1)), _ints(m.group(2))
        if a and b:
            return Shapes("product", left=_name(a[-1], sizes), right=_name(b[0] if len(b) < 2 else b[-2], sizes))
    if m := _BROADCAST.search(text):
        return Shapes("broadcast", shapes=tuple(named(_ints(s), sizes) for s in _SHAPE.findall(m.group(1))))
    if m := _RESHAPE.search(text):
        return Shapes("reshape", size=_name(int(m.group(1)), sizes), shapes=(named(_ints(m.group(2)), sizes),))
    if m := _INDEX.search(text):
        return Shapes("index", size=_name(int(m.group(3)), sizes), index=int(m.group(1)))
    shapes = [named(_ints(g), sizes) for g in _SHAPE.findall(text) if _ints(g)]
    if shapes:  # another message that names shapes, e.g. a course function's own check of its inputs
        return Shapes("shapes", shapes=tuple(shapes))
    return None


def distinct(sizes: Mapping[str, int]) -> bool:
    """Are the named sizes pairwise different (so that a size names one dimension)?"""
    values = [int(v) for v in sizes.values()]
    return len(set(values)) == len(values) and not np.any(np.array(values) < 1)


def raised(
    code: str,
    sizes: Callable[[Any], Mapping[str, int]],  # case -> the sizes named in messages
    test: Callable[[Shapes, Mapping[str, Any]], bool],
    message: str | Callable[[Shapes, Mapping[str, Any]], str],
) -> Hint:
    """A hint for numpy's shape error in the student's code: it applies when ``test(facts, case)``
    holds for what the error's message says (:func:`read`, with the names ``sizes(case)``), and
    ``message`` may be a function of the same two."""

    def facts(text: Any, case: Mapping[str, Any]) -> Shapes | None:
        return read(str(text), sizes(case))

    def when(text: Any, _: Any, case: Mapping[str, Any]) -> bool:
        s = facts(text, case)
        return s is not None and bool(test(s, case))

    if callable(message):
        said = message
        # the message is asked for only where ``when`` has read the facts
        return Hint(code, when, lambda text, _, case: said(cast(Shapes, facts(text, case)), case), on="raised")
    return Hint(code, when, message, on="raised")


def product(left: Any, right: Any) -> Callable[[Shapes, Mapping[str, Any]], bool]:
    """A test for :func:`raised`: a product whose sizes that should match are ``left`` and ``right``
    (None: any size; a function of the case: the size name it gives)."""

    def test(s: Shapes, case: Mapping[str, Any]) -> bool:
        want = [w(case) if callable(w) else w for w in (left, right)]
        return s.kind == "product" and all(w is None or w == got for w, got in zip(want, (s.left, s.right)))

    return test


def says(kind: str, test: Callable[[Shapes, Mapping[str, Any]], bool] = lambda s, case: True):
    """A test for :func:`raised`: numpy's message is of this ``kind`` (``Shapes.kind``) and ``test`` holds."""
    return lambda s, case: s.kind == kind and test(s, case)
