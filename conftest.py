"""pytest configuration for ``make test`` (``pytest --nbval-lax tests solutions``).

It sits at the top of the checkout so that it sees both folders: every cell nbval collects
from a notebook runs in a Jupyter kernel, so it gets the ``kernel`` marker, like the tests
that start kernels themselves. ``make test PYTEST_FLAGS="-m 'not kernel'"`` leaves them all out.

``make test`` runs the tests in worker processes (pytest-xdist, ``-n 3 --dist loadgroup``): much
of the suite waits on kernels, JupyterLab and Chromium, so workers overlap that waiting. Tests
that share something stay in one worker, in their order, as one group (an ``xdist_group`` mark,
which pytest-xdist's own ``loadgroup`` scheduler reads):

- the cells of one notebook (nbval runs them in one kernel, in order);
- the browser tests, in BROWSER_GROUPS groups (each worker that runs a group starts its own
  JupyterLab server and Chromium; the notebooks are dealt to the groups in turn);
- the tests of a module (or package) that ask for a fixture of that module's (or package's)
  scope, such as one grading run whose results many tests read: the run happens once.

Everything else is handed out test by test. The workers collect the groups longest first
(:func:`_order`), and ``make test`` passes ``--no-loadscope-reorder`` so that the scheduler
hands the work out in that order rather than by the number of tests in a group. pyproject.toml
keeps pytest below 9.2 for ``loadgroup``'s sake (pytest-xdist issue 1386; tests/test_packaging.py
checks that the installed versions still group). The browser tests' summary at the end of the
run is :class:`BrowserReport`'s, from what each process that ran browser tests reports.
"""

from __future__ import annotations

import json
import os
import statistics
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent
E2E = ROOT / "tests" / "e2e"
SHARED_SCOPES = ("module", "package")
BROWSER_GROUPS = 2  # under pytest-xdist: two Labs and Chromiums, the browser tests in two workers


BLAS_THREADS = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")


def _one_blas_thread_for_children(config):
    """Kernels, notebook runs and graders that the tests start get one BLAS thread (unless the
    caller set a number), as the browser tests' kernels do: on two busy cores, a second BLAS
    thread waits for a core, spinning (its cost: benchmarks/README.md). The test processes
    themselves keep numpy's own default, loaded before the variables are set, so the tests of
    thread limits still start from it. Not in pytest-xdist's main process: its workers inherit
    its environment."""
    if getattr(config.option, "numprocesses", None) and not hasattr(config, "workerinput"):
        return
    import numpy  # noqa: F401  (its BLAS reads the variables once, when loaded)

    for name in BLAS_THREADS:
        os.environ.setdefault(name, "1")


def _shared_group(item) -> str | None:
    """The group of an item that asks (itself or through its fixtures) for a module- or
    package-scoped fixture of the project's own; autouse fixtures are not asked for, and they
    only set up: they pass nothing from one test to the next."""
    info = getattr(item, "_fixtureinfo", None)
    if info is None:
        return None
    asked, seen = list(info.argnames), set()
    while asked:
        name = asked.pop()
        if name in seen or not info.name2fixturedefs.get(name):
            continue
        seen.add(name)
        fixturedef = info.name2fixturedefs[name][-1]
        asked.extend(fixturedef.argnames)
        if fixturedef.scope in SHARED_SCOPES and fixturedef.baseid:  # baseid "": a plugin's fixture
            return f"{fixturedef.scope}:{fixturedef.baseid}"
    return None


def xdist_group(item, browser_index: int = 0) -> str | None:
    if item.path.suffix == ".ipynb":
        return f"notebook:{item.path.relative_to(ROOT)}"
    if E2E in item.path.parents:
        return f"browser:{browser_index % BROWSER_GROUPS + 1}"
    return _shared_group(item)


def _order(group: str | None, kernel: bool) -> int:
    """Which work goes first: the browser tests (the longest), the other groups (shared grading
    runs, notebooks), other tests that start kernels, then the rest (short unit tests)."""
    if group and group.startswith("browser:"):
        return 0
    return 1 if group else 2 if kernel else 3


@pytest.hookimpl(tryfirst=True)  # before pytest-xdist reads the xdist_group marks
def pytest_collection_modifyitems(config, items):
    browser, rank = 0, {}
    for item in items:
        if item.path.suffix == ".ipynb":
            item.add_marker(pytest.mark.kernel)
        group = xdist_group(item, browser)
        browser += E2E in item.path.parents
        if group and not item.get_closest_marker("xdist_group"):
            item.add_marker(pytest.mark.xdist_group(group))
        mark = item.get_closest_marker("xdist_group")
        name = (mark.args[0] if mark.args else mark.kwargs.get("name", "default")) if mark else None
        rank[item] = _order(str(name) if name else None, bool(item.get_closest_marker("kernel")))
    if hasattr(config, "workerinput"):  # the longest work first; each group keeps its order
        items.sort(key=rank.__getitem__)


class BrowserReport:
    """The browser tests' lines at the end of the run, over every process that ran some: each
    notebook's Run All time, the screenshots, and how long the browser tests took (the first one
    set up to the last one torn down). ``tests/e2e/conftest.py`` adds what a process saw."""

    def __init__(self):
        self.skipped, self.times, self.spans, self.screenshots = "", {}, [], ""
        self.redraws: list[dict] = []

    def add(self, data: dict) -> None:
        self.skipped = self.skipped or data["skipped"]
        self.times.update(data["times"])
        self.redraws += data.get("redraws", [])
        self.spans += [data["span"]] if data["span"][1] else []
        self.screenshots = self.screenshots or data["screenshots"]

    @pytest.hookimpl(optionalhook=True)
    def pytest_testnodedown(self, node, error):
        if "browser" in getattr(node, "workeroutput", {}):
            self.add(node.workeroutput["browser"])

    def pytest_terminal_summary(self, terminalreporter):
        if self.skipped:
            terminalreporter.write_line(self.skipped, yellow=True, bold=True)
        if not self.times:
            return
        order = sorted(self.times, key=lambda p: (not p.startswith("notebooks/"), Path(p).name))
        took = max(end for _, end in self.spans) - min(begin for begin, _ in self.spans) if self.spans else 0.0
        terminalreporter.write_sep("-", "browser tests")
        terminalreporter.write_line(
            "Run All in JupyterLab: "
            + ", ".join(
                f"{Path(p).stem[:2]} {self.times[p]:.0f} s" + (" (student)" if p.startswith("notebooks/") else "")
                for p in order
            )
        )
        if self.redraws:  # timed by tests/e2e/redraws.py; E2E_REDRAWS=file.json keeps them (make bench BENCH=widgets)
            ms = [r["ms"] for r in self.redraws]
            slowest = max(self.redraws, key=lambda r: r["ms"])
            terminalreporter.write_line(
                f"{len(ms)} widget redraws timed in the page: median {statistics.median(ms):.0f} ms, slowest "
                f"{slowest['ms']:.0f} ms ({slowest['notebook']}, slider {slowest['slider']!r})"
            )
            if os.environ.get("E2E_REDRAWS"):
                Path(os.environ["E2E_REDRAWS"]).write_text(json.dumps(self.redraws, indent=1), encoding="utf-8")
        shots = len(list(Path(self.screenshots).glob("*.png")))
        where = f" in {len(self.spans)} processes" if len(self.spans) > 1 else ""
        terminalreporter.write_line(
            f"{shots} screenshot(s) in {self.screenshots}; the browser tests took {took:.0f} s{where}"
        )


def pytest_configure(config):
    config.pluginmanager.register(BrowserReport(), "browser-report")
    _one_blas_thread_for_children(config)
