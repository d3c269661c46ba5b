"""How long a widget takes, in the page, from a slider's change to its new figure.

:func:`time_redraw` clicks a slider's track (one change of its value, as a student's click or the
end of a drag makes) and measures, with the page's own clock, from the pointer going down to the
last of the widget's images that the change replaced being decoded, ready to paint: the kernel's
callback, the PNG's trip through the Lab server, and the browser's decoding, all in one figure.

The browser tests time one change of every slider of every explorer in the solution notebooks
(``widget_problems``); the figures are summed up at the end of the run and, when ``E2E_REDRAWS``
names a file, written there as JSON for ``make bench BENCH=widgets`` to tabulate
(``benchmarks/widgets.py``; the top ``conftest.py``'s browser report does both).
"""

from __future__ import annotations

import time

# Watches one widget: the time of the first pointer-down inside it, and of every image (new or
# with a new source) decoded after it.
_ARM = """e => {
  if (e.__redraw) e.__redraw.observer.disconnect();
  const state = {start: null, decoded: [], pending: 0};
  e.addEventListener('pointerdown', () => { if (state.start === null) state.start = performance.now(); },
                     {capture: true, once: true});
  const watch = img => {
    state.pending++;
    img.decode().catch(() => 0).then(() => { state.decoded.push(performance.now()); state.pending--; });
  };
  state.observer = new MutationObserver(records => {
    if (state.start === null) return;
    for (const r of records) {
      if (r.type === 'attributes' && r.target.tagName === 'IMG') watch(r.target);
      for (const n of r.addedNodes || [])
        if (n.nodeType === 1) (n.tagName === 'IMG' ? [n] : Array.from(n.querySelectorAll('img'))).forEach(watch);
    }
  });
  state.observer.observe(e, {subtree: true, childList: true, attributes: true, attributeFilter: ['src']});
  e.__redraw = state;
}"""

_READ = """e => { const s = e.__redraw;
  return s ? {start: s.start, decoded: s.decoded.slice(), pending: s.pending} : null; }"""

_DISARM = "e => { if (e.__redraw) { e.__redraw.observer.disconnect(); delete e.__redraw; } }"


def time_redraw(run, root, slider, timeout: float = 30.0) -> tuple[str, str, float | None]:
    """Click ``slider``'s track away from its handle (at 30% or 70% of it) and time the redraw.

    ``run`` is the :class:`~tests.e2e.labdriver.NotebookRun`, ``root`` the widget's element.
    Returns (readout before, readout after, milliseconds from the click to the last new image
    decoded), the time None when the figure did not change before the kernel went idle.
    """
    run.wait_idle(timeout, polls=2)  # nothing of an earlier change still on its way
    slider.scroll_into_view_if_needed()
    readout = slider.locator(".widget-readout")
    before = readout.text_content() if readout.count() else ""
    handle, track = slider.locator(".noUi-handle").first, slider.locator(".noUi-base").first
    hb, tb = handle.bounding_box(), track.bounding_box()
    right = hb["x"] + hb["width"] / 2 > tb["x"] + tb["width"] / 2
    x, y = tb["x"] + tb["width"] * (0.3 if right else 0.7), tb["y"] + tb["height"] / 2
    root.evaluate(_ARM)
    run.page.mouse.click(x, y)
    deadline, quiet_since, state = time.monotonic() + timeout, None, None
    while time.monotonic() < deadline:
        state = root.evaluate(_READ)
        if state and state["decoded"] and not state["pending"] and run.is_idle():
            quiet_since = quiet_since or time.monotonic()
            if time.monotonic() - quiet_since > 0.3:  # the kernel sent all it will for this change
                break
        elif state and not state["decoded"] and run.is_idle():
            quiet_since = quiet_since or time.monotonic()
            if time.monotonic() - quiet_since > 1.0:  # idle and nothing new: the figure did not change
                break
        else:
            quiet_since = None
        time.sleep(0.05)
    root.evaluate(_DISARM)
    after = readout.text_content() if readout.count() else ""
    if not state or state["start"] is None or not state["decoded"]:
        return before, after, None
    return before, after, max(state["decoded"]) - state["start"]
