"""Checks for notebook 08: the update rules sgd_momentum, nesterov_momentum, adagrad, rmsprop, adam.

Each check runs the student's rule for several steps on a weight array (N, D), feeding back the
state the rule returned, with a fresh random gradient at every step, and compares the steps
``next_w - w`` with those of :mod:`course_utils.optim`: the first step on its own (where an
error in the update itself shows), then all of them (where an error in the memory shows). The
student may keep any state (a dict with other keys, a tuple, ...): only the weights are judged.

Notes: one column of every gradient is tiny (about 1e-4), so that AdaGrad's and RMSProp's
caches there are of the order of eps and ``sqrt(cache) + eps`` differs clearly from
``sqrt(cache + eps)``. No hyperparameter of any case (the visible one included) is the rule's
default, so an answer that hard-codes 0.9 or 1e-8 fails, with a hint naming the keyword. A rule
that writes into ``w``, ``dw`` or its state, instead of returning new arrays, fails with its own
message. Steps that are nan or inf are judged in the grader's process, like every value: the
hint says which slip breaks down at the same entries (a t of 0 in Adam's bias correction, a
cache of signed gradients), and otherwise names no cause it cannot see.
"""

from __future__ import annotations

import copy
import inspect
from collections.abc import Callable
from typing import Any

import numpy as np

from ... import optim as ref
from .._core import CheckFailure, Spec
from .._hints import Hint, always
from .._registry import register

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
# every value differs from the rule's default (the visible check, seed 0, too), so a hard-coded default fails
_HYPER = {
    "sgd_momentum": [dict(lr=0.05, momentum=0.8), dict(lr=0.2, momentum=0.7), dict(lr=0.1, momentum=0.6)],
    "nesterov_momentum": [dict(lr=0.05, momentum=0.8), dict(lr=0.2, momentum=0.7), dict(lr=0.1, momentum=0.6)],
    "adagrad": [dict(lr=0.1, eps=1e-7), dict(lr=0.05, eps=1e-6), dict(lr=0.3, eps=3e-7)],
    "rmsprop": [
        dict(lr=0.02, decay_rate=0.9, eps=1e-7),
        dict(lr=0.05, decay_rate=0.8, eps=1e-6),
        dict(lr=0.005, decay_rate=0.95, eps=3e-7),
    ],
    "adam": [
        dict(lr=0.01, beta1=0.8, beta2=0.99, eps=1e-7),
        dict(lr=0.02, beta1=0.7, beta2=0.95, eps=1e-6),
        dict(lr=0.005, beta1=0.85, beta2=0.995, eps=3e-7),
    ],
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
    """Steps of ``rule`` from case['w'] with the gradients case['dws']; checks nothing is modified in place.

    A step that is nan or inf is kept as it is (the grader's side says why, from the pattern)."""
    w, state, steps = case["w"], None, []
    for i, dw in enumerate(case["dws"]):
        w_before, dw_before = w.copy(), dw.copy()
        state_before: Any = copy.deepcopy(state)
        with np.errstate(all="ignore"):
            result = rule(w, dw, state, **_hyper(case))
        if not isinstance(result, (tuple, list)) or len(result) != 2:
            raise CheckFailure(f"{name} must return (next_w, state), got {type(result).__name__}.", cause="not_a_pair")
        next_w, next_state = result
        if i > 0 and not np.array_equal(w, w_before, equal_nan=True):
            raise CheckFailure(
                f"{name} modified its input `w` in place at step {i + 1}. Return a new array: "
                f"next_w = w - ..., never w -= ... or w += ....",
                cause="in_place",
            )
        if not np.array_equal(dw, dw_before):
            raise CheckFailure(
                f"{name} modified its input `dw` in place at step {i + 1}. Never write into dw: "
                f"dw * dw or dw**2 make new arrays, dw *= ... does not.",
                cause="in_place",
            )
        if state_before is not None and not _same(state, state_before):
            raise CheckFailure(
                f"{name} modified the state it was given in place at step {i + 1}. Build new arrays "
                f"(cache = cache + dw**2, not cache += dw**2) and return them in a new dict.",
                cause="in_place",
            )
        next_w = np.asarray(next_w, dtype=np.float64)
        if next_w.shape != w.shape:
            raise CheckFailure(
                f"{name}: next_w has shape {next_w.shape}, expected {w.shape} like w.", cause="next_w_wrong_shape"
            )
        with np.errstate(all="ignore"):
            steps.append(next_w - w)
        w, state = next_w, next_state
    return {"steps": np.stack(steps), "first_step": steps[0]}


def _same(a, b) -> bool:
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, (tuple, list)) and isinstance(b, (tuple, list)):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b))
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        return np.shape(a) == np.shape(b) and np.array_equal(a, b, equal_nan=True)
    return a == b


def _variant_steps(variant, case: dict) -> dict | None:
    try:
        with np.errstate(all="ignore"):
            return _run(variant, copy.deepcopy(case), "variant")
    except (CheckFailure, ArithmeticError, ValueError):
        return None


def _matches(variant):
    """A hint test: do the student's steps equal those of the wrong ``variant`` rule?"""

    def test(got, exp, case):
        value = _variant_steps(variant, case)
        if value is None:
            return False
        value = value["steps"] if got.ndim == 3 else value["first_step"]
        return (
            value.shape == got.shape == np.shape(exp)
            and not np.allclose(value, exp)
            and np.allclose(got, value, rtol=1e-6, atol=1e-12, equal_nan=True)
        )

    return test


def _same_breakdown(variant, got: np.ndarray, case: dict) -> bool:
    """Does ``variant`` give nan or inf at the same entries as the student's steps, and the same finite ones?"""
    value = _variant_steps(variant, case)
    if value is None or value["steps"].shape != got.shape:
        return False
    value = value["steps"] if got.ndim == 3 else value["first_step"]
    finite = np.isfinite(got)
    return (
        np.array_equal(finite, np.isfinite(value))
        and not finite.all()
        and np.allclose(got[finite], value[finite], rtol=1e-6, atol=1e-12)
    )


def _forgetful(rule):
    """The rule with its memory dropped: every step starts from state=None."""
    return lambda w, dw, state=None, **hyper: rule(w, dw, None, **hyper)


def _hardcoded(rule, key: str, default: float):
    """The rule with keyword ``key`` fixed at its default, whatever the caller passes."""
    return lambda w, dw, state=None, **hyper: rule(w, dw, state, **{**hyper, key: default})


def _hardcoded_hints(name: str) -> tuple:
    """One hint per keyword of the course's rule: the steps of that keyword fixed at its default."""
    rule = ref.RULES[name]
    hints = []
    for key, param in inspect.signature(rule).parameters.items():
        if param.kind is inspect.Parameter.KEYWORD_ONLY:
            hints.append(
                Hint(
                    f"{key}_hardcoded",
                    _matches(_hardcoded(rule, key, param.default)),
                    f"the steps are those of {key}={param.default:g} whatever {key} is passed: use the "
                    f"keyword argument `{key}` in the formula, not a number written in (the check passes "
                    f"other values).",
                )
            )
    return tuple(hints)


def _momentum_uphill(w, dw, state=None, *, lr, momentum):
    v = momentum * (state["velocity"] if state else 0.0) + lr * dw
    return w + v, {"velocity": v}


def _nesterov_sign(w, dw, state=None, *, lr, momentum):
    v_prev = state["velocity"] if state else 0.0
    v = momentum * v_prev - lr * dw
    return w + momentum * v_prev + (1 + momentum) * v, {"velocity": v}


def _cache_rule(accumulate, *, eps_inside=False):
    """AdaGrad/RMSProp-like rules with a cache ``accumulate(old, dw, hyper)``; eps inside or outside the root."""

    def rule(w, dw, state=None, *, lr, eps, **hyper):
        cache = accumulate(state["cache"] if state else 0.0, dw, hyper)
        denom = np.sqrt(cache + eps) if eps_inside else np.sqrt(cache) + eps
        return w - lr * dw / denom, {"cache": cache}

    return rule


_adagrad_abs = _cache_rule(lambda c, dw, h: c + np.abs(dw))
_adagrad_signed = _cache_rule(lambda c, dw, h: c + dw)
_adagrad_eps_inside = _cache_rule(lambda c, dw, h: c + dw * dw, eps_inside=True)
_rmsprop_swapped = _cache_rule(lambda c, dw, h: (1 - h["decay_rate"]) * c + h["decay_rate"] * dw * dw)
_rmsprop_signed = _cache_rule(lambda c, dw, h: h["decay_rate"] * c + (1 - h["decay_rate"]) * dw)
_rmsprop_eps_inside = _cache_rule(
    lambda c, dw, h: h["decay_rate"] * c + (1 - h["decay_rate"]) * dw * dw, eps_inside=True
)
_rmsprop_adagrad = _cache_rule(lambda c, dw, h: c + dw * dw)


def _rmsprop_starts_full(w, dw, state=None, *, lr, decay_rate, eps):
    """RMSProp with the cache started at dw**2 on the first step instead of 0."""
    cache = dw * dw if state is None else decay_rate * state["cache"] + (1 - decay_rate) * dw * dw
    return w - lr * dw / (np.sqrt(cache) + eps), {"cache": cache}


def _rmsprop_corrected(w, dw, state=None, *, lr, decay_rate, eps):
    """RMSProp with Adam's bias correction of the cache, t counted in the state."""
    cache, t = (state["cache"], state["t"]) if state else (0.0, 0)
    cache = decay_rate * cache + (1 - decay_rate) * dw * dw
    return w - lr * dw / (np.sqrt(cache / (1 - decay_rate ** (t + 1))) + eps), {"cache": cache, "t": t + 1}


def _adam_variant(
    *,
    correct_m=True,
    correct_v=True,
    t_shift=0,
    t_stuck=False,
    eps_inside=False,
    squared=True,
    root=True,
    keep_hat=False,
):
    """Adam with one slip: a bias correction left out, t off by ``t_shift`` or never counted up, eps inside the
    root, v averaging dw rather than dw**2, no root of v_hat, or the corrected moments kept in the state."""

    def rule(w, dw, state=None, *, lr, beta1, beta2, eps):
        m, v, t = (state["m"], state["v"], state["t"]) if state else (0.0, 0.0, 0)
        t = 0 if t_stuck else t
        t_used = t + 1 + t_shift
        m = beta1 * m + (1 - beta1) * dw
        v = beta2 * v + (1 - beta2) * (dw * dw if squared else dw)
        m_hat = m / (1 - beta1**t_used) if correct_m else m
        v_hat = v / (1 - beta2**t_used) if correct_v else v
        denom = np.sqrt(v_hat + eps) if eps_inside else (np.sqrt(v_hat) if root else v_hat) + eps
        return w - lr * m_hat / denom, {"m": m_hat if keep_hat else m, "v": v_hat if keep_hat else v, "t": t + 1}

    return rule


_MEMORY = (
    "the first step is right but the later ones are not: the rule's memory must carry over. Read it from "
    "`state` (None on the first step) and return the updated memory in the new state."
)
_EPS = "eps goes outside the root: dw / (np.sqrt(cache) + eps)."
_HINTS = {
    "sgd_momentum": (
        Hint(
            "velocity_uphill",
            _matches(_momentum_uphill),
            "the velocity must point downhill: v = momentum * v - lr * dw, then w + v.",
        ),
        Hint(
            "velocity_not_kept",
            _matches(_forgetful(ref.sgd_momentum)),
            "every step is plain SGD's, -lr * dw: the velocity must carry over. Read v from `state` (zeros on the first "
            "step), update v = momentum * v - lr * dw, step by it and return it in the new state.",
        ),
    )
    + _hardcoded_hints("sgd_momentum"),
    "nesterov_momentum": (
        Hint(
            "plain_momentum",
            _matches(ref.sgd_momentum),
            "that is plain momentum (w + v): Nesterov's step is w - momentum * v_prev + (1 + momentum) * v, where "
            "v_prev is the velocity before this step's update, not the new v.",
        ),
        Hint(
            "v_prev_sign",
            _matches(_nesterov_sign),
            "the sign of the v_prev term: w - momentum * v_prev + (1 + momentum) * v.",
        ),
        Hint("memory_not_kept", _matches(_forgetful(ref.nesterov_momentum)), _MEMORY),
    )
    + _hardcoded_hints("nesterov_momentum"),
    "adagrad": (
        Hint("cache_abs", _matches(_adagrad_abs), "the cache adds up squared gradients: cache + dw**2, not |dw|."),
        Hint("eps_inside_root", _matches(_adagrad_eps_inside), _EPS),
        Hint("memory_not_kept", _matches(_forgetful(ref.adagrad)), _MEMORY),
    )
    + _hardcoded_hints("adagrad"),
    "rmsprop": (
        Hint(
            "decay_swapped",
            _matches(_rmsprop_swapped),
            "decay_rate weighs the OLD cache: cache = decay_rate * cache + (1 - decay_rate) * dw**2.",
        ),
        Hint("eps_inside_root", _matches(_rmsprop_eps_inside), _EPS),
        Hint(
            "cache_never_forgets",
            _matches(_rmsprop_adagrad),
            "that cache only grows, as AdaGrad's does: RMSProp's forgets, cache = "
            "decay_rate * cache + (1 - decay_rate) * dw**2.",
        ),
        Hint(
            "bias_corrected",
            _matches(_rmsprop_corrected),
            "RMSProp has no bias correction (Adam's addition): divide dw by np.sqrt(cache) + eps, the cache itself.",
        ),
        Hint(
            "cache_starts_full",
            _matches(_rmsprop_starts_full),
            "the cache starts at dw**2: start it at zeros (state None) and update it as "
            "on every step, cache = decay_rate * cache + (1 - decay_rate) * dw**2.",
        ),
        Hint("memory_not_kept", _matches(_forgetful(ref.rmsprop)), _MEMORY),
    )
    + _hardcoded_hints("rmsprop"),
    "adam": (
        Hint(
            "missing_bias_correction",
            _matches(_adam_variant(correct_m=False, correct_v=False)),
            "the bias correction is missing: divide m by (1 - beta1**t) and v by (1 - beta2**t), t counted from 1.",
        ),
        Hint(
            "missing_m_correction",
            _matches(_adam_variant(correct_m=False)),
            "m's bias correction is missing: m_hat = m / (1 - beta1**t).",
        ),
        Hint(
            "missing_v_correction",
            _matches(_adam_variant(correct_v=False)),
            "v's bias correction is missing: v_hat = v / (1 - beta2**t).",
        ),
        Hint(
            "t_one_ahead",
            _matches(_adam_variant(t_shift=1)),
            "t is one step ahead in the bias correction: on the first step t must be 1 (start the state at t = 0 "
            "and add 1 before correcting), so that m_hat is exactly dw there.",
        ),
        Hint(
            "t_stuck",
            _matches(_adam_variant(t_stuck=True)),
            "t does not count up: the later steps correct as if each were the first. Return t (one more than "
            "before) in the new state.",
        ),
        Hint(
            "eps_inside_root",
            _matches(_adam_variant(eps_inside=True)),
            "eps goes outside the root: m_hat / (np.sqrt(v_hat) + eps).",
        ),
        Hint(
            "missing_sqrt",
            _matches(_adam_variant(root=False)),
            "the step divides by v_hat: divide by its square root, m_hat / (np.sqrt(v_hat) + eps).",
        ),
        Hint(
            "state_holds_corrected",
            _matches(_adam_variant(keep_hat=True)),
            "the state holds the bias-corrected m_hat and v_hat: keep m and v themselves in the state (the "
            "correction is for the step only), or the next step corrects them again.",
        ),
        Hint("memory_not_kept", _matches(_forgetful(ref.adam)), _MEMORY),
    )
    + _hardcoded_hints("adam"),
}

# nan or inf in the steps: (cause, variant that breaks down at the same entries, hint), then the rule's generic hint
_BREAKDOWNS = {
    "adagrad": (
        (
            "signed_cache",
            _adagrad_signed,
            "the cache must add up SQUARED gradients (dw * dw): a sum of signed gradients "
            "goes below zero, and its square root is nan.",
        ),
    ),
    "rmsprop": (
        (
            "signed_cache",
            _rmsprop_signed,
            "the cache must average SQUARED gradients (dw * dw): an average of signed "
            "gradients goes below zero, and its square root is nan.",
        ),
    ),
    "adam": (
        (
            "t_incremented_late",
            _adam_variant(t_shift=-1),
            "increment t BEFORE the bias correction: with t = 0, 1 - beta1**t is 0 and the first step divides by zero.",
        ),
        (
            "signed_v",
            _adam_variant(squared=False),
            "v must average SQUARED gradients (dw * dw): an average of signed "
            "gradients goes below zero, and its square root is nan.",
        ),
    ),
}
_BREAKDOWN = (
    "a step divided by zero or took the square root of a negative number: print each intermediate "
    "(every cache or moment, and what each division gets) at that step."
)


def _breaks_like(variant: Any) -> Callable[[Any, Any, Any], bool]:
    """A hint's test: the steps break down (nan or inf) where ``variant``'s do."""
    return lambda got, exp, case: _same_breakdown(variant, got, case)


def _nonfinite_hints(name: str) -> tuple[Hint, ...]:
    """The hints for nan or inf in the steps: a variant that breaks down at the same entries, else the rule's own."""
    return tuple(
        Hint(code, _breaks_like(variant), text, on="nonfinite") for code, variant, text in _BREAKDOWNS.get(name, ())
    ) + (Hint("not_finite", always, _BREAKDOWN, on="nonfinite"),)


def _spec(name: str) -> Spec:
    return Spec(
        name=name,
        args=(name,),
        cases=lambda seed: _cases(name, seed),
        call=lambda student, case: _run(student[name], case, name),
        expected=lambda case: _run(ref.RULES[name], case, name),
        tol=1e-7,
        like={"first_step": "w"},
        hints=_HINTS[name] + _nonfinite_hints(name),
        reference=(f"course_utils.optim.{name}",),
        hints_first=True,
    )


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
