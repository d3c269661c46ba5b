"""A grading run as a whole: the kernel that proves the grader can run starts alongside the
first hand-ins, and when it fails the run stops with a clear error and saves nothing."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from course_tools.grade import GradeError, grade, stubs

pytestmark = pytest.mark.kernel

from test_grade import GOOD, SOLUTION, blank, fixture_checks, notebook  # noqa: E402,F401  (registers the checks)


def test_a_grader_that_cannot_boot_its_kernels_stops_and_saves_nothing(tmp_path, monkeypatch, capsys):
    subs, out = tmp_path / "subs", tmp_path / "out"
    subs.mkdir()
    for i in range(3):
        (subs / f"s{i}.ipynb").write_bytes(notebook(GOOD) if i % 2 else blank())
    build = stubs.build

    def broken(plan, home: Path) -> Path:  # a grading copy whose checks cannot be imported
        library = build(plan, home)
        (library / "course_utils" / "checks" / "__init__.py").write_text("raise ImportError('broken copy')\n")
        return library

    monkeypatch.setattr(stubs, "build", broken)
    with pytest.raises(GradeError, match="a grading kernel cannot load the checks: ImportError"):
        grade(subs, SOLUTION, out, jobs=2, timeout=10, progress=False)
    assert not list(out.glob("results/*.json")) and not list(out.glob("feedback/*"))


def test_hand_ins_are_graded_while_the_first_kernel_proves_the_grader_works(tmp_path, monkeypatch):
    from course_tools.grade import submission

    subs, out = tmp_path / "subs", tmp_path / "out"
    subs.mkdir()
    (subs / "good.ipynb").write_bytes(notebook(GOOD))
    (subs / "blank.ipynb").write_bytes(blank())
    graded, seen = threading.Event(), {}
    real_grade, real_preflight = submission.grade_submission, submission.preflight

    def grade_one(*args, **kwargs):
        result = real_grade(*args, **kwargs)
        graded.set()
        return result

    def slow_preflight(*args, **kwargs):  # holds the run's check open until a hand-in has been graded
        real_preflight(*args, **kwargs)
        seen["overlap"] = graded.wait(60)
        seen["saved before the check passed"] = sorted(p.name for p in out.glob("results/*.json"))

    monkeypatch.setattr(submission, "grade_submission", grade_one)
    monkeypatch.setattr(submission, "preflight", slow_preflight)
    results = grade(subs, SOLUTION, out, jobs=1, timeout=10, progress=False)
    assert seen == {"overlap": True, "saved before the check passed": []}
    assert {s: (r["status"], r["total"]) for s, r in results.items()} == {"good": ("ok", 6), "blank": ("ok", 0)}
    assert sorted(p.name for p in (out / "results").iterdir()) == ["blank.json", "good.json"]


def test_the_kernels_home_is_read_only_even_for_the_graders_own_user():
    """Without root the kernel runs as the grader's user under Landlock: a HOME whose mode allows
    writing would make IPython try to create ~/.ipython there, which Landlock refuses, and no
    kernel would start. A read-only HOME sends IPython to a temporary folder instead."""
    import stat

    from course_tools.grade.kernel_host import KernelHost, Settings

    host = KernelHost(Settings(), 0)
    try:
        assert stat.S_IMODE(host.home.stat().st_mode) & 0o222 == 0
    finally:
        host.close()
    assert not host.root.exists()
