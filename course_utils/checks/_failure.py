"""What a failed check found, and the two ways of saying it.

A check that finds the student's code wrong builds one :class:`Failure`: which function,
which quantity, what kind of mistake, where, expected vs got, and a hint with its cause (the
code of the :class:`~._hints.Hint` that was picked; None: the generic cause of the kind). It is
raised as a :class:`CheckFailure` (an ``AssertionError``) and said in one of two ways:

- :func:`render`, the notebook's message: everything, with the values at the worst index;
- :func:`render_hidden`, the autograder's message for a hidden test: what is wrong and why,
  but no expected values, no shapes and no inputs (numbers in hints are blanked out).

Notes: in IPython and Jupyter a ``CheckFailure`` shows as its message alone, without the
frames of the course code that raised it (``_render_traceback_``), because those frames say
nothing to a student and push the message off the screen.
"""

from __future__ import annotations

import linecache
import os
import re
import sysconfig
import types
from dataclasses import dataclass
from typing import Any

import numpy as np

from ._hints import cause_code, diagnose, numpy_hint, precision_hint

__all__ = [
    "Failure",
    "CheckFailure",
    "NotFilledIn",
    "CheckArgumentError",
    "render",
    "render_hidden",
    "diagnose",
    "check_code_error",
    "numpy_hint",
    "precision_hint",
    "student_frames",
    "changed_inputs",
    "code_name",
    "describe_line",
]

KINDS = (
    "blank",
    "exception",
    "signature",
    "returned",
    "message",
    "missing",
    "none",
    "type",
    "dtype",
    "shape",
    "nonfinite",
    "value",
    "inplace",
)
_HERE = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))  # the course_utils package
_LIBRARIES = tuple({os.path.abspath(sysconfig.get_paths()[k]) for k in ("stdlib", "purelib", "platlib")})


@dataclass
class Failure:
    """One mistake found by a check, before it is put into words.

    - function: the student's function (or class) at fault, as the student named it.
    - kind: one of ``KINDS``: ``blank`` (NotImplementedError: not filled in yet),
      ``exception`` (the student's code raised; ``raised`` and ``where`` say what and where),
      ``signature`` (the function cannot be called with the exercise's arguments; ``raised``),
      ``returned`` (what it returned could not be taken apart by the check; ``raised``),
      ``message`` (a notebook's check module wrote the whole text, in ``text``), ``missing``,
      ``none``, ``type``, ``dtype``, ``shape``, ``nonfinite``, ``value`` (a number is wrong),
      ``inplace`` (an input was modified; ``quantity`` names the input).
    - quantity: the output (or, for ``inplace``, the input) concerned.
    - index: the worst (or first) index into it; ``()`` for a scalar.
    - expected, got: the values at ``index`` (``value``); the shapes (``shape``); ``got`` alone
      holds the dtype (``dtype``), the type name (``type``) or the bad value (``nonfinite``).
    - error, tol: the relative error of the quantity and its tolerance (``value``).
    - hint: the likely cause and what to do, in one sentence.
    - like: the input an output should be shaped like (``shape``).
    - others: other quantities that are wrong too (``value``).
    - point: ``(input name, value)`` pairs of the inputs at ``index`` (``value``, from
      ``Spec.point``).
    - raised: ``"ValueError: <what it said>"`` (``exception``, ``signature``, ``returned``).
    - where: the student's line that raised it (``exception``).
    - text: for ``message``, the text as the check module wrote it.
    - cause: the named cause (a hint's code, snake_case), decided with the hint; None: the
      generic cause of ``kind`` (``_hints.GENERIC``). The code a report counts is
      ``<exercise>.<cause>`` (:meth:`code`).
    """

    function: str
    kind: str
    quantity: str | None = None
    index: tuple[int, ...] = ()
    expected: Any = None
    got: Any = None
    error: float | None = None
    tol: float | None = None
    hint: str | None = None
    like: str | None = None
    others: tuple[str, ...] = ()
    point: tuple[tuple[str, Any], ...] = ()
    raised: str | None = None
    where: str | None = None
    text: str | None = None
    cause: str | None = None

    def __post_init__(self):
        if isinstance(self.error, str) and self.raised is None:  # the exception's text given as error=
            self.raised, self.error = self.error, None

    def code(self, exercise: str) -> str:
        """``<exercise>.<cause>`` for the check named ``exercise``: every failure has exactly one."""
        return cause_code(exercise, self.cause, self.kind)


class CheckFailure(AssertionError):
    """A check found the student's code wrong; the message says what, where and why.

    Raised with a :class:`Failure` (``.failure``) or, by a notebook's check module, with the
    message itself (kept as a Failure of kind ``message``) and its ``cause``. ``code``, the
    failure's ``<exercise>.<cause>``, is set by the check that reports it (None until then).
    """

    def __init__(self, failure: Failure | str, cause: str | None = None):
        if not isinstance(failure, Failure):
            failure = Failure(function="", kind="message", text=str(failure), cause=cause)
        elif cause is not None:
            failure.cause = cause
        self.failure = failure
        self.code: str | None = None
        super().__init__(render(failure))

    def _render_traceback_(self) -> list[str]:
        """What IPython shows: the message alone, not the course's frames (see the module notes)."""
        return _red(str(self).splitlines())


class NotFilledIn(CheckFailure, NotImplementedError):
    """An exercise still raises NotImplementedError (it is also one, for code that expects that)."""


class CheckArgumentError(TypeError):
    """A check called with the wrong arguments; in IPython, one line without the check's frames."""

    def _render_traceback_(self) -> list[str]:
        return _red([f"TypeError: {self}"])


def _red(lines: list[str]) -> list[str]:
    return [f"\x1b[0;31m{lines[0]}\x1b[0m", *lines[1:]] if lines else lines


def _ix(ix: tuple) -> str:
    return ", ".join(str(i) for i in ix)


def _number(v: Any) -> str:
    """An input value at 6 significant digits: enough to redo the point by hand, short to read."""
    return f"{float(v):.6g}"


def _digits(expected: float, got: float) -> tuple[str, str]:
    """expected and got with 6 significant digits, or as many more as it takes to tell them apart."""
    for d in range(6, 18):
        e, g = f"{expected:.{d}g}", f"{got:.{d}g}"
        if e != g:
            return e, g
    return repr(float(expected)), repr(float(got))


def _hint(text: str | None) -> str:
    return f"\n  Hint: {text}" if text else ""


def render(f: Failure) -> str:
    """The message a student sees in the notebook."""
    func, q = f.function, f.quantity
    if f.kind == "message":
        return f.text or ""
    if f.kind == "blank":
        return f'{func} is not filled in yet: write your code in its cell, in place of "raise NotImplementedError()".'
    if f.kind == "exception":
        where = f"\n  at {f.where}" if f.where else ""
        return f"{func} raised {f.raised}{where}{_hint(f.hint)}"
    if f.kind == "signature":
        return (
            f"{func} cannot be called with the exercise's arguments ({f.raised}).\n  Hint: keep the first "
            "line of the function (its def and its arguments) as the exercise gives it."
        )
    if f.kind == "returned":
        return (
            f"{func} returned something the check cannot use ({f.raised}).\n  Hint: return exactly what the "
            "exercise asks for, in that order (did you forget a `return`?)."
        )
    if f.kind == "inplace":
        where = f" (first change at index ({_ix(f.index)}))" if f.index else ""
        advice = f.hint or (f"use `{q} = {q}.copy()` or build a new array instead of `+=`, `*=` or slice assignment.")
        return f"{func} modified its input `{q}` in place{where}. Never write into an input: {advice}"
    if f.kind == "missing":
        return f"{func}: {q} is missing from what it returned."
    if f.kind == "none":
        return f"{func}: {q} is None. Did you forget a `return`, or to assign {q}?"
    if f.kind == "type":
        return f"{func}: {q} is a {f.got}, expected a number or a numpy array."
    if f.kind == "dtype":
        return f"{func}: {q} has dtype {f.got}, expected float64 numbers.{_hint(f.hint)}"
    if f.kind == "shape":
        like = f" like {f.like}" if f.like else ""
        return f"{func}: {q} has shape {tuple(f.got)}, expected {tuple(f.expected)}{like}.{_hint(f.hint)}"
    if f.kind == "nonfinite":
        return f"{func}: {q} contains {_number(f.got)} at index ({_ix(f.index)}).{_hint(f.hint)}"
    if f.kind == "value":
        where = f"[{_ix(f.index)}]" if f.index else ""
        at = f" at {', '.join(f'{k}={_number(v)}' for k, v in f.point)}" if f.point else ""
        e, g = _digits(f.expected, f.got)
        also = f" ({', '.join(f.others)} also wrong.)" if f.others else ""
        return (
            f"{func}: {q}{where} is wrong{at}: expected {e}, got {g} "
            f"(rel. error {f.error:.1e}, tolerance {f.tol:.0e}).{also}{_hint(f.hint)}"
        )
    raise ValueError(f"unknown kind of failure {f.kind!r}")


def _redact(text: str | None) -> str | None:
    """A text without the numbers that would give a hidden case's values or sizes away."""
    if text is None:
        return None
    text = re.sub(r"constant factor of \S+?:", "constant factor:", text)
    text = re.sub(r" \((?:N|D|M|C)=\d+\)", "", text)
    text = re.sub(r"\((?:\s*\d+\s*,)+\s*\d*\s*\)", "(...)", text)  # shapes such as (4, 5) or (6,)
    return re.sub(r"(size|sizes|dimension|index|axis \d+ with size|different from) \d+", r"\1 ...", text)


def render_hidden(f: Failure) -> str:
    """The autograder's message for a hidden test: what and why, never the values, shapes or inputs."""
    func, q = f.function, f.quantity
    if f.kind == "message":  # written by a check module: its first line, without numbers, and its hint
        first, *rest = (f.text or "").split("\n")
        first = re.sub(r"-?\d*\.\d+(?:e[-+]?\d+)?|-?\d+e[-+]?\d+", "...", _redact(first) or "")
        return first + "".join(
            _hint(_redact(line.strip()[len("Hint: ") :])) for line in rest if line.strip().startswith("Hint: ")
        )
    if f.kind == "exception":
        where = f"\n  at {f.where}" if f.where else ""
        return f"{func} raised {_redact(f.raised)}{where}{_hint(_redact(f.hint))}"
    if f.kind in ("signature", "returned"):
        return render(Failure(func, f.kind, raised=_redact(f.raised)))
    if f.kind == "inplace":
        return render(Failure(func, "inplace", q, hint=f.hint))
    if f.kind == "shape":
        return f"{func}: {q} has the wrong shape.{_hint(_redact(f.hint))}"
    if f.kind == "nonfinite":
        return f"{func}: {q} contains {_number(f.got)}.{_hint(f.hint)}"
    if f.kind == "value":
        also = f" ({', '.join(f.others)} also wrong.)" if f.others else ""
        return f"{func}: {q} is wrong (rel. error {f.error:.1e}, tolerance {f.tol:.0e}).{also}{_hint(_redact(f.hint))}"
    return render(f)  # blank, missing, none, type, dtype: nothing of the test in them


def check_code_error(function: str, error: str) -> Failure:
    """An error raised in a check's own code, not the student's: by a call or by what came back.

    ``error`` is ``"TypeError: <message>"``: a call with the wrong arguments (``f() takes 2
    positional arguments but 3 were given``) means the student changed the function's
    arguments; anything else, that its result could not be unpacked or used.
    """
    if re.search(r"\(\) (takes|missing|got an unexpected|got multiple)", error):
        return Failure(function, "signature", raised=error)
    return Failure(function, "returned", raised=error)


def changed_inputs(before: dict[str, Any], after: dict[str, Any]) -> dict[str, tuple]:
    """Inputs the student's code changed in place, with the first index that changed.

    A NaN left where it was is no change; a NaN written over a number is one. An array
    replaced by something else (or reshaped) counts as changed, with no index.
    """
    changed: dict[str, tuple[int, ...]] = {}
    for key, old in before.items():
        if not isinstance(old, np.ndarray):
            continue
        new = after.get(key)
        if not isinstance(new, np.ndarray) or new.shape != old.shape:
            changed[key] = ()
            continue
        same = new == old
        if old.dtype.kind in "fc" or new.dtype.kind in "fc":
            same |= np.isnan(new) & np.isnan(old)
        if not np.all(same):
            changed[key] = tuple(int(i) for i in np.argwhere(~same)[0])
    return changed


def _course_file(filename: str) -> bool:
    return os.path.abspath(filename).startswith(_HERE + os.sep)


def _library_file(filename: str) -> bool:
    return os.path.abspath(filename).startswith(_LIBRARIES)


def student_frames(tb: types.TracebackType | None, check_code: tuple = ()) -> tuple[types.TracebackType | None, list]:
    """Where a traceback leaves the check's code, and the student's own frames in it.

    The check's code is ``course_utils`` and the code objects in ``check_code`` (a spec's
    ``call``, wherever it was written). Returns the first traceback entry outside it (None if
    the error arose in the check's code itself) and the entries of the student's code,
    outermost first (neither the check's nor numpy's nor any other installed library's).
    """
    first, own = None, []
    while tb is not None:
        filename = tb.tb_frame.f_code.co_filename
        if not _course_file(filename) and tb.tb_frame.f_code not in check_code:
            first = first or tb
            if not _library_file(filename):
                own.append(tb)
        tb = tb.tb_next
    return first, own


def code_name(code: types.CodeType) -> str | None:
    """The name a student gave a function (``affine_forward``, ``AddGate.backward``); None for a lambda or a cell."""
    name = getattr(code, "co_qualname", code.co_name).rsplit("<locals>.", 1)[-1]
    return None if name.startswith("<") else name


def describe_line(tb: types.TracebackType) -> str:
    """``affine_forward, line 4: `out = x @ w + b` `` for one of the student's frames.

    The line number is the cell's in a notebook, the file's elsewhere (as in a traceback).
    """
    code = tb.tb_frame.f_code
    text = linecache.getline(code.co_filename, tb.tb_lineno).strip()
    where = f"{code_name(code) or 'its cell'}, line {tb.tb_lineno}"
    return f"{where}: `{text}`" if text else where
