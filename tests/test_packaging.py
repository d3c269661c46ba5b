"""The set-up files agree with each other: pyproject.toml, environment.yml, README, .ci/run."""
import re
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
    for line in text[text.index("dependencies:"):].splitlines():
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
    ci = [line for line in (ROOT / ".ci" / "run").read_text().splitlines() if line and not line.startswith(("#", "set ", "cd "))]
    assert ci == ["make test"]


def test_makefile_has_every_documented_target_and_installs_only_into_the_venv():
    makefile = (ROOT / "Makefile").read_text()
    for target in ("lab", "test", "release", "grade", "bench"):
        assert re.search(rf"^{target}:", makefile, flags=re.M), f"Makefile lacks `{target}`"
    pip_lines = re.findall(r"^\t.*pip install.*$", makefile, flags=re.M)
    assert pip_lines and all("$(BIN)/python -m pip install" in line for line in pip_lines)


def test_package_declares_the_course_command():
    assert 'course = "course_tools.cli:main"' in (ROOT / "pyproject.toml").read_text()


def test_star_import_of_course_utils_works_and_lists_only_real_modules():
    import subprocess
    import sys

    code = ("from course_utils import *\nimport course_utils\n"
            "print(sorted(n for n in course_utils.__all__ if n not in globals()))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "[]"
