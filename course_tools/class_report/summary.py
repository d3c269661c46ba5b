"""What a class's results say, as the plain data of ``report.json`` (the page draws the same).

From each student's record (:mod:`load`):

- the number of students, and the distribution of their totals;
- per test (by grade_id, in the gradebook's order): how many passed and failed; the causes of the
  failures as the checks named them (the ``cause`` the grader records per test), ranked by how
  many students hit each, with the check's message for it; and the groups of identical wrong
  results (hand-ins whose ``answer`` fingerprints are equal agree to 1e-9 on that test), two or
  more hand-ins each, largest first, whether or not a check has a name for them (``named``: false
  when the cause is only the kind of failure, ``<exercise>.wrong_values`` and the like, which no
  hint explains: a misconception no hint names yet);
- the statuses other than ``ok``, with their students;
- pairs of hand-ins whose answer cells have the same normalized digest (the grader records it per
  answer cell: :mod:`course_tools.grade.likeness`), found by hashing: one pass groups the cells
  by digest, and only hand-ins in the same group are paired. A digest that more than
  ``COMMON`` hand-ins share is a common answer (a short exercise written the obvious way), listed
  once rather than as its pairs.

Everything is counted in one pass over the records; nothing compares students two by two.
"""

from __future__ import annotations

import statistics
from collections import Counter, defaultdict

from course_utils.checks._hints import GENERIC

from ..grade.results import STATUSES, Status
from .load import Output

__all__ = ["summarize", "COMMON", "FORMAT"]

FORMAT = 1  # report.json's layout; a change that scripts would notice raises it
# the causes a check gives a failure that none of its hints explains (``<exercise>.wrong_values``, ...)
UNEXPLAINED = {cause for kind, cause in GENERIC.items() if kind not in ("blank", "inplace", "signature")}


def named(code: str | None) -> bool:
    """Whether a cause code names a mistake (a hint's, or blank), rather than the kind of failure alone."""
    return isinstance(code, str) and code.rpartition(".")[2] not in UNEXPLAINED


COMMON = 10  # more hand-ins than this with one cell's digest: a common answer, not pairs


def _message(test: dict) -> str:
    """The message a student saw for a failed test: the visible test's, else the first failure's."""
    failed = [m for m in test.get("messages", []) if isinstance(m, dict) and not m.get("passed")]
    visible = [m for m in failed if m.get("test") == "test"]
    chosen = (visible or failed or [{}])[0]
    return str(chosen.get("message", ""))


def _causes(failed: list[tuple[str, dict]]) -> tuple[list[dict], int]:
    """The named causes among failed tests, most students first, and how many failures had none."""
    by_code: dict[str, list[str]] = defaultdict(list)
    texts: dict[str, Counter] = defaultdict(Counter)
    unnamed = 0
    for student, test in failed:
        code = test.get("cause")
        if not isinstance(code, str) or not code:
            unnamed += 1
            continue
        by_code[code].append(student)
        texts[code][_message(test)] += 1
    ranked = sorted(by_code, key=lambda c: (-len(by_code[c]), c))
    causes = [
        {
            "code": code,
            "count": len(by_code[code]),
            "named": named(code),
            "message": min(texts[code].items(), key=lambda kv: (-kv[1], kv[0]))[0],
            "students": sorted(by_code[code]),
        }
        for code in ranked
    ]
    return causes, unnamed


def _groups(failed: list[tuple[str, dict]]) -> list[dict]:
    """Hand-ins whose wrong results on a test agree (equal ``answer``), two or more, largest first."""
    by_answer: dict[str, list[tuple[str, dict]]] = defaultdict(list)
    for student, test in failed:
        answer = test.get("answer")
        if isinstance(answer, str) and answer:
            by_answer[answer].append((student, test))
    groups = []
    for answer, members in by_answer.items():
        if len(members) < 2:
            continue
        codes = Counter(t.get("cause") for _, t in members if isinstance(t.get("cause"), str))
        cause = codes.most_common(1)[0][0] if codes else None
        groups.append(
            {
                "size": len(members),
                "cause": cause,
                "named": named(cause),
                "message": Counter(_message(t) for _, t in members).most_common(1)[0][0],
                "answer": answer,
                "students": sorted(s for s, _ in members),
            }
        )
    return sorted(groups, key=lambda g: (-g["size"], g["students"][0]))


def _tests(output: Output) -> list[dict]:
    tests = []
    n = len(output.records)
    for gid, points in output.tests.items():
        failed = [(s, r["tests"][gid]) for s, r in sorted(output.records.items()) if not r["tests"][gid]["passed"]]
        causes, unnamed = _causes(failed)
        tests.append(
            {
                "grade_id": gid,
                "points": points,
                "passed": n - len(failed),
                "failed": len(failed),
                "pass_rate": round((n - len(failed)) / n, 4) if n else 0.0,
                "causes": causes,
                "unnamed": unnamed,
                "groups": _groups(failed),
            }
        )
    return tests


def _statuses(output: Output) -> list[dict]:
    by_status: dict[str, list[dict]] = defaultdict(list)
    for student, r in sorted(output.records.items()):
        if r["status"] != Status.OK:
            by_status[r["status"]].append({"student": student, "detail": str(r.get("detail", ""))[:300]})
    order = {s.value: i for i, s in enumerate(STATUSES)}
    ranked = sorted(by_status, key=lambda s: (order.get(s, -1), s))
    return [{"status": s, "count": len(by_status[s]), "students": by_status[s]} for s in ranked]


def _scores(output: Output) -> dict:
    totals = [float(r["total"]) for r in output.records.values()]
    counts = Counter(totals)
    return {
        "max_total": output.max_total,
        "mean": round(statistics.fmean(totals), 4),
        "median": statistics.median(totals),
        "full_marks": sum(t >= output.max_total for t in totals),
        "histogram": [[score, counts[score]] for score in sorted(counts)],
    }


def _similar(output: Output) -> dict:
    """Pairs of hand-ins with an answer cell of the same normalized digest (by hashing)."""
    cells: dict[tuple[str, str], list[str]] = defaultdict(list)
    unrecorded = []
    for student, r in sorted(output.records.items()):
        digests = r.get("answer_digests")
        if not isinstance(digests, dict):
            if r["status"] not in (Status.INVALID_NOTEBOOK, Status.NO_NOTEBOOK, Status.WRONG_ASSIGNMENT):
                unrecorded.append(student)
            continue
        for gid, digest in digests.items():
            if isinstance(digest, str) and digest:
                cells[(str(gid), digest)].append(student)
    pairs: dict[tuple[str, str], list[str]] = defaultdict(list)
    common = []
    for (gid, _), students in sorted(cells.items()):
        if len(students) > COMMON:
            common.append({"cell": gid, "size": len(students), "students": students})
            continue
        for i, a in enumerate(students):
            for b in students[i + 1 :]:
                pairs[(a, b)].append(gid)
    ranked = sorted(pairs.items(), key=lambda kv: (-len(kv[1]), kv[0]))
    return {
        "pairs": [{"students": list(pair), "cells": sorted(gids)} for pair, gids in ranked],
        "common": sorted(common, key=lambda c: (-c["size"], c["cell"])),
        "not_recorded": unrecorded,
    }


def summarize(output: Output) -> dict:
    """The content of ``report.json`` for one grading output."""
    return {
        "generator": "course report",
        "format": FORMAT,
        "assignment": output.assignment,
        "solution_sha256": output.solution_sha256,
        "students": len(output.records),
        "scores": _scores(output),
        "tests": _tests(output),
        "statuses": _statuses(output),
        "similar": _similar(output),
    }
