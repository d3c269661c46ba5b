"""Reading one grading output (the ``--out`` folder of ``course grade`` or ``course grade merge``)
for the report, refusing what is not one.

A grading output holds ``grades.csv`` (one row per hand-in: ``student``, ``handin``, one column per
test's grade_id, ``total``, ``max_total``, ``status``, ``detail``) and ``results/<student>.json``,
the grader's record of each hand-in. The report reads the records; the gradebook only says which
students and tests there are. Every record must exist, be a record of ``course grade``, have the
gradebook's tests, and name the same solution as the others (its ``solution_sha256``, the hash of
the solution notebook it was graded against): anything else is a :class:`ReportError` whose one
line names the file and says what to do.
"""

from __future__ import annotations

import csv
import json
import math
from dataclasses import dataclass
from pathlib import Path

from ..grade.shards import MAX_RECORD_BYTES, _read_bytes

__all__ = ["ReportError", "Output", "load_output"]

_FIXED = (["student", "handin"], ["total", "max_total", "status", "detail"])


class ReportError(Exception):
    """The report cannot be made; the message (one line) names the file and says why."""


@dataclass
class Output:
    """One grading output: its folder, the assignment (the solution's name and hash), its tests
    (grade_id -> points) in the gradebook's order, and every student's record."""

    folder: Path
    assignment: str
    solution_sha256: str
    tests: dict[str, float]
    records: dict[str, dict]

    @property
    def max_total(self) -> float:
        return sum(self.tests.values())


def _number(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def _read_record(path: Path, student: str, gids: list[str]) -> dict:
    """One result record, checked enough for the report to read it without surprises."""
    shown = path
    try:
        data = _read_bytes(path, MAX_RECORD_BYTES)
    except FileNotFoundError:
        raise ReportError(
            f"{shown} is missing (grades.csv has a row for {student}): run the same `course grade` "
            "command again to grade it, or remove the row"
        ) from None
    except OSError as e:
        raise ReportError(f"{shown} cannot be read ({e.__class__.__name__}: {str(e)[:120]})") from None
    try:
        record = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError) as e:
        raise ReportError(
            f"{shown} is damaged (not JSON: {e.__class__.__name__}); grade that hand-in again "
            "(`course grade ... --force`, or delete the file and run `course grade` again)"
        ) from None
    tests = record.get("tests") if isinstance(record, dict) else None
    if not (
        isinstance(tests, dict)
        and isinstance(record.get("status"), str)
        and _number(record.get("total"))
        and isinstance(record.get("solution_sha256"), str)
    ):
        raise ReportError(
            f"{shown} is not a result record of `course grade` (status, total, tests or solution missing)"
        )
    if record.get("student") != student:
        raise ReportError(f"{shown}: its student ({str(record.get('student'))[:60]!r}) is not its file's name")
    if sorted(tests) != sorted(gids):
        raise ReportError(
            f"{shown}: its tests ({', '.join(sorted(tests)[:6])}) are not the gradebook's "
            f"({', '.join(gids[:6])}): it belongs to another assignment's output"
        )
    for gid in gids:
        t = tests[gid]
        if not (isinstance(t, dict) and isinstance(t.get("passed"), bool) and _number(t.get("points"))):
            raise ReportError(f"{shown}: test {gid} is not a test result of `course grade`")
    return record


def _read_gradebook(folder: Path) -> tuple[list[str], list[str]]:
    """The gradebook's test columns and its students."""
    path = folder / "grades.csv"
    try:
        with open(path, newline="", encoding="utf-8") as f:
            rows = list(csv.reader(f))
    except (OSError, UnicodeDecodeError, csv.Error) as e:
        raise ReportError(f"{path} cannot be read ({e.__class__.__name__})") from None
    header = rows[0] if rows else []
    if header[:2] != _FIXED[0] or header[-4:] != _FIXED[1]:
        raise ReportError(f"{path} is not a gradebook of `course grade` (its columns are not student, handin, ...)")
    # a name that starts like a formula is written with a ' before it (grade.report._cell)
    students = [row[0][1:] if row[0][:1] == "'" and row[0][1:2] in "=+-@" else row[0] for row in rows[1:] if row]
    return header[2:-4], students


def load_output(folder: Path | str) -> Output:
    """Read and check the grading output in ``folder`` (ReportError if it is not one, or is damaged)."""
    folder = Path(folder)
    if not folder.is_dir():
        what = "a file, not a folder" if folder.exists() else "no such folder"
        raise ReportError(f"no grading output at {folder} ({what})")
    if not (folder / "grades.csv").is_file() or not (folder / "results").is_dir():
        raise ReportError(
            f"{folder} is not the output of `course grade` (it needs grades.csv and results/): "
            "give the --out folder of `course grade` or `course grade merge`"
        )
    gids, students = _read_gradebook(folder)
    if not students:
        raise ReportError(f"{folder / 'grades.csv'} has no students: nothing to report")
    listed = set(students)
    for path in sorted((folder / "results").glob("*.json")):
        if not path.name.startswith(".") and path.stem not in listed:
            students.append(path.stem)  # a record saved just before its row (the run was stopped)
            listed.add(path.stem)
    records: dict[str, dict] = {}
    first: tuple[Path, dict] | None = None
    for student in sorted(students):
        if "/" in student or student.startswith("."):
            raise ReportError(f"{folder / 'grades.csv'}: {student[:60]!r} is not a student's row of `course grade`")
        path = folder / "results" / f"{student}.json"
        record = _read_record(path, student, gids)
        if first is None:
            first = (path, record)
        elif record["solution_sha256"] != first[1]["solution_sha256"]:
            one, other = first[1], record
            raise ReportError(
                f"{path} was graded against another solution ({str(other.get('solution'))[:60]}, "
                f"{other['solution_sha256'][:12]}) than {first[0]} ({str(one.get('solution'))[:60]}, "
                f"{one['solution_sha256'][:12]}): grade the whole class against one solution "
                "(`course grade ... --force`)"
            )
        records[student] = record
    assert first is not None  # students is not empty
    sample = first[1]
    points = {}
    for gid in gids:
        top = sample["tests"][gid].get("max")
        points[gid] = float(top) if _number(top) else 0.0
    return Output(folder, str(sample.get("solution") or folder.name), sample["solution_sha256"], points, records)
