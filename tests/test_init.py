"""init: the initializers, and forward and backward statistics of deep nets (notebooks 04, 05)."""

import numpy as np
import pytest

from course_utils import init, layers
from course_utils.models import FullyConnectedNet


@pytest.mark.parametrize(
    "name, fan_in, expected",
    [
        ("small", 500, 0.01),
        ("large", 500, 1.0),
        ("xavier", 400, 0.05),
        ("he", 200, 0.1),
        (0.3, 7, 0.3),
    ],
)
def test_scale(name, fan_in, expected):
    assert init.scale(name, fan_in) == pytest.approx(expected)
    assert init.scale(name, fan_in, 3) == pytest.approx(expected)  # fan_out changes none of these


def test_glorot_averages_the_fans_and_agrees_with_xavier_on_square_layers():
    assert init.scale("glorot", 300, 100) == pytest.approx(np.sqrt(2 / 400)) == pytest.approx(0.0707, abs=1e-4)
    assert init.scale("glorot", 500, 500) == pytest.approx(init.scale("xavier", 500))
    weights = init.init_weights([6, 2], init="glorot", rng=np.random.default_rng(1))
    np.testing.assert_allclose(weights[0], np.random.default_rng(1).standard_normal((6, 2)) / 2, rtol=1e-15)


@pytest.mark.parametrize(
    "bad, match",
    [("lecun", "unknown init 'lecun'"), (0.0, "must be > 0"), (-1, "> 0"), ("glorot", "needs the layer's fan_out")],
)
def test_scale_refuses_what_it_does_not_know(bad, match):
    with pytest.raises(ValueError, match=match):
        init.scale(bad, 10)


def test_init_weights_follow_the_contract():
    weights = init.init_weights([6, 5, 4], init="xavier", rng=np.random.default_rng(1))
    rng = np.random.default_rng(1)
    np.testing.assert_allclose(weights[0], rng.standard_normal((6, 5)) / np.sqrt(6), rtol=1e-15)
    np.testing.assert_allclose(weights[1], rng.standard_normal((5, 4)) / np.sqrt(5), rtol=1e-15)


def test_forward_stats_is_the_mean_and_std_of_each_layer():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((50, 8))
    stats = init.forward_stats(X, [7, 6], init="he", activation="relu", rng=np.random.default_rng(2))
    w = init.init_weights([8, 7, 6], init="he", rng=np.random.default_rng(2))
    h1 = np.maximum(X @ w[0], 0)
    h2 = np.maximum(h1 @ w[1], 0)
    np.testing.assert_allclose(stats, [(h1.mean(), h1.std()), (h2.mean(), h2.std())])


def test_the_lectures_tanh_experiment():
    X = np.random.default_rng(0).standard_normal((1000, 500))
    small = init.forward_stats(X, [500] * 10, init="small", rng=np.random.default_rng(0))
    xavier = init.forward_stats(X, [500] * 10, init="xavier", rng=np.random.default_rng(0))
    large = init.forward_stats(X, [500] * 10, init="large", rng=np.random.default_rng(0))
    np.testing.assert_allclose([s for _, s in small[:3]], [0.21, 0.048, 0.011], rtol=0.05)
    assert small[-1][1] < 1e-6
    np.testing.assert_allclose([s for _, s in xavier[:3]], [0.63, 0.49, 0.41], rtol=0.03)
    assert 0.2 < xavier[-1][1] < 0.25
    assert all(s > 0.97 for _, s in large)


def test_gradient_stats_match_a_loop_through_the_layers():
    rng = np.random.default_rng(4)
    X = rng.standard_normal((20, 6))
    stats = init.gradient_stats(X, [5, 4], init="xavier", activation="tanh", rng=np.random.default_rng(3))
    r = np.random.default_rng(3)
    w1, w2 = init.init_weights([6, 5, 4], init="xavier", rng=r)
    h1 = np.tanh(X @ w1)
    h2 = np.tanh(h1 @ w2)
    dh2 = r.standard_normal(h2.shape)
    da2 = dh2 * (1 - h2**2)
    dh1 = da2 @ w2.T
    da1 = dh1 * (1 - h1**2)
    np.testing.assert_allclose(stats, [(dh1.std(), (X.T @ da1).std()), (dh2.std(), (h1.T @ da2).std())])


def test_deep_experiment_is_forward_and_gradient_stats_per_seed():
    exp = init.deep_experiment([6, 5, 4], init="he", activation="relu", num_examples=20, seeds=(3, 4))
    assert exp.forward.shape == exp.backward.shape == (2, 3, 2)
    for s, seed in enumerate((3, 4)):
        rng = np.random.default_rng(seed)
        X = rng.standard_normal((20, 6))
        np.testing.assert_allclose(
            exp.backward[s], init.gradient_stats(X, [6, 5, 4], init="he", activation="relu", rng=rng)
        )
        rng = np.random.default_rng(seed)
        X = rng.standard_normal((20, 6))
        np.testing.assert_allclose(
            exp.forward[s], init.forward_stats(X, [6, 5, 4], init="he", activation="relu", rng=rng)
        )
    assert [h.shape for h in exp.activations] == [(20, 6), (20, 5), (20, 4)]
    with pytest.raises(ValueError, match="seeds is empty"):
        init.deep_experiment([3], init="he", seeds=())


def test_deep_experiments_give_each_config_what_its_own_draws_give_bitwise():
    configs = [("small", "tanh"), ("glorot", "tanh"), ("he", "relu"), (0.3, "relu")]
    exps = init.deep_experiments([5, 4, 3], configs, num_examples=7, input_dim=6, seeds=(1, 2))
    assert list(exps) == ["small / tanh", "glorot / tanh", "he / relu", "0.3 / relu"]
    for (ini, act), exp in zip(configs, exps.values()):
        for s, seed in enumerate((1, 2)):
            rng = np.random.default_rng(seed)
            X = rng.standard_normal((7, 6))
            run = init.forward_pass(X, [5, 4, 3], init=ini, activation=act, rng=rng)
            assert np.array_equal(exp.forward[s], [(h.mean(), h.std()) for h in run.activations])
            assert np.array_equal(exp.backward[s], init.backward_stats(run, rng=rng))
            if s == 0:
                assert all(np.array_equal(a, b) for a, b in zip(exp.activations, run.activations, strict=True))
        single = init.deep_experiment([5, 4, 3], init=ini, activation=act, num_examples=7, input_dim=6, seeds=(1, 2))
        assert np.array_equal(single.forward, exp.forward) and np.array_equal(single.backward, exp.backward)
    with pytest.raises(ValueError, match="unknown activation"):
        init.deep_experiments([3], [("he", "nope")])
    with pytest.raises(ValueError, match="appears twice"):
        init.deep_experiments([3], [("he", "relu"), ("he", "relu")])


def test_gradient_norms_are_the_norms_of_the_nets_gradients():
    rng = np.random.default_rng(0)
    X, y = rng.standard_normal((9, 5)), rng.integers(0, 3, 9)
    net = FullyConnectedNet([4, 4], 5, 3, activation="sigmoid", weight_scale=1.0, seed=1)
    _, grads = net.loss(X, y)
    np.testing.assert_allclose(init.gradient_norms(net, X, y), [np.linalg.norm(grads[f"b{i}"]) for i in (1, 2, 3)])
    np.testing.assert_allclose(
        init.gradient_norms(net, X, y, param="W"), [np.linalg.norm(grads[f"W{i}"]) for i in (1, 2, 3)]
    )


def test_unknown_activation_and_bad_shapes_are_refused():
    X = np.zeros((3, 4))
    with pytest.raises(ValueError, match="unknown activation 'softsign'"):
        init.forward_stats(X, [4], init="he", activation="softsign", rng=np.random.default_rng(0))
    with pytest.raises(ValueError, match=r"must be \(N, D\)"):
        init.forward_stats(np.zeros(4), [4], init="he", rng=np.random.default_rng(0))
    assert set(layers.ACTIVATIONS) == {"relu", "sigmoid", "tanh", "leaky_relu", "elu"}
