"""Checks for notebook 06: batchnorm forward (train and test mode) and both backward passes.

The forward checks call the student's ``batchnorm_forward(x, gamma, beta, running, train=...,
momentum=..., eps=...)`` and compare ``out``, the returned running averages (anything with
``.mean`` and ``.var``, or a pair) and the cache with :func:`course_utils.layers.batchnorm_forward`.
The train check also compares the per-feature mean and standard deviation of ``out``, which are
beta and about gamma: the first rows of its table say whether the normalization itself is right.
The cache is the contract the backward passes read (``x, x_hat, mu, var, gamma, eps, train =
cache`` and ``cache.x_hat``...): a wrong cache fails here, with a hint about the cache, not later.
The backward checks call the student's backward pass on a correct ``BatchnormCache`` made from
the test's inputs, so a wrong forward pass never shows up as a wrong backward pass; the course's
backward pass is itself tested against centered differences in ``tests/test_layers.py``.

Notes: inputs are ReLU activations of a random layer (non-negative, skewed, means far from 0),
shifted so that no feature is centred already, plus one feature whose variance is about 1e-6,
of the order of eps: there ``(x - mu) / (sqrt(var) + eps)`` and ``/ sqrt(var + eps)`` differ
by far more than the tolerance, so eps in the wrong place fails. Every test, the visible one
included, passes a momentum and an eps other than the defaults (0.9, 1e-5), so an answer that
writes the defaults into its code fails with a hint that says so. Tolerances are tight enough
(1e-9) that a result rounded to float32 fails; only the cached variance gets 1e-7, for the valid
mean(x²) - mean(x)², which loses a few digits on the feature of tiny variance. The hints are in
``_batchnorm_hints``.
"""

from __future__ import annotations

import numpy as np

from .. import layers as ref
from . import _batchnorm_hints as hints
from ._core import CheckFailure, Spec
from ._hints import Hint, always
from ._registry import register

__all__ = [
    "check_batchnorm_forward",
    "check_batchnorm_forward_test",
    "check_batchnorm_backward",
    "check_batchnorm_backward_alt",
]

# the sizes (N, D, H) of each check's cases, seeds 0, 1, 2: all different (H: the input layer's width)
_SHAPES = {
    "batchnorm_forward": [[(12, 5, 3), (20, 7, 4)], [(15, 6, 9), (24, 4, 5)], [(30, 8, 6), (11, 3, 7)]],
    "batchnorm_forward_test": [[(9, 4, 6), (16, 5, 3)], [(13, 7, 2), (21, 6, 8)], [(10, 3, 5), (27, 9, 4)]],
    "batchnorm_backward": [[(10, 6, 4), (17, 3, 5)], [(14, 5, 8), (22, 7, 3)], [(19, 4, 6), (8, 9, 2)]],
    "batchnorm_backward_alt": [[(11, 4, 7), (18, 6, 2)], [(16, 8, 3), (25, 5, 4)], [(13, 3, 9), (29, 7, 6)]],
}
_MOMENTUM = (0.8, 0.7, 0.95)  # never the default 0.9, the visible test (seed 0) included
_EPS = (1e-3, 1e-4, 3e-3)  # never the default 1e-5
_SEED = {"batchnorm_forward": 60, "batchnorm_forward_test": 61, "batchnorm_backward": 62, "batchnorm_backward_alt": 63}
_TOL = 1e-9


def _sizes(case: dict) -> dict[str, int]:
    N, D = case["x"].shape
    return {"N": N, "D": D, "H": case["x_in"].shape[1]}


def _cases(name: str, seed: int) -> list[dict]:
    rng = np.random.default_rng(1000 * _SEED[name] + seed)
    cases = []
    for N, D, H in _SHAPES[name][seed % 3]:
        x_in = rng.standard_normal((N, H))
        x = np.maximum(0, x_in @ rng.standard_normal((H, D)) + 0.5) * rng.uniform(1, 5, D) + rng.uniform(-3, 3, D)
        x[:, -1] = 2.0 + 1e-3 * rng.standard_normal(N)  # variance ~1e-6, the order of eps
        case = dict(
            x_in=x_in,
            x=x,
            gamma=rng.uniform(0.5, 2.0, D),
            beta=rng.standard_normal(D),
            running_mean=rng.standard_normal(D),
            running_var=rng.uniform(0.5, 3.0, D),
            momentum=_MOMENTUM[seed % 3],
            eps=_EPS[seed % 3],
        )
        if name == "batchnorm_forward_test":  # the statistics of training, far from this batch's own
            case["running_mean"] = x.mean(axis=0) + rng.uniform(1.0, 2.0, D) * rng.choice([-1, 1], D)
            case["running_var"] = x.var(axis=0) * rng.uniform(2.0, 4.0, D) + 0.1
        if name.startswith("batchnorm_backward"):  # the cache of a correct forward pass, written out here
            mu, var = x.mean(axis=0), x.var(axis=0)
            case.update(mu=mu, var=var, x_hat=(x - mu) / np.sqrt(var + case["eps"]), dout=rng.standard_normal((N, D)))
            del case["running_mean"], case["running_var"], case["momentum"], case["beta"]
        cases.append(case)
    return cases


def _running(result) -> ref.Running:
    return ref.Running(np.asarray(result["running_mean"]), np.asarray(result["running_var"]))


def _triple(func: str, result):
    if not isinstance(result, (tuple, list)) or len(result) != 3:
        kind = f"tuple of {len(result)}" if isinstance(result, (tuple, list)) else type(result).__name__
        raise CheckFailure(f"{func} must return (out, cache, running), got a {kind}.", cause="not_a_triple")
    return result


def _mean_var(func: str, running):
    if hasattr(running, "mean") and hasattr(running, "var") and not isinstance(running, np.ndarray):
        return running.mean, running.var
    if isinstance(running, (tuple, list)) and len(running) == 2:
        return running[0], running[1]
    raise CheckFailure(
        f"{func}: the third result must be the running averages, Running(mean, var) (anything with "
        f".mean and .var), got {type(running).__name__}.",
        cause="running_not_a_pair",
    )


_CONTRACT = (
    "  Hint: the cache is a cu.layers.BatchnormCache, as the exercise says: the backward passes unpack "
    "its seven fields in order (x, x_hat, mu, var, gamma, eps, _ = cache) and read cache.x_hat, "
    "cache.var, cache.gamma and cache.eps."
)


def _cache_fields(cache) -> dict:
    """The fields of the student's cache as the backward passes read them (CheckFailure if they cannot)."""
    try:
        items = tuple(cache)
    except TypeError:
        items = None
    if items is None or len(items) != 7:
        what = f"a {type(cache).__name__} of {len(items)}" if items is not None else f"a {type(cache).__name__}"
        raise CheckFailure(
            f"batchnorm_forward: the cache is {what}, not the seven fields the backward passes read.\n{_CONTRACT}",
            cause="cache_not_seven_fields",
        )
    for i, name in enumerate(hints.FIELDS):
        if name in ("x_hat", "var", "gamma", "eps") and not hasattr(cache, name):
            raise CheckFailure(
                f"batchnorm_forward: the cache has no field named {name} (cache.{name}).\n{_CONTRACT}",
                cause="cache_field_missing",
            )
        if hasattr(cache, name) and getattr(cache, name) is not items[i]:
            raise CheckFailure(
                f"batchnorm_forward: cache.{name} is not the cache's field number {i + 1}: the "
                f"fields are in another order.\n{_CONTRACT}",
                cause="cache_fields_out_of_order",
            )
    return {f"cache.{name}": value for name, value in zip(hints.FIELDS, items)}


def _forward_caller(train: bool):
    def call(student, case):
        out, cache, running = _triple(
            "batchnorm_forward",
            student["batchnorm_forward"](
                case["x"],
                case["gamma"],
                case["beta"],
                ref.Running(case["running_mean"], case["running_var"]),
                train=train,
                momentum=case["momentum"],
                eps=case["eps"],
            ),
        )
        mean, var = _mean_var("batchnorm_forward", running)
        result = {"out": out, "running_mean": mean, "running_var": var, **_cache_fields(cache)}
        if train and isinstance(out, np.ndarray) and out.shape == case["x"].shape:
            result = {"out_mean": out.mean(axis=0), "out_std": out.std(axis=0), **result}
        return result

    return call


def _forward_expected(train: bool):
    def expected(case):
        out, cache, running = ref.batchnorm_forward(
            case["x"],
            case["gamma"],
            case["beta"],
            _running(case),
            train=train,
            momentum=case["momentum"],
            eps=case["eps"],
        )
        result = {"out": out, "running_mean": running.mean, "running_var": running.var}
        if train:
            result = {"out_mean": out.mean(axis=0), "out_std": out.std(axis=0), **result}
        return {**result, **{f"cache.{name}": getattr(cache, name) for name in hints.FIELDS}}

    return expected


def _per_feature_rows(case, outputs):
    """Derive: a cache's per-feature field kept as (1, D) (keepdims=True) is read as the (D,) it holds."""
    D = case["x"].shape[1]
    outputs = dict(outputs)
    for name in ("cache.mu", "cache.var", "cache.gamma"):
        value = outputs.get(name)
        if isinstance(value, np.ndarray) and value.shape == (1, D):
            outputs[name] = value.reshape(D)
    return outputs


def _backward_caller(backward_name: str):
    def call(student, case):
        cache = ref.BatchnormCache(case["x"], case["x_hat"], case["mu"], case["var"], case["gamma"], case["eps"], True)
        grads = student[backward_name](case["dout"], cache)
        if not isinstance(grads, (tuple, list)) or len(grads) != 3:
            raise CheckFailure(f"{backward_name} must return (dx, dgamma, dbeta).", cause="not_a_triple")
        return dict(zip(("dx", "dgamma", "dbeta"), grads))

    return call


def _backward_expected(case):
    cache = ref.BatchnormCache(case["x"], case["x_hat"], case["mu"], case["var"], case["gamma"], case["eps"], True)
    return dict(zip(("dx", "dgamma", "dbeta"), ref.batchnorm_backward(case["dout"], cache)))


_LIKE = {
    "out": "x",
    "running_mean": "gamma",
    "running_var": "gamma",
    "out_mean": "gamma",
    "out_std": "gamma",
    "cache.x": "x",
    "cache.x_hat": "x",
    "cache.mu": "gamma",
    "cache.var": "gamma",
    "cache.gamma": "gamma",
}


# the variance of the feature of tiny variance written as mean(x²) - mu² loses up to ~7e-9 of it to cancellation
_FORWARD_TOL = {**dict.fromkeys(_LIKE, _TOL), "cache.eps": _TOL, "cache.var": 1e-7}


def _forward_spec(name: str, train: bool):
    expected = _forward_expected(train)
    return Spec(
        name="batchnorm_forward",
        args=("batchnorm_forward",),
        cases=lambda seed: _cases(name, seed),
        call=_forward_caller(train),
        expected=expected,
        tol=_FORWARD_TOL,
        like=_LIKE,
        batch="x",
        hints=(hints.forward_hints(expected) if train else hints.test_mode_hints(expected))
        + hints.error_hints
        + (
            Hint(
                "in_place",
                always,
                "compute new arrays instead: x - mu rather than x -= mu, and new running averages rather than "
                "*= or += on running.mean and running.var (the caller still holds the old ones).",
                on="inplace",
            ),
        ),
        reference=("course_utils.layers.batchnorm_forward",),
        derive=_per_feature_rows,
    )


@register(_forward_spec("batchnorm_forward", True))
def check_batchnorm_forward(batchnorm_forward):
    """Check batchnorm_forward in train mode: out, its mean and std, the running averages, the cache (notebook 06)."""


@register(_forward_spec("batchnorm_forward_test", False))
def check_batchnorm_forward_test(batchnorm_forward):
    """Check batchnorm_forward(..., train=False): normalized with the running averages, which stay (notebook 06)."""


def _backward_spec(backward_name: str):
    return Spec(
        name=backward_name,
        args=(backward_name,),
        cases=lambda seed: _cases(backward_name, seed),
        call=_backward_caller(backward_name),
        expected=_backward_expected,
        tol=_TOL,
        like={"dx": "x", "dgamma": "gamma", "dbeta": "gamma"},
        batch="x",
        hints=hints.backward_hints(_backward_expected, closed_form=backward_name.endswith("_alt"))
        + hints.error_hints
        + (
            Hint(
                "in_place",
                always,
                "compute dx as a new array; never write into dout or the cache.",
                on="inplace",
            ),
        ),
        reference=("course_utils.layers.batchnorm_backward", "course_utils.layers.batchnorm_backward_alt"),
    )


@register(_backward_spec("batchnorm_backward"))
def check_batchnorm_backward(batchnorm_backward):
    """Check batchnorm_backward, node by node through the graph, on a correct cache (notebook 06)."""


@register(_backward_spec("batchnorm_backward_alt"))
def check_batchnorm_backward_alt(batchnorm_backward_alt):
    """Check the simplified batchnorm_backward_alt on a correct cache of the forward pass (notebook 06)."""


# check -> the named sizes of a case (the tests assert that they are pairwise distinct)
CASE_SIZES = dict.fromkeys(__all__, _sizes)
