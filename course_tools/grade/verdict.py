"""Turn what a kernel sent back into points and messages, in the grader's process.

Every comparison happens here, with expected values computed by the course's reference code
in this process: the kernel only ever sent the student's outputs (and its inputs as the
student's code left them). A test earns its points only if every case of every call passes
``verify``, the answer did not call the function it should have written, and it left the
call tracing alone.

A visible test's failure is reported with the check's own message (what the student saw in
the notebook). A hidden test's failure says which quantity is wrong and why, but never the
expected values or shapes, nor the test's code or inputs.
"""
from __future__ import annotations

import re
from typing import Any

import numpy as np

from course_utils.checks import REGISTRY, CheckFailure, as_float_array, diagnose, verify
from course_utils.gradcheck import rel_error
from . import transport
from .plan import Call, Test

__all__ = ["evaluate", "fail_test"]


def _modified(before: dict, after: dict) -> dict[str, tuple]:
    """Inputs the student's code changed in place, with the first changed index (as run_student)."""
    changed = {}
    for key, old in before.items():
        if not isinstance(old, np.ndarray):
            continue
        new = after.get(key)
        if not isinstance(new, np.ndarray) or new.shape != old.shape or not np.array_equal(new, old, equal_nan=True):
            diff = np.argwhere(new != old) if isinstance(new, np.ndarray) and new.shape == old.shape else []
            changed[key] = tuple(int(i) for i in diff[0]) if len(diff) else ()
    return changed


def _redact(hint: str | None) -> str | None:
    """A hint without the numbers that would give a hidden case's expected values away."""
    if hint is None:
        return None
    hint = re.sub(r"constant factor of \S+?:", "constant factor:", hint)
    return re.sub(r" \(N=\d+\)", "", hint)


def _hidden_reason(spec, case: dict, outputs: dict, expected: dict, modified: dict, failure: CheckFailure) -> str:
    """Why a hidden case failed, without its expected values or shapes."""
    func = spec.name
    if modified:
        return str(failure).split("\n")[0]
    n = None
    if spec.batch is not None and isinstance(case.get(spec.batch), np.ndarray) and case[spec.batch].ndim:
        n = int(case[spec.batch].shape[0])
    for name, exp_value in expected.items():
        exp = np.asarray(exp_value, dtype=np.float64)
        if name not in outputs:
            break
        try:
            got = as_float_array(outputs[name], func, name)
        except CheckFailure:
            break
        if got.shape != exp.shape:
            hint = _redact(diagnose(got.astype(np.float64), exp, batch_size=n))
            return f"{func}: {name} has the wrong shape {got.shape}." + (f" Hint: {hint}" if hint else "")
        if not np.all(np.isfinite(got)) or got.dtype.kind not in "fc":
            break
        got = got.astype(np.float64)
        err, tol = rel_error(got, exp), spec.tolerance(name)
        if err > tol:
            hint = _redact(diagnose(got, exp, batch_size=n))
            for test, text in spec.hints:
                if hint is None and test(got, exp, case):
                    hint = text
            return (f"{func}: {name} is wrong (rel. error {err:.1e}, tolerance {tol:.0e})."
                    + (f" Hint: {hint}" if hint else ""))
    return str(failure).split("\n")[0]  # messages about the student's own output (None, dtype, nan, in-place)


def _exception(err: dict, call: Call, plan, context: dict) -> str:
    etype, message = str(err.get("etype", "Exception")), str(err.get("message", ""))
    where = err.get("where") if isinstance(err.get("where"), dict) else None
    at = f" (answer cell `{where.get('cell')}`, line {where.get('line')}: `{where.get('code')}`)" if where else ""
    if etype == "NameError":
        for arg, expr in call.args.items():
            for gid in plan.answers:
                if expr in plan.defined_by(gid) and f"'{expr}'" in message:
                    why = context.get(gid, f"your answer cell `{gid}` did not define it")
                    return f"`{expr}` is not defined: {why}."
    if etype == "NotImplementedError":
        return f"NotImplementedError{at}: this exercise is not filled in yet."
    if etype == "SystemExit":
        return f"your code called sys.exit(){at}; a graded function must return its result."
    return f"{etype}: {message}{at}"


def _reference_message(spec) -> str:
    refs = ", ".join(f"`{r}`" for r in spec.reference) or "the course's implementation"
    return (f"your answer calls the course's own implementation of the function this exercise asks you to write "
            f"({refs}); write it yourself. No points for this test.")


def evaluate(test: Test, results: Any, arrays: dict, plan, context: dict) -> dict:
    """Points and messages of one test from the kernel's results (already read from disk)."""
    calls = results.get("calls") if isinstance(results, dict) else None
    if not isinstance(calls, list) or len(calls) != len(test.calls):
        return fail_test(test, "the grader could not read what your code returned.")
    messages, passed, hidden_no = [], True, 0
    for call, rec in zip(test.calls, results["calls"]):
        hidden_no += call.hidden
        label = f"hidden test {hidden_no}" if call.hidden else "test"
        spec = REGISTRY[call.check]
        message = None
        try:
            message = _call_failure(call, rec, spec, arrays, plan, context)
        except (transport.TransportError, TypeError, KeyError, ValueError, AttributeError):
            message = "the grader could not read what your code returned."
        except Exception as e:  # outputs that make the comparison itself fail
            message = f"the grader could not compare what your code returned ({e.__class__.__name__})."
        passed = passed and not message
        messages.append({"test": label, "passed": not message, "message": message or ""})
    return {"points": test.points if passed else 0.0, "max": test.points, "passed": passed, "messages": messages,
            "errors": _raised(results["calls"])}


def _raised(calls: list) -> list[str]:
    """The exception types the student's code raised in a test (for the run's status)."""
    try:
        errors = [rec.get("error") for rec in calls if isinstance(rec, dict)]
        errors += [c.get("error") for rec in calls if isinstance(rec, dict) for c in rec.get("cases", [])
                   if isinstance(c, dict)]
        return sorted({str(e.get("etype"))[:80] for e in errors if isinstance(e, dict)})
    except (TypeError, AttributeError):
        return []


def _call_failure(call: Call, rec: dict, spec, arrays: dict, plan, context: dict) -> str | None:
    if "error" in rec:
        return _exception(rec["error"], call, plan, context)
    cases = rec["cases"]
    if len(cases) != len(call.cases):
        raise transport.TransportError("wrong number of cases")
    for case, expected, crec in zip(call.cases, call.expected, cases):
        hits = set(crec.get("references") or ())
        if hits - {k[1] for k in plan.references[call.check]}:
            return ("your code runs the check's own computation of the expected values instead of an answer "
                    "of its own; no points for this test.")
        if hits:
            return _reference_message(spec)
        if crec.get("tampered"):
            return "your code switched off the grader's call tracing (sys.setprofile); no points for this test."
        if "error" in crec:
            return _exception(crec["error"], call, plan, context)
        outputs = {str(k): transport.decode_output(d, arrays) for k, d in crec["outputs"].items()}
        after = {str(k): transport.decode_output(d, arrays) for k, d in crec["inputs"].items()}
        for name in expected:
            value = outputs.get(name)
            if isinstance(value, transport.TooLarge):
                return f"{spec.name}: {name} has shape {value.shape}, far more entries than expected."
            if isinstance(value, transport.BadDtype):
                return f"{spec.name}: {name} has dtype {value.dtype}, expected float64 numbers."
        modified = _modified(case, after)
        try:
            verify(spec, case, outputs, expected, modified)
        except CheckFailure as failure:
            return _hidden_reason(spec, case, outputs, expected, modified, failure) if call.hidden else str(failure)
    return None


def fail_test(test: Test, reason: str) -> dict:
    """A test that could not run (the kernel stopped, timed out, ...): no points, one reason."""
    return {"points": 0.0, "max": test.points, "passed": False,
            "messages": [{"test": "all tests", "passed": False, "message": reason}]}
