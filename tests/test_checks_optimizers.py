"""The notebook 08 checks: the course's rules and right answers written differently pass; slips fail with their hint."""
import numpy as np
import pytest

import course_utils as cu

checks = cu.checks
optim = cu.optim


def momentum_negated(w, dw, state=None, *, lr, momentum):
    """The velocity kept with the opposite sign: v = mu v + lr dw, w -= v (the same steps)."""
    v = momentum * (state if state is not None else 0.0) + lr * dw
    return w - v, v


def nesterov_lookahead(w, dw, state=None, *, lr, momentum):
    """Nesterov as w_ahead tracking: the same steps written through x = w + mu v."""
    v = state["v"] if state else np.zeros_like(w)
    v_new = momentum * v - lr * dw
    return w + momentum * v_new - lr * dw, {"v": v_new}


def adagrad_tuple(w, dw, state=None, *, lr, eps):
    cache = (state[0] if state else 0) + dw ** 2
    return w - lr * dw / (cache ** 0.5 + eps), (cache,)


def rmsprop_plain(w, dw, state=None, *, lr, decay_rate, eps):
    cache = np.zeros_like(w) if state is None else state["cache"]
    cache = cache + (1 - decay_rate) * (dw * dw - cache)
    return w - lr * dw / (np.sqrt(cache) + eps), {"cache": cache}


def adam_t_from_one(w, dw, state=None, *, lr, beta1, beta2, eps):
    """t starts at 1 and is incremented after use: the same steps."""
    m, v, t = state if state else (np.zeros_like(w), np.zeros_like(w), 1)
    m = beta1 * m + (1 - beta1) * dw
    v = beta2 * v + (1 - beta2) * dw * dw
    step = lr * (m / (1 - beta1 ** t)) / (np.sqrt(v / (1 - beta2 ** t)) + eps)
    return w - step, (m, v, t + 1)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_the_course_rules_pass(seed):
    for name in ("sgd_momentum", "nesterov_momentum", "adagrad", "rmsprop", "adam"):
        getattr(checks, f"check_{name}")(optim.RULES[name], seed=seed, verbose=False)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_right_answers_written_differently_pass(seed):
    checks.check_sgd_momentum(sgd_momentum=momentum_negated, seed=seed, verbose=False)
    checks.check_nesterov_momentum(nesterov_momentum=nesterov_lookahead, seed=seed, verbose=False)
    checks.check_adagrad(adagrad=adagrad_tuple, seed=seed, verbose=False)
    checks.check_rmsprop(rmsprop=rmsprop_plain, seed=seed, verbose=False)
    checks.check_adam(adam=adam_t_from_one, seed=seed, verbose=False)


def momentum_uphill(w, dw, state=None, *, lr, momentum):
    v = momentum * (state["velocity"] if state else 0.0) + lr * dw
    return w + v, {"velocity": v}


def momentum_forgetful(w, dw, state=None, *, lr, momentum):
    return optim.sgd_momentum(w, dw, None, lr=lr, momentum=momentum)


def momentum_inplace_state(w, dw, state=None, *, lr, momentum):
    if state is None:
        state = {"velocity": np.zeros_like(w)}
    v = state["velocity"]
    v *= momentum
    v -= lr * dw
    return w + v, state


def momentum_inplace_w(w, dw, state=None, *, lr, momentum):
    v = momentum * (state["velocity"] if state else 0.0) - lr * dw
    w += v
    return w, {"velocity": v}


def nesterov_plain(w, dw, state=None, *, lr, momentum):
    return optim.sgd_momentum(w, dw, state, lr=lr, momentum=momentum)


def adagrad_signed(w, dw, state=None, *, lr, eps):
    cache = (state["cache"] if state else 0.0) + dw
    return w - lr * dw / (np.sqrt(cache) + eps), {"cache": cache}


def adagrad_abs(w, dw, state=None, *, lr, eps):
    cache = (state["cache"] if state else 0.0) + np.abs(dw)
    return w - lr * dw / (np.sqrt(cache) + eps), {"cache": cache}


def adagrad_eps_inside(w, dw, state=None, *, lr, eps):
    cache = (state["cache"] if state else 0.0) + dw * dw
    return w - lr * dw / np.sqrt(cache + eps), {"cache": cache}


def rmsprop_swapped(w, dw, state=None, *, lr, decay_rate, eps):
    cache = (1 - decay_rate) * (state["cache"] if state else 0.0) + decay_rate * dw * dw
    return w - lr * dw / (np.sqrt(cache) + eps), {"cache": cache}


def adam_uncorrected(w, dw, state=None, *, lr, beta1, beta2, eps):
    m, v = (state["m"], state["v"]) if state else (0.0, 0.0)
    m = beta1 * m + (1 - beta1) * dw
    v = beta2 * v + (1 - beta2) * dw * dw
    return w - lr * m / (np.sqrt(v) + eps), {"m": m, "v": v}


def adam_t_after(w, dw, state=None, *, lr, beta1, beta2, eps):
    m, v, t = (state["m"], state["v"], state["t"]) if state else (0.0, 0.0, 0)
    m = beta1 * m + (1 - beta1) * dw
    v = beta2 * v + (1 - beta2) * dw * dw
    with np.errstate(all="ignore"):
        step = lr * (m / (1 - beta1 ** t)) / (np.sqrt(v / (1 - beta2 ** t)) + eps)
    return w - step, {"m": m, "v": v, "t": t + 1}


@pytest.mark.parametrize("check, func, hint", [
    ("sgd_momentum", momentum_uphill, "sign|downhill"),
    ("sgd_momentum", momentum_forgetful, "memory must carry over"),
    ("sgd_momentum", momentum_inplace_state, "modified the state it was given in place"),
    ("sgd_momentum", momentum_inplace_w, "modified its input `w` in place"),
    ("nesterov_momentum", nesterov_plain, "that is plain momentum"),
    ("adagrad", adagrad_signed, "SQUARED"),
    ("adagrad", adagrad_abs, "squared gradients"),
    ("adagrad", adagrad_eps_inside, "eps goes outside the root"),
    ("rmsprop", rmsprop_swapped, "decay_rate weighs the OLD cache"),
    ("adam", adam_uncorrected, "bias correction is missing"),
    ("adam", adam_t_after, "increment t BEFORE"),
], ids=["momentum-uphill", "momentum-forgetful", "momentum-inplace-state", "momentum-inplace-w",
        "nesterov-plain", "adagrad-signed", "adagrad-abs", "adagrad-eps-inside", "rmsprop-swapped",
        "adam-uncorrected", "adam-t-after"])
def test_wrong_rules_fail_with_their_hint(check, func, hint):
    with pytest.raises(AssertionError, match=hint):
        getattr(checks, f"check_{check}")(func, verbose=False)
