"""models.FullyConnectedNet: shapes, gradients, dtype, seeding, regularization, clear errors."""

import copy

import numpy as np
import pytest

import course_utils as cu
from course_utils.gradcheck import numerical_gradient, rel_error
from course_utils.models import FullyConnectedNet


def _net(hidden_dims, *, reg=0.0, seed=0, dtype=np.float64, D=6, C=4, activation="relu"):
    """A net with large enough weights and non-zero biases that every gradient path matters."""
    net = FullyConnectedNet(hidden_dims, D, C, reg=reg, weight_scale=0.5, seed=seed, dtype=dtype, activation=activation)
    rng = np.random.default_rng(100 + seed)
    for k in net.params:
        if k.startswith("b"):
            net.params[k] = (0.3 * rng.standard_normal(net.params[k].shape)).astype(dtype)
    return net


def _data(N=7, D=6, C=4, seed=1):
    rng = np.random.default_rng(seed)
    return rng.standard_normal((N, D)), rng.integers(0, C, N)


@pytest.mark.parametrize("hidden_dims", [[], [5], [5, 3]])
def test_param_shapes_and_names(hidden_dims):
    net = FullyConnectedNet(hidden_dims, 6, 4)
    dims = [6, *hidden_dims, 4]
    assert net.num_layers == len(hidden_dims) + 1
    assert list(net.params) == [f"{p}{i}" for i in range(1, len(dims)) for p in ("W", "b")]
    for i in range(1, len(dims)):
        assert net.params[f"W{i}"].shape == (dims[i - 1], dims[i])
        assert net.params[f"b{i}"].shape == (dims[i],) and not net.params[f"b{i}"].any()


@pytest.mark.parametrize("hidden_dims", [[], [5], [5, 3]])
@pytest.mark.parametrize("reg", [0.0, 0.7])
@pytest.mark.parametrize("activation", ["relu", "sigmoid", "tanh", "leaky_relu", "elu"])
def test_gradients_match_numerical(hidden_dims, reg, activation):
    net = _net(hidden_dims, reg=reg, activation=activation)
    X, y = _data()
    loss, grads = net.loss(X, y)
    assert set(grads) == set(net.params)
    for name, p in net.params.items():
        num = numerical_gradient(lambda _: net.loss(X, y)[0], p)
        assert grads[name].shape == p.shape
        assert rel_error(grads[name], num) < 1e-6, name


def test_scores_without_labels():
    net = _net([5])
    X, _ = _data()
    scores = net.scores(X)
    assert scores.shape == (7, 4) and scores.dtype == np.float64
    assert np.array_equal(net.predict(X), np.argmax(scores, axis=1))
    np.testing.assert_array_equal(net.loss(X), scores)  # loss(X) without labels: test-mode scores
    np.testing.assert_array_equal(net.scores(X, train=True), scores)  # no train-only layers yet


def test_mode_is_explicit_in_every_forward_walk(monkeypatch):
    net = _net([5, 4])
    X, y = _data()
    seen = []
    train_walk, test_walk = FullyConnectedNet._forward_train, FullyConnectedNet._forward_test

    def train_spy(self, X, rng):
        seen.append(("train", None))
        return train_walk(self, X, rng)

    def test_spy(self, X, upto=None):
        seen.append(("test", upto))
        return test_walk(self, X, upto)

    monkeypatch.setattr(FullyConnectedNet, "_forward_train", train_spy)
    monkeypatch.setattr(FullyConnectedNet, "_forward_test", test_spy)
    net.loss(X, y)
    net.loss(X)
    net.scores(X)
    net.scores(X, train=True)
    net.predict(X)
    net.hidden(X, layer=2)
    assert seen == [("train", None), ("test", None), ("test", None), ("train", None), ("test", None), ("test", 2)]


def test_images_are_flattened():
    net = _net([5], D=12)
    rng = np.random.default_rng(2)
    X = rng.standard_normal((3, 3, 4))
    assert np.allclose(net.loss(X), net.loss(X.reshape(3, 12)))


def test_initial_loss_is_log_C_with_small_weights():
    net = FullyConnectedNet([50, 50], 6, 10, weight_scale=1e-3)
    X, y = _data(N=50, C=10)
    assert abs(net.loss(X, y)[0] - np.log(10)) < 1e-3


def test_regularization_on_weights_only():
    X, y = _data()
    plain, regd = _net([5, 3], reg=0.0), _net([5, 3], reg=0.4)
    loss0, g0 = plain.loss(X, y)
    loss1, g1 = regd.loss(X, y)
    weights = [regd.params[k] for k in regd.params if k.startswith("W")]
    assert np.isclose(loss1 - loss0, 0.5 * 0.4 * sum(np.sum(W**2) for W in weights))
    for k, p in regd.params.items():
        extra = 0.4 * p if k.startswith("W") else np.zeros_like(p)
        assert np.allclose(g1[k] - g0[k], extra), k


def test_dtype_is_honoured():
    net = _net([5], dtype=np.float32)
    X, y = _data()
    assert all(p.dtype == np.float32 for p in net.params.values())
    assert net.loss(X).dtype == np.float32
    loss, grads = net.loss(X, y)
    assert isinstance(loss, float) and all(g.dtype == np.float32 for g in grads.values())
    assert net.hidden(X).dtype == np.float32


def test_seed_determinism():
    a, b, c = (FullyConnectedNet([8], 5, 3, seed=s) for s in (3, 3, 4))
    for k in a.params:
        assert np.array_equal(a.params[k], b.params[k])
    assert not np.array_equal(a.params["W1"], c.params["W1"])


def test_weights_are_weight_scale_times_standard_normal():
    net = FullyConnectedNet([100], 200, 10, weight_scale=0.05, seed=7)
    rng = np.random.default_rng(7)
    assert np.allclose(net.params["W1"], 0.05 * rng.standard_normal((200, 100)))
    assert np.allclose(net.params["W2"], 0.05 * rng.standard_normal((100, 10)))


def test_loss_never_modifies_inputs_or_params():
    net = _net([5, 3], reg=0.1)
    X, y = _data()
    before = copy.deepcopy((X, y, net.params))
    net.loss(X, y)
    assert np.array_equal(X, before[0]) and np.array_equal(y, before[1])
    for k in net.params:
        assert np.array_equal(net.params[k], before[2][k])


def test_hidden_activations():
    net = _net([5, 3])
    X, _ = _data()
    h1 = net.hidden(X)
    assert h1.shape == (7, 5) and (h1 >= 0).all()
    assert net.hidden(X, layer=2).shape == (7, 3)
    with pytest.raises(ValueError, match="layer must be in 1..2"):
        net.hidden(X, layer=3)


def test_trains_on_the_spiral():
    X, y = cu.data.make_spiral()
    net = FullyConnectedNet([100], 2, 3, reg=1e-3, weight_scale=0.1, seed=0)
    cu.train.train(
        net,
        X,
        y,
        rule=cu.optim.sgd_momentum,
        hyper=dict(lr=0.3, momentum=0.9),
        num_epochs=200,
        batch_size=100,
        rng=np.random.default_rng(0),
        verbose=False,
    )
    assert cu.models.accuracy(net, X, y) > 0.95


@pytest.mark.parametrize(
    "kwargs, error, match",
    [
        (dict(hidden_dims=100), TypeError, "list of layer sizes"),
        (dict(hidden_dims="100"), TypeError, "list of layer sizes"),
        (dict(hidden_dims=[10, 0]), ValueError, "hidden size must be an integer >= 1"),
        (dict(hidden_dims=[10.5]), ValueError, "hidden size"),
        (dict(input_dim=0), ValueError, "input_dim must be an integer >= 1"),
        (dict(num_classes=1), ValueError, "num_classes must be an integer >= 2"),
        (dict(activation="softplus"), ValueError, "unknown activation 'softplus'"),
        (dict(normalization="layernorm"), ValueError, "unknown normalization"),
        (dict(p_drop=1.0), ValueError, r"p_drop must be in \[0, 1\)"),
        (dict(reg=-1.0), ValueError, "reg must be a number >= 0"),
        (dict(weight_scale=0.0), ValueError, "weight_scale must be a number > 0"),
        (dict(dtype=np.int64), TypeError, "floating dtype"),
        (dict(dtype="nonsense"), TypeError, "dtype"),
    ],
)
def test_clear_errors(kwargs, error, match):
    args = dict(hidden_dims=[10], input_dim=4, num_classes=3) | kwargs
    hidden_dims = args.pop("hidden_dims")
    input_dim, num_classes = args.pop("input_dim"), args.pop("num_classes")
    with pytest.raises(error, match=match):
        FullyConnectedNet(hidden_dims, input_dim, num_classes, **args)


def test_accepts_tuples_and_numpy_sizes():
    net = FullyConnectedNet((np.int64(4), 3), np.int64(5), 2)
    assert net.params["W1"].shape == (5, 4) and net.params["W2"].shape == (4, 3)


def test_bad_inputs_to_loss():
    net = _net([5])
    X, y = _data()
    with pytest.raises(ValueError, match="6 values per example"):
        net.loss(X[:, :5])
    with pytest.raises(ValueError, match="y must have shape"):
        net.loss(X, y[:-1])


# ---- batchnorm and dropout (notebooks 06 and 07) ----


@pytest.mark.parametrize("normalization, p_drop", [("batchnorm", 0.0), (None, 0.4), ("batchnorm", 0.3)])
@pytest.mark.parametrize("reg", [0.0, 0.6])
def test_gradients_with_batchnorm_and_dropout_match_numerical(normalization, p_drop, reg):
    net = FullyConnectedNet(
        [5, 4], 6, 3, normalization=normalization, p_drop=p_drop, reg=reg, weight_scale=0.5, activation="tanh", seed=3
    )
    rng = np.random.default_rng(8)
    for k in net.params:
        if k.startswith(("b", "beta", "gamma")):
            net.params[k] = net.params[k] + 0.3 * rng.standard_normal(net.params[k].shape)
    X, y = rng.standard_normal((9, 6)), rng.integers(0, 3, 9)

    def f(_):  # the same dropout masks on every call
        return net.loss(X, y, rng=np.random.default_rng(0))[0]

    _, grads = net.loss(X, y, rng=np.random.default_rng(0))
    assert set(grads) == set(net.params)
    if normalization:
        assert {"gamma1", "beta1", "gamma2", "beta2"} <= set(grads)
    for name, p in net.params.items():
        num = numerical_gradient(f, p)
        # a bias just before batchnorm has no effect at all (the batch mean takes it out): both ~0
        negligible = max(np.abs(num).max(), np.abs(grads[name]).max()) < 1e-9
        assert negligible or rel_error(grads[name], num) < 1e-6, name
    if normalization:
        assert np.abs(grads["b1"]).max() < 1e-12


def test_gamma_and_beta_are_not_regularized():
    net = FullyConnectedNet([4], 5, 3, normalization="batchnorm", reg=10.0, seed=1)
    net.params["gamma1"] = net.params["gamma1"] * 3.0
    X, y = np.random.default_rng(0).standard_normal((6, 5)), np.array([0, 1, 2, 0, 1, 2])
    loss_a, _ = net.loss(X, y)
    net.params["gamma1"] = net.params["gamma1"] * 2.0  # doubles gamma; the penalty must not see it
    net.params["W2"] = net.params["W2"] / 2.0  # (and keeps the scores as they were)
    loss_b, _ = net.loss(X, y)
    w_penalty = lambda W1, W2: 0.5 * 10.0 * (np.sum(W1**2) + np.sum(W2**2))
    assert loss_b - loss_a == pytest.approx(
        w_penalty(net.params["W1"], net.params["W2"]) - w_penalty(net.params["W1"], 2 * net.params["W2"])
    )


def test_train_mode_updates_running_averages_and_test_mode_is_deterministic():
    net = FullyConnectedNet([4, 3], 5, 2, normalization="batchnorm", p_drop=0.5, seed=0)
    X, y = np.random.default_rng(1).standard_normal((20, 5)) + 3.0, np.arange(20) % 2
    before = {i: r.mean.copy() for i, r in net.running.items()}
    s1 = net.scores(X)
    s2 = net.scores(X)
    np.testing.assert_array_equal(s1, s2)  # test mode: no masks, no batch statistics
    np.testing.assert_array_equal(net.running[1].mean, before[1])  # and nothing changed
    net.loss(X, y)
    assert not np.allclose(net.running[1].mean, before[1])
    t1, t2 = net.scores(X, train=True), net.scores(X, train=True)
    assert not np.allclose(t1, t2)  # train mode draws new masks from the net's own generator
    np.testing.assert_array_equal(net.scores(X), net.scores(X))


def test_dropout_masks_come_from_the_nets_own_generator():
    X, y = np.random.default_rng(1).standard_normal((8, 5)), np.arange(8) % 2
    losses = []
    for _ in range(2):
        net = FullyConnectedNet([6], 5, 2, p_drop=0.5, seed=4)
        np.random.seed(123 + len(losses))  # the global generator must not matter
        losses.append(net.loss(X, y)[0])
    assert losses[0] == losses[1]
