"""Grading a class in shards, and merging the shards' outputs into one gradebook.

    course grade SUBMISSIONS --solution S --out OUT_I --shard I/N     (I = 1..N, one job each)
    course grade merge OUT_1 ... OUT_N --out OUT

A hand-in belongs to shard ``1 + sha256(name) mod N``, ``name`` being its file or folder name
without ``.ipynb``: the share of each job depends on nothing but the names, so a late hand-in
added to the folder never moves anyone else to another shard, and ``ann.ipynb`` and ``ann/``
(one student, two hand-ins, refused) always meet in the same shard.

Each shard's ``--out`` is an ordinary, complete gradebook for its share (its records say which
shard they belong to; a folder holding one shard's results refuses another's). ``merge`` reads
only the shards' result records (``results/<student>.json``) and feedback files, never a
notebook, and writes ``OUT/grades.csv``, ``OUT/feedback/`` and ``OUT/results/`` as one unsharded
run would have. It refuses, before writing anything, outputs graded against different
solutions and a hand-in graded twice with different results; when a student has two different
hand-ins (a late one graded in a later batch), the newer graded one is kept, and a result
already in ``OUT`` is never replaced by an older one.
"""

from __future__ import annotations

import csv
import datetime
import hashlib
import json
import os
import re
import stat
import sys
from dataclasses import dataclass
from pathlib import Path

from .plan import GradeError

__all__ = ["Shard", "merge", "merge_parser", "run_merge", "MergeError"]

_SPEC = re.compile(r"\s*(\d+)\s*/\s*(\d+)\s*")
_STUDENT = re.compile(r"[\w@+-][\w.@+-]{0,99}", re.ASCII)
MAX_RECORD_BYTES = 16 << 20  # a result record is a few kB; the feedback of one notebook a few tens


class MergeError(GradeError):
    """The outputs cannot be merged; the message says which and why."""


@dataclass(frozen=True)
class Shard:
    """Shard ``index`` (1-based) of ``count``."""

    index: int
    count: int

    @classmethod
    def parse(cls, text: str) -> Shard:
        m = _SPEC.fullmatch(str(text))
        if not m:
            raise GradeError(f"--shard {text!r}: write I/N, e.g. --shard 2/4 for the second of four shards")
        index, count = int(m.group(1)), int(m.group(2))
        if count < 1 or not 1 <= index <= count:
            raise GradeError(
                f"--shard {text}: shards are numbered 1 to N (here 1 to {max(count, 1)}); "
                "a 0-based job index (Kubernetes, some CI matrices) needs +1"
            )
        return cls(index, count)

    def __str__(self) -> str:
        return f"{self.index}/{self.count}"

    def holds(self, name: str) -> bool:
        """Whether the hand-in named ``name`` (without ``.ipynb`` or ``/``) is this shard's."""
        return shard_of(name, self.count) == self.index

    @staticmethod
    def check_out(out: Path, shard: Shard | None) -> None:
        """Refuse an ``--out`` folder that holds results graded for another shard (or unsharded)."""
        want = str(shard) if shard else None
        folder = out / "results"
        if not folder.is_dir():
            return
        for path in sorted(folder.glob("*.json")):
            record = _read_json(path)
            if not isinstance(record, dict) or "status" not in record:
                continue
            have = record.get("shard")
            if have != want:
                what = f"shard {have}" if have else "an unsharded run (or a merge)"
                fix = (
                    "give each shard its own --out folder and merge them with `course grade merge`"
                    if want
                    else "grade into another --out folder, or merge the shards into this one"
                )
                raise GradeError(
                    f"{out} holds results of {what} (e.g. {path.stem}), not of "
                    f"{'shard ' + want if want else 'an unsharded run'}: {fix}"
                )


def shard_of(name: str, count: int) -> int:
    """The shard (1..count) of the hand-in named ``name``: a function of the name alone."""
    digest = hashlib.sha256(name.encode("utf-8", "surrogateescape")).digest()
    return 1 + int.from_bytes(digest[:8], "big") % count


def _read_bytes(path: Path, limit: int = MAX_RECORD_BYTES) -> bytes:
    """A regular file's bytes, never through a link, at most ``limit``."""
    fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode) or info.st_size > limit:
            raise OSError(f"{path} is not a regular file of at most {limit >> 20} MB")
        with os.fdopen(fd, "rb", closefd=False) as f:
            return f.read(limit + 1)
    finally:
        os.close(fd)


def _read_json(path: Path):
    try:
        return json.loads(_read_bytes(path).decode("utf-8"))
    except (OSError, ValueError, RecursionError):
        return None


def _when(record: dict) -> datetime.datetime:
    """When a record was graded, as an aware time (a time without zone is this machine's local time)."""
    try:
        t = datetime.datetime.fromisoformat(str(record.get("graded_at")))
    except ValueError:
        return datetime.datetime.min.replace(tzinfo=datetime.timezone.utc)
    return t if t.tzinfo else t.astimezone()


def _score(record: dict) -> tuple:
    """What a result says: status, total and the points of every test."""
    found = record.get("tests")
    tests = found if isinstance(found, dict) else {}
    return (
        record.get("status"),
        record.get("total"),
        tuple(sorted((g, t.get("points") if isinstance(t, dict) else None) for g, t in tests.items())),
    )


@dataclass
class _Output:
    folder: Path
    gids: list[str]
    records: dict[str, dict]


def _checked(path: Path, record: dict, plan) -> dict:
    """A result record as the solution allows it: each test's points between 0 and the solution's
    points for it, the total recomputed from them, the maximum the solution's (MergeError otherwise)."""
    from .handins import student_key

    student, tests = path.stem, record["tests"]
    if record.get("solution_sha256") != plan.sha256:
        raise MergeError(
            f"{path} was graded against another solution than {plan.path} (solution "
            f"{str(record.get('solution'))[:60]} {str(record.get('solution_sha256'))[:12]}): grade it "
            "again with this solution, or merge with the solution it was graded against"
        )
    if sorted(tests) != sorted(t.grade_id for t in plan.tests):
        raise MergeError(f"{path}: its tests ({', '.join(sorted(tests)[:8])}) are not the solution's")
    for t in plan.tests:
        got = tests[t.grade_id]
        points = got.get("points") if isinstance(got, dict) else None
        if isinstance(points, bool) or not isinstance(points, (int, float)) or not 0 <= points <= t.points:
            raise MergeError(
                f"{path}: {t.grade_id} has {points!r} points, not a number from 0 to the solution's "
                f"{t.points:g}: the record was edited, or is not this solution's; grade it again"
            )
    handin = record.get("handin")
    stem = handin.removesuffix("/").removesuffix(".ipynb") if isinstance(handin, str) else None
    key = student_key(stem, handin) if stem and isinstance(handin, str) else None
    if key is None or not (student == key or student.startswith(key + "-")):
        raise MergeError(f"{path}: its row {student!r} is not the row of its hand-in {handin!r}; grade it again")
    shard = record.get("shard")
    if shard is not None:
        try:
            own = Shard.parse(shard)
        except GradeError:
            own = None
        if own is None or stem is None or not own.holds(stem):
            raise MergeError(
                f"{path} says it was graded in shard {shard!r}, but {handin!r} belongs to shard "
                f"{shard_of(stem, own.count) if own and stem else '?'}: the record was moved or edited; "
                "grade it again"
            )
    return {**record, "total": sum(tests[t.grade_id]["points"] for t in plan.tests), "max_total": plan.max_total}


def _load_output(folder: Path, plan) -> _Output:
    """One grading output: its gradebook's test columns and its result records, checked against ``plan``."""
    csv_path, results = folder / "grades.csv", folder / "results"
    if not folder.is_dir():
        raise MergeError(f"no grading output at {folder} (no such folder)")
    if not csv_path.is_file() or not results.is_dir():
        raise MergeError(f"{folder} is not the output of `course grade` (it needs grades.csv and results/)")
    try:
        with open(csv_path, newline="", encoding="utf-8") as f:
            header = next(csv.reader(f), [])
    except (OSError, UnicodeDecodeError, csv.Error) as e:
        raise MergeError(f"{csv_path} cannot be read ({e.__class__.__name__})") from None
    fixed = ["student", "handin"], ["total", "max_total", "status", "detail"]
    if header[:2] != fixed[0] or header[-4:] != fixed[1]:
        raise MergeError(f"{csv_path} is not a gradebook of `course grade` (unexpected columns)")
    gids = [t.grade_id for t in plan.tests]
    if header[2:-4] != gids:
        raise MergeError(
            f"{folder} was graded against a different solution than {plan.path} "
            f"(tests {', '.join(header[2:-4]) or 'none'} vs {', '.join(gids)})"
        )
    records = {}
    for path in sorted(results.glob("*.json")):
        if path.name.startswith("."):
            continue
        record = _read_json(path)
        student = path.stem
        if not (isinstance(record, dict) and "status" in record and isinstance(record.get("tests"), dict)):
            raise MergeError(f"{path} is not a result record of `course grade`; remove it or grade again")
        if record.get("student") != student or not _STUDENT.fullmatch(student):
            raise MergeError(f"{path}: its student ({record.get('student')!r}) does not match its file name")
        records[student] = _checked(path, record, plan)
    return _Output(folder, header[2:-4], records)


def merge(outputs: list[Path], out: Path, solution: Path | str, stream=None) -> dict[str, dict]:
    """Merge grading outputs into ``out``; returns ``{student: result}`` as merged. Nothing is
    written unless every output can be merged (MergeError says why not).

    Every record is checked against ``solution`` (the notebook the outputs were graded against):
    its tests and their points, its total recomputed from them; the feedback files are written
    again from the records. A student in two of ``outputs`` is refused (a hand-in belongs to one
    shard); a result already in ``out`` is replaced only by a newer one.
    """
    from .plan import load_plan
    from .report import atomic_write, feedback_markdown, write_gradebook

    stream = stream or sys.stderr
    if not outputs:
        raise MergeError(
            "name the grading outputs to merge: course grade merge OUT1 OUT2 ... --solution NOTEBOOK --out OUT"
        )
    outputs = [Path(o) for o in outputs]
    out = Path(out)
    seen = {}
    for given in outputs:
        key = given.resolve()
        if key in seen:
            raise MergeError(f"{given} is named twice")
        seen[key] = given
    plan = load_plan(solution)
    loaded = [_load_output(o, plan) for o in outputs]
    existing = None
    if out.exists():
        if not out.is_dir():
            raise MergeError(f"--out {out} is a file, not a folder")
        if any(out.iterdir()):
            existing = next((x for x in loaded if x.folder.resolve() == out.resolve()), None) or _load_output(out, plan)

    owner: dict[str, tuple[str, _Output]] = {}
    for o in loaded:
        for student in o.records:
            other = owner.get(student.casefold())
            if other is not None:
                raise MergeError(
                    f"{student} appears in both {other[1].folder} and {o.folder} (as {other[0]} and "
                    f"{student}): each hand-in is graded in one shard, so one of them is not this "
                    "run's; merge a later batch into the merged gradebook instead (--out)"
                )
            owner[student.casefold()] = (student, o)

    chosen: dict[str, tuple[dict, _Output]] = {}
    for o in ([existing] if existing is not None and existing not in loaded else []) + loaded:
        for student, r in o.records.items():
            if student not in chosen:
                chosen[student] = (r, o)
                continue
            old, where = chosen[student]
            if old.get("submission_sha256") == r.get("submission_sha256"):
                if _score(old) != _score(r):
                    raise MergeError(
                        f"{student}'s hand-in was graded twice with different results ({old.get('total')} points, "
                        f"{old.get('status')}, in {where.folder}; {r.get('total')} points, {r.get('status')}, in "
                        f"{o.folder}): grade it again with --force in one of them and merge again"
                    )
                if _when(r) > _when(old):
                    chosen[student] = (r, o)
            elif _when(r) == _when(old):
                raise MergeError(
                    f"{student} has two different hand-ins graded at the same time, in {where.folder} "
                    f"and {o.folder}: which is the newer cannot be told; grade the right one again"
                )
            elif _when(r) > _when(old):
                chosen[student] = (r, o)

    merged = {}
    written = 0
    for student in sorted(chosen):
        record, source = chosen[student]
        record = {**record, "shard": None}
        merged[student] = record
        if source is existing and _read_json(out / "results" / f"{student}.json") == record:
            continue  # already there, as it is
        atomic_write(out / "feedback" / f"{student}.md", feedback_markdown(plan, record))
        atomic_write(out / "results" / f"{student}.json", json.dumps(record, indent=1) + "\n")
        written += 1
    write_gradebook(out, [t.grade_id for t in plan.tests], plan.max_total, merged)
    for folder in ("results", "feedback"):
        (out / folder).mkdir(exist_ok=True)
    stream.write(
        f"course grade merge: {len(merged)} student(s) from {len(outputs)} output(s) into "
        f"{out / 'grades.csv'} ({written} result(s) written)\n"
    )
    return merged


def merge_parser():
    """The command line of ``course grade merge``."""
    import argparse

    parser = argparse.ArgumentParser(
        prog="course grade merge",
        description="Merge the outputs of sharded `course grade --shard I/N` runs "
        "into one grades.csv, feedback/ and results/.",
    )
    parser.add_argument("outputs", nargs="+", type=Path, help="the --out folders of the shards")
    parser.add_argument(
        "--solution",
        type=Path,
        required=True,
        help="the solution notebook the shards were graded against (the points and totals are checked against it)",
    )
    parser.add_argument(
        "--out",
        type=Path,
        required=True,
        help="folder for the merged gradebook (may exist: newer results in it are kept)",
    )
    return parser


def run_merge(argv: list[str]) -> int:
    """``course grade merge OUT1 OUT2 ... --out OUT``; returns the exit status."""
    args = merge_parser().parse_args(argv)
    try:
        merge(args.outputs, args.out, args.solution)
        return 0
    except GradeError as e:
        print(f"course grade merge: {e}", file=sys.stderr)
        return 2
