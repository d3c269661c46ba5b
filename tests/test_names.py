"""One name per notebook topic: the checks, figures, explorers and tests of a notebook carry its topic.

A notebook's topic is its file name without the number (``02_linear_classifiers.ipynb`` ->
``linear_classifiers``). Its checks are ``course_utils/checks/nbNN_<topic>.py`` (or a package of
that name), a ``viz`` or ``widgets`` module that serves only it is ``<topic>.py``, and the tests of
those are ``test_checks_<topic>.py``, ``test_viz_<topic>.py``, ``test_widgets_<topic>.py``. Modules
several notebooks share keep their concept's name and are listed in SHARED below.
"""

import json
import re
from pathlib import Path

import pytest

import course_utils as cu

REPO = Path(__file__).resolve().parents[1]
PACKAGE = REPO / "course_utils"

# modules named after a concept because several notebooks use them (their docstrings say which)
SHARED = {"viz": {"classifiers", "curves", "gradcheck", "images"}, "widgets": set()}
# test files about the machinery, not about one notebook
MACHINERY_TESTS = {"checks": {"core", "needs", "causes"}, "viz": {"axes"}, "widgets": {"render"}}

TOPICS = {p.stem[:2]: p.stem[3:] for p in sorted((REPO / "solutions").glob("[0-9][0-9]_*.ipynb"))}


def _modules(package: Path) -> set[str]:
    """The public modules and packages right inside ``package``."""
    found = {p.stem for p in package.glob("*.py")} | {p.name for p in package.iterdir() if (p / "__init__.py").exists()}
    return {name for name in found if not name.startswith("_")}


def _notebook_source(number: str) -> str:
    (path,) = (REPO / "solutions").glob(f"{number}_*.ipynb")
    cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
    return "\n".join("".join(cell["source"]) for cell in cells if cell["cell_type"] == "code")


def test_the_topics_are_the_notebooks():
    assert len(TOPICS) >= 9 and all(re.fullmatch(r"[a-z][a-z0-9_]*", t) for t in TOPICS.values()), TOPICS


@pytest.mark.parametrize("number", sorted(TOPICS))
def test_every_notebook_has_its_checks_module_by_its_topic(number):
    name = f"nb{number}_{TOPICS[number]}"
    here = PACKAGE / "checks"
    assert (here / f"{name}.py").exists() or (here / name / "__init__.py").exists(), (
        f"solutions/{number}_{TOPICS[number]}.ipynb has no checks module course_utils/checks/{name}.py "
        f"(nor a package {name}/)"
    )


def test_no_checks_module_is_named_after_anything_but_its_notebook():
    expected = {f"nb{number}_{topic}" for number, topic in TOPICS.items()}
    stray = sorted(_modules(PACKAGE / "checks") - expected)
    assert not stray, f"checks modules not named nbNN_<topic> after a notebook in solutions/: {stray}"


@pytest.mark.parametrize("number", sorted(TOPICS))
def test_a_notebooks_checks_are_the_ones_it_calls(number):
    """Every check a notebook's module registers is called in that notebook, and in no other."""
    prefix = f"course_utils.checks.nb{number}_{TOPICS[number]}"
    own = {name for name, check in cu.checks.CHECKS.items() if check.__module__.startswith(prefix)}
    source = _notebook_source(number)
    uncalled = sorted(name for name in own if not re.search(rf"\b{name}\(", source))
    assert own and not uncalled, f"{prefix} registers checks notebook {number} never calls: {uncalled}"
    others = {n: _notebook_source(n) for n in TOPICS if n != number}
    elsewhere = sorted((name, n) for name in own for n, text in others.items() if re.search(rf"\b{name}\(", text))
    assert not elsewhere, f"checks of {prefix} called from other notebooks: {elsewhere}"


@pytest.mark.parametrize("kind", ["viz", "widgets"])
def test_every_notebook_module_of_viz_and_widgets_is_named_after_a_topic(kind):
    modules = _modules(PACKAGE / kind)
    stray = sorted(modules - set(TOPICS.values()) - SHARED[kind])
    assert not stray, (
        f"course_utils/{kind} modules named after neither a notebook's topic nor a shared concept: {stray} "
        f"(name a module that serves one notebook after its topic; add a shared one to SHARED here)"
    )
    assert SHARED[kind] <= modules, f"SHARED lists modules course_utils/{kind} does not have: {SHARED[kind] - modules}"


@pytest.mark.parametrize("kind", ["viz", "widgets"])
def test_a_topics_figures_and_explorers_serve_only_its_notebook(kind):
    """What a topic's module offers is called by that topic's notebook alone; a second user makes it shared."""
    sources = {number: _notebook_source(number) for number in TOPICS}
    wrong = []
    for number, topic in TOPICS.items():
        module = getattr(getattr(cu, kind), topic, None)
        for name in getattr(module, "__all__", []):
            users = sorted(n for n, text in sources.items() if re.search(rf"\b{kind}\.{name}\b", text))
            wrong += [(f"{kind}.{topic}.{name}", users)] if set(users) - {number} else []
    assert not wrong, f"used by another notebook than the module's topic (move to a shared module): {wrong}"


@pytest.mark.parametrize("kind", ["checks", "viz", "widgets"])
def test_test_files_carry_the_names_of_what_they_test(kind):
    names = {p.stem.removeprefix(f"test_{kind}_") for p in (REPO / "tests").glob(f"test_{kind}_*.py")}
    allowed = set(TOPICS.values()) | SHARED.get(kind, set()) | MACHINERY_TESTS[kind]
    assert not names - allowed, f"tests/test_{kind}_<name>.py with a name that is no topic: {sorted(names - allowed)}"
