"""The statuses a grading result can have, most serious first (a result's status is the most
serious of what happened while it was graded). A ``Status`` reads and compares as its value, so
the results files, the CSV and the feedback hold the same text as plain strings would."""
from __future__ import annotations

import enum

__all__ = ["Status", "STATUSES"]


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
