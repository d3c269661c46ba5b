"""The grading copy of the course: references stand in for the student's own, expected-value code raises."""

import types

import pytest

from course_tools.grade import stubs

SOURCE = """
class Gate:
    def forward(self, x):
        return x


class MultiplyGate(Gate):
    def forward(self, x, y):
        return x * y


def affine_forward(x, w, b):
    return x @ w + b


def _expected(case):
    return {"out": affine_forward(case["x"], case["w"], case["b"])}


expected = lambda case: {"out": 2 * case}
"""


def load(functions, lines=frozenset(), notebook=None):
    """The stubbed SOURCE as a module, with ``notebook`` as the student's namespace."""
    grading = types.ModuleType("course_utils._grading")
    exec(stubs._GRADING, grading.__dict__)
    grading._notebook = lambda: notebook or {}
    module = types.ModuleType("m")
    code = stubs.stub_source(SOURCE, "m", functions, lines)
    import sys

    old = sys.modules.get("course_utils._grading")
    sys.modules["course_utils._grading"] = grading
    try:
        exec(compile(code, "m.py", "exec"), module.__dict__)
    finally:
        if old is None:
            sys.modules.pop("course_utils._grading")
        else:
            sys.modules["course_utils._grading"] = old
    return module, grading


def test_a_reference_runs_the_students_own_function_of_that_name(monkeypatch):
    calls = []

    def affine_forward(x, w, b):
        calls.append((x, w, b))
        return "mine"

    module, grading = load({"affine_forward"}, notebook={"affine_forward": affine_forward})
    monkeypatch.setitem(__import__("sys").modules, "course_utils._grading", grading)
    assert module.affine_forward(1, 2, b=3) == "mine"
    assert calls == [(1, 2, 3)]


@pytest.mark.parametrize("notebook", [{}, "itself", "wrapper"])
def test_a_reference_with_no_answer_of_the_students_own_raises(monkeypatch, notebook):
    ns = {}
    module, grading = load({"affine_forward"}, notebook=ns)
    monkeypatch.setitem(__import__("sys").modules, "course_utils._grading", grading)
    if notebook == "itself":
        ns["affine_forward"] = module.affine_forward
    elif notebook == "wrapper":
        ns["affine_forward"] = lambda x, w, b: module.affine_forward(x, w, b)
    with pytest.raises(RuntimeError, match="course's own implementation") as info:
        module.affine_forward(1, 2, 3)
    assert type(info.value).__name__ == stubs.UNAVAILABLE


def test_a_class_builds_the_students_class_and_its_methods_raise(monkeypatch):
    class MultiplyGate:
        def forward(self, x, y):
            return "student"

    module, grading = load({"MultiplyGate"}, notebook={"MultiplyGate": MultiplyGate})
    monkeypatch.setitem(__import__("sys").modules, "course_utils._grading", grading)
    assert module.MultiplyGate().forward(2, 3) == "student"
    assert module.Gate().forward(4) == 4  # not a reference: untouched
    with pytest.raises(RuntimeError, match="MultiplyGate.forward"):
        module.MultiplyGate.forward(None, 2, 3)


def test_a_subclass_of_the_reference_is_not_an_answer(monkeypatch):
    ns = {}
    module, grading = load({"MultiplyGate"}, notebook=ns)
    monkeypatch.setitem(__import__("sys").modules, "course_utils._grading", grading)
    ns["MultiplyGate"] = type("MultiplyGate", (module.MultiplyGate,), {})
    with pytest.raises(RuntimeError, match="not available"):
        ns["MultiplyGate"]()


def test_expected_value_code_raises_and_names_are_kept(monkeypatch):
    module, grading = load(set(), {("_expected", 16), ("<lambda>", 20)})
    monkeypatch.setitem(__import__("sys").modules, "course_utils._grading", grading)
    for fn, arg in ((module._expected, {}), (module.expected, 1)):
        with pytest.raises(RuntimeError, match="not available"):
            fn(arg)
    assert module.MultiplyGate().forward(2, 3) == 6  # not stubbed here


def test_a_reference_that_is_not_in_the_source_is_an_error():
    with pytest.raises(ValueError, match="cannot find nowhere"):
        stubs.stub_source(SOURCE, "m", {"nowhere"})
