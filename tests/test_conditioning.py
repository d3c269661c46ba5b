"""conditioning: the quadratics, iterations to tolerance at the best step of a grid, the theory's rates."""

import numpy as np
import pytest

from course_utils import conditioning as C
from course_utils import surfaces


def test_curvatures_span_one_over_kappa_to_one():
    lam = C.curvatures(100.0, dim=5)
    assert np.isclose(lam[0], 0.01) and np.isclose(lam[-1], 1.0) and np.isclose(lam.max() / lam.min(), 100)
    with pytest.raises(ValueError):
        C.curvatures(0.5)


def test_quadratic_surface_works_with_run_2d():
    surface = C.quadratic(np.array([0.1, 1.0]))
    value, grad = surface(np.array([2.0, 1.0]))
    assert np.isclose(value, 0.5 * (0.4 + 1.0)) and np.allclose(grad, [0.2, 1.0])
    path = surfaces.run_2d(lambda w, dw, s, lr: (w - lr * dw, s), surface, (1.0, 1.0), 3, lr=1.0)
    assert np.allclose(path[1], [0.9, 0.0])


def test_gradient_descent_at_lr_one_solves_kappa_one_in_one_step_and_the_grid_best_is_reported():
    out = C.iterations_to_tolerance("gradient descent", [1.0, 10.0], lrs=[0.5, 1.0, 1.5])
    assert out["iterations"][0] == 1 and out["lr"][0] == 1.0
    assert out["lr"][1] == 1.5 and np.all(out["momentum"] == 0)


def test_measured_iterations_follow_kappa_for_gd_and_its_root_for_momentum():
    kappas = np.array([1e2, 1e3, 1e4])
    lrs = np.logspace(-1, np.log10(4), 33)
    momenta = 1 - np.logspace(-3, 0, 25)
    slopes = {}
    for rule in ("gradient descent", "momentum", "nesterov"):
        its = C.iterations_to_tolerance(rule, kappas, lrs=lrs, momenta=momenta)["iterations"]
        slopes[rule] = np.polyfit(np.log(kappas), np.log(its), 1)[0]
    assert abs(slopes["gradient descent"] - 1) < 0.05
    assert abs(slopes["momentum"] - 0.5) < 0.1 and abs(slopes["nesterov"] - 0.5) < 0.1


def test_a_budget_too_small_is_reported_past_it():
    out = C.iterations_to_tolerance("gradient descent", [1e4], lrs=[1.0], max_iter=50)
    assert out["iterations"][0] == 51


def test_theory_rates():
    k = np.array([1.0, 100.0])
    gd = C.theory_iterations("gradient descent", k, tol=1e-3)
    assert gd[0] == 1 and np.isclose(gd[1], np.log(1e3) / -np.log(99 / 101))
    assert np.isclose(C.theory_iterations("momentum", 100.0, tol=1e-3), np.log(1e3) / -np.log(9 / 11))
    with pytest.raises(ValueError):
        C.iterations_to_tolerance("adam", [1.0], lrs=[1.0])
