"""The notebook 05 checks: pass on correct preprocessing, initializers and statistics written in
several ways, fail with the right hint on the usual slips."""

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


def layer_stats(X, weights, activation="tanh", *, how=None, pre=False, inplace=False, fixed=None, dtype=None):
    f = {"tanh": np.tanh, "relu": lambda a: np.maximum(a, 0)}[fixed or activation]
    X = X if dtype is None else X.astype(dtype)
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


def init_weights_normal(dims, init, rng):
    """rng.normal(0, std) draws the same numbers as std * rng.standard_normal."""
    stds = {"small": lambda a: 0.01, "large": lambda a: 1, "xavier": lambda a: a**-0.5, "he": lambda a: (2 / a) ** 0.5}
    return [rng.normal(0.0, stds[init](a), size=(a, b)) for a, b in zip(dims[:-1], dims[1:])]


def init_weights_scaled_in_place(dims, init, rng):
    weights = []
    for a, b in zip(dims[:-1], dims[1:]):
        W = rng.standard_normal((a, b))
        if init == "xavier":
            W /= np.sqrt(a)
        elif init == "he":
            W *= np.sqrt(2) / np.sqrt(a)
        elif init == "small":
            W *= 0.01
        weights.append(W)
    return weights


@pytest.mark.parametrize(
    "f",
    [make_init_weights(), init_weights_loop, init_weights_normal, init_weights_scaled_in_place],
    ids=["comprehension", "loop", "normal", "in place"],
)
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_correct_initializers_pass(f, seed):
    checks.check_init_weights(init_weights=f, seed=seed, verbose=False)


def test_a_wrong_small_scale_names_its_init():
    with pytest.raises(AssertionError, match="only the .small. weights are wrong"):
        checks.check_init_weights(init_weights=make_init_weights(small=lambda a, b: 0.1), verbose=False)


@pytest.mark.parametrize(
    "wrong, hint",
    [
        (dict(xavier=lambda a, b: 1 / np.sqrt(b)), "uses fan_out"),
        (dict(he=lambda a, b: np.sqrt(2 / b)), "uses fan_out"),
        (dict(xavier=lambda a, b: 1 / a), "not 1/fan_in"),
        (dict(he=lambda a, b: 1 / np.sqrt(a)), "factor 2 is missing"),
        (dict(he=lambda a, b: 2 / a), "square root is missing"),
        (
            dict(xavier=lambda a, b: np.sqrt(2 / (a + b))),
            r"Glorot and Bengio's sqrt\(2 / \(fan_in \+ fan_out\)\).*LeCun",
        ),
        (dict(he=lambda a, b: np.sqrt(4 / (a + b))), r"averages fan_in and fan_out"),
        (dict(small=lambda a, b: 0.01 * np.sqrt(2)), "only the 'small' weights are wrong"),
        (dict(xavier=STD["he"], he=STD["xavier"]), "the 'xavier' and 'he' stds are swapped"),
    ],
)
def test_wrong_initializers_fail_with_their_hint(wrong, hint):
    with pytest.raises(AssertionError, match=hint):
        checks.check_init_weights(init_weights=make_init_weights(**wrong), verbose=False)


def test_float32_weights_fail_with_the_precision_hint():
    def float32(dims, init, rng):
        return [w.astype(np.float32) for w in make_init_weights()(dims, init, rng)]

    with pytest.raises(AssertionError, match="float32"):
        checks.check_init_weights(init_weights=float32, verbose=False)


def test_a_fixed_init_ignoring_the_argument_fails():
    with pytest.raises(AssertionError, match="every init gets the same std"):
        checks.check_init_weights(
            init_weights=lambda dims, init, rng: make_init_weights()(dims, "xavier", rng), verbose=False
        )


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


@pytest.mark.parametrize(
    "options, hint",
    [
        (dict(how=lambda h: (h.mean(axis=0).mean(), h.std(axis=0).mean())), "per unit"),
        (dict(how=lambda h: (h.mean(axis=1).mean(), h.std(axis=1).mean())), "per example"),
        (dict(pre=True), "pre-activations"),
        (dict(inplace=True), "in place"),
        (dict(fixed="tanh"), "the other nonlinearity: apply the one the activation argument names"),
        (dict(fixed="relu"), "the other nonlinearity"),
        (dict(dtype=np.float32), "float32"),
        (dict(how=lambda h: (h.mean(), h.std(ddof=1))), r"sample std \(ddof=1"),
        (dict(how=lambda h: (h.mean(), h.var())), "the second number is the variance"),
    ],
)
def test_wrong_statistics_fail_with_their_hint(options, hint):
    with pytest.raises(AssertionError, match=hint):
        checks.check_layer_stats(
            layer_stats=lambda X, weights, activation: layer_stats(X, weights, activation, **options), verbose=False
        )


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_every_layer_fed_x_is_named(seed):
    def from_x(X, weights, activation):
        f = np.tanh if activation == "tanh" else (lambda a: np.maximum(a, 0))
        return [(f(X @ W).mean(), f(X @ W).std()) for W in weights]

    with pytest.raises(AssertionError, match="each layer takes the previous layer's output"):
        checks.check_layer_stats(layer_stats=from_x, seed=seed, verbose=False)


def test_input_x_modified_in_place_is_named():
    def inplace(X, weights, activation):
        X *= 1.0
        X[0, 0] = 5.0
        return layer_stats(X, weights, activation)

    with pytest.raises(AssertionError, match="modified its input `X` in place"):
        checks.check_layer_stats(layer_stats=inplace, verbose=False)


def preprocess(X_train, X_val, scale=True, eps=1e-8):
    mean = X_train.mean(axis=0)
    Z_train, Z_val = X_train - mean, X_val - mean
    if scale:
        std = X_train.std(axis=0) + eps
        Z_train, Z_val = Z_train / std, Z_val / std
    return Z_train, Z_val


def preprocess_loops(X_train, X_val, scale=True, eps=1e-8):
    """Column by column, with the std written out and a multiplication by its inverse."""
    Z_train, Z_val = np.empty_like(X_train), np.empty_like(X_val)
    for j in range(X_train.shape[1]):
        mu = sum(X_train[:, j]) / len(X_train)
        inv = 1 / (np.sqrt(np.mean((X_train[:, j] - mu) ** 2)) + eps) if scale else 1.0
        Z_train[:, j] = (X_train[:, j] - mu) * inv
        Z_val[:, j] = (X_val[:, j] - mu) * inv
    return [Z_train, Z_val]


@pytest.mark.parametrize("f", [preprocess, preprocess_loops], ids=["vectorized", "loops"])
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_correct_preprocessing_passes(f, seed):
    checks.check_preprocess(preprocess=f, seed=seed, verbose=False)


def _wrong(
    mean_of=lambda X: X.mean(axis=0),
    std_of=lambda X, eps: X.std(axis=0) + eps,
    own_val=False,
    scale_always=None,
    eps_fixed=None,
    sign=1,
):
    def f(X_train, X_val, scale=True, eps=1e-8):
        scale = scale if scale_always is None else scale_always
        eps = eps if eps_fixed is None else eps_fixed
        out = []
        for X in (X_train, X_val):
            ref = X if own_val else X_train
            Z = sign * (X - mean_of(ref))
            out.append(Z / std_of(ref, eps) if scale else Z)
        return tuple(out)

    return f


@pytest.mark.parametrize(
    "wrong, hint",
    [
        (_wrong(own_val=True), "validation set is centred .or scaled. with its own statistics"),
        (
            _wrong(
                mean_of=lambda X: X.mean(axis=1, keepdims=True), std_of=lambda X, e: X.std(axis=1, keepdims=True) + e
            ),
            r"(?s)raised ValueError.*taken per example \(axis=1\).*axis=0",
        ),
        (_wrong(mean_of=lambda X: X.mean(axis=1, keepdims=True)), r"taken per example \(axis=1\)"),
        (_wrong(std_of=lambda X, e: X.std(axis=1, keepdims=True) + e), r"taken per example \(axis=1\)"),
        (_wrong(mean_of=lambda X: X.mean(axis=1)), r"taken per example \(axis=1\)"),
        (
            _wrong(
                mean_of=lambda X: X.mean(axis=1, keepdims=True),
                std_of=lambda X, e: X.std(axis=1, keepdims=True) + e,
                own_val=True,
            ),
            r"each example is centred \(or scaled\) with its own statistics, taken per example",
        ),
        (_wrong(mean_of=lambda X: X.mean(axis=1, keepdims=True), own_val=True), r"taken per example \(axis=1\)"),
        (
            _wrong(mean_of=lambda X: X.mean(), std_of=lambda X, e: X.std() + e),
            "one mean and one std of all the numbers",
        ),
        (_wrong(mean_of=lambda X: X.mean()), "one mean of all the numbers"),
        (_wrong(scale_always=True), "called with scale=False, the result is divided by the std"),
        (_wrong(scale_always=False), "centred but not divided by the std"),
        (_wrong(eps_fixed=1e-8), "the result is that of another eps"),
        (_wrong(eps_fixed=1e-5), "the result is that of another eps"),
        (_wrong(std_of=lambda X, e: X.var(axis=0) + e), "divided by the variance"),
        (_wrong(std_of=lambda X, e: X.std(axis=0, ddof=1) + e), r"sample std \(ddof=1"),
        (_wrong(std_of=lambda X, e: np.sqrt(X.var(axis=0) + e)), "eps is added under the square root"),
        (_wrong(std_of=lambda X, e: X.std(axis=0)), "(?s)nan.*0 in every training example.*std \\+ eps"),
        (_wrong(sign=-1), r"wrong sign: subtract the mean from the data, X - mean \(not mean - X\)"),
    ],
)
@pytest.mark.filterwarnings("ignore::RuntimeWarning")  # the answer without eps divides by 0
def test_wrong_preprocessing_fails_with_its_hint(wrong, hint):
    with pytest.raises(AssertionError, match=hint):
        checks.check_preprocess(preprocess=wrong, verbose=False)


def test_preprocessing_in_place_float32_and_a_wrong_return_are_named():
    def inplace(X_train, X_val, scale=True, eps=1e-8):
        mean = X_train.mean(axis=0)
        X_train -= mean
        return preprocess(X_train + mean, X_val, scale, eps)

    def float32(X_train, X_val, scale=True, eps=1e-8):
        return preprocess(X_train.astype(np.float32), X_val.astype(np.float32), scale, np.float32(eps))

    for f, hint in [
        (inplace, "modified its input `X_train` in place"),
        (float32, "float32"),
        (
            lambda X_train, X_val, scale, eps: preprocess(X_train, X_val, scale, eps)[0],
            r"must return the pair \(Z_train, Z_val\)",
        ),
    ]:
        with pytest.raises(AssertionError, match=hint):
            checks.check_preprocess(preprocess=f, verbose=False)


def test_blank_preprocessing_is_not_filled_in():
    def blank(X_train, X_val, scale=True, eps=1e-8):
        raise NotImplementedError()

    with pytest.raises(checks.NotFilledIn, match="blank is not filled in yet"):
        checks.check_preprocess(preprocess=blank, verbose=False)


def _code(check, **student):
    with np.errstate(all="ignore"), pytest.raises(checks.CheckFailure) as info:
        getattr(checks, check)(**student, verbose=False)
    return info.value.code


@pytest.mark.parametrize(
    "check, student, code",
    [
        (
            "check_init_weights",
            dict(init_weights=make_init_weights(he=lambda a, b: 2 / a)),
            "init_weights.he_missing_sqrt",
        ),
        (
            "check_init_weights",
            dict(init_weights=make_init_weights(xavier=STD["he"], he=STD["xavier"])),
            "init_weights.xavier_he_swapped",
        ),
        (
            "check_init_weights",
            dict(init_weights=make_init_weights(small=lambda a, b: 0.01 * np.sqrt(2))),
            "init_weights.only_small_wrong",
        ),
        (
            "check_layer_stats",
            dict(layer_stats=lambda X, weights, activation: layer_stats(X, weights, activation, pre=True)),
            "layer_stats.pre_activation_stats",
        ),
        (
            "check_layer_stats",
            dict(
                layer_stats=lambda X, weights, activation: [
                    (np.tanh(X @ W).mean(), np.tanh(X @ W).std()) for W in weights
                ]
            ),
            "layer_stats.layer_fed_x",
        ),
        ("check_preprocess", dict(preprocess=_wrong(own_val=True)), "preprocess.val_own_statistics"),
        (
            "check_preprocess",
            dict(preprocess=_wrong(std_of=lambda X, e: X.std(axis=0))),
            "preprocess.constant_feature_divided_by_zero",
        ),
        (
            "check_preprocess",
            dict(
                preprocess=_wrong(
                    mean_of=lambda X: X.mean(axis=1, keepdims=True),
                    std_of=lambda X, e: X.std(axis=1, keepdims=True) + e,
                )
            ),
            "preprocess.statistics_per_example",
        ),
    ],
    ids=lambda v: v if isinstance(v, str) else "",
)
def test_typical_wrong_answers_have_their_cause_codes(check, student, code):
    assert _code(check, **student) == code
