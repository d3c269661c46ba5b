"""The notebook 07 checks: any right way of drawing the mask passes; the usual slips fail with their hint."""
import numpy as np
import pytest

import course_utils as cu

checks = cu.checks


def forward_ge(x, p_drop, train=True, rng=None):
    if not train:
        return x, None
    mask = (rng.random(x.shape) >= p_drop) / (1 - p_drop)
    return x * mask, mask


def forward_lt(x, p_drop, train=True, rng=None):
    if not train:
        return x.copy(), None
    keep = rng.random(x.shape) < 1 - p_drop
    return np.where(keep, x / (1 - p_drop), 0.0), keep / (1 - p_drop)


def forward_binomial(x, p_drop, train=True, rng=None):
    if train:
        mask = rng.binomial(1, 1 - p_drop, size=x.shape) / (1 - p_drop)
        return x * mask, (mask,)
    return x, (None,)


def backward(dout, cache):
    return dout * cache


def backward_tuple(dout, cache):
    return dout if cache[0] is None else dout * cache[0]


def make_forward(*, keep=lambda p: 1 - p, scale=lambda p: 1 / (1 - p), test=lambda x, p: x, draw=None,
                 inplace=False):
    def forward(x, p_drop, train=True, rng=None):
        if not train:
            return test(x, p_drop), None
        u = draw(x.shape) if draw else rng.random(x.shape)
        mask = (u < keep(p_drop)) * scale(p_drop)
        if inplace:
            x *= mask
            return x, mask
        return x * mask, mask
    return forward


@pytest.mark.parametrize("forward, back", [(forward_ge, backward), (forward_lt, backward),
                                           (forward_binomial, backward_tuple)], ids=["ge", "lt", "binomial"])
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_right_answers_written_differently_pass(forward, back, seed):
    checks.check_dropout_forward(dropout_forward=forward, seed=seed, verbose=False)
    checks.check_dropout_backward(dropout_forward=forward, dropout_backward=back, seed=seed, verbose=False)


def test_the_course_reference_passes():
    checks.check_dropout_forward(dropout_forward=cu.layers.dropout_forward, verbose=False)
    checks.check_dropout_backward(dropout_forward=cu.layers.dropout_forward,
                                  dropout_backward=cu.layers.dropout_backward, verbose=False)


@pytest.mark.parametrize("forward, hint", [
    (make_forward(keep=lambda p: p), "probability of \\*dropping\\*"),
    (make_forward(keep=lambda p: p, scale=lambda p: 1 / p), "probability of \\*dropping\\*"),
    (make_forward(scale=lambda p: 1.0, test=lambda x, p: x * (1 - p)), "are not scaled"),
    (make_forward(test=lambda x, p: x * (1 - p)), "vanilla dropout"),
    (make_forward(test=lambda x, p: x / (1 - p)), "test mode scales x by 1 / \\(1 - p_drop\\)"),
    (make_forward(scale=lambda p: 1 - p), "multiplied by 1 - p_drop"),
    (make_forward(draw=lambda shape: np.random.rand(*shape)), "global generator"),
    (make_forward(draw=lambda shape: np.random.default_rng().random(shape)), "seeded alike"),
    (make_forward(draw=lambda shape: np.random.default_rng(0).random(shape)), "ignores rng"),
    (make_forward(inplace=True), "modified its input `x` in place"),
], ids=["keep-swapped", "keep-swapped-scaled", "vanilla", "test-scaled", "test-divided", "times-keep",
        "np.random", "fresh-generator", "fixed-seed", "inplace"])
def test_wrong_forward_passes_fail_with_their_hint(forward, hint):
    with pytest.raises(AssertionError, match=hint):
        checks.check_dropout_forward(dropout_forward=forward, verbose=False)


def test_test_mode_that_drops_units_fails():
    def forward(x, p_drop, train=True, rng=None):
        return forward_ge(x, p_drop, True, np.random.default_rng(1) if rng is None else rng)
    with pytest.raises(AssertionError, match="test mode drops units"):
        checks.check_dropout_forward(dropout_forward=forward, verbose=False)


def test_test_mode_needs_no_generator():
    def forward(x, p_drop, train=True, rng=None):
        mask = (rng.random(x.shape) >= p_drop) / (1 - p_drop)
        return (x * mask if train else x), mask
    with pytest.raises(AttributeError):
        checks.check_dropout_forward(dropout_forward=forward, verbose=False)


def test_new_mask_in_backward_fails_with_its_hint():
    rng = np.random.default_rng(5)

    def backward_new_mask(dout, cache):
        return dout * (rng.random(dout.shape) >= 0.5) / 0.5
    with pytest.raises(AssertionError, match="forward's mask"):
        checks.check_dropout_backward(dropout_forward=forward_ge, dropout_backward=backward_new_mask, verbose=False)


@pytest.mark.parametrize("back, hint", [
    (lambda dout, cache: dout * (cache > 0), "misses the factor 1 / \\(1 - p_drop\\)"),
    (lambda dout, cache: dout * cache / (1 - 0.35), "twice"),
], ids=["unscaled", "scaled-twice"])
def test_wrong_backward_passes_fail_with_their_hint(back, hint):
    with pytest.raises(AssertionError, match=hint):
        checks.check_dropout_backward(dropout_forward=forward_ge, dropout_backward=back, verbose=False)


def test_backward_that_writes_into_dout_is_named():
    def back(dout, cache):
        dout *= cache
        return dout
    with pytest.raises(AssertionError, match="modified its input `dout` in place"):
        checks.check_dropout_backward(dropout_forward=forward_ge, dropout_backward=back, verbose=False)


def test_backward_check_needs_a_forward_drawn_from_rng():
    with pytest.raises(AssertionError, match="seeded alike"):
        checks.check_dropout_backward(dropout_forward=make_forward(draw=lambda s: np.random.rand(*s)),
                                      dropout_backward=backward, verbose=False)


def test_blank_answers_say_so():
    def blank(*args, **kwargs):
        raise NotImplementedError()
    with pytest.raises(AssertionError, match="not filled in yet"):
        checks.check_dropout_forward(dropout_forward=blank, verbose=False)
    with pytest.raises(AssertionError, match="not filled in yet"):
        checks.check_dropout_backward(dropout_forward=forward_ge, dropout_backward=blank, verbose=False)


def test_the_verdict_prints_one_row_per_quantity(capsys):
    checks.check_dropout_forward(dropout_forward=forward_ge)
    out = capsys.readouterr().out
    for name in ("dropped fraction", "kept out / x", "mean(out) / mean(x)", "test-mode out - x"):
        assert name in out
    assert "\u2713 dropout_forward" in out
