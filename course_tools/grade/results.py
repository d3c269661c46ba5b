"""The statuses a grading result can have, most serious first (a result's status is the most
serious of what happened while it was graded). A ``Status`` reads and compares as its value, so
the results files, the CSV and the feedback hold the same text as plain strings would.

One test's result is a ``TestResult`` of ``Message`` s inside the grader; it becomes the results
file's dict only there (``to_json``), and a stored one reads back with ``from_json``."""

from __future__ import annotations

import dataclasses
import enum
from dataclasses import dataclass
from typing import Any

__all__ = ["Status", "STATUSES", "Message", "TestResult"]


class Status(str, enum.Enum):
    """A result's status; reads as its value (Python 3.10 has no StrEnum)."""

    INVALID_NOTEBOOK = "invalid notebook"
    NO_NOTEBOOK = "no notebook"
    WRONG_ASSIGNMENT = "wrong assignment"
    GRADER_ERROR = "grader error"
    BAD_MESSAGE = "bad message"
    KERNEL_DIED = "kernel died"
    MEMORY = "memory"
    TIMEOUT = "timeout"
    OUTPUT_LIMIT = "output limit"
    EXIT = "exit"
    UNREADABLE_RESULTS = "unreadable results"
    MISSING_ANSWERS = "missing answers"
    OK = "ok"

    def __str__(self) -> str:
        return self.value

    def __format__(self, spec: str) -> str:
        return format(self.value, spec)

    def __hash__(self) -> int:  # as its value's (Python 3.10's Enum hashes the name), so sets mix both
        return str.__hash__(self)


STATUSES = tuple(Status)  # most serious first


@dataclass(frozen=True)
class Message:
    """What one call of a test said: its label (``test``, ``hidden test 2``, ``all tests``), whether
    it passed, and its text; ``blank`` names the function (``Net`` of ``Net.forward``) the message
    says is not filled in yet (kept in the grader, not in the results file)."""

    test: str
    passed: bool
    message: str = ""
    blank: str | None = None

    def to_json(self) -> dict:
        return {"test": self.test, "passed": self.passed, "message": self.message}

    @classmethod
    def from_json(cls, data: dict) -> Message:
        return cls(data["test"], data["passed"], data["message"])


@dataclass(frozen=True)
class TestResult:
    """One test's points and messages. ``errors`` (the exception types the student's code raised)
    is None for a test that could not run; ``unreadable`` (what the kernel sent could not be read,
    for the run's status) stays in the grader. ``cause`` is the code of the first failing call's
    cause (``<exercise>.<cause>``, decided by the grader's own judging), ``answer`` a fingerprint
    of the raw results the kernel sent back (:mod:`answers`); both None when the test passed,
    ``answer`` also when nothing came back."""

    __test__ = False  # not a pytest test class

    points: float
    max_points: float
    passed: bool
    messages: tuple[Message, ...]
    errors: tuple[str, ...] | None = None
    note: str | None = None
    unreadable: bool = False
    cause: str | None = None
    answer: str | None = None

    def replace(self, **changes: Any) -> TestResult:
        return dataclasses.replace(self, **changes)

    def to_json(self) -> dict:
        """The results file's dict of this test (the same keys, in the same order, every time)."""
        data: dict[str, Any] = {
            "points": self.points,
            "max": self.max_points,
            "passed": self.passed,
            "cause": self.cause,
            "answer": self.answer,
            "messages": [m.to_json() for m in self.messages],
        }
        if self.errors is not None:
            data["errors"] = list(self.errors)
        if self.note is not None:
            data["note"] = self.note
        return data

    @classmethod
    def from_json(cls, data: dict) -> TestResult:
        errors = data.get("errors")
        return cls(
            data["points"],
            data["max"],
            data["passed"],
            tuple(Message.from_json(m) for m in data["messages"]),
            None if errors is None else tuple(errors),
            data.get("note"),
            cause=data.get("cause"),
            answer=data.get("answer"),
        )
