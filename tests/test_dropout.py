"""course_utils.dropout: stacked nets are FullyConnectedNets trained side by side; labels flipped; masks averaged."""

import copy

import numpy as np
import pytest

import course_utils as cu
from course_utils import dropout
from course_utils.gradcheck import numerical_gradient, rel_error


def _data(num_seeds=2, N=40, D=6, C=3, N_val=30):
    out = []
    for s in range(num_seeds):
        rng = np.random.default_rng(100 + s)
        out.append(
            (
                rng.standard_normal((N, D)),
                rng.integers(0, C, N),
                rng.standard_normal((N_val, D)),
                rng.integers(0, C, N_val),
            )
        )
    return out


def _stack(net, K=1):
    L = net.num_layers
    Ws = [np.repeat(net.params[f"W{i}"][None], K, axis=0) for i in range(1, L + 1)]
    bs = [np.repeat(net.params[f"b{i}"][None, None], K, axis=0) for i in range(1, L + 1)]
    return Ws, bs


def test_gradients_without_dropout_are_the_nets():
    net = cu.models.FullyConnectedNet([7, 5], 6, 3, weight_scale=0.5, seed=3)
    X, y = np.random.default_rng(0).standard_normal((9, 6)), np.array([0, 1, 2, 0, 1, 2, 2, 1, 0])
    Ws, bs = _stack(net)
    grads = dropout._gradients(Ws, bs, X[None], y[None], np.ones((1, 1, 1)), np.random.default_rng(0))
    loss, ref = net.loss(X, y)
    names = [f"W{i}" for i in (1, 2, 3)] + [f"b{i}" for i in (1, 2, 3)]
    for name, g in zip(names, grads):
        assert rel_error(g[0].reshape(ref[name].shape), ref[name]) < 1e-12, name
    assert np.isclose(dropout._loss(dropout._forward(Ws, bs, X[None])[0], y[None])[0][0], loss)


def test_gradients_with_dropout_match_centered_differences_with_the_masks_held_fixed():
    net = cu.models.FullyConnectedNet([7, 5], 6, 3, weight_scale=0.5, seed=4)
    X, y = np.random.default_rng(1).standard_normal((9, 6)), np.arange(9) % 3
    Ws, bs = _stack(net, K=2)
    bs = [b + np.random.default_rng(i).uniform(0.1, 0.2, b.shape) for i, b in enumerate(bs)]  # no a exactly 0 (a kink)
    keep = np.array([0.5, 0.8])[:, None, None]
    rng = np.random.default_rng(7)
    grads = dropout._gradients(Ws, bs, X[None].repeat(2, 0), y[None].repeat(2, 0), keep, copy.deepcopy(rng))
    for i, w in enumerate(Ws + bs):

        def f(v, i=i):
            params = [p.copy() for p in Ws + bs]
            params[i] = v
            scores = dropout._forward(params[:3], params[3:], X[None].repeat(2, 0), keep, copy.deepcopy(rng))[0]
            return dropout._loss(scores, y[None].repeat(2, 0))[0].sum()

        assert rel_error(numerical_gradient(f, w.copy()), grads[i]) < 1e-6, i


def test_train_nets_shapes_and_the_net_it_hands_back():
    runs = dropout.train_nets(
        _data(), p_drops=(0.0, 0.5), hidden_dims=[8], num_steps=7, batch_size=16, lr=0.1, eval_every=3, num_masks=2
    )
    assert runs.steps.tolist() == [0, 3, 6, 7]
    assert runs.val_loss.shape == runs.val_acc.shape == runs.train_loss.shape == (4, 2, 2)
    assert runs.train_loss_masked.shape == (2, 2)
    net = runs.net(0.5, 1)
    assert isinstance(net, cu.models.FullyConnectedNet) and net.p_drop == 0.5
    X_val, y_val = _data()[1][2:]
    loss, log_p = dropout._loss(net.scores(X_val)[None], y_val[None])
    assert np.isclose(loss[0], runs.val_loss[-1, 1, 1])
    assert np.isclose(np.mean(log_p[0].argmax(1) == y_val), runs.val_acc[-1, 1, 1])
    with pytest.raises(ValueError, match="not one of"):
        runs.net(0.3, 0)


def test_nets_of_one_seed_share_everything_but_the_rate():
    """A net without dropout trains the same alone as beside others: its masks are all ones."""
    data = _data()
    kw = dict(hidden_dims=[8], num_steps=10, batch_size=16, lr=0.1, eval_every=5)
    alone = dropout.train_nets(data, p_drops=(0.0,), **kw)
    beside = dropout.train_nets(data, p_drops=(0.0, 0.5), **kw)
    assert np.array_equal(alone.val_loss[:, 0], beside.val_loss[:, 0])
    assert np.array_equal(alone.params["W1"][0], beside.params["W1"][0])
    assert not np.array_equal(beside.params["W1"][0], beside.params["W1"][1])
    # the same initial weights for every rate of a seed
    start = dropout.train_nets(data, p_drops=(0.0, 0.5), **{**kw, "num_steps": 0})
    assert np.array_equal(start.params["W2"][0], start.params["W2"][1])


def test_dropout_raises_the_train_mode_loss_above_the_test_mode_one():
    runs = dropout.train_nets(
        _data(), p_drops=(0.0, 0.5), hidden_dims=[16], num_steps=30, batch_size=20, lr=0.1, eval_every=10
    )
    assert np.allclose(runs.train_loss_masked[0], runs.train_loss[-1, 0])
    assert np.all(runs.train_loss_masked[1] > runs.train_loss[-1, 1])


@pytest.mark.parametrize(
    "kwargs, message",
    [
        (dict(p_drops=(0.0, 1.0)), "p_drops"),
        (dict(seeds=[0]), "one \\(X_train"),
    ],
)
def test_train_nets_bad_arguments(kwargs, message):
    with pytest.raises(ValueError, match=message):
        dropout.train_nets(
            _data(), **{**dict(p_drops=(0.0,), hidden_dims=[4], num_steps=1, batch_size=8, lr=0.1), **kwargs}
        )


def test_flip_labels_changes_the_share_asked_for_to_other_classes():
    y = np.arange(200) % 10
    flipped = dropout.flip_labels(y, 0.2, num_classes=10, rng=np.random.default_rng(0))
    assert np.sum(flipped != y) == 40 and np.all(y == np.arange(200) % 10)
    assert flipped.min() >= 0 and flipped.max() <= 9
    with pytest.raises(ValueError, match="fraction"):
        dropout.flip_labels(y, 1.5, num_classes=10, rng=np.random.default_rng(0))


def test_mask_average_is_the_running_mean_of_masked_passes():
    net = cu.models.FullyConnectedNet([12], 5, 4, p_drop=0.5, weight_scale=0.5, seed=1)
    X = np.random.default_rng(2).standard_normal((7, 5))
    single, averages = dropout.mask_average(net, X, num_masks=25, rng=np.random.default_rng(3))
    assert single.shape == (7, 4) and averages.shape == (25, 7, 4)
    assert np.allclose(single, dropout.softmax(net.scores(X)))
    assert np.allclose(averages.sum(axis=2), 1)
    passes = np.diff(averages * np.arange(1, 26)[:, None, None], axis=0, prepend=0)  # the k-th pass back
    assert not np.allclose(passes[0], passes[1])
    assert np.allclose(averages[-1], passes.mean(axis=0))
    again = dropout.mask_average(net, X, num_masks=25, rng=np.random.default_rng(3))[1]
    assert np.array_equal(averages, again)
    with pytest.raises(ValueError, match="p_drop = 0"):
        dropout.mask_average(cu.models.FullyConnectedNet([3], 5, 4), X, num_masks=2, rng=np.random.default_rng(0))


def test_masked_scores_are_the_train_mode_passes_of_the_repeated_input():
    net = cu.models.FullyConnectedNet([12, 9], 5, 4, p_drop=0.3, weight_scale=0.5, seed=2)
    X = np.random.default_rng(4).standard_normal((7, 5))
    fast = dropout._masked_scores(net, X, 3, np.random.default_rng(5))
    slow = net._forward_train(np.tile(X, (3, 1)), np.random.default_rng(5))[0]
    assert fast.shape == (21, 4)
    assert np.allclose(fast, slow, rtol=0, atol=1e-12)


def test_test_mode_forward_keeps_no_caches():
    net = cu.models.FullyConnectedNet([7, 5], 6, 3, weight_scale=0.5, seed=3)
    X = np.random.default_rng(0).standard_normal((9, 6))
    scores, caches, _ = dropout._forward(*_stack(net), X[None])
    assert caches == [] and np.allclose(scores[0], net.scores(X))


@pytest.mark.parametrize("bit_generator", [np.random.PCG64, np.random.PCG64DXSM, np.random.MT19937])
def test_skipping_a_share_of_the_draws_leaves_the_others_theirs(bit_generator):
    drawn, skipped = np.random.Generator(bit_generator(7)), np.random.Generator(bit_generator(7))
    full = drawn.random((4, 5, 3))
    dropout._skip(skipped, 2 * 5 * 3)
    np.testing.assert_array_equal(skipped.random((2, 5, 3)), full[2:])
    assert skipped.random() == drawn.random()


def test_nets_without_dropout_skip_their_draws_and_change_nothing_by_it(monkeypatch):
    data = _data()
    kw = dict(p_drops=(0.5, 0.0, 0.3), hidden_dims=[8, 5], num_steps=7, batch_size=10, lr=0.1, eval_every=3)
    skipped = dropout.train_nets(data, **kw)
    monkeypatch.setattr(dropout, "_skip", lambda rng, n: rng.random(n))  # draw the numbers and drop them
    drawn = dropout.train_nets(data, **kw)
    for name in ("train_loss", "train_loss_masked", "val_loss", "val_acc"):
        np.testing.assert_array_equal(getattr(skipped, name), getattr(drawn, name), err_msg=name)
    for name, w in skipped.params.items():
        np.testing.assert_array_equal(w, drawn.params[name], err_msg=name)
    # a net that keeps every unit has the same loss in train mode as in test mode
    np.testing.assert_allclose(skipped.train_loss_masked[1], skipped.train_loss[-1, 1], rtol=1e-12)
