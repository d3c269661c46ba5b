"""Browser tests: the course in JupyterLab, driven by headless Chromium (marker ``browser``).

One JupyterLab server and one Chromium serve the browser tests of a process: all of them in
``make e2e``; under pytest-xdist (``make test``) they are split into groups (conftest.py at the
top), each group in one worker with its own server and Chromium. The server runs from this
Python's environment on a scratch copy of ``notebooks/`` and ``solutions/`` with a scratch HOME.
Notebook tests take their notebook from :class:`Runner`, which starts the next notebook's Run
All (the next one this process runs) in a second Lab while the current one is being looked at
(one kernel computes while the browser checks the other notebook). Screenshots go to
``tests/e2e/screenshots/`` (or ``$E2E_SCREENSHOTS``).

Without Chromium the tests skip and say how to enable them; in CI (``CI`` set) they fail instead.
"""

from __future__ import annotations

import os
import shutil
import time
from pathlib import Path

import pytest

from .labdriver import LabPage, LabServer, NotebookRun, find_chromium, launch_chromium

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = Path(os.environ.get("E2E_SCREENSHOTS") or Path(__file__).parent / "screenshots").resolve()
# Notebooks running ahead of the one under test (2 cores: one more kernel at most). None in a
# pytest-xdist worker: the other workers keep the cores busy, and a second Lab costs a boot.
LOOKAHEAD = 0 if os.environ.get("PYTEST_XDIST_WORKER") else 1
NO_CHROMIUM = (
    "browser tests skipped: no Chromium on this machine. Install Debian's chromium package "
    "(`apt-get install chromium`) or set CHROMIUM=/path/to/chromium, then run `make e2e` or `make test`."
)
STARTED = time.time()  # screenshots older than this are a previous run's (xdist collects before any test runs)

ORDER = pytest.StashKey[dict]()
TIMES = pytest.StashKey[dict]()
SKIPPED = pytest.StashKey[bool]()
SPAN = pytest.StashKey[list]()  # when the first browser test was set up and the last one torn down
REDRAWS = pytest.StashKey[list]()  # every widget redraw timed in the page (redraws.py)
HERE = Path(__file__).parent


def _group(item) -> str:
    """The tests of one group run in one process (only a pytest-xdist worker runs part of them)."""
    mark = item.get_closest_marker("xdist_group")
    return str(mark.args[0]) if mark and mark.args and hasattr(item.config, "workerinput") else ""


def pytest_collection_finish(session):
    """Remember the order in which the notebook tests will run, per group, for the runner's look-ahead."""
    order = {}
    for item in session.items:
        params = getattr(item, "callspec", None) and item.callspec.params
        if params and "notebook" in params and HERE in item.path.parents:
            order.setdefault(_group(item), []).append(params["notebook"])
    session.config.stash[ORDER] = order


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item):
    if HERE in item.path.parents:
        item.config.stash.setdefault(SPAN, [time.time(), 0.0])


@pytest.hookimpl(trylast=True)
def pytest_runtest_teardown(item):
    if HERE in item.path.parents and SPAN in item.config.stash:
        item.config.stash[SPAN][1] = time.time()


def pytest_sessionfinish(session):
    """What the end of the run says about the browser tests is printed by the top conftest's
    browser report; a pytest-xdist worker sends its part to the main process."""
    config = session.config
    times = {p: s for p, s in config.stash.get(TIMES, {}).items() if p.startswith(("notebooks/", "solutions/"))}
    data = {
        "skipped": NO_CHROMIUM if config.stash.get(SKIPPED, False) else "",
        "times": times,
        "span": config.stash.get(SPAN, [0.0, 0.0]),
        "redraws": config.stash.get(REDRAWS, []),
        "screenshots": str(SCREENSHOTS),
    }
    if hasattr(config, "workeroutput"):
        config.workeroutput["browser"] = data
    elif config.pluginmanager.get_plugin("browser-report"):
        config.pluginmanager.get_plugin("browser-report").add(data)


@pytest.fixture(scope="package")
def chromium(request) -> str:
    path = find_chromium()
    if path is None:
        if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
            pytest.fail("CI: no Chromium for the browser tests (.ci/run installs Debian's chromium package)")
        request.config.stash[SKIPPED] = True
        pytest.skip(NO_CHROMIUM)
    return path


@pytest.fixture(scope="package")
def lab_root(tmp_path_factory, chromium) -> Path:
    """A scratch course: copies of notebooks/ and solutions/, a HOME beside it."""
    base = tmp_path_factory.mktemp("e2e")
    for folder in ("notebooks", "solutions"):
        (base / "course" / folder).mkdir(parents=True)
        for nb in sorted((ROOT / folder).glob("*.ipynb")):
            shutil.copy2(nb, base / "course" / folder / nb.name)
    return base / "course"


@pytest.fixture(scope="package")
def lab(lab_root) -> LabServer:
    server = LabServer(lab_root, lab_root.parent / "home", lab_root.parent / "jupyterlab.log").start()
    yield server
    server.stop()


@pytest.fixture(scope="package")
def browser(chromium):
    from playwright.sync_api import sync_playwright

    pw = sync_playwright().start()
    chrome = launch_chromium(pw, chromium)
    yield chrome
    chrome.close()
    pw.stop()


@pytest.fixture(scope="package")
def screenshots(chromium) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    for old in SCREENSHOTS.glob("*.png"):  # a previous run's (another process of this run may be writing too)
        if old.stat().st_mtime < STARTED:
            old.unlink(missing_ok=True)
    return SCREENSHOTS


class Runner:
    """Notebooks opened and Run All started in test order, ``lookahead`` ahead of the one taken
    (in the order of its group: ``orders``), each in a Lab of a small pool (one notebook per Lab at
    a time, booted once)."""

    def __init__(
        self, server: LabServer, browser, orders: dict[str, list[str]], times: dict, lookahead: int = LOOKAHEAD
    ):
        self.server, self.browser, self.orders, self.times = server, browser, orders, times
        self.lookahead = lookahead
        self.labs: list[LabPage] = []
        self.started: dict[str, NotebookRun] = {}

    def lab(self) -> LabPage:
        """A Lab of the pool with no notebook open (booted if none is free)."""
        self.labs = [lab for lab in self.labs if not lab.broken]
        free = next((lab for lab in self.labs if not lab.busy), None)
        if free is None:
            free = LabPage(self.server, self.browser)
            self.labs.append(free)
        return free

    def _start(self, path: str) -> None:
        if path not in self.started:
            run = NotebookRun(self.server, self.browser, path, lab=self.lab())
            self.started[path] = run  # closed by close() even if opening fails
            run.open().run_all()

    def take(self, path: str) -> NotebookRun:
        self._start(path)
        order = next((o for o in self.orders.values() if path in o), [])
        if order:
            at = order.index(path)
            for ahead in order[at + 1 : at + 1 + self.lookahead]:
                try:
                    self._start(ahead)
                except Exception:  # its own test starts it again and reports the failure
                    self.started.pop(ahead).close()
            order.remove(path)
        run = self.started.pop(path)
        try:
            run.wait_idle()
        except BaseException:
            run.close()
            raise
        self.times[path] = run.seconds
        return run

    def close(self) -> None:
        for run in self.started.values():
            run.close()
        self.started.clear()
        for lab in self.labs:
            if not lab.broken:
                lab.close()


@pytest.fixture(scope="package")
def runner(request, lab, browser) -> Runner:
    times = request.config.stash.setdefault(TIMES, {})
    r = Runner(lab, browser, {g: list(o) for g, o in request.config.stash.get(ORDER, {}).items()}, times)
    yield r
    r.close()


@pytest.fixture
def notebook_run(request, runner, notebook) -> NotebookRun:
    """The notebook ``notebook`` (a path under the scratch course) after Run All, in its own tab."""
    run = runner.take(notebook)
    yield run
    request.config.stash.setdefault(REDRAWS, []).extend(run.redraws)
    run.close()
