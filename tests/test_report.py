"""`course report`: the class report from a grading output, written without grading (the
results files are made by ``class_results`` in the grader's layout; tests/test_report_grading.py
grades real hand-ins). What it counts and ranks, what it refuses, what it never overwrites, and
its time and size for 1,000 hand-ins."""

from __future__ import annotations

import io
import json
import random
import resource
import subprocess
import sys
import time
from pathlib import Path

import pytest
from class_results import PASS, SOLUTION_SHA, outcome, record, write_output

from course_tools import cli
from course_tools.class_report import ReportError, report

POINTS = {"test_svm_loss": 2.0, "test_softmax_loss": 2.0, "test_predict": 1.0}


def _class(out: Path) -> Path:
    """A class of 12: causes 4, 3 and 1 on test_svm_loss, one unnamed group of 2, a timeout."""
    records = []
    for i in range(12):
        svm = PASS
        if i < 4:
            svm = outcome("svm_loss.missing_batch_mean", "a1")
        elif i < 7:
            svm = outcome("svm_loss.sign_flipped", "b2")
        elif i == 7:
            svm = outcome("svm_loss.blank", None)
        elif i < 10:
            svm = outcome("svm_loss.wrong_values", "c3")  # a mistake no hint names, made twice
        softmax = outcome("softmax_loss.no_shift", f"s{i}") if i % 3 == 0 else PASS
        status = "timeout" if i == 11 else "ok"
        predict = outcome(None, None) if status != "ok" else PASS
        records.append(
            record(
                f"s{i:02d}",
                {"test_svm_loss": svm, "test_softmax_loss": softmax, "test_predict": predict},
                POINTS,
                status=status,
                detail="test_predict: your code ran longer than 30 s" if status != "ok" else "",
                digests={"svm_loss": "same" if i in (1, 2) else f"d{i}", "predict": f"p{i}"},
            )
        )
    return write_output(out, records, POINTS)


def test_causes_groups_and_statuses_are_counted_and_ranked(tmp_path):
    out = _class(tmp_path / "grades")
    (summary,) = report([out], stream=io.StringIO())
    assert json.loads((out / "report.json").read_text()) == summary
    assert summary["students"] == 12
    svm, softmax, predict = summary["tests"]
    assert [t["grade_id"] for t in summary["tests"]] == list(POINTS)
    assert (svm["passed"], svm["failed"], svm["unnamed"]) == (2, 10, 0)
    assert [(c["code"], c["count"], c["named"]) for c in svm["causes"]] == [
        ("svm_loss.missing_batch_mean", 4, True),
        ("svm_loss.sign_flipped", 3, True),
        ("svm_loss.wrong_values", 2, False),
        ("svm_loss.blank", 1, True),
    ]
    assert svm["causes"][0]["students"] == ["s00", "s01", "s02", "s03"]
    assert "not divided by N" in svm["causes"][0]["message"]  # the visible test's message
    groups = [(g["size"], g["cause"], g["named"]) for g in svm["groups"]]
    assert groups == [
        (4, "svm_loss.missing_batch_mean", True),
        (3, "svm_loss.sign_flipped", True),
        (2, "svm_loss.wrong_values", False),  # the same wrong numbers, which no hint explains
    ]
    assert svm["groups"][2]["students"] == ["s08", "s09"]
    assert softmax["groups"] == [] and softmax["causes"][0]["count"] == 4  # every answer differs: no group
    assert (predict["failed"], predict["unnamed"]) == (1, 1)
    assert summary["statuses"] == [
        {
            "status": "timeout",
            "count": 1,
            "students": [{"student": "s11", "detail": "test_predict: your code ran longer than 30 s"}],
        }
    ]
    assert summary["similar"]["pairs"] == [{"students": ["s01", "s02"], "cells": ["svm_loss"]}]
    assert summary["scores"]["histogram"][-1] == [5.0, 1]  # s10: full marks
    assert summary["scores"]["full_marks"] == 1


def test_the_page_is_self_contained_and_escapes_what_records_say(tmp_path):
    out = _class(tmp_path / "grades")
    for student in ("s00", "s01", "s02", "s03"):  # the message shown is the one most of a cause's students saw
        r = json.loads((out / "results" / f"{student}.json").read_text())
        r["tests"]["test_svm_loss"]["messages"][0]["message"] = "<script>alert(1)</script> & <img src=x>"
        (out / "results" / f"{student}.json").write_text(json.dumps(r))
    report([out], stream=io.StringIO())
    page = (out / "report.html").read_text()
    assert "<script" not in page and "<img src=x" not in page and "&lt;script&gt;" in page
    assert page.count('<img src="data:image/png;base64,') == 2
    assert "http://" not in page and "https://" not in page
    assert "default-src 'none'" in page


def test_a_student_whose_name_starts_like_a_formula_is_found(tmp_path):
    records = [record(name, {"test_predict": PASS}, {"test_predict": 1.0}) for name in ("-bob", "@carol", "dan")]
    out = write_output(tmp_path / "g", records, {"test_predict": 1.0})
    assert "'-bob" in (out / "grades.csv").read_text()
    (summary,) = report([out], stream=io.StringIO())
    assert summary["students"] == 3


def test_identical_cells_are_paired_by_hashing_and_common_ones_are_listed_once(tmp_path):
    records = [
        record(f"h{i:03d}", {"test_predict": PASS}, {"test_predict": 1.0}, digests={"predict": f"x{i // 2}"})
        for i in range(6)
    ]
    records += [
        record(f"z{i:03d}", {"test_predict": PASS}, {"test_predict": 1.0}, digests={"predict": "everyone"})
        for i in range(30)
    ]
    out = write_output(tmp_path / "g", records, {"test_predict": 1.0})
    (summary,) = report([out], stream=io.StringIO())
    pairs = [p["students"] for p in summary["similar"]["pairs"]]
    assert pairs == [["h000", "h001"], ["h002", "h003"], ["h004", "h005"]]
    assert [(c["cell"], c["size"]) for c in summary["similar"]["common"]] == [("predict", 30)]


def _fails(cmd: list[str], capsys) -> str:
    assert cli.main(cmd) == 2
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0, err  # one line
    return err


def test_bad_input_is_named_and_nothing_is_written(tmp_path, capsys):
    assert "no grading output" in _fails(["report", str(tmp_path / "nowhere")], capsys)
    (tmp_path / "notes.txt").write_text("not a grading output")
    assert "notes.txt (a file, not a folder)" in _fails(["report", str(tmp_path / "notes.txt")], capsys)
    (tmp_path / "notes").mkdir()
    assert "is not the output of `course grade`" in _fails(["report", str(tmp_path / "notes")], capsys)

    out = _class(tmp_path / "grades")
    (out / "results" / "s03.json").write_text('{"tests": {')
    err = _fails(["report", str(out)], capsys)
    assert "s03.json is damaged" in err and not (out / "report.html").exists()

    out = _class(tmp_path / "grades2")
    (out / "results" / "s04.json").unlink()
    err = _fails(["report", str(out)], capsys)
    assert "s04.json is missing" in err and not (out / "report.json").exists()

    out = _class(tmp_path / "grades3")
    r = json.loads((out / "results" / "s05.json").read_text())
    r["solution_sha256"] = "f" * 64
    (out / "results" / "s05.json").write_text(json.dumps(r))
    err = _fails(["report", str(out)], capsys)
    assert "s05.json was graded against another solution" in err and SOLUTION_SHA[:12] in err
    assert not (out / "report.html").exists()


def test_a_report_someone_else_wrote_is_not_replaced_without_force(tmp_path, capsys):
    out = _class(tmp_path / "grades")
    assert cli.main(["report", str(out)]) == 0
    assert cli.main(["report", str(out)]) == 0  # its own report: replaced
    (out / "report.html").write_text("<p>my notes</p>")
    assert "report.html exists and was not written by `course report`" in _fails(["report", str(out)], capsys)
    assert (out / "report.html").read_text() == "<p>my notes</p>"
    assert cli.main(["report", str(out), "--force"]) == 0
    (out / "report.html").unlink()
    (out / "report.html").mkdir()  # not a file: even --force does not replace it, and nothing is written
    before = (out / "report.json").stat().st_mtime_ns
    assert "report.html is not a file" in _fails(["report", str(out), "--force"], capsys)
    assert (out / "report.json").stat().st_mtime_ns == before


def test_several_assignments_make_a_gradebook_that_is_never_written_over(tmp_path, capsys):
    a = _class(tmp_path / "grades" / "02")
    points = {"test_affine": 3.0}
    b = write_output(
        tmp_path / "grades" / "03",
        [record(s, {"test_affine": PASS}, points, solution="03_layers", solution_sha="3" * 64) for s in ("s00", "new")],
        points,
    )
    assert cli.main(["report", str(a), str(b)]) == 0
    book = tmp_path / "grades" / "gradebook.csv"
    rows = book.read_text().splitlines()
    assert rows[0] == "student,02_linear_classifiers,03_layers"
    assert rows[1] == "new,,3" and rows[2] == "s00,1,3"
    assert len(rows) == 14  # the header and 13 students
    # grades/* names the gradebook too on a second run: it is skipped, and replaced (it is ours)
    shell_glob = sorted(str(p) for p in (tmp_path / "grades").iterdir() if not p.name.startswith("."))
    assert cli.main(["report", *shell_glob]) == 0
    book.write_text(book.read_text() + "edited,1,1\n")
    err = _fails(["report", str(a), str(b)], capsys)
    assert "gradebook.csv exists and was not written by `course report`" in err
    assert book.read_text().endswith("edited,1,1\n")
    assert cli.main(["report", str(a), str(b), "--gradebook", str(tmp_path / "lms.csv")]) == 0
    assert (tmp_path / "lms.csv").read_text().splitlines()[0] == rows[0]
    err = _fails(["report", str(a), str(a)], capsys)
    assert "named twice" in err


def test_a_thousand_hand_ins_report_in_seconds_and_a_few_megabytes(tmp_path):
    rng = random.Random(0)
    points = {f"test_{k}": 2.0 for k in ("svm_naive", "svm_vec", "softmax_naive", "softmax_vec", "sgd", "predict")}
    causes = ["missing_batch_mean", "sign_flipped", "blank", "no_reg", "double_reg", None]
    records = []
    for i in range(1000):
        outcomes = {}
        for gid in points:
            k = rng.randrange(len(causes) + 3)
            outcomes[gid] = (
                PASS if k >= len(causes) else outcome(causes[k] and f"{gid}.{causes[k]}", f"{gid}{k}{rng.randrange(9)}")
            )
        status = "ok" if i % 50 else "timeout"
        digests = {gid: f"{rng.randrange(3000):x}" for gid in points}
        records.append(record(f"student{i:04d}", outcomes, points, status=status, detail="x" * 80, digests=digests))
    out = write_output(tmp_path / "grades", records, points)
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, "-m", "course_tools.cli", "report", str(out)], capture_output=True, text=True
    )
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    assert proc.returncode == 0, proc.stderr
    cpu = after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime
    assert cpu < 10 and wall < 30, (cpu, wall)  # the whole command, start-up included; the wall clock waits on the load
    sizes = [(out / name).stat().st_size for name in ("report.html", "report.json")]
    assert max(sizes) < 5 << 20, sizes
    assert json.loads((out / "report.json").read_text())["students"] == 1000


def test_report_only_reads_the_grading_output(tmp_path):
    out = _class(tmp_path / "grades")
    before = {p: p.read_bytes() for p in out.rglob("*") if p.is_file()}
    report([out], stream=io.StringIO())
    assert {
        p: p.read_bytes() for p in out.rglob("*") if p.is_file() and p.name not in ("report.html", "report.json")
    } == (before)


def test_a_report_over_no_folder_is_an_error():
    with pytest.raises(ReportError):
        report([])
