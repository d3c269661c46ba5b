"""The notebook 05 checks: pass on correct initializers and statistics written in several ways,
fail with the right hint on the usual slips."""
import numpy as np
import pytest

import course_utils as cu

checks = cu.checks

STD = {
    "small": lambda fan_in, fan_out: 0.01,
    "large": lambda fan_in, fan_out: 1.0,
    "xavier": lambda fan_in, fan_out: 1 / np.sqrt(fan_in),
    "he": lambda fan_in, fan_out: np.sqrt(2 / fan_in),
}


def make_init_weights(**wrong):
    std = {**STD, **wrong}

    def init_weights(dims, init, rng):
        return [rng.standard_normal((a, b)) * std[init](a, b) for a, b in zip(dims[:-1], dims[1:])]
    return init_weights


def init_weights_loop(dims, init, rng):
    weights = []
    for i in range(len(dims) - 1):
        fan_in = dims[i]
        s = {"small": 0.01, "large": 1.0, "xavier": np.sqrt(1 / fan_in), "he": (2 / fan_in) ** 0.5}[init]
        weights.append(s * rng.standard_normal(size=(fan_in, dims[i + 1])))
    return weights


def layer_stats(X, weights, activation="tanh", *, how=None, pre=False, inplace=False):
    f = {"tanh": np.tanh, "relu": lambda a: np.maximum(a, 0)}[activation]
    h, stats = X, []
    for W in weights:
        a = h @ W
        if inplace:
            np.tanh(W, out=W)
        h = f(a)
        v = a if pre else h
        stats.append(how(v) if how else (v.mean(), v.std()))
    return stats


def layer_stats_comprehension(X, weights, activation):
    hs = [X]
    for W in weights:
        hs.append(np.tanh(hs[-1] @ W) if activation == "tanh" else (hs[-1] @ W).clip(min=0))
    return [(float(np.mean(h)), float(np.sqrt(np.mean((h - h.mean()) ** 2)))) for h in hs[1:]]


@pytest.mark.parametrize("f", [make_init_weights(), init_weights_loop], ids=["comprehension", "loop"])
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_correct_initializers_pass(f, seed):
    checks.check_init_weights(init_weights=f, seed=seed, verbose=False)


def test_a_wrong_small_scale_names_its_init():
    with pytest.raises(AssertionError, match="only the .small. weights are wrong"):
        checks.check_init_weights(init_weights=make_init_weights(small=lambda a, b: 0.1), verbose=False)


@pytest.mark.parametrize("wrong, hint", [
    (dict(xavier=lambda a, b: 1 / np.sqrt(b)), "uses fan_out"),
    (dict(he=lambda a, b: np.sqrt(2 / b)), "uses fan_out"),
    (dict(xavier=lambda a, b: 1 / a), "not 1/fan_in"),
    (dict(he=lambda a, b: 1 / np.sqrt(a)), "factor 2 is missing"),
    (dict(he=lambda a, b: 2 / a), "square root is missing"),
])
def test_wrong_initializers_fail_with_their_hint(wrong, hint):
    with pytest.raises(AssertionError, match=hint):
        checks.check_init_weights(init_weights=make_init_weights(**wrong), verbose=False)


def test_weights_not_from_the_given_rng_fail_with_their_hint():
    def own_rng(dims, init, rng):
        return make_init_weights()(dims, init, np.random.default_rng(123))
    with pytest.raises(AssertionError, match="draw from the rng you are given"):
        checks.check_init_weights(init_weights=own_rng, verbose=False)


def test_transposed_weights_fail_on_their_shape():
    def transposed(dims, init, rng):
        return [w.T for w in make_init_weights()(dims, init, rng)]
    with pytest.raises(AssertionError, match=r"\(fan_in, fan_out\)"):
        checks.check_init_weights(init_weights=transposed, verbose=False)


@pytest.mark.parametrize("f", [layer_stats, layer_stats_comprehension], ids=["loop", "list"])
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_correct_statistics_pass(f, seed):
    checks.check_layer_stats(layer_stats=f, seed=seed, verbose=False)


@pytest.mark.parametrize("options, hint", [
    (dict(how=lambda h: (h.mean(axis=0).mean(), h.std(axis=0).mean())), "per unit"),
    (dict(how=lambda h: (h.mean(axis=1).mean(), h.std(axis=1).mean())), "per example"),
    (dict(pre=True), "pre-activations"),
    (dict(inplace=True), "in place"),
])
def test_wrong_statistics_fail_with_their_hint(options, hint):
    with pytest.raises(AssertionError, match=hint):
        checks.check_layer_stats(layer_stats=lambda X, weights, activation: layer_stats(X, weights, activation,
                                                                                        **options), verbose=False)


def test_input_x_modified_in_place_is_named():
    def inplace(X, weights, activation):
        X *= 1.0
        X[0, 0] = 5.0
        return layer_stats(X, weights, activation)
    with pytest.raises(AssertionError, match="modified its input `X` in place"):
        checks.check_layer_stats(layer_stats=inplace, verbose=False)
