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


def _trials():
    # (lr, reg, val_acc): the best three sit at lr 0.05..0.2 and reg 1e-4..1e-2
    return np.array(
        [
            [1e-4, 1e-1, 0.20],
            [0.05, 1e-2, 0.97],
            [0.2, 1e-4, 0.98],
            [0.1, 1e-3, 0.96],
            [0.9, 1e-5, 0.50],
            [3e-3, 0.5, 0.70],
        ]
    )


def test_fine_ranges_span_the_best_trials_widened_and_stay_inside_the_coarse_ranges():
    lr, reg = search.fine_ranges(_trials(), (1e-4, 1.0), (1e-5, 1.0), top=3, widen=2.0)
    assert lr == pytest.approx((0.025, 0.4)) and reg == pytest.approx((5e-5, 2e-2))
    lr, reg = search.fine_ranges(_trials(), (0.04, 0.3), (2e-4, 1.0), top=3, widen=2.0)
    assert lr == pytest.approx((0.04, 0.3)) and reg == pytest.approx((2e-4, 2e-2))  # clipped to the coarse ranges


def test_fine_ranges_narrow_on_real_looking_trials_and_refuse_bad_input():
    trials = _trials()
    lr, reg = search.fine_ranges(trials, (1e-4, 1.0), (1e-5, 1.0), top=2)
    assert np.log10(lr[1] / lr[0]) < 4 and np.log10(reg[1] / reg[0]) < 5
    with pytest.raises(ValueError, match="T >= top"):
        search.fine_ranges(trials[:2], (1e-4, 1.0), (1e-5, 1.0), top=3)
    with pytest.raises(ValueError, match=r"\(T, 3\)"):
        search.fine_ranges(trials[:, :2], (1e-4, 1.0), (1e-5, 1.0))


def _net(seed=0):
    from course_utils.models import FullyConnectedNet

    return FullyConnectedNet([12], input_dim=6, num_classes=3, weight_scale=0.3, seed=seed)


def _data():
    rng = np.random.default_rng(1)
    X = rng.standard_normal((60, 6))
    return X, (X[:, 0] > 0).astype(int) + (X[:, 1] > 0.5)


def test_snapshots_are_copies_taken_after_each_cycle_and_the_last_is_the_model():
    X, y = _data()
    net = _net()
    snaps = search.train_snapshots(
        net, X, y, num_cycles=3, epochs_per_cycle=2, lr=0.1, batch_size=20, rng=np.random.default_rng(0)
    )
    assert len(snaps) == 3 and set(snaps[0]) == set(net.params)
    assert all(np.array_equal(snaps[-1][k], net.params[k]) and snaps[-1][k] is not net.params[k] for k in snaps[-1])
    assert not np.allclose(snaps[0]["W1"], snaps[1]["W1"])  # each cycle moves the net on


def test_snapshots_anneal_to_zero_in_every_cycle():
    X, y = _data()
    seen = []

    def rule(w, dw, state=None, *, lr):
        seen.append(lr)
        return w - lr * dw, state

    search.train_snapshots(
        _net(), X, y, num_cycles=2, epochs_per_cycle=1, lr=0.5, rule=rule, batch_size=20, rng=np.random.default_rng(0)
    )
    per_cycle = np.array(seen).reshape(2, 3, -1)[:, :, 0]  # 2 cycles x 3 iterations, the same lr for each param
    assert np.allclose(per_cycle[:, 0], 0.5) and np.all(np.diff(per_cycle, axis=1) < 0)


def test_probabilities_with_other_parameters_leave_the_model_alone():
    X, _ = _data()
    net, other = _net(0), _net(1)
    before = {k: v.copy() for k, v in net.params.items()}
    p = search.probabilities(net, X, other.params)
    assert np.allclose(p, search.probabilities(other, X)) and np.allclose(p.sum(axis=1), 1)
    assert all(np.array_equal(net.params[k], before[k]) for k in before)
    assert not np.allclose(search.probabilities(net, X), p)


def test_log_loss_of_sure_and_unsure_predictions():
    y = np.array([0, 1])
    assert search.log_loss(np.array([[1.0, 0.0], [0.0, 1.0]]), y) == pytest.approx(0.0)
    assert search.log_loss(np.full((2, 2), 0.5), y) == pytest.approx(np.log(2))
    assert np.isfinite(search.log_loss(np.array([[0.0, 1.0], [1.0, 0.0]]), y))  # sure and wrong: large, not inf


def test_spread_is_mean_then_min_and_max():
    assert search.spread([0.97, 0.99, 0.98]) == "0.980 (0.970–0.990)"
    assert search.spread([1, 2], digits=1) == "1.5 (1.0–2.0)"
    assert search.spread([-0.004, 0.001], signed=True) == "-0.002 (-0.004 to +0.001)"
    assert search.spread([-0.5, -0.25], digits=2) == "-0.38 (-0.50 to -0.25)"
