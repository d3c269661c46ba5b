"""Tests for course_utils.train: the loop, the history, LinearClassifier, predict/accuracy."""
import numpy as np
import pytest

from course_utils import data, optim, train
from course_utils.gradcheck import numerical_gradient, rel_error


def _blobs(n=60, seed=0):
    rng = np.random.default_rng(seed)
    centers = np.array([[2.0, 0.0], [-2.0, 0.0], [0.0, 2.5]])
    y = np.repeat(np.arange(3), n // 3)
    return centers[y] + 0.5 * rng.standard_normal((len(y), 2)), y


@pytest.mark.parametrize("loss", ["softmax", "svm"])
def test_linear_classifier_gradients(loss):
    rng = np.random.default_rng(1)
    X, y = rng.standard_normal((7, 5)), rng.integers(0, 4, 7)
    model = train.LinearClassifier(5, 4, loss=loss, reg=0.3, weight_scale=1.0, seed=2)
    model.params["b"] = rng.standard_normal(4)
    _, grads = model.loss(X, y)
    for name in ("W", "b"):
        def f(p, name=name):
            return model.loss(X, y)[0]
        num = numerical_gradient(f, model.params[name])
        assert rel_error(num, grads[name]) < 1e-7
    assert model.loss(X).shape == (7, 4)


def test_linear_classifier_bad_loss():
    with pytest.raises(ValueError, match="'softmax' or 'svm'"):
        train.LinearClassifier(2, 3, loss="hinge")


@pytest.mark.parametrize("rule, hyper", [(optim.sgd, dict(lr=0.5)), (optim.sgd_momentum, dict(lr=0.1))])
def test_training_reduces_loss_and_history_shapes(rule, hyper, capsys):
    X, y = _blobs()
    (Xtr, ytr), (Xv, yv) = data.split(X, y, fractions=(0.75, 0.25), seed=0)
    model = train.LinearClassifier(2, 3, seed=0)
    h = train.train(model, Xtr, ytr, Xv, yv, rule=rule, hyper=hyper, num_epochs=5, batch_size=10,
                    rng=np.random.default_rng(0), verbose=False)
    assert capsys.readouterr().out == ""
    assert isinstance(h, train.History)
    assert h.iterations_per_epoch == 5  # 45 examples in batches of 10
    assert h.loss.shape == (25,)
    assert h.train_acc.shape == h.val_acc.shape == (6,)
    np.testing.assert_array_equal(h.epochs, np.arange(6))
    assert set(h.update_ratio) == {"W", "b"} and h.update_ratio["W"].shape == (25,)
    assert h.loss[-5:].mean() < 0.5 * h.loss[:3].mean()
    assert h.val_acc[-1] > 0.9 and not h.diverged
    assert train.accuracy(model, Xv, yv) == pytest.approx(h.val_acc[-1])


def test_training_is_reproducible_from_rng():
    X, y = _blobs()
    runs = []
    for _ in range(2):
        model = train.LinearClassifier(2, 3, seed=0)
        train.train(model, X, y, hyper=dict(lr=0.1), num_epochs=2, batch_size=7,
                    rng=np.random.default_rng(5), verbose=False)
        runs.append(model.params["W"])
    np.testing.assert_array_equal(*runs)


def test_no_validation_and_lr_decay():
    X, y = _blobs()
    model = train.LinearClassifier(2, 3)
    hyper = dict(lr=0.1)
    h = train.train(model, X, y, hyper=hyper, num_epochs=3, lr_decay=0.5, batch_size=64,
                    rng=np.random.default_rng(0), verbose=False)
    assert h.val_acc.shape == (0,) and h.train_acc.shape == (4,)
    assert hyper == dict(lr=0.1)  # the caller's dict is not changed
    r = h.update_ratio["W"]
    assert r.shape == (3,)


def test_divergence_stops_early():
    X, y = _blobs()
    model = train.LinearClassifier(2, 3, loss="softmax", weight_scale=1.0)
    with np.errstate(all="ignore"):
        h = train.train(model, X * 1e3, y, hyper=dict(lr=1e200), num_epochs=5, batch_size=10,
                        rng=np.random.default_rng(0), verbose=False)
    assert h.diverged and len(h.loss) < 30 and not np.isfinite(h.loss[-1])


def test_progress_line(capsys):
    X, y = _blobs()
    train.train(train.LinearClassifier(2, 3), X, y, X, y, hyper=dict(lr=0.1), num_epochs=2,
                rng=np.random.default_rng(0), verbose=True)
    out = capsys.readouterr().out
    assert out.startswith("\r[") and out.endswith("\n") and out.count("\n") == 1
    assert "epoch 2/2" in out and "val acc" in out and "loss" in out


def test_model_params_replaced_not_mutated():
    X, y = _blobs()
    model = train.LinearClassifier(2, 3)
    W0 = model.params["W"]
    W0_copy = W0.copy()
    train.train(model, X, y, hyper=dict(lr=0.1), num_epochs=1, rng=np.random.default_rng(0), verbose=False)
    np.testing.assert_array_equal(W0, W0_copy)
    assert model.params["W"] is not W0


def test_predict_and_accuracy():
    model = train.LinearClassifier(2, 3)
    model.params["W"] = np.array([[1.0, 0.0, -1.0], [0.0, 1.0, 0.0]])
    X = np.array([[1.0, 0.0], [0.0, 1.0], [-1.0, -0.5]])
    np.testing.assert_array_equal(train.predict(model, X, batch_size=2), [0, 1, 2])
    assert train.accuracy(model, X, np.array([0, 1, 1])) == pytest.approx(2 / 3)
    with pytest.raises(ValueError, match="examples"):
        train.accuracy(model, X, np.array([0, 1]))


@pytest.mark.parametrize("kwargs, match", [
    (dict(X_val=np.zeros((2, 2))), "both"), (dict(batch_size=0), "batch_size"),
])
def test_bad_arguments(kwargs, match):
    X, y = _blobs()
    with pytest.raises(ValueError, match=match):
        train.train(train.LinearClassifier(2, 3), X, y, rng=np.random.default_rng(0), verbose=False, **kwargs)


def test_digits_reach_90_percent():
    X, y = data.load_digits()
    (Xtr, ytr), (Xte, yte) = data.split(X / 16, y, fractions=(0.8, 0.2), seed=0)
    Xtr, Xte = data.subtract_mean(Xtr, Xte)
    model = train.LinearClassifier(64, 10, reg=1e-3)
    train.train(model, Xtr, ytr, hyper=dict(lr=0.5), num_epochs=10, batch_size=50,
                rng=np.random.default_rng(0), verbose=False)
    assert train.accuracy(model, Xte, yte) > 0.9
