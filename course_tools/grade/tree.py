"""Folders a student made: walked and removed without recursion, links never followed.

A hand-in folder, or a kernel's scratch folder, can be nested thousands of levels deep (a loop
of ``os.mkdir``; ``os.walk`` and ``shutil.rmtree`` recurse in Python before 3.12 and die with
RecursionError), hold links that point anywhere, or be made read-only. :func:`files_in` walks
with an explicit stack, to a depth and a number of entries; :func:`remove_tree` removes by file
descriptor (``dir_fd``, ``O_NOFOLLOW``), so no path grows with the depth and no link leads out.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

__all__ = ["files_in", "remove_tree", "MAX_DEPTH"]

MAX_DEPTH = 32  # a hand-in's notebook sits one or two folders down


def files_in(
    folder: Path, *, max_depth: int = MAX_DEPTH, max_entries: int = 10_000, skip_hidden: bool = True
) -> list[Path]:
    """Regular files under ``folder`` (no links followed), at most ``max_depth`` folders down and
    ``max_entries`` entries seen in all; deeper or further entries are not looked at."""
    found: list[Path] = []
    todo, seen = [(Path(folder), 0)], 0
    while todo and seen <= max_entries:
        here, depth = todo.pop()
        try:
            with os.scandir(here) as it:
                entries = sorted(it, key=lambda e: e.name)
        except OSError:
            continue
        for entry in entries:
            seen += 1
            if seen > max_entries:
                break
            if skip_hidden and entry.name.startswith("."):
                continue
            try:
                if entry.is_dir(follow_symlinks=False):
                    if depth < max_depth:
                        todo.append((Path(entry.path), depth + 1))
                elif entry.is_file(follow_symlinks=False):
                    found.append(Path(entry.path))
            except OSError:
                continue
    return sorted(found)


def remove_tree(path: Path | str) -> None:
    """Remove a folder and all it holds, however deep, without following a link; errors are ignored
    (what cannot be removed stays). A link or a file at ``path`` is unlinked."""
    path = os.fspath(path)
    parent, name = os.path.split(os.path.abspath(path))
    try:
        parent_fd = os.open(parent, os.O_RDONLY | os.O_DIRECTORY)
    except OSError:
        return
    try:
        _remove_in(parent_fd, name)
    finally:
        os.close(parent_fd)


def _open_dir(parent_fd: int, name: str) -> int | None:
    flags = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW
    try:
        return os.open(name, flags, dir_fd=parent_fd)
    except PermissionError:  # a folder the student made unreadable (when the kernel ran as us)
        try:
            os.chmod(name, stat.S_IRWXU, dir_fd=parent_fd, follow_symlinks=False)
            return os.open(name, flags, dir_fd=parent_fd)
        except (OSError, NotImplementedError):
            return None
    except OSError:
        return None


def _remove_in(parent_fd: int, name: str) -> None:
    """Remove ``name`` in the folder open as ``parent_fd``: a stack of open folders, no recursion."""
    try:
        if not stat.S_ISDIR(os.stat(name, dir_fd=parent_fd, follow_symlinks=False).st_mode):
            os.unlink(name, dir_fd=parent_fd)
            return
    except OSError:
        return
    top = _open_dir(parent_fd, name)
    if top is None:
        return
    stack: list[tuple[int, str, int, set[str]]] = [
        (parent_fd, name, top, set())
    ]  # (parent's fd, name, own fd, sub-folders that stay)
    try:
        while stack:
            fd, stays = stack[-1][2], stack[-1][3]
            child = None
            try:
                with os.scandir(fd) as it:
                    for entry in it:
                        try:
                            is_dir = entry.is_dir(follow_symlinks=False)
                        except OSError:
                            is_dir = False
                        if is_dir:
                            if entry.name not in stays:
                                child = entry.name
                                break
                            continue
                        try:
                            os.unlink(entry.name, dir_fd=fd)
                        except OSError:
                            pass
            except OSError:
                pass
            if child is not None:
                sub = _open_dir(fd, child)
                if sub is not None:
                    stack.append((fd, child, sub, set()))
                else:
                    try:  # a folder that cannot be opened: it goes if it is empty, else it stays
                        os.rmdir(child, dir_fd=fd)
                    except OSError:
                        stays.add(child)
                continue
            up_fd, own, fd, _ = stack.pop()
            os.close(fd)
            try:
                os.rmdir(own, dir_fd=up_fd)
            except OSError:
                if stack:
                    stack[-1][3].add(own)
    finally:
        for _, _, fd, _ in stack:
            os.close(fd)
