"""The progress of a grading run (``course grade``): a tqdm bar on a terminal, one line per
finished submission everywhere, nothing at all when switched off. No kernel is started."""

import io
from types import SimpleNamespace

from course_tools.grade.report import Progress

PLAN = SimpleNamespace(max_total=8)
RESULTS = {"alice": dict(total=8, status="ok", seconds=0.93), "bob": dict(total=0, status="timeout", seconds=11.26)}
LINES = ["[1/2] alice: 8/8 (ok, 0.9 s)", "[2/2] bob: 0/8 (timeout, 11.3 s)"]


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def grade_two(stream, enabled=True) -> str:
    bar = Progress(len(RESULTS), stream, enabled)
    for student, result in RESULTS.items():
        bar.started()
        bar.tick()
        bar.finished(student, result, PLAN)
    bar.close()
    return stream.getvalue()


def test_a_terminal_gets_the_lines_above_a_plain_text_bar_with_clock_and_time_left():
    out = grade_two(Terminal())
    assert out.isascii()
    assert all(f"\r{line}\n" in out for line in LINES), out  # the bar is cleared, the line written, the bar redrawn
    assert out.index(LINES[0]) < out.index(LINES[1])
    screens = [s.strip() for s in out.split("\r")]  # what the terminal shows after each redraw
    last = screens[-1].splitlines()[-1]
    assert last.startswith("[" + "#" * 30 + "] 2/2 graded, 0 running [00:00 elapsed, 00:00 left]"), last
    assert any("1 running" in s for s in screens) and any("1/2 graded" in s for s in screens)


def test_a_log_gets_only_the_lines():
    out = grade_two(io.StringIO())
    assert out.splitlines() == LINES and "\r" not in out


def test_nothing_at_all_when_switched_off():
    assert grade_two(Terminal(), enabled=False) == ""
    assert grade_two(io.StringIO(), enabled=False) == ""
