"""The table of every check, by the name a notebook calls it with."""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from typing import Any

from ._core import Spec, run_check
from ._failure import CheckArgumentError

REGISTRY: dict[str, Spec] = {}
CHECKS: dict[str, Callable[..., Any]] = {}  # the same names -> the functions notebooks call

_USAGE = """
Arguments: your own {objects}, by keyword as in the notebook.
seed=0 is the test the notebook shows; verbose=False prints nothing when every quantity
passes. Prints a table of relative errors and a one-line verdict; raises CheckFailure (an
AssertionError) saying what is wrong, where, and the likely cause.
"""


def register(spec: Spec) -> Callable[[Callable[..., Any]], Callable[..., None]]:
    """Make ``check_<name>(*student objects, seed=0, verbose=True)`` for a spec and record it in REGISTRY.

    The function's name and docstring are taken from the decorated stub so the notebooks read
    naturally; its arguments follow ``spec.args``, and ``inspect.signature`` and ``help()``
    show them as ``(affine_forward, affine_backward, *, seed=0, verbose=True)``.
    ``inspect.getsource`` (and ``%psource``) show the stub with its Spec.
    """

    def decorate(stub: Callable[..., Any]) -> Callable[..., None]:
        @functools.wraps(stub)
        def check(*args: Any, seed: int = 0, verbose: bool = True, **kwargs: Any) -> None:
            __tracebackhide__ = True
            if len(args) > len(spec.args):
                raise CheckArgumentError(f"{stub.__name__} takes {len(spec.args)} arguments: {', '.join(spec.args)}")
            student = dict(zip(spec.args, args))
            unknown = set(kwargs) - set(spec.args)
            twice = set(kwargs) & set(student)
            if unknown or twice:
                what = (
                    f"unexpected argument(s) {', '.join(sorted(unknown))}"
                    if unknown
                    else f"{', '.join(sorted(twice))} twice"
                )
                raise CheckArgumentError(f"{stub.__name__} got {what}; it takes {', '.join(spec.args)}")
            student.update(kwargs)
            run_check(spec, student, seed=seed, verbose=verbose)

        keyword = inspect.Parameter.KEYWORD_ONLY
        made: Any = check  # the function, given a signature and its spec as attributes
        made.__signature__ = inspect.Signature(
            [inspect.Parameter(a, inspect.Parameter.POSITIONAL_OR_KEYWORD) for a in spec.args]
            + [inspect.Parameter("seed", keyword, default=0), inspect.Parameter("verbose", keyword, default=True)]
        )
        check.__doc__ = (
            inspect.cleandoc(stub.__doc__ or "") + "\n" + _USAGE.format(objects=", ".join(spec.args))
        ).strip() + "\n"
        made.spec = spec
        if stub.__name__ in CHECKS and CHECKS[stub.__name__].__module__ != stub.__module__:
            other = CHECKS[stub.__name__].__module__
            raise ValueError(f"two checks are named {stub.__name__}: {stub.__module__} and {other}")
        REGISTRY[stub.__name__] = spec
        CHECKS[stub.__name__] = check
        return check

    return decorate
