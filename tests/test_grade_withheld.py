"""The grading copy of the course holds no working answer to the notebook being graded.

For every notebook: build its grading copy, import it in a fresh Python (as a grading kernel
does), and run every public and private callable it holds (every module's functions and classes,
every class's methods) on every exercise's test inputs: as the student's function, with a
numeric parameter set to 0 or 1 (leaky ReLU at slope 0 is a ReLU), as the product of a factory
called without arguments, and on the test's inputs as one dict. The outputs come back to this
process, which judges them as the grader would (the check's derive, then verify). None may pass.
"""

from __future__ import annotations

import copy
import os
import pickle
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from course_tools.grade import stubs
from course_tools.grade.plan import load_plan
from course_utils.checks import REGISTRY, CheckFailure, verify

REPO = Path(__file__).resolve().parents[1]
COURSE = sorted((REPO / "solutions").glob("[0-9][0-9]_*.ipynb"))

PROBE = r'''
import copy, functools, importlib, inspect, io, os, pickle, pkgutil, signal, sys, warnings
import numpy as np
warnings.simplefilter("ignore")
import course_utils
assert course_utils.__file__.startswith(sys.argv[3]), course_utils.__file__
from course_utils.checks import REGISTRY
jobs, sources = pickle.load(open(sys.argv[1], "rb"))
ns = {"np": np, "cu": course_utils, "__name__": "answers"}
for source in sources:  # the solution's answers: the honest other arguments of a check
    try:
        exec(source, ns)
    except Exception:
        pass
candidates = []
for info in [None, *pkgutil.walk_packages(course_utils.__path__, "course_utils.")]:
    try:
        module = course_utils if info is None else importlib.import_module(info.name)
    except Exception:
        continue
    for name, obj in list(vars(module).items()):
        if (inspect.isfunction(obj) or inspect.isclass(obj)) and getattr(obj, "__module__", None) == module.__name__:
            candidates.append((f"{module.__name__}.{name}", obj))
            if inspect.isclass(obj):
                for attr, value in vars(obj).items():
                    f = getattr(value, "__func__", value)
                    if inspect.isfunction(f):
                        candidates.append((f"{module.__name__}.{name}.{attr}", f))


class Late(BaseException):
    pass


def _late(*_):
    raise Late()


signal.signal(signal.SIGALRM, _late)


def timed(f, *args):
    signal.setitimer(signal.ITIMER_REAL, 2.0)
    out, sink = None, io.StringIO()
    old = sys.stdout, sys.stderr
    sys.stdout = sys.stderr = sink
    try:
        out = f(*args)
    except BaseException:
        out = None
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        sys.stdout, sys.stderr = old
        if "matplotlib.pyplot" in sys.modules:
            sys.modules["matplotlib.pyplot"].close("all")
    return out


def variants(f):
    yield "as is", f
    try:
        params = inspect.signature(f).parameters.values()
    except (TypeError, ValueError):
        return
    for p in params:
        if isinstance(p.default, (int, float)) and not isinstance(p.default, bool):
            for value in (0.0, 1.0):
                yield f"{p.name}={value}", functools.partial(f, **{p.name: value})
    if inspect.isfunction(f) and all(p.default is not p.empty or p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD)
                                     for p in params):
        made = timed(f)
        if callable(made):
            yield "its product", made


def plain(value, depth=0):
    """The value as numbers, arrays, tuples, lists and dicts only (anything else by its type's name)."""
    if isinstance(value, (np.ndarray, np.generic, int, float, complex, bool, str)) or value is None:
        return value if not isinstance(value, np.ndarray) or value.dtype != object else "object array"
    if depth > 3:
        return type(value).__name__
    if isinstance(value, dict):
        return {str(k): plain(v, depth + 1) for k, v in value.items()}
    if isinstance(value, (tuple, list)):
        return tuple(plain(v, depth + 1) for v in value) if isinstance(value, tuple) else \
            [plain(v, depth + 1) for v in value]
    return type(value).__name__


found = []
for check, cases in jobs:
    spec = REGISTRY[check]
    for name, f in candidates:
        for mode, g in variants(f):
            for arg in spec.args:
                student = {a: ns.get(a) for a in spec.args}
                student[arg] = g
                for k, case in enumerate(cases):
                    out = timed(spec.call, student, copy.deepcopy(case))
                    if isinstance(out, dict):
                        found.append((check, k, f"{name} ({mode}, as {arg})", plain(out)))
        for k, case in enumerate(cases):
            out = timed(f, copy.deepcopy(case))
            if out is not None:
                found.append((check, k, f"{name} (on the inputs as one dict)", {"": plain(out)}))
pickle.dump(found, open(sys.argv[2], "wb"))
'''


def _arrays(value):
    """Every numeric array in a value (one level into tuples, lists and dicts)."""
    items = value.values() if isinstance(value, dict) else value if isinstance(value, (tuple, list)) else [value]
    for item in items:
        arr = np.asarray(item) if isinstance(item, (np.ndarray, float)) else None
        if arr is not None and arr.dtype.kind == "f":
            yield arr


def _passes(spec, case, expected, outputs) -> bool:
    if "" in outputs:  # the inputs as one dict: an expected array among what came back (not a constant, and
        # not one of the inputs themselves, which any function returning its argument would hand back)
        inputs = [v for v in case.values() if isinstance(v, np.ndarray)]
        wanted = [np.asarray(v, dtype=float) for v in expected.values()]
        wanted = [
            w
            for w in wanted
            if w.size > 1 and np.ptp(w) > 0 and not any(i.shape == w.shape and np.allclose(i, w) for i in inputs)
        ]
        return any(
            a.shape == w.shape and np.allclose(a, w, rtol=1e-6, atol=1e-9) for a in _arrays(outputs[""]) for w in wanted
        )
    try:
        if spec.derive is not None:
            outputs = spec.derive(case, dict(outputs))
        verify(spec, case, outputs, expected)
        return True
    except (CheckFailure, Exception):
        return False


@pytest.mark.parametrize("solution", COURSE, ids=[p.stem for p in COURSE])
def test_no_callable_of_the_grading_copy_answers_an_exercise(solution, tmp_path):
    plan = load_plan(solution)
    lib = stubs.build(plan, tmp_path / "copy")
    calls = {}
    for test in plan.tests:
        for call in test.calls:
            calls.setdefault(call.check, call)  # one set of inputs per exercise
    jobs = [(check, call.cases) for check, call in calls.items()]
    (tmp_path / "in.pkl").write_bytes(pickle.dumps((jobs, list(plan.sources.values()))))
    env = {**os.environ, "PYTHONPATH": str(lib), "MPLBACKEND": "Agg", "OPENBLAS_NUM_THREADS": "1"}
    proc = subprocess.run(
        [sys.executable, "-c", PROBE, str(tmp_path / "in.pkl"), str(tmp_path / "out.pkl"), str(lib)],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=1200,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    leaks = []
    for check, k, who, outputs in pickle.loads((tmp_path / "out.pkl").read_bytes()):
        call = calls[check]
        if _passes(REGISTRY[check], call.cases[k], call.expected[k], copy.deepcopy(outputs)):
            leaks.append(f"{check}: {who}")
    assert not leaks, "callables of the grading copy that answer an exercise:\n" + "\n".join(sorted(set(leaks)))
