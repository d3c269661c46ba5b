"""Guesses at the cause of a wrong answer: the hints of a check's messages.

:func:`diagnose` knows the usual ways a right formula turns into a wrong result (a sign, a
transposed product, a factor of 2 or N, a sum over the batch forgotten or kept with
``keepdims``), :func:`precision_hint` the rounding of float32, and :func:`numpy_hint` numpy's
own errors about shapes and indices. Each says what to do, in one sentence.
"""

from __future__ import annotations

import re

import numpy as np

__all__ = ["diagnose", "precision_hint", "numpy_hint"]


_NUMPY_HINTS = (
    (
        r"matmul|not aligned|mismatch in its core dimension",
        "in a matrix product a @ b the columns of a must match the rows of b: print a.shape and b.shape, "
        "then transpose a factor (.T) or swap their order.",
    ),
    (
        r"could not be broadcast",
        "an elementwise operation met two arrays whose shapes do not fit: print both shapes; keep a summed "
        "axis with keepdims=True, or add one with [:, None].",
    ),
    (
        r"cannot reshape",
        "a reshape must keep the number of entries: x.reshape(x.shape[0], -1) keeps the first axis and "
        "flattens the rest.",
    ),
    (
        r"setting an array element with a sequence|could not broadcast input array",
        "an assignment puts an array where one entry (or a differently shaped slice) goes: print the shapes of "
        "both sides of the `=`.",
    ),
    (
        r"truth value of an array",
        "`if`, `and`, `or` and Python's max() need one number, not an array: use np.maximum, np.where or a "
        "boolean mask for elementwise choices.",
    ),
    (
        r"out of bounds",
        "an index ran past the end of an axis: loop with range(x.shape[axis]) over the axis you index, and "
        "check which axis each index is for.",
    ),
    (
        r"only integers, slices",
        "arrays are indexed with integers: wrap a computed index in int(...), and index with an integer array "
        "such as y, not a float one.",
    ),
    (
        r"values to unpack",
        "the names on the left of `=` must match the items on the right: print what you unpack (a cache holds "
        "exactly what your forward pass put into it, in that order).",
    ),
    (
        r"too many indices",
        "the array has fewer axes than the indices you gave: print its .shape (a 1-D array takes one index).",
    ),
)


def numpy_hint(message: str) -> str | None:
    """A hint for one of numpy's (or Python's) usual errors about shapes and indices, from its message."""
    for pattern, hint in _NUMPY_HINTS:
        if re.search(pattern, message):
            return hint
    return None


def diagnose(got: np.ndarray, exp: np.ndarray, *, batch_size: int | None = None) -> str | None:
    """A one-line guess at the usual mistakes that turn ``exp`` into ``got`` (or None)."""
    if got.shape == exp.shape:
        return _diagnose_values(got, exp, batch_size)
    n = batch_size
    if got.shape == exp.shape[::-1] and got.ndim >= 2:
        return (
            "the result has the transposed shape: check the order of the factors in the matrix product "
            "(the batch axis N is summed over in a gradient such as x.T @ dout)."
        )
    if n and exp.ndim == 1 and exp.shape[0] != n and got.shape in ((n,), (n, 1)):
        return (
            f"it has one entry per example (N={n}) where one per column is expected: the sum or mean went over "
            "axis 1; take it over the batch, axis 0."
        )
    if got.ndim == 0 and exp.ndim > 0:
        return (
            "it is one number where an array is expected: a sum or mean without axis= adds up every axis; "
            "give the axis, e.g. np.sum(dout, axis=0)."
        )
    if n and got.ndim == exp.ndim - 1 >= 1 and exp.shape[0] == n and got.shape in (exp.shape[1:], exp.shape[:-1]):
        axis = "the batch axis, 0" if got.shape == exp.shape[1:] else "the last axis"
        return f"it lost an axis: was it summed or averaged over {axis}? The expected result keeps that axis."
    if got.ndim == exp.ndim + 1 and got.shape[1:] == exp.shape and got.shape[0] != 1 and n in (None, got.shape[0]):
        if np.allclose(got.sum(axis=0), exp, rtol=1e-5, atol=1e-9):
            return "did you forget to sum over the batch (axis 0)? Add up the rows: np.sum(..., axis=0)."
        return "it has an extra leading batch dimension of size N: sum over axis 0."
    if got.size == exp.size and tuple(d for d in got.shape if d != 1) == tuple(d for d in exp.shape if d != 1):
        if exp.ndim == 0:
            return (
                "it is an array of one entry where a plain number is expected: return float(...) or .item() "
                "of it (and drop keepdims=True)."
            )
        if got.ndim > exp.ndim and got.shape[0] == 1:
            return "it has an extra leading dimension of size 1: drop keepdims=True (or take [0])."
        if got.ndim > exp.ndim:
            return "it has an extra dimension of size 1: drop keepdims=True, or take [:, 0]."
        return (
            "it lacks a dimension of size 1: keep the summed axis with keepdims=True, or reshape to the expected shape."
        )
    if got.size == exp.size:
        return "the right number of entries in the wrong shape: reshape it to the shape of the input it goes with."
    return None


def _diagnose_values(got: np.ndarray, exp: np.ndarray, n: int | None) -> str | None:
    def close(a, b):
        return a.shape == b.shape and np.allclose(a, b, rtol=1e-5, atol=1e-9)

    if np.any(exp != 0) and close(got, -exp):
        return "every entry has the wrong sign: check the sign of each local gradient (or of the update step)."
    if got.ndim == 2 and got.shape[0] == got.shape[1] and close(got.T, exp) and not close(got, exp):
        return "the result is transposed: check the order of the factors in the matrix product."
    denom = float(np.vdot(exp, exp))
    if denom == 0 or not np.any(got):
        return None  # all zeros: the exercise's own hint (or verify's) says more
    scale = float(np.vdot(got, exp)) / denom
    if abs(scale) < 1e-6:  # (nearly) zero: no factor to name; the exercise's own hints say more
        return None
    if abs(scale - 1) > 1e-3 and close(got, scale * exp):
        named = [
            (2.0, "off by a factor of 2: is a term counted twice, or a 0.5 missing?"),
            (0.5, "off by a factor of 1/2: is a factor 2 (or a term) missing?"),
        ]
        if n:
            named = [
                (1 / n, f"off by a factor of 1/N (N={n}): did you average twice over the batch?"),
                (float(n), f"off by a factor of N (N={n}): did you forget to divide by the batch size?"),
            ] + named
        for factor, text in named:
            if abs(scale - factor) <= 1e-3 * abs(factor):
                return text
        if exp.size > 1:  # one number is a multiple of any other: only named factors say anything
            return f"off by a constant factor of {scale:.4g}: check constants such as 2, 0.5 or N."
    return None


def precision_hint(got: np.ndarray, exp: np.ndarray, dtype: np.dtype, name: str) -> str | None:
    """Say so when the gap is rounding to float32 (or float16) rather than a wrong formula."""
    if dtype in (np.float16, np.float32):
        return (
            f"{name} was computed in low precision ({dtype}): keep float64 throughout "
            "(no .astype(np.float32), no dtype=np.float32 arrays)."
        )
    gap = np.abs(got - exp) / np.maximum(1e-300, np.abs(exp))
    in_float32 = np.all(got == got.astype(np.float32)) and not np.all(exp == exp.astype(np.float32))
    if in_float32 and np.max(gap) < 1e-6:
        return (
            f"{name} differs from the float64 result by float32 rounding (every entry is a float32 number): "
            "keep float64 throughout (no .astype(np.float32), no dtype=np.float32 arrays)."
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
