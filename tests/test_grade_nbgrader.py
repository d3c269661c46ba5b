"""The solution notebooks also work under nbgrader: its own ``generate_assignment`` (run
without its database) makes the same student cells from them as ``course release`` does.

nbgrader is a test-only dependency (the ``dev`` extra); without it this module is skipped.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from course_tools.release import release_notebook

pytest.importorskip("nbgrader", reason="nbgrader is not installed: `pip install -e .[dev]` brings it")

HERE = Path(__file__).resolve().parent
NOTEBOOKS = sorted((HERE.parent / "solutions").glob("*.ipynb")) + [HERE / "grade_fixtures" / "fixture.json"]
KEYS = ("grade_id", "grade", "solution", "points", "locked", "schema_version")


@pytest.fixture(scope="module")
def released(tmp_path_factory) -> Path:
    """Every solution notebook through ``nbgrader generate_assignment --no-db``, in one run."""
    root = tmp_path_factory.mktemp("nbgrader")
    source = root / "source" / "course"
    source.mkdir(parents=True)
    for nb in NOTEBOOKS:
        shutil.copy(nb, source / f"{nb.stem}.ipynb")
    env = dict(os.environ, HOME=str(root), JUPYTER_CONFIG_DIR=str(root / ".jupyter"), JUPYTER_PLATFORM_DIRS="1")
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "nbgrader",
            "generate_assignment",
            "course",
            "--no-db",
            f"--CourseDirectory.root={root}",
        ],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert not list(root.glob("*.db")), "nbgrader wrote a database although it was told not to"
    return root / "release" / "course"


@pytest.mark.parametrize("solution", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_nbgrader_makes_the_same_student_cells_as_course_release(released, solution):
    theirs = nbformat.read(released / f"{solution.stem}.ipynb", as_version=4)
    ours = release_notebook(solution)
    assert [c.cell_type for c in theirs.cells] == [c.cell_type for c in ours.cells]
    for i, (t, o) in enumerate(zip(theirs.cells, ours.cells)):
        if o.cell_type == "code":
            assert t.source == o.source, f"{solution.name}, cell {i}"
        meta_t, meta_o = t.metadata.get("nbgrader", {}), o.metadata.get("nbgrader", {})
        assert {k: meta_t.get(k) for k in KEYS if k in meta_o} == {k: meta_o[k] for k in KEYS if k in meta_o}, (
            f"{solution.name}, cell {i}"
        )
