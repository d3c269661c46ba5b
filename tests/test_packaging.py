"""The set-up files agree with each other: pyproject.toml, environment.yml, README, .ci/run;
the two packages stay apart (course_utils never imports course_tools); the test markers work."""

import ast
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _pyproject_requirements() -> set[str]:
    try:
        import tomllib
    except ModuleNotFoundError:  # Python 3.10: read the two arrays by hand
        text = (ROOT / "pyproject.toml").read_text()
        found = set()
        for block in re.findall(r"^(?:dependencies|dev) = \[(.*?)\]", text, flags=re.S | re.M):
            found |= set(re.findall(r'"([^"]+)"', block))
        return found
    data = tomllib.loads((ROOT / "pyproject.toml").read_text())
    project = data["project"]
    return set(project["dependencies"]) | set(project["optional-dependencies"]["dev"])


def _environment_requirements() -> set[str]:
    found = set()
    text = (ROOT / "environment.yml").read_text()
    for line in text[text.index("dependencies:") :].splitlines():
        m = re.match(r"^  - ([A-Za-z0-9_.\-]+\s*[<>=!~]*.*)$", line)
        if m and not m.group(1).startswith(("python", "pip")):
            found.add(m.group(1).strip())
    return found


def test_environment_yml_lists_the_same_packages_and_versions_as_pyproject():
    py, env = _pyproject_requirements(), _environment_requirements()
    assert py, "no requirements read from pyproject.toml"
    assert py == env, (
        f"pyproject.toml and environment.yml drifted: only in pyproject {sorted(py - env)}, "
        f"only in environment.yml {sorted(env - py)}"
    )


def test_environment_yml_python_floor_matches_requires_python():
    text = (ROOT / "pyproject.toml").read_text()
    floor = re.search(r'requires-python = ">=([\d.]+)"', text).group(1)
    assert f"  - python>={floor}" in (ROOT / "environment.yml").read_text()


def test_readme_opens_with_the_two_commands_and_ci_runs_the_test_one():
    lines = [line.strip() for line in (ROOT / "README.md").read_text().splitlines()]
    code = [line for line in lines[:15] if line.startswith("make ")]
    assert code[:2] == ["make lab", "make test"], f"README must open with make lab / make test, found {code[:2]}"
    ci = [
        line.strip()
        for line in (ROOT / ".ci" / "run").read_text().splitlines()
        if line.strip() and not line.startswith(("#", "set ", "cd "))
    ]
    assert ci[-1] == "make test", "CI must end by running the README's test command"
    others = [line for line in ci[:-1] if re.search(r"\b(make|pytest|python)\b", line)]
    assert not others, f"CI may only install Debian packages before `make test`, found {others}"


def test_makefile_has_every_documented_target_and_installs_only_into_the_venv():
    makefile = (ROOT / "Makefile").read_text()
    for target in ("lab", "test", "release", "grade", "bench"):
        assert re.search(rf"^{target}:", makefile, flags=re.M), f"Makefile lacks `{target}`"
    pip_lines = re.findall(r"^\t.*pip install.*$", makefile, flags=re.M)
    into_venv = ("$(BIN)/python -m pip install", "$(BIN)/python -m uv pip install --python $(BIN)/python ")
    assert pip_lines and all(any(way in line for way in into_venv) for line in pip_lines), pip_lines


def test_package_declares_the_course_command():
    assert 'course = "course_tools.cli:main"' in (ROOT / "pyproject.toml").read_text()


def test_star_import_of_course_utils_works_and_lists_only_real_modules():
    code = (
        "from course_utils import *\nimport course_utils\n"
        "print(sorted(n for n in course_utils.__all__ if n not in globals()))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "[]"


def _course_utils_modules() -> list[str]:
    """Every module of the course_utils package, from its files."""
    found = []
    for path in sorted((ROOT / "course_utils").rglob("*.py")):
        parts = path.relative_to(ROOT).with_suffix("").parts
        found.append(".".join(parts[:-1] if parts[-1] == "__init__" else parts))
    return found


def test_importing_course_utils_never_imports_the_grader():
    modules = _course_utils_modules()
    assert "course_utils.checks" in modules and "course_utils.layers" in modules
    code = f"import {', '.join(modules)}; import sys; print([m for m in sys.modules if m.startswith('course_tools')])"
    env = dict(os.environ, MPLBACKEND="Agg")
    proc = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert proc.stdout.strip().splitlines()[-1] == "[]", proc.stdout


def test_the_checks_and_compute_modules_import_no_plotting_widgets_or_progress_bars():
    """A notebook pays for matplotlib's figures, ipywidgets and tqdm only where it draws, shows a
    widget or a progress bar: every kernel runs the checks, and in a kernel tqdm.auto imports ipywidgets."""
    modules = [m for m in _course_utils_modules() if not m.startswith(("course_utils.viz", "course_utils.widgets"))]
    heavy = ("matplotlib", "ipywidgets", "tqdm", "IPython")
    code = f"import {', '.join(modules)}; import sys; print(sorted({{m.split('.')[0] for m in sys.modules}} & {set(heavy)}))"
    env = dict(os.environ, MPLBACKEND="Agg")
    proc = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert proc.stdout.strip().splitlines()[-1] == "[]", proc.stdout


def _imported_names(tree: ast.AST) -> list[str]:
    names = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.append(node.module)
        elif (
            isinstance(node, ast.Call)
            and getattr(node.func, "attr", getattr(node.func, "id", None)) in ("import_module", "__import__")
            and node.args
            and isinstance(node.args[0], ast.Constant)
        ):
            names.append(str(node.args[0].value))
    return names


def test_no_course_utils_source_imports_course_tools():
    offenders = []
    for path in sorted((ROOT / "course_utils").rglob("*.py")):
        for name in _imported_names(ast.parse(path.read_text(encoding="utf-8"))):
            if name.split(".")[0] == "course_tools":
                offenders.append(f"{path.relative_to(ROOT)}: {name}")
    assert not offenders, "course_utils must not import the instructor's package: " + ", ".join(offenders)


def test_kernel_marker_covers_every_test_that_starts_a_kernel():
    """``-m 'not kernel'`` leaves out nbval's notebook cells and every test that starts a kernel."""
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "--collect-only",
            "-q",
            "--strict-markers",
            "--nbval-lax",
            "-m",
            "kernel",
            "solutions",
            "tests/test_release.py",
            "tests/test_notebooks.py",
            "tests/test_grade.py",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    ids = [line for line in proc.stdout.splitlines() if "::" in line]
    cells = sum(
        c["cell_type"] == "code"
        for p in (ROOT / "solutions").glob("*.ipynb")
        for c in json.loads(p.read_text())["cells"]
    )
    assert sum(i.startswith("solutions/") for i in ids) == cells
    for name in (
        "test_blank_student_notebook_fails_every_check",
        "test_store_outputs_keeps_only_pinned_cells",
        "test_nbval_compares_only_the_outputs_of_tagged_cells",
        "test_each_submission_gets_its_score_and_status",
        "test_every_course_notebook_solution_full_marks_blank_zero_reference_none",
    ):
        assert any(f"::{name}" in i for i in ids), f"{name} is not marked kernel"
    assert not any("test_release_then_check_then_stale" in i or "test_student_notebooks_are_exactly" in i for i in ids)


def test_make_passes_pytest_flags_with_their_quotes():
    env = {k: v for k, v in os.environ.items() if k not in ("MAKEFLAGS", "MFLAGS", "MAKELEVEL")}  # under make test
    proc = subprocess.run(
        ["make", "-n", "--no-print-directory", "test", "PYTEST_FLAGS=-m 'not kernel'"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 0, proc.stderr
    runs = [line for line in proc.stdout.splitlines() if "-m pytest" in line]
    assert len(runs) == 1 and runs[0].endswith("--nbval-lax tests solutions -m 'not kernel'"), proc.stdout
    lines = proc.stdout.splitlines()
    checks = [next(i for i, line in enumerate(lines) if tool in line) for tool in ("ruff check", "ruff format", "mypy")]
    assert checks == sorted(checks) and checks[-1] < lines.index(runs[0]), "make test checks before it tests"


def test_grading_tests_skip_with_a_clear_message_in_a_checkout_that_is_not_installed(tmp_path):
    """A copy of the course whose course_utils is not the installed one: the grading kernels
    could not read it, so its grading tests skip, saying what to do, instead of erroring."""
    copy = tmp_path / "copy"
    for name in ("course_utils", "course_tools", "tests/grade_fixtures"):
        shutil.copytree(ROOT / name, copy / name, ignore=shutil.ignore_patterns("__pycache__"))
    for name in ("conftest.py", "pyproject.toml", "tests/test_grade.py"):
        shutil.copy(ROOT / name, copy / name)
    proc = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-rs", "--color=no", "tests/test_grade.py"],
        cwd=copy,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 5 and "1 skipped" in proc.stdout, proc.stdout[-3000:]  # 5: no test left to run
    assert "installed editable from this checkout" in proc.stdout and "pip install -e ." in proc.stdout
    assert f"not from this checkout ({copy.resolve() / 'course_utils'})" in proc.stdout


DOCS = ["README.md", *sorted(str(p.relative_to(ROOT)) for p in (ROOT / "docs").glob("*.md")), "benchmarks/README.md"]


def _prose(path: Path) -> str:
    """A guide's text without its fenced blocks (code and output are no links)."""
    return re.sub(r"^\s*(`{3,}).*?^\s*\1\s*$", "", path.read_text(), flags=re.S | re.M)


def _docs_code() -> list[tuple[str, str]]:
    """Every line of code (blocks and inline) in the README and the guides, as (file, line), with shell
    line continuations joined; what a block shows as output (```` ```text output ````) is not code."""
    from doc_blocks import blocks

    found = []
    for name in DOCS:
        code = [b.code for b in blocks(ROOT / name)] + re.findall(r"`([^`\n]+)`", _prose(ROOT / name))
        found += [(name, line.strip()) for snippet in code for line in re.sub(r"\\\n\s*", " ", snippet).splitlines()]
    return found


def test_the_guides_the_readme_links_exist_and_the_readme_stays_a_front_page():
    readme = (ROOT / "README.md").read_text()
    assert len(readme.encode()) < 6144, f"README.md is {len(readme.encode())} bytes: move detail into docs/"
    for name in DOCS[1:]:
        assert f"]({name})" in readme, f"README.md does not link {name}"
    for name in DOCS:
        for target in re.findall(r"\]\(([^)#:]+)(?:#[^)]*)?\)", _prose(ROOT / name)):
            assert ((ROOT / name).parent / target).exists(), f"{name} links {target}, which does not exist"


def test_every_course_and_make_command_in_the_docs_exists():
    from course_tools.cli import build_parser
    from course_tools.grade.shards import merge_parser

    found = _docs_code()
    code = [line for _, line in found]
    commands = {
        m.group(1): name
        for name, line in found
        if (m := re.match(r"^(?:\.venv/bin/)?(course (?:release|store-outputs|grade|report|export) .*)$", line))
    }
    concrete = {c for c in commands if "[" not in c and "..." not in c}  # not the usage summaries
    assert {"course release --check", "course release --force"} <= concrete, sorted(concrete)
    assert any(c.startswith("course grade ") for c in concrete) and any("store-outputs" in c for c in concrete)
    assert any(c.startswith("course grade merge ") for c in concrete), sorted(concrete)
    assert any(c.startswith("course report ") for c in concrete), sorted(concrete)
    for command in sorted(concrete):
        words = shlex.split(re.sub(r"\$\{?\w+\}?", "1", command))[1:]  # a job's variables: any number
        try:
            if words[:2] == ["grade", "merge"]:
                merge_parser().parse_args(words[2:])
            else:
                build_parser().parse_args(words)
        except SystemExit:
            raise AssertionError(f"{commands[command]}'s `{command}` is not a valid course command") from None
    targets = set(re.findall(r"^([\w-]+):", (ROOT / "Makefile").read_text(), flags=re.M))
    used = {m.group(1) for line in code if (m := re.match(r"^make ([\w-]+)", line))}
    assert {"lab", "test", "release", "grade", "bench"} <= used and used <= targets, sorted(used - targets)


def test_pytest_xdist_loadgroup_keeps_a_group_in_one_worker(tmp_path):
    """``make test`` relies on pytest-xdist's own ``loadgroup``: with pytest 9.2 and pytest-xdist
    3.8 the ``xdist_group`` mark is silently dropped (pytest-xdist issue 1386), hence the pin in
    pyproject.toml. This fails if the installed versions split a group over workers again."""
    for name in ("a", "b"):
        (tmp_path / f"test_{name}.py").write_text(
            "import os, pytest\n\n"
            "@pytest.mark.xdist_group('one')\n"
            "@pytest.mark.parametrize('i', range(4))\n"
            "def test_grouped(i):\n"
            "    print('WORKER', os.environ['PYTEST_XDIST_WORKER'])\n"
        )
    proc = subprocess.run(
        [sys.executable, "-m", "pytest", "-n", "2", "--dist", "loadgroup", "-p", "no:cacheprovider", "-rA", "-q"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    workers = set(re.findall(r"WORKER (gw\d+)", proc.stdout))
    assert len(re.findall(r"WORKER gw\d+", proc.stdout)) == 8, proc.stdout[-3000:]
    assert len(workers) == 1, f"pytest-xdist's loadgroup split one group over {sorted(workers)}: see pyproject.toml"


def test_both_packages_ship_their_py_typed_marker(tmp_path):
    """The packages say they are typed (PEP 561): py.typed is in each and in what setuptools installs."""
    proc = subprocess.run(
        [sys.executable, "-c", "from setuptools import setup; setup()", "-q", "build_py", "-d", str(tmp_path)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    for package in ("course_utils", "course_tools"):
        assert (tmp_path / package / "py.typed").is_file(), f"{package}/py.typed is not installed: see package-data"
