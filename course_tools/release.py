"""Build the student notebooks in ``notebooks/`` from the solution notebooks in ``solutions/``.

Regions between ``### BEGIN SOLUTION`` and ``### END SOLUTION`` become ``# YOUR CODE HERE`` and
``raise NotImplementedError()`` at the same indentation (``YOUR ANSWER HERE`` in markdown);
regions between ``### BEGIN HIDDEN TESTS`` and ``### END HIDDEN TESTS`` are dropped; outputs are
cleared except in cells tagged ``nbval-check-output`` (their printed numbers are pinned: nbval
compares them on every test run). These are nbgrader's markers and cell metadata (schema 3) is
kept, so the files also work under nbgrader.

Notes
-----
Each student notebook records a fingerprint of its cells as released
(``metadata.course.release_fingerprint``). A notebook whose cells no longer match it has been
worked on (answers typed in, cells run), so ``release`` refuses to overwrite it unless
``force=True``, and then keeps a copy under ``.release-backups/`` first.

Pinned outputs are marked with a cell tag, not with nbval's ``# NBVAL_CHECK_OUTPUT`` comment,
so that students do not see test plumbing in their cells; a solution cell with the old comment
is refused.

Why not nbgrader's own preprocessors (``ClearSolutions``, ``ClearHiddenTests``, ``ClearOutput``)?
They do the source transformation alike (tests/test_grade_nbgrader.py checks that
``nbgrader generate_assignment`` makes the same student cells), but not the rest of this job:

- ``ClearOutput`` clears every output; it cannot keep the pinned ones.
- Their markers match anywhere in a line (a marker quoted in a string or comment opens a region),
  an ``END`` without its ``BEGIN`` passes silently, and a broken region raises a ``RuntimeError``
  that names neither the notebook, the cell nor the line. Here a marker must stand alone on its
  line, and every malformed region is refused with notebook, cell and line.
- They do not protect a student notebook someone has worked on (the fingerprint above).
- ``release`` is imported by the ``course`` command, which every instructor installs. Importing
  ``nbgrader.preprocessors`` imports nbconvert, jupyter_server, the notebook server, SQLAlchemy,
  rapidfuzz and requests (about 950 modules beyond nbformat), and it would make nbgrader, with
  SQLAlchemy, alembic and its JupyterLab panels, a dependency of every install instead of a
  test-only one (the ``dev`` extra), for about 40 lines of marker handling.

So the markers are handled here (and in ``markers``, which the grader shares), and nbgrader
stays the yardstick of the parity test.
"""

from __future__ import annotations

import copy
import hashlib
import json
import re
import shutil
import time
from collections.abc import Iterable
from pathlib import Path

import nbformat

from .markers import BEGIN_HIDDEN, BEGIN_SOLUTION, END_HIDDEN, END_SOLUTION, region_lines

__all__ = [
    "ReleaseError",
    "release",
    "release_notebook",
    "check_release",
    "student_source",
    "fingerprint",
    "region_lines",
    "pins_output",
    "CHECK_OUTPUT_TAG",
]

CHECK_OUTPUT_TAG = "nbval-check-output"  # nbval --nbval-lax compares the outputs of cells with this tag
OLD_CHECK_OUTPUT = "# NBVAL_CHECK_OUTPUT"  # the comment form of the same marker, which students would see
_MARKER = re.compile(r"^(\s*)(### (?:BEGIN|END) (?:SOLUTION|HIDDEN TESTS))\s*$")


class ReleaseError(Exception):
    """A solution notebook cannot be released, or releasing would lose someone's work."""


def student_source(source: str, cell_type: str = "code", where: str = "cell") -> str:
    """The student's version of one cell's source (solutions and hidden tests taken out)."""
    out: list[str] = []
    open_marker, open_line = None, 0
    for lineno, line in enumerate(source.splitlines(), start=1):
        m = _MARKER.match(line)
        marker = m.group(2) if m else None
        if marker is None and any(k in line for k in (BEGIN_SOLUTION, END_SOLUTION, BEGIN_HIDDEN, END_HIDDEN)):
            raise ReleaseError(f"{where}, line {lineno}: a marker must stand alone on its line: {line.strip()!r}")
        if marker in (BEGIN_SOLUTION, BEGIN_HIDDEN):
            if open_marker:
                raise ReleaseError(
                    f"{where}, line {lineno}: {marker} inside {open_marker} (opened at line {open_line})"
                )
            open_marker, open_line = marker, lineno
            if marker == BEGIN_SOLUTION:
                assert m is not None  # marker came from the match
                indent = m.group(1)
                if cell_type == "code":
                    out += [f"{indent}# YOUR CODE HERE", f"{indent}raise NotImplementedError()"]
                else:
                    out.append("YOUR ANSWER HERE")
        elif marker in (END_SOLUTION, END_HIDDEN):
            expected = BEGIN_SOLUTION if marker == END_SOLUTION else BEGIN_HIDDEN
            if open_marker != expected:
                raise ReleaseError(f"{where}, line {lineno}: {marker} without a matching {expected}")
            open_marker = None
        elif open_marker is None:
            out.append(line)
    if open_marker:
        raise ReleaseError(f"{where}, line {open_line}: {open_marker} is never closed")
    while out and not out[-1].strip():
        out.pop()
    return "\n".join(out)


def pins_output(cell) -> bool:
    """Whether a cell's output is pinned (tagged ``nbval-check-output``): kept on release and compared by nbval."""
    tags = cell.get("metadata", {}).get("tags", [])
    return cell.get("cell_type") == "code" and isinstance(tags, list) and CHECK_OUTPUT_TAG in tags


def check_pin_markers(nb, name: str) -> None:
    """Refuse cells that pin their output with the ``# NBVAL_CHECK_OUTPUT`` comment instead of the tag."""
    for i, cell in enumerate(nb.cells):
        if cell.cell_type != "code":
            continue
        for lineno, line in enumerate(cell.source.splitlines(), start=1):
            if line.strip() == OLD_CHECK_OUTPUT:
                raise ReleaseError(
                    f"{name}, cell {i}, line {lineno}: {OLD_CHECK_OUTPUT} would show in the student's cell; "
                    f"delete that line and tag the cell {CHECK_OUTPUT_TAG!r} instead "
                    f'(metadata: {{"tags": ["{CHECK_OUTPUT_TAG}"]}})'
                )


def _cell_digest(cell) -> list:
    return [cell.cell_type, cell.source, cell.get("outputs", [])]


def fingerprint(nb) -> str:
    """A hash of a notebook's cells (type, source, outputs): what editing or running changes."""
    blob = json.dumps([_cell_digest(c) for c in nb.cells], sort_keys=True).encode()
    return hashlib.sha256(blob).hexdigest()[:16]


def _validate(nb, name: str) -> None:
    check_pin_markers(nb, name)
    seen: dict[str, int] = {}
    for i, cell in enumerate(nb.cells):
        meta = cell.metadata.get("nbgrader")
        has_solution = BEGIN_SOLUTION in cell.source
        if has_solution and not (meta and meta.get("solution")):
            raise ReleaseError(
                f"{name}, cell {i}: it has a solution region but no nbgrader metadata with "
                '"solution": true; add {"nbgrader": {"grade": false, "grade_id": ..., "locked": false, '
                '"schema_version": 3, "solution": true, "task": false}}'
            )
        if meta:
            gid = meta.get("grade_id")
            if not gid:
                raise ReleaseError(f"{name}, cell {i}: nbgrader metadata without a grade_id")
            if gid in seen:
                raise ReleaseError(f"{name}, cells {seen[gid]} and {i}: grade_id {gid!r} is used twice")
            seen[gid] = i
            if meta.get("grade") and not isinstance(meta.get("points"), (int, float)):
                raise ReleaseError(f"{name}, cell {i} ({gid}): a graded cell needs numeric 'points'")


def release_notebook(solution) -> nbformat.NotebookNode:
    """The student version of a solution notebook (a NotebookNode; nothing is written)."""
    if isinstance(solution, (str, Path)):
        path = Path(solution)
        try:
            solution = nbformat.read(path, as_version=4)
        except Exception as e:
            raise ReleaseError(f"{path}: not a readable notebook ({e.__class__.__name__}: {e})") from None
        name = path.name
    else:
        name = "notebook"
    nb = copy.deepcopy(solution)
    _validate(nb, name)
    for i, cell in enumerate(nb.cells):
        where = f"{name}, cell {i}"
        keep_outputs = pins_output(cell)
        cell.source = student_source(cell.source, cell.cell_type, where)
        if cell.cell_type == "code" and not keep_outputs:
            cell.outputs = []
            cell.execution_count = None
        cell.metadata.pop("execution", None)
    nb.metadata.pop("widgets", None)
    nb.metadata["course"] = {"release_fingerprint": fingerprint(nb)}
    return nb


def _dumps(nb) -> str:
    return nbformat.writes(nb) + "\n"


def _edits(path: Path) -> list[str]:
    """What someone changed in a released student notebook (empty if it is as released)."""
    try:
        nb = nbformat.read(path, as_version=4)
    except Exception as e:
        return [f"it is not a readable notebook ({e.__class__.__name__})"]
    recorded = nb.metadata.get("course", {}).get("release_fingerprint")
    if recorded is not None and recorded == fingerprint(nb):
        return []
    found = []
    answered = [
        nb.cells.index(c)
        for c in nb.cells
        if c.metadata.get("nbgrader", {}).get("solution")
        and "raise NotImplementedError()" not in c.source
        and "YOUR ANSWER HERE" not in c.source
    ]
    if answered:
        found.append(f"answers filled in (cells {', '.join(map(str, answered))})")
    ran = [nb.cells.index(c) for c in nb.cells if c.get("outputs") and not pins_output(c)]
    if ran:
        found.append(f"outputs present (cells {', '.join(map(str, ran))})")
    if not found:
        found.append("its cells differ from the last release" if recorded else "it was not made by `course release`")
    return found


def _solutions(solutions: Path, only: Iterable[str] | None) -> list[Path]:
    if not solutions.is_dir():
        raise ReleaseError(f"no solutions folder at {solutions}; run from the course's top folder or pass --solutions")
    paths = sorted(solutions.glob("*.ipynb"))
    if only:
        wanted = {Path(o).stem for o in only}
        unknown = wanted - {p.stem for p in paths}
        if unknown:
            raise ReleaseError(f"no solution notebook named {', '.join(sorted(unknown))} in {solutions}")
        paths = [p for p in paths if p.stem in wanted]
    return paths


def _unmatched(solutions: Path, notebooks: Path) -> list[str]:
    """Names of student notebooks that no solution notebook makes."""
    return sorted({p.name for p in notebooks.glob("*.ipynb")} - {p.name for p in solutions.glob("*.ipynb")})


def release(
    solutions: Path | str = "solutions",
    notebooks: Path | str = "notebooks",
    *,
    force: bool = False,
    only: Iterable[str] | None = None,
) -> list[str]:
    """Write the student version of every solution notebook; returns one line per notebook.

    Refuses (ReleaseError) to overwrite a student notebook that was edited, unless ``force``,
    which first copies it to ``.release-backups/<time>/`` beside ``notebooks/``. All checks run
    before anything is written, so a refusal changes no file.
    """
    solutions, notebooks = Path(solutions), Path(notebooks)
    plans: list[tuple[Path, Path, str | None, str]] = []
    refused = []
    for src in _solutions(solutions, only):
        dst = notebooks / src.name
        text = _dumps(release_notebook(src))
        if dst.exists() and dst.read_text(encoding="utf-8") == text:
            plans.append((src, dst, None, "up to date"))
            continue
        edits = _edits(dst) if dst.exists() else []
        if edits and not force:
            refused.append(f"{dst}: {'; '.join(edits)}")
        plans.append((src, dst, text, "edited" if edits else ("updated" if dst.exists() else "created")))
    if refused:
        raise ReleaseError(
            "refusing to overwrite student notebooks that someone has worked on:\n  "
            + "\n  ".join(refused)
            + "\nMove them elsewhere, or run `course release --force` (it keeps a backup first)."
        )
    backup_dir = notebooks.resolve().parent / ".release-backups" / time.strftime("%Y%m%d-%H%M%S")
    notebooks.mkdir(parents=True, exist_ok=True)
    lines = []
    for _src, dst, written, status in plans:
        if written is None:
            lines.append(f"{dst}: up to date")
            continue
        note = ""
        if status == "edited":
            backup_dir.mkdir(parents=True, exist_ok=True)
            shutil.copy2(dst, backup_dir / dst.name)
            note = f" (the edited version is kept in {backup_dir / dst.name})"
        dst.write_text(written, encoding="utf-8")
        lines.append(f"{dst}: {status}{note}")
    for extra in _unmatched(solutions, notebooks):
        lines.append(f"{notebooks / extra}: no solution notebook of that name (left alone)")
    return lines


def check_release(solutions: Path | str = "solutions", notebooks: Path | str = "notebooks") -> list[str]:
    """What differs between ``notebooks/`` and what :func:`release` would write (empty if fresh)."""
    solutions, notebooks = Path(solutions), Path(notebooks)
    problems = []
    for src in _solutions(solutions, None):
        dst = notebooks / src.name
        if not dst.exists():
            problems.append(f"{dst}: missing")
            continue
        want = release_notebook(src)
        if _dumps(want) == dst.read_text(encoding="utf-8"):
            continue
        try:
            have = nbformat.read(dst, as_version=4)
        except Exception as e:
            problems.append(f"{dst}: not a readable notebook ({e.__class__.__name__})")
            continue
        cells = [str(i) for i, (a, b) in enumerate(zip(want.cells, have.cells)) if _cell_digest(a) != _cell_digest(b)]
        detail = f"cells {', '.join(cells[:10])} differ" if cells else "metadata differs"
        if len(want.cells) != len(have.cells):
            detail = f"{len(have.cells)} cells, expected {len(want.cells)}" + (f"; {detail}" if cells else "")
        problems.append(f"{dst}: stale ({detail})")
    for extra in _unmatched(solutions, notebooks):
        problems.append(f"{notebooks / extra}: no solution notebook of that name")
    return problems
