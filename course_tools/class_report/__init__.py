"""``course report``: what a class's grading output says, for the instructor.

    course report GRADES_DIR [GRADES_DIR ...] [--gradebook PATH] [--force]

For each grading output (the ``--out`` of ``course grade`` or ``course grade merge``) it writes
``report.html`` (one self-contained page: figures inside, no network, no script) and
``report.json`` (the same numbers, for scripts) into that folder; over several, also a class
gradebook CSV (:mod:`gradebook`), by default ``gradebook.csv`` in their common parent.

- :mod:`load`: reads and checks one grading output;
- :mod:`summary`: the numbers (``report.json``);
- :mod:`figures`, :mod:`page`: the page;
- :mod:`gradebook`: the class gradebook.

Every folder is read and checked before anything is written: a folder that is not a grading
output, a missing or damaged record, or records of two solutions end the command with one line
naming the file, exit status 2, and nothing written. A ``report.html`` or ``report.json`` that
``course report`` did not write, or a gradebook it did not write, is not replaced without
``--force``.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from .load import Output, ReportError, load_output

__all__ = ["ReportError", "report", "add_arguments", "run"]


def _ours(path: Path) -> bool:
    """Whether ``path`` is a report ``course report`` wrote (it names itself as the generator)."""
    from .page import GENERATOR

    try:
        with open(path, "rb") as f:
            head = f.read(4096).decode("utf-8", "replace")
    except OSError:
        return False
    if path.suffix == ".html":
        return GENERATOR in head
    return '"generator": "course report"' in head


def _check_targets(folder: Path, force: bool) -> None:
    for name in ("report.html", "report.json"):
        path = folder / name
        if path.exists() and not path.is_file():
            raise ReportError(f"{path} is not a file: move it away, and run the report again")
        if path.exists() and not force and not _ours(path):
            raise ReportError(
                f"{path} exists and was not written by `course report`: move it away, or pass --force to replace it"
            )


def report(folders, gradebook: Path | str | None = None, force: bool = False, stream=None) -> list[dict]:
    """Write the report of each grading output in ``folders`` (and the gradebook over several);
    returns each one's summary (the content of its report.json). ReportError, with nothing
    written, if any folder cannot be reported on."""
    from ..grade.report import atomic_write
    from . import gradebook as book
    from .page import render_page
    from .summary import summarize

    stream = stream or sys.stdout
    folders = [Path(f) for f in folders]
    if not folders:
        raise ReportError("name the grading output(s) to report on: course report GRADES_DIR [GRADES_DIR ...]")
    target = Path(gradebook) if gradebook is not None else None
    if target is None and len(folders) > 1:
        target = book.default_path([f for f in folders if f.is_dir()] or folders)
    if target is not None:  # `course report grades/*` meets the gradebook an earlier run wrote there
        folders = [f for f in folders if not (f.is_file() and f.resolve() == target.resolve())]
    seen = set()
    for f in folders:
        if f.resolve() in seen:
            raise ReportError(f"{f} is named twice")
        seen.add(f.resolve())
    outputs: list[Output] = [load_output(f) for f in folders]
    for o in outputs:
        _check_targets(o.folder, force)
    text = ""
    if target is not None:
        text = book.gradebook_csv(outputs)
        if any(target.resolve().is_relative_to(o.folder.resolve()) for o in outputs):
            raise ReportError(f"--gradebook {target} is inside a grading output: write it beside them")
        book.check_writable(target, force)
    pages = [(o, summarize(o)) for o in outputs]
    rendered = [(o, s, json.dumps(s, indent=1) + "\n", render_page(s)) for o, s in pages]
    for o, summary, data, page in rendered:
        _write(atomic_write, o.folder / "report.json", data)
        _write(atomic_write, o.folder / "report.html", page)
        stream.write(
            f"course report: {o.folder / 'report.html'} and report.json ({summary['students']} students, "
            f"{len(summary['tests'])} tests, {o.assignment})\n"
        )
    if target is not None and text is not None:
        _write(book.write_gradebook, target, text)
        stream.write(f"course report: {target} ({len(outputs)} assignment(s), one row per student)\n")
    return [s for _, s in pages]


def _write(write, path: Path, text: str) -> None:
    try:
        write(path, text)
    except OSError as e:
        raise ReportError(f"{path} cannot be written ({e.__class__.__name__}: {e.strerror or e})") from None


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "folders", nargs="+", type=Path, help="grading outputs (the --out of `course grade` or `course grade merge`)"
    )
    parser.add_argument(
        "--gradebook",
        type=Path,
        default=None,
        help="where the class gradebook CSV goes (default with several folders: gradebook.csv in their common parent)",
    )
    parser.add_argument(
        "--force", action="store_true", help="replace report files and a gradebook that `course report` did not write"
    )


def run(args: argparse.Namespace) -> int:
    """The ``course report`` command; returns the exit status."""
    try:
        report(args.folders, args.gradebook, args.force)
        return 0
    except ReportError as e:
        print(f"course report: {e}", file=sys.stderr)
        return 2
