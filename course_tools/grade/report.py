"""Where grading results go, and the progress of a run.

``OUT/results/<student>.json`` is the record of one graded submission, written atomically
when it is finished (after its feedback file); a re-run trusts it and skips the student as
long as neither the submission nor the solution changed. ``OUT/grades.csv`` is rebuilt from
those records, atomically, after every submission, so it is complete at any moment: a crash
or Ctrl-C loses only the submissions that were being graded.
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
import sys
import tempfile
import threading
from pathlib import Path

from tqdm import tqdm

from .plan import Plan
from .results import Status

__all__ = [
    "atomic_write",
    "load_result",
    "save_result",
    "write_csv",
    "write_gradebook",
    "feedback_markdown",
    "Progress",
]


def atomic_write(path: Path, text: str | bytes) -> None:
    """Write ``text`` (or bytes) to ``path`` so that readers see either the old file or the new one."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(text if isinstance(text, bytes) else text.encode("utf-8"))
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def load_result(out: Path, student: str) -> dict | None:
    """The stored result of ``student``, or None if there is none (or it is unreadable)."""
    try:
        result = json.loads((out / "results" / f"{student}.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return result if isinstance(result, dict) and "status" in result else None


def save_result(out: Path, plan: Plan, result: dict) -> None:
    """Write a student's feedback, then the result record that marks them as done."""
    atomic_write(out / "feedback" / f"{result['student']}.md", feedback_markdown(plan, result))
    atomic_write(out / "results" / f"{result['student']}.json", json.dumps(result, indent=1) + "\n")


def _num(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else f"{x:.2f}"


def write_csv(out: Path, plan: Plan, results: dict[str, dict]) -> None:
    """Rebuild ``grades.csv``: one row per student, one column per graded test."""
    write_gradebook(out, [t.grade_id for t in plan.tests], plan.max_total, results)


def write_gradebook(out: Path, gids: list[str], max_total: float, results: dict[str, dict]) -> None:
    """``grades.csv`` with the test columns ``gids`` (in this order) out of ``max_total`` points."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n", quoting=csv.QUOTE_MINIMAL)
    writer.writerow([_cell(x) for x in ["student", "handin", *gids, "total", "max_total", "status", "detail"]])
    for student in sorted(results):
        r = results[student]
        points = [_num(r["tests"][g]["points"]) if g in r.get("tests", {}) else "0" for g in gids]
        writer.writerow(
            [
                _cell(student),
                _cell(str(r.get("handin", ""))),
                *points,
                _num(r["total"]),
                _num(max_total),
                _cell(str(r["status"])),
                _cell(str(r.get("detail", ""))),
            ]
        )
    atomic_write(out / "grades.csv", buf.getvalue())


_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")


def _cell(text: str) -> str:
    """A CSV cell that stays one cell of one row and that a spreadsheet shows as text: control
    characters (a ``\\r`` would start a row of its own) are written as escapes such as ``\\x0d``, and
    a leading ``=``, ``+``, ``-`` or ``@`` (a formula) gets a ``'`` before it."""
    text = _CONTROL.sub(
        lambda m: f"\\x{ord(m.group()):02x}" if ord(m.group()) < 256 else f"\\u{ord(m.group()):04x}", text
    )
    return f"'{text}" if text[:1] in ("=", "+", "-", "@") else text


def _block(text: str, indent: str = "  ") -> str:
    """``text`` as a fenced code block (never interpreted as markdown or HTML)."""
    text = re.sub(r"[\x00-\x08\x0b-\x1f\x7f]", "", text)
    fence = "`" * max(3, 1 + max((len(m) for m in re.findall(r"`+", text)), default=0))
    body = "\n".join(indent + line for line in text.splitlines())
    return f"{indent}{fence}text\n{body}\n{indent}{fence}"


def feedback_markdown(plan: Plan, result: dict) -> str:
    """The feedback a student receives: per test, points and what was wrong."""
    lines = [
        f"# {plan.name}: feedback for {result['student']}",
        "",
        f"**Score: {_num(result['total'])} / {_num(plan.max_total)}**",
        "",
    ]
    if result["status"] != Status.OK:
        lines += [f"Grading note ({result['status']}):", "", _block(result.get("detail", ""), ""), ""]
    for note in result.get("notes", []):
        lines += [f"Note: {note}", ""]
    lines += ["| test | points |", "|---|---|"]
    lines += [f"| {g} | {_num(t['points'])} / {_num(t['max'])} |" for g, t in result["tests"].items()]
    for gid, t in result["tests"].items():
        mark = "passed" if t["passed"] else "not passed"
        lines += ["", f"## {gid}: {_num(t['points'])} / {_num(t['max'])} ({mark})", ""]
        if t.get("note"):
            lines += [f"Note: {t['note']}", ""]
        failed: dict[str, list[str]] = {}  # each distinct message once, with every test that gave it
        for m in t["messages"]:
            if m["passed"]:
                lines.append(f"- {m['test']}: passed")
            else:
                failed.setdefault(m["message"], []).append(m["test"])
        for message, labels in failed.items():
            which = labels[0] if len(labels) == 1 else ", ".join(labels[:-1]) + " and " + labels[-1]
            lines += [f"- {which}: failed", "", _block(message), ""]
    lines += ["", "Hidden tests run your code on other inputs; their inputs and expected values are not shown."]
    return "\n".join(lines).rstrip() + "\n"


class Progress:
    """How far a grading run is: one line per finished submission, with a tqdm bar below on a terminal.

    Lines such as ``[1/4] alice: 8/8 (ok, 0.9 s)`` go out through ``tqdm.write``, so they
    appear above the bar without breaking it. The bar (plain ASCII: graded, running, the
    clock and the time left) is drawn only when ``stream`` is a terminal: in a CI log every
    redraw would be one more line, and the per-submission lines already say how far it is.
    With ``enabled=False`` nothing at all is written.
    """

    BAR_FORMAT = "[{bar:30}] {n_fmt}/{total_fmt} graded{postfix} [{elapsed} elapsed, {remaining} left]"

    def __init__(self, total: int, stream=None, enabled: bool = True):
        self.total, self.done, self.running = total, 0, 0
        self.stream = stream or sys.stderr
        self.enabled = enabled
        tty = enabled and hasattr(self.stream, "isatty") and self.stream.isatty()
        self.lock = threading.Lock()
        self.bar = tqdm(
            total=total,
            file=self.stream,
            disable=not tty,
            ascii=True,
            bar_format=self.BAR_FORMAT,
            mininterval=0.2,
            postfix="0 running",
        )

    def started(self) -> None:
        with self.lock:
            self.running += 1
            self.bar.set_postfix_str(f"{self.running} running")

    def finished(self, student: str, result: dict, plan: Plan) -> None:
        with self.lock:
            self.running -= 1
            self.done += 1
            if self.enabled:
                tqdm.write(
                    f"[{self.done}/{self.total}] {student}: {_num(result['total'])}/{_num(plan.max_total)} "
                    f"({result['status']}, {result.get('seconds', 0):.1f} s)",
                    file=self.stream,
                )
                self.stream.flush()
            self.bar.set_postfix_str(f"{self.running} running", refresh=False)
            self.bar.update(1)

    def tick(self) -> None:
        """Redraw (the clock moves even while nothing finishes)."""
        with self.lock:
            self.bar.refresh()

    def close(self) -> None:
        with self.lock:
            self.bar.close()
