"""Notebook 01's prose: inline math is never directly followed by a bracket, colon or semicolon.

JupyterLab's MathJax lets a line break fall between inline math and the character after it, so
"$x$):" can wrap the "):" onto a line of its own. The sentences are written so that does not happen.
"""

import re
from pathlib import Path

import nbformat

NOTEBOOK = Path(__file__).resolve().parents[1] / "solutions" / "01_backprop_circuits.ipynb"
_INLINE = re.compile(r"(?<![$\\])\$(?!\$)([^$]+?)(?<!\\)\$(?!\$)(.?)", re.S)


def _after_inline_math(text: str) -> list[str]:
    text = re.sub(r"\$\$.*?\$\$", " ", text, flags=re.S)  # display math may end a sentence
    return [m.group(0) for m in _INLINE.finditer(text) if m.group(2) in tuple(")]:;")]


def test_the_pattern_finds_what_wraps():
    assert _after_inline_math("the wires $s \\to f$): and $x$; but $y$, $z$. and $$a$$:") == ["$s \\to f$)", "$x$;"]


def test_no_inline_math_is_followed_by_a_bracket_colon_or_semicolon():
    nb = nbformat.read(NOTEBOOK, as_version=4)
    found = {c.get("id"): _after_inline_math(c.source) for c in nb.cells if c.cell_type == "markdown"}
    assert not {k: v for k, v in found.items() if v}
