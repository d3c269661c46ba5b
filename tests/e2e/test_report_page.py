"""The class report (`course report`'s report.html) in headless Chromium, opened from disk as an
instructor opens it: no console error, every figure decodes, nothing is fetched from anywhere."""

from __future__ import annotations

import io

import pytest
from class_results import PASS, outcome, record, write_output

from course_tools.class_report import report

pytestmark = pytest.mark.browser

POINTS = {"test_svm_loss_naive": 2.0, "test_svm_loss_vectorized": 2.0, "test_predict": 1.0}


def _class(out):
    records = []
    for i in range(40):
        kinds = [
            outcome("svm_loss.missing_batch_mean", "a") if i < 12 else PASS,
            outcome("svm_loss.sign_flipped", "b") if 12 <= i < 20 else outcome(None, "c") if i < 23 else PASS,
            PASS if i % 4 else outcome("predict.wrong_axis", f"p{i}"),
        ]
        status = "timeout" if i == 39 else "ok"
        records.append(
            record(
                f"student{i:02d}",
                dict(zip(POINTS, kinds)),
                POINTS,
                status=status,
                detail="test_predict: your code ran longer than 30 s" if status != "ok" else "",
                digests={"svm_loss": f"d{i // 2 if i > 30 else i}"},
            )
        )
    return write_output(out, records, POINTS)


def test_the_report_page_opens_without_errors_and_its_figures_decode(tmp_path, browser, screenshots):
    out = _class(tmp_path / "grades")
    report([out], stream=io.StringIO())
    page = browser.new_page(viewport={"width": 1366, "height": 768})
    problems, requests = [], []
    page.on("console", lambda m: problems.append(f"console {m.type}: {m.text}") if m.type == "error" else None)
    page.on("pageerror", lambda e: problems.append(f"page error: {e}"))
    page.on("request", lambda r: requests.append(r.url) if not r.url.startswith(("file:", "data:")) else None)
    try:
        page.goto((out / "report.html").as_uri(), wait_until="load")
        images = page.evaluate(
            "[...document.images].map(i => ({src: i.src.slice(0, 22), complete: i.complete, w: i.naturalWidth}))"
        )
        assert len(images) == 2, images
        assert all(i["complete"] and i["w"] > 0 and i["src"] == "data:image/png;base64," for i in images), images
        page.screenshot(path=screenshots / "report.png")
        page.get_by_text("12 students").first.click()  # a cause's list of students unfolds, without a script
        assert page.get_by_text("student00, student01").first.is_visible()
    finally:
        page.close()
    assert not problems, problems
    assert not requests, requests
