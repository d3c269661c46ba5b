"""widgets.optimizers: the playground builds without a browser, follows its controls, redraws fast."""

import time

import matplotlib

matplotlib.use("Agg")
import numpy as np

from course_utils import optim, surfaces
from course_utils.widgets.optimizers import optimizer_playground, playground_paths


def test_paths_are_those_of_run_2d():
    paths = playground_paths(["sgd_momentum", "rmsprop"], "bowl", lr=0.1, memory=0.8)
    assert np.allclose(
        paths["sgd_momentum"], surfaces.run_2d(optim.sgd_momentum, surfaces.bowl, (-7, 2), 30, lr=0.1, momentum=0.8)
    )
    assert np.allclose(
        paths["rmsprop"], surfaces.run_2d(optim.rmsprop, surfaces.bowl, (-7, 2), 30, lr=0.1, decay_rate=0.8)
    )


def test_controls_redraw_fast():
    box = optimizer_playground()
    assert set(box.state["paths"]) == {"sgd", "sgd_momentum", "adam"}
    rules, middle, right = box.children[0].children
    surface, lr, _ = middle.children
    lr.value = 0.5
    assert np.isclose(box.state["paths"]["sgd"][1][1], 2 - 0.5 * 4)
    surface.value = "saddle"
    rules.value = ("nesterov_momentum",)
    right.children[2].value = 100
    assert box.state["paths"]["nesterov_momentum"].shape == (101, 2)
    times = []
    for value in (0.01, 0.05, 0.2):
        start = time.process_time()
        lr.value = value
        times.append(time.process_time() - start)
    assert np.median(times) < 0.2, f"redraws took {times} CPU s"  # CPU: load stretches only the wall clock
    ax_path, ax_loss = box.state["figure"].axes
    assert [line.get_label() for line in ax_path.lines[1:]] == ["nesterov_momentum"]  # the star, then the paths
    assert len(ax_loss.lines) == 1 and len(ax_loss.lines[0].get_ydata()) == 101
    rules.value = ()
    assert ax_path.get_title() == "choose at least one rule" and not ax_loss.lines


def test_the_start_stays_in_view_when_the_surface_changes():
    box = optimizer_playground(start=(-7.0, 2.0))
    _, middle, right = box.children[0].children
    surface, x0, y0 = middle.children[0], right.children[0], right.children[1]
    for name in ("rosenbrock", "saddle", "valley", "bowl"):
        before = box.state["redraws"]
        surface.value = name
        assert box.state["redraws"] == before + 1  # one redraw, not one per moved slider
        ax_path = box.state["figure"].axes[0]
        (x_lo, x_hi), (y_lo, y_hi) = ax_path.get_xlim(), ax_path.get_ylim()
        first = next(iter(box.state["paths"].values()))[0]
        assert x_lo <= first[0] <= x_hi and y_lo <= first[1] <= y_hi, (name, first)
        assert (x0.min, x0.max, y0.min, y0.max) == (x_lo, x_hi, y_lo, y_hi)
    x0.value, y0.value = -4.0, 1.0  # a start the student chose, inside the next view too, is kept
    surface.value = "valley"
    assert tuple(box.state["paths"]["sgd"][0]) == (-4.0, 1.0)


def test_conditioning_explorer_follows_kappa_and_sets_the_best_pair():
    from course_utils.widgets.optimizers import conditioning_explorer, conditioning_paths

    box = conditioning_explorer(kappa=100, momentum=0.9, lr=1.0, steps=300)
    (left, right, best) = box.children[0].children
    kappa, mu = left.children
    lr, steps = right.children
    assert set(box.state["iterations"]) == {"gradient descent, best lr", "momentum"}
    kappa.value = 1e4
    best.click()
    assert np.isclose(lr.value, 4 / (1 + 0.01) ** 2, rtol=0.05) and mu.value == round((99 / 101) ** 2, 3)
    steps.value = 600
    reached = box.state["iterations"]
    assert reached["momentum"] is not None and reached["gradient descent, best lr"] is None
    times = []
    for value in (0.5, 0.9, 0.95):
        start = time.process_time()
        mu.value = value
        times.append(time.process_time() - start)
    assert np.median(times) < 0.3, f"redraws took {times} CPU s"
    lr.value = 3.9  # gradient descent's best lr stays stable; a diverging momentum run must not break the figure
    mu.value = 0.0
    ax_path, ax_dist = box.state["figure"].axes
    assert np.isfinite(ax_path.get_ylim()).all() and ax_dist.get_ylim() == (1e-6, 1e3)
    runs = conditioning_paths(1.0, lr=1.0, momentum=0.0, steps=3)
    assert np.allclose(runs["momentum"][1], [1, 0, 0, 0])
