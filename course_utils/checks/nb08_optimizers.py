"""Checks for notebook 08: the update rules sgd_momentum, nesterov_momentum, adagrad, rmsprop, adam.

Each check runs the student's rule for several steps on a weight array (N, D), feeding back the
state the rule returned, with a fresh random gradient at every step, and compares the steps
``next_w - w`` with those of :mod:`course_utils.optim`: the first step on its own (where an
error in the update itself shows), then all of them (where an error in the memory shows). The
student may keep any state (a dict with other keys, a tuple, ...): only the weights are judged.

Notes: one column of every gradient is tiny (about 1e-4), so that AdaGrad's and RMSProp's
caches there are of the order of eps and ``sqrt(cache) + eps`` differs clearly from
``sqrt(cache + eps)``. Hyperparameters change with the seed (the hidden tests), so an answer
that hard-codes 0.9 or 0.99 fails. A rule that writes into ``w``, ``dw`` or its state, instead
of returning new arrays, fails with its own message.
"""
from __future__ import annotations

import copy

import numpy as np

from .. import optim as ref
from ._core import CheckFailure, Spec
from ._registry import register

__all__ = ["check_sgd_momentum", "check_nesterov_momentum", "check_adagrad", "check_rmsprop", "check_adam"]

# the sizes (N, D) of each check's cases, seeds 0, 1, 2: N != D everywhere
_SHAPES = {
    "sgd_momentum": [(3, 5), (6, 4), (4, 7)],
    "nesterov_momentum": [(5, 3), (4, 6), (7, 2)],
    "adagrad": [(2, 6), (5, 8), (3, 4)],
    "rmsprop": [(6, 3), (8, 5), (2, 9)],
    "adam": [(4, 5), (7, 3), (5, 6)],
}
_STEPS = 5
_HYPER = {
    "sgd_momentum": [dict(lr=0.1, momentum=0.9), dict(lr=0.05, momentum=0.8), dict(lr=0.2, momentum=0.7)],
    "nesterov_momentum": [dict(lr=0.1, momentum=0.9), dict(lr=0.05, momentum=0.8), dict(lr=0.2, momentum=0.7)],
    "adagrad": [dict(lr=0.1, eps=1e-8), dict(lr=0.05, eps=1e-7), dict(lr=0.3, eps=1e-8)],
    "rmsprop": [dict(lr=0.01, decay_rate=0.9, eps=1e-8), dict(lr=0.02, decay_rate=0.8, eps=1e-7),
                dict(lr=0.005, decay_rate=0.95, eps=1e-8)],
    "adam": [dict(lr=0.01, beta1=0.9, beta2=0.999, eps=1e-8), dict(lr=0.02, beta1=0.8, beta2=0.99, eps=1e-7),
             dict(lr=0.005, beta1=0.85, beta2=0.995, eps=1e-8)],
}
_SEED = {"sgd_momentum": 80, "nesterov_momentum": 81, "adagrad": 82, "rmsprop": 83, "adam": 84}


def _sizes(case: dict) -> dict[str, int]:
    N, D = case["w"].shape
    return {"N": N, "D": D}


def _cases(name: str, seed: int) -> list[dict]:
    rng = np.random.default_rng(1000 * _SEED[name] + seed)
    N, D = _SHAPES[name][seed % 3]
    dws = rng.standard_normal((_STEPS, N, D)) * rng.uniform(0.5, 2.0, D)
    dws[:, :, 0] *= 1e-4  # a cache of the order of eps: eps inside or outside the root differs
    return [dict(w=rng.standard_normal((N, D)), dws=dws, **_HYPER[name][seed % 3])]


def _hyper(case: dict) -> dict:
    return {k: v for k, v in case.items() if k not in ("w", "dws")}


def _run(rule, case: dict, name: str) -> dict:
    """Steps of ``rule`` from case['w'] with the gradients case['dws']; checks nothing is modified in place."""
    w, state, steps = case["w"], None, []
    for i, dw in enumerate(case["dws"]):
        w_before, dw_before, state_before = w.copy(), dw.copy(), copy.deepcopy(state)
        with np.errstate(all="ignore"):
            result = rule(w, dw, state, **_hyper(case))
        if not isinstance(result, (tuple, list)) or len(result) != 2:
            raise CheckFailure(f"{name} must return (next_w, state), got {type(result).__name__}.")
        next_w, next_state = result
        if i > 0 and not np.array_equal(w, w_before):
            raise CheckFailure(f"{name} modified its input `w` in place at step {i + 1}. Return a new array: "
                               f"next_w = w - ..., never w -= ... or w += ....")
        if not np.array_equal(dw, dw_before):
            raise CheckFailure(f"{name} modified its input `dw` in place at step {i + 1}. Never write into dw.")
        if state_before is not None and not _same(state, state_before):
            raise CheckFailure(f"{name} modified the state it was given in place at step {i + 1}. Build new arrays "
                               f"(cache = cache + dw**2, not cache += dw**2) and return them in a new dict.")
        next_w = np.asarray(next_w, dtype=np.float64)
        if next_w.shape != w.shape:
            raise CheckFailure(f"{name}: next_w has shape {next_w.shape}, expected {w.shape} like w.")
        if not np.all(np.isfinite(next_w)):
            raise CheckFailure(f"{name}: next_w holds nan or inf at step {i + 1}. " + _NONFINITE.get(name, ""))
        steps.append(next_w - w)
        w, state = next_w, next_state
    return {"steps": np.stack(steps), "first_step": steps[0]}


def _same(a, b) -> bool:
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, (tuple, list)) and isinstance(b, (tuple, list)):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b))
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        return np.shape(a) == np.shape(b) and np.array_equal(a, b)
    return a == b


def _matches(variant):
    """A hint test: do the student's steps equal those of the wrong ``variant`` rule?"""

    def test(got, exp, case):
        try:
            with np.errstate(all="ignore"):
                value = _run(variant, copy.deepcopy(case), "variant")
        except CheckFailure:
            return False
        value = value["steps"] if got.ndim == 3 else value["first_step"]
        return (value.shape == got.shape == np.shape(exp) and not np.allclose(value, exp)
                and np.allclose(got, value, rtol=1e-6, atol=1e-12, equal_nan=True))

    return test


_NONFINITE = {
    "adagrad": "Hint: the cache must add up SQUARED gradients (dw * dw): a sum of signed gradients can go below "
               "zero, and its square root is nan.",
    "rmsprop": "Hint: the cache must average SQUARED gradients (dw * dw), so that its square root exists.",
    "adam": "Hint: increment t BEFORE the bias correction: with t = 0, 1 - beta1**t is 0 and the step divides "
            "by zero.",
}


def _forgetful(rule):
    """The rule with its memory dropped: every step starts from state=None."""
    return lambda w, dw, state=None, **hyper: rule(w, dw, None, **hyper)


def _momentum_uphill(w, dw, state=None, *, lr, momentum):
    v = momentum * (state["velocity"] if state else 0.0) + lr * dw
    return w + v, {"velocity": v}


def _adagrad_unsquared(w, dw, state=None, *, lr, eps):
    cache = (state["cache"] if state else 0.0) + np.abs(dw)
    return w - lr * dw / (np.sqrt(cache) + eps), {"cache": cache}


def _adagrad_eps_inside(w, dw, state=None, *, lr, eps):
    cache = (state["cache"] if state else 0.0) + dw * dw
    return w - lr * dw / np.sqrt(cache + eps), {"cache": cache}


def _rmsprop_swapped(w, dw, state=None, *, lr, decay_rate, eps):
    cache = (1 - decay_rate) * (state["cache"] if state else 0.0) + decay_rate * dw * dw
    return w - lr * dw / (np.sqrt(cache) + eps), {"cache": cache}


def _rmsprop_eps_inside(w, dw, state=None, *, lr, decay_rate, eps):
    cache = decay_rate * (state["cache"] if state else 0.0) + (1 - decay_rate) * dw * dw
    return w - lr * dw / np.sqrt(cache + eps), {"cache": cache}


def _adam_variant(*, correct=True, t_after=False, eps_inside=False):
    def rule(w, dw, state=None, *, lr, beta1, beta2, eps):
        m, v, t = (state["m"], state["v"], state["t"]) if state else (0.0, 0.0, 0)
        t_used = t if t_after else t + 1
        m = beta1 * m + (1 - beta1) * dw
        v = beta2 * v + (1 - beta2) * dw * dw
        m_hat, v_hat = (m / (1 - beta1 ** t_used), v / (1 - beta2 ** t_used)) if correct else (m, v)
        denom = np.sqrt(v_hat + eps) if eps_inside else np.sqrt(v_hat) + eps
        return w - lr * m_hat / denom, {"m": m, "v": v, "t": t + 1}
    return rule


_MEMORY = ("the first step is right but the later ones are not: the rule's memory must carry over. Read it from "
           "`state` (None on the first step) and return the updated memory in the new state.")
_HINTS = {
    "sgd_momentum": (
        (_matches(_momentum_uphill), "the velocity must point downhill: v = momentum * v - lr * dw, then w + v."),
        (_matches(_forgetful(ref.sgd_momentum)), _MEMORY),
        (_matches(lambda w, dw, state=None, *, lr, momentum: ref.sgd(w, dw, lr=lr)),
         "that is plain SGD: keep a velocity v = momentum * v - lr * dw and step by it."),
    ),
    "nesterov_momentum": (
        (_matches(ref.sgd_momentum),
         "that is plain momentum: Nesterov's step is w - momentum * v_prev + (1 + momentum) * v, where v_prev is "
         "the velocity before this step's update."),
        (_matches(_forgetful(ref.nesterov_momentum)), _MEMORY),
    ),
    "adagrad": (
        (_matches(_adagrad_unsquared), "the cache adds up squared gradients: cache + dw**2, not |dw|."),
        (_matches(_adagrad_eps_inside), "eps goes outside the root: dw / (np.sqrt(cache) + eps)."),
        (_matches(_forgetful(ref.adagrad)), _MEMORY),
    ),
    "rmsprop": (
        (_matches(_rmsprop_swapped), "decay_rate weighs the OLD cache: cache = decay_rate * cache + "
                                     "(1 - decay_rate) * dw**2."),
        (_matches(_rmsprop_eps_inside), "eps goes outside the root: dw / (np.sqrt(cache) + eps)."),
        (_matches(_forgetful(ref.rmsprop)), _MEMORY),
    ),
    "adam": (
        (_matches(_adam_variant(correct=False)),
         "the bias correction is missing: divide m by (1 - beta1**t) and v by (1 - beta2**t), t counted from 1."),
        (_matches(_adam_variant(eps_inside=True)), "eps goes outside the root: m_hat / (np.sqrt(v_hat) + eps)."),
        (_matches(_forgetful(ref.adam)), _MEMORY),
    ),
}


def _spec(name: str) -> Spec:
    return Spec(
        name=name, args=(name,), cases=lambda seed: _cases(name, seed),
        call=lambda student, case: _run(student[name], case, name),
        expected=lambda case: _run(ref.RULES[name], case, name),
        tol=1e-7, like={"first_step": "w"}, hints=_HINTS[name], reference=(f"course_utils.optim.{name}",))


@register(_spec("sgd_momentum"))
def check_sgd_momentum(sgd_momentum):
    """Check sgd_momentum over several steps, the velocity carried in the state (notebook 08)."""


@register(_spec("nesterov_momentum"))
def check_nesterov_momentum(nesterov_momentum):
    """Check nesterov_momentum (the notes' form) over several steps (notebook 08)."""


@register(_spec("adagrad"))
def check_adagrad(adagrad):
    """Check adagrad over several steps, the cache of squared gradients in the state (notebook 08)."""


@register(_spec("rmsprop"))
def check_rmsprop(rmsprop):
    """Check rmsprop over several steps, the leaky cache in the state (notebook 08)."""


@register(_spec("adam"))
def check_adam(adam):
    """Check adam over several steps: both moments, the step count and the bias correction (notebook 08)."""


# check -> the named sizes of a case (the tests assert that they are pairwise distinct)
CASE_SIZES = dict.fromkeys(__all__, _sizes)
