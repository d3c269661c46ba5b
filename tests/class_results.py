"""Grading outputs written as ``course grade`` writes them, without grading: for the report's tests.

:func:`write_output` writes ``grades.csv`` and ``results/<student>.json`` for a class whose
students' outcomes are given per test: each student either passes, or fails with a cause code
(or None: a mistake no check names) and an answer fingerprint (equal for results that agree).
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from course_tools.grade.report import write_gradebook

SOLUTION_SHA = hashlib.sha256(b"the solution").hexdigest()


def outcome(cause: str | None = None, answer: str | None = None, passed: bool = False) -> dict:
    return {"passed": passed, "cause": cause, "answer": answer}


PASS = {"passed": True, "cause": None, "answer": None}


def record(
    student: str,
    outcomes: dict[str, dict],
    points: dict[str, float],
    *,
    status: str = "ok",
    detail: str = "",
    digests: dict | None = None,
    solution: str = "02_linear_classifiers",
    solution_sha: str = SOLUTION_SHA,
) -> dict:
    """One student's results file, in the grader's layout."""
    tests = {}
    for gid, o in outcomes.items():
        message = "" if o["passed"] else f"{gid}: the data part is not divided by N ({o['cause']})."
        tests[gid] = {
            "points": points[gid] if o["passed"] else 0.0,
            "max": points[gid],
            "passed": o["passed"],
            "messages": [
                {"test": "test", "passed": o["passed"], "message": message},
                {"test": "hidden test 1", "passed": o["passed"], "message": message and f"{gid}: dW is wrong."},
            ],
            "errors": [],
            "cause": None if o["passed"] else o["cause"],
            "answer": None if o["passed"] else o["answer"],
        }
    total = sum(t["points"] for t in tests.values())
    return {
        "tests": tests,
        "notes": [],
        "max_total": sum(points.values()),
        "answer_digests": digests if digests is not None else {},
        "total": total,
        "status": status,
        "events": [],
        "detail": detail,
        "seconds": 0.5,
        "student": student,
        "handin": f"{student}.ipynb",
        "source": f"{student}.ipynb",
        "submission_sha256": hashlib.sha256(student.encode()).hexdigest(),
        "solution": solution,
        "solution_sha256": solution_sha,
        "shard": None,
        "graded_at": "2026-12-06T05:00:00+00:00",
    }


def write_output(out: Path, records: list[dict], points: dict[str, float]) -> Path:
    """A grading output folder holding ``records`` (grades.csv, results/, feedback/)."""
    (out / "results").mkdir(parents=True, exist_ok=True)
    (out / "feedback").mkdir(exist_ok=True)
    for r in records:
        (out / "results" / f"{r['student']}.json").write_text(json.dumps(r, indent=1) + "\n")
        (out / "feedback" / f"{r['student']}.md").write_text(f"# feedback for {r['student']}\n")
    write_gradebook(out, list(points), sum(points.values()), {r["student"]: r for r in records})
    return out
