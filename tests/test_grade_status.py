"""A grading result's status is a :class:`Status` member (course_tools.grade.results): every status
the grader writes is one of its values, and a Status reads, hashes and is written exactly as the
plain text it stands for. No kernel runs here."""

from __future__ import annotations

import ast
import json
from pathlib import Path

from course_tools.grade import submission
from course_tools.grade.report import write_gradebook
from course_tools.grade.results import STATUSES, Status

REPO = Path(__file__).resolve().parent.parent
SOURCES = [*sorted((REPO / "course_tools" / "grade").glob("*.py")), REPO / "course_tools" / "gradescope.py"]
VALUES = {s.value for s in Status}


def _status_sites(tree: ast.AST):
    """The expressions that give a result its status: the first item of a (status, detail) pair
    (a problem, an event, ``_problem``'s answer), the status passed to ``unreadable``/``_fallback``,
    ``status=`` when a result is updated."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            name = node.func.id if isinstance(node.func, ast.Name) else getattr(node.func, "attr", "")
            if name in ("unreadable", "_fallback") and len(node.args) >= 2:
                yield node.args[1]
            if (
                name == "append"
                and getattr(node.func.value, "id", "") == "events"
                and node.args
                and isinstance(node.args[0], ast.Tuple)
            ):
                yield node.args[0].elts[0]
            for kw in node.keywords:
                if kw.arg == "status" and name == "update":
                    yield kw.value
                if kw.arg == "problem" and isinstance(kw.value, ast.Tuple):
                    yield kw.value.elts[0]
        elif isinstance(node, ast.Assign) and isinstance(node.value, ast.Tuple) and len(node.value.elts) == 2:
            targets = [t.attr if isinstance(t, ast.Attribute) else getattr(t, "id", "") for t in node.targets]
            if any(t in ("problem", "too_large") for t in targets):
                yield node.value.elts[0]
        elif isinstance(node, ast.FunctionDef) and node.name == "_problem":
            for ret in ast.walk(node):
                if isinstance(ret, ast.Return) and isinstance(ret.value, ast.Tuple):
                    yield ret.value.elts[0]


def test_statuses_written_are_the_members_values():
    sites, literals = 0, []
    for path in SOURCES:
        for expr in _status_sites(ast.parse(path.read_text(), str(path))):
            sites += 1
            where = f"{path.name}:{expr.lineno}"
            if isinstance(expr, ast.Attribute) and getattr(expr.value, "id", "") == "Status":
                assert expr.attr in Status.__members__, where
            elif isinstance(expr, ast.Constant):  # only where the grader's imports may be missing
                assert path.name == "gradescope.py" and expr.value in VALUES, where
                literals.append(expr.value)
            else:
                assert isinstance(expr, (ast.Name, ast.Subscript, ast.Starred)), where  # passed on
    assert sites >= 30  # the scan still finds the grader's statuses
    assert sorted(literals) == ["grader error", "timeout"]


def test_status_order_and_text():
    assert STATUSES == tuple(Status) == submission.STATUSES
    assert STATUSES[-1] is Status.OK and len(VALUES) == len(STATUSES)
    for s in Status:
        assert s == s.value and str(s) == f"{s}" == s.value and hash(s) == hash(s.value)
        assert s in {s.value} and s.value in {s} and Status(s.value) is s
        assert json.dumps({"status": s, "events": [[s, "x"]]}) == json.dumps(
            {"status": s.value, "events": [[s.value, "x"]]}
        )


def test_gradebook_is_the_same_bytes(tmp_path):
    def results(status):
        return {
            "ann": {
                "handin": "ann.ipynb",
                "tests": {"t": {"points": 1.0}},
                "total": 1.0,
                "status": status(Status.TIMEOUT),
                "detail": "t: ran longer than 5 s",
            }
        }

    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    write_gradebook(tmp_path / "a", ["t"], 2.0, results(lambda s: s))
    write_gradebook(tmp_path / "b", ["t"], 2.0, results(lambda s: s.value))
    text = (tmp_path / "a" / "grades.csv").read_bytes()
    assert text == (tmp_path / "b" / "grades.csv").read_bytes() and b",timeout," in text
