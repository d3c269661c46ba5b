"""Turn what a kernel sent back into points and messages, in the grader's process.

Every comparison happens here, with expected values computed by the course's reference code
in this process: the kernel only ever sent the student's outputs (and its inputs as the
student's code left them). A test earns its points only if every case of every call passes
``verify``. An answer that calls the course's own implementation of what it should have
written meets ``ReferenceUnavailable`` (the kernel has only the grading copy, :mod:`stubs`),
and is told so.

A visible test's failure is reported with the check's own message (what the student saw in
the notebook). A hidden test's failure says which quantity is wrong and why, but never the
expected values or shapes, nor the test's code or inputs, nor any text the kernel sent (an
exception's message can carry the hidden inputs: :func:`_hidden_exception`). Both are wordings
of the one ``Failure`` that ``verify`` raises (``render`` and ``render_hidden`` in
course_utils.checks): the grader judges nothing its own way.
"""

from __future__ import annotations

import re
from typing import Any, NamedTuple

import numpy as np

from course_utils.checks import (
    REGISTRY,
    CheckFailure,
    Failure,
    cause_code,
    changed_inputs,
    check_code_error,
    render,
    render_hidden,
    verify,
)

from . import transport
from .answers import answer_fingerprint
from .plan import Call, Test
from .results import Message, TestResult

__all__ = ["evaluate", "fail_test", "UNREADABLE"]


_NAME = re.compile(r"[A-Za-z_]\w{0,59}")


class _Said(NamedTuple):
    """A failed call's text, its cause (a bare cause, or a Failure whose cause the check decided),
    and the function it says is blank (for the building-block notes)."""

    text: str
    blank: str | None = None
    cause: str | Failure | None = None

    def code(self, spec) -> str:
        """The call's ``<exercise>.<cause>``, decided here from the grader's own judging."""
        if isinstance(self.cause, Failure):
            return spec.code(self.cause)
        return cause_code(spec.name, self.cause, "message")


def _named_cause(err: dict, etype: str, message: str, function: str, at: str, call: Call, plan, why) -> _Said | None:
    """The causes a visible and a hidden test name in the same words (the grader's): a name the
    answer did not define (``why(gid)`` says why), a blank function, the course's reference or
    a check's expected values (the kernel's record of the error says ``withheld``) called,
    sys.exit. None for any other exception."""
    spec = REGISTRY[call.check]
    if etype == "NameError":
        for expr in call.args.values():
            for gid in plan.answers:
                if expr in plan.defined_by(gid) and f"'{expr}'" in message:
                    return _Said(f"`{expr}` is not defined: {why(gid)}.", cause="undefined_name")
    if etype == "NotImplementedError":
        blank = function.split(".")[0] if re.fullmatch(r"\w+(\.\w+)*", function) else None
        return _Said(render(Failure(function, "blank")), blank, "blank")
    if etype == "ReferenceUnavailable" and err.get("withheld") is True:
        return _Said(
            "your code runs the check's own computation of the expected values, which only the grader "
            "has; no points for this test.",
            cause="calls_expected_values",
        )
    if etype == "ReferenceUnavailable":
        return _Said(_reference_message(spec), cause="calls_reference")
    if etype == "SystemExit":
        return _Said(f"your code called sys.exit(){at}; a graded function must return its result.", cause="exit")
    return None


def _hidden_exception(err: dict, call: Call, plan, case: dict | None) -> _Said:
    """What the student's code raised on a hidden test, in the grader's words alone: an exception's
    message, and any text the kernel sent, may carry the hidden inputs (an answer can put them
    there), so only the exception's type (a plain name), the answer cell and line, the function
    (one the answers define) and which of the check's quantities the message names are used."""
    spec = REGISTRY[call.check]
    etype, message = str(err.get("etype", "")), str(err.get("message", ""))
    etype = etype if _NAME.fullmatch(etype) else "an exception"
    found = err.get("where")
    where = found if isinstance(found, dict) else {}
    cell, line, function = where.get("cell"), where.get("line"), where.get("function")
    at = (
        f" (answer cell `{cell}`, line {line})"
        if cell in plan.answers and isinstance(line, int) and not isinstance(line, bool)
        else ""
    )
    known = isinstance(function, str) and any(function in plan.defined_by(gid) for gid in plan.answers)
    said = _named_cause(
        err,
        etype,
        message,
        function if isinstance(function, str) and known else spec.name,
        at,
        call,
        plan,
        lambda gid: f"your answer cell `{gid}` did not define it (see the visible test)",
    )
    if said:
        return said
    if etype in ("CheckFailure", "NotFilledIn"):
        names = [q for e in call.expected for q in e] + list(call.args)
        named = next((q for q in dict.fromkeys(names) if re.search(rf"\b{re.escape(q)}\b", message)), None)
        return _Said(
            f"{spec.name}: {named} is not what the check expects on a hidden test's inputs."
            if named
            else f"{spec.name}: what it returned on a hidden test's inputs is not what the check expects.",
            cause="returned",  # the kernel's own verdict: its cause is not trusted
        )
    if etype == "TypeError" and not where and case is not None:  # in the check's own code
        failure = check_code_error(spec.name, f"TypeError: {message}")
        return _Said(
            render(Failure(spec.name, failure.kind, raised="TypeError on a hidden test's inputs")), None, failure
        )
    hint = spec.hint_for_error(case, message) if etype in ("ValueError", "IndexError") and case is not None else None
    return _Said(
        f"{spec.name} raised {etype} on a hidden test's inputs{at}; its message is not shown (it could "
        "hold the hidden inputs): run the visible test, or your own inputs, to see it.",
        cause=getattr(hint, "code", None) or "raised",
    )


def _exception(err: dict, call: Call, plan, context: dict, case: dict | None = None) -> _Said:
    """What the student's code raised, in the words of the check's own messages (a hidden test's:
    :func:`_hidden_exception`)."""
    if call.hidden:
        return _hidden_exception(err, call, plan, case)
    etype, message = str(err.get("etype", "Exception")), str(err.get("message", ""))
    where = err.get("where") if isinstance(err.get("where"), dict) else None
    at = f" (answer cell `{where.get('cell')}`, line {where.get('line')}: `{where.get('code')}`)" if where else ""
    spec = REGISTRY[call.check]
    function = str(where.get("function") or "<module>") if where else "<module>"
    function = spec.name if function.startswith("<") else function
    said = _named_cause(
        err,
        etype,
        message,
        function,
        at,
        call,
        plan,
        lambda gid: context.get(gid, f"your answer cell `{gid}` did not define it"),
    )
    if said:
        return said
    if etype in ("CheckFailure", "NotFilledIn"):  # raised by the check's own call, about what the code returned
        # the kernel's words are shown, but its cause is not trusted: the generic one of a result the call refused
        return _Said(render(Failure(spec.name, "message", text=message)), cause="returned")
    if etype in ("TypeError", "ValueError") and where is None and case is not None:  # in the check's own code
        failure = check_code_error(spec.name, f"{etype}: {message}")
        return _Said(render(failure), None, failure)
    if etype in ("ValueError", "IndexError") and case is not None:
        hint = spec.hint_for_error(case, message)
        failure = Failure(
            function,
            "exception",
            raised=f"{etype}: {message}".rstrip(": "),
            where=at[2:-1] or None,
            hint=hint.text(message, None, case) if hint else None,
            cause=hint.code if hint else None,
        )
        return _Said(render(failure), None, failure)
    return _Said(f"{etype}: {message}{at}", cause="raised")


def _reference_message(spec) -> str:
    refs = ", ".join(f"`{r}`" for r in spec.reference) or "the course's implementation"
    return (
        f"your answer calls the course's own implementation of the function this exercise asks you to write "
        f"({refs}), which is not available while grading; write it yourself. No points for this test."
    )


UNREADABLE = "the grader could not read what your code returned."


def evaluate(test: Test, results: Any, arrays: dict, plan, context: dict) -> TestResult:
    """Points and messages of one test from the kernel's results (already read from disk); its
    ``unreadable`` (for the run's status) says whether any of it could not be read."""
    calls = results.get("calls") if isinstance(results, dict) else None
    if not isinstance(calls, list) or len(calls) != len(test.calls):
        return fail_test(test, UNREADABLE, "unreadable").replace(unreadable=True)
    messages, passed, hidden_no, unreadable, cause = [], True, 0, False, None
    for call, rec in zip(test.calls, results["calls"]):
        hidden_no += call.hidden
        label = f"hidden test {hidden_no}" if call.hidden else "test"
        spec = REGISTRY[call.check]
        said = None
        try:
            said = _call_failure(call, rec, spec, arrays, plan, context)
        except (transport.TransportError, TypeError, KeyError, ValueError, AttributeError):
            said, unreadable = _Said(UNREADABLE, cause="unreadable"), True
        except Exception as e:  # outputs that make the comparison itself fail
            said = _Said(
                f"the grader could not compare what your code returned ({e.__class__.__name__}).",
                cause="not_comparable",
            )
        if said is None or not said.text:
            messages.append(Message(label, True, "", None))
            continue
        passed = False
        if cause is None:
            cause = said.code(spec)
        messages.append(Message(label, False, said.text, said.blank))
    return TestResult(
        test.points if passed else 0.0,
        test.points,
        passed,
        tuple(messages),
        tuple(_raised(results["calls"])),
        unreadable=unreadable,
        cause=None if passed else cause,
        answer=None if passed else answer_fingerprint(results["calls"], arrays),
    )


def _raised(calls: list) -> list[str]:
    """The exception types the student's code raised in a test (for the run's status)."""
    try:
        errors = [rec.get("error") for rec in calls if isinstance(rec, dict)]
        errors += [
            c.get("error")
            for rec in calls
            if isinstance(rec, dict)
            for c in rec.get("cases", [])
            if isinstance(c, dict)
        ]
        return sorted({str(e.get("etype"))[:80] for e in errors if isinstance(e, dict)})
    except (TypeError, AttributeError):
        return []


def _call_failure(call: Call, rec: dict, spec, arrays: dict, plan, context: dict) -> _Said | None:
    if "error" in rec:
        return _exception(rec["error"], call, plan, context)
    cases = rec["cases"]
    if len(cases) != len(call.cases):
        raise transport.TransportError("wrong number of cases")
    for case, expected, crec in zip(call.cases, call.expected, cases):
        if "error" in crec:
            return _exception(crec["error"], call, plan, context, case)
        outputs = {str(k): transport.decode_output(d, arrays) for k, d in crec["outputs"].items()}
        after = {str(k): transport.decode_output(d, arrays) for k, d in crec["inputs"].items()}
        limit = size_limit(case, expected)
        outputs = {k: _bounded(v, limit) for k, v in outputs.items()}
        for name, value in outputs.items():  # before any arithmetic, the course's derive included
            if isinstance(value, transport.TooLarge):
                shape = "" if call.hidden else f"shape {value.shape}, "  # the hidden inputs could be written in it
                return _Said(f"{spec.name}: {name} has {shape}far more entries than expected.", cause="too_large")
            if isinstance(value, transport.BadDtype) and name in expected:
                failure = Failure(spec.name, "dtype", name, got=str(value.dtype))
                return _Said(render(failure), None, failure)
        try:
            if spec.derive is not None:  # the check's judging and the course's part of it, here, not in the kernel
                outputs = spec.derive(case, outputs)
            after = {k: _bounded(v, limit) for k, v in after.items()}
            verify(spec, case, outputs, expected, changed_inputs(case, after))
        except CheckFailure as e:
            return _Said(render_hidden(e.failure) if call.hidden else render(e.failure), None, e.failure)
    return None


def size_limit(case: dict, expected: dict) -> int:
    """The most entries any one array the kernel sends back may have for this case: many times the
    largest input or expected output, so an honest answer never meets it, while an array that
    the grader's arithmetic would blow up (a huge cache broadcast against the inputs) is refused."""
    sizes = [np.size(v) for v in (*case.values(), *expected.values()) if isinstance(v, (np.ndarray, float, int))]
    return 16 * max(sizes, default=1) + 1024


def _bounded(value: Any, limit: int) -> Any:
    """``value``, or a TooLarge in its place when it is an array of more than ``limit`` entries."""
    if isinstance(value, np.ndarray) and value.size > limit:
        return transport.TooLarge(value.shape)
    return value


def fail_test(test: Test, reason: str, cause: str = "not_run") -> TestResult:
    """A test that could not run (the kernel stopped, timed out, ...): no points, one reason, and the
    cause ``<exercise>.not_run`` (the run's status says why) or ``cause``."""
    exercise = REGISTRY[test.calls[0].check].name if test.calls else "test"
    message = Message("all tests", False, reason)
    return TestResult(0.0, test.points, False, (message,), cause=cause_code(exercise, cause, "message"))
