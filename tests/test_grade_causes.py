"""The cause and the answer the grader records per test: the cause code decided by the grader's own
judging (never read from the kernel), and a fingerprint of the raw results the kernel sent back,
the same for hand-ins whose results agree to 1e-9."""

from __future__ import annotations

import json
import re
import sys

import numpy as np
import pytest

pytestmark = pytest.mark.kernel

if not sys.platform.startswith("linux"):
    pytest.skip("the grading sandbox needs Linux", allow_module_level=True)

from test_grade import AFFINE, GOOD, SCALE, SOFTPLUS, SOLUTION, fixture_checks, notebook  # noqa: E402, F401

from course_tools.grade import grade  # noqa: E402
from course_tools.grade.answers import answer_fingerprint  # noqa: E402
from course_tools.grade.results import TestResult  # noqa: E402

FLIPPED = "def scale(x, a):\n    return -a * x\n"
# The same wrong answer, by another road: its results agree with FLIPPED's to far better than 1e-9.
FLIPPED_TOO = "def scale(x, a):\n    return -(x * a) * (1 + 1e-13)\n"
# A kernel that writes a cause and an answer of its choosing into every record it sends back: the
# grader must decide them itself.
FORGER = (
    """import json as _json
_dump = _json.dump
def _forge(obj):
    if isinstance(obj, dict):
        if {'calls', 'cases', 'outputs'} & set(obj):  # the records, not the arrays' descriptions
            obj['cause'] = 'scale.forged'
            obj['answer'] = 'forged'
        for v in list(obj.values()):
            _forge(v)
    elif isinstance(obj, list):
        for v in obj:
            _forge(v)
def _forged_dump(obj, f, *a, **k):
    _forge(obj)
    return _dump(obj, f, *a, **k)
_json.dump = _forged_dump
"""
    + FLIPPED
)


@pytest.fixture(scope="module")
def results(tmp_path_factory):
    base = tmp_path_factory.mktemp("causes")
    subs, out = base / "subs", base / "out"
    subs.mkdir()
    (subs / "good.ipynb").write_bytes(notebook(GOOD))
    (subs / "flipper.ipynb").write_bytes(notebook({"scale": FLIPPED, "affine": AFFINE, "softplus": SOFTPLUS}))
    (subs / "flipper2.ipynb").write_bytes(notebook({"scale": FLIPPED_TOO, "affine": AFFINE, "softplus": SOFTPLUS}))
    (subs / "forger.ipynb").write_bytes(notebook({"scale": FORGER, "affine": AFFINE, "softplus": SOFTPLUS}))
    (subs / "raiser.ipynb").write_bytes(
        notebook({"scale": "def scale(x, a):\n    raise KeyError('a')\n", "affine": AFFINE, "softplus": SOFTPLUS})
    )
    grade(subs, SOLUTION, out, jobs=2, timeout=10, memory="1G", progress=False)
    return {p.stem: json.loads(p.read_text())["tests"] for p in (out / "results").glob("*.json")}


def test_a_passed_test_has_no_cause_and_no_answer(results):
    for test in results["good"].values():
        assert test["passed"] and test["cause"] is None and test["answer"] is None


def test_a_wrong_hand_in_has_its_cause_and_a_fingerprint_of_its_answer(results):
    test = results["flipper"]["test_scale"]
    assert not test["passed"]
    assert test["cause"] == "scale.wrong_sign"
    assert re.fullmatch(r"[0-9a-f]{64}", test["answer"])
    assert results["flipper"]["test_affine"]["cause"] is None  # the other tests passed


def test_results_that_agree_to_1e9_share_the_fingerprint(results):
    assert results["flipper2"]["test_scale"]["answer"] == results["flipper"]["test_scale"]["answer"]
    assert results["flipper2"]["test_scale"]["cause"] == "scale.wrong_sign"


def test_a_kernel_forging_a_cause_cannot_set_it(results):
    test = results["forger"]["test_scale"]
    assert test["cause"] == "scale.wrong_sign"
    assert test["answer"] == results["flipper"]["test_scale"]["answer"]
    assert "forged" not in json.dumps(results["forger"])


def test_an_answer_that_raises_has_the_cause_raised_and_no_answer(results):
    test = results["raiser"]["test_scale"]
    assert test["cause"] == "scale.raised" and test["answer"] is None


def test_the_fields_read_back():
    data = TestResult(0.0, 1.0, False, (), (), cause="scale.wrong_sign", answer="ab" * 32).to_json()
    assert list(data)[:5] == ["points", "max", "passed", "cause", "answer"]
    assert TestResult.from_json(data).to_json() == data


def _calls(*values):
    arrays = {f"a{i}": np.asarray(v) for i, v in enumerate(values)}
    calls = [{"cases": [{"outputs": {"out": {"a": key}}} for key in arrays]}]
    return calls, arrays


def test_the_fingerprint_rounds_to_9_significant_digits_and_keeps_shape_and_dtype():
    x = np.array([1.0, -2.5e-7, 3e8, 0.0])
    base = answer_fingerprint(*_calls(x))
    assert answer_fingerprint(*_calls(x * (1 + 1e-12))) == base
    assert answer_fingerprint(*_calls(np.array([1.0, -2.5e-7, 3e8, -0.0]))) == base
    assert answer_fingerprint(*_calls(x * (1 + 1e-6))) != base
    assert answer_fingerprint(*_calls(x.reshape(2, 2))) != base
    assert answer_fingerprint(*_calls(x.astype(np.float32))) != base
    assert answer_fingerprint(*_calls(np.array([np.nan, np.inf, -np.inf]))) != answer_fingerprint(
        *_calls(np.array([np.nan, -np.inf, np.inf]))
    )
    assert answer_fingerprint([{"error": {"etype": "KeyError"}}], {}) is None
    assert answer_fingerprint([{"cases": "not a list of cases"}], {}) is None
