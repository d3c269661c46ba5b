"""second_order: Newton's step, the two-loop recursion against the BFGS matrix, the line search, L-BFGS."""

import numpy as np
import pytest
from threadpoolctl import threadpool_info

from course_utils import losses, optim
from course_utils.second_order import backtracking, first_order, lbfgs, lbfgs_direction, newton_step


def spd(rng, D, low=0.5, high=20.0):
    Q, _ = np.linalg.qr(rng.standard_normal((D, D)))
    return Q @ np.diag(rng.uniform(low, high, D)) @ Q.T


@pytest.mark.parametrize("kappa", [1.0, 1e2, 1e6])
def test_newton_reaches_a_quadratics_minimum_in_one_step(kappa):
    rng = np.random.default_rng(0)
    A = spd(rng, 6, 1.0, kappa) if kappa > 1 else np.eye(6)
    x_star = rng.standard_normal(6)
    x = rng.standard_normal(6)
    assert np.allclose(newton_step(x, A @ (x - x_star), A), x_star, atol=1e-9 * max(1, kappa))


def test_two_loop_equals_the_bfgs_inverse_hessian_built_as_a_matrix():
    rng = np.random.default_rng(1)
    D, m = 8, 5
    A = spd(rng, D)
    S = rng.standard_normal((m, D))
    Y = S @ A
    g = rng.standard_normal(D)
    H = np.eye(D) * (S[-1] @ Y[-1]) / (Y[-1] @ Y[-1])
    for s, y in zip(S, Y):
        rho = 1 / (y @ s)
        H = (np.eye(D) - rho * np.outer(s, y)) @ H @ (np.eye(D) - rho * np.outer(y, s)) + rho * np.outer(s, s)
    S0, Y0, g0 = S.copy(), Y.copy(), g.copy()
    assert np.allclose(lbfgs_direction(g, S, Y), -H @ g)
    assert np.array_equal(S, S0) and np.array_equal(Y, Y0) and np.array_equal(g, g0)
    assert np.array_equal(lbfgs_direction(g, S[:0], Y[:0]), -g)
    # the secant equation of the newest pair: H y = s
    assert np.allclose(lbfgs_direction(Y[-1], S, Y), -S[-1])


def test_backtracking_satisfies_armijo_or_gives_up():
    fun = lambda x: (float(x @ x), 2 * x)
    x = np.array([3.0, -1.0])
    f, g = fun(x)
    step, f_new, _, tries = backtracking(fun, x, f, g, -g * 10)
    assert step == 0.0625 and tries == 5 and f_new <= f + 1e-4 * step * (g @ (-g * 10))
    assert backtracking(fun, x, f, g, g)[0] == 0.0  # uphill: no step is accepted


def softmax_problem(seed=0):
    rng = np.random.default_rng(seed)
    X, y = rng.standard_normal((120, 5)), rng.integers(0, 3, 120)

    def fun(w, idx=None):
        idx = slice(None) if idx is None else idx
        loss, dW = losses.linear_softmax_loss(w.reshape(5, 3), X[idx], y[idx], 1e-2)
        return loss, dW.ravel()

    return fun


def test_lbfgs_minimizes_a_full_batch_softmax_regression_and_counts_evaluations():
    fun = softmax_problem()
    w0 = np.zeros(15)
    run = lbfgs(fun, w0, max_iter=200, gtol=1e-9)
    assert np.linalg.norm(fun(run.x)[1]) < 1e-9 and np.array_equal(w0, np.zeros(15))
    assert np.all(np.diff(run.loss) <= 0) and np.all(np.diff(run.evaluations) >= 1) and run.evaluations[0] == 1
    gd, w = [], w0
    for _ in range(len(run.loss)):
        gd.append(fun(w)[0])
        w = w - 1.0 * fun(w)[1]
    assert run.loss[-1] < gd[-1] - 1e-6  # the same number of iterations of gradient descent is not as far
    capped = lbfgs(fun, w0, max_iter=200, max_evaluations=10)
    assert capped.evaluations[-1] <= 10 + 30  # stops before the iteration after the cap (one line search past it)


def test_lbfgs_on_mini_batches_uses_one_batch_per_iteration():
    fun = softmax_problem()
    seen = []

    def batches():
        rng = np.random.default_rng(0)
        while True:
            idx = rng.choice(120, 10, replace=False)
            seen.append(idx)
            yield idx

    run = lbfgs(fun, np.zeros(15), max_iter=30, batches=batches())
    assert len(run.loss) == 30 and len(seen) == 31 and np.all(np.isfinite(run.loss))


def test_softmax_regression_gradient_and_batches():
    from course_utils.gradcheck import numerical_gradient, rel_error
    from course_utils.second_order import softmax_regression

    rng = np.random.default_rng(3)
    X, y = rng.standard_normal((30, 4)), rng.integers(0, 3, 30)
    fun = softmax_regression(X, y, reg=0.1)
    assert fun.num_params == 5 * 3
    w = rng.standard_normal(15)
    loss, grad = fun(w)
    assert rel_error(grad, numerical_gradient(lambda v: fun(v)[0], w)) < 1e-7
    part, _ = fun(w, np.arange(10))
    assert np.isfinite(part) and part != loss
    # the biases (last row) are not penalized: a change in them alone moves only the data term
    w_bias = w.copy()
    w_bias[-3:] += 1.0
    assert np.isclose(
        fun(w_bias)[0] - softmax_regression(X, y, reg=0.0)(w_bias)[0],
        fun(w)[0] - softmax_regression(X, y, reg=0.0)(w)[0],
    )


@pytest.mark.parametrize("C", [2, 4, 10, 19, 130])  # the class sums: left to right, pairwise, numpy's own
def test_softmax_regression_is_linear_softmax_loss_with_the_bias_row(C):
    from course_utils.losses import linear_softmax_loss
    from course_utils.second_order import softmax_regression

    rng = np.random.default_rng(5)
    X, y = rng.standard_normal((40, 6)), rng.integers(0, C, 40)
    y[0] = C - 1
    fun = softmax_regression(X, y, reg=0.3)
    Xb = np.hstack([X, np.ones((40, 1))])
    for scale in (0.1, 10.0, 1e3):
        w = scale * rng.standard_normal(fun.num_params)
        for idx in (None, np.array([3, 1, 7, 7, 20])):
            rows = slice(None) if idx is None else idx
            loss, dW = linear_softmax_loss(w.reshape(7, C), Xb[rows], y[rows], 0.3, bias_row=True)
            got_loss, got_grad = fun(w, idx)
            assert got_loss == loss and np.array_equal(got_grad, dW.ravel())  # to the last bit


def test_first_order_stops_at_the_target_or_on_divergence_and_counts_evaluations():
    from course_utils.optim import sgd
    from course_utils.second_order import evaluations_to, first_order

    fun = lambda x: (float(x @ x), 2 * x)
    x, losses = first_order(fun, np.ones(3), sgd, steps=100, target=1e-6, lr=0.25)
    assert losses[-1] <= 1e-6 < losses[-2] and len(losses) < 100
    assert evaluations_to(losses, np.arange(1, len(losses) + 1), 1e-6) == len(losses)
    _, diverged = first_order(fun, np.ones(3), sgd, steps=100, lr=2.0)
    assert len(diverged) < 10 and diverged[-1] > 100 * diverged[0]
    assert evaluations_to(diverged, np.arange(1, len(diverged) + 1), 1e-6) == np.inf
    batches = iter([0.5, 2.0, 1.0])
    _, per_batch = first_order(
        lambda x, b: (b * float(x @ x), 2 * b * x), np.ones(2), sgd, steps=3, batches=batches, lr=0.1
    )
    assert np.isclose(per_batch[0], 1.0) and len(per_batch) == 3


def test_the_second_order_methods_are_offered_in_optim_beside_the_first_order_rules():
    from course_utils import optim, second_order

    for name in ("newton_step", "lbfgs_direction", "backtracking", "lbfgs"):
        assert getattr(optim, name) is getattr(second_order, name) and name in optim.__all__


def test_lbfgs_and_first_order_evaluate_on_one_blas_thread():
    """The products of these problems are small: a second BLAS thread would only wait for a core."""
    problem, seen = softmax_problem(), []

    def fun(w):
        seen.append(max(p["num_threads"] for p in threadpool_info() if p["user_api"] == "blas"))
        return problem(w)

    lbfgs(fun, np.zeros(15), max_iter=3)
    first_order(fun, np.zeros(15), optim.sgd, steps=3, lr=0.1)
    assert seen and set(seen) == {1}
