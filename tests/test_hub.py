"""The repository as a hub builds it: repo2docker reads ``environment.yml`` at the top, installs it
(its pip section installs the course itself), then runs ``postBuild``, which applies the lab
settings ``make lab`` applies to ``.venv``. Docker is not here: these tests check what can be
checked without it (the files repo2docker reads, and postBuild run against a scratch prefix)."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from course_tools import lab_settings

ROOT = Path(__file__).resolve().parents[1]
POSTBUILD = ROOT / "postBuild"


def test_repo2docker_finds_the_environment_and_postbuild_at_the_top():
    # a binder/ or .binder/ folder would make repo2docker ignore every top-level configuration file
    assert not (ROOT / "binder").exists() and not (ROOT / ".binder").exists()
    assert os.access(POSTBUILD, os.X_OK), "postBuild must be executable (git update-index --chmod=+x postBuild)"
    assert subprocess.run(["bash", "-n", str(POSTBUILD)], capture_output=True).returncode == 0
    env = (ROOT / "environment.yml").read_text()
    # a local pip requirement makes repo2docker copy the repository before it builds the environment
    assert re.search(r"^\s+- (--editable|-e) \.\s*$", env, re.M), "environment.yml must install the course (-e .)"


def run_postbuild(prefix: Path) -> subprocess.CompletedProcess:
    env = {
        **os.environ,
        "NB_PYTHON_PREFIX": str(prefix),
        "PATH": os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")]),
    }
    return subprocess.run(["bash", str(POSTBUILD)], capture_output=True, text=True, env=env, timeout=120)


def files(prefix: Path) -> dict[str, dict]:
    return {str(p.relative_to(prefix)): json.loads(p.read_text()) for p in lab_settings.apply(prefix)}


def test_postbuild_writes_the_settings_make_lab_writes(tmp_path):
    hub = tmp_path / "hub"
    hub.mkdir()
    proc = run_postbuild(hub)
    assert proc.returncode == 0, proc.stderr
    written = {str(p.relative_to(hub)): json.loads(p.read_text()) for p in hub.rglob("*.json")}
    assert written == files(tmp_path / "venv")  # the same module, the same files
    assert written["share/jupyter/lab/settings/overrides.d/course.json"] == lab_settings.NOTIFICATIONS
    assert len(written) == 2 + len(lab_settings.NBGRADER_SERVER)
    assert run_postbuild(hub).returncode == 0  # a rebuild runs it again: nothing breaks, nothing doubles
    assert {str(p.relative_to(hub)): json.loads(p.read_text()) for p in hub.rglob("*.json")} == written


def test_settings_keep_what_else_the_environment_configured(tmp_path):
    page = tmp_path / "etc" / "jupyter" / "labconfig" / "page_config.json"
    page.parent.mkdir(parents=True)
    page.write_text(json.dumps({"disabledExtensions": {"other-ext": True}, "exposeAppInBrowser": True}))
    lab_settings.apply(tmp_path)
    config = json.loads(page.read_text())
    assert config["disabledExtensions"] == {"other-ext": True, "@jupyter/nbgrader": True}
    assert config["exposeAppInBrowser"] is True and config["lockedExtensions"] == {"@jupyter/nbgrader": True}


def test_bad_arguments_get_a_one_line_error(tmp_path, capsys):
    assert lab_settings.main([str(tmp_path / "nowhere")]) == 2
    assert lab_settings.main(["--help"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 2 and "no environment at" in err[0] and err[1].startswith("usage:")


@pytest.mark.skipif(
    not (Path(sys.prefix) / "etc" / "jupyter" / "labconfig" / "page_config.json").exists(),
    reason="the lab settings are written by make lab / make test",
)
def test_jupyter_itself_sees_nbgrader_switched_off():
    jupyter = Path(sys.executable).parent / "jupyter"
    out = subprocess.run([str(jupyter), "labextension", "list"], capture_output=True, text=True, timeout=120)
    line = next((s for s in (out.stdout + out.stderr).splitlines() if "@jupyter/nbgrader v" in s), None)
    assert line is not None and "disabled" in line, out.stdout + out.stderr
    out = subprocess.run([str(jupyter), "server", "extension", "list"], capture_output=True, text=True, timeout=120)
    text = out.stdout + out.stderr
    for name in lab_settings.NBGRADER_SERVER:
        assert re.search(rf"nbgrader\.server_extensions\.{name}\s+\S*disabled", text), text
