"""course_utils.search: log-uniform sampling, the ensemble's average, softmax probabilities."""
import numpy as np
import pytest

from course_utils import search


def test_samples_are_log_uniform_in_the_ranges():
    lrs, regs = search.sample_hyperparams(np.random.default_rng(0), 20_000, (1e-5, 1e-1), (1e-4, 1.0))
    assert lrs.shape == regs.shape == (20_000,)
    assert lrs.min() >= 1e-5 and lrs.max() <= 1e-1 and regs.min() >= 1e-4 and regs.max() <= 1.0
    share = np.histogram(np.log10(lrs), bins=4, range=(-5, -1))[0] / lrs.size
    assert np.allclose(share, 0.25, atol=0.02)


def test_the_draw_order_is_learning_rates_then_regs():
    lrs, regs = search.sample_hyperparams(np.random.default_rng(3), 5, (1e-3, 1e-1), (1e-2, 1.0))
    u = np.random.default_rng(3).uniform(size=10)
    assert np.allclose(np.log10(lrs), -3 + 2 * u[:5]) and np.allclose(np.log10(regs), -2 + 2 * u[5:])


def test_bad_ranges_are_refused():
    with pytest.raises(ValueError, match="lr_range"):
        search.sample_hyperparams(np.random.default_rng(0), 3, (1e-1, 1e-3), (1e-2, 1.0))


def test_ensemble_averages_probabilities_not_votes_and_leaves_inputs_alone():
    a = np.array([[0.51, 0.49], [0.9, 0.1]])
    b = np.array([[0.51, 0.49], [0.2, 0.8]])
    c = np.array([[0.0, 1.0], [0.2, 0.8]])
    before = [p.copy() for p in (a, b, c)]
    assert search.ensemble_predict([a, b, c]).tolist() == [1, 1]  # the vote would say class 0 for the first
    assert all(np.array_equal(p, q) for p, q in zip((a, b, c), before))


def test_softmax_probs_rows_sum_to_one_even_for_huge_scores():
    p = search.softmax_probs(np.array([[1000.0, 0.0, -1000.0], [1.0, 2.0, 3.0]]))
    assert np.allclose(p.sum(axis=1), 1) and np.isfinite(p).all() and p[0, 0] == pytest.approx(1.0)
