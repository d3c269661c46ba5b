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


def nesterov_expanded(w, dw, state=None, *, lr, momentum):
    """The notes' form multiplied out: w + mu**2 v_prev - (1 + mu) lr dw."""
    v_prev = state["velocity"] if state else 0.0
    return w + momentum**2 * v_prev - (1 + momentum) * lr * dw, {"velocity": momentum * v_prev - lr * dw}


def adagrad_loops(w, dw, state=None, *, lr, eps):
    cache = np.zeros_like(w) if state is None else state["cache"].copy()
    next_w = w.copy()
    for i in range(w.shape[0]):
        for j in range(w.shape[1]):
            cache[i, j] += dw[i, j] ** 2
            next_w[i, j] -= lr * dw[i, j] / (np.sqrt(cache[i, j]) + eps)
    return next_w, {"cache": cache}


def adagrad_tuple(w, dw, state=None, *, lr, eps):
    cache = (state[0] if state else 0) + dw**2
    return w - lr * dw / (cache**0.5 + eps), (cache,)


def rmsprop_plain(w, dw, state=None, *, lr, decay_rate, eps):
    cache = np.zeros_like(w) if state is None else state["cache"]
    cache = cache + (1 - decay_rate) * (dw * dw - cache)
    return w - lr * dw / (np.sqrt(cache) + eps), {"cache": cache}


def adam_t_from_one(w, dw, state=None, *, lr, beta1, beta2, eps):
    """t starts at 1 and is incremented after use: the same steps."""
    m, v, t = state if state else (np.zeros_like(w), np.zeros_like(w), 1)
    m = beta1 * m + (1 - beta1) * dw
    v = beta2 * v + (1 - beta2) * dw * dw
    step = lr * (m / (1 - beta1**t)) / (np.sqrt(v / (1 - beta2**t)) + eps)
    return w - step, (m, v, t + 1)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_the_course_rules_pass(seed):
    for name in ("sgd_momentum", "nesterov_momentum", "adagrad", "rmsprop", "adam"):
        getattr(checks, f"check_{name}")(optim.RULES[name], seed=seed, verbose=False)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_right_answers_written_differently_pass(seed):
    checks.check_sgd_momentum(sgd_momentum=momentum_negated, seed=seed, verbose=False)
    checks.check_nesterov_momentum(nesterov_momentum=nesterov_lookahead, seed=seed, verbose=False)
    checks.check_nesterov_momentum(nesterov_momentum=nesterov_expanded, seed=seed, verbose=False)
    checks.check_adagrad(adagrad=adagrad_loops, seed=seed, verbose=False)
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


def adam_rule(*, correct_m=True, correct_v=True, t0=0, count=True, squared=True, eps_inside=False):
    """Adam as a student might write it, with the slips named by the keywords."""

    def adam(w, dw, state=None, *, lr, beta1, beta2, eps):
        if state is None:
            state = {"m": np.zeros_like(w), "v": np.zeros_like(w), "t": t0}
        t = state["t"] + 1
        m = beta1 * state["m"] + (1 - beta1) * dw
        v = beta2 * state["v"] + (1 - beta2) * (dw * dw if squared else dw)
        with np.errstate(all="ignore"):
            m_hat = m / (1 - beta1**t) if correct_m else m
            v_hat = v / (1 - beta2**t) if correct_v else v
            denom = np.sqrt(v_hat + eps) if eps_inside else np.sqrt(v_hat) + eps
        return w - lr * m_hat / denom, {"m": m, "v": v, "t": t if count else state["t"]}

    return adam


def adam_t_after(w, dw, state=None, *, lr, beta1, beta2, eps):
    """t incremented after the bias correction: the first step divides by 1 - beta**0 = 0."""
    m, v, t = (state["m"], state["v"], state["t"]) if state else (0.0, 0.0, 0)
    m = beta1 * m + (1 - beta1) * dw
    v = beta2 * v + (1 - beta2) * dw * dw
    with np.errstate(all="ignore"):
        step = lr * (m / (1 - beta1**t)) / (np.sqrt(v / (1 - beta2**t)) + eps)
    return w - step, {"m": m, "v": v, "t": t + 1}


def hardcoded(rule, **fixed):
    """The course's rule with keywords written in as numbers (the student ignores what is passed)."""
    return lambda w, dw, state=None, **hyper: rule(w, dw, state, **{**hyper, **fixed})


def momentum_inplace_dw(w, dw, state=None, *, lr, momentum):
    dw *= lr
    v = momentum * (state["velocity"] if state else 0.0) - dw
    return w + v, {"velocity": v}


def adagrad_stale_cache(w, dw, state=None, *, lr, eps):
    """The cache is computed but the old one is returned: it never grows."""
    state = state or {"cache": np.zeros_like(w)}
    cache = state["cache"] + dw * dw
    return w - lr * dw / (np.sqrt(cache) + eps), state


def adagrad_inplace_cache(w, dw, state=None, *, lr, eps):
    state = state or {"cache": np.zeros_like(w)}
    state["cache"] += dw * dw
    return w - lr * dw / (np.sqrt(state["cache"]) + eps), state


def rmsprop_signed(w, dw, state=None, *, lr, decay_rate, eps):
    cache = decay_rate * (state["cache"] if state else 0.0) + (1 - decay_rate) * dw
    with np.errstate(invalid="ignore"):
        return w - lr * dw / (np.sqrt(cache) + eps), {"cache": cache}


def rmsprop_no_decay(w, dw, state=None, *, lr, decay_rate, eps):
    cache = (state["cache"] if state else 0.0) + dw * dw
    return w - lr * dw / (np.sqrt(cache) + eps), {"cache": cache}


def rmsprop_starts_full(w, dw, state=None, *, lr, decay_rate, eps):
    """The cache started at the first squared gradient, so that the first step is not larger than lr."""
    cache = dw**2 if state is None else decay_rate * state["cache"] + (1 - decay_rate) * dw**2
    return w - lr * dw / (np.sqrt(cache) + eps), {"cache": cache}


def rmsprop_bias_corrected(w, dw, state=None, *, lr, decay_rate, eps):
    """RMSProp written like Adam, its cache divided by 1 - decay_rate**t."""
    state = state or {"cache": np.zeros_like(w), "t": 0}
    t = state["t"] + 1
    cache = decay_rate * state["cache"] + (1 - decay_rate) * dw**2
    return w - lr * dw / (np.sqrt(cache / (1 - decay_rate**t)) + eps), {"cache": cache, "t": t}


def adam_keeps_hat(w, dw, state=None, *, lr, beta1, beta2, eps):
    """The bias-corrected moments stored in place of m and v: the first step is right, the later ones not."""
    state = state or {"m": np.zeros_like(w), "v": np.zeros_like(w), "t": 0}
    t = state["t"] + 1
    m = (beta1 * state["m"] + (1 - beta1) * dw) / (1 - beta1**t)
    v = (beta2 * state["v"] + (1 - beta2) * dw**2) / (1 - beta2**t)
    return w - lr * m / (np.sqrt(v) + eps), {"m": m, "v": v, "t": t}


def adam_no_root(w, dw, state=None, *, lr, beta1, beta2, eps):
    state = state or {"m": np.zeros_like(w), "v": np.zeros_like(w), "t": 0}
    t = state["t"] + 1
    m = beta1 * state["m"] + (1 - beta1) * dw
    v = beta2 * state["v"] + (1 - beta2) * dw**2
    return w - lr * (m / (1 - beta1**t)) / (v / (1 - beta2**t) + eps), {"m": m, "v": v, "t": t}


def adam_log_of_v(w, dw, state=None, *, lr, beta1, beta2, eps):
    """A nan from elsewhere than t: a log of the moment, which no course hint describes."""
    new_w, state = optim.adam(w, dw, state, lr=lr, beta1=beta1, beta2=beta2, eps=eps)
    with np.errstate(invalid="ignore"):
        return new_w + np.log(state["m"]) * 0, state


WRONG = {
    "momentum-uphill": ("sgd_momentum", momentum_uphill, "sign|downhill"),
    "momentum-forgetful": ("sgd_momentum", momentum_forgetful, "velocity must carry over"),
    "momentum-plain-sgd": (
        "sgd_momentum",
        lambda w, dw, state=None, *, lr, momentum: (w - lr * dw, state),
        "plain SGD's",
    ),
    "momentum-inplace-state": ("sgd_momentum", momentum_inplace_state, "modified the state it was given in place"),
    "momentum-inplace-w": ("sgd_momentum", momentum_inplace_w, "modified its input `w` in place"),
    "momentum-inplace-dw": ("sgd_momentum", momentum_inplace_dw, "modified its input `dw` in place"),
    "momentum-lr-hardcoded": ("sgd_momentum", hardcoded(optim.sgd_momentum, lr=1e-2), "keyword argument `lr`"),
    "momentum-mu-hardcoded": (
        "sgd_momentum",
        hardcoded(optim.sgd_momentum, momentum=0.9),
        "keyword argument `momentum`",
    ),
    "nesterov-plain": ("nesterov_momentum", nesterov_plain, "that is plain momentum"),
    "nesterov-sign": (
        "nesterov_momentum",
        lambda w, dw, state=None, *, lr, momentum: (
            w
            + 2 * momentum * (state["velocity"] if state else 0.0)
            + (1 + momentum) * (momentum * (state["velocity"] if state else 0.0) - lr * dw)
            - momentum * (state["velocity"] if state else 0.0),
            {"velocity": momentum * (state["velocity"] if state else 0.0) - lr * dw},
        ),
        "sign of the v_prev term",
    ),
    "nesterov-forgetful": (
        "nesterov_momentum",
        lambda w, dw, state=None, **h: optim.nesterov_momentum(w, dw, **h),
        "memory must carry over",
    ),
    "nesterov-lr-hardcoded": (
        "nesterov_momentum",
        hardcoded(optim.nesterov_momentum, lr=1e-2),
        "keyword argument `lr`",
    ),
    "adagrad-signed": ("adagrad", adagrad_signed, "SQUARED"),
    "adagrad-abs": ("adagrad", adagrad_abs, "squared gradients"),
    "adagrad-eps-inside": ("adagrad", adagrad_eps_inside, "eps goes outside the root"),
    "adagrad-stale-cache": ("adagrad", adagrad_stale_cache, "memory must carry over"),
    "adagrad-inplace-cache": ("adagrad", adagrad_inplace_cache, "modified the state it was given in place"),
    "adagrad-lr-hardcoded": ("adagrad", hardcoded(optim.adagrad, lr=1e-2), "keyword argument `lr`"),
    "adagrad-eps-hardcoded": ("adagrad", hardcoded(optim.adagrad, eps=1e-8), "keyword argument `eps`"),
    "rmsprop-swapped": ("rmsprop", rmsprop_swapped, "decay_rate weighs the OLD cache"),
    "rmsprop-signed": ("rmsprop", rmsprop_signed, "average SQUARED"),
    "rmsprop-no-decay": ("rmsprop", rmsprop_no_decay, "only grows, as AdaGrad"),
    "rmsprop-bias-corrected": ("rmsprop", rmsprop_bias_corrected, "RMSProp has no bias correction"),
    "rmsprop-starts-full": ("rmsprop", rmsprop_starts_full, "the cache starts at dw\\*\\*2"),
    "rmsprop-decay-hardcoded": ("rmsprop", hardcoded(optim.rmsprop, decay_rate=0.99), "keyword argument `decay_rate`"),
    "rmsprop-lr-hardcoded": ("rmsprop", hardcoded(optim.rmsprop, lr=1e-2), "keyword argument `lr`"),
    "adagrad-sign": ("adagrad", lambda w, dw, state=None, **h: optim.adagrad(w, -dw, state, **h), "wrong sign"),
    "rmsprop-sign": ("rmsprop", lambda w, dw, state=None, **h: optim.rmsprop(w, -dw, state, **h), "wrong sign"),
    "nesterov-uphill": (
        "nesterov_momentum",
        lambda w, dw, state=None, **h: optim.nesterov_momentum(w, -dw, state, **h),
        "wrong sign",
    ),
    "adam-sign": ("adam", lambda w, dw, state=None, **h: optim.adam(w, -dw, state, **h), "wrong sign"),
    "adam-uncorrected": ("adam", adam_uncorrected, "bias correction is missing"),
    "adam-m-uncorrected": ("adam", adam_rule(correct_m=False), "m's bias correction is missing"),
    "adam-v-uncorrected": ("adam", adam_rule(correct_v=False), "v's bias correction is missing"),
    "adam-t-ahead": ("adam", adam_rule(t0=1), "t is one step ahead"),
    "adam-t-after": ("adam", adam_t_after, "increment t BEFORE"),
    "adam-t-not-counted": ("adam", adam_rule(count=False), "t does not count up"),
    "adam-v-unsquared": ("adam", adam_rule(squared=False), "v must average SQUARED"),
    "adam-eps-inside": ("adam", adam_rule(eps_inside=True), "eps goes outside the root"),
    "adam-no-root": ("adam", adam_no_root, "divides by v_hat"),
    "adam-keeps-hat": ("adam", adam_keeps_hat, "keep m and v themselves in the state"),
    "adam-forgetful": ("adam", lambda w, dw, state=None, **h: optim.adam(w, dw, **h), "memory must carry over"),
    "adam-lr-hardcoded": ("adam", hardcoded(optim.adam, lr=1e-3), "keyword argument `lr`"),
    "adam-beta1-hardcoded": ("adam", hardcoded(optim.adam, beta1=0.9), "keyword argument `beta1`"),
    "adam-beta2-hardcoded": ("adam", hardcoded(optim.adam, beta2=0.999), "keyword argument `beta2`"),
    "adam-eps-hardcoded": ("adam", hardcoded(optim.adam, eps=1e-8), "keyword argument `eps`"),
    "adam-nan-elsewhere": ("adam", adam_log_of_v, "print each intermediate"),
}


@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize("case", list(WRONG))
def test_wrong_rules_fail_with_their_hint(case, seed):
    check, func, hint = WRONG[case]
    with pytest.raises(AssertionError, match=hint) as info:
        getattr(checks, f"check_{check}")(func, seed=seed, verbose=False)
    if case != "adam-t-after":
        assert "increment t" not in str(info.value)  # a nan is blamed on t only when t is its cause


@pytest.mark.parametrize("name", ["sgd_momentum", "nesterov_momentum", "adagrad", "rmsprop", "adam"])
def test_no_case_uses_a_default_hyperparameter(name):
    import inspect

    from course_utils.checks.nb08_optimizers import update_rules as nb08

    defaults = {
        k: p.default
        for k, p in inspect.signature(optim.RULES[name]).parameters.items()
        if p.kind is inspect.Parameter.KEYWORD_ONLY
    }
    for seed in (0, 1, 2):
        for case in nb08._cases(name, seed):
            assert all(case[k] != v for k, v in defaults.items()), (seed, case)


# --- L-BFGS: the two-loop recursion --------------------------------------------------------


def two_loop_lists(grad, S, Y):
    """The recursion over Python lists of pairs, newest first, with zip."""
    pairs = list(zip(S, Y))[::-1]
    q, alphas = grad.copy(), []
    for s, y in pairs:
        a = (s @ q) / (y @ s)
        alphas.append(a)
        q = q - a * y
    r = q * ((S[-1] @ Y[-1]) / (Y[-1] @ Y[-1]) if len(S) else 1.0)
    for (s, y), a in zip(reversed(pairs), reversed(alphas)):
        r = r + s * (a - (y @ r) / (y @ s))
    return -r


def bfgs_matrix(grad, S, Y):
    """Another valid formula: the inverse-Hessian approximation built as a matrix, pair by pair."""
    D = len(grad)
    H = np.eye(D) * ((S[-1] @ Y[-1]) / (Y[-1] @ Y[-1]) if len(S) else 1.0)
    for s, y in zip(S, Y):
        rho = 1 / (y @ s)
        H = (np.eye(D) - rho * np.outer(s, y)) @ H @ (np.eye(D) - rho * np.outer(y, s)) + rho * np.outer(s, s)
    return -H @ grad


def two_loop(**slip):
    from course_utils.checks.nb08_optimizers.lbfgs import _two_loop

    return lambda grad, S, Y: _two_loop(grad, S, Y, **slip)


def two_loop_reversing_in_place(grad, S, Y):
    S[:] = S[::-1]
    Y[:] = Y[::-1]
    return two_loop_lists(grad, S[::-1].copy(), Y[::-1].copy())


def two_loop_no_empty_case(grad, S, Y):
    gamma = (S[-1] @ Y[-1]) / (Y[-1] @ Y[-1])  # IndexError without pairs
    return two_loop_lists(grad, S, Y) * 1.0 if gamma else None


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_two_loop_answers_written_differently_pass(seed):
    from course_utils import second_order

    for func in (second_order.lbfgs_direction, two_loop_lists, bfgs_matrix):
        checks.check_lbfgs_direction(lbfgs_direction=func, seed=seed, verbose=False)


LBFGS_WRONG = {
    "sign": (lambda grad, S, Y: -two_loop_lists(grad, S, Y), "wrong sign: .* return -r"),
    "gradient-only": (lambda grad, S, Y: -grad, "pairs in S and Y are not used"),
    "loops-reversed": (two_loop(first_down=False, second_up=False), "loops run the wrong way"),
    "first-loop-up": (two_loop(first_down=False), "first loop runs the wrong way"),
    "second-loop-down": (two_loop(second_up=False), "second loop runs the wrong way"),
    "no-scaling": (two_loop(gamma="none"), "H0 is not scaled"),
    "gamma-oldest": (two_loop(gamma="oldest"), "NEWEST pair"),
    "gamma-inverted": (two_loop(gamma="inverted"), "upside down"),
    "rho-ss": (two_loop(rho_of="ss"), "not 1 / \\(s_i·s_i\\)"),
    "alpha-beta-swapped": (two_loop(swap=True), "not \\(beta - alpha_i\\)"),
    "in-place": (two_loop_reversing_in_place, "modified its input `S` in place"),
    "no-pairs-crash": (two_loop_no_empty_case, "no pairs yet"),
}


@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize("case", list(LBFGS_WRONG))
def test_two_loop_slips_fail_with_their_hint(case, seed):
    func, hint = LBFGS_WRONG[case]
    with pytest.raises(AssertionError, match=hint):
        checks.check_lbfgs_direction(lbfgs_direction=func, seed=seed, verbose=False)


@pytest.mark.parametrize(
    "case, code",
    [
        ("momentum-uphill", "sgd_momentum.velocity_uphill"),
        ("momentum-inplace-w", "sgd_momentum.in_place"),
        ("nesterov-plain", "nesterov_momentum.plain_momentum"),
        ("adagrad-signed", "adagrad.signed_cache"),
        ("rmsprop-decay-hardcoded", "rmsprop.decay_rate_hardcoded"),
        ("adam-t-after", "adam.t_incremented_late"),
        ("adam-m-uncorrected", "adam.missing_m_correction"),
        ("adam-nan-elsewhere", "adam.not_finite"),
    ],
)
def test_wrong_rules_have_their_cause_codes(case, code):
    check, func, _ = WRONG[case]
    with pytest.raises(checks.CheckFailure) as info:
        getattr(checks, f"check_{check}")(func, verbose=False)
    assert info.value.code == code


@pytest.mark.parametrize(
    "case, code",
    [("sign", "lbfgs_direction.wrong_sign"), ("gamma-oldest", "lbfgs_direction.gamma_from_oldest")],
)
def test_wrong_two_loops_have_their_cause_codes(case, code):
    func, _ = LBFGS_WRONG[case]
    with pytest.raises(checks.CheckFailure) as info:
        checks.check_lbfgs_direction(lbfgs_direction=func, verbose=False)
    assert info.value.code == code
