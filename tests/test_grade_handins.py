"""Finding and naming hand-ins (:mod:`course_tools.grade.handins`), and what an instructor meets
around a run: one student never takes another's row, names cannot break the gradebook, a student
version is no solution, an empty shard is a shard. No kernel runs here.
"""

from __future__ import annotations

import csv
import io
import os
import subprocess
from pathlib import Path

import pytest

from course_tools import cli
from course_tools.grade.handins import find_handins, student_key
from course_tools.grade.plan import GradeError, load_plan
from course_tools.grade.report import write_gradebook

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
NAME = "fixture"


def put(folder: Path, name: str, data: bytes = b"{}", *, age: int = 0) -> Path:
    """A hand-in ``name`` (a folder when it ends in /), handed in ``age`` seconds ago."""
    path = folder / name.rstrip("/")
    if name.endswith("/"):
        path.mkdir()
        (path / f"{NAME}.ipynb").write_bytes(data)
    else:
        path.write_bytes(data)
    t = 1_700_000_000 - age
    os.utime(path, (t, t), follow_symlinks=False)
    return path


def keyed(folder: Path) -> dict[str, object]:
    return {h.handin: h for h in find_handins(folder, NAME)}


def test_a_made_name_cannot_take_the_row_of_the_hand_in_it_imitates(tmp_path):
    real = student_key("ann lee", "ann lee.ipynb")  # ann_lee-<hash of "ann lee.ipynb">
    put(tmp_path, "ann lee.ipynb", b"ann's", age=10)
    put(tmp_path, f"{real}.ipynb", b"the imitator's")
    got = keyed(tmp_path)
    assert got["ann lee.ipynb"].student == real and got["ann lee.ipynb"].data == b"ann's"
    imitator = got[f"{real}.ipynb"]
    assert imitator.student != real and imitator.student.startswith(real + "-")  # its own row, graded
    assert imitator.data == b"the imitator's" and imitator.problem is None


def test_a_file_and_a_folder_of_one_name_are_both_graded_in_rows_of_their_own(tmp_path):
    put(tmp_path, "ann.ipynb", b"first", age=60)
    put(tmp_path, "ann/", b"second")  # handed in later: it cannot void the first
    got = keyed(tmp_path)
    first, later = got["ann.ipynb"], got["ann/"]
    assert (first.student, first.data, first.problem) == ("ann", b"first", None)
    assert later.student.startswith("ann-") and (later.data, later.problem) == (b"second", None)
    assert any(later.student in n for n in first.notes) and any("`ann`" in n for n in later.notes)
    # the other way round: the folder came first and keeps the name
    other = tmp_path / "other"
    other.mkdir()
    put(other, "bo/", b"first", age=60)
    put(other, "bo.ipynb", b"second")
    got = keyed(other)
    assert got["bo/"].student == "bo" and got["bo.ipynb"].student.startswith("bo-")


def test_a_collision_of_rows_is_refused_for_the_newcomer_naming_both(tmp_path):
    put(tmp_path, "Ann.ipynb", b"first", age=60)
    put(tmp_path, "ann.ipynb", b"second")  # the same row on a disk that ignores case
    got = keyed(tmp_path)
    assert (got["Ann.ipynb"].student, got["Ann.ipynb"].problem) == ("Ann", None)
    late = got["ann.ipynb"]
    assert late.data is None and late.student.casefold() != "ann"
    status, why = late.problem
    assert status == "invalid notebook" and "`ann.ipynb`" in why and "`Ann.ipynb`" in why and "rename" in why


def test_keys_are_those_of_the_whole_folder_whatever_the_shard(tmp_path):
    put(tmp_path, "ann.ipynb", age=60)
    put(tmp_path, "ann/")
    put(tmp_path, "bob.ipynb")
    whole = {h.handin: h.student for h in find_handins(tmp_path, NAME)}
    parts = {}
    for i in (1, 2, 3):
        from course_tools.grade.shards import Shard

        parts.update({h.handin: h.student for h in find_handins(tmp_path, NAME, Shard(i, 3).holds)})
    assert parts == whole and len(set(whole.values())) == 3


NASTY = [
    'eve\r=HYPERLINK("x").ipynb',
    "=cmd|' -C calc'!A0.ipynb",
    "+1.ipynb",
    "-2.ipynb",
    "@SUM(1).ipynb",
    "tab\there.ipynb",
    "line\u2028sep.ipynb",
    "nul\x01.ipynb",
]


def test_names_and_details_stay_one_cell_of_one_row_and_never_a_formula(tmp_path):
    handins = [h for name in NASTY for h in [put(tmp_path, name)]]
    assert len(handins) == len(NASTY)
    found = find_handins(tmp_path, NAME)
    results = {
        h.student: {
            "handin": h.handin,
            "tests": {},
            "total": 0,
            "status": "ok",
            "detail": "=1+1\rinjected,row\n" + h.handin,
        }
        for h in found
    }
    write_gradebook(tmp_path / "out", ["t"], 1, results)
    text = (tmp_path / "out" / "grades.csv").read_text()
    assert text.count("\n") == len(NASTY) + 1 and "\r" not in text and "\u2028" not in text
    rows = list(csv.reader(io.StringIO(text)))
    assert all(len(r) == 7 for r in rows)
    for row in rows[1:]:
        assert all(cell[:1] not in "=+-@" for cell in row if not cell.lstrip("-").isdigit())
        assert all(c.isprintable() for cell in row for c in cell)
    assert any(r[1] == "'=cmd|' -C calc'!A0.ipynb" for r in rows)
    assert any(r[1] == 'eve\\x0d=HYPERLINK("x").ipynb' for r in rows)


def test_a_student_version_is_refused_as_the_solution(tmp_path):
    with pytest.raises(GradeError, match="is a student version") as e:
        load_plan(REPO / "notebooks" / "01_backprop_circuits.ipynb")
    assert "solutions/01_backprop_circuits.ipynb" in str(e.value) and "hidden" in str(e.value)
    subs = tmp_path / "subs"
    subs.mkdir()
    put(subs, "ann.ipynb")
    code = cli.main(
        [
            "grade",
            str(subs),
            "--solution",
            str(REPO / "notebooks" / "01_backprop_circuits.ipynb"),
            "--out",
            str(tmp_path / "out"),
        ]
    )
    assert code == 2 and not (tmp_path / "out").exists()


def test_course_help_names_merge_and_merge_help_needs_the_solution(capsys):
    with pytest.raises(SystemExit):
        cli.main(["--help"])
    assert "course grade merge" in capsys.readouterr().out
    with pytest.raises(SystemExit):
        cli.main(["grade", "merge", "--help"])
    assert "--solution" in capsys.readouterr().out


def test_hand_ins_and_grades_are_never_committed_by_accident():
    ignored = subprocess.run(
        ["git", "check-ignore", "handin/03/ann.ipynb", "grades/03/grades.csv"], cwd=REPO, capture_output=True, text=True
    )
    assert ignored.stdout.split() == ["handin/03/ann.ipynb", "grades/03/grades.csv"], ignored.stderr


def test_an_empty_shard_writes_an_empty_gradebook_that_merge_accepts(tmp_path):
    from course_tools.grade import grade
    from course_tools.grade.shards import shard_of

    solution = REPO / "solutions" / "01_backprop_circuits.ipynb"
    subs = tmp_path / "subs"
    subs.mkdir()
    put(subs, "ann.ipynb")
    empty = next(i for i in range(1, 5) if shard_of("ann", 4) != i)
    assert grade(subs, solution, tmp_path / "part", shard=f"{empty}/4", progress=False, jobs=1) == {}
    assert (tmp_path / "part" / "grades.csv").read_text().count("\n") == 1
    assert (
        cli.main(
            ["grade", "merge", str(tmp_path / "part"), "--solution", str(solution), "--out", str(tmp_path / "merged")]
        )
        == 0
    )
    assert (tmp_path / "merged" / "grades.csv").read_text() == (tmp_path / "part" / "grades.csv").read_text()
