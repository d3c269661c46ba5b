"""The notebook 09 checks: right answers written differently pass; the usual slips fail with their hint."""
import numpy as np
import pytest

import course_utils as cu

checks = cu.checks


def sample_right(rng, num, lr_range, reg_range):
    lr = 10 ** rng.uniform(np.log10(lr_range[0]), np.log10(lr_range[1]), size=num)
    reg = 10 ** rng.uniform(np.log10(reg_range[0]), np.log10(reg_range[1]), size=num)
    return lr, reg


def sample_exp(rng, num, lr_range, reg_range):
    logs = [rng.uniform(np.log(lo), np.log(hi), size=num) / np.log(10) for lo, hi in (lr_range, reg_range)]
    return np.power(10.0, logs[0]), np.power(10.0, logs[1])


def sample_uniform(rng, num, lr_range, reg_range):
    return rng.uniform(*lr_range, size=num), rng.uniform(*reg_range, size=num)


def sample_exponents(rng, num, lr_range, reg_range):
    return (rng.uniform(np.log10(lr_range[0]), np.log10(lr_range[1]), size=num),
            rng.uniform(np.log10(reg_range[0]), np.log10(reg_range[1]), size=num))


def sample_interleaved(rng, num, lr_range, reg_range):
    pairs = [sample_right(rng, 1, lr_range, reg_range) for _ in range(num)]
    return np.concatenate([p[0] for p in pairs]), np.concatenate([p[1] for p in pairs])


def ensemble_right(prob_list):
    return np.mean(np.stack(prob_list), axis=0).argmax(axis=1)


def ensemble_sum(prob_list):
    total = np.zeros_like(prob_list[0])
    for p in prob_list:
        total = total + p
    return np.argmax(total, axis=-1)


def ensemble_vote(prob_list):
    return np.round(np.mean([p.argmax(axis=1) for p in prob_list], axis=0)).astype(int)


def ensemble_wrong_axis(prob_list):
    return np.mean(np.stack(prob_list), axis=0).argmax(axis=0)


def ensemble_inplace(prob_list):
    total = prob_list[0]
    for p in prob_list[1:]:
        total += p
    return total.argmax(axis=1)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_right_answers_written_differently_pass(seed):
    for sample in (sample_right, sample_exp):
        checks.check_sample_hyperparams(sample_hyperparams=sample, seed=seed, verbose=False)
    for ensemble in (ensemble_right, ensemble_sum):
        checks.check_ensemble_predict(ensemble_predict=ensemble, seed=seed, verbose=False)


@pytest.mark.parametrize("sample, hint", [
    (sample_uniform, "uniform in [lo, hi]"),
    (sample_exponents, "these are the exponents"),
    (sample_interleaved, "all learning rates first"),
])
def test_sampling_slips_fail_with_their_hint(sample, hint):
    with pytest.raises(AssertionError, match=None) as info:
        checks.check_sample_hyperparams(sample_hyperparams=sample, verbose=False)
    assert hint in str(info.value)


@pytest.mark.parametrize("ensemble, hint", [
    (ensemble_vote, "labels averaged"),
    (ensemble_wrong_axis, "shape"),
    (ensemble_inplace, "in place"),
])
def test_ensemble_slips_fail_with_their_hint(ensemble, hint):
    with pytest.raises(AssertionError) as info:
        checks.check_ensemble_predict(ensemble_predict=ensemble, verbose=False)
    assert hint in str(info.value)


def test_the_votes_and_the_average_disagree_in_every_case():
    for seed in (0, 1, 2):
        for case in checks.REGISTRY["check_ensemble_predict"].cases(seed):
            assert not np.array_equal(ensemble_vote(case["prob_list"]), ensemble_right(case["prob_list"]))
