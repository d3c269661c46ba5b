"""The report's two figures, drawn from ``report.json``'s numbers as PNG bytes: the class's
score distribution and each test's pass rate. Drawn on matplotlib's Agg canvas through
:class:`~matplotlib.figure.Figure` (no pyplot: nothing global, no window)."""

from __future__ import annotations

import io

from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

__all__ = ["score_png", "pass_rate_png"]

DPI = 100
_BAR = "#4477aa"
_FAIL = "#dddddd"


def _png(fig: Figure) -> bytes:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=DPI, metadata={"Software": None})
    return buf.getvalue()


def score_png(summary: dict) -> bytes:
    """Students per total score, with the median marked."""
    scores = summary["scores"]
    xs = [s for s, _ in scores["histogram"]]
    ns = [n for _, n in scores["histogram"]]
    top = scores["max_total"]
    fig = Figure(figsize=(5.2, 3.4), layout="constrained")
    ax = fig.add_subplot()
    steps = [t["points"] for t in summary["tests"] if t["points"] > 0]
    span = max(top, 1)
    width = min(0.6 * min(steps), span / 12) if steps else span / 30  # totals are sums of whole tests' points
    ax.bar(xs, ns, width=width, color=_BAR, label="students with that total")
    room = 1.3  # the legend sits above the tallest bar, the median line stops below it
    ax.axvline(scores["median"], ymax=1 / room, color="#cc6677", linestyle="--", label=f"median {scores['median']:g}")
    ax.set_xlim(-width - 0.03 * span, top + width + 0.03 * span)
    ax.set_ylim(0, max(ns, default=1) * room)
    ax.set_xlabel(f"total points (out of {top:g})")
    ax.set_ylabel("students")
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    if all(float(x).is_integer() for x in steps + xs):
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_title(f"Scores of the class ({summary['students']} students)")
    ax.legend(loc="upper right", ncols=2, frameon=False, fontsize=9)
    ax.spines[["top", "right"]].set_visible(False)
    return _png(fig)


def pass_rate_png(summary: dict) -> bytes:
    """One horizontal bar per test: the share of the class that passed it."""
    tests = summary["tests"]
    names = [t["grade_id"] for t in tests]
    rates = [100 * t["pass_rate"] for t in tests]
    fig = Figure(figsize=(5.2, max(3.4, 1.2 + 0.38 * len(tests))), layout="constrained")
    ax = fig.add_subplot()
    rows = list(range(len(tests)))[::-1]  # the first test on top
    ax.set_ylim(len(tests) - 0.5 - max(len(tests), 5), len(tests) - 0.5)  # a few tests keep thin bars, at the top
    ax.barh(rows, [100] * len(tests), color=_FAIL, height=0.6)
    ax.barh(rows, rates, color=_BAR, height=0.6)
    for row, rate, t in zip(rows, rates, tests):
        ax.text(101, row, f"{rate:.0f}%  ({t['passed']}/{t['passed'] + t['failed']})", va="center", fontsize=9)
    ax.set_yticks(rows, names, fontsize=9)
    ax.set_xlim(0, 125)
    ax.set_xticks([0, 25, 50, 75, 100])
    ax.set_xlabel("students who passed (%)")
    ax.set_title("Pass rate per test")
    ax.spines[["top", "right"]].set_visible(False)
    return _png(fig)
