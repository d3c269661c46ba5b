"""The class report from a real grading run: generated hand-ins of notebook 02's vectorized SVM
loss with known wrong answers in known numbers (30 that forget the batch mean, 20 with the sign
of the data gradient flipped, 10 blank, 6 right), graded by `course grade`, then `course report`
finds exactly those counts, in that order, in report.json; and the copied answers as pairs.

The solution graded against is a one-exercise notebook cut from solutions/02 (its setup cell, the
exercise and its test), so the run stays small: 66 hand-ins, two at a time.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

import nbformat
import pytest

pytestmark = pytest.mark.kernel

if not sys.platform.startswith("linux"):
    pytest.skip("the grading sandbox needs Linux", allow_module_level=True)

from course_tools import cli  # noqa: E402
from course_tools.release import release_notebook  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
EXERCISE, TEST = "svm_loss_vectorized", "test_svm_loss_vectorized"
COUNTS = {"missing_batch_mean": 30, "sign_flipped": 20, "blank": 10}  # the wrong answers, by kind
RIGHT = 6  # two of each of RIGHT_WAYS
CODES = {  # the cause code the check gives each kind of wrong answer
    "missing_batch_mean": f"{EXERCISE}.missing_batch_mean",
    "sign_flipped": f"{EXERCISE}.data_gradient_sign",
    "blank": f"{EXERCISE}.blank",
}

RENAMES = [  # names a student may pick instead of the solution's (the checks do not care)
    {},
    {"rows": "idx", "scores": "s", "margins": "m", "dscores": "ds"},
    {"rows": "r", "scores": "sc", "margins": "marg", "dscores": "grad_scores", "loss": "total"},
]


def _solution(folder: Path) -> Path:
    """A solution notebook of one exercise: notebook 02's setup cell, svm_loss_vectorized and its test."""
    nb = nbformat.read(ROOT / "solutions" / "02_linear_classifiers.ipynb", as_version=4)
    setup = next(c for c in nb.cells if c.cell_type == "code" and "import course_utils as cu" in c.source)
    graded = [c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") in (EXERCISE, TEST)]
    assert len(graded) == 2
    nb.cells = [setup, *graded]
    path = folder / "svm_only.ipynb"
    nbformat.write(nb, path)
    return path


RIGHT_WAYS = [  # right answers written three ways (each handed in twice, under other names: 3 pairs)
    {},
    {"margins.sum() / N": "np.sum(margins) / N"},
    {"dscores /= N": "dscores = dscores / N"},
]


def _answer(solution: str, kind: str, variant: int) -> str:
    """The exercise's cell written right, or with one known mistake, under variant names."""
    body = re.sub(r"^\s*### (BEGIN|END) SOLUTION\n", "", solution, flags=re.M)
    if kind == "right":
        for old, new in RIGHT_WAYS[variant // 2].items():
            body = body.replace(old, new)
    elif kind == "missing_batch_mean":
        body = body.replace("margins.sum() / N", "margins.sum()").replace("    dscores /= N\n", "")
    elif kind == "sign_flipped":
        body = body.replace("dW = X.T @ dscores", "dW = -X.T @ dscores")
    for old, new in RENAMES[variant % len(RENAMES)].items():
        body = re.sub(rf"\b{old}\b", new, body)
    if variant % 2:
        body = body.replace("  # stage 1, (N, C)", "  # my scores").replace('"""Multiclass', '"""My multiclass')
    return body


def _handins(solution: Path, folder: Path) -> None:
    blank = release_notebook(solution)
    source = next(
        c.source
        for c in nbformat.read(solution, as_version=4).cells
        if c.metadata.get("nbgrader", {}).get("grade_id") == EXERCISE
    )
    folder.mkdir()

    def hand_in(name: str, answer: str | None) -> None:
        nb = nbformat.from_dict(json.loads(nbformat.writes(blank)))
        for cell in nb.cells:
            if answer is not None and cell.metadata.get("nbgrader", {}).get("grade_id") == EXERCISE:
                cell.source = answer
        nbformat.write(nb, folder / f"{name}.ipynb")

    for kind, n in COUNTS.items():
        for i in range(n):
            hand_in(f"{kind}_{i:02d}", None if kind == "blank" else _answer(source, kind, i))
    for i in range(RIGHT):
        hand_in(f"right_{i:02d}", _answer(source, "right", i))


@pytest.fixture(scope="module")
def graded(tmp_path_factory) -> Path:
    base = tmp_path_factory.mktemp("class")
    solution = _solution(base)
    _handins(solution, base / "handin")
    out = base / "grades"
    status = cli.main(["grade", str(base / "handin"), "--solution", str(solution), "--out", str(out), "--jobs", "2"])
    assert status == 0
    assert cli.main(["report", str(out)]) == 0
    return out


def test_the_report_finds_the_known_mistakes_in_their_numbers_and_order(graded):
    report = json.loads((graded / "report.json").read_text())
    assert report["students"] == sum(COUNTS.values()) + RIGHT
    (test,) = report["tests"]
    assert (test["grade_id"], test["passed"], test["failed"]) == (TEST, RIGHT, sum(COUNTS.values()))
    assert [(c["code"], c["count"]) for c in test["causes"]] == [(CODES[kind], n) for kind, n in COUNTS.items()]
    for cause, kind in zip(test["causes"], COUNTS):
        assert cause["students"] == [f"{kind}_{i:02d}" for i in range(COUNTS[kind])]
    assert "not divided by N" in test["causes"][0]["message"]
    # the two wrong answers each agree across their hand-ins (a blank one returns nothing to compare)
    assert [(g["size"], g["cause"], g["named"]) for g in test["groups"]] == [
        (30, CODES["missing_batch_mean"], True),
        (20, CODES["sign_flipped"], True),
    ]


def test_copied_answers_come_out_as_pairs_and_the_common_mistakes_as_common_answers(graded):
    similar = json.loads((graded / "report.json").read_text())["similar"]
    pairs = [p["students"] for p in similar["pairs"]]
    assert pairs == [["right_00", "right_01"], ["right_02", "right_03"], ["right_04", "right_05"]]
    assert all(p["cells"] == [EXERCISE] for p in similar["pairs"])
    assert [(c["cell"], c["size"]) for c in similar["common"]] == [(EXERCISE, 30), (EXERCISE, 20)]
