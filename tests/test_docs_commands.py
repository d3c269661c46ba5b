"""The commands the guides show run, and print what the guides show.

Each guide's blocks marked ```` ```sh runnable ```` or ```` ```python runnable ```` run in a
scratch copy of the checkout, in order (tests/doc_blocks.py; the convention is in
docs/development.md, *Commands in the docs*); a block that fails, or whose ```` ```text output ````
block does not match what it prints, fails the test. Every other shell block says why it is
not run. The example code of the developer's guide (*How to add a notebook*) runs here too.
"""

from __future__ import annotations

import pytest
from doc_blocks import ROOT, blocks, link_environment, matches, report, run_file, scratch_copy, unmarked

GUIDES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md")), ROOT / "benchmarks" / "README.md"]
RUN = [p for p in GUIDES if any(b.runnable for b in blocks(p))]


def test_every_shell_block_of_the_guides_is_runnable_or_says_why_not():
    problems = [problem for path in GUIDES for problem in unmarked(path)]
    assert not problems, "\n".join(problems)


def test_the_guides_have_runnable_blocks():
    names = {p.name for p in RUN}
    assert {"instructors.md", "students.md", "development.md"} <= names, sorted(names)


@pytest.mark.kernel  # the instructor's guide grades hand-ins
@pytest.mark.parametrize("guide", RUN, ids=[p.relative_to(ROOT).as_posix() for p in RUN])
def test_the_runnable_blocks_of_a_guide_run_and_print_what_it_shows(guide, tmp_path):
    folder = scratch_copy(tmp_path / "course")
    results = run_file(guide, folder)
    failed = [r for r in results if r.problems]
    assert not failed, "\n\n".join(report(r) for r in failed)


GUIDE = """\
# A guide

<!-- not run: it would wait for ever -->
```sh
sleep infinity
```

```sh runnable
echo one
echo two
```

```text output
one
...
```

```sh runnable
echo {printed}
```

```text output
three
```

```python runnable
x = 2
```

```python runnable
print(x + 1)
```

```text output
3
```
"""


def test_the_runner_passes_a_guide_that_matches_and_fails_drift_and_errors(tmp_path):
    folder = tmp_path / "run"
    folder.mkdir()
    link_environment(folder)
    guide = tmp_path / "guide.md"
    guide.write_text(GUIDE.format(printed="three"))
    assert [r.problems for r in run_file(guide, folder)] == [[], [], [], []]

    guide.write_text(GUIDE.format(printed="four"))
    drifted = run_file(guide, folder)
    assert drifted[1].problems == ["guide.md:18: the output differs from the one the guide shows"]

    guide.write_text(GUIDE.format(printed="three; false").replace("print(x + 1)", "print(y)"))
    failed = run_file(guide, folder)
    assert failed[1].problems == ["guide.md:18: exit status 1"]
    assert failed[3].problems[0] == "guide.md:30: raised an error", failed[3].output
    assert "NameError" in failed[3].output


def test_every_shell_block_needs_a_mark_or_a_reason(tmp_path):
    guide = tmp_path / "guide.md"
    guide.write_text("```sh\nmake lab\n```\n\n```\nls\n```\n\n```yaml runnable\na: 1\n```\n")
    assert unmarked(guide) == [
        "guide.md:1: a sh block neither marked runnable nor preceded by <!-- not run: why -->",
        "guide.md:5: a block without a language; write ```text (or ```sh runnable)",
        "guide.md:9: only sh and python blocks can be runnable, not yaml",
    ]


@pytest.mark.parametrize(
    ("shown", "printed", "same"),
    [
        ("a\nb", "a\nb\n", True),
        ("a ... d", "a b c d", True),
        ("a\n...\nd", "a\nb\nc\nd", True),
        ("...\nd", "a\nb\nc\nd", True),
        ("a (b)", "a (b) c", False),
        ("a\nb", "a\nc", False),
        ("x.y", "xzy", False),
    ],
)
def test_an_ellipsis_stands_for_any_text_and_nothing_else_does(shown, printed, same):
    assert matches(shown, printed) is same


def test_the_developers_guide_example_notebook_code_works(monkeypatch):
    """The reference code, checks module and checks' tests of *How to add a notebook* run as shown:
    the correct answers pass and each wrong one gets its hint (without adding a notebook)."""
    import types

    import numpy as np

    import course_utils as cu
    from course_utils.checks import _registry

    guide = [b for b in blocks(ROOT / "docs" / "development.md") if b.language == "python"]
    layers_code = next(b.code for b in guide if "def softplus_forward" in b.code)
    checks_code = next(b.code for b in guide if "@register(" in b.code)
    tests_code = next(b.code for b in guide if "def test_typical_wrong_answers" in b.code)

    from typing import NamedTuple

    layers = types.ModuleType("course_utils.layers_example")
    vars(layers).update(np=np, NamedTuple=NamedTuple)
    exec(layers_code, vars(layers))
    checks_code = checks_code.replace("from .. import layers\n", "").replace("from ._", "from course_utils.checks._")
    module = types.ModuleType("course_utils.checks.nb10_example")
    vars(module).update(layers=layers, __name__=module.__name__)
    monkeypatch.setattr(_registry, "REGISTRY", dict(_registry.REGISTRY))  # the course's own are left as they are
    monkeypatch.setattr(_registry, "CHECKS", dict(_registry.CHECKS))
    exec(checks_code, vars(module))
    monkeypatch.setattr(cu.checks, "check_softplus_backward", module.check_softplus_backward, raising=False)
    tests: dict = {}
    exec(tests_code, tests)
    for seed in (0, 1, 2):
        tests["test_correct_answers_pass"](seed)
    marks = tests["test_typical_wrong_answers_get_their_hint"].pytestmark[0].args[1]
    for wrong, hint in marks:
        tests["test_typical_wrong_answers_get_their_hint"](wrong, hint)
