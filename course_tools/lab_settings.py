"""The JupyterLab settings of the course, written into the Python environment that runs the lab.

    python -m course_tools.lab_settings [PREFIX]     (PREFIX: the environment, default this one)

``make lab`` and ``make test`` write them into ``.venv``; ``postBuild`` writes them into the image
a hub builds with repo2docker (``$NB_PYTHON_PREFIX``). They are the environment's, never a
user's: a student's own settings (``~/.jupyter``, ``overrides.json``) are left alone.

- ``share/jupyter/lab/settings/overrides.d/course.json``: the lab opens on the notebook, without
  the "get notified about official Jupyter news?" toast and without checking for updates.
- nbgrader, a test-only dependency that comes with the environment, would add its instructor
  panels to the students' lab: its lab extension is disabled in ``etc/jupyter/labconfig/
  page_config.json`` (merged with whatever else that file holds), and its four server extensions
  in ``etc/jupyter/jupyter_server_config.d/`` (files named so that they load after nbgrader's own).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

__all__ = ["apply", "NOTIFICATIONS", "NBGRADER_LAB", "NBGRADER_SERVER"]

NOTIFICATIONS = {"@jupyterlab/apputils-extension:notification": {"fetchNews": "false", "checkForUpdates": False}}
NBGRADER_LAB = "@jupyter/nbgrader"
NBGRADER_SERVER = ["formgrader", "validate_assignment", "assignment_list", "course_list"]


def _write_json(path: Path, data: dict) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(json.dumps(data) + "\n", encoding="utf-8")
    tmp.replace(path)
    return path


def apply(prefix: Path | str = sys.prefix) -> list[Path]:
    """Write the course's lab settings into the environment at ``prefix``; returns the files written."""
    prefix = Path(prefix)
    written = [
        _write_json(prefix / "share" / "jupyter" / "lab" / "settings" / "overrides.d" / "course.json", NOTIFICATIONS)
    ]
    page = prefix / "etc" / "jupyter" / "labconfig" / "page_config.json"
    try:
        config = json.loads(page.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        config = {}
    if not isinstance(config, dict):
        config = {}
    for key in ("disabledExtensions", "lockedExtensions"):
        value = config.get(key)
        config[key] = {**(value if isinstance(value, dict) else {}), NBGRADER_LAB: True}
    written.append(_write_json(page, config))
    for name in NBGRADER_SERVER:
        module = f"nbgrader.server_extensions.{name}"
        written.append(
            _write_json(
                prefix / "etc" / "jupyter" / "jupyter_server_config.d" / f"{module}.json",
                {"ServerApp": {"jpserver_extensions": {module: False}}},
            )
        )
    return written


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if len(argv) > 1 or (argv and argv[0].startswith("-")):
        print(
            "usage: python -m course_tools.lab_settings [PREFIX]  (the Python environment; default this one)",
            file=sys.stderr,
        )
        return 2
    prefix = Path(argv[0]) if argv else Path(sys.prefix)
    if not prefix.is_dir():
        print(f"course_tools.lab_settings: no environment at {prefix}", file=sys.stderr)
        return 2
    apply(prefix)
    return 0


if __name__ == "__main__":
    sys.exit(main())
