"""The grading copy of the course's code: the exercises' reference implementations are absent.

While notebook N is graded, a student's kernel imports the course from a copy made for the run
(:func:`build`), never from the installed package. In that copy, every function a check of N
names as its ``reference`` (``course_utils.layers.affine_forward``, or each method of a class
such as ``course_utils.circuits.MultiplyGate``), and every function a check uses only to compute
its expected values, has its body replaced by one that raises ``ReferenceUnavailable``. The
rest of the course (data, plots, the other notebooks' functions) works as usual.

So an answer has no working reference to call, however it tries: calling it directly, through
an alias, a reload, a thread, a child process or a fork, before or during a test, or by
running a copy of its source file. The expected values come from the grader's own process.
The copy is the only one the sandbox lets a kernel read (:mod:`kernel_host`).

An exercise that builds on another of the same notebook (notebook 03's two-layer net on the
affine and ReLU layers) uses the student's own functions, as the notebook itself does: the
grader's verdict then says when a failure may come from the earlier exercise.
"""

from __future__ import annotations

import ast
import importlib
import inspect
import os
import shutil
from collections import defaultdict
from collections.abc import Set
from pathlib import Path
from types import ModuleType
from typing import Any

from .withheld import withheld

__all__ = ["build", "UNAVAILABLE", "stub_source"]

UNAVAILABLE = "ReferenceUnavailable"
_SKIP = shutil.ignore_patterns("__pycache__", "*.pyc", "*.pyo", ".*")


_GRADING = f'''"""Stand-ins for the course's own implementations of the exercises being graded."""
import sys
import threading

_busy = threading.local()


class {UNAVAILABLE}(RuntimeError):
    """The course's own implementation of an exercise is not available while it is graded."""


def unavailable(dotted):
    return {UNAVAILABLE}(f"{{dotted}} is the course's own implementation of an exercise of this notebook, or gives "
                         "its answer; it is not available while the notebook is graded: your answer must compute it "
                         "itself.")


def _notebook():
    try:
        from IPython import get_ipython
        shell = get_ipython()
    except ImportError:
        shell = None
    return shell.user_ns if shell is not None else vars(sys.modules["__main__"])


class Withheld(tuple):
    """What a withheld helper of the checks returns: empty if a table of hints is built from it when its
    module is imported, and raising when anything calls it."""

    def __new__(cls, dotted):
        made = super().__new__(cls)
        made.dotted = dotted
        return made

    def __call__(self, *args, **kwargs):
        raise unavailable(self.dotted)


def own(name, dotted, stub):
    """The notebook's own ``name`` (the student's), run in place of the course's ``dotted``."""
    found = _notebook().get(name)
    busy = getattr(_busy, "names", None)
    if busy is None:
        busy = _busy.names = set()
    if found is None or found is stub or name in busy or not callable(found):
        raise unavailable(dotted)

    def run(*args, **kwargs):
        busy.add(name)
        try:
            return found(*args, **kwargs)
        finally:
            busy.discard(name)
    return run
'''


def _any_arguments(first: str | None = None) -> ast.arguments:
    return ast.arguments(
        posonlyargs=[],
        args=[ast.arg(first)] if first else [],
        vararg=ast.arg("args"),
        kwonlyargs=[],
        kw_defaults=[],
        kwarg=ast.arg("kwargs"),
        defaults=[],
    )


def _grading(attr: str, *args: ast.expr) -> ast.Call:
    """``__import__('course_utils._grading', fromlist=['_']).attr(*args)``, built without parsing (a grading
    copy has hundreds of these)."""
    module = ast.Call(
        ast.Name("__import__", ast.Load()),
        [ast.Constant("course_utils._grading")],
        [ast.keyword("fromlist", ast.List([ast.Constant("_")], ast.Load()))],
    )
    return ast.Call(ast.Attribute(module, attr, ast.Load()), list(args), [])


def _raise(dotted: str) -> list[ast.stmt]:
    return [ast.Raise(_grading("unavailable", ast.Constant(dotted)))]


def _stub_function(node: ast.FunctionDef | ast.AsyncFunctionDef, dotted: str, *, delegate: bool) -> None:
    """Give ``node`` a signature that accepts any call and a body that runs the notebook's own
    function of the same name (``delegate``) or raises."""
    node.args = _any_arguments()
    node.returns = None
    if delegate:
        run = _grading("own", ast.Constant(node.name), ast.Constant(dotted), ast.Name(node.name, ast.Load()))
        node.body = [
            ast.Return(
                ast.Call(
                    run,
                    [ast.Starred(ast.Name("args", ast.Load()), ast.Load())],
                    [ast.keyword(None, ast.Name("kwargs", ast.Load()))],
                )
            )
        ]
    else:
        node.body = _raise(dotted)


def _stub_class(node: ast.ClassDef, dotted: str) -> None:
    """Methods that raise, and a constructor that builds the notebook's own class of that name."""
    for item in node.body:
        if isinstance(item, (ast.FunctionDef, ast.AsyncFunctionDef)):
            _stub_function(item, f"{dotted}.{item.name}", delegate=False)
    new = ast.parse(
        f"def __new__(cls, *args, **kwargs):\n    return __import__('course_utils._grading', "
        f"fromlist=['_']).own({node.name!r}, {dotted!r}, {node.name})(*args, **kwargs)"
    ).body[0]
    node.body = [item for item in node.body if getattr(item, "name", None) != "__new__"] + [new]


class _Stubber(ast.NodeTransformer):
    """Replace the bodies of the named functions, classes' methods and lambdas of one module."""

    def __init__(self, module: str, functions: set[str], lines: set[tuple[str, int]], inert: Set[str] = frozenset()):
        self.module, self.functions, self.lines, self.inert = module, functions, lines, inert
        self.scope: list[str] = []
        self.done: set[str] = set()

    def _function(self, node):
        qualname = ".".join([*self.scope, node.name])
        start = min([node.lineno] + [d.lineno for d in node.decorator_list])
        if qualname in self.functions and not self.scope:  # a reference: the student's own stands in
            _stub_function(node, f"{self.module}.{qualname}", delegate=True)
            self.done.add(qualname)
            return node
        if qualname in self.functions or (node.name, start) in self.lines or (node.name, node.lineno) in self.lines:
            _stub_function(node, f"{self.module}.{qualname}", delegate=False)
            self.done.add(qualname)
            return node
        if qualname in self.inert and not self.scope:  # may run at import: returns a stand-in that raises if called
            node.args, node.returns = _any_arguments(), None
            node.body = [ast.Return(_grading("Withheld", ast.Constant(f"{self.module}.{qualname}")))]
            return node
        return self._inside(node)

    visit_FunctionDef = visit_AsyncFunctionDef = _function

    def visit_ClassDef(self, node):
        qualname = ".".join([*self.scope, node.name])
        if qualname in self.functions:
            _stub_class(node, f"{self.module}.{qualname}")
            self.done.add(qualname)
            return node
        return self._inside(node)

    def _inside(self, node):
        """Visit what a function or class holds, with its name on the scope."""
        self.scope.append(node.name)
        self.generic_visit(node)
        self.scope.pop()
        return node

    def visit_Lambda(self, node):
        if ("<lambda>", node.lineno) in self.lines:
            body = ast.Call(
                ast.Name("exec", ast.Load()),
                [ast.Constant(ast.unparse(ast.Module(_raise(f"{self.module}.<lambda>"), [])))],
                [],
            )
            return ast.copy_location(ast.Lambda(_any_arguments(), body), node)
        self.generic_visit(node)
        return node


def stub_source(
    source: str,
    module: str,
    functions: set[str],
    lines: Set[tuple[str, int]] = frozenset(),
    inert: Set[str] = frozenset(),
) -> str:
    """``source`` with ``functions`` (qualified names) replaced by stand-ins for the student's own
    (a top-level function or class) or by a raise (a method), and the functions and lambdas
    defined at ``lines`` ((name, first line) pairs) raising. ValueError if one of ``functions``
    is not defined in it."""
    tree = ast.parse(source)
    stubber = _Stubber(module, set(functions), set(lines), set(inert))
    tree = ast.fix_missing_locations(stubber.visit(tree))
    missing = set(functions) - stubber.done
    if missing:
        raise ValueError(f"{module}: cannot find {', '.join(sorted(missing))} to replace")
    return ast.unparse(tree) + "\n"


def _package_root(module_name: str) -> tuple[str, Path]:
    """The top-level package (or module) of ``module_name`` and where it is on disk."""
    top = module_name.split(".")[0]
    mod = importlib.import_module(top)
    if getattr(mod, "__file__", None) is None:  # a namespace package (a folder without __init__.py)
        return top, Path(next(iter(mod.__path__))).resolve()
    path = _file_of(mod)
    return top, (path.parent if path.name == "__init__.py" else path)


def _file_of(module: ModuleType) -> Path:
    """The source file of an imported module (a namespace package has none)."""
    if module.__file__ is None:
        raise ValueError(f"{module.__name__} has no source file")
    return Path(module.__file__).resolve()


def _locate(dotted: str) -> tuple[str, str]:
    """``course_utils.layers.affine_forward`` -> (its module's name, its qualified name there)."""
    parts = dotted.split(".")
    for i in range(len(parts) - 1, 0, -1):
        try:
            module = importlib.import_module(".".join(parts[:i]))
        except ImportError:
            continue
        obj: Any = module
        for attr in parts[i:]:
            obj = getattr(obj, attr)
        target = inspect.unwrap(obj)
        name = getattr(target, "__module__", None) or module.__name__
        return name, getattr(target, "__qualname__", ".".join(parts[i:]))
    raise ValueError(f"{dotted}: no such module")


def build(plan, dest: Path) -> Path:
    """Write the grading copy for ``plan`` under ``dest``; returns the folder to put on sys.path.

    Every top-level package a check module or a reference belongs to is copied (sources and
    data, no caches), then the references and the checks' expected-value code are replaced.
    """
    lib = Path(dest) / "lib"
    lib.mkdir(parents=True)
    from course_utils.checks import REGISTRY

    functions: dict[str, set[str]] = defaultdict(set)
    for check in plan.references:
        for dotted in REGISTRY[check].reference:
            module, qualname = _locate(dotted)
            functions[module].add(qualname)
    raising, inert = withheld(plan)  # what else would answer an exercise (derived)
    for module, qualnames in raising.items():
        functions[module] |= qualnames
    lines: dict[str, set[tuple[str, int]]] = defaultdict(set)
    by_file = {}
    for module in set(plan.modules) | set(functions):
        mod = importlib.import_module(module)
        by_file[str(_file_of(mod))] = module
    for keys in plan.internals.values():
        for file, name, first in keys:
            holder = by_file.get(str(Path(file).resolve()))
            if holder is not None:
                lines[holder].add((name, first))
    copied: dict[str, Path] = {}
    for module in {"course_utils"} | set(plan.modules) | set(functions):  # the checks always need course_utils
        top, where = _package_root(module)
        if top in copied:
            continue
        target = lib / where.name
        if where.is_dir():
            shutil.copytree(where, target, ignore=_SKIP)
        else:
            shutil.copy2(where, target)
        copied[top] = where
    for module in set(functions) | set(lines) | set(inert):
        mod = importlib.import_module(module)
        top, where = _package_root(module)
        source_file = _file_of(mod)
        rel = source_file.relative_to(where.parent) if where.is_dir() else Path(where.name)
        target = lib / rel
        target.write_text(
            stub_source(
                source_file.read_text(encoding="utf-8"),
                module,
                functions.get(module, set()),
                lines.get(module, set()),
                inert.get(module, set()),
            ),
            encoding="utf-8",
        )
    (lib / "course_utils" / "_grading.py").write_text(_GRADING, encoding="utf-8")
    for root, _dirs, files in os.walk(lib):
        os.chmod(root, 0o755)
        for f in files:
            os.chmod(os.path.join(root, f), 0o644)
    os.chmod(dest, 0o755)
    return lib
