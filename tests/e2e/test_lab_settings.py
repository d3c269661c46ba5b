"""The course's JupyterLab opens on the notebook, without the "get notified about official Jupyter
news?" toast over it: the install step writes that setting into the environment's lab settings."""

import sys
import time
from pathlib import Path

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.kernel]

PLUGIN = "@jupyterlab/apputils-extension:notification"
OVERRIDES = Path(sys.prefix) / "share" / "jupyter" / "lab" / "settings" / "overrides.d" / "course.json"


def test_lab_asks_nothing_about_jupyter_news(lab, runner):
    assert OVERRIDES.exists(), f"{OVERRIDES} is missing: `make lab` or `make test` writes it"
    defaults = {k: v.get("default") for k, v in lab.api(f"/lab/api/settings/{PLUGIN}")["schema"]["properties"].items()}
    assert defaults["fetchNews"] == "false" and defaults["checkForUpdates"] is False, defaults  # overridden

    page = runner.lab()  # a Lab as a student's first launch opens it (scratch HOME, no settings of its own)
    time.sleep(max(0.0, page.booted + 3.0 - time.monotonic()))  # the question comes within a second or two
    assert not page.toasts(), f"JupyterLab shows: {page.toasts()}"
