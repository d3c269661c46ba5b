"""Tests for course_utils.losses: values, gradients, stability, the staged linear losses."""

import numpy as np
import pytest

from course_utils import losses
from course_utils.gradcheck import numerical_gradient, rel_error

SCORE_LOSSES = [losses.svm_loss, losses.softmax_loss]
LINEAR_LOSSES = [losses.linear_svm_loss, losses.linear_softmax_loss]


def _problem(seed=0, N=8, D=6, C=5):
    rng = np.random.default_rng(seed)
    return rng.standard_normal((D, C)), rng.standard_normal((N, D)), rng.integers(0, C, N)


def test_worked_examples_of_the_notes():
    scores, y = np.array([[-2.85, 0.86, 0.28]]), np.array([2])
    assert losses.svm_loss(scores, y)[0] == pytest.approx(1.58)
    assert losses.softmax_loss(scores, y)[0] == pytest.approx(1.04, abs=5e-3)
    # two examples average: (1.58 + 0) / 2
    scores2 = np.array([[-2.85, 0.86, 0.28], [5.0, 1.0, 1.0]])
    assert losses.svm_loss(scores2, np.array([2, 0]))[0] == pytest.approx(0.79)


def test_svm_excludes_correct_class():
    # equal scores: every wrong class adds the margin 1, the correct class adds nothing
    loss, dscores = losses.svm_loss(np.zeros((1, 4)), np.array([1]))
    assert loss == pytest.approx(3.0)
    np.testing.assert_allclose(dscores, [[1, -3, 1, 1]])


@pytest.mark.parametrize("f", SCORE_LOSSES)
def test_score_gradients(f):
    rng = np.random.default_rng(1)
    scores = rng.standard_normal((6, 4)) * 2
    y = rng.integers(0, 4, 6)
    loss, dscores = f(scores, y)
    assert isinstance(loss, float) and dscores.shape == scores.shape
    num = numerical_gradient(lambda s: f(s, y)[0], scores.copy())
    assert rel_error(num, dscores) < 1e-7


@pytest.mark.parametrize("f", SCORE_LOSSES)
def test_score_losses_do_not_modify_inputs(f):
    rng = np.random.default_rng(2)
    scores, y = rng.standard_normal((5, 3)), rng.integers(0, 3, 5)
    s0, y0 = scores.copy(), y.copy()
    f(scores, y)
    np.testing.assert_array_equal(scores, s0)
    np.testing.assert_array_equal(y, y0)


def test_softmax_stable_for_scores_in_the_thousands():
    scores = np.array([[123.0, 456.0, 789.0], [1000.0, -2000.0, 3000.0], [5000.0, 5000.0, -5000.0]])
    y = np.array([0, 1, 0])
    loss, dscores = losses.softmax_loss(scores, y)
    assert np.isfinite(loss) and np.all(np.isfinite(dscores))
    assert loss == pytest.approx((666.0 + 5000.0 + np.log(2)) / 3)
    np.testing.assert_allclose(dscores.sum(axis=1), 0, atol=1e-12)
    # a constant added to a row changes nothing
    np.testing.assert_allclose(losses.softmax_loss(scores + 1e4, y)[1], dscores)
    loss_svm, dsvm = losses.svm_loss(scores * 10, y)
    assert np.isfinite(loss_svm) and np.all(np.isfinite(dsvm))


def test_initial_loss_sanity():
    C = 10
    rng = np.random.default_rng(3)
    scores = 1e-4 * rng.standard_normal((500, C))
    y = rng.integers(0, C, 500)
    assert losses.svm_loss(scores, y)[0] == pytest.approx(C - 1, rel=1e-3)
    assert losses.softmax_loss(scores, y)[0] == pytest.approx(np.log(C), rel=1e-3)


@pytest.mark.parametrize("f", LINEAR_LOSSES)
@pytest.mark.parametrize("reg", [0.0, 0.7])
def test_linear_gradients(f, reg):
    W, X, y = _problem()
    loss, dW = f(W, X, y, reg)
    assert dW.shape == W.shape
    num = numerical_gradient(lambda w: f(w, X, y, reg)[0], W.copy())
    assert rel_error(num, dW) < 1e-7


@pytest.mark.parametrize("f, score_loss", list(zip(LINEAR_LOSSES, SCORE_LOSSES)))
def test_linear_losses_are_the_score_losses_plus_l2(f, score_loss):
    W, X, y = _problem(seed=4)
    reg = 0.3
    data_loss, dscores = score_loss(X @ W, y)
    loss, dW = f(W, X, y, reg)
    assert loss == pytest.approx(data_loss + 0.5 * reg * np.sum(W**2))
    np.testing.assert_allclose(dW, X.T @ dscores + reg * W)


@pytest.mark.parametrize("f", LINEAR_LOSSES)
def test_linear_losses_do_not_modify_inputs(f):
    W, X, y = _problem(seed=5)
    copies = (W.copy(), X.copy(), y.copy())
    f(W, X, y, 0.1)
    for a, b in zip((W, X, y), copies):
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("f", SCORE_LOSSES)
def test_bad_input_errors(f):
    with pytest.raises(ValueError, match="scores must be"):
        f(np.zeros((3, 4)), np.zeros(2, dtype=int))
    with pytest.raises(ValueError, match="labels must be in 0..3"):
        f(np.zeros((2, 4)), np.array([0, 4]))
    with pytest.raises(TypeError, match="integer"):
        f(np.zeros((2, 4)), np.array([0.0, 1.0]))


@pytest.mark.parametrize("f", LINEAR_LOSSES)
def test_linear_bad_shapes(f):
    W, X, y = _problem()
    with pytest.raises(ValueError, match="X must be"):
        f(W.T, X, y, 0.0)


def _bias_problem(seed=3, N=9, D=5, C=4):
    rng = np.random.default_rng(seed)
    X = np.hstack([rng.standard_normal((N, D - 1)), np.ones((N, 1))])
    return rng.standard_normal((D, C)), X, rng.integers(0, C, N)


@pytest.mark.parametrize("f", LINEAR_LOSSES)
def test_bias_row_false_is_the_default(f):
    W, X, y = _bias_problem()
    loss, dW = f(W, X, y, 0.7)
    loss_b, dW_b = f(W, X, y, 0.7, bias_row=False)
    assert loss == loss_b and np.array_equal(dW, dW_b)


@pytest.mark.parametrize("f, score_loss", list(zip(LINEAR_LOSSES, SCORE_LOSSES)))
def test_bias_row_leaves_the_last_row_out_of_the_penalty(f, score_loss):
    W, X, y = _bias_problem()
    reg = 0.7
    loss, dW = f(W, X, y, reg, bias_row=True)
    data_loss, dscores = score_loss(X @ W, y)
    assert loss == pytest.approx(data_loss + 0.5 * reg * np.sum(W[:-1] ** 2))
    np.testing.assert_allclose(dW[-1], (X.T @ dscores)[-1])
    np.testing.assert_allclose(dW[:-1], (X.T @ dscores)[:-1] + reg * W[:-1])
    num = numerical_gradient(lambda w: f(w, X, y, reg, bias_row=True)[0], W.copy())
    assert rel_error(num, dW) < 1e-6


@pytest.mark.parametrize("f", LINEAR_LOSSES)
def test_bias_row_needs_the_bias_trick(f):
    W, X, y = _bias_problem()
    with pytest.raises(ValueError, match="bias_row=True needs the bias trick: a last column of ones in X"):
        f(W, X * 2.0, y, 0.1, bias_row=True)
