"""The browser checks can fail: a scratch notebook with a working widget beside a widget whose
redraw raises, a widget whose callback raises outside its output, a blank figure and an error
that stops Run All. The same checks as for a solution notebook must name each broken cell and no
other."""

import nbformat
import pytest

from .labdriver import solution_problems

pytestmark = [pytest.mark.browser, pytest.mark.kernel]

SETUP = """\
import ipywidgets as widgets
import matplotlib.pyplot as plt
import numpy as np
from IPython.display import display

def draw(a):
    fig, ax = plt.subplots(figsize=(5, 3))
    x = np.linspace(0, 1, 50)
    ax.plot(x, a * x ** 2, label="a x²")
    ax.set(title=f"a = {a:.2f}", xlabel="x", ylabel="y", ylim=(0, 2))
    ax.legend()
    display(fig)
    plt.close(fig)

def slider(name):
    return widgets.FloatSlider(value=1.0, min=0.0, max=2.0, description=name, continuous_update=False)
"""

WORKS = """\
a = slider("a")
widgets.VBox([a, widgets.interactive_output(draw, {"a": a})])
"""

REDRAW_RAISES = """\
def draw_once(b):
    if b != 1.0:
        raise ValueError("this redraw fails")
    draw(b)

b = slider("b")
widgets.VBox([b, widgets.interactive_output(draw_once, {"b": b})])
"""

CALLBACK_RAISES = """\
c, out = slider("c"), widgets.Output()
with out:
    draw(1.0)

def on_change(change):
    raise RuntimeError("this callback fails, and the figure silently stays")

c.observe(on_change, names="value")
widgets.VBox([c, out])
"""

BLANK_FIGURE = """\
fig, ax = plt.subplots(figsize=(5, 3))
ax.axis("off")
plt.show()
"""

PLOT = """\
draw(0.5)
"""

ERROR = """\
np.linalg.inv(np.zeros((2, 2)))
"""

AFTER = """\
print("Run All stops before this cell")
"""

CELLS = [SETUP, WORKS, REDRAW_RAISES, CALLBACK_RAISES, BLANK_FIGURE, PLOT, ERROR, AFTER]


@pytest.fixture
def broken_notebook(lab_root):
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.cells = [nbformat.v4.new_code_cell(src) for src in CELLS]
    (lab_root / "scratch").mkdir(exist_ok=True)
    nbformat.write(nb, lab_root / "scratch" / "broken_widgets.ipynb")
    return "scratch/broken_widgets.ipynb"


def test_the_solution_checks_catch_a_failing_widget_a_blank_figure_and_an_error(runner, broken_notebook):
    run = runner.take(broken_notebook)
    try:
        problems = solution_problems(run)
    finally:
        run.close()
    by_cell = {}
    for p in problems:
        cell = int(p.split(":")[0].split()[-1]) if p.startswith("cell ") else None
        by_cell.setdefault(cell, []).append(p)
    text = "\n".join(problems)
    assert set(by_cell) == {None, 2, 3, 4, 6}, text
    assert any("inside its widget" in p and "ValueError: this redraw fails" in p for p in by_cell[2]), text
    assert by_cell[3] == ["cell 3: widget 1: moving slider 'c' from 1.00 to 0.50 did not change the figure"], text
    assert by_cell[4] == ["cell 4: figure 1 is blank (0.00 % of its pixels differ from the background)"], text
    assert len(by_cell[6]) == 1 and "LinAlgError" in by_cell[6][0] and "error output" in by_cell[6][0], text
    assert by_cell[None] == ["Run All did not run 1 code cell(s): 7"], text
