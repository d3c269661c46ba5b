"""What grading a notebook means: read from the solution, never from a submission.

From the solution notebook the grader takes
- the graded tests: cells with nbgrader ``"grade": true`` and ``points``, each holding only
  ``cu.checks.check_*(...)`` calls (visible, then hidden). They are parsed with ``ast``,
  never executed: each call becomes a check name, the expressions that name the student's
  objects, a seed, and whether it was hidden. Inputs and expected values are computed here,
  once per run, in the grader's process;
- the answer cells (``"solution": true``), which a submission replaces by ``grade_id``;
- the setup the answers need (:mod:`slicing`): the top-level statements of the
  solution's other cells that define a name an answer (the solution's or the student's), a
  test, or another kept statement uses. Imports, constants and helpers are kept; plots,
  widgets, timings and experiments that define nothing the grading needs are not run, which
  keeps a grading kernel fast and keeps student code out of cells that are not graded.

A kernel then runs the kept setup, the student's answers and the tests in notebook order.
From a submission the grader takes only the source of its answer cells
(:func:`submission.read_submission`).
"""

from __future__ import annotations

import ast
import copy
import hashlib
import importlib
import inspect
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

from course_utils.checks import REGISTRY

from ..markers import BEGIN_HIDDEN, BEGIN_SOLUTION, END_HIDDEN, region_lines
from .slicing import Step, Unit, names, program, python_of, transform

__all__ = ["GradeError", "Plan", "Test", "Call", "Step", "load_plan"]


class GradeError(Exception):
    """The grader cannot run: bad arguments or an unusable solution notebook."""


@dataclass
class Call:
    check: str
    args: dict[str, str]
    seed: int
    hidden: bool
    cases: list = field(default_factory=list)
    expected: list = field(default_factory=list)


@dataclass
class Test:
    grade_id: str
    points: float
    cell: int
    calls: list[Call]

    @property
    def names(self) -> set[str]:
        """The names the test's calls pass to the checks (the student's objects)."""
        exprs = [ast.parse(e) for c in self.calls for e in c.args.values()]
        return {n.id for tree in exprs for n in ast.walk(tree) if isinstance(n, ast.Name)}


@dataclass
class Plan:
    path: Path
    name: str
    sha256: str
    items: list  # in notebook order: Unit, ("answer", grade_id) or Test
    answers: dict[str, tuple[set, set, set]]  # grade_id -> (defines, uses, deferred) of the solution's answer
    tests: list[Test]
    modules: list[str]
    paths: list[str]
    references: dict[str, list[list]]  # check -> (file, name, first line) of its reference functions
    lines: dict[int, list[str]] = field(default_factory=dict)  # setup cell -> lines of its Python form
    internals: dict[str, list[list]] = field(default_factory=dict)  # check -> its expected-value code
    blocks: dict[str, set[str]] = field(default_factory=dict)  # test -> names of other exercises its checks run
    sources: dict[str, str] = field(default_factory=dict)  # grade_id -> the solution's answer (its source)

    @property
    def max_total(self) -> float:
        return sum(t.points for t in self.tests)

    def defined_by(self, grade_id: str) -> set[str]:
        return self.answers[grade_id][0]

    def builds_on(self, test: Test) -> list[str]:
        """The other tests whose exercise this test's exercise builds on, in notebook order.

        Either the answer it grades uses a function another answer defines (notebook 03's
        two-layer net calls the student's ``affine_forward``), or its check runs another
        exercise's function on the student's behalf (notebook 01's ``Net`` check runs the gates),
        which in a grading kernel is the student's own (:mod:`stubs`).
        """
        own = {gid for gid in self.answers if test.names & self.defined_by(gid)}
        used = set().union(*(self.answers[gid][1] | self.answers[gid][2] for gid in own)) if own else set()
        used |= self.blocks.get(test.grade_id, set()) | test.names
        return [t.grade_id for t in self.tests if t.names and t.names <= used and t.names != test.names]

    def program(self, answers: dict[str, str]) -> list:
        """What a kernel runs for these answers, in notebook order: Steps and Tests (see slicing)."""
        return program(self.items, self.answers, self.lines, answers)


def _hidden_lines(source: str) -> set[int]:
    return {n for n, _ in region_lines(source, BEGIN_HIDDEN, END_HIDDEN)}


def _parse_test(source: str, where: str) -> list[Call]:
    """The check calls of one graded test cell (parsed, not run)."""
    tree = python_of(source)
    if tree is None:
        raise GradeError(f"{where}: the test cell is not valid Python")
    hidden, calls = _hidden_lines(source), []
    for stmt in tree.body:
        call = stmt.value if isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Call) else None
        func = call.func if call is not None else None
        name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", None)
        if not (isinstance(name, str) and name.startswith("check_")):
            raise GradeError(
                f"{where}, line {stmt.lineno}: a graded test cell may only call cu.checks.check_*(...); "
                f"found {ast.unparse(stmt)[:60]!r}"
            )
        if name not in REGISTRY:
            raise GradeError(f"{where}, line {stmt.lineno}: there is no check named {name}")
        assert call is not None  # name is a check_ function's
        spec = REGISTRY[name]
        if len(call.args) > len(spec.args) or any(isinstance(a, ast.Starred) for a in call.args):
            raise GradeError(f"{where}, line {stmt.lineno}: {name} takes {', '.join(spec.args)}")
        args, seed = {a: ast.unparse(v) for a, v in zip(spec.args, call.args)}, 0
        for kw in call.keywords:
            if kw.arg == "seed":
                try:
                    seed = int(ast.literal_eval(kw.value))
                except (ValueError, TypeError):
                    raise GradeError(f"{where}, line {stmt.lineno}: seed must be a number") from None
            elif kw.arg in spec.args:
                args[kw.arg] = ast.unparse(kw.value)
            elif kw.arg != "verbose":
                raise GradeError(f"{where}, line {stmt.lineno}: {name} has no argument {kw.arg!r}")
        missing = [a for a in spec.args if a not in args]
        if missing:
            raise GradeError(f"{where}, line {stmt.lineno}: {name} is missing {', '.join(missing)}")
        calls.append(Call(name, args, seed, hidden=stmt.lineno in hidden))
    if not calls:
        raise GradeError(f"{where}: the graded test cell has no check calls")
    return calls


def _code_keys(dotted: str, check: str) -> list[list]:
    """(file, name, first line) of each function behind a reference such as ``course_utils.layers.relu_forward``."""
    parts, obj = dotted.split("."), None
    for i in range(len(parts), 0, -1):
        try:
            obj = importlib.import_module(".".join(parts[:i]))
        except ImportError:
            continue
        try:
            for attr in parts[i:]:
                obj = getattr(obj, attr)
        except AttributeError:
            obj = None
        break
    if obj is None:
        raise GradeError(f"{check}: its reference {dotted!r} does not exist")
    funcs = (
        [obj]
        if not inspect.isclass(obj)
        else [
            f
            for v in vars(obj).values()
            for f in (getattr(v, "__func__", v), getattr(v, "fget", None), getattr(v, "fset", None))
        ]
    )
    codes = [f.__code__ for f in funcs if hasattr(f, "__code__")]
    return [[c.co_filename, c.co_name, c.co_firstlineno] for c in codes]


def _internals(check: str) -> list[list]:
    """(file, name, first line) of the code that computes a check's expected values.

    The functions ``expected`` reaches by name in its own module (and the lambdas inside
    them), less any that ``call`` or ``cases`` also reach: student code has no business
    running them, and an answer that does (say, a ``call`` patched to return
    ``spec.expected(case)``) is caught like one that calls the reference.
    """
    spec = REGISTRY[check]

    def reach(fn) -> set[tuple]:
        module, codes, todo = sys.modules.get(getattr(fn, "__module__", "")), set(), [getattr(fn, "__code__", None)]
        while todo:
            code = todo.pop()
            if code is None or code in codes:
                continue
            codes.add(code)
            todo += [c for c in code.co_consts if inspect.iscode(c)]
            for name in code.co_names:
                g = getattr(module, name, None)
                if inspect.isfunction(g) and g.__module__ == fn.__module__:
                    todo.append(g.__code__)
        return {(c.co_filename, c.co_name, c.co_firstlineno) for c in codes}

    keys = reach(spec.expected) - reach(spec.call) - reach(spec.cases)
    return [list(k) for k in sorted(keys)]


def _module_of(check: str) -> tuple[str, str | None]:
    """The module that registers ``check``, and the sys.path entry the kernel needs for it."""
    module = getattr(REGISTRY[check].call, "__module__", None)
    mod = sys.modules.get(module or "")
    file = getattr(mod, "__file__", None)
    if module is None or mod is None or module == "__main__" or not file:
        raise GradeError(f"{check} is defined in {module!r}, which a grading kernel cannot import")
    if module.split(".")[0] == "course_utils":
        return module, None
    root = Path(file).resolve().parent
    for _ in range(module.count(".") + (Path(file).name == "__init__.py")):
        root = root.parent
    return module, str(root)


def load_plan(path: Path | str) -> Plan:
    """Read a solution notebook into a :class:`Plan` (GradeError if it cannot be graded)."""
    path = Path(path)
    try:
        data = path.read_bytes()
        nb = nbformat.reads(data.decode("utf-8"), as_version=4)
    except (OSError, UnicodeDecodeError, ValueError, nbformat.reader.NotJSONError) as e:
        raise GradeError(f"{path}: not a readable notebook ({e.__class__.__name__})") from None
    answers: dict[str, tuple] = {}
    sources: dict[str, str] = {}
    tests: list[Test] = []
    items: list = []
    lines: dict[int, list[str]] = {}
    for i, cell in enumerate(nb.cells):
        meta = cell.metadata.get("nbgrader", {})
        if cell.cell_type != "code":
            continue
        gid, where = meta.get("grade_id"), f"{path.name}, cell {i}"
        if meta.get("grade") and meta.get("solution"):
            raise GradeError(f"{where} ({gid}): a manually graded answer cannot be graded automatically")
        taken = not gid or gid in answers or gid in {t.grade_id for t in tests}
        if (meta.get("grade") or meta.get("solution")) and taken:
            raise GradeError(f"{where}: a graded cell needs a grade_id used by no other cell")
        if meta.get("grade"):
            if not isinstance(meta.get("points"), (int, float)):
                raise GradeError(f"{where} ({gid}): a graded test cell needs numeric 'points'")
            tests.append(Test(gid, float(meta["points"]), i, _parse_test(cell.source, f"{where} ({gid})")))
            items.append(tests[-1])
        elif meta.get("solution"):
            tree = python_of(cell.source)
            answers[gid] = names(tree) if tree else (set(), set(), set())
            sources[gid] = cell.source
            items.append(("answer", gid))
        else:
            parsed = transform(cell.source)
            if parsed is None:
                continue  # a cell that is not valid Python defines nothing the grading could use
            tree, code = parsed
            lines[i] = code.splitlines()
            for stmt in tree.body:
                start = min([stmt.lineno] + [d.lineno for d in getattr(stmt, "decorator_list", [])])
                items.append(Unit(i, start, stmt.end_lineno or stmt.lineno, *names(stmt)))
    if not tests:
        raise GradeError(f'{path}: no graded test cells (nbgrader metadata with "grade": true and points)')
    _refuse_student_version(path, nb)
    checks = sorted({c.check for t in tests for c in t.calls})
    modules, paths = {}, set()
    for check in checks:
        module, root = _module_of(check)
        modules[module] = True
        if root:
            paths.add(root)
    references = {c: [k for dotted in REGISTRY[c].reference for k in _code_keys(dotted, c)] for c in checks}
    internals = {c: _internals(c) for c in checks}
    plan = Plan(
        path,
        path.stem,
        hashlib.sha256(data).hexdigest(),
        items,
        answers,
        tests,
        list(modules),
        sorted(paths),
        references,
        lines,
        internals,
    )
    plan.blocks = _blocks(plan)
    plan.sources = sources
    _compute_cases(plan)
    return plan


_BLANK = re.compile(r"^[ \t]*# YOUR CODE HERE[ \t]*\n[ \t]*raise NotImplementedError\(\)", re.M)


def _refuse_student_version(path: Path, nb) -> None:
    """GradeError when ``nb`` is a student version (``course release``'s blanks in its answer cells):
    its tests lack the hidden ones, and grading against it would silently drop them."""
    blank = [
        c.metadata["nbgrader"].get("grade_id")
        for c in nb.cells
        if c.cell_type == "code"
        and c.metadata.get("nbgrader", {}).get("solution")
        and BEGIN_SOLUTION not in c.source
        and _BLANK.search(c.source)
    ]
    if blank:
        shown = ", ".join(f"`{g}`" for g in blank[:3]) + (f" and {len(blank) - 3} more" if len(blank) > 3 else "")
        raise GradeError(
            f"{path} is a student version, not a solution: its answer cell(s) {shown} hold "
            "`# YOUR CODE HERE` and `raise NotImplementedError()`, and its test cells lack the hidden "
            f"tests. Grade against the solution notebook (solutions/{path.name})."
        )


def _reached(fn) -> set[str]:
    """Every name the code of ``fn`` (and of the functions it calls in its own module) mentions."""
    module, seen, names, todo = (
        sys.modules.get(getattr(fn, "__module__", "")),
        set(),
        set(),
        [getattr(fn, "__code__", None)],
    )
    while todo:
        code = todo.pop()
        if code is None or code in seen:
            continue
        seen.add(code)
        names |= set(code.co_names)
        todo += [c for c in code.co_consts if inspect.iscode(c)]
        for name in code.co_names:
            g = getattr(module, name, None)
            if inspect.isfunction(g) and g.__module__ == fn.__module__:
                todo.append(g.__code__)
    return names


def _blocks(plan: Plan) -> dict[str, set[str]]:
    """test -> the names of other exercises' references that its checks' code runs in the kernel."""
    refs = {c: {d.rsplit(".", 1)[1] for d in REGISTRY[c].reference} for c in plan.references}
    blocks = {}
    for test in plan.tests:
        mine = set().union(*(refs[c.check] for c in test.calls))
        reached = set().union(*(_reached(REGISTRY[c.check].call) for c in test.calls))
        others = set().union(*(refs[c] for c in refs)) - mine
        blocks[test.grade_id] = reached & others
    return blocks


def _compute_cases(plan: Plan) -> None:
    """Inputs and expected values of every call, computed once, in the grader's process."""
    for test in plan.tests:
        for call in test.calls:
            spec = REGISTRY[call.check]
            try:
                call.cases = spec.cases(call.seed)
                call.expected = [spec.expected(copy.deepcopy(case)) for case in call.cases]
            except Exception as e:
                raise GradeError(
                    f"{test.grade_id}: {call.check}(seed={call.seed}) fails in the grader: {e.__class__.__name__}: {e}"
                ) from None
