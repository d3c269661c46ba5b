"""nbgrader's markers, as the solution notebooks use them: one definition for ``course release`` (which
builds the student version from them) and for the grader (which finds answers and hidden tests by them).

Regions between ``### BEGIN SOLUTION`` and ``### END SOLUTION`` are a solution; between
``### BEGIN HIDDEN TESTS`` and ``### END HIDDEN TESTS``, hidden tests.
"""

from __future__ import annotations

__all__ = ["BEGIN_SOLUTION", "END_SOLUTION", "BEGIN_HIDDEN", "END_HIDDEN", "region_lines"]

BEGIN_SOLUTION, END_SOLUTION = "### BEGIN SOLUTION", "### END SOLUTION"
BEGIN_HIDDEN, END_HIDDEN = "### BEGIN HIDDEN TESTS", "### END HIDDEN TESTS"


def region_lines(source: str, begin: str, end: str) -> list[tuple[int, str]]:
    """(line number from 1, line) of every line strictly between a ``begin`` and an ``end`` marker."""
    found, inside = [], False
    for lineno, line in enumerate(source.splitlines(), start=1):
        if line.strip() == begin:
            inside = True
        elif line.strip() == end:
            inside = False
        elif inside:
            found.append((lineno, line))
    return found
