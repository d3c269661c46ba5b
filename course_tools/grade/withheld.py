"""What the grading copy of the course withholds beyond the exercises' references, derived, not listed.

A course function that is not an exercise's reference can still answer one: maxout with one
piece is an affine layer and with a zero piece a ReLU, ``cu.init.scale`` is the heart of
``init_weights``, a check's hint helper builds a working Adam, another normalizes like batchnorm.
A list of such functions kept by hand always misses one. So, while notebook N is graded:

- every top-level function and class of an *exercise module* (one that holds any check's
  reference: ``course_utils.layers``, ``losses``, ``init``, ``optim``, ...) is withheld, unless
  grading N needs it: its name is used by the setup the grading kernel runs, by the solution's
  answers, by the checks' kernel-side code, or by a function so kept (followed by name, across
  the course, to a fixed point);
- :func:`leaks` finds, among all the rest, every callable that gives an exercise's answer when
  called on that exercise's test inputs (as the student's function, with a numeric parameter at 0
  or 1, or as a factory's product), and withholds it too.

``tests/test_grade_withheld.py`` proves the result: it imports the grading copy of every notebook
and runs each of its public and private callables against each exercise's test inputs.
"""

from __future__ import annotations

import ast
import functools
import importlib
import inspect
import re
import sys
from pathlib import Path
from types import CodeType, ModuleType
from typing import Any

from course_utils.checks import REGISTRY

__all__ = ["exercise_modules", "needed", "withheld"]


class _Defined(dict):
    """module name -> its top-level functions and classes, for the course's modules, imported on demand
    (importing every module of the course, plots and widgets included, would cost a grading run a second)."""

    def __missing__(self, module: str) -> dict[str, object]:
        if module.split(".")[0] != "course_utils":
            raise KeyError(module)
        try:
            found = _top_level(importlib.import_module(module))
        except Exception:  # a module that cannot be imported here cannot be reached by a kernel either
            raise KeyError(module) from None
        self[module] = found
        return found

    def has(self, module: str) -> bool:
        try:
            self[module]
        except KeyError:
            return False
        return True


def _top_level(module: ModuleType) -> dict[str, object]:
    """The functions and classes ``module`` itself defines (not what it imports)."""
    own = module.__name__
    return {
        name: obj
        for name, obj in vars(module).items()
        if (inspect.isfunction(obj) or inspect.isclass(obj)) and getattr(obj, "__module__", None) == own
    }


def exercise_modules() -> set[str]:
    """The modules that hold some check's reference (of any notebook)."""
    from .stubs import _locate

    return {_locate(dotted)[0] for spec in REGISTRY.values() for dotted in spec.reference}


def _codes(obj) -> list[CodeType]:
    """The code objects of a function, or of a class's methods and properties (nested code included)."""
    funcs: list[Any] = (
        [obj]
        if not inspect.isclass(obj)
        else [
            f
            for value in vars(obj).values()
            for f in (getattr(value, "__func__", value), getattr(value, "fget", None), getattr(value, "fset", None))
        ]
    )
    todo = [getattr(inspect.unwrap(f), "__code__", None) for f in funcs if callable(f) or hasattr(f, "__code__")]
    codes = []
    while todo:
        code = todo.pop()
        if code is not None and code not in codes:
            codes.append(code)
            todo += [k for k in code.co_consts if inspect.iscode(k)]
    return codes


def _uses(obj, defined: _Defined) -> set[tuple[str, str]]:
    """(module, name) of every course function or class the code of ``obj`` reaches by name: a global of
    its module, a name imported into it, or an attribute of a course module it holds (``layers.relu``)."""
    module = sys.modules.get(getattr(obj, "__module__", ""))
    space = vars(module) if module else {}
    names = {n for code in _codes(obj) for n in code.co_names}
    found = set()
    for n in names:
        g = space.get(n)
        if inspect.ismodule(g) and defined.has(g.__name__):
            found |= {(g.__name__, m) for m in names if m in defined[g.__name__]}
        elif (
            (inspect.isfunction(g) or inspect.isclass(g))
            and defined.has(g.__module__)
            and g.__name__ in defined[g.__module__]
        ):
            found.add((g.__module__, g.__name__))
    return found


def _dotted(node: ast.AST) -> list[str] | None:
    """``cu.init.scale`` as ["cu", "init", "scale"] (None for anything but names and attributes)."""
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    return [node.id, *reversed(parts)] if isinstance(node, ast.Name) else None


def _source_uses(sources: list[str], defined: _Defined) -> set[tuple[str, str]]:
    """(module, name) of the course functions these pieces of code name: ``cu.init.scale``,
    ``layers.relu_forward`` after ``from course_utils import layers``, ``scale`` after
    ``from course_utils.init import scale``; only the modules they name are imported."""
    from .slicing import python_of

    trees = [t for t in map(python_of, sources) if t is not None]
    modules = {m for ms in _course_names().values() for m in ms}
    alias = {"cu": "course_utils", "course_utils": "course_utils"}
    for tree in trees:
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                alias |= {
                    (a.asname or a.name.split(".")[0]): (a.name if a.asname else a.name.split(".")[0])
                    for a in node.names
                    if a.name.split(".")[0] == "course_utils"
                }
            elif isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] == "course_utils":
                alias |= {(a.asname or a.name): f"{node.module}.{a.name}" for a in node.names}
    found = set()
    for tree in trees:
        for node in ast.walk(tree):
            parts = _dotted(node) if isinstance(node, (ast.Attribute, ast.Name)) else None
            if not parts or parts[0] not in alias:
                continue
            path = alias[parts[0]].split(".") + parts[1:]
            for i in range(len(path) - 1, 0, -1):
                module = ".".join(path[:i])
                if module in modules:
                    if defined.has(module) and path[i] in defined[module]:
                        found.add((module, path[i]))
                    break
    return found


@functools.lru_cache(maxsize=1)
def _course_names() -> dict[str, list[str]]:
    """Short name -> the course's modules of that name (``layers`` -> course_utils.layers), found on disk
    without importing any."""
    import course_utils

    root = Path(course_utils.__file__).parent
    short: dict[str, list[str]] = {"course_utils": ["course_utils"]}
    for path in sorted(root.rglob("*.py")):
        parts = path.relative_to(root.parent).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        short.setdefault(name.rsplit(".", 1)[-1], []).append(name)
    return short


def _walk_now(node: ast.AST):
    """The nodes of an expression that run when it is evaluated (not the bodies of its lambdas)."""
    todo = [node]
    while todo:
        n = todo.pop()
        yield n
        todo += [c for c in ast.iter_child_nodes(n) if not isinstance(c, ast.Lambda)]


def _spec_makers(defined: _Defined) -> set[tuple[str, str]]:
    """(module, name) of the functions a check module calls in ``@register(...)`` to make a Spec (each
    decorator's expression is parsed alone: parsing whole modules would cost a grading run)."""
    found = set()
    for module in (m for ms in _course_names().values() for m in ms if m.startswith("course_utils.checks.")):
        if not defined.has(module):
            continue
        file = sys.modules[module].__file__
        if file is None:  # not loaded from a file: no decorators to read
            continue
        source = Path(file).read_text(encoding="utf-8")
        for match in re.finditer(r"^@(register\(.*?)\n(?=def |class |@)", source, re.M | re.S):
            try:
                deco = ast.parse(match.group(1), mode="eval").body
            except SyntaxError:
                continue
            calls = [c for arg in getattr(deco, "args", []) for c in _walk_now(arg) if isinstance(c, ast.Call)]
            found |= {
                (module, c.func.id) for c in calls if isinstance(c.func, ast.Name) and c.func.id in defined[module]
            }
    return found


def needed(plan, defined: _Defined) -> set[tuple[str, str]]:
    """(module, name) of the course code grading ``plan`` runs or offers: what its kept setup and the
    solution's answers name, what the checks' kernel-side code reaches, and all that these reach."""
    from course_utils.checks import _registry

    from .slicing import Step

    setup = [item.source for item in plan.program(plan.sources) if isinstance(item, Step) and item.source]
    found = _source_uses(setup + list(plan.sources.values()), defined)
    roots = [REGISTRY[check].call for check in plan.references]
    # kept but not followed: what makes a check's call or its Spec when the module is imported; the hints
    # and expected-value code they make then come from the inert stand-ins of what they call
    makers = {(f.__module__, f.__qualname__.split(".")[0]) for f in roots}
    makers |= {(_registry.__name__, "register")} | _spec_makers(defined)
    done = makers - found
    found |= makers
    todo = list(roots)  # followed: the code the kernel runs for each check
    while todo or found - done:
        for key in found - done:
            done.add(key)
            todo.append(defined[key[0]][key[1]])
        while todo:
            found |= _uses(todo.pop(), defined)
    return found


def withheld(plan) -> tuple[dict[str, set[str]], dict[str, set[str]]]:
    """What grading ``plan`` withholds beyond its references, as module -> top-level function names:

    - of the exercise modules, every function grading does not need (its body then raises);
    - of the checks' modules (``course_utils.checks.*``), every function the checks' kernel-side code
      does not reach: the expected values' code, hints that rebuild a working answer to recognise a
      slip (a whole Adam, an L-BFGS two-loop, batchnorm's statistics). Some run when the module is
      imported (a table of hints), so such a function returns an inert stand-in (:mod:`stubs`) that
      raises only when called.

    Functions only: a class left in an exercise module is a cache (a NamedTuple, which a stand-in
    could not replace) or an exercise's reference, which the grading copy replaces anyway."""
    defined = _Defined()
    keep = needed(plan, defined)
    raising: dict[str, set[str]] = {}
    inert: dict[str, set[str]] = {}
    checks = [m for ms in _course_names().values() for m in ms if m.startswith("course_utils.checks.")]
    for out, modules in ((raising, exercise_modules()), (inert, checks)):
        for module in modules:
            for name, obj in (defined[module] if defined.has(module) else {}).items():
                if (module, name) not in keep and inspect.isfunction(obj):
                    out.setdefault(module, set()).add(obj.__qualname__)
    return raising, inert
