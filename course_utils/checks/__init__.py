"""Student-facing checks, one per exercise, one module per notebook (``nb01_backprop_circuits`` ...).

Call them with keywords right below an exercise, e.g.
``cu.checks.check_gates(AddGate=AddGate, MultiplyGate=MultiplyGate, MaxGate=MaxGate)``. Each
prints an aligned table (quantity, relative error, tolerance, PASS/FAIL) and a one-line
verdict, or stops with a short message that names the function, the worst index, expected vs
got, and a hint.

``REGISTRY`` maps every check's name to its :class:`Spec`, which the autograder uses to run
the student's part in the student's kernel and the comparison in its own process. A failure
is one :class:`Failure`, put into words by :func:`render` (in the notebook) or
:func:`render_hidden` (the grader's message for a hidden test), with one cause code,
``<exercise>.<cause>`` (``svm_loss.missing_batch_mean``): the code of the :class:`Hint` that
explained it, or the generic one of its kind (``wrong_values``, ``raised``, ``blank`` ...).
A check's ``CheckFailure`` carries it as ``.code``; the grader records it per test.

Notes: every module here named ``nbNN_<topic>.py``, ``<topic>`` being the notebook's file name
without its number (``nb02_linear_classifiers`` for ``02_linear_classifiers.ipynb``), is imported
when this package is, and its ``@register``-ed checks become attributes of this package, so a new
notebook's checks need no line added anywhere else. A notebook whose checks would make one long
file has a package ``nbNN_<topic>/`` instead, one submodule per exercise, each imported the same
way. ``tests/test_names.py`` holds every notebook to these names.
"""

from __future__ import annotations

import importlib
import pkgutil

from ._blank import needs
from ._core import Row, Spec, as_float_array, format_rows, run_check, run_student, verify
from ._failure import (
    CheckFailure,
    Failure,
    NotFilledIn,
    changed_inputs,
    check_code_error,
    diagnose,
    render,
    render_hidden,
)
from ._hints import Hint, cause_code, pick
from ._registry import CHECKS, REGISTRY


def _notebook_modules() -> list[str]:
    """The modules that hold checks, relative to this package: ``nbNN_<topic>`` modules, and the
    public submodules of ``nbNN_<topic>`` packages (``nb08_optimizers.lbfgs``)."""
    found = []
    for info in pkgutil.iter_modules(__path__):
        if not info.name.startswith("nb"):
            continue
        if not info.ispkg:
            found.append(info.name)
            continue
        package = importlib.import_module(f"{__name__}.{info.name}")
        found += [f"{info.name}.{sub.name}" for sub in pkgutil.iter_modules(package.__path__) if sub.name[0] != "_"]
    return sorted(found)


NOTEBOOK_MODULES = _notebook_modules()
for _name in NOTEBOOK_MODULES:
    importlib.import_module(f"{__name__}.{_name}")
globals().update(CHECKS)

__all__ = [
    "CheckFailure",
    "Failure",
    "Hint",
    "NotFilledIn",
    "Row",
    "Spec",
    "REGISTRY",
    "as_float_array",
    "cause_code",
    "changed_inputs",
    "check_code_error",
    "diagnose",
    "format_rows",
    "needs",
    "pick",
    "render",
    "render_hidden",
    "run_check",
    "run_student",
    "verify",
] + sorted(CHECKS)
