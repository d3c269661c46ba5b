"""viz.gradcheck: relative errors over the bands of the rule of thumb, the step-size and kink figures."""

import matplotlib

matplotlib.use("Agg")
import matplotlib.colors as mcolors
import numpy as np

import course_utils as cu
from course_utils.viz.gradcheck import VERDICTS


def _legend(ax):
    return [t.get_text() for t in ax.get_legend().get_texts()]


def test_plot_rel_errors_draws_the_rule_of_thumb_behind_the_curves():
    fig = cu.viz.plot_rel_errors([1, 10, 100], {"check": [1e-11, 1e-5, 0.5]}, xlabel="depth", title="Depth")
    (ax,) = fig.axes
    assert ax.get_title() == "Depth" and ax.get_xlabel() == "depth" and ax.get_ylabel() == "relative error"
    assert ax.get_yscale() == "log" and ax.get_xscale() == "log"
    assert _legend(ax) == ["check"] + [label for _, label, _ in VERDICTS]
    low, high = ax.get_ylim()
    assert low <= 1e-11 and high >= 0.5
    spans = sorted((p for p in ax.patches if p.get_zorder() == 0), key=lambda p: p.get_y())
    assert len(spans) == 3
    edges = [(p.get_y(), p.get_y() + p.get_height()) for p in spans]  # data coordinates, bottom up
    np.testing.assert_allclose(edges, [(low, 1e-7), (1e-7, 1e-2), (1e-2, high)])
    for p, (_, _, color) in zip(spans, VERDICTS):
        assert mcolors.same_color(p.get_facecolor()[:3], mcolors.to_rgb(color))


def test_zero_errors_are_drawn_at_the_floor_and_the_label_says_so():
    fig = cu.viz.plot_rel_errors([-1, 0, 1], {"kink": [0.0, 1.0, 1e-20]}, xlabel="x / h", logx=False)
    (ax,) = fig.axes
    assert ax.get_xscale() == "linear"
    np.testing.assert_allclose(ax.lines[0].get_ydata(), [1e-16, 1.0, 1e-16])
    assert "below 1e-16: at 1e-16" in ax.get_ylabel()


def test_plot_error_scales_two_panels():
    scales = np.logspace(-3, 3, 7)
    fig = cu.viz.plot_error_scales(
        scales,
        {"right": scales * 1e-10, "wrong": scales * 0.3},
        {"right": np.full(7, 2e-11), "wrong": np.full(7, 0.05)},
        title="Scales",
    )
    ax_abs, ax_rel = fig.axes
    assert fig._suptitle.get_text() == "Scales"
    assert ax_abs.get_title() == "Absolute error" and ax_rel.get_title() == "Relative error"
    assert ax_abs.get_xlabel() == ax_rel.get_xlabel() == "scale c of the function"
    assert _legend(ax_abs) == ["right", "wrong"]
    assert _legend(ax_rel)[:2] == ["right", "wrong"]
    assert len([p for p in ax_rel.patches if p.get_zorder() == 0]) == 3 and not ax_abs.patches


def test_plot_step_errors_marks_the_best_step_and_fits_the_guides():
    eps = np.finfo(np.float64).eps
    steps = np.logspace(-1, -13, 25)
    centred = steps**2 / 6 + eps / steps  # the model: truncation plus round-off
    fig = cu.viz.plot_step_errors(steps, {"centred": centred, "one-sided": steps / 2 + eps / steps}, title="exp")
    (ax,) = fig.axes
    assert ax.get_title() == "exp" and ax.get_xlabel() == "step h"
    labels = _legend(ax)
    assert labels[:4] == ["centred", "one-sided", "∝ h² (truncation)", "∝ ε/h (round-off)"]
    best = steps[np.argmin(centred)]
    one_sided_best = steps[np.argmin(steps / 2 + eps / steps)]
    assert f"best h = {best:.0e}" in labels and f"best h = {one_sided_best:.0e}" in labels
    guides = {line.get_label(): line for line in ax.lines if line.get_label().startswith("∝")}
    h2 = guides["∝ h² (truncation)"]
    np.testing.assert_allclose(h2.get_ydata(), h2.get_xdata() ** 2 / 6, rtol=0.05)  # fitted on the curve
    roundoff = guides["∝ ε/h (round-off)"]
    np.testing.assert_allclose(roundoff.get_ydata(), eps / roundoff.get_xdata(), rtol=0.05)
    assert min(h2.get_xdata()) >= best and max(roundoff.get_xdata()) <= best


def test_plot_kink_gradients_and_errors():
    h = 1e-5
    x = np.linspace(-3 * h, 3 * h, 13)
    numerical = np.clip((x + h) / (2 * h), 0, 1)
    analytic = (x > 0).astype(float)
    errors = np.abs(numerical - analytic) / np.maximum(1e-8, numerical + analytic)
    fig = cu.viz.plot_kink(x, numerical, analytic, errors, h=h, title="ReLU")
    ax_g, ax_e = fig.axes
    assert fig._suptitle.get_text() == "ReLU"
    assert ax_g.get_xlabel() == ax_e.get_xlabel() == "x / h" and ax_g.get_ylabel() == "gradient"
    np.testing.assert_allclose(ax_g.lines[0].get_xdata(), x / h)
    assert _legend(ax_g) == ["|x| < h: probes on both sides", "analytic (backprop)", "numerical (centred, step h)"]
    assert ax_e.get_yscale() == "log" and _legend(ax_e)[0] == "relative error"
