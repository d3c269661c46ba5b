"""``report.html``: one self-contained page of ``report.json``'s numbers for an instructor.

The figures are PNGs inside the page (``data:`` URIs); there is no script, no font or style sheet
from elsewhere, and the page's Content-Security-Policy forbids loading anything, so it opens the
same offline, from a mail attachment or a learning-management system. Lists of students fold
away in ``<details>``. Every text from a record (a student's name, a check's message, which can
quote the student's exception) is escaped.
"""

from __future__ import annotations

import base64
import html

from .figures import pass_rate_png, score_png

__all__ = ["render_page", "GENERATOR", "MAX_PAIRS_SHOWN"]

GENERATOR = '<meta name="generator" content="course report">'
MAX_PAIRS_SHOWN = 300  # the page lists this many pairs at most; report.json has them all

_CSS = """
body { font: 15px/1.45 system-ui, sans-serif; margin: 1.5em auto; max-width: 72em; padding: 0 1em; color: #222; }
h1 { font-size: 1.6em; } h2 { margin-top: 1.8em; border-bottom: 1px solid #ccc; } h3 { margin-top: 1.4em; }
table { border-collapse: collapse; margin: 0.5em 0; } td, th { border: 1px solid #ddd; padding: 0.25em 0.6em;
  text-align: left; vertical-align: top; } th { background: #f3f3f3; } td.n { text-align: right; }
code { background: #f3f3f3; padding: 0 0.2em; } pre { white-space: pre-wrap; margin: 0; font-size: 0.9em; }
details summary { cursor: pointer; color: #335; white-space: nowrap; } .muted { color: #666; } img { max-width: 100%; }
.unnamed { background: #fff4d6; } .figures { display: flex; flex-wrap: wrap; gap: 1em; }
"""


def _e(text) -> str:
    return html.escape(str(text), quote=True)


def _img(png: bytes, alt: str) -> str:
    data = base64.b64encode(png).decode("ascii")
    return f'<img src="data:image/png;base64,{data}" alt="{_e(alt)}">'


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


def _who(students: list, noun: str = "student") -> str:
    names = ", ".join(_e(s if isinstance(s, str) else s["student"]) for s in students)
    return f"<details><summary>{_count(len(students), noun)}</summary>{names}</details>"


def _anchor(gid: str) -> str:
    return "t-" + "".join(c if c.isalnum() or c in "-_" else "-" for c in gid)


def _overview(summary: dict) -> list[str]:
    rows = []
    for t in summary["tests"]:
        top = t["causes"][0] if t["causes"] else None
        cause = f"<code>{_e(top['code'])}</code> ({top['count']})" if top else '<span class="muted">none named</span>'
        rows.append(
            f'<tr><td><a href="#{_anchor(t["grade_id"])}">{_e(t["grade_id"])}</a></td><td class="n">{t["points"]:g}</td>'
            f'<td class="n">{t["passed"]}</td><td class="n">{t["failed"]}</td><td>{cause}</td></tr>'
        )
    return [
        "<table><tr><th>test</th><th>points</th><th>passed</th><th>failed</th><th>most common cause</th></tr>",
        *rows,
        "</table>",
    ]


def _test(t: dict) -> list[str]:
    n = t["passed"] + t["failed"]
    out = [f'<h3 id="{_anchor(t["grade_id"])}">{_e(t["grade_id"])}</h3>']
    out.append(f"<p>{t['passed']} of {n} passed, {t['failed']} failed.</p>")
    if t["causes"]:
        out.append("<table><tr><th>cause</th><th>students</th><th>the check's message</th><th>who</th></tr>")
        for c in t["causes"]:
            out.append(
                f'<tr><td><code>{_e(c["code"])}</code></td><td class="n">{c["count"]}</td>'
                f"<td><pre>{_e(c['message'])}</pre></td><td>{_who(c['students'])}</td></tr>"
            )
        out.append("</table>")
    if t["unnamed"]:
        out.append(
            f"<p>{t['unnamed']} failure(s) without a cause code (graded before the grader recorded causes: "
            "grade again with --force to see them).</p>"
        )
    if t["groups"]:
        out.append(
            "<p>Identical wrong results (these hand-ins agree with each other to 1e-9, not with the "
            "reference); a large group that no hint names is a misconception worth a hint:</p>"
        )
        out.append("<table><tr><th>hand-ins</th><th>cause</th><th>the check's message</th><th>who</th></tr>")
        for g in t["groups"]:
            named = g.get("named", g["cause"] is not None)
            cause = f"<code>{_e(g['cause'])}</code>" if g["cause"] else ""
            cause += "" if named else " (no hint names it yet)"
            out.append(
                f'<tr{"" if named else " class=unnamed"}><td class="n">{g["size"]}</td><td>{cause}</td>'
                f"<td><pre>{_e(g['message'])}</pre></td><td>{_who(g['students'])}</td></tr>"
            )
        out.append("</table>")
    return out


def _statuses(summary: dict) -> list[str]:
    if not summary["statuses"]:
        return ["<p>Every hand-in was graded to the end (status ok).</p>"]
    out = ["<table><tr><th>status</th><th>hand-ins</th><th>who, and what happened</th></tr>"]
    for s in summary["statuses"]:
        items = "".join(f"<li>{_e(x['student'])}: {_e(x['detail'])}</li>" for x in s["students"])
        folded = f"<details><summary>{_count(s['count'], 'student')}</summary><ul>{items}</ul></details>"
        out.append(f'<tr><td>{_e(s["status"])}</td><td class="n">{s["count"]}</td><td>{folded}</td></tr>')
    out.append("</table>")
    return out


def _similar(summary: dict) -> list[str]:
    sim = summary["similar"]
    out = [
        "<p>Hand-ins whose answer cells are the same code once names, comments, docstrings and layout "
        "are set aside: a reason to look at them side by side, not a verdict.</p>"
    ]
    pairs = sim["pairs"]
    if pairs:
        shown = pairs[:MAX_PAIRS_SHOWN]
        out.append("<table><tr><th>hand-ins</th><th>answer cells alike</th></tr>")
        for p in shown:
            cells = ", ".join(f"<code>{_e(c)}</code>" for c in p["cells"])
            out.append(f"<tr><td>{_e(p['students'][0])} and {_e(p['students'][1])}</td><td>{cells}</td></tr>")
        out.append("</table>")
        if len(pairs) > len(shown):
            out.append(f"<p class=muted>{len(shown)} of {len(pairs)} pairs shown; report.json lists them all.</p>")
    else:
        out.append("<p>No two hand-ins share an answer cell.</p>")
    if sim["common"]:
        out.append("<p>Common answers, shared by more hand-ins than pairs are listed for:</p>")
        out.append("<table><tr><th>answer cell</th><th>hand-ins</th><th>who</th></tr>")
        for c in sim["common"]:
            out.append(
                f'<tr><td><code>{_e(c["cell"])}</code></td><td class="n">{c["size"]}</td>'
                f"<td>{_who(c['students'], 'hand-in')}</td></tr>"
            )
        out.append("</table>")
    if sim["not_recorded"]:
        out.append(
            f"<p class=muted>{len(sim['not_recorded'])} hand-in(s) were graded without digests of their "
            "answer cells (an older grader): grade them again with --force to compare them.</p>"
        )
    return out


def render_page(summary: dict) -> str:
    """The HTML of the report (a str, UTF-8 when written)."""
    scores = summary["scores"]
    title = f"Class report: {summary['assignment']}"
    body = [
        f"<h1>{_e(title)}</h1>",
        f"<p>{summary['students']} students; mean {scores['mean']:.2f}, median {scores['median']:g} of "
        f"{scores['max_total']:g} points; {scores['full_marks']} with full marks. Graded against the solution "
        f"<code>{_e(summary['solution_sha256'][:12])}</code>.</p>",
        '<p><a href="#scores">Scores</a> · <a href="#tests">Tests</a> · <a href="#statuses">Grading problems</a>'
        ' · <a href="#similar">Hand-ins alike</a></p>',
        '<h2 id="scores">Scores</h2>',
        '<div class="figures">',
        _img(score_png(summary), "histogram of the students' total scores"),
        _img(pass_rate_png(summary), "bar chart of the share of students who passed each test"),
        "</div>",
        '<h2 id="tests">Tests</h2>',
        *_overview(summary),
    ]
    for t in summary["tests"]:
        body += _test(t)
    body += ['<h2 id="statuses">Grading problems</h2>', *_statuses(summary)]
    body += ['<h2 id="similar">Hand-ins alike</h2>', *_similar(summary)]
    head = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        GENERATOR,
        '<meta http-equiv="Content-Security-Policy" content="default-src \'none\'; img-src data:; '
        "style-src 'unsafe-inline'\">",
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{_e(title)}</title><style>{_CSS}</style></head><body>",
    ]
    return "\n".join(head + body + ["</body></html>", ""])
