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
