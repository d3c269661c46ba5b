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


def sample_natural(rng, num, lr_range, reg_range):
    return tuple(np.exp(rng.uniform(np.log(lo), np.log(hi), size=num)) for lo, hi in (lr_range, reg_range))


def sample_ratio(rng, num, lr_range, reg_range):
    lo, hi = lr_range
    lr = lo * (hi / lo) ** rng.random(num)
    lo, hi = reg_range
    return list(lr), list(lo * (hi / lo) ** rng.random(num))  # lists are fine too


def sample_loop(rng, num, lr_range, reg_range):
    lrs = [10 ** rng.uniform(np.log10(lr_range[0]), np.log10(lr_range[1])) for _ in range(num)]
    regs = [10 ** rng.uniform(np.log10(reg_range[0]), np.log10(reg_range[1])) for _ in range(num)]
    return np.array(lrs), np.array(regs)


def sample_one_call(rng, num, lr_range, reg_range):
    lo = np.log10([[lr_range[0]], [reg_range[0]]])
    hi = np.log10([[lr_range[1]], [reg_range[1]]])
    lr, reg = 10 ** (lo + (hi - lo) * rng.random((2, num)))
    return lr, reg


def sample_uniform(rng, num, lr_range, reg_range):
    return rng.uniform(*lr_range, size=num), rng.uniform(*reg_range, size=num)


def sample_uniform_global(rng, num, lr_range, reg_range):
    return np.random.uniform(*lr_range, size=num), np.random.uniform(*reg_range, size=num)


def sample_exponents(rng, num, lr_range, reg_range):
    return (
        rng.uniform(np.log10(lr_range[0]), np.log10(lr_range[1]), size=num),
        rng.uniform(np.log10(reg_range[0]), np.log10(reg_range[1]), size=num),
    )


def sample_ln_as_log10(rng, num, lr_range, reg_range):
    return tuple(10 ** rng.uniform(np.log(lo), np.log(hi), size=num) for lo, hi in (lr_range, reg_range))


def sample_exp_of_log10(rng, num, lr_range, reg_range):
    return tuple(np.exp(rng.uniform(np.log10(lo), np.log10(hi), size=num)) for lo, hi in (lr_range, reg_range))


def sample_interleaved(rng, num, lr_range, reg_range):
    pairs = [sample_right(rng, 1, lr_range, reg_range) for _ in range(num)]
    return np.concatenate([p[0] for p in pairs]), np.concatenate([p[1] for p in pairs])


def sample_columns(rng, num, lr_range, reg_range):
    lo = np.log10([lr_range[0], reg_range[0]])
    hi = np.log10([lr_range[1], reg_range[1]])
    both = 10 ** rng.uniform(lo, hi, size=(num, 2))  # one row per trial: the draws alternate
    return both[:, 0], both[:, 1]


def sample_regs_first(rng, num, lr_range, reg_range):
    reg = 10 ** rng.uniform(np.log10(reg_range[0]), np.log10(reg_range[1]), size=num)
    lr = 10 ** rng.uniform(np.log10(lr_range[0]), np.log10(lr_range[1]), size=num)
    return lr, reg


def sample_swapped(rng, num, lr_range, reg_range):
    lr, reg = sample_right(rng, num, lr_range, reg_range)
    return reg, lr


def sample_reg_from_lr_range(rng, num, lr_range, reg_range):
    lr = 10 ** rng.uniform(np.log10(lr_range[0]), np.log10(lr_range[1]), size=num)
    reg = 10 ** rng.uniform(np.log10(lr_range[0]), np.log10(lr_range[1]), size=num)  # copy-paste slip
    return lr, reg


def sample_hard_coded(rng, num, lr_range, reg_range):
    return sample_right(rng, num, (1e-4, 1.0), (1e-5, 1.0))  # the notebook's ranges, typed in


def sample_grid(rng, num, lr_range, reg_range):
    return (
        np.logspace(np.log10(lr_range[0]), np.log10(lr_range[1]), num),
        np.logspace(np.log10(reg_range[0]), np.log10(reg_range[1]), num),
    )


def sample_new_generator(rng, num, lr_range, reg_range):
    return sample_right(np.random.default_rng(0), num, lr_range, reg_range)


def sample_none(rng, num, lr_range, reg_range):
    lrs, regs = sample_right(rng, num, lr_range, reg_range)  # and no return


def sample_scalar(rng, num, lr_range, reg_range):
    return (
        10 ** rng.uniform(np.log10(lr_range[0]), np.log10(lr_range[1])),
        10 ** rng.uniform(np.log10(reg_range[0]), np.log10(reg_range[1])),
    )


def sample_stacked(rng, num, lr_range, reg_range):
    lr, reg = sample_right(rng, num, lr_range, reg_range)
    return np.concatenate([lr, reg]), None


def ensemble_right(prob_list):
    return np.mean(np.stack(prob_list), axis=0).argmax(axis=1)


def ensemble_sum(prob_list):
    total = np.zeros_like(prob_list[0])
    for p in prob_list:
        total = total + p
    return np.argmax(total, axis=-1)


def ensemble_running_mean(prob_list):
    mean = prob_list[0].copy()
    for k, p in enumerate(prob_list[1:], start=2):
        mean += (p - mean) / k
    return list(mean.argmax(axis=1))


def ensemble_python_sum(prob_list):
    return np.argmax(sum(prob_list), axis=1)


def ensemble_vote(prob_list):
    return np.round(np.mean([p.argmax(axis=1) for p in prob_list], axis=0)).astype(int)


def ensemble_majority(prob_list):
    """A majority vote of the models' labels, ties to the lowest class (np.bincount)."""
    votes = np.stack([p.argmax(axis=1) for p in prob_list])
    return np.array([np.bincount(v, minlength=prob_list[0].shape[1]).argmax() for v in votes.T])


def ensemble_majority_counter(prob_list):
    """A majority vote written with collections.Counter: ties go to the first model's label."""
    from collections import Counter

    return np.array([Counter(labels).most_common(1)[0][0] for labels in zip(*(p.argmax(axis=1) for p in prob_list))])


def ensemble_wrong_axis(prob_list):
    return np.mean(np.stack(prob_list), axis=0).argmax(axis=0)


def ensemble_inplace(prob_list):
    total = prob_list[0]
    for p in prob_list[1:]:
        total += p
    return total.argmax(axis=1)


def ensemble_most_confident(prob_list):
    return np.max(np.stack(prob_list), axis=0).argmax(axis=1)


def ensemble_product(prob_list):
    return np.prod(np.stack(prob_list), axis=0).argmax(axis=1)


def ensemble_first(prob_list):
    return prob_list[0].argmax(axis=1)


def ensemble_overwrite(prob_list):
    for p in prob_list:
        total = p
    return total.argmax(axis=1)


def ensemble_probabilities(prob_list):
    return np.mean(np.stack(prob_list), axis=0)  # forgot the argmax


def ensemble_per_model(prob_list):
    return np.stack(prob_list).mean(axis=1).argmax(axis=1)  # averaged over the examples instead


def ensemble_concatenate(prob_list):
    return np.mean(np.concatenate(prob_list), axis=0).argmax()


def _failure(check, seed, **student) -> str:
    """The message of the check's failure on the student's functions (it must fail)."""
    with pytest.raises(AssertionError) as info:
        check(**student, seed=seed, verbose=False)
    return str(info.value)


@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize(
    "sample", [sample_right, sample_exp, sample_natural, sample_ratio, sample_loop, sample_one_call]
)
def test_right_samplers_written_differently_pass(sample, seed):
    checks.check_sample_hyperparams(sample_hyperparams=sample, seed=seed, verbose=False)


@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize("ensemble", [ensemble_right, ensemble_sum, ensemble_running_mean, ensemble_python_sum])
def test_right_ensembles_written_differently_pass(ensemble, seed):
    checks.check_ensemble_predict(ensemble_predict=ensemble, seed=seed, verbose=False)


@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize(
    "sample, hint",
    [
        (sample_uniform, "uniform in [lo, hi] itself"),
        (sample_uniform_global, "uniform in [lo, hi] itself"),
        (sample_exponents, "these are the exponents"),
        (sample_ln_as_log10, "natural logarithms, then raised as powers of 10"),
        (sample_exp_of_log10, "raised with np.exp"),
        (sample_interleaved, "one (lr, reg) pair at a time"),
        (sample_columns, "one (lr, reg) pair at a time"),
        (sample_regs_first, "the regularization strengths were drawn first"),
        (sample_swapped, "the other quantity's values"),
        (sample_reg_from_lr_range, "outside the reg_range you were given"),
        (sample_hard_coded, "outside the lr_range you were given"),
        (sample_grid, "evenly spaced in log space"),
        (sample_new_generator, "draw from the rng you are given"),
        (sample_none, "must return the pair (lrs, regs)"),
        (sample_scalar, "lr has shape (), expected (2"),
        (sample_scalar, "Hint: one number where num values are expected"),
        (sample_stacked, "2 * num values in one array"),
    ],
)
def test_sampling_slips_fail_with_their_hint(sample, hint, seed):
    assert hint in _failure(checks.check_sample_hyperparams, seed, sample_hyperparams=sample)


@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize(
    "ensemble, hint",
    [
        (ensemble_vote, "labels averaged"),
        (ensemble_majority, "majority vote"),
        (ensemble_majority_counter, "majority vote"),
        (ensemble_wrong_axis, "the argmax ran over the examples (axis 0)"),
        (ensemble_inplace, "modified its input `prob_list` in place (first change at index (0, "),
        (ensemble_most_confident, "the most confident model decides"),
        (ensemble_product, "the probabilities were multiplied"),
        (ensemble_first, "the first model's labels alone"),
        (ensemble_overwrite, "the last model's labels alone"),
        (ensemble_probabilities, "take the argmax of each row (axis=1)"),
        (ensemble_concatenate, "labels has shape (), expected"),
        (ensemble_per_model, "one value per model"),
    ],
)
def test_ensemble_slips_fail_with_their_hint(ensemble, hint, seed):
    assert hint in _failure(checks.check_ensemble_predict, seed, ensemble_predict=ensemble)


def test_the_in_place_hint_says_what_to_write_instead():
    message = _failure(checks.check_ensemble_predict, 0, ensemble_predict=ensemble_inplace)
    assert "total = total + p" in message and ".copy()` or build" not in message


def test_every_wrong_ensemble_disagrees_with_the_average_in_every_case():
    wrong = (
        ensemble_vote,
        ensemble_majority,
        ensemble_majority_counter,
        ensemble_most_confident,
        ensemble_product,
        ensemble_first,
        ensemble_overwrite,
    )
    for seed in (0, 1, 2):
        for case in checks.REGISTRY["check_ensemble_predict"].cases(seed):
            probs = list(case["prob_list"])
            for ensemble in wrong:
                assert not np.array_equal(ensemble(probs), ensemble_right(probs)), ensemble.__name__


def test_the_visible_ranges_differ_from_the_notebooks_and_from_each_other():
    for case in checks.REGISTRY["check_sample_hyperparams"].cases(0):
        assert case["lr_range"] != case["reg_range"]
        assert case["lr_range"] != (1e-4, 1.0) and case["reg_range"] != (1e-5, 1.0)


@pytest.mark.parametrize(
    "student, code",
    [
        (dict(sample_hyperparams=sample_uniform), "sample_hyperparams.lr_uniform_not_log"),
        (dict(sample_hyperparams=sample_ln_as_log10), "sample_hyperparams.lr_natural_log_base_10"),
        (dict(sample_hyperparams=sample_grid), "sample_hyperparams.lr_grid_not_random"),
        (dict(sample_hyperparams=sample_scalar), "sample_hyperparams.one_number"),
        (dict(ensemble_predict=ensemble_vote), "ensemble_predict.vote_averaged"),
        (dict(ensemble_predict=ensemble_inplace), "ensemble_predict.in_place"),
        (dict(ensemble_predict=ensemble_probabilities), "ensemble_predict.probabilities_not_labels"),
    ],
    ids=lambda v: v if isinstance(v, str) else "",
)
def test_typical_wrong_answers_have_their_cause_codes(student, code):
    name = next(iter(student))
    with pytest.raises(checks.CheckFailure) as info:
        getattr(checks, f"check_{name}")(**student, verbose=False)
    assert info.value.code == code
