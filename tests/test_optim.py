"""Tests for course_utils.optim: the update rules' contract."""

import numpy as np
import pytest

from course_utils import optim

RULES = [(optim.sgd, dict(lr=0.1)), (optim.sgd_momentum, dict(lr=0.1, momentum=0.9))]


def _wdw(seed=0):
    rng = np.random.default_rng(seed)
    return rng.standard_normal((3, 4)), rng.standard_normal((3, 4))


def test_sgd_step():
    w, dw = _wdw()
    next_w, state = optim.sgd(w, dw, lr=0.3)
    np.testing.assert_allclose(next_w, w - 0.3 * dw)
    assert state == {}


def test_sgd_default_lr():
    w, dw = _wdw()
    np.testing.assert_allclose(optim.sgd(w, dw)[0], w - 1e-2 * dw)


def test_momentum_two_steps_by_hand():
    w, dw = _wdw()
    w1, s1 = optim.sgd_momentum(w, dw, None, lr=0.1, momentum=0.9)
    v1 = -0.1 * dw
    np.testing.assert_allclose(s1["velocity"], v1)
    np.testing.assert_allclose(w1, w + v1)
    dw2 = 0.5 * dw + 1.0
    w2, s2 = optim.sgd_momentum(w1, dw2, s1, lr=0.1, momentum=0.9)
    v2 = 0.9 * v1 - 0.1 * dw2
    np.testing.assert_allclose(s2["velocity"], v2)
    np.testing.assert_allclose(w2, w1 + v2)


def test_momentum_builds_up_to_lr_over_one_minus_mu():
    w, dw = np.zeros(2), np.array([1.0, -2.0])
    state = None
    for _ in range(300):
        w_next, state = optim.sgd_momentum(w, dw, state, lr=0.01, momentum=0.9)
        step, w = w_next - w, w_next
    np.testing.assert_allclose(step, -0.1 * dw)


@pytest.mark.parametrize("rule, hyper", RULES)
def test_inputs_never_modified_and_new_arrays(rule, hyper):
    w, dw = _wdw(1)
    w0, dw0 = w.copy(), dw.copy()
    next_w, state = rule(w, dw, None, **hyper)
    state0 = {k: v.copy() for k, v in state.items()}
    next_w2, state2 = rule(next_w, dw, state, **hyper)
    np.testing.assert_array_equal(w, w0)
    np.testing.assert_array_equal(dw, dw0)
    for k in state0:
        np.testing.assert_array_equal(state[k], state0[k])
        assert not np.shares_memory(state[k], state2[k])
    assert not np.shares_memory(next_w, w) and not np.shares_memory(next_w2, next_w)
    assert state2 is not state


@pytest.mark.parametrize("rule, hyper", RULES)
def test_descends_a_quadratic(rule, hyper):
    w, state = np.array([3.0, -2.0]), None
    for _ in range(200):
        w, state = rule(w, 2 * w, state, **hyper)
    assert np.linalg.norm(w) < 1e-3


@pytest.mark.parametrize("rule", [optim.sgd, optim.sgd_momentum])
def test_shape_mismatch(rule):
    with pytest.raises(ValueError, match="expected \\(3, 4\\) like w"):
        rule(np.zeros((3, 4)), np.zeros((4, 3)))


def test_momentum_bad_state_shape():
    with pytest.raises(ValueError, match="velocity"):
        optim.sgd_momentum(np.zeros(3), np.ones(3), {"velocity": np.zeros(4)})


def test_hyperparameters_are_keywords_only():
    with pytest.raises(TypeError):
        optim.sgd_momentum(np.zeros(3), np.ones(3), None, 0.1)


# ---- the rules of notebook 08 ----

W = np.array([[1.0, -2.0], [0.5, 3.0]])
DW = np.array([[0.2, -0.4], [1.0, 0.1]])


def test_nesterov_matches_the_notes_form_and_its_look_ahead_form():
    v = np.array([[0.1, 0.0], [-0.2, 0.3]])
    w1, state = optim.nesterov_momentum(W, DW, {"velocity": v}, lr=0.1, momentum=0.9)
    v_new = 0.9 * v - 0.1 * DW
    np.testing.assert_allclose(state["velocity"], v_new)
    np.testing.assert_allclose(w1, W - 0.9 * v + 1.9 * v_new)
    # look-ahead form on a quadratic f = 0.5 * sum(a * x**2): gradient taken at x + mu * v
    a = np.array([0.3, 2.0])
    x, vel = np.array([-4.0, 1.5]), np.zeros(2)
    w, st = x + 0.9 * vel, None  # the notes track the looked-ahead point w = x + mu v
    for _ in range(20):
        vel = 0.9 * vel - 0.05 * a * (x + 0.9 * vel)
        x = x + vel
        w, st = optim.nesterov_momentum(w, a * w, st, lr=0.05, momentum=0.9)
        np.testing.assert_allclose(w, x + 0.9 * vel, atol=1e-12)


def test_momentum_with_mu_zero_is_sgd_and_nesterov_too():
    for rule in (optim.sgd_momentum, optim.nesterov_momentum):
        w, state = W, None
        for _ in range(3):
            w, state = rule(w, DW, state, lr=0.1, momentum=0.0)
        np.testing.assert_allclose(w, W - 3 * 0.1 * DW)


def test_adagrad_rmsprop_and_adam_by_hand():
    w, st = optim.adagrad(W, DW, None, lr=0.5)
    np.testing.assert_allclose(w, W - 0.5 * DW / (np.abs(DW) + 1e-8))
    w, st = optim.adagrad(w, DW, st, lr=0.5)
    np.testing.assert_allclose(st["cache"], 2 * DW**2)
    w, st = optim.rmsprop(W, DW, {"cache": np.ones_like(W)}, lr=0.1, decay_rate=0.9)
    cache = 0.9 + 0.1 * DW**2
    np.testing.assert_allclose(w, W - 0.1 * DW / (np.sqrt(cache) + 1e-8))
    w, st = optim.adam(W, DW, None, lr=0.01)
    assert st["t"] == 1  # t is incremented before the bias correction
    np.testing.assert_allclose(w, W - 0.01 * DW / (np.abs(DW) + 1e-8))  # m_hat = dw, v_hat = dw**2
    w2, st2 = optim.adam(w, DW, st, lr=0.01)
    m, v = 0.9 * 0.1 * DW + 0.1 * DW, 0.999 * 0.001 * DW**2 + 0.001 * DW**2
    np.testing.assert_allclose(w2, w - 0.01 * (m / (1 - 0.9**2)) / (np.sqrt(v / (1 - 0.999**2)) + 1e-8))
    assert st2["t"] == 2


@pytest.mark.parametrize("name", list(optim.RULES))
def test_no_rule_modifies_its_inputs(name):
    rule = optim.RULES[name]
    w, dw = W.copy(), DW.copy()
    _, state = rule(w, dw, None, lr=0.1)
    frozen = {k: np.array(v, copy=True) for k, v in state.items()}
    rule(w, dw, state, lr=0.1)
    np.testing.assert_array_equal(w, W)
    np.testing.assert_array_equal(dw, DW)
    for k, v in frozen.items():
        np.testing.assert_array_equal(state[k], v)


def test_schedules():
    assert [optim.step_schedule(1.0, drop=0.5, every=2)(i) for i in range(5)] == [1, 1, 0.5, 0.5, 0.25]
    assert optim.exponential_schedule(2.0, k=0.1)(10) == pytest.approx(2.0 * np.exp(-1))
    assert optim.inverse_time_schedule(1.0, k=0.5)(4) == pytest.approx(1 / 3)
    cos = optim.cosine_schedule(1.0, total=10, warmup=2)
    assert cos(0) == pytest.approx(0.5) and cos(1) == pytest.approx(1.0) and cos(2) == pytest.approx(1.0)
    assert cos(10) == pytest.approx(0.0, abs=1e-12) and cos(6) == pytest.approx(0.5)
