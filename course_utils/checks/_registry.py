"""The table of every check, by the name a notebook calls it with."""
from __future__ import annotations

from typing import Any, Callable

from ._core import Spec, run_check

REGISTRY: dict[str, Spec] = {}
CHECKS: dict[str, Callable[..., Any]] = {}  # the same names -> the functions notebooks call


def register(spec: Spec) -> Callable[..., Any]:
    """Make ``check_<name>(*student objects, seed=0)`` for a spec and record it in REGISTRY.

    The function's name is taken from the decorated stub so the notebooks read naturally;
    its positional arguments follow ``spec.args``.
    """

    def decorate(stub: Callable[..., Any]) -> Callable[..., Any]:
        def check(*args: Any, seed: int = 0, verbose: bool = True, **kwargs: Any):
            if len(args) > len(spec.args):
                raise TypeError(f"{stub.__name__} takes {len(spec.args)} arguments: {', '.join(spec.args)}")
            student = dict(zip(spec.args, args))
            unknown = set(kwargs) - set(spec.args)
            if unknown:
                raise TypeError(
                    f"{stub.__name__} got unexpected argument(s) {', '.join(sorted(unknown))}; "
                    f"it takes {', '.join(spec.args)}"
                )
            student.update(kwargs)
            run_check(spec, student, seed=seed, verbose=verbose)

        check.__name__ = check.__qualname__ = stub.__name__
        check.__module__ = stub.__module__
        check.__doc__ = stub.__doc__
        check.spec = spec
        if stub.__name__ in CHECKS and CHECKS[stub.__name__].__module__ != stub.__module__:
            raise ValueError(f"two checks are named {stub.__name__}: {stub.__module__} and {CHECKS[stub.__name__].__module__}")
        REGISTRY[stub.__name__] = spec
        CHECKS[stub.__name__] = check
        return check

    return decorate
