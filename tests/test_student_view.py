"""What a student sees when a check fails, in IPython and in a real Jupyter kernel.

A blank exercise is one line; a wrong answer is the check's message without the frames of the
course's code; an error of the student's own code keeps the student's frames (or, for numpy's
shape and index errors, names the student's line).
"""

import re
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[1]
ANSI = re.compile(r"\x1b\[[0-9;]*m")

SETUP = """
import numpy as np
import course_utils as cu
"""


@pytest.fixture(scope="module")
def shell():
    from IPython.core.interactiveshell import InteractiveShell

    sh = InteractiveShell.instance(colors="nocolor")
    sh.run_cell(SETUP)
    yield sh
    InteractiveShell.clear_instance()


def shown(shell, capsys, *cells: str) -> str:
    """What IPython prints for the last of ``cells`` (the earlier ones only define things)."""
    for cell in cells[:-1]:
        assert shell.run_cell(cell).success
    capsys.readouterr()
    shell.run_cell(cells[-1])
    captured = capsys.readouterr()
    return ANSI.sub("", captured.out + captured.err).strip()


BLANK = '''
def affine_forward(x, w, b):
    """Affine layer."""
    # YOUR CODE HERE
    raise NotImplementedError()
'''


def test_a_blank_exercise_is_one_line(shell, capsys):
    text = shown(shell, capsys, BLANK, "cu.checks.check_affine_forward(affine_forward=affine_forward)")
    assert text == (
        'affine_forward is not filled in yet: write your code in its cell, in place of "raise NotImplementedError()".'
    )


def test_a_blank_exercise_used_by_a_later_check_is_named(shell, capsys):
    later = "cu.checks.check_affine_backward(affine_forward=affine_forward, affine_backward=cu.layers.affine_backward)"
    assert shown(shell, capsys, BLANK, later).startswith("affine_forward is not filled in yet")


def test_a_wrong_answer_shows_the_table_and_the_message_without_course_frames(shell, capsys):
    wrong = """
def relu_forward(x):
    return np.abs(x), x
"""
    text = shown(shell, capsys, wrong, "cu.checks.check_relu_forward(relu_forward=relu_forward)")
    assert "Traceback" not in text and "course_utils" not in text and "File " not in text
    lines = text.splitlines()
    assert lines[-2].startswith("relu_forward: out[") and "expected" in lines[-2] and "got" in lines[-2]
    assert lines[-1].startswith("  Hint: ")
    assert "FAIL" in text and len(lines) <= 5


def test_a_numpy_error_in_the_students_code_names_their_line(shell, capsys):
    wrong = "def matmul(a, b):\n    out = a @ b\n    return out\n"
    check = """
spec = cu.checks.Spec(
    name="matmul", args=("matmul",), cases=lambda seed: [dict(a=np.ones((2, 3)), b=np.ones((2, 4)))],
    call=lambda s, c: dict(out=s["matmul"](c["a"], c["b"])), expected=lambda c: dict(out=c["a"] @ c["b"].T))
cu.checks.run_check(spec, dict(matmul=matmul))
"""
    text = shown(shell, capsys, wrong, check)
    assert text.splitlines()[0].startswith("matmul raised ValueError: matmul")
    assert "  at matmul, line 2: `out = a @ b`" in text and "Hint: in a matrix product" in text
    assert "Traceback" not in text and "course_utils" not in text


def test_another_error_in_the_students_code_keeps_their_frame_and_hides_the_checks(shell, capsys):
    wrong = """
def relu_forward(x):
    out = x.clip_below(0)
    return out, x
"""
    text = shown(shell, capsys, wrong, "cu.checks.check_relu_forward(relu_forward=relu_forward)")
    assert "out = x.clip_below(0)" in text and text.splitlines()[-1].startswith("AttributeError")
    assert "course_utils" not in text and "skipping hidden" in text


def test_a_check_called_wrongly_says_so_in_one_line(shell, capsys):
    text = shown(shell, capsys, "cu.checks.check_relu_forward(relu=abs)")
    assert text == "TypeError: check_relu_forward got unexpected argument(s) relu; it takes relu_forward"


@pytest.mark.kernel
def test_the_first_blank_exercise_of_a_student_notebook_reads_in_one_line():
    from nbclient import NotebookClient

    path = ROOT / "notebooks" / "03_layers_and_two_layer_net.ipynb"
    nb = nbformat.read(path, as_version=4)
    check_cell = next(i for i, c in enumerate(nb.cells) if c.metadata.get("nbgrader", {}).get("grade"))
    exercise = nb.cells[check_cell - 1]
    assert "raise NotImplementedError()" in exercise.source
    name = re.search(r"def (\w+)\(", exercise.source).group(1)
    nb.cells = nb.cells[: check_cell + 1]
    NotebookClient(
        nb, timeout=60, kernel_name="python3", allow_errors=True, resources={"metadata": {"path": str(path.parent)}}
    ).execute()
    errors = [o for o in nb.cells[check_cell].outputs if o.output_type == "error"]
    assert len(errors) == 1
    lines = [ANSI.sub("", line) for text in errors[0].traceback for line in text.splitlines()]
    assert lines == [
        f'{name} is not filled in yet: write your code in its cell, in place of "raise NotImplementedError()".'
    ]
    assert all(o.output_type == "error" for o in nb.cells[check_cell].outputs)  # nothing printed above it
