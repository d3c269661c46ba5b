"""Drive the course in JupyterLab 4 with headless Chromium, as a student meets it.

- :func:`find_chromium` and :func:`launch_chromium`: the machine's own Chromium (Debian's
  ``chromium`` package), driven by Playwright for Python through ``executable_path``.
- :class:`LabServer`: JupyterLab from the course's environment on 127.0.0.1 and a free port, without
  a token, serving a scratch folder, with a scratch HOME; stopped by its PID.
- :class:`LabPage`: one Lab app in a browser context, which opens one notebook at a time.
- :class:`NotebookRun`: one notebook open in a Lab: Run All, wait until the kernel is really idle,
  then read what the page shows (prompts, outputs, errors, figures, widgets), cell by cell.
- ``*_problems`` functions: what a student would see go wrong, one line per problem; on the way,
  ``widget_problems`` times a change of every slider of every widget (``redraws.py``).

JupyterLab 4 facts this relies on: cells off-screen are in the DOM but not rendered
(``content-visibility``), so elements are waited for as *attached*, scrolled into view before they
are looked at, and read with ``textContent``; ``?reset`` stops Lab reopening the last session's
tabs; Run All stops at an error unless the cell is tagged ``raises-exception``; "idle" is trusted
only when the kernel API, the execution indicator and the cell prompts agree several polls in a row.
"""

from __future__ import annotations

import http.cookiejar
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

import nbformat
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from .redraws import time_redraw

# Chromium phones home for component updates, sync, field trials and first-run pages: none of that.
CHROMIUM_FLAGS = ("--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run")
VIEWPORT = {"width": 1280, "height": 800}
STDERR = "application/vnd.jupyter.stderr"  # error outputs and stderr streams, as Lab marks them
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
BLANK_MESSAGE = re.compile(
    r"^(\S+) is not filled in yet: write your code in its cell, in place of "
    r'"raise NotImplementedError\(\)"\.$'
)

OPEN_TIMEOUT = 90.0  # s: Lab loaded, a notebook open and its kernel started
RUN_TIMEOUT = 300.0  # s: Run All of one notebook on a busy 2-core machine
REDRAW_TIMEOUT = 30.0  # s: a widget's figure after a slider moved
POLL = 0.2  # s

# A figure is blank when almost none of it differs from its background colour: a white figure with
# its axes off has 0 %, one with only a title 0.2 %. (An empty axes frame with its ticks has 1-2 %,
# as much as a thin line plot: what is inside the axes is not judged from pixels.)
MIN_INK = 0.005
MIN_SIDE = 50  # px


def is_root() -> bool:
    return hasattr(os, "geteuid") and os.geteuid() == 0


def find_chromium() -> str | None:
    """The Chromium to drive: $CHROMIUM if set, else ``chromium`` or ``chromium-browser`` on PATH."""
    explicit = os.environ.get("CHROMIUM")
    for name in [explicit] if explicit else ["chromium", "chromium-browser"]:
        path = shutil.which(name)
        if path:
            return path
    return None


def launch_chromium(playwright, executable: str):
    """Headless Chromium with the phone-home features off; without its sandbox only as root
    (Chromium refuses to start sandboxed as root)."""
    root = is_root()
    return playwright.chromium.launch(
        executable_path=executable,
        headless=True,
        chromium_sandbox=not root,
        args=[*CHROMIUM_FLAGS, *(["--no-sandbox"] if root else [])],
    )


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class LabServer:
    """JupyterLab from this Python's environment, serving ``root``, with ``home`` as HOME.

    Jupyter, IPython, matplotlib and Chromium all write into the home folder; pointing HOME (and
    the XDG and Jupyter variables that would override it) at a scratch folder keeps the test run
    out of the real one. ``MPLBACKEND`` is dropped so kernels draw inline, as in ``make lab``.
    Kernels get one BLAS thread (unless the caller set a number): two kernels and the browser
    share two cores here, and BLAS threads that wait for a core spin and slow everything down.
    """

    def __init__(self, root: Path, home: Path, log: Path):
        self.root, self.home, self.log_path = Path(root), Path(home), Path(log)
        self.proc: subprocess.Popen | None = None
        self.url = ""
        self._cookies = http.cookiejar.CookieJar()
        self._opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self._cookies))
        self._xsrf = ""

    def env(self) -> dict[str, str]:
        env = {
            k: v
            for k, v in os.environ.items()
            if not k.startswith(("JUPYTER_", "XDG_")) and k not in ("MPLBACKEND", "MPLCONFIGDIR", "IPYTHONDIR")
        }
        env["HOME"] = str(self.home)
        env["PYTHONUNBUFFERED"] = "1"
        for name in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
            env.setdefault(name, "1")
        return env

    def start(self, timeout: float = OPEN_TIMEOUT) -> LabServer:
        self.home.mkdir(parents=True, exist_ok=True)
        for attempt in range(3):  # the free port may be taken between finding and binding it
            port = free_port()
            cmd = [
                sys.executable,
                "-m",
                "jupyterlab",
                "--no-browser",
                "--ip=127.0.0.1",
                f"--port={port}",
                "--ServerApp.port_retries=0",
                "--IdentityProvider.token=",
                "--ServerApp.password=",
                f"--ServerApp.root_dir={self.root}",
                "--LabApp.extension_manager=readonly",
                "--ServerApp.terminals_enabled=False",
            ]
            if is_root():
                cmd.append("--allow-root")
            with open(self.log_path, "ab") as log:
                self.proc = subprocess.Popen(
                    cmd, cwd=self.root, env=self.env(), stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT
                )
            self.url = f"http://127.0.0.1:{port}"
            deadline = time.monotonic() + timeout
            while time.monotonic() < deadline and self.proc.poll() is None:
                try:
                    self._opener.open(self.url + "/lab", timeout=5).read()
                    self._xsrf = next((c.value for c in self._cookies if c.name == "_xsrf"), "")
                    return self
                except (urllib.error.URLError, ConnectionError, TimeoutError):
                    time.sleep(0.3)
            if self.proc.poll() is None:
                self.stop()
                raise RuntimeError(f"JupyterLab did not answer within {timeout:.0f} s; log:\n{self.log_tail()}")
            if attempt == 2:
                raise RuntimeError(f"JupyterLab exited with code {self.proc.returncode}; log:\n{self.log_tail()}")
        raise AssertionError("unreachable")

    def stop(self, timeout: float = 30.0) -> None:
        """SIGTERM to the server's PID (it shuts its kernels down), SIGKILL if it does not exit."""
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(10)

    def log_tail(self, lines: int = 40) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no log)"

    def api(self, path: str, method: str = "GET"):
        req = urllib.request.Request(self.url + path, method=method, headers={"X-XSRFToken": self._xsrf})
        with self._opener.open(req, timeout=10) as resp:
            body = resp.read()
        return json.loads(body) if body else None

    def session(self, path: str) -> dict | None:
        return next((s for s in self.api("/api/sessions") if s.get("path") == path), None)

    def shut_down(self, path: str) -> None:
        """Shut the notebook's kernel down (closing a tab in Lab leaves it running)."""
        s = self.session(path)
        if s:
            self.api(f"/api/sessions/{s['id']}", method="DELETE")


# --- in the page (scripts run by Playwright) -----------------------------------------------------

_PANEL = ".jp-NotebookPanel:not(.lm-mod-hidden)"  # the notebook tab on show (__PANEL__ below)

_UI_STATE = """() => {
  const panel = document.querySelector('__PANEL__');
  if (!panel) return {indicator: null, running: -1, cells: 0};
  const ind = panel.querySelector('.jp-Notebook-ExecutionIndicator');
  const prompts = Array.from(panel.querySelectorAll('.jp-Cell .jp-InputArea-prompt'));
  return {indicator: ind ? ind.getAttribute('data-status') : null,
          running: prompts.filter(p => p.textContent.includes('*')).length,
          cells: panel.querySelectorAll('.jp-WindowedPanel-viewport > .jp-Cell').length};
}""".replace("__PANEL__", _PANEL)

# Run All has started: a prompt says [*] (queued or running) or [n] (done).
_STARTED = """() => Array.from(document.querySelectorAll('__PANEL__ .jp-Cell .jp-InputArea-prompt'))
  .some(p => /\\[(\\*|\\d+)\\]/.test(p.textContent))""".replace("__PANEL__", _PANEL)

# What each cell shows: its prompt, and each output's MIME type and text (inside a widget or not).
_CELLS = """() => Array.from(document.querySelectorAll('__PANEL__ .jp-WindowedPanel-viewport > .jp-Cell'))
  .map(cell => ({
  prompt: (cell.querySelector('.jp-InputArea-prompt') || {}).textContent || '',
  outputs: Array.from(cell.querySelectorAll('.jp-OutputArea-output')).map(o => ({
    mime: o.getAttribute('data-mime-type'), text: o.textContent,
    inWidget: !!o.parentElement.closest('.jupyter-widgets')})),
}))""".replace("__PANEL__", _PANEL)

# How each image in the outputs came out: decoded size, shown size (scrolled into view), and how
# much of it differs from its background (the colour of its top-left pixel).
_IMAGES = """async () => {
  const cells = Array.from(document.querySelectorAll('__PANEL__ .jp-WindowedPanel-viewport > .jp-Cell'));
  const stats = [];
  for (const [cell, el] of cells.entries()) {
    for (const img of el.querySelectorAll('.jp-OutputArea-output img')) {
      img.scrollIntoView({block: 'center'});
      try { await img.decode(); } catch (e) {}
      const w = img.naturalWidth, h = img.naturalHeight, box = img.getBoundingClientRect();
      let ink = 0;
      if (w && h) {
        const c = document.createElement('canvas'); c.width = w; c.height = h;
        const ctx = c.getContext('2d'); ctx.drawImage(img, 0, 0);
        const d = ctx.getImageData(0, 0, w, h).data;
        for (let i = 0; i < d.length; i += 4)
          if (Math.abs(d[i] - d[0]) + Math.abs(d[i + 1] - d[1]) + Math.abs(d[i + 2] - d[2]) > 48) ink++;
        ink /= w * h;
      }
      stats.push({cell, w, h, shownW: box.width, shownH: box.height, ink});
    }
  }
  return stats;
}""".replace("__PANEL__", _PANEL)

_IMAGE_SOURCES = "e => Array.from(e.querySelectorAll('.jp-OutputArea-output img')).map(i => i.src)"


class LabPage:
    """One JupyterLab app in its own browser context, opening one notebook at a time as a student
    does (File > Open from Path...). Booting Lab costs seconds of CPU; opening a notebook in a
    running app, well under one."""

    def __init__(self, server: LabServer, browser):
        self.server = server
        self.context = browser.new_context(viewport=VIEWPORT)
        self.page = self.context.new_page()
        self.page.set_default_timeout(OPEN_TIMEOUT * 1000)
        self.busy = self.broken = False
        self.page.goto(f"{server.url}/lab?reset")  # not the last session's tabs
        self.page.wait_for_selector(".jp-Launcher", state="attached")
        self.booted = time.monotonic()

    def menu(self, menu: str, command: str) -> bool:
        """Click ``menu`` in the menu bar, then its item for ``command``; False if that is disabled."""
        self.page.locator(".lm-MenuBar-itemLabel", has_text=re.compile(f"^{menu}$")).click()
        item = self.page.locator(f".lm-Menu-item[data-command='{command}']")
        item.wait_for(state="visible")
        if "lm-mod-disabled" in (item.get_attribute("class") or ""):
            self.page.keyboard.press("Escape")
            return False
        item.click()
        return True

    def hide_file_browser(self) -> None:
        """Collapse the left sidebar (Lab shows the file browser there), as a student would to read."""
        current = self.page.locator(".jp-SideBar.jp-mod-left .lm-TabBar-tab.lm-mod-current")
        if current.count():
            current.first.click()
            current.first.wait_for(state="detached", timeout=5000)

    def toasts(self) -> list[str]:
        """The notifications Lab shows over the notebook (a question about news, a failed save...)."""
        return [" ".join(t.split()) for t in self.page.locator(".Toastify__toast").all_text_contents()]

    def open(self, path: str, cells: int) -> None:
        self.busy = True
        self.menu("File", "filebrowser:open-path")
        field = self.page.locator(".jp-Dialog input")
        field.fill(path)
        field.press("Enter")
        self.page.wait_for_selector(f"{_PANEL} .jp-Notebook-ExecutionIndicator[data-status='idle']", state="attached")
        self.page.wait_for_function(f"() => ({_UI_STATE})().cells === {cells}")
        self.hide_file_browser()

    def close_notebook(self) -> None:
        """File > Close Tab, without saving."""
        if self.page.locator(".jp-NotebookPanel").count():
            self.menu("File", "application:close")
            # a notebook with changes asks "Save your work": Discard
            self.page.wait_for_function(
                "() => !document.querySelector('.jp-NotebookPanel') || !!document.querySelector('.jp-Dialog')",
                timeout=10000,
            )
            discard = self.page.locator(".jp-Dialog button", has_text="Discard")
            if discard.count():
                discard.click()
            self.page.wait_for_selector(".jp-NotebookPanel", state="detached", timeout=10000)
        self.busy = False

    def close(self) -> None:
        self.context.close()


@dataclass
class NotebookRun:
    """One notebook open in a :class:`LabPage` (its own, unless one is given)."""

    server: LabServer
    browser: object
    path: str  # relative to the server's root, e.g. "solutions/01_x.ipynb"
    lab: LabPage | None = None
    started: float = 0.0
    seconds: float = 0.0  # Run All until idle, as Lab's execution indicator counts it
    own_lab: bool = False
    redraws: list[dict] = field(default_factory=list)  # each slider's change timed in the page (redraws.py)

    @property
    def page(self):
        return self.lab.page

    @property
    def file(self) -> Path:
        return self.server.root / self.path

    @property
    def label(self) -> str:
        """``solutions-01_backprop_circuits`` for ``solutions/01_backprop_circuits.ipynb``."""
        return "-".join(Path(self.path).with_suffix("").parts)

    def open(self) -> NotebookRun:
        if self.lab is None:
            self.lab, self.own_lab = LabPage(self.server, self.browser), True
        self.lab.open(self.path, len(nbformat.read(self.file, as_version=4).cells))
        return self

    def menu(self, menu: str, command: str) -> bool:
        return self.lab.menu(menu, command)

    def run_all(self) -> NotebookRun:
        """Run > Run All Cells, once the notebook is the current tab; waits until a cell has started."""
        for _ in range(3):
            self.cell(0).locator(".jp-InputArea-prompt").first.click()  # selects a cell: the tab is current
            self.started = time.monotonic()
            if self.menu("Run", "runmenu:run-all"):
                try:
                    self.page.wait_for_function(_STARTED, timeout=15000)
                    return self
                except PlaywrightTimeout:
                    pass
            self.page.wait_for_timeout(1000)
        raise AssertionError(f"{self.path}: Run All did not start a cell")

    def kernel_state(self) -> str | None:
        s = self.server.session(self.path)
        return s["kernel"]["execution_state"] if s else None

    def is_idle(self) -> bool:
        kernel = self.kernel_state()
        if kernel == "dead":
            raise AssertionError(f"{self.path}: the kernel died")
        ui = self.page.evaluate(_UI_STATE)
        return kernel == "idle" and ui["indicator"] == "idle" and ui["running"] == 0

    def wait_idle(self, timeout: float = RUN_TIMEOUT, polls: int = 3) -> NotebookRun:
        """Until the kernel API, the execution indicator and every cell prompt say idle, ``polls``
        times in a row (any one of them alone says idle between two cells of a Run All)."""
        deadline = time.monotonic() + timeout
        streak = 0
        while streak < polls:
            streak = streak + 1 if self.is_idle() else 0
            if time.monotonic() > deadline:
                ui = self.page.evaluate(_UI_STATE)
                raise AssertionError(
                    f"{self.path}: still busy after {timeout:.0f} s (kernel {self.kernel_state()}, "
                    f"indicator {ui['indicator']}, {ui['running']} cell(s) queued or running)"
                )
            if streak < polls:
                time.sleep(POLL)
        if self.started:
            self.seconds = time.monotonic() - self.started
            self.started = 0.0
            tip = self.page.locator(f"{_PANEL} .jp-Notebook-ExecutionIndicator-tooltip")
            found = re.search(r"Elapsed time: (\d+) second", tip.first.text_content() or "") if tip.count() else None
            if found:  # Lab's own count, from the first cell queued to the last one done
                self.seconds = float(found.group(1))
        return self

    def save(self) -> nbformat.NotebookNode:
        """Save in Lab and read the file back: the outputs exactly as the kernel sent them."""
        before = self.file.stat().st_mtime_ns
        self.menu("File", "docmanager:save")
        deadline = time.monotonic() + 30
        while self.file.stat().st_mtime_ns == before:
            if time.monotonic() > deadline:
                raise AssertionError(f"{self.path}: Lab did not save the notebook")
            time.sleep(0.1)
        for _ in range(50):  # the server writes in place (keeping a copy aside): it may not be done yet
            try:
                return nbformat.read(self.file, as_version=4)
            except Exception:
                time.sleep(0.1)
        return nbformat.read(self.file, as_version=4)

    def cell(self, index: int):
        return self.page.locator(f"{_PANEL} .jp-WindowedPanel-viewport > .jp-Cell").nth(index)

    def cells(self) -> list[dict]:
        """Every cell's prompt and outputs, as shown (one round trip)."""
        return self.page.evaluate(_CELLS)

    def images(self) -> list[dict]:
        """Every output image: its cell, decoded and shown size, and the fraction that is not background."""
        return self.page.evaluate(_IMAGES)

    def screenshot(self, folder: Path, name: str, index: int | None = None, where: str = "start") -> Path:
        """The page as a student sees it, with cell ``index`` scrolled to the top (``start``)
        or middle (``center``) of the notebook."""
        if index is not None:
            self.cell(index).evaluate(f"e => e.scrollIntoView({{block: '{where}'}})")
            self.page.evaluate("() => Promise.all(Array.from(document.images).map(i => i.decode().catch(() => 0)))")
            self.page.wait_for_timeout(100)
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"{name}.png"
        self.page.screenshot(path=str(path))
        return path

    def close(self) -> None:
        """Close the notebook's tab (and its Lab, if its own) and shut its kernel down."""
        try:
            if self.own_lab:
                self.lab.close()
            else:
                try:
                    self.lab.close_notebook()
                except Exception:  # a Lab that cannot close a tab is not used again
                    self.lab.broken = True
                    self.lab.close()
        finally:
            try:
                self.server.shut_down(self.path)
            except (urllib.error.URLError, OSError):
                pass


# --- what a student sees -------------------------------------------------------------------------


def code_cells(nb) -> list[int]:
    return [i for i, c in enumerate(nb.cells) if c.cell_type == "code"]


def first_exercise(nb) -> tuple[int, int] | None:
    """(exercise cell, its check cell): the first cell holding ``raise NotImplementedError()`` (in a
    solution, the first ``### BEGIN SOLUTION``) and the first code cell after it that calls a check."""
    for i, c in enumerate(nb.cells):
        if c.cell_type == "code" and ("raise NotImplementedError()" in c.source or "### BEGIN SOLUTION" in c.source):
            check = next(
                (
                    j
                    for j in range(i + 1, len(nb.cells))
                    if nb.cells[j].cell_type == "code" and "cu.checks." in nb.cells[j].source
                ),
                None,
            )
            return (i, check) if check is not None else None
    return None


def short(text: str, n: int = 300) -> str:
    text = " ".join(text.split())
    return text if len(text) <= n else text[: n - 1] + "…"


def error_summary(text: str) -> str:
    """A traceback's last line (``ValueError: ...``), or the text itself."""
    lines = [line for line in text.splitlines() if line.strip()]
    if "Traceback" in text and lines:
        return short(lines[-1])
    return short(text)


def unexecuted(shown: list[dict], cells) -> list[int]:
    return [i for i in cells if not re.search(r"\[\d+\]", shown[i]["prompt"])]


def error_problems(shown: list[dict], cells) -> list[str]:
    """Every error or stderr output shown in these cells, in the cell's own output or in a widget's."""
    problems = []
    for i in cells:
        for out in shown[i]["outputs"]:
            if out["mime"] == STDERR:
                where = "inside its widget" if out["inWidget"] else "error output"
                problems.append(f"cell {i}: {where}: {error_summary(out['text'])}")
    return problems


def figure_problems(images: list[dict], cells) -> list[str]:
    """Every image in these cells' outputs decoded, is shown, and is not blank."""
    problems, count = [], {}
    for s in images:
        i = s["cell"]
        count[i] = count.get(i, 0) + 1
        if i not in cells:
            continue
        what = f"cell {i}: figure {count[i]}"
        if not s["w"] or not s["h"]:
            problems.append(f"{what} did not render (no image decoded)")
        elif min(s["w"], s["h"]) < MIN_SIDE or min(s["shownW"], s["shownH"]) < MIN_SIDE:
            problems.append(f"{what} is {s['w']}x{s['h']} px, shown {s['shownW']:.0f}x{s['shownH']:.0f}")
        elif s["ink"] < MIN_INK:
            problems.append(f"{what} is blank ({100 * s['ink']:.2f} % of its pixels differ from the background)")
    return problems


def toast_problems(run: NotebookRun) -> list[str]:
    return [f"JupyterLab shows a notification: {short(t, 200)!r}" for t in run.lab.toasts()]


def move_slider(run: NotebookRun, slider) -> tuple[str, str]:
    """Drag a slider's handle by mouse to a quarter (or three quarters) of its track; returns the
    readout before and after."""
    slider.scroll_into_view_if_needed()
    readout = slider.locator(".widget-readout")
    before = readout.text_content() if readout.count() else ""
    handle, track = slider.locator(".noUi-handle").first, slider.locator(".noUi-base").first
    hb, tb = handle.bounding_box(), track.bounding_box()
    x, y = hb["x"] + hb["width"] / 2, hb["y"] + hb["height"] / 2
    target = tb["x"] + tb["width"] * (0.25 if x > tb["x"] + tb["width"] / 2 else 0.75)
    run.page.mouse.move(x, y)
    run.page.mouse.down()
    run.page.mouse.move(target, y, steps=6)
    run.page.mouse.up()
    after = readout.text_content() if readout.count() else ""
    return before, after


def wait_for_redraw(run: NotebookRun, root, images: list[str]) -> bool:
    """True once the widget's images differ from ``images``; False when the kernel has been idle
    for a second without that happening (its callbacks ran and sent nothing new)."""
    deadline = time.monotonic() + REDRAW_TIMEOUT
    quiet_since = None
    while time.monotonic() < deadline:
        if root.evaluate(_IMAGE_SOURCES) != images:
            return True
        if run.is_idle():
            quiet_since = quiet_since or time.monotonic()
            if time.monotonic() - quiet_since > 1.0:
                return root.evaluate(_IMAGE_SOURCES) != images
        else:
            quiet_since = None
        time.sleep(POLL / 2)
    return False


def widget_problems(run: NotebookRun, nb, cells, folder: Path | None = None) -> list[str]:
    """Each widget the kernel sent renders; an explorer shows sliders and a figure, and moving its
    first slider changes the figure. ``nb`` is the notebook as saved after the run. (Errors a
    redraw prints inside the widget are found by :func:`error_problems` afterwards.)"""
    problems = []
    for i in cells:
        outputs = nb.cells[i].get("outputs", [])
        sent = [k for k, o in enumerate(outputs) if WIDGET_VIEW in o.get("data", {})]
        if not sent:
            continue
        cell = run.cell(i)
        cell.evaluate("e => e.scrollIntoView({block: 'start'})")
        children = cell.locator(".jp-Cell-outputArea > .jp-OutputArea-child")  # one per output, in order
        if children.count() != len(outputs):
            problems.append(f"cell {i}: the page shows {children.count()} output(s), the kernel sent {len(outputs)}")
            continue
        for w, k in enumerate(sent):
            what = f"cell {i}: widget {w + 1}"
            child = children.nth(k)
            try:  # a view, or a text in its place ("Error displaying widget", the widget's repr)
                child.locator(".jupyter-widgets, .jp-OutputArea-output:not(:empty)").first.wait_for(
                    state="attached", timeout=5000
                )
            except PlaywrightTimeout:
                continue  # nothing at all: the kernel closed the widget (tqdm's leave=False)
            root = child.locator(".jp-OutputArea-output > .jupyter-widgets").first
            if not root.count():
                problems.append(f"{what} did not render; the page shows {short(child.text_content(), 200)!r}")
                continue
            sliders = root.locator(".widget-slider")
            if not sliders.count() and root.locator(".widget-hprogress, .widget-vprogress").count():
                if root.locator(".progress-bar-danger").count():  # tqdm's bar when the loop raised
                    problems.append(f"{what}: its progress bar stopped with an error")
                continue  # a progress bar (tqdm), not an explorer
            if not sliders.count():
                problems.append(f"{what} renders no slider")
                continue
            images = root.evaluate(_IMAGE_SOURCES)
            if not images:
                problems.append(f"{what} shows no figure")
                continue
            label = sliders.first.locator(".widget-label").text_content() or "?"
            before, after = move_slider(run, sliders.first)
            if before == after:
                problems.append(f"{what}: slider {label!r} did not move (readout {before})")
                continue
            if not wait_for_redraw(run, root, images):
                problems.append(f"{what}: moving slider {label!r} from {before} to {after} did not change the figure")
            for s in range(sliders.count()):  # one more change of every slider, timed
                slider = sliders.nth(s)
                name = slider.locator(".widget-label").text_content() or "?"
                before, after, ms = time_redraw(run, root, slider)
                if ms is not None:
                    run.redraws.append(
                        dict(notebook=run.label, cell=i, slider=name, change=f"{before} -> {after}", ms=ms)
                    )
            if folder is not None:
                run.screenshot(folder, f"{run.label}-widget{i}-{w + 1}", i, "start")
    run.wait_idle(REDRAW_TIMEOUT)
    return problems


def blank_check_problems(shown: list[dict], nb, exercise: int, check: int) -> list[str]:
    """The check of a blank exercise shows one line, "<name> is not filled in yet: ...", and nothing else."""
    outputs = shown[check]["outputs"]
    texts = [o["text"].strip() for o in outputs]
    match = BLANK_MESSAGE.match(texts[0]) if len(outputs) == 1 and outputs[0]["mime"] == STDERR else None
    if not match:
        return [
            f"cell {check}: the check of the blank exercise in cell {exercise} shows "
            f"{short(' | '.join(texts)) if texts else 'no output'!r}, not the one line "
            f"'<name> is not filled in yet: ...'"
        ]
    if match.group(1) not in nb.cells[exercise].source:
        return [f"cell {check}: the check names {match.group(1)!r}, which the exercise cell {exercise} does not define"]
    return []


def student_problems(run: NotebookRun, folder: Path | None = None) -> list[str]:
    """A blank student notebook after Run All: it ran up to the first exercise's check (where Run All
    stops), the cells before the exercise show no error and their figures render, and the check
    says "not filled in yet" in one line."""
    nb = nbformat.read(run.file, as_version=4)
    first = first_exercise(nb)
    if first is None:
        return ["no exercise cell (`raise NotImplementedError()`) followed by a check cell (`cu.checks.`)"]
    exercise, check = first
    shown = run.cells()
    before = range(exercise)
    problems = [f"cell {i}: not run by Run All" for i in unexecuted(shown, [i for i in code_cells(nb) if i <= check])]
    problems += error_problems(shown, before) + figure_problems(run.images(), before)
    problems += blank_check_problems(shown, nb, exercise, check) + toast_problems(run)
    if folder is not None:
        run.screenshot(folder, run.label, exercise, "start")
    return problems


def solution_problems(run: NotebookRun, folder: Path | None = None) -> list[str]:
    """A solution notebook after Run All: every code cell ran, every widget renders and redraws its
    figure when a slider moves, no cell or widget shows an error, and every figure renders."""
    nb = run.save()
    cells = range(len(nb.cells))
    problems = []
    missed = unexecuted(run.cells(), code_cells(nb))
    if missed:
        problems.append(
            f"Run All did not run {len(missed)} code cell(s): {', '.join(map(str, missed[:12]))}"
            f"{' …' if len(missed) > 12 else ''}"
        )
    problems += widget_problems(run, nb, cells, folder)
    images = run.images()
    problems += error_problems(run.cells(), cells) + figure_problems(images, cells) + toast_problems(run)
    if folder is not None:
        run.screenshot(folder, run.label, images[0]["cell"] if images else 0, "start")
    return problems
