import numpy as np
import pytest

from course_utils.gradcheck import grad_check_sparse, numerical_gradient, numerical_gradient_array, rel_error


def test_rel_error_matches_contract():
    a, b = np.array([1.0, 2.0]), np.array([1.0, 2.2])
    assert rel_error(a, b) == pytest.approx(0.2 / 4.2)
    assert rel_error(np.zeros(3), np.zeros(3)) == 0.0
    assert rel_error(0.0, 1e-10) == pytest.approx(1e-10 / 1e-8)  # the 1e-8 floor


def test_rel_error_rejects_shape_mismatch():
    with pytest.raises(ValueError, match="shapes differ"):
        rel_error(np.zeros(3), np.zeros((3, 1)))


def test_numerical_gradient_of_quadratic_and_input_restored_exactly():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((3, 4))
    before = x.copy()
    grad = numerical_gradient(lambda v: np.sum(v**3), x)
    assert rel_error(grad, 3 * before**2) < 1e-7
    assert np.array_equal(x, before)  # bit-for-bit


def test_numerical_gradient_array_is_vector_jacobian_product():
    rng = np.random.default_rng(1)
    x, w = rng.standard_normal((4, 3)), rng.standard_normal((3, 2))
    dout = rng.standard_normal((4, 2))
    before = x.copy()
    dx = numerical_gradient_array(lambda v: v @ w, x, dout)
    assert rel_error(dx, dout @ w.T) < 1e-8
    assert np.array_equal(x, before)


def test_numerical_gradient_needs_float_array():
    with pytest.raises(TypeError, match="float numpy array"):
        numerical_gradient(lambda v: v.sum(), np.arange(3))


def test_grad_check_sparse_finds_agreement_and_disagreement():
    rng = np.random.default_rng(2)
    x = rng.standard_normal((5, 6))
    f = lambda v: np.sum(np.sin(v))
    good = grad_check_sparse(f, x, np.cos(x), num_checks=8)
    assert len(good) == 8 and max(r[3] for r in good) < 1e-7
    bad = grad_check_sparse(f, x, -np.cos(x), num_checks=8)
    assert min(r[3] for r in bad) > 0.5
    with pytest.raises(ValueError, match="expected \\(5, 6\\)"):
        grad_check_sparse(f, x, np.cos(x).T)


def test_the_default_step_is_near_the_best_for_a_smooth_function():
    """Notebook 01's claim: truncation (h**2) and round-off (eps / h) meet near h = 1e-5."""
    x = np.array([1.0])
    steps = np.logspace(-1, -13, 25)
    errors = np.array([rel_error(numerical_gradient(lambda v: np.exp(v[0]), x, h=h), np.exp(x)) for h in steps])
    assert 1e-8 <= steps[np.argmin(errors)] <= 1e-4 and errors[np.isclose(steps, 1e-5)][0] < 1e-10
    assert errors[0] > 1e-4 and errors[-1] > 1e-6  # too big a step, too small a step


def test_a_step_across_a_kink_gives_neither_slope():
    relu = lambda v: np.sum(np.maximum(0, v))
    x = np.array([0.0, 3e-6, -3e-6, 2e-5])
    grad = numerical_gradient(relu, x, h=1e-5)
    np.testing.assert_allclose(grad, [0.5, 0.65, 0.35, 1.0])
    assert rel_error(grad[:1], np.zeros(1)) == 1.0  # the analytic slope at 0 is right, the check says wrong
