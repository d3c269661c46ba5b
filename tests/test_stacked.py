"""Tests for course_utils.stacked and sweep: K nets trained at once are the nets train.train makes one by one."""

import numpy as np
import pytest

from course_utils import data, models, optim, stacked, sweep, train

FC = models.FullyConnectedNet


@pytest.fixture(scope="module")
def digits():
    X, y = data.load_digits()
    (X_train, y_train), (X_val, y_val) = data.split(X / 16, y, fractions=(0.8, 0.2), seed=0)
    return X_train[:400], y_train[:400], X_val[:150], y_val[:150]


def _one_by_one_and_stacked(digits, make, seeds, *, hyper, per_net=None, schedule=None, **kwargs):
    """The same nets trained with train.train one at a time and with train_stacked; (nets, histories) of each.

    schedule: as for train_stacked, one function for every net or a list of one per net."""
    X_train, y_train, X_val, y_val = digits
    alone, together = [make(k) for k in range(len(seeds))], [make(k) for k in range(len(seeds))]
    own_schedules = [schedule] * len(seeds) if schedule is None or callable(schedule) else schedule
    histories = []
    for k, (net, seed) in enumerate(zip(alone, seeds)):
        own = {**hyper, **{name: values[k] for name, values in (per_net or {}).items()}}
        histories.append(
            train.train(
                net,
                X_train,
                y_train,
                X_val,
                y_val,
                hyper=own,
                schedule=own_schedules[k],
                rng=np.random.default_rng(seed),
                verbose=False,
                **kwargs,
            )
        )
    stacked_histories = sweep.train_stacked(
        together,
        X_train,
        y_train,
        X_val,
        y_val,
        hyper={**hyper, **(per_net or {})},
        rngs=[np.random.default_rng(seed) for seed in seeds],
        schedule=schedule,
        verbose=False,
        **kwargs,
    )
    return (alone, histories), (together, stacked_histories)


def _assert_same(one, two, X_val, *, exact=True):
    (nets1, hist1), (nets2, hist2) = one, two
    same = np.testing.assert_array_equal if exact else lambda a, b: np.testing.assert_allclose(a, b, rtol=1e-5)
    for k, (a, b, h, g) in enumerate(zip(nets1, nets2, hist1, hist2)):
        assert a.params.keys() == b.params.keys()
        for name in a.params:
            assert b.params[name].dtype == a.params[name].dtype, (k, name)
            same(b.params[name], a.params[name])
        for i in a.running:
            same(b.running[i].mean, a.running[i].mean)
            same(b.running[i].var, a.running[i].var)
        same(g.loss, h.loss)
        np.testing.assert_array_equal(g.train_acc, h.train_acc)
        np.testing.assert_array_equal(g.val_acc, h.val_acc)
        np.testing.assert_array_equal(g.lr, h.lr)
        assert (g.diverged, g.iterations_per_epoch) == (h.diverged, h.iterations_per_epoch)
        for name in h.update_ratio:
            np.testing.assert_allclose(g.update_ratio[name], h.update_ratio[name], rtol=1e-5)
        assert g.average.keys() == h.average.keys()
        for name in h.average:
            same(g.average[name], h.average[name])
        np.testing.assert_array_equal(b.predict(X_val), a.predict(X_val))
        assert a.rng.bit_generator.state == b.rng.bit_generator.state  # the dropout generator drew the same masks


def test_a_learning_rate_and_regularization_sweep_over_seeds_is_the_same_nets(digits):
    rates, regs = [0.01, 0.05, 0.2, 0.5, 0.05, 0.2], [0.0, 0.0, 1e-3, 0.0, 1e-2, 0.0]
    one, two = _one_by_one_and_stacked(
        digits,
        lambda k: FC([30, 20], 64, 10, weight_scale=0.1, reg=regs[k], seed=k % 3),
        seeds=[0, 1, 2, 0, 1, 2],
        rule=optim.sgd_momentum,
        hyper=dict(momentum=0.9),
        per_net=dict(lr=rates),
        num_epochs=3,
        batch_size=50,
        num_train_samples=100,
    )
    _assert_same(one, two, digits[2])


def test_every_activation_and_weight_scale_in_one_stack(digits):
    activations = ["sigmoid", "tanh", "relu", "leaky_relu", "elu", "tanh"]
    scales = [0.2, 0.2, 0.2, 0.2, 0.2, 1 / np.sqrt(30)]
    one, two = _one_by_one_and_stacked(
        digits,
        lambda k: FC([30] * 3, 64, 10, activation=activations[k], weight_scale=scales[k], seed=k),
        seeds=range(6),
        rule=optim.sgd,
        hyper=dict(lr=0.1),
        num_epochs=2,
        batch_size=32,
    )
    _assert_same(one, two, digits[2])


def test_batchnorm_and_plain_nets_together_and_a_net_that_diverges(digits):
    with np.errstate(all="ignore"):  # the plain nets at scale 1 overflow
        one, two = _one_by_one_and_stacked(
            digits,
            lambda k: FC(
                [50] * 6, 64, 10, normalization=[None, "batchnorm"][k % 2], weight_scale=[0.1, 1.0][k // 2], seed=k
            ),
            seeds=[3, 4, 5, 6],
            rule=optim.sgd_momentum,
            hyper=dict(lr=0.2, momentum=0.9),
            num_epochs=3,
            batch_size=40,
            num_train_samples=50,
        )
        assert [h.diverged for h in one[1]] == [False, False, True, False]
        _assert_same(one, two, digits[2])


def test_dropout_adam_lr_decay_and_polyak_averaging(digits):
    p_drops = [0.0, 0.3, 0.5, 0.3]
    one, two = _one_by_one_and_stacked(
        digits,
        lambda k: FC([40], 64, 10, p_drop=p_drops[k], seed=k),
        seeds=[0, 1, 2, 3],
        rule=optim.adam,
        hyper=dict(lr=2e-3),
        num_epochs=2,
        batch_size=25,
        lr_decay=0.8,
        polyak=0.9,
    )
    _assert_same(one, two, digits[2])


def test_a_schedule_per_net_beside_constant_rates_and_a_net_that_diverges(digits):
    growing = optim.exponential_schedule(0.05, k=-0.8)  # lr grows until the loss overflows
    with np.errstate(all="ignore"):
        one, two = _one_by_one_and_stacked(
            digits,
            lambda k: FC([30, 20], 64, 10, weight_scale=0.1, reg=1e-3 * k, seed=k),
            seeds=[5, 6, 7, 8, 9],
            rule=optim.sgd_momentum,
            hyper=dict(momentum=0.9),
            per_net=dict(lr=[0.1, 0.2, 0.05, 0.3, 0.1]),
            schedule=[
                optim.step_schedule(0.2, drop=0.5, every=7),
                None,
                growing,
                optim.cosine_schedule(0.3, total=24, warmup=5),
                None,
            ],
            num_epochs=3,
            batch_size=50,
            polyak=0.8,
            num_train_samples=100,
        )
    assert [h.diverged for h in one[1]] == [False, False, True, False, False] and len(one[1][2].loss) < 24
    _assert_same(one, two, digits[2])


def test_one_schedule_for_every_net_with_adam_and_dropout(digits):
    one, two = _one_by_one_and_stacked(
        digits,
        lambda k: FC([40], 64, 10, p_drop=0.2 * k, seed=k),
        seeds=[0, 1, 2],
        rule=optim.adam,
        hyper={},
        schedule=optim.cosine_schedule(3e-3, total=30, warmup=4),
        num_epochs=2,
        batch_size=25,
    )
    _assert_same(one, two, digits[2])
    assert len(two[1][0].lr) == 2 * 16 and two[1][0].lr[3] == 3e-3


def test_nets_without_a_schedule_keep_the_rules_default_lr_and_record_none(digits):
    one, two = _one_by_one_and_stacked(
        digits,
        lambda k: FC([20], 64, 10, seed=k),
        seeds=[0, 1],
        rule=optim.sgd,
        hyper={},
        schedule=[optim.step_schedule(0.3, every=5), None],
        num_epochs=1,
        batch_size=50,
    )
    _assert_same(one, two, digits[2])
    assert len(two[1][0].lr) == 8 and len(two[1][1].lr) == 0


def test_float32_nets_with_everything_on_agree_to_rounding(digits):
    one, two = _one_by_one_and_stacked(
        digits,
        lambda k: FC([30, 20], 64, 10, normalization="batchnorm", p_drop=0.2, reg=1e-3, dtype=np.float32, seed=k),
        seeds=[0, 1, 2],
        rule=optim.rmsprop,
        hyper=dict(lr=1e-3),
        num_epochs=2,
        batch_size=32,
    )
    _assert_same(one, two, digits[2], exact=False)


def test_training_epoch_by_epoch_resumes_as_train_does(digits):
    X_train, y_train, X_val, y_val = digits
    alone, together = [FC([30], 64, 10, seed=k) for k in range(3)], [FC([30], 64, 10, seed=k) for k in range(3)]
    rngs1, rngs2 = [np.random.default_rng(k) for k in range(3)], [np.random.default_rng(k) for k in range(3)]
    kwargs = dict(rule=optim.sgd, hyper=dict(lr=0.5), num_epochs=1, batch_size=50, verbose=False)
    for _ in range(3):
        h1 = [train.train(n, X_train, y_train, X_val, y_val, rng=r, **kwargs) for n, r in zip(alone, rngs1)]
        h2 = sweep.train_stacked(together, X_train, y_train, X_val, y_val, rngs=rngs2, **kwargs)
        _assert_same((alone, h1), (together, h2), X_val)


def test_stacked_nets_score_like_each_net(digits):
    X_val = digits[2]
    nets = [
        FC([20, 20], 64, 10, normalization="batchnorm", activation=a, seed=k) for k, a in enumerate(["relu", "tanh"])
    ]
    stack = stacked.StackedNets(nets)
    assert len(stack) == 2 and stack.params["W2"].shape == (2, 20, 20)
    scores, hidden, labels = stack.scores(X_val), stack.hidden(X_val, 2), stack.predict(X_val, batch_size=64)
    for k, net in enumerate(nets):
        np.testing.assert_array_equal(scores[k], net.scores(X_val))
        np.testing.assert_array_equal(hidden[k], net.hidden(X_val, 2))
        np.testing.assert_array_equal(labels[k], net.predict(X_val))
    np.testing.assert_array_equal(
        stack.accuracy(X_val, digits[3]), [models.accuracy(n, X_val, digits[3]) for n in nets]
    )
    per_net = np.stack([X_val[:10], X_val[10:20]])
    np.testing.assert_array_equal(stack.scores(per_net)[1], nets[1].scores(X_val[10:20]))
    stack.params["W1"] = stack.params["W1"] * 2
    assert stack.unstack() is stack.nets and np.array_equal(nets[1].params["W1"], stack.params["W1"][1])


@pytest.mark.parametrize(
    "call, match",
    [
        (lambda n, X, y: sweep.train_stacked(n, X, y, rngs=[np.random.default_rng(0)]), "a generator of its own"),
        (
            lambda n, X, y: sweep.train_stacked(n, X, y, rngs=[np.random.default_rng(0)] * 2),
            "2 rngs \\(1 different\\)",
        ),
        (
            lambda n, X, y: sweep.train_stacked(
                n, X, y, rngs=[np.random.default_rng(k) for k in range(2)], hyper=dict(lr=[0.1, 0.2, 0.3])
            ),
            "hyper\\['lr'\\] must be a number or 2 numbers",
        ),
        (
            lambda n, X, y: sweep.train_stacked(n, X, y[:5], rngs=[np.random.default_rng(k) for k in range(2)]),
            "X_train has",
        ),
        (lambda n, X, y: stacked.StackedNets(n).loss(X[:5], y[:5]), "X must be \\(K=2, B, D\\)"),
        (lambda n, X, y: stacked.StackedNets(n).scores(X[:, :10]), "D=64"),
        (
            lambda n, X, y: stacked.StackedNets(n).loss(np.stack([X[:5]] * 2), np.stack([y[:5], y[:5] + 10])),
            "labels in 0..9",
        ),
        (
            lambda n, X, y: sweep.train_stacked(n, X, -y, rngs=[np.random.default_rng(k) for k in range(2)]),
            "train_stacked: y must hold integer labels",
        ),
        (
            lambda n, X, y: sweep.train_stacked(
                n, X, y, rngs=[np.random.default_rng(k) for k in range(2)], schedule=[optim.step_schedule(0.1)]
            ),
            "schedule must be a function iteration -> lr or 2 of them",
        ),
        (
            lambda n, X, y: sweep.train_stacked(
                n, X, y, rngs=[np.random.default_rng(k) for k in range(2)], schedule=[0.1, 0.2]
            ),
            "schedule must be a function",
        ),
        (
            lambda n, X, y: sweep.train_stacked(
                n, X, y, rngs=[np.random.default_rng(k) for k in range(2)], schedule=0.1
            ),
            "schedule must be a function",
        ),
        (
            lambda n, X, y: sweep.train_stacked(
                n,
                X,
                y,
                rngs=[np.random.default_rng(k) for k in range(2)],
                schedule=optim.step_schedule(0.1),
                lr_decay=0.5,
            ),
            "either schedule or lr_decay",
        ),
        (lambda n, X, y: stacked.StackedNets([n[0], FC([7], 64, 10)]), "the same hidden_dims"),
        (lambda n, X, y: stacked.StackedNets([]), "non-empty list"),
    ],
)
def test_bad_arguments_say_what_to_fix(digits, call, match):
    nets = [FC([10], 64, 10, seed=k) for k in range(2)]
    with pytest.raises((ValueError, TypeError), match=match):
        call(nets, digits[0], digits[1])


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_layout_keeps_each_parameter_and_takes_its_norm_as_numpy_does(dtype):
    nets = [FC([20, 20, 30], 64, 10, normalization="batchnorm", dtype=dtype, seed=k) for k in range(3)]
    stack = stacked.StackedNets(nets)
    layout = sweep._Layout(stack.params)
    flat = layout.join(stack.params)
    assert flat.shape == (3, sum(p[0].size for p in stack.params.values()))
    views = layout.views(flat)
    assert list(views) == list(stack.params) == layout.names
    norms = layout.norms(flat)
    assert norms.dtype == dtype
    for j, (name, p) in enumerate(stack.params.items()):
        np.testing.assert_array_equal(views[name], p)
        for k in range(3):
            np.testing.assert_array_equal(layout.copies(flat, k)[name], p[k])
            assert norms[j, k] == np.linalg.norm(p[k])


def test_nets_past_the_cache_budget_train_in_several_stacks_with_the_same_result(digits, monkeypatch):
    net = FC([30, 20], 64, 10)
    per_net = 4 * 50 * (30 + 20 + 10) * 8
    monkeypatch.setattr(sweep, "_CACHE_BUDGET", 2 * per_net)
    assert sweep._stacks(list(range(5)), net, 50) == [[0, 1], [2, 3], [4]]
    monkeypatch.setattr(sweep, "_CACHE_BUDGET", 4 * per_net)
    assert sweep._stacks(list(range(5)), net, 50) == [[0, 1, 2], [3, 4]]  # about equal sizes
    test_a_learning_rate_and_regularization_sweep_over_seeds_is_the_same_nets(digits)


def test_train_accuracy_false_measures_no_train_accuracy_and_trains_the_same_nets(digits):
    X_train, y_train, X_val, y_val = digits
    nets = {flag: [FC([20], 64, 10, seed=k) for k in range(2)] for flag in (True, False)}
    histories = {
        flag: sweep.train_stacked(
            nets[flag],
            X_train,
            y_train,
            X_val,
            y_val,
            rngs=[np.random.default_rng(k) for k in range(2)],
            num_epochs=2,
            train_accuracy=flag,
            verbose=False,
        )
        for flag in (True, False)
    }
    for with_acc, without in zip(histories[True], histories[False]):
        assert len(with_acc.train_acc) == 3 and len(without.train_acc) == 0
        np.testing.assert_array_equal(without.val_acc, with_acc.val_acc)
        np.testing.assert_array_equal(without.loss, with_acc.loss)


def test_progress_bar_when_verbose(digits, capsys):
    X_train, y_train = digits[0][:100], digits[1][:100]
    sweep.train_stacked(
        [FC([10], 64, 10, seed=k) for k in range(2)],
        X_train,
        y_train,
        rngs=[np.random.default_rng(k) for k in range(2)],
        num_epochs=1,
    )
    assert "training" in capsys.readouterr().err


def test_linear_softmax_nets_without_hidden_layers(digits):
    one, two = _one_by_one_and_stacked(
        digits,
        lambda k: FC([], 64, 10, reg=0.01 * k, seed=k),
        seeds=[0, 1, 2],
        rule=optim.nesterov_momentum,
        hyper=dict(lr=0.05),
        num_epochs=2,
        batch_size=64,
    )
    _assert_same(one, two, digits[2])
