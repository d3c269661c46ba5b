"""Student-facing checks, one per exercise.

Call them with keywords right below an exercise, e.g.
``cu.checks.check_mul_gate(MultiplyGate=MultiplyGate)``. Each prints an aligned table
(quantity, relative error, tolerance, PASS/FAIL) and a one-line verdict, or raises an
``AssertionError`` that names the function, the worst index, expected vs got, and a hint.

``REGISTRY`` maps every check's name to its :class:`Spec`, which the autograder uses to run
the student's part in the student's kernel and the comparison in its own process.
"""
from __future__ import annotations

from ._core import CheckFailure, Row, Spec, as_float_array, diagnose, format_rows, run_check, run_student, verify
from ._registry import REGISTRY
from .circuits import *  # noqa: F401,F403  notebook 01
from .linear import *  # noqa: F401,F403  notebook 02
from .layers import *  # noqa: F401,F403  notebook 03

__all__ = [
    "CheckFailure", "Row", "Spec", "REGISTRY", "as_float_array", "diagnose", "format_rows",
    "run_check", "run_student", "verify",
] + list(REGISTRY)
