"""Which of the solution's setup code a grading kernel must run, found with ``ast``.

A setup cell is split into its top-level statements. Each statement has the names it defines
or changes, the names it uses when it runs, and the names its functions use when they are
called (parameters and locals excluded). :func:`program` keeps a statement when it defines a
name that a later kept statement, an answer (the solution's or the student's, so an answer may
rely on any import or helper the notebook provides) or a test uses; names used inside
functions count everywhere, since they are looked up when the function is called. Plots,
widgets, timings and experiments that define nothing the grading needs are left out.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass

__all__ = ["Step", "Unit", "program", "names", "python_of", "transform"]


@dataclass
class Step:
    """Code the kernel runs: lines of the solution's setup, or (source None) a student's answer."""

    cell: int
    source: str | None
    grade_id: str | None = None


@dataclass
class Unit:
    """One top-level statement of a setup cell (lines ``start``..``end`` of its Python form)."""

    cell: int
    start: int
    end: int
    defines: set[str]
    uses: set[str]
    deferred: set[str]


def python_of(source: str) -> ast.Module | None:
    """A cell's code as Python (IPython magics turned into calls), or None if it is not valid."""
    tree = transform(source)
    return tree[0] if tree else None


def transform(source: str) -> tuple[ast.Module, str] | None:
    """A cell's code as (syntax tree, Python source), or None if it is not valid."""
    from IPython.core.inputtransformer2 import TransformerManager

    try:
        code = TransformerManager().transform_cell(source)
        return ast.parse(code), code
    except (SyntaxError, ValueError, RecursionError, MemoryError):  # code nested too deeply to read, too
        return None


def _params(node) -> set[str]:
    a = node.args
    return {x.arg for x in a.posonlyargs + a.args + a.kwonlyargs} | {x.arg for x in (a.vararg, a.kwarg) if x}


def _free(node) -> set[str]:
    """Names a function or lambda looks up outside itself when it is called."""
    loads, stores, declared = set(), set(), set()
    stack = list(node.body) if isinstance(node.body, list) else [node.body]
    while stack:
        n = stack.pop()
        if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
            if not isinstance(n, ast.Lambda):
                stores.add(n.name)
            loads |= _free(n)
            stack += [*getattr(n, "decorator_list", []), *n.args.defaults, *filter(None, n.args.kw_defaults)]
            continue
        if isinstance(n, ast.Name):
            (loads if isinstance(n.ctx, ast.Load) else stores).add(n.id)
        elif isinstance(n, (ast.Global, ast.Nonlocal)):
            declared |= set(n.names)
        elif isinstance(n, (ast.Import, ast.ImportFrom)):
            stores |= {a.asname or a.name.split(".")[0] for a in n.names}
        elif isinstance(n, (ast.ClassDef, ast.ExceptHandler)) and n.name:
            stores.add(n.name)
        stack += list(ast.iter_child_nodes(n))
    return loads - ((stores | _params(node)) - declared)


class _Names(ast.NodeVisitor):
    """Names a statement defines or changes, uses when it runs, and uses when its functions run."""

    def __init__(self):
        self.defines, self.uses, self.deferred = set(), set(), set()

    def visit_Name(self, node):
        (self.uses if isinstance(node.ctx, ast.Load) else self.defines).add(node.id)

    def visit_FunctionDef(self, node):
        if hasattr(node, "name"):
            self.defines.add(node.name)
            self.defines |= {g for n in ast.walk(node) if isinstance(n, ast.Global) for g in n.names}
        for expr in [*getattr(node, "decorator_list", []), *node.args.defaults, *filter(None, node.args.kw_defaults)]:
            self.visit(expr)
        self.deferred |= _free(node)

    visit_AsyncFunctionDef = visit_Lambda = visit_FunctionDef

    def visit_ClassDef(self, node):
        self.defines.add(node.name)
        for expr in [*node.decorator_list, *node.bases, *node.keywords]:
            self.visit(expr)
        for stmt in node.body:  # methods are looked up on the class, not defined in the notebook
            if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef)):
                self.deferred |= _free(stmt)
                for expr in [*stmt.decorator_list, *stmt.args.defaults, *filter(None, stmt.args.kw_defaults)]:
                    self.visit(expr)
            else:
                self.visit(stmt)

    def visit_Import(self, node):
        self.defines |= {a.asname or a.name.split(".")[0] for a in node.names}

    visit_ImportFrom = visit_Import

    def _targets(self, node, targets):
        for target in targets:
            base = target
            while isinstance(base, (ast.Attribute, ast.Subscript)):
                base = base.value
            if isinstance(base, ast.Name) and (base is not target or isinstance(node, ast.AugAssign)):
                self.defines.add(base.id)  # x.a = ..., x[i] = ... and x += ... change x,
                self.uses.add(base.id)  # and need the x from before
        self.generic_visit(node)

    def visit_Assign(self, node):
        self._targets(node, node.targets)

    def visit_AugAssign(self, node):
        self._targets(node, [node.target])

    def visit_AnnAssign(self, node):
        self._targets(node, [node.target])


def names(tree: ast.AST) -> tuple[set[str], set[str], set[str]]:
    """(names defined or changed, used when it runs, used inside function bodies) of ``tree``."""
    visitor = _Names()
    visitor.visit(tree)
    return visitor.defines, visitor.uses, visitor.deferred


def program(items: list, solution_answers: dict, lines: dict, answers: dict[str, str]) -> list:
    """What a kernel runs for one submission, in notebook order: Steps and tests.

    Inputs:
    - items: the solution's code cells in order: a :class:`Unit` per setup statement,
      ``("answer", grade_id)`` for an answer cell, or a test (anything with ``.names``);
    - solution_answers: grade_id -> (defines, uses, deferred) of the solution's answer cells;
    - lines: setup cell index -> the lines of its Python form;
    - answers: grade_id -> source of the student's answer cells.
    Returns a list of :class:`Step` (setup lines grouped per cell, or an answer) and tests.
    """
    uses = {}
    for gid, (_, top, deferred) in solution_answers.items():
        tree = python_of(answers.get(gid) or "")
        extra = names(tree) if tree else (set(), set(), set())
        uses[gid] = (top | extra[1], deferred | extra[2])
    last = max(i for i, item in enumerate(items) if not isinstance(item, (Unit, tuple)))
    keep: set[int] = set()
    while True:
        anywhere = set().union(*(d for _, d in uses.values()), *(items[i].deferred for i in keep))
        needed, grew = set(), False
        for i in range(last, -1, -1):
            item = items[i]
            if not isinstance(item, (Unit, tuple)):
                needed |= item.names
            elif isinstance(item, tuple):
                needed |= uses[item[1]][0]
            elif i in keep:
                needed |= item.uses
            elif item.defines & (needed | anywhere) or "*" in item.defines:
                keep.add(i)
                needed |= item.uses
                grew = True
        if not grew:
            break
    steps: list = []
    ranges: dict[int, list[tuple[int, int]]] = {}  # id of a setup step built here -> its lines
    for i, item in enumerate(items[: last + 1]):
        if not isinstance(item, (Unit, tuple)):
            steps.append(item)
        elif isinstance(item, tuple):
            steps.append(Step(-1, None, item[1]))
        elif i in keep:
            prev = steps[-1] if steps else None
            if isinstance(prev, Step) and id(prev) in ranges and prev.cell == item.cell:
                ranges[id(prev)].append((item.start, item.end))
            else:
                step = Step(item.cell, "")
                ranges[id(step)] = [(item.start, item.end)]
                steps.append(step)
    for step in steps:
        if isinstance(step, Step) and id(step) in ranges:
            step.source = _join(lines[step.cell], ranges[id(step)])
    return steps


def _join(cell_lines: list[str], ranges: list[tuple[int, int]]) -> str:
    """The lines of ``ranges`` in a setup cell, each line once."""
    wanted = sorted({n for a, b in ranges for n in range(a, b + 1)})
    return "\n".join(cell_lines[n - 1] for n in wanted)
