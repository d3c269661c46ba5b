"""The hints of notebook 06's checks: what a wrong batchnorm answer computed instead, and why.

Forward pass: each typical slip (unbiased variance, eps outside the root or fixed at its default,
the wrong axis, the branches of ``if train`` swapped, momentum on the wrong term or fixed at 0.9,
a cache that is not the contract the backward passes read) gives a formula; a wrong output that
equals one of them gets that slip's hint, for the quantity it was found in.

Backward pass: two facts of the true gradient name the missing term. Moving every x_i of a
feature by the same amount moves the mean along and changes nothing, so the sum of dx over the
batch is 0; scaling a feature about its mean leaves x_hat as it is (up to eps), so the sum of
dx * x_hat is about 0. The path through the mean (in the closed form: the term - dbeta) keeps
the first, the path through the variance (the term - x_hat * dgamma) the second. An answer that
breaks one says which path is missing; one that is a per-feature multiple of the truth names
the factor.

Notes: every test here runs where the expected values are computed (the grader's process when
grading) and gets ``(got, expected, case)``; ``on(quantity, ...)`` makes a test apply to one
output only, so a hint about ``cache.var`` is never shown for ``running_var`` (the hints stay
unbound, ``Hint.quantity`` None: they are tried after the generic diagnosis). Every hint is a
:class:`~._hints.Hint` with its cause's code (``missing_mean_term``, ``unbiased_variance``, ...).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from ._hints import Hint, always
from ._shapes import read

__all__ = ["forward_hints", "test_mode_hints", "backward_hints", "error_hints", "DEFAULT_EPS", "DEFAULT_MOMENTUM"]

DEFAULT_EPS, DEFAULT_MOMENTUM = 1e-5, 0.9
FIELDS = ("x", "x_hat", "mu", "var", "gamma", "eps")  # the cache's fields the backward passes read, in order


def _close(a, b) -> bool:
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    return a.shape == b.shape and np.allclose(a, b, rtol=1e-6, atol=1e-10)


def on(quantity: str, expected: Callable, formula: Callable) -> Callable:
    """A hint test: is this the output ``quantity``, and does the wrong value equal formula(case)?"""

    def test(got, exp, case):
        if not _close(exp, expected(case)[quantity]):
            return False
        value = np.asarray(formula(case), dtype=float)
        return value.shape == got.shape and not _close(value, exp) and _close(got, value)

    return test


def _stats(c: dict, axis: int | None = 0) -> tuple[np.ndarray, np.ndarray]:
    return c["x"].mean(axis=axis), c["x"].var(axis=axis)


def _out(c, mu, var, eps=None, outside=False):
    eps = c["eps"] if eps is None else eps
    scale = np.sqrt(var) + eps if outside else np.sqrt(var + eps)
    return c["gamma"] * (c["x"] - mu) / scale + c["beta"]


def _rows(c, axis):  # statistics over the wrong axis (1: each example's features; None: everything)
    keep = axis is not None
    return c["x"].mean(axis=axis, keepdims=keep), c["x"].var(axis=axis, keepdims=keep)


def _update(c, key, stat, momentum=None):
    m = c["momentum"] if momentum is None else momentum
    return m * c[f"running_{key}"] + (1 - m) * stat


_DDOF = "the variance is the biased one, the mean of (x - mean)² over the batch: divide by N, not N - 1 (no ddof=1)."
_EPS = "eps goes inside the square root: it is added to the variance, not to the standard deviation."
_EPS_DEFAULT = (
    "use the eps you are given (the argument eps; this test passes another value), not the "
    "default 1e-5 written into your code."
)
_AXIS1 = (
    "you normalized each example over its features (axis=1); batchnorm normalizes each feature over the "
    "batch (axis 0): one mean and one variance per feature, of shape (D,)."
)
_AXIS_NONE = (
    "one mean and one variance for the whole array (no axis given): batchnorm keeps one per feature, "
    "over the batch (axis 0), of shape (D,)."
)
_SWAPPED_TRAIN = (
    "in train mode normalize with this batch's mean and variance; the running averages are for "
    "test mode. Are the two branches of `if train:` swapped?"
)
_NO_AFFINE = "out is x_hat alone: the learned scale gamma and shift beta are missing."
_GAMMA_BETA = "gamma and beta are swapped: gamma scales x_hat, beta shifts it."
_MOMENTUM_SIDE = (
    "momentum weighs the OLD running average and 1 - momentum this batch's statistic: yours "
    "weighs them the other way round."
)
_MOMENTUM_DEFAULT = (
    "use the momentum you are given (the argument momentum; this test passes another value), "
    "not the default 0.9 written into your code."
)
_NOT_UPDATED = (
    "train mode returns NEW running averages, which move towards this batch's statistics: yours are "
    "the old ones, unchanged."
)
_UNBIASED_RUNNING = (
    "the running variance here averages the biased batch variance, the one you normalize with "
    "(PyTorch keeps an unbiased one, N/(N - 1) times larger; this course does not)."
)
_CACHE_ORDER = (
    "cache.{got} holds what belongs in cache.{held}: BatchnormCache's fields are, in order, x, x_hat, "
    "mu, var, gamma, eps, train."
)
_CACHE = {
    "x_hat=out": "cache.x_hat is the normalized input (x - mu) / sqrt(var + eps), before gamma and beta: you "
    "stored out.",
    "x_hat=xmu": "cache.x_hat is the normalized input: x - mu divided by sqrt(var + eps) as well.",
    "var=std": "cache.var is the variance: the backward passes take np.sqrt(cache.var + cache.eps) themselves, so "
    "do not store a standard deviation.",
    "var=inv": "cache.var is the variance itself, not 1 / sqrt(var + eps): the backward passes compute that.",
    "var=var+eps": "cache.var is the variance without eps: the backward passes add cache.eps themselves.",
    "stats=running": "cache.mu and cache.var are the statistics this pass normalized with (in train mode the "
    "batch's), not the updated running averages.",
    "x=xmu": "cache.x is the input x itself, not x - mu.",
    "eps": "cache.eps is the eps this call was given (the argument eps), not 1e-5.",
}


def _any(*tests: Callable) -> Callable:
    """A hint test that holds when one of ``tests`` does (one cause, seen on several outputs)."""
    return lambda got, exp, case: any(t(got, exp, case) for t in tests)


def _out_hint(code, expected, formula, text, quantities=("out_mean", "out_std", "out")) -> Hint:
    derived = {
        "out_mean": lambda c: formula(c).mean(axis=0),
        "out_std": lambda c: formula(c).std(axis=0),
        "out": formula,
    }
    return Hint(code, _any(*(on(q, expected, derived[q]) for q in quantities)), text)


def _cache_hints(expected, train: bool) -> tuple[Hint, ...]:
    def batch_or_running(c):
        return _stats(c) if train else (c["running_mean"], c["running_var"])

    def field(name):
        return lambda c: expected(c)[f"cache.{name}"]

    def var_as(formula):
        return on("cache.var", expected, lambda c: formula(batch_or_running(c)[1], c["eps"]))

    hints = [
        Hint(
            "cache_x_hat_is_out",
            on("cache.x_hat", expected, lambda c: expected(c)["out"]),
            _CACHE["x_hat=out"],
        ),
        Hint(
            "cache_x_hat_not_divided",
            on("cache.x_hat", expected, lambda c: c["x"] - batch_or_running(c)[0]),
            _CACHE["x_hat=xmu"],
        ),
        Hint(
            "cache_var_is_std",
            _any(var_as(lambda v, eps: np.sqrt(v + eps)), var_as(lambda v, eps: np.sqrt(v))),
            _CACHE["var=std"],
        ),
        Hint(
            "cache_var_is_inverse_std",
            var_as(lambda v, eps: 1 / np.sqrt(v + eps)),
            _CACHE["var=inv"],
        ),
        Hint("cache_var_has_eps", var_as(lambda v, eps: v + eps), _CACHE["var=var+eps"]),
        Hint(
            "cache_x_is_centered",
            on("cache.x", expected, lambda c: c["x"] - batch_or_running(c)[0]),
            _CACHE["x=xmu"],
        ),
        Hint(
            "cache_eps_default",
            on("cache.eps", expected, lambda c: DEFAULT_EPS),
            _CACHE["eps"],
        ),
    ]
    if train:
        hints.append(
            Hint(
                "cache_stats_are_running",
                _any(
                    on("cache.mu", expected, lambda c: _update(c, "mean", _stats(c)[0])),
                    on("cache.var", expected, lambda c: _update(c, "var", _stats(c)[1])),
                ),
                _CACHE["stats=running"],
            )
        )
    # a field holding another one: the order of BatchnormCache's arguments
    swaps = [(got, held) for got in FIELDS for held in FIELDS if got != held]

    def swapped(got_, exp, case):
        return next(((g, h) for g, h in swaps if on(f"cache.{g}", expected, field(h))(got_, exp, case)), None)

    def said(got_, exp, case):
        g, h = swapped(got_, exp, case)
        return _CACHE_ORDER.format(got=g, held=h)

    hints.append(
        Hint(
            "cache_fields_swapped",
            lambda got_, exp, case: swapped(got_, exp, case) is not None,
            said,
        )
    )
    return tuple(hints)


_ROUNDING = (
    "the error is tiny but far above float64's rounding: was something computed in float32 (an "
    ".astype(np.float32), a dtype=np.float32 array)? Keep float64 throughout."
)


def _rounding(got, exp, case):
    """An error of float32's size (on the feature of tiny variance, a few of its digits), not a wrong formula."""
    return got.shape == exp.shape and 0 < np.max(np.abs(got - exp) / (np.abs(got) + np.abs(exp) + 1e-300)) < 1e-4


_RUNNING = ("running_mean", "running_var")


def _running_hint(code, expected, formula, text) -> Hint:
    """One hint for both running averages: ``formula(case, key, k)`` is the wrong value of running_<key>."""
    tests = [
        on(f"running_{key}", expected, lambda c, key=key, k=k: formula(c, key, k))
        for key, k in (("mean", 0), ("var", 1))
    ]
    return Hint(code, _any(*tests), text)


def forward_hints(expected: Callable) -> tuple[Hint, ...]:
    """The hints of the train-mode check; ``expected(case)`` gives every output by name."""
    hints = (
        _out_hint(
            "unbiased_variance", expected, lambda c: _out(c, c["x"].mean(axis=0), c["x"].var(axis=0, ddof=1)), _DDOF
        ),
        _out_hint("eps_outside_sqrt", expected, lambda c: _out(c, *_stats(c), outside=True), _EPS),
        _out_hint("eps_default", expected, lambda c: _out(c, *_stats(c), eps=DEFAULT_EPS), _EPS_DEFAULT),
        _out_hint("normalized_over_features", expected, lambda c: _out(c, *_rows(c, 1)), _AXIS1),
        _out_hint("normalized_over_everything", expected, lambda c: _out(c, *_rows(c, None)), _AXIS_NONE),
        _out_hint(
            "train_uses_running_stats", expected, lambda c: _out(c, c["running_mean"], c["running_var"]), _SWAPPED_TRAIN
        ),
        _out_hint("missing_gamma_beta", expected, lambda c: (_out(c, *_stats(c)) - c["beta"]) / c["gamma"], _NO_AFFINE),
        _out_hint(
            "gamma_beta_swapped",
            expected,
            lambda c: (_out(c, *_stats(c)) - c["beta"]) / c["gamma"] * c["beta"] + c["gamma"],
            _GAMMA_BETA,
        ),
        _running_hint(
            "momentum_swapped",
            expected,
            lambda c, key, k: (1 - c["momentum"]) * c[f"running_{key}"] + c["momentum"] * _stats(c)[k],
            _MOMENTUM_SIDE,
        ),
        _running_hint(
            "momentum_default",
            expected,
            lambda c, key, k: _update(c, key, _stats(c)[k], DEFAULT_MOMENTUM),
            _MOMENTUM_DEFAULT,
        ),
        _running_hint("running_not_updated", expected, lambda c, key, k: c[f"running_{key}"], _NOT_UPDATED),
        Hint(
            "running_mean_is_batch_mean",
            on("running_mean", expected, lambda c: _stats(c)[0]),
            "return the updated running average, not this batch's mean.",
        ),
        Hint(
            "running_var_is_batch_var",
            on("running_var", expected, lambda c: _stats(c)[1]),
            "return the updated running average, not this batch's var.",
        ),
        Hint(
            "running_var_unbiased",
            on("running_var", expected, lambda c: _update(c, "var", c["x"].var(axis=0, ddof=1))),
            _UNBIASED_RUNNING,
        ),
    )
    return hints + _cache_hints(expected, train=True) + (Hint("float32_computation", _rounding, _ROUNDING),)


_BATCH_STATS = (
    "in test mode normalize with the running averages you were given (running.mean, running.var), "
    "not this batch's statistics: a prediction must not depend on the other examples in the batch "
    "(is the `if train:` branch missing, or are its two branches swapped?)."
)
_TEST_UPDATED = "test mode leaves the running averages as they are: return them unchanged."


def test_mode_hints(expected: Callable) -> tuple[Hint, ...]:
    """The hints of the test-mode check."""
    hints = (
        _out_hint("test_uses_batch_stats", expected, lambda c: _out(c, *_stats(c)), _BATCH_STATS, ("out",)),
        _out_hint(
            "eps_default",
            expected,
            lambda c: _out(c, c["running_mean"], c["running_var"], eps=DEFAULT_EPS),
            _EPS_DEFAULT,
            ("out",),
        ),
        _out_hint(
            "eps_outside_sqrt",
            expected,
            lambda c: _out(c, c["running_mean"], c["running_var"], outside=True),
            _EPS,
            ("out",),
        ),
        _running_hint("test_updates_running", expected, lambda c, key, k: _update(c, key, _stats(c)[k]), _TEST_UPDATED),
    )
    return hints + _cache_hints(expected, train=False) + (Hint("float32_computation", _rounding, _ROUNDING),)


def _per_feature_factor(got, exp):
    """c (D,) with got[:, j] = c[j] * exp[:, j] for every feature j, or None."""
    denom = np.sum(exp * exp, axis=0)
    if np.any(denom == 0):
        return None
    c = np.sum(got * exp, axis=0) / denom
    return c if _close(got, c * exp) and not np.allclose(c, 1, rtol=1e-4) else None


_FACTORS = {
    "no gamma": "dx lacks the factor gamma: the gradient reaching x_hat is dout * gamma.",
    "gamma twice": "dx has gamma once too often: it enters once, through dx_hat = dout * gamma.",
    "no std": "dx lacks the division by sqrt(var + eps) that x_hat = (x - mu) / sqrt(var + eps) puts on every path.",
    "std twice": "dx is divided by sqrt(var + eps) twice: once, from x_hat = (x - mu) / sqrt(var + eps).",
    "factor": "each feature's dx is a multiple of the right one, by a factor that changes from feature to feature: "
    "a per-feature factor (gamma, 1 / sqrt(var + eps)) is missing or extra.",
    "eps default": "use cache.eps (this test passes another value), not 1e-5.",
    "no eps": "add cache.eps to the variance inside the square root, as the forward pass does.",
    "direct only": "that is only the direct path through x - mean: the mean and the variance depend on every x "
    "too, so add the gradients that flow back through them (dvar, then dmu).",
}
_FACTS = (
    "for the true gradient, the sum of dx over the batch is 0 for every feature, and so is the sum of "
    "dx * x_hat (up to eps)"
)
_GRAPH = {
    "mean": "the sum of your dx over the batch is not 0 for every feature, as it is for the true gradient: the path "
    "through the mean (step 4) is missing or wrong: mu depends on every x_i, each with weight 1/N, so dmu "
    "reaches every example.",
    "var": "the sum of dx * x_hat over the batch is not (about) 0 for every feature, as it is for the true "
    "gradient: the path through the variance is missing or wrong: check dvar (step 2: the -1/2 and the "
    "power -3/2 of var + eps) and how it reaches x - mu (step 3).",
    "both": f"neither fact holds for your dx ({_FACTS}): the paths through the mean and the variance are both "
    "missing or wrong; after dx_hat = dout * gamma, add dvar, then dmu, one step at a time.",
    "direct": "your dx has both facts of the true gradient (the sum of dx over the batch is 0, and of dx * x_hat "
    "about 0, per feature), so the paths through the mean and the variance are there; what differs is "
    "the direct term dx_hat / sqrt(var + eps) that they correct.",
}
_ALT = {
    "mean": "the sum of your dx over the batch is not 0 for every feature, as it is for the true gradient: the term "
    "- dbeta (the sum of dout over the batch) in N * dout - dbeta - x_hat * dgamma is missing or has the "
    "wrong sign.",
    "var": "the sum of dx * x_hat over the batch is not (about) 0 for every feature, as it is for the true "
    "gradient: the term - x_hat * dgamma in N * dout - dbeta - x_hat * dgamma is missing or wrong.",
    "both": f"neither fact holds for your dx ({_FACTS}): both the term - dbeta and the term - x_hat * dgamma of "
    "N * dout - dbeta - x_hat * dgamma are missing or wrong.",
    "direct": "your dx has both facts of the true gradient (the sum of dx over the batch is 0, and of dx * x_hat "
    "about 0, per feature), so the terms - dbeta and - x_hat * dgamma are right; what differs is the "
    "factor in front, gamma / (N * sqrt(var + eps)), or the term N * dout.",
}


def _closed_form(case, eps):
    """The true dx, had the forward pass used ``eps`` (and so another x_hat)."""
    with np.errstate(all="ignore"):
        inv_std = 1 / np.sqrt(case["var"] + eps)
        x_hat, dout, N = (case["x"] - case["mu"]) * inv_std, case["dout"], case["dout"].shape[0]
        return case["gamma"] * inv_std / N * (N * dout - dout.sum(axis=0) - x_hat * np.sum(dout * x_hat, axis=0))


def _dx_kind(got, exp, case) -> str | None:
    """Which slip turns the true dx ``exp`` into ``got`` (a key of _FACTORS or of _GRAPH/_ALT)."""
    if not got.shape == exp.shape == case["x"].shape:
        return None
    x_hat, eps, var, gamma = case["x_hat"], case["eps"], case["var"], case["gamma"]
    inv_std = 1 / np.sqrt(var + eps)
    if _close(got, case["dout"] * gamma * inv_std):
        return "direct only"
    for e, kind in ((DEFAULT_EPS, "eps default"), (0.0, "no eps")):  # everywhere, or in the closed form's factor
        factor_only = exp * np.sqrt(var + eps) / np.sqrt(var + e)
        if e != eps and (_close(got, _closed_form(case, e)) or _close(got, factor_only)):
            return kind
    c = _per_feature_factor(got, exp)
    if c is not None:
        for factor, kind in (
            (1 / gamma, "no gamma"),
            (gamma, "gamma twice"),
            (1 / inv_std, "no std"),
            (inv_std, "std twice"),
        ):
            if np.allclose(c, factor, rtol=1e-4):
                return kind
        return "factor"
    tol = 1e-6 * (np.abs(exp).sum(axis=0) + np.abs(got).sum(axis=0))
    mean_off = np.any(np.abs(got.sum(axis=0) - exp.sum(axis=0)) > tol)
    var_off = np.any(np.abs((got * x_hat).sum(axis=0) - (exp * x_hat).sum(axis=0)) > tol * np.abs(x_hat).max())
    return "both" if mean_off and var_off else "mean" if mean_off else "var" if var_off else "direct"


def _is_kind(kind: str) -> Callable:
    return lambda got, exp, case: _dx_kind(got, exp, case) == kind


_KIND_CODES = {  # the code of each slip that _dx_kind names
    "no gamma": "missing_gamma",
    "gamma twice": "gamma_twice",
    "no std": "missing_std_division",
    "std twice": "std_division_twice",
    "factor": "per_feature_factor",
    "eps default": "eps_default",
    "no eps": "missing_eps",
    "direct only": "direct_path_only",
    "mean": "missing_mean_term",
    "var": "missing_var_term",
    "both": "missing_mean_and_var_terms",
    "direct": "wrong_direct_term",
}


def _near_zero(got, exp, case):
    return got.shape == exp.shape and np.any(exp) and np.max(np.abs(got)) <= 1e-9 * np.max(np.abs(exp))


def backward_hints(expected: Callable, *, closed_form: bool) -> tuple[Hint, ...]:
    """The hints of a backward check: dx by the two facts above, dgamma and dbeta by formula."""
    texts = _ALT if closed_form else _GRAPH
    sums = {"dgamma": lambda c: np.sum(c["dout"] * c["x_hat"], axis=0), "dbeta": lambda c: c["dout"].sum(axis=0)}
    return (
        Hint(
            "near_zero",
            _near_zero,
            "it is (nearly) 0 everywhere: a sum over the batch of something whose sum is 0 (x_hat, or the "
            "true dx), or terms that cancel each other.",
        ),
        Hint(
            "dgamma_is_dbeta",
            on("dgamma", expected, sums["dbeta"]),
            "that is dbeta: gamma multiplies x_hat, so its gradient sums dout times x_hat over the batch.",
        ),
        Hint(
            "dgamma_uses_x",
            on("dgamma", expected, lambda c: np.sum(c["dout"] * c["x"], axis=0)),
            "dgamma pairs dout with x_hat, the normalized input, not with x: gamma multiplies x_hat.",
        ),
        Hint(
            "dgamma_has_gamma",
            on("dgamma", expected, lambda c: sums["dgamma"](c) * c["gamma"]),
            "gamma is in dgamma once too often: gamma multiplies x_hat, so x_hat (not gamma) pairs with dout.",
        ),
        Hint(
            "dbeta_is_dgamma",
            on("dbeta", expected, sums["dgamma"]),
            "that is dgamma: beta is added to every example, so its gradient sums dout alone over the batch.",
        ),
        Hint(
            "dbeta_has_gamma",
            on("dbeta", expected, lambda c: sums["dbeta"](c) * c["gamma"]),
            "beta is added, so nothing multiplies dout in dbeta (gamma belongs to x_hat's path).",
        ),
    ) + tuple(Hint(_KIND_CODES[kind], _is_kind(kind), text) for kind, text in {**_FACTORS, **texts}.items())


def _per_example_stat(message, _, case) -> bool:
    x = case.get("x")
    facts = read(message, {"N": x.shape[0], "D": x.shape[1]}) if isinstance(x, np.ndarray) else None
    return facts is not None and any("(N,)" in s or "(N, 1)" in s for s in facts.shapes)


# numpy's shape errors: a statistic over the wrong axis, or a per-feature one of the wrong shape
error_hints = (
    Hint(
        "stat_over_axis_1",
        _per_example_stat,
        "an array of shape (N,) met one of shape (N, D): a mean or sum over axis=1 gives one number per "
        "example; batchnorm's statistics are per feature, over the batch: axis=0, shape (D,).",
        on="raised",
    ),
    Hint(
        "per_feature_shapes",
        always,
        "the sums over the batch give arrays of shape (D,); keep every per-feature quantity (mean, var, dvar, "
        "dmu, dgamma, dbeta) of shape (D,) and every per-example one of shape (N, D).",
        on="raised",
    ),
)
