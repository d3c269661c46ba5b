"""Guesses at the cause of a wrong answer: the hints of a check's messages, and their codes.

A :class:`Hint` is one likely cause: a stable code (``missing_batch_mean``), a test of when it
applies, and what the student is told. Every check lists its own in ``Spec.hints``;
:func:`pick` takes the first that applies. A failure no hint explains gets the generic cause of
its kind (``GENERIC``: ``wrong_values``, ``wrong_shape``, ``raised``, ...), so that
:func:`cause_code` gives every failure exactly one code, ``<exercise>.<cause>``.

:func:`diagnose` knows the usual ways a right formula turns into a wrong result (a sign, a
transposed product, a factor of 2 or N, a sum over the batch forgotten or kept with
``keepdims``), :func:`precision_hint` the rounding of float32, and :func:`numpy_hint` numpy's
own errors about shapes and indices. Each says what to do, in one sentence, under a code of its own.

Notes: a hint's test has one signature, ``when(got, expected, case) -> bool``, whatever it
explains (``Hint.on``): for ``"value"``, ``"shape"`` and ``"nonfinite"`` failures ``got`` and
``expected`` are the output's arrays; for ``"raised"`` (numpy's ValueError or IndexError in the
student's code) ``got`` is the error's message and ``expected`` None; for ``"inplace"`` ``got``
is the name of the input that was written into and ``expected`` None. ``case`` is always the
test's inputs. A message is a string, or a function of the same three that returns one.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

__all__ = [
    "Hint",
    "pick",
    "always",
    "cause_code",
    "exercise_name",
    "GENERIC",
    "CODE",
    "diagnose",
    "precision_hint",
    "numpy_hint",
    "NUMPY_HINTS",
]

CODE = re.compile(r"^[a-z0-9_]+\.[a-z0-9_]+$")  # a cause code: <exercise>.<cause>
_CAUSE = re.compile(r"^[a-z0-9_]+$")
ON = ("value", "shape", "nonfinite", "raised", "inplace")

# the cause of a failure that no hint names, by the Failure's kind
GENERIC = {
    "blank": "blank",
    "exception": "raised",
    "signature": "signature_changed",
    "returned": "returned",
    "message": "returned",
    "missing": "missing_output",
    "none": "returned_none",
    "type": "wrong_type",
    "dtype": "wrong_dtype",
    "shape": "wrong_shape",
    "nonfinite": "not_finite",
    "value": "wrong_values",
    "inplace": "in_place",
}


def always(got: Any, expected: Any, case: Mapping[str, Any]) -> bool:
    """A hint test that always applies (for a hint already known to apply, or the last of a list)."""
    return True


@dataclass(frozen=True)
class Hint:
    """One likely cause of a failure.

    - code: the cause, in snake_case (``missing_batch_mean``); the check puts its exercise in
      front (``svm_loss.missing_batch_mean``). Stable: reports count students by it.
    - when(got, expected, case) -> bool: does this cause explain the failure (module notes)?
    - message: what the student is told (the ``Hint:`` line), a string or a function of
      ``(got, expected, case)`` that returns one.
    - on: the kind of failure it explains: ``"value"`` (wrong numbers), ``"shape"``,
      ``"nonfinite"`` (nan or inf), ``"raised"`` (numpy's errors), ``"inplace"``.
    - quantity: only when this output (or one of these outputs) is the wrong one (tried before
      the generic diagnosis, which it knows less than); None: any output.
    """

    code: str
    when: Callable[[Any, Any, Mapping[str, Any]], Any]
    message: str | Callable[[Any, Any, Mapping[str, Any]], str]
    on: str = "value"
    quantity: str | tuple[str, ...] | None = None

    def __post_init__(self):
        if not _CAUSE.match(self.code):
            raise ValueError(f"a hint's code is snake_case (a-z, 0-9, _): {self.code!r}")
        if self.on not in ON:
            raise ValueError(f"a hint's `on` is one of {', '.join(ON)}: {self.on!r}")

    def text(self, got: Any, expected: Any, case: Mapping[str, Any]) -> str:
        """The message for this failure."""
        return self.message(got, expected, case) if callable(self.message) else self.message

    def applies_to(self, quantity: str | None) -> bool:
        """Is this hint about any output, or about ``quantity``?"""
        q = self.quantity
        return q is None or (quantity == q if isinstance(q, str) else quantity in q)


def pick(
    hints: Iterable[Hint],
    on: str,
    got: Any,
    expected: Any,
    case: Mapping[str, Any],
    *,
    quantity: str | None = None,
    bound: bool | None = None,
) -> Hint | None:
    """The first hint of ``hints`` that explains this failure (None if none does).

    ``on`` and ``quantity`` as in :class:`Hint`; ``bound`` True takes only the hints of
    ``quantity``, False only those of any output, None both.
    """
    for h in hints:
        if not isinstance(h, Hint):  # checked here, not when a Spec is made: a grading kernel's stand-ins make none
            raise TypeError(f"every hint of a check is a Hint(code, when, message), got {h!r}")
        if h.on != on or not h.applies_to(quantity):
            continue
        if bound is not None and (h.quantity is not None) != bound:
            continue
        if h.when(got, expected, case):
            return h
    return None


def exercise_name(name: str) -> str:
    """A check's name as the first part of a code: ``SigmoidGate`` -> ``sigmoid_gate``."""
    snake = re.sub(r"(?<=[a-z0-9])([A-Z])", r"_\1", name).lower()
    return re.sub(r"_+", "_", re.sub(r"[^a-z0-9_]", "_", snake)).strip("_") or "check"


def cause_code(exercise: str, cause: str | None, kind: str) -> str:
    """``<exercise>.<cause>``: the named cause, else the generic one of the failure's kind."""
    return f"{exercise_name(exercise)}.{cause or GENERIC[kind]}"


_NUMPY_HINTS = (
    (
        "matmul_shapes",
        r"matmul|not aligned|mismatch in its core dimension",
        "in a matrix product a @ b the columns of a must match the rows of b: print a.shape and b.shape, "
        "then transpose a factor (.T) or swap their order.",
    ),
    (
        "broadcast_shapes",
        r"could not be broadcast",
        "an elementwise operation met two arrays whose shapes do not fit: print both shapes; keep a summed "
        "axis with keepdims=True, or add one with [:, None].",
    ),
    (
        "reshape_size",
        r"cannot reshape",
        "a reshape must keep the number of entries: x.reshape(x.shape[0], -1) keeps the first axis and "
        "flattens the rest.",
    ),
    (
        "entry_gets_array",
        r"setting an array element with a sequence|could not broadcast input array",
        "an assignment puts an array where one entry (or a differently shaped slice) goes: print the shapes of "
        "both sides of the `=`.",
    ),
    (
        "array_truth_value",
        r"truth value of an array",
        "`if`, `and`, `or` and Python's max() need one number, not an array: use np.maximum, np.where or a "
        "boolean mask for elementwise choices.",
    ),
    (
        "index_out_of_bounds",
        r"out of bounds",
        "an index ran past the end of an axis: loop with range(x.shape[axis]) over the axis you index, and "
        "check which axis each index is for.",
    ),
    (
        "non_integer_index",
        r"only integers, slices",
        "arrays are indexed with integers: wrap a computed index in int(...), and index with an integer array "
        "such as y, not a float one.",
    ),
    (
        "unpack_count",
        r"values to unpack",
        "the names on the left of `=` must match the items on the right: print what you unpack (a cache holds "
        "exactly what your forward pass put into it, in that order).",
    ),
    (
        "too_many_indices",
        r"too many indices",
        "the array has fewer axes than the indices you gave: print its .shape (a 1-D array takes one index).",
    ),
)


def _search(pattern: str) -> Callable[[Any, Any, Mapping[str, Any]], bool]:
    return lambda message, expected, case: re.search(pattern, str(message)) is not None


NUMPY_HINTS = tuple(Hint(code, _search(pattern), text, on="raised") for code, pattern, text in _NUMPY_HINTS)


def numpy_hint(message: str) -> Hint | None:
    """The hint for one of numpy's (or Python's) usual errors about shapes and indices, from its message."""
    return pick(NUMPY_HINTS, "raised", message, None, {})


def _said(code: str, text: str, on: str = "value") -> Hint:
    return Hint(code, always, text, on=on)


def diagnose(got: np.ndarray, exp: np.ndarray, *, batch_size: int | None = None) -> Hint | None:
    """A guess at the usual mistakes that turn ``exp`` into ``got`` (or None), with its code."""
    if got.shape == exp.shape:
        return _diagnose_values(got, exp, batch_size)
    n = batch_size
    if got.shape == exp.shape[::-1] and got.ndim >= 2:
        return _said(
            "transposed_shape",
            "the result has the transposed shape: check the order of the factors in the matrix product "
            "(the batch axis N is summed over in a gradient such as x.T @ dout).",
            "shape",
        )
    if n and exp.ndim == 1 and exp.shape[0] != n and got.shape in ((n,), (n, 1)):
        return _said(
            "summed_over_wrong_axis",
            f"it has one entry per example (N={n}) where one per column is expected: the sum or mean went over "
            "axis 1; take it over the batch, axis 0.",
            "shape",
        )
    if got.ndim == 0 and exp.ndim > 0:
        return _said(
            "summed_without_axis",
            "it is one number where an array is expected: a sum or mean without axis= adds up every axis; "
            "give the axis, e.g. np.sum(dout, axis=0).",
            "shape",
        )
    if n and got.ndim == exp.ndim - 1 >= 1 and exp.shape[0] == n and got.shape in (exp.shape[1:], exp.shape[:-1]):
        axis = "the batch axis, 0" if got.shape == exp.shape[1:] else "the last axis"
        return _said(
            "lost_axis",
            f"it lost an axis: was it summed or averaged over {axis}? The expected result keeps that axis.",
            "shape",
        )
    if got.ndim == exp.ndim + 1 and got.shape[1:] == exp.shape and got.shape[0] != 1 and n in (None, got.shape[0]):
        if np.allclose(got.sum(axis=0), exp, rtol=1e-5, atol=1e-9):
            return _said(
                "batch_not_summed",
                "did you forget to sum over the batch (axis 0)? Add up the rows: np.sum(..., axis=0).",
                "shape",
            )
        return _said("extra_batch_axis", "it has an extra leading batch dimension of size N: sum over axis 0.", "shape")
    if got.size == exp.size and tuple(d for d in got.shape if d != 1) == tuple(d for d in exp.shape if d != 1):
        if exp.ndim == 0:
            return _said(
                "array_not_number",
                "it is an array of one entry where a plain number is expected: return float(...) or .item() "
                "of it (and drop keepdims=True).",
                "shape",
            )
        if got.ndim > exp.ndim and got.shape[0] == 1:
            return _said(
                "extra_leading_dimension",
                "it has an extra leading dimension of size 1: drop keepdims=True (or take [0]).",
                "shape",
            )
        if got.ndim > exp.ndim:
            return _said(
                "extra_dimension", "it has an extra dimension of size 1: drop keepdims=True, or take [:, 0].", "shape"
            )
        return _said(
            "missing_dimension",
            "it lacks a dimension of size 1: keep the summed axis with keepdims=True, or reshape to the expected "
            "shape.",
            "shape",
        )
    if got.size == exp.size:
        return _said(
            "reshaped_wrong",
            "the right number of entries in the wrong shape: reshape it to the shape of the input it goes with.",
            "shape",
        )
    return None


def _diagnose_values(got: np.ndarray, exp: np.ndarray, n: int | None) -> Hint | None:
    def close(a, b):
        return a.shape == b.shape and np.allclose(a, b, rtol=1e-5, atol=1e-9)

    if np.any(exp != 0) and close(got, -exp):
        return _said(
            "wrong_sign",
            "every entry has the wrong sign: check the sign of each local gradient (or of the update step).",
        )
    if got.ndim == 2 and got.shape[0] == got.shape[1] and close(got.T, exp) and not close(got, exp):
        return _said("transposed", "the result is transposed: check the order of the factors in the matrix product.")
    denom = float(np.vdot(exp, exp))
    if denom == 0 or not np.any(got):
        return None  # all zeros: the exercise's own hint (or verify's) says more
    scale = float(np.vdot(got, exp)) / denom
    if abs(scale) < 1e-6:  # (nearly) zero: no factor to name; the exercise's own hints say more
        return None
    if abs(scale - 1) > 1e-3 and close(got, scale * exp):
        named = [
            (2.0, "factor_2", "off by a factor of 2: is a term counted twice, or a 0.5 missing?"),
            (0.5, "factor_half", "off by a factor of 1/2: is a factor 2 (or a term) missing?"),
        ]
        if n:
            named = [
                (1 / n, "averaged_twice", f"off by a factor of 1/N (N={n}): did you average twice over the batch?"),
                (
                    float(n),
                    "not_divided_by_n",
                    f"off by a factor of N (N={n}): did you forget to divide by the batch size?",
                ),
            ] + named
        for factor, code, text in named:
            if abs(scale - factor) <= 1e-3 * abs(factor):
                return _said(code, text)
        if exp.size > 1:  # one number is a multiple of any other: only named factors say anything
            return _said(
                "constant_factor", f"off by a constant factor of {scale:.4g}: check constants such as 2, 0.5 or N."
            )
    return None


def precision_hint(got: np.ndarray, exp: np.ndarray, dtype: np.dtype, name: str) -> Hint | None:
    """Say so when the gap is rounding to float32 (or float16) rather than a wrong formula."""
    if dtype in (np.float16, np.float32):
        return _said(
            "low_precision",
            f"{name} was computed in low precision ({dtype}): keep float64 throughout "
            "(no .astype(np.float32), no dtype=np.float32 arrays).",
        )
    gap = np.abs(got - exp) / np.maximum(1e-300, np.abs(exp))
    in_float32 = np.all(got == got.astype(np.float32)) and not np.all(exp == exp.astype(np.float32))
    if in_float32 and np.max(gap) < 1e-6:
        return _said(
            "float32_rounding",
            f"{name} differs from the float64 result by float32 rounding (every entry is a float32 number): "
            "keep float64 throughout (no .astype(np.float32), no dtype=np.float32 arrays).",
        )
    return None


def matches(formula):
    """A hint test: does the wrong output equal formula(case), where the right one does not?"""

    def test(got, exp, case):
        value = np.asarray(formula(case), dtype=float)
        return (
            value.shape == got.shape == np.shape(exp)
            and not np.allclose(value, exp)
            and np.allclose(got, value, rtol=1e-6, atol=1e-10)
        )

    return test
