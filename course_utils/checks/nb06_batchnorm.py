"""Checks for notebook 06: batchnorm forward (train and test mode) and both backward passes.

The forward checks call the student's ``batchnorm_forward(x, gamma, beta, running, train=...,
momentum=..., eps=...)`` and compare ``out`` and the returned running averages (anything with
``.mean`` and ``.var``, or a pair) with :func:`course_utils.layers.batchnorm_forward`. The train
check also compares the per-feature mean and standard deviation of ``out``, which are beta and
about gamma: the first rows of its table say whether the normalization itself is right.
The backward checks run the student's forward pass in train mode, then the student's backward
pass on the student's own cache (students choose what to cache), and compare dx, dgamma and
dbeta with the course's backward pass; the course's pass is itself tested against centered
differences in ``tests/test_layers.py``.

Notes: inputs are ReLU activations of a random layer (non-negative, skewed, means far from 0),
shifted so that no feature is centred already, plus one feature whose variance is about 1e-6,
of the order of eps: there ``(x - mu) / (sqrt(var) + eps)`` and ``/ sqrt(var + eps)`` differ
by far more than the tolerance, so eps in the wrong place fails. The hidden tests change
``momentum`` (0.8, 0.7), so an answer that hard-codes 0.9 fails.
"""
from __future__ import annotations

import numpy as np

from .. import layers as ref
from ._core import CheckFailure
from ._hints import matches
from ._registry import register
from ._shapes import ShapeSpec

__all__ = ["check_batchnorm_forward", "check_batchnorm_forward_test", "check_batchnorm_backward",
           "check_batchnorm_backward_alt"]

# the sizes (N, D, H) of each check's cases, seeds 0, 1, 2: all different (H: the input layer's width)
_SHAPES = {
    "batchnorm_forward": [[(12, 5, 3), (20, 7, 4)], [(15, 6, 9), (24, 4, 5)], [(30, 8, 6), (11, 3, 7)]],
    "batchnorm_forward_test": [[(9, 4, 6), (16, 5, 3)], [(13, 7, 2), (21, 6, 8)], [(10, 3, 5), (27, 9, 4)]],
    "batchnorm_backward": [[(10, 6, 4), (17, 3, 5)], [(14, 5, 8), (22, 7, 3)], [(19, 4, 6), (8, 9, 2)]],
    "batchnorm_backward_alt": [[(11, 4, 7), (18, 6, 2)], [(16, 8, 3), (25, 5, 4)], [(13, 3, 9), (29, 7, 6)]],
}
_MOMENTUM = (0.9, 0.8, 0.7)
_SEED = {"batchnorm_forward": 60, "batchnorm_forward_test": 61, "batchnorm_backward": 62,
         "batchnorm_backward_alt": 63}


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
        case = dict(x_in=x_in, x=x, gamma=rng.uniform(0.5, 2.0, D), beta=rng.standard_normal(D),
                    running_mean=rng.standard_normal(D), running_var=rng.uniform(0.5, 3.0, D),
                    momentum=_MOMENTUM[seed % 3])
        if name == "batchnorm_forward_test":  # the statistics of training, far from this batch's own
            case["running_mean"] = x.mean(axis=0) + rng.uniform(1.0, 2.0, D) * rng.choice([-1, 1], D)
            case["running_var"] = x.var(axis=0) * rng.uniform(2.0, 4.0, D) + 0.1
        if name.startswith("batchnorm_backward"):
            case["dout"] = rng.standard_normal((N, D))
        cases.append(case)
    return cases


def _running(result) -> ref.Running:
    return ref.Running(np.asarray(result["running_mean"]), np.asarray(result["running_var"]))


def _triple(func: str, result):
    if not isinstance(result, (tuple, list)) or len(result) != 3:
        kind = f"tuple of {len(result)}" if isinstance(result, (tuple, list)) else type(result).__name__
        raise CheckFailure(f"{func} must return (out, cache, running), got a {kind}.")
    return result


def _mean_var(func: str, running):
    if hasattr(running, "mean") and hasattr(running, "var") and not isinstance(running, np.ndarray):
        return running.mean, running.var
    if isinstance(running, (tuple, list)) and len(running) == 2:
        return running[0], running[1]
    raise CheckFailure(f"{func}: the third result must be the running averages, Running(mean, var) (anything with "
                       f".mean and .var), got {type(running).__name__}.")


def _forward_caller(train: bool):
    def call(student, case):
        out, _, running = _triple("batchnorm_forward", student["batchnorm_forward"](
            case["x"], case["gamma"], case["beta"], ref.Running(case["running_mean"], case["running_var"]),
            train=train, momentum=case["momentum"], eps=1e-5))
        mean, var = _mean_var("batchnorm_forward", running)
        result = {"out": out, "running_mean": mean, "running_var": var}
        if train and isinstance(out, np.ndarray) and out.shape == case["x"].shape:
            result = {"out_mean": out.mean(axis=0), "out_std": out.std(axis=0), **result}
        return result

    return call


def _forward_expected(train: bool):
    def expected(case):
        out, _, running = ref.batchnorm_forward(case["x"], case["gamma"], case["beta"], _running(case),
                                                train=train, momentum=case["momentum"], eps=1e-5)
        result = {"out": out, "running_mean": running.mean, "running_var": running.var}
        if train:
            result = {"out_mean": out.mean(axis=0), "out_std": out.std(axis=0), **result}
        return result

    return expected


def _backward_caller(backward_name: str):
    def call(student, case):
        _, cache, _ = _triple("batchnorm_forward", student["batchnorm_forward"](
            case["x"], case["gamma"], case["beta"], ref.Running(case["running_mean"], case["running_var"]),
            train=True, momentum=case["momentum"], eps=1e-5))
        grads = student[backward_name](case["dout"], cache)
        if not isinstance(grads, (tuple, list)) or len(grads) != 3:
            raise CheckFailure(f"{backward_name} must return (dx, dgamma, dbeta).")
        return dict(zip(("dx", "dgamma", "dbeta"), grads))

    return call


def _backward_expected(case):
    _, cache, _ = ref.batchnorm_forward(case["x"], case["gamma"], case["beta"], _running(case), train=True,
                                        momentum=case["momentum"], eps=1e-5)
    return dict(zip(("dx", "dgamma", "dbeta"), ref.batchnorm_backward(case["dout"], cache)))


def _normalized(case, var, eps_outside=False):
    x = case["x"]
    scale = np.sqrt(var) + 1e-5 if eps_outside else np.sqrt(var + 1e-5)
    return case["gamma"] * (x - x.mean(axis=0)) / scale + case["beta"]


def _std_of(formula):
    return lambda c: formula(c).std(axis=0)


def _swapped(key, stat):
    return lambda c: (1 - c["momentum"]) * c[f"running_{key}"] + c["momentum"] * stat(c["x"])


_DDOF = ("the variance is the biased one, the mean of (x - mean)² over the batch (divide by N, not N - 1): "
         "np.var(x, axis=0), without ddof=1.")
_EPS = "eps goes inside the square root: (x - mean) / np.sqrt(var + eps), not / (np.sqrt(var) + eps)."
_MOMENTUM_SIDE = ("momentum weighs the OLD running average: running = momentum * running + (1 - momentum) * "
                  "batch statistic (and use the momentum you are given, not 0.9).")
_FORWARD_HINTS = (
    (matches(lambda c: _normalized(c, c["x"].var(axis=0, ddof=1))), _DDOF),
    (matches(_std_of(lambda c: _normalized(c, c["x"].var(axis=0, ddof=1)))), _DDOF),
    (matches(lambda c: _normalized(c, c["x"].var(axis=0), eps_outside=True)), _EPS),
    (matches(_std_of(lambda c: _normalized(c, c["x"].var(axis=0), eps_outside=True))), _EPS),
    (matches(_swapped("mean", lambda x: x.mean(axis=0))), _MOMENTUM_SIDE),
    (matches(_swapped("var", lambda x: x.var(axis=0))), _MOMENTUM_SIDE),
    (matches(lambda c: c["x"].mean(axis=0)), "return the updated running average, not this batch's mean."),
    (matches(lambda c: c["x"].var(axis=0)), "return the updated running average, not this batch's variance."),
)

_BATCH_STATS = ("in test mode normalize with the running averages you were given (running.mean, running.var), "
                "not this batch's statistics: a prediction must not depend on the other examples in the batch.")
_TEST_HINTS = (
    (matches(lambda c: _normalized(c, c["x"].var(axis=0))), _BATCH_STATS),
    (matches(lambda c: c["momentum"] * c["running_mean"] + (1 - c["momentum"]) * c["x"].mean(axis=0)),
     "test mode leaves the running averages as they are: return them unchanged."),
    (matches(lambda c: c["momentum"] * c["running_var"] + (1 - c["momentum"]) * c["x"].var(axis=0)),
     "test mode leaves the running averages as they are: return them unchanged."),
)


def _direct_only(c):
    return c["dout"] * c["gamma"] / np.sqrt(c["x"].var(axis=0) + 1e-5)


_BACKWARD_HINTS = (
    (matches(_direct_only),
     "that is only the direct path through x - mean: the mean and the variance depend on every x too, so add "
     "the gradients that flow back through them (dvar, then dmu)."),
    (matches(lambda c: c["dout"] * c["gamma"]),
     "dx must also go through the division by sqrt(var + eps), and through the mean and the variance."),
    (matches(lambda c: c["dout"] * ((c["x"] - c["x"].mean(axis=0)) / np.sqrt(c["x"].var(axis=0) + 1e-5))),
     "dgamma = sum over the batch of dout * x_hat: np.sum(dout * x_hat, axis=0)."),
)
_ERROR_HINT = ("the sums over the batch give arrays of shape (D,); keep every per-feature quantity (mean, var, "
               "dvar, dmu) of shape (D,) and every per-example one of shape (N, D).")


def _forward_spec(name: str, train: bool, hints):
    return ShapeSpec(
        name="batchnorm_forward", args=("batchnorm_forward",), cases=lambda seed: _cases(name, seed),
        call=_forward_caller(train), expected=_forward_expected(train), tol=1e-7,
        like={"out": "x", "running_mean": "gamma", "running_var": "gamma", "out_mean": "gamma",
              "out_std": "gamma"},
        batch="x", hints=hints, reference=("course_utils.layers.batchnorm_forward",), error_hint=_ERROR_HINT)


@register(_forward_spec("batchnorm_forward", True, _FORWARD_HINTS))
def check_batchnorm_forward(batchnorm_forward):
    """Check batchnorm_forward in train mode: out, its per-feature mean and std, the running averages (notebook 06)."""


@register(_forward_spec("batchnorm_forward_test", False, _TEST_HINTS))
def check_batchnorm_forward_test(batchnorm_forward):
    """Check batchnorm_forward(..., train=False): normalized with the running averages, which stay (notebook 06)."""


def _backward_spec(backward_name: str):
    return ShapeSpec(
        name=backward_name, args=("batchnorm_forward", backward_name),
        cases=lambda seed: _cases(backward_name, seed), call=_backward_caller(backward_name),
        expected=_backward_expected, tol={"dx": 1e-6, "dgamma": 1e-7, "dbeta": 1e-7},
        like={"dx": "x", "dgamma": "gamma", "dbeta": "beta"}, batch="x", hints=_BACKWARD_HINTS,
        reference=("course_utils.layers.batchnorm_backward", "course_utils.layers.batchnorm_backward_alt"),
        error_hint=_ERROR_HINT)


@register(_backward_spec("batchnorm_backward"))
def check_batchnorm_backward(batchnorm_forward, batchnorm_backward):
    """Check batchnorm_backward, node by node through the graph, on the cache of your forward pass (notebook 06)."""


@register(_backward_spec("batchnorm_backward_alt"))
def check_batchnorm_backward_alt(batchnorm_forward, batchnorm_backward_alt):
    """Check the simplified batchnorm_backward_alt on the cache of your forward pass (notebook 06)."""


# check -> the named sizes of a case (the tests assert that they are pairwise distinct)
CASE_SIZES = dict.fromkeys(__all__, _sizes)
