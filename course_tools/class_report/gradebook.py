"""The class gradebook over several assignments: one row per student, one column per assignment.

    student,02_linear_classifiers,03_layers_and_two_layer_net
    alice,12,9.5
    bob,4,

The first column is the student's identifier (the ``student`` of each grading output: the
hand-in's name, so hand-ins named by login or e-mail give a column to match on), then each
assignment's total points, named by its solution notebook; a student with no hand-in for an
assignment has an empty cell. That is the shape learning-management systems import as grades
(Moodle's and Canvas's CSV import, Blackboard's upload: map ``student`` to the identifier).

The file is never written over if anyone else wrote or edited it: beside it a hidden file
``.<name>.sha256`` holds the hash of what ``course report`` last wrote, and a file whose content
no longer has that hash is left alone unless ``--force``.
"""

from __future__ import annotations

import csv
import hashlib
import io
import os
from pathlib import Path

from ..grade.report import _cell, _num, atomic_write
from .load import Output, ReportError

__all__ = ["gradebook_csv", "default_path", "check_writable", "write_gradebook"]


def gradebook_csv(outputs: list[Output]) -> str:
    """The gradebook's text (ReportError when two outputs are of one assignment)."""
    seen: dict[str, Output] = {}
    for o in outputs:
        if o.assignment in seen:
            raise ReportError(
                f"{seen[o.assignment].folder} and {o.folder} are both grading outputs of {o.assignment}: "
                "merge them first (`course grade merge`) or give one of them"
            )
        seen[o.assignment] = o
    students = sorted(set().union(*(o.records for o in outputs)))
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow([_cell(x) for x in ["student", *(o.assignment for o in outputs)]])
    for s in students:
        writer.writerow([_cell(s), *(_num(o.records[s]["total"]) if s in o.records else "" for o in outputs)])
    return buf.getvalue()


def default_path(folders: list[Path]) -> Path:
    """``gradebook.csv`` in the folder that holds all the grading outputs (their common parent)."""
    parent = Path(os.path.commonpath([f.resolve() for f in folders]))
    if any(parent == f.resolve() for f in folders):
        parent = parent.parent
    return parent / "gradebook.csv"


def _stamp(path: Path) -> Path:
    return path.with_name(f".{path.name}.sha256")


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def check_writable(path: Path, force: bool) -> None:
    """ReportError unless ``path`` is absent, or holds what ``course report`` last wrote there, or ``force``."""
    if force or not path.exists():
        return
    if not path.is_file():
        raise ReportError(f"{path} is not a file: name another gradebook with --gradebook PATH")
    try:
        ours = _stamp(path).read_text(encoding="utf-8").strip() == _sha(path.read_bytes())
    except OSError:
        ours = False
    if not ours:
        raise ReportError(
            f"{path} exists and was not written by `course report` (or was edited since): "
            "name another file with --gradebook PATH, or pass --force to replace it"
        )


def write_gradebook(path: Path, text: str) -> None:
    data = text.encode("utf-8")
    atomic_write(path, data)
    atomic_write(_stamp(path), _sha(data) + "\n")
