"""The notebook 06 checks: correct batchnorm passes however written, typical slips fail with the right hint."""
from collections import namedtuple

import numpy as np
import pytest

import course_utils as cu
from course_utils.checks import CheckFailure

checks = cu.checks
Stats = namedtuple("Stats", "mean var")


def make_forward(ddof=0, eps_outside=False, swap_momentum=False, test_batch_stats=False, in_place=False,
                 sum_over_n=False):
    """batchnorm_forward with one slip switched on (none: a correct answer written by hand)."""

    def batchnorm_forward(x, gamma, beta, running, train=True, momentum=0.9, eps=1e-5):
        N = x.shape[0]
        if train or test_batch_stats:
            mu = x.sum(axis=0) / N if sum_over_n else np.mean(x, axis=0)
            var = ((x - mu) ** 2).sum(axis=0) / (N - ddof)
            keep = 1 - momentum if swap_momentum else momentum
            new = Stats(keep * running.mean + (1 - keep) * mu, keep * running.var + (1 - keep) * var)
        else:
            mu, var, new = running.mean, running.var, running
        if in_place:
            x -= mu
            xc = x
        else:
            xc = x - mu
        x_hat = xc / (np.sqrt(var) + eps) if eps_outside else xc / np.sqrt(var + eps)
        return gamma * x_hat + beta, (x_hat, gamma, var, eps), (new if train else (running.mean, running.var))

    return batchnorm_forward


def backward_graph(dout, cache):
    x_hat, gamma, var, eps = cache
    N = dout.shape[0]
    inv = 1 / np.sqrt(var + eps)
    dx_hat = dout * gamma
    xmu = x_hat / inv
    dvar = np.sum(dx_hat * xmu, axis=0) * -0.5 * inv ** 3
    dxmu = dx_hat * inv + 2 * dvar * xmu / N
    dx = dxmu - dxmu.sum(axis=0) / N
    return dx, np.sum(dout * x_hat, axis=0), dout.sum(axis=0)


def backward_closed(dout, cache):
    x_hat, gamma, var, eps = cache
    N = dout.shape[0]
    dgamma, dbeta = (dout * x_hat).sum(axis=0), dout.sum(axis=0)
    return gamma / (N * np.sqrt(var + eps)) * (N * dout - dbeta - x_hat * dgamma), dgamma, dbeta


def backward_not_summed(dout, cache):
    dx, _, _ = backward_closed(dout, cache)
    return dx, dout * cache[0], dout


def backward_direct_only(dout, cache):
    x_hat, gamma, var, eps = cache
    return dout * gamma / np.sqrt(var + eps), (dout * x_hat).sum(axis=0), dout.sum(axis=0)


def backward_in_place(dout, cache):
    dx, dgamma, dbeta = backward_closed(dout, cache)
    dout *= 1.0
    dout[0, 0] += 1.0
    return dx, dgamma, dbeta


def fails(check, *args, match, seed=0):
    with pytest.raises(CheckFailure, match=match):
        check(*args, seed=seed, verbose=False)


@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize("forward", [make_forward(), make_forward(sum_over_n=True), cu.layers.batchnorm_forward])
def test_correct_forward_passes(forward, seed):
    checks.check_batchnorm_forward(forward, seed=seed, verbose=False)
    checks.check_batchnorm_forward_test(forward, seed=seed, verbose=False)


@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize("backward", [backward_graph, backward_closed])
def test_correct_backward_passes_either_way(backward, seed):
    checks.check_batchnorm_backward(make_forward(), backward, seed=seed, verbose=False)
    checks.check_batchnorm_backward_alt(make_forward(), backward, seed=seed, verbose=False)


def test_reference_passes_both_backward_checks():
    layers = cu.layers
    checks.check_batchnorm_backward(layers.batchnorm_forward, layers.batchnorm_backward, verbose=False)
    checks.check_batchnorm_backward_alt(layers.batchnorm_forward, layers.batchnorm_backward_alt, verbose=False)


def test_unbiased_variance_fails_with_its_hint():
    fails(checks.check_batchnorm_forward, make_forward(ddof=1), match="biased.*ddof=1")


def test_eps_outside_the_square_root_fails_with_its_hint():
    fails(checks.check_batchnorm_forward, make_forward(eps_outside=True), match="eps goes inside the square root")


def test_momentum_on_the_wrong_term_fails_with_its_hint():
    fails(checks.check_batchnorm_forward, make_forward(swap_momentum=True), match="momentum weighs the OLD")


def test_hard_coded_momentum_fails_in_the_hidden_tests():
    def forward(x, gamma, beta, running, train=True, momentum=0.9, eps=1e-5):
        return make_forward()(x, gamma, beta, running, train=train, momentum=0.9, eps=eps)

    checks.check_batchnorm_forward(forward, verbose=False)
    fails(checks.check_batchnorm_forward, forward, seed=1, match="running_mean")


def test_test_mode_with_batch_statistics_fails_with_its_hint():
    fails(checks.check_batchnorm_forward_test, make_forward(test_batch_stats=True), match="running averages you were")


def test_forward_that_changes_its_input_fails():
    fails(checks.check_batchnorm_forward, make_forward(in_place=True), match="x")


def test_gradients_not_summed_over_the_batch_fail_with_its_hint():
    fails(checks.check_batchnorm_backward, make_forward(), backward_not_summed, match="sum over the batch")


def test_forgotten_mean_and_variance_paths_fail_with_its_hint():
    fails(checks.check_batchnorm_backward, make_forward(), backward_direct_only, match="direct path")
    fails(checks.check_batchnorm_backward_alt, make_forward(), backward_direct_only, match="direct path")


def test_backward_that_writes_into_dout_fails():
    fails(checks.check_batchnorm_backward, make_forward(), backward_in_place, match="dout")


def test_wrong_return_shape_is_named():
    def forward(x, gamma, beta, running, train=True, momentum=0.9, eps=1e-5):
        out, cache, _ = make_forward()(x, gamma, beta, running, train=train, momentum=momentum, eps=eps)
        return out, cache

    fails(checks.check_batchnorm_forward, forward, match=r"\(out, cache, running\)")


def test_blank_exercise_says_so():
    def forward(x, gamma, beta, running, train=True, momentum=0.9, eps=1e-5):
        raise NotImplementedError()

    with pytest.raises(Exception, match="not filled in"):
        checks.check_batchnorm_forward(forward, verbose=False)
