"""Every notebook of the course, run in JupyterLab as a student runs it, and looked at in the page.

- A student notebook (``notebooks/``): Run All goes up to the first exercise's check and stops
  there; the cells before the exercise show no error, their figures render, and the check says
  in one line that the exercise is not filled in yet.
- A solution notebook (``solutions/``): Run All runs every cell; no error anywhere; every figure
  renders; every widget renders its sliders, and moving one slider of each changes its figure.

A screenshot of each notebook (and of each widget after its slider moved) goes to the folder
that ``make e2e`` prints.
"""

from pathlib import Path

import pytest

from .labdriver import solution_problems, student_problems

ROOT = Path(__file__).resolve().parents[2]
STUDENT = [f"notebooks/{p.name}" for p in sorted((ROOT / "notebooks").glob("*.ipynb"))]
SOLUTIONS = [f"solutions/{p.name}" for p in sorted((ROOT / "solutions").glob("*.ipynb"))]

pytestmark = [pytest.mark.browser, pytest.mark.kernel]


def _ids(paths):
    return [Path(p).stem for p in paths]


@pytest.mark.parametrize("notebook", STUDENT, ids=_ids(STUDENT))
def test_student_notebook_in_lab(notebook_run, screenshots):
    problems = student_problems(notebook_run, screenshots)
    assert not problems, f"{notebook_run.path} in JupyterLab:\n  " + "\n  ".join(problems)


@pytest.mark.parametrize("notebook", SOLUTIONS, ids=_ids(SOLUTIONS))
def test_solution_notebook_in_lab(notebook_run, screenshots):
    problems = solution_problems(notebook_run, screenshots)
    assert not problems, f"{notebook_run.path} in JupyterLab:\n  " + "\n  ".join(problems)
