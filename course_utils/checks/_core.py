"""The machinery behind every student-facing check.

A check is a :class:`Spec`: it makes test inputs (``cases``), calls the student's code on
them (``call``) and computes the expected values with the course's reference code
(``expected``). The three are kept apart on purpose: in a notebook, :func:`run_check` does all
three in one process and prints a verdict; the autograder runs only ``call`` in the student's
kernel and compares in its own process, so expected values never meet student code.

A verdict goes shapes first, then one aligned row per quantity (relative error, tolerance,
PASS/FAIL), then, on failure, an ``AssertionError`` that names the function, the worst index,
expected vs got, and a hint about the likely cause.
"""
from __future__ import annotations

import copy
import math
from dataclasses import dataclass, field
from typing import Any, Callable, Mapping

import numpy as np

from ..gradcheck import rel_error

__all__ = ["Spec", "Row", "CheckFailure", "run_check", "run_student", "verify", "diagnose", "as_float_array"]


class CheckFailure(AssertionError):
    """A check found the student's code wrong; the message says what, where and why."""


@dataclass
class Spec:
    """How to check one exercise.

    - name: what the student sees in messages (e.g. ``"affine_backward"``).
    - args: names of the student objects the check takes (keyword names of ``check_*``).
    - cases(seed) -> list of dicts of inputs (numpy arrays or floats); seed 0 is the visible
      test, other seeds are hidden tests.
    - call(student, case) -> dict of outputs; runs student code only. ``student`` maps each
      name in ``args`` to the student's object. It may modify the arrays in ``case``:
      :func:`run_student` detects that.
    - expected(case) -> dict of outputs from the reference code.
    - tol: tolerance on the relative error, per output name or one float for all.
    - like: for shape messages, the input an output should be shaped like (``{"dw": "w"}``).
    - batch: name of the input whose first dimension is the batch size N (for hints).
    - hints: extra ``(test(got, expected, case) -> bool, hint)`` pairs, tried after the
      generic diagnosis finds nothing.
    - reference: dotted names of course functions a graded answer must not simply call.
    - error_hint: the hint shown when the student's code raises an error of its own inside
      ``call`` (numpy's ValueError for shapes that do not fit, an IndexError, ...): a string,
      or a function of the case (the inputs) that returns one. None: a generic hint chosen
      from numpy's message.
    - point: names of inputs printed, at the failing index, when a value is wrong
      (``at x=-1.25, y=3.5``), so that a student can redo that point by hand; meant for
      checks that call scalar code once per entry of 1-D inputs. Never shown for hidden tests.
    """

    name: str
    args: tuple[str, ...]
    cases: Callable[[int], list[dict[str, Any]]]
    call: Callable[[Mapping[str, Any], dict[str, Any]], dict[str, Any]]
    expected: Callable[[dict[str, Any]], dict[str, Any]]
    tol: float | Mapping[str, float] = 1e-7
    like: Mapping[str, str] = field(default_factory=dict)
    batch: str | None = None
    hints: tuple[tuple[Callable[..., bool], str], ...] = ()
    reference: tuple[str, ...] = ()
    error_hint: str | Callable[[dict[str, Any]], str] | None = None
    point: tuple[str, ...] = ()

    def tolerance(self, output: str) -> float:
        return self.tol if isinstance(self.tol, (int, float)) else self.tol.get(output, 1e-7)


@dataclass
class Row:
    """One compared quantity of one case."""

    name: str
    error: float
    tol: float

    @property
    def ok(self) -> bool:
        return self.error <= self.tol


def as_float_array(value: Any, func: str, name: str) -> np.ndarray:
    """The student's output as an array, or a CheckFailure saying why it is not usable."""
    if value is None:
        raise CheckFailure(f"{func}: {name} is None. Did you forget a `return`, or to assign {name}?")
    if isinstance(value, (np.ndarray, float, int, np.floating, np.integer)) and not isinstance(value, bool):
        arr = np.asarray(value)
    else:
        try:
            arr = np.asarray(value, dtype=np.float64)
        except (TypeError, ValueError):
            raise CheckFailure(
                f"{func}: {name} is a {type(value).__name__}, expected a number or a numpy array."
            ) from None
    if arr.dtype == object or not (np.issubdtype(arr.dtype, np.number)):
        raise CheckFailure(f"{func}: {name} has dtype {arr.dtype}, expected float64 numbers.")
    return arr


def run_student(spec: Spec, student: Mapping[str, Any], case: dict[str, Any]) -> tuple[dict, dict]:
    """Call the student's code on one case (in whatever process it lives in).

    Returns ``(outputs, modified)``: the raw outputs, and for every input array the student
    changed in place, the first index that changed.
    """
    before = copy.deepcopy(case)
    work = copy.deepcopy(case)
    outputs = spec.call(student, work)
    if not isinstance(outputs, dict):
        raise TypeError(f"check {spec.name}: call must return a dict, got {type(outputs).__name__}")
    modified = {}
    for key, old in before.items():
        new = work[key]
        if isinstance(old, np.ndarray) and (
            not isinstance(new, np.ndarray) or new.shape != old.shape or not np.array_equal(new, old, equal_nan=True)
        ):
            diff = np.argwhere(~np.isclose(new, old, rtol=0, atol=0)) if getattr(new, "shape", None) == old.shape else []
            modified[key] = tuple(int(i) for i in diff[0]) if len(diff) else ()
    return outputs, modified


def _fmt_index(ix: tuple) -> str:
    return ", ".join(str(i) for i in ix)


def diagnose(got: np.ndarray, exp: np.ndarray, *, batch_size: int | None = None) -> str | None:
    """A one-line guess at the usual mistakes that turn ``exp`` into ``got`` (or None)."""
    close = lambda a, b: a.shape == b.shape and np.allclose(a, b, rtol=1e-5, atol=1e-9)
    if got.shape == exp.shape:
        if np.any(exp != 0) and close(got, -exp):
            return "every entry has the wrong sign: check the sign of a local gradient (or of the update)."
        if got.ndim == 2 and got.shape[0] == got.shape[1] and close(got.T, exp):
            return "the result is transposed: check the order of the factors in the matrix product."
        denom = float(np.vdot(exp, exp))
        if denom > 0 and not np.any(got):
            return None  # all zeros: the exercise's own hint (or verify's fallback) says more
        if denom > 0:
            scale = float(np.vdot(got, exp)) / denom
            if abs(scale - 1) > 1e-3 and close(got, scale * exp):
                named = [(2.0, "off by a factor of 2: is a term counted twice, or a 0.5 missing?"),
                         (0.5, "off by a factor of 1/2: is a factor 2 (or a term) missing?")]
                if batch_size:
                    named = [(1 / batch_size, f"off by a factor of 1/N (N={batch_size}): did you average twice over the batch?"),
                             (float(batch_size), f"off by a factor of N (N={batch_size}): did you forget to divide by the batch size?")] + named
                for factor, text in named:
                    if math.isclose(scale, factor, rel_tol=1e-3):
                        return text
                if exp.size > 1:  # one number is a multiple of any other: only named factors say anything
                    return f"off by a constant factor of {scale:.4g}: check constants such as 2, 0.5 or N."
        return None
    if got.shape == exp.shape[::-1]:
        return "the result has the transposed shape: check the order of the factors in the matrix product."
    if got.ndim == exp.ndim + 1 and got.shape[1:] == exp.shape:
        if close(got.sum(axis=0), exp):
            return "did you forget to sum over the batch (axis 0)?"
        return "it has an extra leading batch dimension: sum over axis 0."
    if got.size == exp.size:
        return "the right number of entries in the wrong shape: reshape to the input's shape."
    return None


def verify(
    spec: Spec,
    case: dict[str, Any],
    outputs: Mapping[str, Any],
    expected: Mapping[str, Any],
    modified: Mapping[str, tuple] | None = None,
) -> list[Row]:
    """Compare the outputs of one case with the expected values.

    Returns one :class:`Row` per output when every output is right; raises
    :class:`CheckFailure` with the message a student sees otherwise. Runs in the grader's
    process: it never calls student code.
    """
    func = spec.name
    for key, ix in (modified or {}).items():
        where = f" (first change at index ({_fmt_index(ix)}))" if ix else ""
        raise CheckFailure(
            f"{func} modified its input `{key}` in place{where}. Never write into an input: "
            f"use `{key} = {key}.copy()` or build a new array instead of `+=`, `*=` or slice assignment."
        )
    n = None
    if spec.batch is not None and isinstance(case.get(spec.batch), np.ndarray) and case[spec.batch].ndim:
        n = int(case[spec.batch].shape[0])
    rows, failures = [], []
    for name, exp_value in expected.items():
        exp = np.asarray(exp_value, dtype=np.float64)
        if name not in outputs:
            raise CheckFailure(f"{func}: {name} is missing from what it returned.")
        got = as_float_array(outputs[name], func, name)
        like = f" like {spec.like[name]}" if name in spec.like else ""
        if got.shape != exp.shape:
            hint = diagnose(got.astype(np.float64), exp, batch_size=n)
            raise CheckFailure(
                f"{func}: {name} has shape {got.shape}, expected {exp.shape}{like}."
                + (f" Hint: {hint}" if hint else "")
            )
        if not np.issubdtype(got.dtype, np.floating) and not np.all(np.mod(exp, 1) == 0):
            raise CheckFailure(
                f"{func}: {name} has dtype {got.dtype}, expected float64. Did you start from an "
                f"integer array (np.zeros(..., dtype=int), integer division, or an int literal)?"
            )
        bad = ~np.isfinite(got)
        if bad.any():
            ix = tuple(int(i) for i in np.argwhere(bad)[0])
            raise CheckFailure(
                f"{func}: {name} contains {float(got[ix])} at index ({_fmt_index(ix)}). Likely cause: "
                "exp of a large number overflowed (shift by the max first), log(0), or 0/0."
            )
        low_precision = got.dtype in (np.float16, np.float32)
        got = got.astype(np.float64)
        err = rel_error(got, exp)
        tol = spec.tolerance(name)
        rows.append(Row(name, err, tol))
        if err > tol:
            failures.append((name, got, exp, low_precision))
    if failures:
        name, got, exp, low_precision = failures[0]
        ratio = np.abs(got - exp) / np.maximum(1e-8, np.abs(got) + np.abs(exp))
        ix = np.unravel_index(int(np.argmax(ratio)), exp.shape) if exp.ndim else ()
        ix = tuple(int(i) for i in ix)
        hint = diagnose(got, exp, batch_size=n)
        if hint is None and low_precision:
            hint = f"{name} was computed in low precision: keep float64 (avoid .astype(np.float32))."
        for test, text in spec.hints:
            if hint is None and test(got, exp, case):
                hint = text
        if hint is None and not np.any(got):
            hint = f"{name} is all zeros: was it computed at all, or left at its initial np.zeros?"
        where = f"[{_fmt_index(ix)}]" if ix else ""
        others = [f[0] for f in failures[1:]]
        also = f" ({', '.join(others)} also wrong.)" if others else ""
        raise CheckFailure(
            f"{func}: {name}{where} is wrong: expected {exp[ix]:.6g}, got {got[ix]:.6g} "
            f"(rel. error {rows[[r.name for r in rows].index(name)].error:.1e}).{also}\n"
            f"  Hint: {hint or 'compare your formula with the local gradient worked out above.'}"
        )
    return rows


def format_rows(func: str, rows: list[Row]) -> str:
    """The aligned table a check prints: quantity, relative error, tolerance, PASS/FAIL."""
    width = max([len(func)] + [len(r.name) + 2 for r in rows])
    lines = [f"{func:<{width}}  {'rel. error':>10}  {'tolerance':>9}"]
    for r in rows:
        lines.append(f"  {r.name:<{width - 2}}  {r.error:>10.1e}  {r.tol:>9.0e}  {'PASS' if r.ok else 'FAIL'}")
    return "\n".join(lines)


def run_check(spec: Spec, student: Mapping[str, Any], *, seed: int = 0, verbose: bool = True) -> list[Row]:
    """Run a check in this process: call the student's code, compare, print the verdict.

    Raises CheckFailure (an AssertionError) on the first wrong case, after printing the
    table of what was compared.
    """
    missing = [a for a in spec.args if a not in student]
    if missing:
        raise TypeError(f"check for {spec.name} needs {', '.join(missing)}; pass them by keyword.")
    all_rows: dict[str, Row] = {}
    for case in spec.cases(seed):
        outputs, modified = run_student(spec, student, case)
        try:
            rows = verify(spec, case, outputs, spec.expected(copy.deepcopy(case)), modified)
        except CheckFailure as failure:
            table = _failure_table(spec, case, outputs)
            if verbose and table:
                print(table)
            raise failure from None
        for r in rows:
            if r.name not in all_rows or r.error > all_rows[r.name].error:
                all_rows[r.name] = r
    rows = list(all_rows.values())
    if verbose:
        print(format_rows(spec.name, rows))
        worst = max((r.error for r in rows), default=0.0)
        what = f"{rows[0].name} matches" if len(rows) == 1 else f"all {len(rows)} quantities match"
        print(f"\u2713 {spec.name}: {what} (max rel. error {worst:.1e})")
    return rows


def _failure_table(spec: Spec, case: dict, outputs: Mapping[str, Any]) -> str:
    """Best-effort table of every quantity for a failed case (skipping unusable ones)."""
    rows = []
    for name, exp in spec.expected(copy.deepcopy(case)).items():
        try:
            got = as_float_array(outputs.get(name), spec.name, name).astype(np.float64)
            exp = np.asarray(exp, dtype=np.float64)
            if got.shape == exp.shape and np.all(np.isfinite(got)):
                rows.append(Row(name, rel_error(got, exp), spec.tolerance(name)))
        except CheckFailure:
            pass
    return format_rows(spec.name, rows) if rows else ""
