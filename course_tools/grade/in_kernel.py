"""The grader's hands inside a student's kernel: call the student's code on the test inputs and
hand back what it returned, nothing more.

This module runs in the student's process, so nothing here decides a grade: it never sees an
expected value and compares nothing. The grader writes each test's inputs to files, runs
``run_test(request, inputs, out)`` in the kernel and reads back the outputs, the inputs as
the student's code left them (the grader decides whether they were modified), and any
exception (type, message, and the answer cell and line it came from).

Nothing here watches the student's code: the kernel imports the course from the grading copy
(:mod:`stubs`), in which the exercises' references and the checks' expected-value code raise
``ReferenceUnavailable``, so there is nothing to watch for. :func:`prepare` also replaces each
check's ``expected`` in the registry (with one that raises a ``ReferenceUnavailable`` that the
exception's record marks ``withheld``), so no working expected-value function is left in reach.

The module stands alone (standard library, numpy and the course's checks): a kernel loads it
from its file, without importing the rest of ``course_tools``.
"""

from __future__ import annotations

import importlib
import json
import linecache
import os
import re
import sys
from typing import Any

import numpy as np

__all__ = ["prepare", "run_test", "decode_input", "encode_output", "MAX_ELEMENTS"]

MAX_ELEMENTS = 1 << 22  # per returned array (32 MB of float64): far above any exercise's outputs
_STATE: dict[str, Any] = {}
_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")


def decode_input(desc: Any, arrays: Any) -> Any:
    """The test input described by ``desc`` (the inverse of ``transport.encode``)."""
    if "v" in desc:
        return np.dtype(desc["np"]).type(desc["v"]) if "np" in desc else desc["v"]
    if "a" in desc:
        return np.array(arrays[desc["a"]])
    if "l" in desc or "t" in desc:
        items = [decode_input(d, arrays) for d in desc.get("l", desc.get("t"))]
        return items if "l" in desc else tuple(items)
    if "d" in desc:
        return {k: decode_input(d, arrays) for k, d in desc["d"]}
    bitgen = getattr(np.random, desc["rng"])()
    bitgen.state = desc["state"]
    return np.random.Generator(bitgen)


def encode_output(value: Any, arrays: dict, key: str) -> dict:
    """Describe one value the student's code returned.

    Numbers and numeric arrays travel as arrays; everything else only by its type name, which
    is all the grader needs to say what is wrong with it.
    """
    if value is None:
        return {"none": True}
    if isinstance(value, np.ndarray):
        arr = value
    elif isinstance(value, (bool, int, float, complex, np.generic, list, tuple)):
        try:
            arr = np.asarray(value, dtype=np.float64) if isinstance(value, (bool, list, tuple)) else np.asarray(value)
        except (TypeError, ValueError, OverflowError):
            return {"type": type(value).__name__[:80]}
    else:
        return {"type": type(value).__name__[:80]}
    if arr.dtype.kind not in "biufc":
        return {"dtype": str(arr.dtype)[:40]}
    if arr.size > MAX_ELEMENTS:
        return {"big": [int(n) for n in arr.shape][:32]}
    arrays[key] = arr
    return {"a": key}


def prepare(plan_path: str) -> None:
    """Import the checks and take their expected-value functions away, before any answer cell runs."""
    with open(plan_path, encoding="utf-8") as f:
        plan = json.load(f)
    for root in plan["paths"]:  # the grading copy of the course (already first on sys.path)
        if root not in sys.path:
            sys.path.insert(0, root)
    for module in plan["modules"]:
        importlib.import_module(module)
    from course_utils.checks import REGISTRY

    for spec in REGISTRY.values():
        spec.expected = _unavailable
    _STATE["specs"] = {name: REGISTRY[name] for name in plan["checks"]}
    _STATE["answers"] = plan["answers"]
    _STATE["cells"] = {}


class _Withheld(RuntimeError):
    """The checks' expected values: the grader's alone (its record says ``withheld``)."""


_Withheld.__name__ = _Withheld.__qualname__ = "ReferenceUnavailable"  # the name the results file gives it


def _unavailable(*args: Any, **kwargs: Any) -> Any:
    raise _Withheld(
        "the checks' expected values are computed by the grader, not in your notebook: your answer must compute "
        "its result itself."
    )


def _text(value: Any, limit: int = 500) -> str:
    try:
        text = str(value)
    except BaseException:  # a student's exception whose __str__ fails
        text = "<unprintable>"
    text = _ANSI.sub("", text)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _answer_cell(filename: str) -> str | None:
    """The grade_id of the answer cell a code file came from (None for any other code)."""
    cells = _STATE["cells"]
    if filename not in cells:
        cells[filename] = None
        if not os.path.isfile(filename) or "ipykernel" in filename or filename.startswith("<"):
            text = "".join(linecache.getlines(filename)).strip()
            shell = _shell()
            for gid, source in _STATE["answers"].items():
                forms = {source.strip()} | ({shell.transform_cell(source).strip()} if shell else set())
                if text and text in forms:
                    cells[filename] = gid
    return cells[filename]


def _shell():
    try:
        from IPython import get_ipython
    except ImportError:
        return None
    return get_ipython()


def _describe(exc: BaseException) -> dict:
    """An exception as the grader needs it: type, message, and where in the answers it arose."""
    where = None
    tb = exc.__traceback__
    while tb is not None:
        gid = _answer_cell(tb.tb_frame.f_code.co_filename)
        if gid is not None:
            line = linecache.getline(tb.tb_frame.f_code.co_filename, tb.tb_lineno).strip()
            code = tb.tb_frame.f_code
            where = {
                "cell": gid,
                "line": tb.tb_lineno,
                "code": _text(line, 200),
                "function": _text(getattr(code, "co_qualname", code.co_name), 80),
            }
        tb = tb.tb_next
    record: dict[str, object] = {"etype": _text(type(exc).__name__, 80), "message": _text(exc), "where": where}
    if isinstance(exc, _Withheld):
        record["withheld"] = True
    return record


def _student_objects(args: dict[str, str], ns: dict) -> dict[str, Any]:
    return {name: eval(compile(expr, "<check arguments>", "eval"), ns) for name, expr in args.items()}


def run_test(request_path: str, inputs_path: str, out: str) -> None:
    """Run one graded test's calls on its inputs; write what came back to ``out``.json/.npz."""
    with open(request_path, encoding="utf-8") as f:
        request = json.load(f)
    with np.load(inputs_path, allow_pickle=False) as npz:
        inputs = dict(npz)
    shell = _shell()
    ns = shell.user_ns if shell is not None else sys.modules["__main__"].__dict__
    arrays: dict[str, np.ndarray] = {}
    calls: list[dict[str, Any]] = []
    for ci, call in enumerate(request["calls"]):
        spec = _STATE["specs"][call["check"]]
        try:
            student = _student_objects(call["args"], ns)
        except KeyboardInterrupt:
            raise
        except BaseException as e:
            calls.append({"error": _describe(e)})
            continue
        cases = []
        for k, desc in enumerate(call["cases"]):
            case = decode_input(desc, inputs)
            record: dict[str, Any] = {}
            try:
                outputs = spec.call(student, case)
                if not isinstance(outputs, dict):
                    raise TypeError(f"check {spec.name}: call must return a dict")
                record["outputs"] = {
                    str(name): encode_output(v, arrays, f"{ci}.{k}.out.{name}") for name, v in outputs.items()
                }
            except KeyboardInterrupt:
                raise
            except BaseException as e:
                record["error"] = _describe(e)
            record["inputs"] = (
                {key: encode_output(case.get(key), arrays, f"{ci}.{k}.in.{key}") for key, d in desc["d"] if "a" in d}
                if "d" in desc
                else {}
            )
            cases.append(record)
        calls.append({"cases": cases})
    np.savez(out + ".npz", **arrays)  # type: ignore[arg-type]  # mypy matches **arrays with savez's allow_pickle
    with open(out + ".json", "w", encoding="utf-8") as f:
        json.dump({"calls": calls}, f)
