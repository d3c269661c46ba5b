"""Finding, naming and reading hand-ins: the one rule ``course grade`` and the Gradescope bundle share.

A submissions folder holds one ``<student>.ipynb`` file or one ``<student>/`` folder per
student; in a folder (and in Gradescope's submission folder) the notebook is its one ``.ipynb``
file, or the one named like the solution. A hand-in is read only as a regular file of at most
``MAX_NOTEBOOK_BYTES``, never through a link.

Each hand-in gets a *key*: the name of its row in ``grades.csv`` and of its feedback and result
files. A plain file name (letters, digits, ``_.@+-``) is its own key; any other name (``ann
lee.ipynb``, hundreds of characters, or one shaped like a made key, ``ann_lee-5841f206``) is made
safe and gets a hash of the real name, so no hand-in can name itself into another's row. Keys are
given over the whole folder (a shard sees the keys an unsharded run would) and compared without
case (an output folder on a case-insensitive disk). When two hand-ins would still share a key:

- a file and a folder of one name (``ann.ipynb`` and ``ann/``) are both graded, each in a row of
  its own: the one handed in first (by modification time) keeps the name, the other gets a hashed
  key, and both say so in a note;
- any other pair (a hash that collides, ``Ann.ipynb`` beside ``ann.ipynb``) is refused for the
  newcomer, with a message naming both, and the first keeps its row.
"""

from __future__ import annotations

import errno
import hashlib
import os
import re
import stat
from dataclasses import dataclass, field
from pathlib import Path

from .results import Status
from .tree import files_in

__all__ = [
    "Handin",
    "any_handins",
    "find_handins",
    "read_notebook",
    "pick_notebook",
    "notebook_in",
    "student_key",
    "MAX_NOTEBOOK_BYTES",
    "MAX_FOLDER_ENTRIES",
]

MAX_NOTEBOOK_BYTES = 100 << 20
MAX_FOLDER_ENTRIES = 2000  # files looked at in one student's folder
_SAFE = re.compile(r"[\w@+-][\w.@+-]{0,79}", re.ASCII)
_MADE = re.compile(r".*-[0-9a-f]{8}(-[0-9a-f]+)?", re.ASCII)  # the shape of a key this module makes


@dataclass
class Handin:
    """One hand-in: its key, its real name, the notebook read (or why it cannot be graded)."""

    student: str  # the row's key and the name of its files (see student_key)
    handin: str  # the hand-in's real file or folder name, as on disk ("ann lee.ipynb", "bob/")
    source: str  # the notebook graded, relative to the submissions folder
    data: bytes | None = None
    problem: tuple[Status, str] | None = None
    sha: str | None = None
    notes: list[str] = field(default_factory=list)
    stem: str = ""  # the name without ".ipynb" or "/": what decides its shard
    mtime: int = 0


def _hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8", "surrogateescape")).hexdigest()[:8]


def student_key(stem: str, handin: str) -> str:
    """The key of a hand-in named ``handin`` (``stem`` without ``.ipynb`` or ``/``): ``stem`` when
    that is a plain file name not shaped like a made key, otherwise the name made safe plus a hash
    of the real one."""
    if _SAFE.fullmatch(stem) and not _MADE.fullmatch(stem):
        return stem
    safe = re.sub(r"[^\w.@+-]", "_", stem, flags=re.ASCII).lstrip(".")[:60] or "student"
    return f"{safe}-{_hash(handin)}"


def read_notebook(handin: Handin, path: Path) -> Handin:
    """Read a hand-in's bytes: only a regular file, never through a link, at most MAX_NOTEBOOK_BYTES."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except OSError as e:
        link = e.errno == errno.ELOOP or path.is_symlink()
        handin.problem = (
            Status.INVALID_NOTEBOOK,
            "the hand-in is a link, not a notebook file: hand in the file itself"
            if link
            else f"the file cannot be read ({e.__class__.__name__})",
        )
        return handin
    too_large = (Status.INVALID_NOTEBOOK, f"the file is larger than {MAX_NOTEBOOK_BYTES >> 20} MB")
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            handin.problem = (Status.INVALID_NOTEBOOK, "the hand-in is not a regular file (a pipe, device or socket)")
        elif info.st_size > MAX_NOTEBOOK_BYTES:
            handin.problem = too_large
        else:
            with os.fdopen(fd, "rb", closefd=False) as f:
                data = f.read(MAX_NOTEBOOK_BYTES + 1)
            if len(data) > MAX_NOTEBOOK_BYTES:
                handin.problem = too_large
            else:
                handin.data = data
    except OSError as e:
        handin.problem = (Status.INVALID_NOTEBOOK, f"the file cannot be read ({e.__class__.__name__})")
    finally:
        os.close(fd)
    return handin


def notebook_in(folder: Path) -> list[Path]:
    """The .ipynb files in a student's folder (links not followed; bounded in depth and entries,
    walked without recursion, so a folder nested thousands of levels deep costs nothing)."""
    return [p for p in files_in(folder, max_entries=MAX_FOLDER_ENTRIES) if p.name.endswith(".ipynb")]


def pick_notebook(handin: Handin, folder: Path, name: str, base: Path, what: str = "folder") -> Handin:
    """Read the notebook of a student's ``folder``: its one ``.ipynb`` file, or the one named
    ``<name>.ipynb``; ``source`` is then its path relative to ``base``."""
    found = notebook_in(folder)
    named = [p for p in found if p.name == f"{name}.ipynb"]
    if named or len(found) == 1:
        pick = (named or found)[0]
        handin.source = str(pick.relative_to(base))
        return read_notebook(handin, pick)
    why = f"has {len(found)} notebooks and none is named {name}.ipynb" if found else "has no .ipynb file"
    hint = f": hand in your {name}.ipynb" if what != "folder" else ""
    handin.problem = (Status.NO_NOTEBOOK, f"the {what} {why}{hint}")
    return handin


def _scan(folder: Path) -> list[Handin]:
    """Every hand-in of ``folder``, named but not read."""
    with os.scandir(folder) as it:
        items = sorted(it, key=lambda e: e.name)
    found = []
    for item in items:
        if item.name.startswith(".") or item.name == "__MACOSX":
            continue
        if item.is_dir(follow_symlinks=False):
            stem, handin = item.name, item.name + "/"
            problem = None
        elif item.name.endswith(".ipynb"):
            stem, handin, problem = item.name[:-6], item.name, None
        elif item.is_symlink() and item.is_dir():
            stem, handin = item.name, item.name + "/"
            problem = (Status.INVALID_NOTEBOOK, "the hand-in is a link to a folder: hand in the folder itself")
        else:
            continue
        try:
            mtime = item.stat(follow_symlinks=False).st_mtime_ns
        except OSError:
            mtime = 0
        found.append(Handin(student_key(stem, handin), handin, handin, problem=problem, stem=stem, mtime=mtime))
    return found


def _show(name: str) -> str:
    """A hand-in's name for a message: as code (never markdown or HTML), control characters escaped."""
    text = name if name.isprintable() else repr(name)[1:-1]
    return "`" + text.replace("`", "'") + "`"


def _separate(handins: list[Handin]) -> None:
    """Give hand-ins that would share a key (compared without case) keys of their own (see above)."""
    groups: dict[str, list[Handin]] = {}
    for h in handins:
        groups.setdefault(h.student.casefold(), []).append(h)
    used = {h.student.casefold() for h in handins}
    for same in groups.values():
        if len(same) < 2:
            continue
        same.sort(key=lambda h: (h.mtime, h.handin))
        first = same[0]
        for h in same[1:]:
            key, n = f"{h.student}-{_hash(h.handin)}", 0
            while key.casefold() in used:
                n += 1
                key = f"{h.student}-{_hash(f'{h.handin}#{n}')}"
            used.add(key.casefold())
            h.student = key
            if h.stem == first.stem:  # ann.ipynb and ann/: both graded, each in its own row
                h.notes.append(
                    f"{_show(first.handin)}, handed in before this one under the same name, is graded "
                    f"in the row `{first.student}`; this hand-in ({_show(h.handin)}) in the row `{key}`"
                )
                first.notes.append(
                    f"{_show(h.handin)}, handed in later under the same name, is graded in its own row `{key}`"
                )
            else:
                h.problem = (
                    Status.INVALID_NOTEBOOK,
                    f"its name {_show(h.handin)} would share the row `{first.student}` with "
                    f"{_show(first.handin)}, handed in before it; rename it and grade again",
                )
                h.data = None


def any_handins(folder: Path) -> bool:
    """Whether ``folder`` holds a hand-in at all (of any shard)."""
    return bool(_scan(folder))


def find_handins(folder: Path, name: str, holds=None) -> list[Handin]:
    """Every hand-in in ``folder`` (those whose name ``holds(stem)`` accepts, when given), keyed
    over the whole folder and read into memory (or with the reason it cannot be); ``name`` is the
    solution's, the notebook looked for in a student's folder."""
    handins = _scan(folder)
    _separate(handins)
    if holds is not None:
        handins = [h for h in handins if holds(h.stem)]
    for h in handins:
        if h.problem:
            continue
        path = folder / h.handin.removesuffix("/")
        if h.handin.endswith("/"):
            pick_notebook(h, path, name, folder)
        else:
            read_notebook(h, path)
    return handins
