"""Three small checks for the grading tests, registered like the course's own.

``tests/test_grade.py`` grades the solution notebook ``fixture.json`` (whose test cells call
these) without depending on the course notebooks; it is stored as .json so that
``pytest --nbval-lax tests`` does not try to run it. A grading kernel imports this module by
its name, ``grade_fixtures.fixture_checks``, from the ``tests`` folder.
"""

import contextlib

import numpy as np

from course_utils.checks._core import Spec
from course_utils.checks._registry import register

from . import fixture_ref as ref

__all__ = ["check_fx_scale", "check_fx_affine", "check_fx_softplus"]
_REF = "grade_fixtures.fixture_ref."


def _scale_cases(seed):
    rng = np.random.default_rng(seed)
    return [dict(x=rng.standard_normal((3, 4)), a=float(rng.uniform(1.5, 3.0)))]


@register(
    Spec(
        name="scale",
        args=("scale",),
        cases=_scale_cases,
        call=lambda student, case: dict(out=student["scale"](case["x"], case["a"])),
        expected=lambda case: dict(out=ref.scale_reference(case["x"], case["a"])),
        like={"out": "x"},
        reference=(_REF + "scale_reference",),
    )
)
def check_fx_scale(scale):
    """Check scale(x, a) == a * x."""


def _affine_cases(seed):
    rng = np.random.default_rng(100 + seed)
    n = 5 + seed
    return [
        dict(x=rng.standard_normal((n, 4)), w=rng.standard_normal((4, 3)), b=rng.standard_normal(3)) for _ in range(2)
    ]


@register(
    Spec(
        name="affine",
        args=("affine",),
        cases=_affine_cases,
        call=lambda student, case: dict(out=student["affine"](case["x"], case["w"], case["b"])),
        expected=lambda case: dict(out=ref.affine_reference(case["x"], case["w"], case["b"])),
        batch="x",
        reference=(_REF + "affine_reference",),
    )
)
def check_fx_affine(affine):
    """Check affine(x, w, b) == x @ w + b."""


def _softplus_cases(seed):
    return [dict(x=np.linspace(-3.0, 3.0, 7) * (1 + seed))]


@register(
    Spec(
        name="softplus",
        args=("softplus",),
        cases=_softplus_cases,
        call=lambda student, case: dict(out=student["softplus"](case["x"])),
        expected=lambda case: dict(out=ref.softplus_reference(case["x"])),
        like={"out": "x"},
        reference=(_REF + "softplus_reference",),
    )
)
def check_fx_softplus(softplus):
    """Check softplus(x) == log(1 + exp(x))."""


@contextlib.contextmanager
def registered():
    """These checks in the registry, for a test module (other tests see the course's alone)."""
    from course_utils.checks import REGISTRY

    mine = {name: globals()[name].spec for name in __all__}
    REGISTRY.update(mine)
    try:
        yield
    finally:
        for name in mine:
            REGISTRY.pop(name, None)
