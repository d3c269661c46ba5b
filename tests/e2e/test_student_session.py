"""A student's session in notebook 01: Run All, then type an answer into the first exercise cell,
run it and its check (Shift+Enter twice), and read what the check says: ✓ for a correct answer,
the hint for a typical wrong one."""

import re
import shutil
import time

import nbformat
import pytest

from .labdriver import STDERR, NotebookRun, error_summary, first_exercise

pytestmark = [pytest.mark.browser, pytest.mark.kernel]

# For the first exercise of notebook 01: a typical wrong answer and the words of the hint it must get.
WRONG_ANSWERS = {
    "grads_xyz": (
        "def grads_xyz(x, y, z):\n    return 1.0, 1.0, x + y\n",  # the add gate's local gradient alone
        "multiply it by the upstream gradient",
    ),
}


def solution_source(source: str) -> str:
    """The solution cell as a student would write it: without nbgrader's markers."""
    return (
        "\n".join(
            line for line in source.splitlines() if line.strip() not in ("### BEGIN SOLUTION", "### END SOLUTION")
        )
        + "\n"
    )


def type_and_check(run: NotebookRun, exercise: int, answer: str) -> dict:
    """Replace the exercise cell's text with ``answer``, run it and the check below; the check's state."""
    editor = run.cell(exercise).locator(".cm-content")
    editor.scroll_into_view_if_needed()
    editor.click()
    run.page.keyboard.press("Control+a")
    run.page.keyboard.insert_text(answer)  # as pasted: the editor does not re-indent it
    run.page.keyboard.press("Shift+Enter")  # runs the exercise, selects the check
    run.page.keyboard.press("Shift+Enter")  # runs the check
    time.sleep(0.5)  # the kernel may not have the first request yet
    run.wait_idle(60)
    return run.cells()[exercise + 1]


@pytest.fixture
def notebook_01(lab_root):
    found = sorted((lab_root / "notebooks").glob("01_*.ipynb"))
    if not found:
        pytest.fail("no notebooks/01_*.ipynb")
    (lab_root / "session").mkdir(exist_ok=True)
    shutil.copy2(found[0], lab_root / "session" / found[0].name)
    return found[0].name


def test_a_student_solves_the_first_exercise_of_notebook_01(runner, lab_root, notebook_01, screenshots):
    student = nbformat.read(lab_root / "session" / notebook_01, as_version=4)
    exercise, check = first_exercise(student)
    assert check == exercise + 1, "the check cell should sit right below the exercise"
    solution = nbformat.read(lab_root / "solutions" / notebook_01, as_version=4)
    cell_id = student.cells[exercise].get("id")
    correct = next((solution_source(c.source) for c in solution.cells if c.get("id") == cell_id), None)
    assert correct, f"no cell {cell_id} in solutions/{notebook_01}: is notebooks/ released?"
    name = re.search(r"(?:def|class) (\w+)", student.cells[exercise].source).group(1)
    assert name in WRONG_ANSWERS, (
        f"the first exercise of {notebook_01} is now {name}: add a typical wrong "
        f"answer for it and the words of its hint to WRONG_ANSWERS"
    )
    wrong, hint = WRONG_ANSWERS[name]

    run = runner.take(f"session/{notebook_01}")  # opened, Run All, idle
    try:
        blank = run.cells()[check]["outputs"]
        assert [o["text"].split(":")[0] for o in blank] == [f"{name} is not filled in yet"], blank

        shown = type_and_check(run, exercise, correct)
        run.screenshot(screenshots, "session-01-correct-answer", exercise, "start")
        texts = "\n".join(o["text"] for o in shown["outputs"])
        assert re.search(r"\[\d+\]", shown["prompt"]), f"the check did not run: prompt {shown['prompt']!r}"
        assert not [o for o in shown["outputs"] if o["mime"] == STDERR], f"a correct answer fails:\n{texts}"
        assert "✓" in texts and "PASS" in texts, f"the check of a correct answer shows:\n{texts}"

        shown = type_and_check(run, exercise, wrong)
        run.screenshot(screenshots, "session-01-wrong-answer", exercise, "start")
        errors = [o["text"] for o in shown["outputs"] if o["mime"] == STDERR]
        texts = "\n".join(o["text"] for o in shown["outputs"])
        assert len(errors) == 1, f"the check of a wrong answer shows:\n{texts}"
        assert "Traceback" not in errors[0] and "course_utils" not in errors[0], error_summary(errors[0])
        assert errors[0].lstrip().startswith(f"{name}"), errors[0]
        assert f"Hint: {hint}" in " ".join(errors[0].split()) or hint in errors[0], errors[0]
        assert "FAIL" in texts, texts
    finally:
        run.close()
