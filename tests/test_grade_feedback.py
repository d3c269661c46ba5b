"""What the feedback says: hidden tests never repeat text from the student's kernel (an exception
message can carry the hidden inputs), each distinct cause is said once per test, and every blank
exercise a test touches is named.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.kernel

if not sys.platform.startswith("linux"):
    pytest.skip("the grading sandbox needs Linux", allow_module_level=True)

from test_grade import AFFINE, GOOD, SCALE, SOFTPLUS, SOLUTION, fixture_checks, notebook  # noqa: E402, F401

from course_tools.grade import grade  # noqa: E402

REPO = Path(__file__).resolve().parents[1]

# Each answer puts its inputs in what it raises: the hidden tests' inputs would reach the feedback.
LEAKERS = {
    "scale": "def scale(x, a):\n    raise ValueError(f'LEAK {a!r} {x.tolist()}')\n",
    "affine": (
        "class CheckFailure(Exception):\n    pass\n\n"
        "def affine(x, w, b):\n    raise CheckFailure(f'out is wrong: LEAK {x.tolist()}')\n"
    ),
    "softplus": ("def softplus(x):\n    raise type('LEAK ' + repr(x.tolist()), (Exception,), {})('LEAK')\n"),
}


# Replaces the grader's runner in its own kernel by one that raises an exception named after the
# test's request (which holds the hidden inputs' description): the whole test fails, and says so
# without that name.
RUNNER_PATCHER = (
    """import sys
def _leak(request, inputs, out):
    raise type('LEAK' + open(request).read()[:40].replace(' ', ''), (Exception,), {})()
sys.modules['course_grade_kernel'].run_test = _leak
"""
    + SCALE
)


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    base = tmp_path_factory.mktemp("feedback")
    subs, out = base / "subs", base / "out"
    subs.mkdir()
    (subs / "leaker.ipynb").write_bytes(notebook(LEAKERS))
    (subs / "good.ipynb").write_bytes(notebook(GOOD))
    (subs / "half.ipynb").write_bytes(
        notebook({"scale": SCALE, "affine": AFFINE, "softplus": SOFTPLUS.replace("np.logaddexp(0.0, x)", "x")})
    )
    (subs / "=eve\r,@x.ipynb").write_bytes(notebook(GOOD))  # a formula, a new row and a new cell in a name
    (subs / "patcher.ipynb").write_bytes(notebook({"scale": RUNNER_PATCHER, "affine": AFFINE, "softplus": SOFTPLUS}))
    results = grade(subs, SOLUTION, out, jobs=2, timeout=10, progress=False)
    return dict(results=results, out=out)


def test_the_honest_hand_in_still_earns_full_marks(run):
    assert (run["results"]["good"]["total"], run["results"]["good"]["status"]) == (6, "ok")


def test_a_name_made_to_break_the_gradebook_stays_one_row_graded_in_full(run):
    import csv

    text = (run["out"] / "grades.csv").read_text()
    rows = list(csv.reader(text.splitlines()))
    assert len(rows) == 1 + len(run["results"]) and all(len(r) == len(rows[0]) for r in rows)
    eve = next(r for r in rows if "eve" in r[1])
    assert eve[1] == "'=eve\\x0d,@x.ipynb" and eve[rows[0].index("total")] == "6"
    assert "\r" not in text


def test_hidden_feedback_has_no_text_from_the_kernel(run):
    tests = run["results"]["leaker"]["tests"]
    assert run["results"]["leaker"]["total"] == 0
    for gid, t in tests.items():
        visible, *hidden = t["messages"]
        assert hidden and all("LEAK" not in m["message"] for m in hidden), (gid, hidden)
    scale = tests["test_scale"]["messages"]
    assert "LEAK" in scale[0]["message"]  # the visible test shows the student's own message: its inputs are shown
    assert scale[1]["message"].startswith(
        "scale raised ValueError on a hidden test's inputs (answer cell `scale`, line 2)"
    )
    assert tests["test_affine"]["messages"][1]["message"] == (
        "affine: out is not what the check expects on a hidden test's inputs."
    )
    assert "raised an exception on a hidden test's inputs" in tests["test_softplus"]["messages"][1]["message"]
    text = (run["out"] / "feedback" / "leaker.md").read_text()
    hidden_parts = re.findall(r"- hidden test.*?```text\n(.*?)```", text, re.S)
    assert hidden_parts and not any("LEAK" in part for part in hidden_parts)


def test_a_runner_patched_to_raise_what_it_was_sent_earns_nothing_and_shows_none_of_it(run):
    r = run["results"]["patcher"]
    assert r["total"] == 0 and r["status"] == "ok"
    assert "LEAK" not in (run["out"] / "feedback" / "patcher.md").read_text()
    assert all(t["messages"][0]["message"] == "the test could not run (an exception)." for t in r["tests"].values())


def test_each_distinct_cause_is_said_once_per_test(run):
    text = (run["out"] / "feedback" / "leaker.md").read_text()
    section = text.split("## test_affine:")[1].split("## ")[0]
    assert "- hidden test 1 and hidden test 2: failed" in section  # the same sentence, once for both
    assert section.count("not what the check expects") == 1
    half = (run["out"] / "feedback" / "half.md").read_text().split("## test_softplus:")[1]
    assert half.count("- test: failed") == half.count("- hidden test 1: failed") == 1  # two causes, each once


@pytest.fixture(scope="module")
def blank03(tmp_path_factory):
    """The handed-out notebook 03, untouched, graded against its solution."""
    base = tmp_path_factory.mktemp("blank03")
    (base / "subs").mkdir()
    name = "03_layers_and_two_layer_net.ipynb"
    (base / "subs" / "ann.ipynb").write_bytes((REPO / "notebooks" / name).read_bytes())
    results = grade(base / "subs", REPO / "solutions" / name, base / "out", jobs=1, timeout=20, progress=False)
    return results["ann"], (base / "out" / "feedback" / "ann.md").read_text()


def _sections(text: str) -> dict[str, str]:
    parts = re.split(r"^## (\w+): .*$", text, flags=re.M)
    return dict(zip(parts[1::2], parts[2::2]))


def test_a_blank_hand_in_names_every_blank_exercise_a_test_touches_once(blank03):
    result, text = blank03
    assert result["total"] == 0
    sections = _sections(text)
    backward = sections["test_affine_backward"]
    assert "`affine_forward` and `affine_backward` are not filled in yet" in backward
    for gid, section in sections.items():
        sentences = [s.strip() for s in re.split(r"(?<=\.)\s", section) if "not filled in yet" in s]
        assert len(sentences) == len(set(sentences)) == 1, (gid, sentences)  # one cause, said once
        assert "fix that first" not in section, gid  # the blank cells are the cause; nothing else to fix
