"""Tests for course_utils.train (the loop, the history) and the linear classifier, predict and accuracy of models."""

import numpy as np
import pytest

from course_utils import data, models, optim, train
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
    model = models.LinearClassifier(5, 4, loss=loss, reg=0.3, weight_scale=1.0, seed=2)
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
        models.LinearClassifier(2, 3, loss="hinge")


@pytest.mark.parametrize("rule, hyper", [(optim.sgd, dict(lr=0.5)), (optim.sgd_momentum, dict(lr=0.1))])
def test_training_reduces_loss_and_history_shapes(rule, hyper, capsys):
    X, y = _blobs()
    (Xtr, ytr), (Xv, yv) = data.split(X, y, fractions=(0.75, 0.25), seed=0)
    model = models.LinearClassifier(2, 3, seed=0)
    h = train.train(
        model,
        Xtr,
        ytr,
        Xv,
        yv,
        rule=rule,
        hyper=hyper,
        num_epochs=5,
        batch_size=10,
        rng=np.random.default_rng(0),
        verbose=False,
    )
    assert capsys.readouterr().out == ""
    assert isinstance(h, train.History)
    assert h.iterations_per_epoch == 5  # 45 examples in batches of 10
    assert h.loss.shape == (25,)
    assert h.train_acc.shape == h.val_acc.shape == (6,)
    np.testing.assert_array_equal(h.epochs, np.arange(6))
    assert set(h.update_ratio) == {"W", "b"} and h.update_ratio["W"].shape == (25,)
    assert h.loss[-5:].mean() < 0.5 * h.loss[:3].mean()
    assert h.val_acc[-1] > 0.9 and not h.diverged
    assert models.accuracy(model, Xv, yv) == pytest.approx(h.val_acc[-1])


def test_training_is_reproducible_from_rng():
    X, y = _blobs()
    runs = []
    for _ in range(2):
        model = models.LinearClassifier(2, 3, seed=0)
        train.train(
            model, X, y, hyper=dict(lr=0.1), num_epochs=2, batch_size=7, rng=np.random.default_rng(5), verbose=False
        )
        runs.append(model.params["W"])
    np.testing.assert_array_equal(*runs)


def test_no_validation_and_lr_decay():
    X, y = _blobs()
    model = models.LinearClassifier(2, 3)
    hyper = dict(lr=0.1)
    h = train.train(
        model, X, y, hyper=hyper, num_epochs=3, lr_decay=0.5, batch_size=64, rng=np.random.default_rng(0), verbose=False
    )
    assert h.val_acc.shape == (0,) and h.train_acc.shape == (4,)
    assert hyper == dict(lr=0.1)  # the caller's dict is not changed
    r = h.update_ratio["W"]
    assert r.shape == (3,)


def test_divergence_stops_early():
    X, y = _blobs()
    model = models.LinearClassifier(2, 3, loss="softmax", weight_scale=1.0)
    with np.errstate(all="ignore"):
        h = train.train(
            model,
            X * 1e3,
            y,
            hyper=dict(lr=1e200),
            num_epochs=5,
            batch_size=10,
            rng=np.random.default_rng(0),
            verbose=False,
        )
    assert h.diverged and len(h.loss) < 30 and not np.isfinite(h.loss[-1])


def test_progress_bar(capsys):
    X, y = _blobs()
    train.train(
        models.LinearClassifier(2, 3),
        X,
        y,
        X,
        y,
        hyper=dict(lr=0.1),
        num_epochs=2,
        rng=np.random.default_rng(0),
        verbose=True,
    )
    captured = capsys.readouterr()
    assert captured.out == ""
    last = captured.err.rstrip("\n").split("\r")[-1]
    assert "training: 100%" in last and "2/2" in last and "val acc" in last and "loss" in last


def test_lr_decay_decays_the_rules_default_lr_when_hyper_has_none():
    X, y = _blobs()
    runs = {}
    for hyper in ({}, {"lr": 1e-2}):  # 1e-2 is optim.sgd's default lr
        model = models.LinearClassifier(2, 3, seed=0)
        h = train.train(
            model,
            X,
            y,
            hyper=hyper,
            num_epochs=3,
            lr_decay=0.1,
            batch_size=64,
            rng=np.random.default_rng(0),
            verbose=False,
        )
        runs[len(hyper)] = h.update_ratio["W"]
    np.testing.assert_allclose(runs[0], runs[1])
    model = models.LinearClassifier(2, 3, seed=0)
    h = train.train(model, X, y, num_epochs=3, batch_size=64, rng=np.random.default_rng(0), verbose=False)
    assert not np.allclose(h.update_ratio["W"], runs[0])  # without decay the steps stay large


def test_lr_decay_without_any_learning_rate_is_refused():
    X, y = _blobs()

    def rule(w, dw, state=None, *, step):
        return w - step * dw, state

    with pytest.raises(ValueError, match="lr_decay needs a learning rate"):
        train.train(
            models.LinearClassifier(2, 3),
            X,
            y,
            rule=rule,
            hyper=dict(step=0.1),
            lr_decay=0.5,
            rng=np.random.default_rng(0),
            verbose=False,
        )


def test_accuracy_is_measured_in_test_mode():
    class Probe(models.LinearClassifier):
        modes: list = []

        def scores(self, X, *, train=False):
            self.modes.append(train)
            return super().scores(X, train=train)

    X, y = _blobs()
    model = Probe(2, 3)
    train.train(model, X, y, X, y, hyper=dict(lr=0.1), num_epochs=2, rng=np.random.default_rng(0), verbose=False)
    assert model.modes and not any(model.modes)


def test_train_depends_on_models_and_never_the_reverse():
    import ast
    import inspect

    def imported(module):
        tree = ast.parse(inspect.getsource(module))
        return {a.name for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) for a in n.names} | {
            n.module.rsplit(".", 1)[-1] for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) and n.module
        }

    assert "train" not in imported(models)
    assert "models" in imported(train) or "accuracy" in imported(train)


def test_model_params_replaced_not_mutated():
    X, y = _blobs()
    model = models.LinearClassifier(2, 3)
    W0 = model.params["W"]
    W0_copy = W0.copy()
    train.train(model, X, y, hyper=dict(lr=0.1), num_epochs=1, rng=np.random.default_rng(0), verbose=False)
    np.testing.assert_array_equal(W0, W0_copy)
    assert model.params["W"] is not W0


def test_predict_and_accuracy():
    model = models.LinearClassifier(2, 3)
    model.params["W"] = np.array([[1.0, 0.0, -1.0], [0.0, 1.0, 0.0]])
    X = np.array([[1.0, 0.0], [0.0, 1.0], [-1.0, -0.5]])
    np.testing.assert_array_equal(models.predict(model, X, batch_size=2), [0, 1, 2])
    assert models.accuracy(model, X, np.array([0, 1, 1])) == pytest.approx(2 / 3)
    with pytest.raises(ValueError, match="examples"):
        models.accuracy(model, X, np.array([0, 1]))


@pytest.mark.parametrize(
    "kwargs, match",
    [
        (dict(X_val=np.zeros((2, 2))), "both"),
        (dict(batch_size=0), "batch_size"),
    ],
)
def test_bad_arguments(kwargs, match):
    X, y = _blobs()
    with pytest.raises(ValueError, match=match):
        train.train(models.LinearClassifier(2, 3), X, y, rng=np.random.default_rng(0), verbose=False, **kwargs)


def test_digits_reach_90_percent():
    X, y = data.load_digits()
    (Xtr, ytr), (Xte, yte) = data.split(X / 16, y, fractions=(0.8, 0.2), seed=0)
    Xtr, Xte = data.subtract_mean(Xtr, Xte)
    model = models.LinearClassifier(64, 10, reg=1e-3)
    train.train(
        model, Xtr, ytr, hyper=dict(lr=0.5), num_epochs=10, batch_size=50, rng=np.random.default_rng(0), verbose=False
    )
    assert models.accuracy(model, Xte, yte) > 0.9


def test_training_a_batchnorm_net_keeps_running_averages_and_measures_in_test_mode():
    X, y = _blobs(90)
    net = models.FullyConnectedNet([8], 2, 3, normalization="batchnorm", p_drop=0.2, weight_scale=0.5, seed=0)
    start = net.running[1].mean.copy()
    h = train.train(
        net, X, y, X, y, hyper=dict(lr=0.2), num_epochs=4, batch_size=15, rng=np.random.default_rng(0), verbose=False
    )
    assert not np.allclose(net.running[1].mean, start)
    assert h.val_acc[-1] == pytest.approx(models.accuracy(net, X, y))  # deterministic test mode
    assert models.accuracy(net, X, y) == models.accuracy(net, X, y)
    assert h.val_acc[-1] > 0.9


def test_schedule_sets_the_learning_rate_of_every_iteration_and_polyak_averages():
    X, y = _blobs()
    model = models.LinearClassifier(2, 3, seed=0)
    h = train.train(
        model,
        X,
        y,
        hyper=dict(lr=9.0),
        schedule=optim.step_schedule(0.4, drop=0.5, every=3),
        num_epochs=2,
        batch_size=20,
        polyak=0.5,
        rng=np.random.default_rng(0),
        verbose=False,
    )
    np.testing.assert_allclose(h.lr, [0.4, 0.4, 0.4, 0.2, 0.2, 0.2])
    assert set(h.average) == {"W", "b"}
    assert not np.allclose(h.average["W"], model.params["W"])
    with pytest.raises(ValueError, match="either schedule or lr_decay"):
        train.train(model, X, y, schedule=optim.step_schedule(0.1), lr_decay=0.5, rng=np.random.default_rng(0))
    with pytest.raises(ValueError, match="polyak"):
        train.train(model, X, y, polyak=1.0, rng=np.random.default_rng(0))
