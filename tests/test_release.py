"""course release: student notebooks from solutions, and never losing a student's work."""

import json
import re
import subprocess
import sys

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

from course_tools import ReleaseError, check_release, release, release_notebook
from course_tools.cli import main
from course_tools.release import CHECK_OUTPUT_TAG, region_lines, student_source

SOL = {
    "nbgrader": {
        "grade": False,
        "grade_id": "square",
        "locked": False,
        "schema_version": 3,
        "solution": True,
        "task": False,
    }
}
TEST = {
    "nbgrader": {
        "grade": True,
        "grade_id": "test_square",
        "locked": True,
        "points": 2,
        "schema_version": 3,
        "solution": False,
        "task": False,
    }
}

SOLUTION_CODE = '''def square(x):
    """Return x squared."""
    ### BEGIN SOLUTION
    y = x * x
    return y
    ### END SOLUTION'''

TEST_CODE = """assert square(3) == 9
### BEGIN HIDDEN TESTS
assert square(-4) == 16
### END HIDDEN TESTS"""


def make_solution(path, extra_source=""):
    pinned = new_code_cell(
        "print(2 + 2)",
        execution_count=3,
        metadata={"tags": [CHECK_OUTPUT_TAG]},
        outputs=[new_output("stream", name="stdout", text="4\n")],
    )
    nb = new_notebook(
        cells=[
            new_markdown_cell("# Squares" + extra_source),
            new_code_cell("import math", execution_count=1, outputs=[new_output("stream", name="stdout", text="x\n")]),
            new_code_cell(SOLUTION_CODE, metadata=SOL),
            new_code_cell(TEST_CODE, metadata=TEST),
            pinned,
        ],
        metadata={"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}},
    )
    nbformat.write(nb, path)
    return nb


@pytest.fixture
def course(tmp_path):
    (tmp_path / "solutions").mkdir()
    make_solution(tmp_path / "solutions" / "01_sq.ipynb")
    return tmp_path


def test_student_source_keeps_indentation_and_drops_hidden_tests():
    src = student_source(SOLUTION_CODE)
    assert src.splitlines()[-2:] == ["    # YOUR CODE HERE", "    raise NotImplementedError()"]
    assert "x * x" not in src and '"""Return x squared."""' in src
    assert student_source(TEST_CODE) == "assert square(3) == 9"
    answer = "Answer:\n### BEGIN SOLUTION\nBecause.\n### END SOLUTION"
    assert student_source(answer, "markdown") == "Answer:\nYOUR ANSWER HERE"


def test_region_lines_numbers_the_lines_inside_markers():
    assert region_lines(TEST_CODE, "### BEGIN HIDDEN TESTS", "### END HIDDEN TESTS") == [(3, "assert square(-4) == 16")]
    assert [n for n, _ in region_lines(SOLUTION_CODE, "### BEGIN SOLUTION", "### END SOLUTION")] == [4, 5]


@pytest.mark.parametrize(
    "source, message",
    [
        ("### BEGIN SOLUTION\nx = 1", "line 1: ### BEGIN SOLUTION is never closed"),
        ("x = 1\n### END SOLUTION", "line 2: ### END SOLUTION without a matching ### BEGIN SOLUTION"),
        ("### BEGIN SOLUTION\n### BEGIN HIDDEN TESTS", "line 2: ### BEGIN HIDDEN TESTS inside ### BEGIN SOLUTION"),
        ("x = 1  ### BEGIN SOLUTION", "line 1: a marker must stand alone"),
    ],
)
def test_malformed_markers_are_named_with_their_line(source, message):
    with pytest.raises(ReleaseError, match=message):
        student_source(source, where="nb.ipynb, cell 4")


def test_release_notebook_clears_outputs_except_pinned_and_keeps_metadata(course):
    nb = release_notebook(course / "solutions" / "01_sq.ipynb")
    imports, exercise, test, pinned = nb.cells[1:]
    assert imports.outputs == [] and imports.execution_count is None
    assert pinned.outputs[0].text == "4\n" and pinned.execution_count == 3
    assert exercise.metadata.nbgrader == SOL["nbgrader"] and test.metadata.nbgrader["points"] == 2
    assert "raise NotImplementedError()" in exercise.source and "-4" not in test.source


def test_pinned_outputs_are_marked_by_a_tag_that_students_do_not_see(course):
    nb = release_notebook(course / "solutions" / "01_sq.ipynb")
    pinned = nb.cells[-1]
    assert pinned.source == "print(2 + 2)" and pinned.metadata.tags == [CHECK_OUTPUT_TAG]
    assert pinned.outputs[0].text == "4\n"


def test_the_old_pin_comment_is_refused_with_notebook_and_cell(course):
    path = course / "solutions" / "01_sq.ipynb"
    nb = nbformat.read(path, as_version=4)
    nb.cells[4].source = "# NBVAL_CHECK_OUTPUT\nprint(2 + 2)"
    nbformat.write(nb, path)
    message = r"01_sq.ipynb, cell 4, line 1: # NBVAL_CHECK_OUTPUT would show in the student.s cell; .*nbval-check-out"
    with pytest.raises(ReleaseError, match=message):
        release_notebook(path)
    with pytest.raises(ReleaseError, match=message):
        release(course / "solutions", course / "notebooks")
    assert not (course / "notebooks" / "01_sq.ipynb").exists()


def test_release_does_its_work_when_called(course):
    sol, nbs = course / "solutions", course / "notebooks"
    lines = release(sol, nbs)  # not iterated
    assert (nbs / "01_sq.ipynb").exists() and lines == [f"{nbs / '01_sq.ipynb'}: created"]
    _fill_in_answer(nbs / "01_sq.ipynb")
    make_solution(sol / "01_sq.ipynb", extra_source=" (v2)")
    with pytest.raises(ReleaseError, match="answers filled in"):
        release(sol, nbs)


@pytest.mark.kernel
def test_nbval_compares_only_the_outputs_of_tagged_cells(tmp_path):
    """The tag alone makes ``pytest --nbval-lax`` compare a cell's output: a changed pinned number fails."""
    for name, pinned, unpinned in (("right", "4\n", "x\n"), ("changed", "5\n", "x\n")):
        nb = new_notebook(
            cells=[
                new_code_cell(
                    "print(2 + 2)",
                    execution_count=1,
                    metadata={"tags": [CHECK_OUTPUT_TAG]},
                    outputs=[new_output("stream", name="stdout", text=pinned)],
                ),
                new_code_cell(
                    "print(3 + 3)", execution_count=2, outputs=[new_output("stream", name="stdout", text=unpinned)]
                ),
            ],
            metadata={"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}},
        )
        nbformat.write(nb, tmp_path / f"{name}.ipynb")
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "--nbval-lax",
            "--nbval-current-env",
            "-p",
            "no:cacheprovider",
            "-v",
            "--color=no",
            "--rootdir",
            str(tmp_path),
            "right.ipynb",
            "changed.ipynb",
        ],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 1, proc.stdout[-3000:]
    verdicts = re.findall(r"^(right|changed)\S*::Cell (\d) (PASSED|FAILED)", proc.stdout, flags=re.M)
    assert sorted(verdicts) == [
        ("changed", "0", "FAILED"),
        ("changed", "1", "PASSED"),
        ("right", "0", "PASSED"),
        ("right", "1", "PASSED"),
    ], proc.stdout[-3000:]
    assert "Cell outputs differ" in proc.stdout and "'5\\n' == '4\\n'" in proc.stdout


def test_solution_regions_need_nbgrader_metadata(tmp_path):
    nb = new_notebook(cells=[new_code_cell(SOLUTION_CODE)])
    nbformat.write(nb, tmp_path / "x.ipynb")
    with pytest.raises(ReleaseError, match="cell 0: it has a solution region but no nbgrader metadata"):
        release_notebook(tmp_path / "x.ipynb")


def test_duplicate_grade_ids_are_refused(tmp_path):
    nb = new_notebook(cells=[new_code_cell(SOLUTION_CODE, metadata=SOL), new_code_cell("x", metadata=SOL)])
    nbformat.write(nb, tmp_path / "x.ipynb")
    with pytest.raises(ReleaseError, match="cells 0 and 1: grade_id 'square' is used twice"):
        release_notebook(tmp_path / "x.ipynb")


def test_release_then_check_then_stale(course):
    sol, nbs = course / "solutions", course / "notebooks"
    assert release(sol, nbs) == [f"{nbs / '01_sq.ipynb'}: created"]
    assert check_release(sol, nbs) == []
    assert release(sol, nbs) == [f"{nbs / '01_sq.ipynb'}: up to date"]
    make_solution(sol / "01_sq.ipynb", extra_source=" (new intro)")
    assert check_release(sol, nbs) == [f"{nbs / '01_sq.ipynb'}: stale (cells 0 differ)"]
    # a stale but untouched student notebook is simply updated
    assert release(sol, nbs) == [f"{nbs / '01_sq.ipynb'}: updated"]
    (sol / "02_new.ipynb").write_text((sol / "01_sq.ipynb").read_text())
    assert check_release(sol, nbs) == [f"{nbs / '02_new.ipynb'}: missing"]


def _fill_in_answer(path):
    nb = nbformat.read(path, as_version=4)
    nb.cells[2].source = "def square(x):\n    return x ** 2"
    nbformat.write(nb, path)


def test_edited_student_notebook_is_never_overwritten_without_force(course):
    sol, nbs = course / "solutions", course / "notebooks"
    release(sol, nbs)
    target = nbs / "01_sq.ipynb"
    _fill_in_answer(target)
    edited = target.read_text()
    make_solution(sol / "01_sq.ipynb", extra_source=" (new intro)")
    with pytest.raises(ReleaseError, match=r"(?s)answers filled in \(cells 2\).*--force"):
        release(sol, nbs)
    assert target.read_text() == edited
    lines = release(sol, nbs, force=True)
    assert "edited version is kept in" in lines[0]
    backups = list((course / ".release-backups").glob("*/01_sq.ipynb"))
    assert len(backups) == 1 and backups[0].read_text() == edited
    assert "raise NotImplementedError()" in target.read_text()


def test_notebook_with_outputs_counts_as_edited(course):
    sol, nbs = course / "solutions", course / "notebooks"
    release(sol, nbs)
    nb = nbformat.read(nbs / "01_sq.ipynb", as_version=4)
    nb.cells[1].outputs = [new_output("stream", name="stdout", text="ran\n")]
    nbformat.write(nb, nbs / "01_sq.ipynb")
    make_solution(sol / "01_sq.ipynb", extra_source=" (v2)")
    with pytest.raises(ReleaseError, match=r"outputs present \(cells 1\)"):
        release(sol, nbs)


def test_refusal_writes_nothing_at_all(course):
    sol, nbs = course / "solutions", course / "notebooks"
    release(sol, nbs)
    _fill_in_answer(nbs / "01_sq.ipynb")
    (sol / "00_first.ipynb").write_text((sol / "01_sq.ipynb").read_text())
    with pytest.raises(ReleaseError):
        release(sol, nbs)
    assert not (nbs / "00_first.ipynb").exists()


def test_extra_student_notebooks_are_left_alone(course):
    sol, nbs = course / "solutions", course / "notebooks"
    nbs.mkdir()
    (nbs / "my_scratch.ipynb").write_text(json.dumps({"cells": []}))
    lines = release(sol, nbs)
    assert any("my_scratch.ipynb: no solution notebook of that name (left alone)" in line for line in lines)
    assert (nbs / "my_scratch.ipynb").exists()


def test_cli_release_check_and_errors(course, capsys):
    sol, nbs = str(course / "solutions"), str(course / "notebooks")
    assert main(["release", "--solutions", sol, "--notebooks", nbs, "--check"]) == 1
    assert "01_sq.ipynb: missing" in capsys.readouterr().err
    assert main(["release", "--solutions", sol, "--notebooks", nbs]) == 0
    assert main(["release", "--solutions", sol, "--notebooks", nbs, "--check"]) == 0
    assert main(["release", "--solutions", str(course / "nope"), "--notebooks", nbs]) == 2
    assert "no solutions folder" in capsys.readouterr().err
    assert main(["release", "zz_unknown", "--solutions", sol, "--notebooks", nbs]) == 2
    assert "no solution notebook named zz_unknown" in capsys.readouterr().err


@pytest.mark.kernel
def test_store_outputs_keeps_only_pinned_cells(course, capsys):
    path = course / "solutions" / "01_sq.ipynb"
    nb = nbformat.read(path, as_version=4)
    nb.cells[4].outputs = []
    nbformat.write(nb, path)
    assert main(["store-outputs", str(path)]) == 0
    assert "kept the outputs of 1" in capsys.readouterr().out
    nb = nbformat.read(path, as_version=4)
    assert nb.cells[4].outputs[0].text == "4\n"
    assert all(c.outputs == [] for c in nb.cells[1:4])


@pytest.mark.kernel
def test_store_outputs_writes_nothing_when_a_cell_fails(course, capsys):
    path = course / "solutions" / "01_sq.ipynb"
    nb = nbformat.read(path, as_version=4)
    nb.cells[1].source = "raise ValueError('broken setup')"
    nbformat.write(nb, path)
    before = path.read_text()
    assert main(["store-outputs", str(path)]) == 1
    assert "a cell failed, nothing was written" in capsys.readouterr().err
    assert path.read_text() == before


def test_the_grader_reads_nbgraders_markers_without_importing_release():
    """One definition of the markers (course_tools.markers) for release and the grader; the grader never
    imports release, so building student notebooks and grading them stay apart."""
    import ast
    import importlib
    from pathlib import Path

    from course_tools import markers

    release_module = importlib.import_module("course_tools.release")  # the package exports a function of that name
    grade = Path(release_module.__file__).parent / "grade"
    for path in sorted(grade.glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom):
                names = [node.module or ""]
            elif isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            else:
                continue
            assert not any(n == "release" or n.endswith(".release") for n in names), f"{path.name} imports release"
    assert release_module.region_lines is markers.region_lines
    assert release_module.BEGIN_SOLUTION == markers.BEGIN_SOLUTION == "### BEGIN SOLUTION"
