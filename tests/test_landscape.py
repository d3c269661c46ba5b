"""Tests for notebook 02's compute functions: minibatch_sgd, linear_predict and course_utils.landscape."""

import numpy as np
import pytest

import course_utils as cu
from course_utils import landscape
from course_utils.losses import linear_softmax_loss, linear_svm_loss


def _blobs(seed=0, n=60, C=3, D=4):
    """C well separated classes in D dimensions (the same centres for every seed), with the bias column."""
    centres = 4 * np.random.default_rng(100).standard_normal((C, D - 1))
    rng = np.random.default_rng(seed)
    y = np.arange(n) % C
    X = centres[y] + rng.standard_normal((n, D - 1))
    return np.hstack([X, np.ones((n, 1))]), y


def test_minibatch_sgd_follows_the_four_steps():
    X, y = _blobs()
    W0 = 0.01 * np.random.default_rng(1).standard_normal((4, 3))
    keep = W0.copy()
    W, history = cu.train.minibatch_sgd(linear_softmax_loss, W0, X, y, 0.1, 1e-3, 30, 8, np.random.default_rng(2))
    assert np.array_equal(W0, keep) and W.shape == (4, 3) and history.shape == (30,)
    # the same loop written out: same batches from the same seed, same numbers
    rng, W_hand = np.random.default_rng(2), W0.copy()
    for t in range(30):
        idx = rng.choice(len(X), 8)
        loss, dW = linear_softmax_loss(W_hand, X[idx], y[idx], 1e-3)
        assert history[t] == loss
        W_hand = W_hand - 0.1 * dW
    np.testing.assert_allclose(W, W_hand, rtol=1e-12)
    assert history[-5:].mean() < 0.5 * history[:5].mean()
    assert cu.models.linear_predict(W, X).tolist() == np.argmax(X @ W, axis=1).tolist()
    assert np.mean(cu.models.linear_predict(W, X) == y) > 0.9


def test_linear_predict_agrees_with_the_linear_classifier():
    X, y = _blobs(seed=3)
    model = cu.models.LinearClassifier(4, 3, seed=0)
    assert np.array_equal(cu.models.linear_predict(model.params["W"], X), cu.models.predict(model, X))


def test_along_line_loss_at_zero_and_flat_accuracy():
    X, y = _blobs(seed=4)
    rng = np.random.default_rng(5)
    W, direction = rng.standard_normal((4, 3)), rng.standard_normal((4, 3))
    ts = np.linspace(-1, 1, 201)
    losses, accs = landscape.along_line(linear_svm_loss, W, direction, X, y, ts, reg=0.1)
    assert losses.shape == accs.shape == (201,)
    assert losses[100] == pytest.approx(linear_svm_loss(W, X, y, 0.1)[0])
    assert set(np.round(accs * len(y))) <= set(range(len(y) + 1))  # a count of right answers
    assert np.sum(np.diff(accs) != 0) < 0.5 * len(ts)  # flat between most neighbouring points
    assert np.all(np.diff(losses) != 0)  # the loss moves everywhere
    with pytest.raises(ValueError, match="same shape"):
        landscape.along_line(linear_svm_loss, W, direction[:2], X, y, ts)


def test_the_three_strategies_keep_their_promises():
    X, y = _blobs(seed=6)
    W0 = 1e-3 * np.random.default_rng(0).standard_normal((4, 3))
    rs = landscape.random_search(linear_svm_loss, (4, 3), X, y, num_evals=50, scale=0.1, rng=np.random.default_rng(1))
    ls = landscape.random_local_search(linear_svm_loss, W0, X, y, num_evals=50, step=0.1, rng=np.random.default_rng(1))
    gd = landscape.gradient_descent(linear_svm_loss, W0, X, y, num_evals=50, lr=0.05)
    for run in (rs, ls, gd):
        assert run.losses.shape == (50,) and run.W.shape == (4, 3)
    assert np.all(np.diff(rs.losses) <= 0) and np.all(np.diff(ls.losses) <= 0)
    assert rs.losses[-1] == pytest.approx(linear_svm_loss(rs.W, X, y, 0.0)[0])
    assert ls.losses[-1] == pytest.approx(linear_svm_loss(ls.W, X, y, 0.0)[0])
    assert gd.losses[-1] == pytest.approx(linear_svm_loss(gd.W, X, y, 0.0)[0])  # the last W evaluated
    assert gd.losses[-1] < ls.losses[-1] < rs.losses[0]
    np.testing.assert_array_equal(W0, 1e-3 * np.random.default_rng(0).standard_normal((4, 3)))  # not modified
    with pytest.raises(ValueError, match="num_evals must be at least 1"):
        landscape.gradient_descent(linear_svm_loss, W0, X, y, num_evals=0, lr=0.1)


def test_compare_strategies_chooses_on_training_loss_and_reports_validation():
    X, y = _blobs(seed=7, n=90)
    Xv, yv = _blobs(seed=8, n=45)
    steps = {"random search": (0.01, 1.0), "random local search": (0.01, 0.3), "gradient descent": (1e-3, 0.1)}
    res = landscape.compare_strategies(linear_svm_loss, X, y, Xv, yv, steps=steps, num_evals=40, seeds=(0, 1))
    assert list(res) == list(steps)
    for name, r in res.items():
        assert r.losses.shape == (2, 40) and r.val_acc.shape == (2,)
        assert r.step == min(r.tried, key=r.tried.get) and set(r.tried) == set(steps[name])
        assert r.losses[0, -1] == pytest.approx(r.tried[r.step])
    assert res["gradient descent"].step == 0.1 and res["gradient descent"].val_acc.min() > 0.9
    with pytest.raises(ValueError, match="unknown strategies"):
        landscape.compare_strategies(linear_svm_loss, X, y, Xv, yv, steps={"hill climbing": (1.0,)}, num_evals=5)
