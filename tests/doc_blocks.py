"""The fenced code blocks of the guides, and a runner for the ones marked runnable.

The convention (docs/development.md, *Commands in the docs*):

- ```` ```sh runnable ````: shell commands the tests run with bash (``set -e``), in a scratch copy
  of the checkout, the test's ``.venv`` on PATH and as ``.venv``;
- ```` ```python runnable ````: a notebook cell, run by IPython as Jupyter would show it;
- ```` ```text output ````: what the runnable block above it prints (stdout and stderr together,
  colours taken out); ``...`` stands for any text, within a line or across lines;
- a shell block (``sh``, ``bash``, ``shell``, ``console``) that is not runnable says why on the
  line before it, in an HTML comment that readers of the rendered page do not see:
  ``<!-- not run: opens a browser and waits -->``.

The blocks of one file run in order in one scratch folder, so a block may use what an earlier one
made (hand-ins, a grading folder). This module only parses and runs; tests/test_docs_commands.py
holds the tests.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SHELLS = ("sh", "bash", "shell", "console")
RUNNABLE = "runnable"
OUTPUT = "output"
_FENCE = re.compile(r"^(?P<indent>\s*)(?P<fence>`{3,})(?P<info>[^`]*)$")
_NOT_RUN = re.compile(r"^\s*<!--\s*not run:\s*(?P<why>.+?)\s*-->\s*$")
_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
SKIP_COPY = (
    ".git",
    ".venv",
    "__pycache__",
    ".pytest_cache",
    ".ruff_cache",
    ".mypy_cache",
    ".ipynb_checkpoints",
    ".release-backups",
    "handin",
    "grades",
    "screenshots",
)


@dataclass
class Block:
    """One fenced block: where it starts (1-based line of the fence), its info string, its text."""

    path: Path
    line: int
    language: str
    flags: tuple[str, ...]
    code: str
    not_run: str | None = None  # the reason given in a `<!-- not run: ... -->` comment above it
    expected: str | None = None  # the text of the `output` block that follows a runnable one

    @property
    def runnable(self) -> bool:
        return RUNNABLE in self.flags

    @property
    def where(self) -> str:
        return f"{self.path.name}:{self.line}"


@dataclass
class Result:
    block: Block
    returncode: int
    output: str
    problems: list[str] = field(default_factory=list)


def blocks(path: Path) -> list[Block]:
    """Every fenced block of a markdown file, each ``output`` block attached to the runnable block
    above it (and not listed itself)."""
    lines = path.read_text(encoding="utf-8").splitlines()
    found: list[Block] = []
    i = 0
    while i < len(lines):
        m = _FENCE.match(lines[i])
        if not m:
            i += 1
            continue
        indent, fence = len(m["indent"]), m["fence"]
        words = m["info"].split()
        start, body = i, []
        i += 1
        while i < len(lines) and not re.match(rf"^\s*{fence}\s*$", lines[i]):
            body.append(lines[i][indent:] if lines[i][:indent].strip() == "" else lines[i].lstrip())
            i += 1
        i += 1  # past the closing fence
        above = next((lines[j] for j in range(start - 1, -1, -1) if lines[j].strip()), "")
        reason = _NOT_RUN.match(above)
        block = Block(
            path=path,
            line=start + 1,
            language=words[0] if words else "",
            flags=tuple(words[1:]),
            code="\n".join(body) + "\n",
            not_run=reason["why"] if reason else None,
        )
        if OUTPUT in block.flags:
            owner = next((b for b in reversed(found) if b.runnable), None)
            if owner is None or owner.expected is not None:
                raise ValueError(f"{block.where}: an output block with no runnable block above it to belong to")
            owner.expected = block.code
            continue
        found.append(block)
    return found


def unmarked(path: Path) -> list[str]:
    """The shell blocks of a file that are neither runnable nor say why not, and blocks without a
    language (which would hide a command from this rule)."""
    problems = []
    for b in blocks(path):
        if not b.language:
            problems.append(f"{b.where}: a block without a language; write ```text (or ```sh runnable)")
        elif b.language in SHELLS and not b.runnable and not b.not_run:
            problems.append(
                f"{b.where}: a {b.language} block neither marked runnable nor preceded by <!-- not run: why -->"
            )
        elif b.runnable and b.language not in (*SHELLS, "python"):
            problems.append(f"{b.where}: only sh and python blocks can be runnable, not {b.language}")
    return problems


def matches(expected: str, actual: str) -> bool:
    """Whether ``actual`` is ``expected`` with each ``...`` standing for any text; trailing spaces
    and blank lines at either end do not count."""

    def tidy(text: str) -> str:
        return "\n".join(line.rstrip() for line in text.strip("\n").splitlines())

    parts = [re.escape(p) for p in tidy(expected).split("...")]
    return re.fullmatch(".*?".join(parts), tidy(actual), flags=re.S) is not None


def scratch_copy(dest: Path, root: Path = ROOT) -> Path:
    """A copy of the checkout to run a guide's commands in, with the test's environment as ``.venv``."""
    shutil.copytree(root, dest, ignore=shutil.ignore_patterns(*SKIP_COPY), symlinks=True)
    return link_environment(dest)


def link_environment(folder: Path) -> Path:
    """Give ``folder`` a ``.venv`` that is the test's environment seen through links (``bin``,
    ``lib``, ``pyvenv.cfg``), with an install stamp newer than any ``pyproject.toml`` copied
    before it, so a block's ``make`` target finds the course installed and installs nothing."""
    venv, real = folder / ".venv", Path(sys.prefix)
    venv.mkdir()
    for name in ("bin", "lib", "lib64", "include", "share", "pyvenv.cfg"):
        if (real / name).exists():
            (venv / name).symlink_to(real / name)
    (venv / ".installed").touch()
    return folder


def environment(folder: Path) -> dict[str, str]:
    """The environment the blocks run in: the test's venv first on PATH, figures drawn off screen
    and none of an outer make's or pytest's settings."""
    env = {k: v for k, v in os.environ.items() if k not in ("MAKEFLAGS", "MFLAGS", "MAKELEVEL", "PYTEST_ADDOPTS")}
    env["PATH"] = f"{folder / '.venv' / 'bin'}{os.pathsep}{env.get('PATH', '')}"
    env["MPLBACKEND"] = "Agg"
    return env


_SEPARATOR = "\x1e-- end of cell --\x1e"
_SESSION = f"""
import json, sys
from IPython.core.interactiveshell import InteractiveShell

shell = InteractiveShell.instance(colors="NoColor")
for code in json.load(sys.stdin):
    result = shell.run_cell(code)
    print("ok" if result.success else "error")
    print({_SEPARATOR!r}, flush=True)
"""


def _check(block: Block, returncode: int, output: str) -> Result:
    output = _ANSI.sub("", output)
    result = Result(block, returncode, output)
    shown = block.expected is not None and matches(block.expected, output)
    if returncode != 0 and not (block.language == "python" and shown):  # a cell's error can be what is shown
        result.problems.append(
            f"{block.where}: " + ("raised an error" if block.language == "python" else f"exit status {returncode}")
        )
    if block.expected is not None and not shown:
        result.problems.append(f"{block.where}: the output differs from the one the guide shows")
    return result


def _run_cells(cells: list[Block], folder: Path, timeout: float) -> list[Result]:
    """The python blocks of a file, in order, as the cells of one notebook: one IPython session."""
    if not cells:
        return []
    try:
        proc = subprocess.run(
            [str(folder / ".venv" / "bin" / "python"), "-c", _SESSION],
            input=json.dumps([b.code for b in cells]),
            cwd=folder,
            env=environment(folder),
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            timeout=timeout,
        )
        printed = proc.stdout
    except subprocess.TimeoutExpired as e:
        printed = e.stdout.decode(errors="replace") if isinstance(e.stdout, bytes) else e.stdout or ""
    parts = printed.split(_SEPARATOR + "\n")
    results = []
    for i, block in enumerate(cells):
        if i >= len(parts) - 1:  # the session ended before this cell finished
            result = Result(block, -1, parts[i] if i < len(parts) else "")
            result.problems.append(
                f"{block.where}: the IPython session stopped (or ran past {timeout:.0f} s) before this cell finished"
            )
            results.append(result)
            continue
        body, _, status = parts[i].rstrip("\n").rpartition("\n")
        results.append(_check(block, 0 if status == "ok" else 1, body))
    return results


def _run_shell(block: Block, folder: Path, timeout: float) -> Result:
    try:
        proc = subprocess.run(
            ["bash", "-e", "-o", "pipefail", "-c", block.code],
            cwd=folder,
            env=environment(folder),
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            text=True,
            timeout=timeout,
        )
    except subprocess.TimeoutExpired as e:
        out = e.stdout.decode(errors="replace") if isinstance(e.stdout, bytes) else e.stdout or ""
        return Result(block, -1, out, [f"{block.where}: still running after {timeout:.0f} s"])
    return _check(block, proc.returncode, proc.stdout)


def run_file(path: Path, folder: Path, timeout: float = 180) -> list[Result]:
    """Run the runnable blocks of one guide in ``folder``: its shell blocks one after another, each
    in a bash of its own; its python blocks as one notebook's cells. Returns one Result per block,
    in the guide's order; a block's problems are empty when it ran and printed what the guide shows."""
    runnable = [b for b in blocks(path) if b.runnable]
    cells = iter(_run_cells([b for b in runnable if b.language == "python"], folder, timeout))
    return [next(cells) if b.language == "python" else _run_shell(b, folder, timeout) for b in runnable]


def report(result: Result) -> str:
    """A failed block, its code, what the guide shows and what it printed, for a test's message."""
    b = result.block
    text = "\n".join(result.problems) + f"\n--- the block ({b.language}):\n{b.code}"
    if b.expected is not None:
        text += f"--- the guide shows:\n{b.expected}"
    return text + f"--- it printed:\n{result.output[-4000:]}"
