"""The machinery behind every student-facing check.

A check is a :class:`Spec`: it makes test inputs (``cases``), calls the student's code on
them (``call``) and computes the expected values with the course's reference code
(``expected``). The three are kept apart on purpose: in a notebook, :func:`run_check` does all
three in one process and prints a verdict; the autograder runs only ``call`` in the student's
kernel and compares in its own process, so expected values never meet student code. Both
judge with :func:`verify`, whose one :class:`~._failure.Failure` each words its own way.

A verdict goes shapes first, then one aligned row per quantity (relative error, tolerance,
PASS/FAIL), then, on failure, an ``AssertionError`` that names the function, the worst index,
expected vs got, and a hint about the likely cause.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..gradcheck import rel_error
from ._failure import (
    CheckArgumentError,
    CheckFailure,
    Failure,
    NotFilledIn,
    changed_inputs,
    check_code_error,
    code_name,
    describe_line,
    student_frames,
)
from ._hints import Hint, always, diagnose, numpy_hint, pick, precision_hint

__all__ = [
    "Spec",
    "Row",
    "Hint",
    "CheckFailure",
    "Failure",
    "run_check",
    "run_student",
    "verify",
    "diagnose",
    "as_float_array",
]


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
    - hints: the check's :class:`~._hints.Hint` s, each a named cause with its code. For a wrong
      value, hints bound to the wrong output (``quantity``) are tried first, then the generic
      diagnosis (:func:`~._hints.diagnose`), then the unbound ones; hints of the other kinds
      (``on``: shape, nonfinite, raised, inplace) are tried before the generic ones.
    - reference: dotted names of course functions a graded answer must not simply call.
    - point: names of inputs printed, at the failing index, when a value is wrong
      (``at x=-1.25, y=3.5``), so that a student can redo that point by hand; meant for
      checks that call scalar code once per entry of 1-D inputs. Never shown for hidden tests.
    - derive(case, outputs) -> outputs: course code applied to what ``call`` returned, before the
      comparison (e.g. the course's backward pass run on the student's cache). It runs where the
      expected values are computed: in the notebook right after ``call``, in the grader's own
      process when grading, so the course's implementation never has to be in a graded kernel.
    - hints_first: try ``hints`` before the generic diagnosis (for hints that name a cause more
      precisely than "off by a constant factor", e.g. a hard-coded learning rate).
    """

    name: str
    args: tuple[str, ...]
    cases: Callable[[int], list[dict[str, Any]]]
    call: Callable[[Mapping[str, Any], dict[str, Any]], dict[str, Any]]
    expected: Callable[[dict[str, Any]], dict[str, Any]]
    tol: float | Mapping[str, float] = 1e-7
    like: Mapping[str, str] = field(default_factory=dict)
    batch: str | None = None
    hints: tuple[Hint, ...] = ()
    reference: tuple[str, ...] = ()
    point: tuple[str, ...] = ()
    derive: Callable[[dict[str, Any], dict[str, Any]], dict[str, Any]] | None = None
    hints_first: bool = False

    def tolerance(self, output: str) -> float:
        return self.tol if isinstance(self.tol, (int, float)) else self.tol.get(output, 1e-7)

    def batch_size(self, case: Mapping[str, Any]) -> int | None:
        """N, the first dimension of the ``batch`` input (None without one)."""
        x = case.get(self.batch) if self.batch is not None else None
        return int(x.shape[0]) if isinstance(x, np.ndarray) and x.ndim else None

    def hint_for_error(self, case: Mapping[str, Any], message: str) -> Hint | None:
        """The hint for numpy's ValueError or IndexError raised in the student's code: the check's
        own (``on="raised"``), else numpy's usual ones."""
        return pick(self.hints, "raised", message, None, case) or numpy_hint(message)

    def code(self, failure: Failure) -> str:
        """The failure's ``<exercise>.<cause>`` code in this check."""
        return failure.code(self.name)


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
        raise CheckFailure(Failure(func, "none", name))
    if isinstance(value, (np.ndarray, float, int, np.floating, np.integer)) and not isinstance(value, bool):
        arr = np.asarray(value)
    else:
        try:
            arr = np.asarray(value, dtype=np.float64)
        except (TypeError, ValueError):
            raise CheckFailure(Failure(func, "type", name, got=type(value).__name__)) from None
    if arr.dtype == object or not (np.issubdtype(arr.dtype, np.number)):
        hint, cause = (_BOOLEANS, "boolean_mask") if arr.dtype == bool else (_NOT_NUMBERS, "not_numbers")
        raise CheckFailure(Failure(func, "dtype", name, got=str(arr.dtype), hint=hint, cause=cause))
    return arr


def run_student(spec: Spec, student: Mapping[str, Any], case: dict[str, Any]) -> tuple[dict, dict]:
    """Call the student's code on one case (in whatever process it lives in).

    Returns ``(outputs, modified)``: the raw outputs, and for every input array the student
    changed in place, the first index that changed. An exercise not filled in yet raises
    :class:`~._failure.NotFilledIn`; numpy's ValueError or an IndexError raised in the
    student's code becomes a CheckFailure naming the student's line, with a hint; any other
    error of the student's code is raised as it is, its traceback starting at the student's code.
    """
    __tracebackhide__ = True
    work = copy.deepcopy(case)
    try:
        outputs = spec.call(student, work)
    except CheckFailure:
        raise
    except Exception as exc:
        raise student_error(spec, case, exc) from None
    if not isinstance(outputs, dict):
        raise TypeError(f"check {spec.name}: call must return a dict, got {type(outputs).__name__}")
    if spec.derive is not None:
        outputs = spec.derive(case, outputs)
    return outputs, changed_inputs(case, work)


def student_error(spec: Spec, case: Mapping[str, Any], exc: Exception) -> BaseException:
    """The exception to raise for an error that came out of ``spec.call`` (see :func:`run_student`)."""
    first, own = student_frames(exc.__traceback__, tuple(filter(None, [getattr(spec.call, "__code__", None)])))
    error = f"{type(exc).__name__}: {exc}".rstrip(": ")
    if not own:  # raised in the check's own code (or a library it called): by what the student's code returned
        return CheckFailure(check_code_error(spec.name, error)) if isinstance(exc, (TypeError, ValueError)) else exc
    name = code_name(own[0].tb_frame.f_code) or spec.name
    if isinstance(exc, NotImplementedError) and own[-1].tb_next is None:
        # raised by the student's own code (not by a course function it called): that function is blank
        return NotFilledIn(Failure(code_name(own[-1].tb_frame.f_code) or name, "blank"))
    if isinstance(exc, (ValueError, IndexError)):
        hint = spec.hint_for_error(case, str(exc))
        return CheckFailure(
            Failure(
                name,
                "exception",
                raised=error,
                where=describe_line(own[-1]),
                hint=hint.text(str(exc), None, case) if hint else None,
                cause=hint.code if hint else None,
            )
        )
    return exc.with_traceback(first)


def verify(
    spec: Spec,
    case: dict[str, Any],
    outputs: Mapping[str, Any],
    expected: Mapping[str, Any],
    modified: Mapping[str, tuple] | None = None,
) -> list[Row]:
    """Compare the outputs of one case with the expected values.

    Returns one :class:`Row` per output when every output is right; raises
    :class:`CheckFailure` carrying a :class:`~._failure.Failure` otherwise. Runs in the
    grader's process: it never calls student code.
    """
    func = spec.name
    hints = spec.hints
    for key, ix in (modified or {}).items():
        h = pick(hints, "inplace", key, None, case)
        hint = h.text(key, None, case) if h else None
        raise CheckFailure(Failure(func, "inplace", key, index=ix, hint=hint, cause=h.code if h else None))
    n = spec.batch_size(case)
    rows, failures = [], []
    for name, exp_value in expected.items():
        exp = np.asarray(exp_value, dtype=np.float64)
        if name not in outputs:
            raise CheckFailure(Failure(func, "missing", name))
        got = as_float_array(outputs[name], func, name)
        if got.shape != exp.shape:
            h = pick(hints, "shape", got, exp, case, quantity=name)
            h = h or diagnose(got.astype(np.float64), exp, batch_size=n)
            raise CheckFailure(
                Failure(
                    func,
                    "shape",
                    name,
                    expected=exp.shape,
                    got=got.shape,
                    like=spec.like.get(name),
                    hint=h.text(got, exp, case) if h else None,
                    cause=h.code if h else None,
                )
            )
        if not np.issubdtype(got.dtype, np.floating) and not np.all(np.mod(exp, 1) == 0):
            raise CheckFailure(
                Failure(
                    func,
                    "dtype",
                    name,
                    got=str(got.dtype),
                    hint=(
                        "start from a float array: np.zeros(shape) rather than dtype=int, / rather than //, "
                        "and 0.0 rather than 0 as an accumulator's first value."
                    ),
                    cause="integer_dtype",
                )
            )
        bad = ~np.isfinite(got)
        if bad.any():
            ix = tuple(int(i) for i in np.argwhere(bad)[0])
            h = pick(hints, "nonfinite", got, exp, case, quantity=name)
            hint = h.text(got, exp, case) if h else _NONFINITE
            raise CheckFailure(
                Failure(func, "nonfinite", name, index=ix, got=got[ix], hint=hint, cause=h.code if h else None)
            )
        dtype = got.dtype
        got = got.astype(np.float64)
        rows.append(Row(name, rel_error(got, exp), spec.tolerance(name)))
        if not rows[-1].ok:
            failures.append((name, got, exp, dtype, rows[-1]))
    if failures:
        name, got, exp, dtype, row = failures[0]
        raise CheckFailure(_wrong_value(spec, hints, case, name, got, exp, dtype, row, failures[1:]))
    return rows


def _wrong_value(spec: Spec, hints: tuple, case: dict, name: str, got, exp, dtype, row: Row, others: list) -> Failure:
    """The Failure of a wrong output, with the first hint that explains it (the order: ``Spec.hints``)."""
    ratio = np.abs(got - exp) / np.maximum(1e-8, np.abs(got) + np.abs(exp))
    ix = tuple(int(i) for i in np.unravel_index(int(np.argmax(ratio)), exp.shape)) if exp.ndim else ()
    h = pick(hints, "value", got, exp, case, quantity=name, bound=None if spec.hints_first else True)
    h = h or diagnose(got, exp, batch_size=spec.batch_size(case)) or precision_hint(got, exp, dtype, name)
    h = h or pick(hints, "value", got, exp, case, quantity=name, bound=False)
    if h is None and not np.any(got):
        h = Hint(
            "all_zeros",
            always,
            f"{name} is all zeros: was it computed at all, or left at its initial np.zeros? Check that "
            f"the line computing it writes into {name} (not into a copy or another name) and runs.",
        )
    return Failure(
        spec.name,
        "value",
        name,
        index=ix,
        expected=float(exp[ix]),
        got=float(got[ix]),
        error=row.error,
        tol=row.tol,
        hint=h.text(got, exp, case)
        if h
        else f"work out {name}{list(ix) if ix else ''} by hand from the formula above and compare each "
        "intermediate value with yours (print them).",
        others=tuple(f[0] for f in others),
        point=_point(spec, case, ix),
        cause=h.code if h else None,
    )


_NOT_NUMBERS = (
    "an array of dtype object holds arrays of different shapes, or None, instead of numbers: start "
    "from np.zeros(shape) and write a number into each entry."
)
_BOOLEANS = (
    "an array of True/False is what a comparison such as x > 0 gives (a mask): use it to pick or multiply "
    "the numbers it selects instead of returning it."
)
_NONFINITE = (
    "an exp() overflowed, or something was divided by 0 or logged at 0: subtract each row's max from the "
    "scores before np.exp (shift by the max: the softmax does not change), and check what each division "
    "and log gets."
)


def _point(spec: Spec, case: Mapping[str, Any], ix: tuple) -> tuple[tuple[str, Any], ...]:
    """The inputs named in ``spec.point`` at the failing index (to redo that point by hand)."""
    point = []
    for name in spec.point:
        value = np.asarray(case.get(name))
        if value.ndim:
            try:
                value = value[ix[: value.ndim]]
            except IndexError:
                continue
        if value.ndim == 0 and np.issubdtype(value.dtype, np.number):
            point.append((name, value.item()))
    return tuple(point)


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
    __tracebackhide__ = True
    missing = [a for a in spec.args if a not in student]
    if missing:
        raise CheckArgumentError(f"check for {spec.name} needs {', '.join(missing)}; pass them by keyword.")
    all_rows: dict[str, Row] = {}
    for case in spec.cases(seed):
        try:
            outputs, modified = run_student(spec, student, case)
        except CheckFailure as failure:
            failure.code = spec.code(failure.failure)
            raise
        try:
            rows = verify(spec, case, outputs, spec.expected(copy.deepcopy(case)), modified)
        except CheckFailure as failure:
            failure.code = spec.code(failure.failure)
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


def pair(func: str, result: Any, names: str = "(out, cache)") -> Any:
    """The student's result if it is a pair (tuple or list of two), else a CheckFailure saying what it is."""
    if not isinstance(result, (tuple, list)) or len(result) != 2:
        kind = f"tuple of {len(result)}" if isinstance(result, tuple) else type(result).__name__
        raise CheckFailure(f"{func} must return the pair {names}, got a {kind}.", cause="not_a_pair")
    return result
