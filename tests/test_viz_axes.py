"""viz._axes: log axes labelled in plain text at the ticks matplotlib labels; margins given in inches."""

import io
import re

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
import pytest

from course_utils.viz._axes import (
    PowerFormatter,
    log_scale,
    margins_beside_legend,
    margins_in_inches,
    tick_labels_width,
    x_labels_overhang,
)

# (ylim, the labels of the major ticks in view, the labelled minor ticks in view), "-" standing for
# the minus sign U+2212 the labels are written with
RANGES = [
    ((1e-6, 1e2), ["1e-6", "1e-5", "1e-4", "1e-3", "1e-2", "1e-1", "1e0", "1e1", "1e2"], []),
    ((1e-16, 1.0), ["1e-16", "1e-14", "1e-12", "1e-10", "1e-8", "1e-6", "1e-4", "1e-2", "1e0"], []),
    ((0.5, 30.0), ["1e0", "1e1"], []),
    ((2e-3, 8e-3), [], ["2e-3", "3e-3", "4e-3", "6e-3"]),
    ((3e-5, 2e-4), ["1e-4"], ["3e-5", "4e-5", "6e-5", "2e-4"]),
    ((1e-3, 3e-2), ["1e-3", "1e-2"], ["2e-3", "3e-3", "4e-3", "6e-3", "2e-2", "3e-2"]),
    ((20.0, 300.0), ["1e2"], ["2e1", "3e1", "4e1", "6e1", "2e2", "3e2"]),
]


def _ticks(ax, which, low, high):
    """(location, label) of the y ticks of one kind inside [low, high], after a draw."""
    ticks = ax.yaxis.get_major_ticks() if which == "major" else ax.yaxis.get_minor_ticks()
    locs = ax.yaxis.get_majorticklocs() if which == "major" else ax.yaxis.get_minorticklocs()
    return [(loc, t.label1.get_text()) for loc, t in zip(locs, ticks) if low * (1 - 1e-9) <= loc <= high * (1 + 1e-9)]


def _axes(ylim, own):
    fig, ax = plt.subplots()
    if own:
        log_scale(ax, "y")
    else:
        ax.set_yscale("log")
    ax.plot([0, 1], ylim)
    ax.set_ylim(*ylim)
    fig.canvas.draw()
    return fig, ax


def _signed(label):
    return label.replace("-", "\N{MINUS SIGN}")


def _plain(mathtext):
    """matplotlib's mathtext label ("10^{-3}", "2\\times10^{-2}") as the e-notation PowerFormatter writes."""
    body = re.fullmatch(r"\$\\mathdefault\{(.*)\}\$", mathtext).group(1) if mathtext else ""
    if not body:
        return ""
    coeff, exponent = re.fullmatch(r"(?:(\d+)\\times)?10\^\{(-?\d+)\}", body).groups()
    return f"{coeff or 1}e{exponent}".replace("-", "\N{MINUS SIGN}")


@pytest.mark.parametrize("ylim, major, minor", RANGES)
def test_log_scale_labels_the_ticks_matplotlib_labels_in_plain_text(ylim, major, minor):
    fig, ax = _axes(ylim, own=True)
    assert ax.get_yscale() == "log"
    assert [label for _, label in _ticks(ax, "major", *ylim)] == [_signed(label) for label in major]
    assert [label for _, label in _ticks(ax, "minor", *ylim) if label] == [_signed(label) for label in minor]
    fig_default, ax_default = _axes(ylim, own=False)
    for which in ("major", "minor"):
        expected = [(loc, _plain(label)) for loc, label in _ticks(ax_default, which, *ylim) if label]
        got = [(loc, label) for loc, label in _ticks(ax, which, *ylim) if label]
        assert [label for _, label in got] == [label for _, label in expected], which
        np.testing.assert_allclose([g[0] for g in got], [e[0] for e in expected])
    assert not any("$" in label for _, label in _ticks(ax, "major", *ylim) + _ticks(ax, "minor", *ylim))
    plt.close(fig)
    plt.close(fig_default)


def test_minor_ticks_at_2_and_5_across_decades_all_of_matplotlibs_within_one():
    fig, ax = _axes((1e-6, 1e2), own=True)
    mantissas = {round(loc / 10 ** np.floor(np.log10(loc) + 1e-9), 6) for loc, _ in _ticks(ax, "minor", 1e-6, 1e2)}
    assert mantissas == {2.0, 5.0}
    plt.close(fig)
    for ylim in ((2e-3, 8e-3), (1e-3, 3e-2)):
        fig, ax = _axes(ylim, own=True)
        fig_default, ax_default = _axes(ylim, own=False)
        np.testing.assert_allclose(ax.yaxis.get_minorticklocs(), ax_default.yaxis.get_minorticklocs())
        plt.close(fig)
        plt.close(fig_default)


def test_power_formatter_signs_and_exponents():
    f = PowerFormatter()
    minus = "\N{MINUS SIGN}"  # the sign matplotlib writes, not a hyphen
    assert f(1e-3) == f"1e{minus}3" and f(1e12) == "1e12" and f(1.0) == "1e0"
    assert f(2e-2) == f"2e{minus}2" and f(5e5) == "5e5"
    assert f(-1e-3) == f"{minus}1e{minus}3" and f(-2e-2) == f"{minus}2e{minus}2"
    assert f(0) == "0"


def test_both_axes_and_a_saved_figure():
    fig, ax = plt.subplots()
    log_scale(ax, "both")
    ax.plot([1e-3, 1e3], [1e-9, 1e-1])
    assert ax.get_xscale() == ax.get_yscale() == "log"
    fig.savefig(io.BytesIO(), format="png", bbox_inches="tight")
    labels = [t.get_text() for t in ax.get_xticklabels() + ax.get_yticklabels() if t.get_text()]
    assert "1e\N{MINUS SIGN}3" in labels and "1e3" in labels and "1e\N{MINUS SIGN}9" in labels
    plt.close(fig)


def test_margins_in_inches_finds_the_panels_of_a_grid():
    fig, axes = plt.subplots(2, 3, figsize=(10.0, 6.0))
    margins_in_inches(fig, left=0.8, right=0.2, bottom=0.6, top=0.7, gap_w=0.75, gap_h=0.8)
    width = (10.0 - 0.8 - 0.2 - 2 * 0.75) / 3
    height = (6.0 - 0.6 - 0.7 - 0.8) / 2
    for (row, col), ax in np.ndenumerate(axes):
        x0, y0, w, h = ax.get_position().bounds
        np.testing.assert_allclose([x0 * 10, w * 10], [0.8 + col * (width + 0.75), width])
        np.testing.assert_allclose([y0 * 6, h * 6], [0.6 + (1 - row) * (height + 0.8), height])
    plt.close(fig)


def test_margins_beside_legend_leave_room_for_the_legend_inside_the_figure():
    fig, ax = plt.subplots(figsize=(8.0, 4.0))
    for k in range(3):
        ax.plot([0, 1], [k, k + 1], label=f"a rather long label number {k}")
    legend = ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0))
    margins_beside_legend(fig, legend, left=0.8, bottom=0.6, top=0.4)
    renderer = fig.canvas.get_renderer()
    box = legend.get_window_extent(renderer)
    assert ax.get_window_extent(renderer).x1 < box.x0 and box.x1 < fig.bbox.x1
    assert ax.get_position().x0 * 8.0 == pytest.approx(0.8)
    plt.close(fig)


@pytest.mark.parametrize(
    ("ylim", "log"),
    [((0, 1), False), ((-1000, 6000), False), ((-1.05, 1.05), False), ((1e-5, 1.0), True), ((0.02, 0.3), True)],
)
def test_tick_labels_width_is_the_widest_drawn_label(ylim, log):
    fig, ax = plt.subplots(figsize=(4.0, 3.0))
    ax.tick_params(labelsize=11)
    ax.plot([0, 1], ylim)
    if log:
        log_scale(ax, "y")
    width = tick_labels_width(ax)  # before any draw
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    lo, hi = ax.get_ylim()
    labels = ax.get_yticklabels() + ax.get_yticklabels(minor=True)
    shown = [t for t in labels if lo <= t.get_position()[1] <= hi and t.get_text()]  # those drawn
    drawn = max(t.get_window_extent(renderer).width for t in shown) / fig.dpi
    assert width == pytest.approx(drawn, abs=1e-6)
    plt.close(fig)


def test_x_labels_overhang_is_half_a_label_at_each_edge_with_a_tick():
    fig, ax = plt.subplots(figsize=(4.0, 3.0))
    ax.set_xlim(0.0, 1000.0)  # ticks at both edges
    left, right = x_labels_overhang(ax)
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    labels = [t for t in ax.get_xticklabels() if 0 <= t.get_position()[0] <= 1000]
    assert left == pytest.approx(labels[0].get_window_extent(renderer).width / fig.dpi / 2)
    assert right == pytest.approx(labels[-1].get_window_extent(renderer).width / fig.dpi / 2)
    ax.set_xlim(-130.0, 1130.0)  # no tick near an edge
    assert x_labels_overhang(ax) == (0.0, 0.0)
    plt.close(fig)
