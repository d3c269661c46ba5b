"""The notebooks as a whole: notebooks/ is exactly what `course release` makes from solutions/,
holds no solution code, and every graded check fails on the blank student version.

(That every solution notebook runs and passes its checks is `pytest --nbval-lax solutions/`.)
"""

import ast
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

from course_tools import check_release
from course_tools.release import (
    BEGIN_HIDDEN,
    BEGIN_SOLUTION,
    CHECK_OUTPUT_TAG,
    END_HIDDEN,
    END_SOLUTION,
    pins_output,
    region_lines,
    student_source,
)
from course_utils.checks import REGISTRY

ROOT = Path(__file__).resolve().parents[1]
SOLUTIONS = sorted((ROOT / "solutions").glob("*.ipynb"))
IDS = [p.stem for p in SOLUTIONS]


def _graded(nb):
    return [c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade")]


def _regions(source: str, begin: str, end: str) -> list[str]:
    return [line.strip() for _, line in region_lines(source, begin, end) if line.strip()]


def test_there_are_solution_notebooks():
    assert SOLUTIONS, "no notebooks in solutions/"


def test_student_notebooks_are_exactly_what_release_makes():
    problems = check_release(ROOT / "solutions", ROOT / "notebooks")
    assert not problems, "notebooks/ is stale; run `make release`:\n" + "\n".join(problems)


@pytest.mark.parametrize("solution", SOLUTIONS, ids=IDS)
def test_student_notebook_contains_no_solution_code_or_hidden_tests(solution):
    sol = nbformat.read(solution, as_version=4)
    student = nbformat.read(ROOT / "notebooks" / solution.name, as_version=4)
    text = "\n".join(c.source for c in student.cells)
    for marker in (BEGIN_SOLUTION, END_SOLUTION, BEGIN_HIDDEN, END_HIDDEN):
        assert marker not in text
    by_id = {c.get("id"): c for c in student.cells}
    for cell in sol.cells:
        for line in _regions(cell.source, BEGIN_HIDDEN, END_HIDDEN):
            assert line not in text, f"hidden test line leaked into the student notebook: {line!r}"
        inside = set(_regions(cell.source, BEGIN_SOLUTION, END_SOLUTION))
        if not inside:
            continue
        given = {line.strip() for line in student_source(cell.source, cell.cell_type).splitlines()}
        student_lines = {line.strip() for line in by_id[cell.get("id")].source.splitlines()}
        leaked = (inside - given) & student_lines
        assert not leaked, f"{solution.name}: solution lines in the student notebook: {sorted(leaked)}"


@pytest.mark.parametrize("solution", SOLUTIONS, ids=IDS)
def test_pinned_outputs_are_tagged_and_students_see_no_test_plumbing(solution):
    sol = nbformat.read(solution, as_version=4)
    pinned = [c for c in sol.cells if pins_output(c)]
    assert pinned, f"{solution.name} pins no printed numbers (no cell tagged {CHECK_OUTPUT_TAG})"
    assert all(c.outputs and c.execution_count for c in pinned), (
        f"{solution.name}: a cell tagged {CHECK_OUTPUT_TAG} has no stored output; run `course store-outputs`"
    )
    student = nbformat.read(ROOT / "notebooks" / solution.name, as_version=4)
    shown = [i for i, c in enumerate(student.cells) if "NBVAL" in c.source.upper()]
    assert not shown, f"{solution.name}: cells {shown} show nbval markers to students"


@pytest.mark.parametrize("solution", SOLUTIONS, ids=IDS)
def test_every_exercise_has_a_graded_check_right_below(solution):
    nb = nbformat.read(solution, as_version=4)
    code = [c for c in nb.cells if c.cell_type == "code"]
    exercises = [i for i, c in enumerate(code) if c.metadata.get("nbgrader", {}).get("solution")]
    assert exercises, f"{solution.name} has no exercises"
    for i in exercises:
        gid = code[i].metadata.nbgrader.grade_id
        below = code[i + 1] if i + 1 < len(code) else None
        assert below is not None and below.metadata.get("nbgrader", {}).get("grade"), (
            f"{solution.name}: exercise {gid!r} has no graded check cell right below it"
        )


@pytest.mark.parametrize("solution", SOLUTIONS, ids=IDS)
def test_check_cells_only_call_registered_checks(solution):
    """Graded cells are parsed, not run, by the autograder: only `cu.checks.check_*(...)` calls."""
    nb = nbformat.read(solution, as_version=4)
    for cell in _graded(nb):
        tree = ast.parse(cell.source)
        assert tree.body, f"{solution.name}: graded cell {cell.metadata.nbgrader.grade_id} is empty"
        for stmt in tree.body:
            call = stmt.value if isinstance(stmt, ast.Expr) else None
            func = getattr(call, "func", None)
            name = getattr(func, "attr", None)
            assert isinstance(call, ast.Call) and name in REGISTRY and ast.unparse(func.value) == "cu.checks", (
                f"{solution.name}: graded cell {cell.metadata.nbgrader.grade_id} has "
                f"{ast.unparse(stmt)!r}; a check cell holds only cu.checks.check_*(...) calls"
            )


@pytest.mark.kernel
@pytest.mark.parametrize("solution", SOLUTIONS, ids=IDS)
def test_blank_student_notebook_fails_every_check(solution):
    """Run top to bottom as a student runs it, up to the last graded cell: what follows cannot
    change what a check above it showed."""
    student = ROOT / "notebooks" / solution.name
    nb = nbformat.read(student, as_version=4)
    graded = _graded(nb)
    assert graded, f"{student.name} has no graded check cells"
    nb.cells = nb.cells[: nb.cells.index(graded[-1]) + 1]
    first = next(c for c in nb.cells if c.cell_type == "code")
    nb.cells.append(nbformat.from_dict(first))  # a second Run All runs the first cell again
    NotebookClient(
        nb,
        timeout=120,
        kernel_name="python3",
        allow_errors=True,  # as course_tools.execute runs one
        resources={"metadata": {"path": str(student.parent)}},
    ).execute()
    passed = [c.metadata.nbgrader.grade_id for c in graded if not any(o.output_type == "error" for o in c.outputs)]
    assert not passed, f"{student.name}: these checks pass on the blank notebook: {passed}"
    again = nb.cells[-1].outputs
    assert not again, f"{student.name}: its first cell prints on a second run: {again}"
