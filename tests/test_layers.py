"""layers: affine and ReLU forward/backward pairs (notebook 03)."""

import copy

import numpy as np
import pytest

from course_utils import layers
from course_utils.gradcheck import numerical_gradient_array, rel_error


def _affine_inputs(seed=0, dims=(3, 4), N=5, M=6):
    rng = np.random.default_rng(seed)
    D = int(np.prod(dims))
    x, w = rng.standard_normal((N, *dims)), rng.standard_normal((D, M))
    return x, w, rng.standard_normal(M), rng.standard_normal((N, M))


def test_affine_forward_known_values():
    # the classic fixed-input test: x (2, 4, 5, 6) flattened to D = 120, M = 3
    N, dims, M = 2, (4, 5, 6), 3
    D = int(np.prod(dims))
    x = np.linspace(-0.1, 0.5, N * D).reshape(N, *dims)
    w = np.linspace(-0.2, 0.3, D * M).reshape(D, M)
    b = np.linspace(-0.3, 0.1, M)
    out, _ = layers.affine_forward(x, w, b)
    expected = np.array([[1.49834967, 1.70660132, 1.91485297], [3.25553199, 3.5141327, 3.77273342]])
    assert rel_error(out, expected) < 1e-7


def test_affine_forward_flattens_and_matches_loops():
    x, w, b, _ = _affine_inputs()
    out, cache = layers.affine_forward(x, w, b)
    loops = np.array(
        [
            [sum(x[n].ravel()[d] * w[d, m] for d in range(w.shape[0])) + b[m] for m in range(w.shape[1])]
            for n in range(x.shape[0])
        ]
    )
    assert out.shape == (5, 6) and rel_error(out, loops) < 1e-10
    assert isinstance(cache, tuple) and hasattr(cache, "_fields") and cache.x.shape == x.shape


def test_affine_forward_rejects_mismatched_shapes():
    x, w, b, _ = _affine_inputs()
    with pytest.raises(ValueError, match="does not fit w"):
        layers.affine_forward(x, w[:-1], b)


@pytest.mark.parametrize("dims", [(7,), (3, 4), (2, 3, 2)])
def test_affine_backward_matches_numerical_gradients(dims):
    x, w, b, dout = _affine_inputs(seed=1, dims=dims)
    _, cache = layers.affine_forward(x, w, b)
    dx, dw, db = layers.affine_backward(dout, cache)
    assert dx.shape == x.shape and dw.shape == w.shape and db.shape == b.shape
    num_dx = numerical_gradient_array(lambda v: layers.affine_forward(v, w, b)[0], x.copy(), dout)
    num_dw = numerical_gradient_array(lambda v: layers.affine_forward(x, v, b)[0], w.copy(), dout)
    num_db = numerical_gradient_array(lambda v: layers.affine_forward(x, w, v)[0], b.copy(), dout)
    assert rel_error(dx, num_dx) < 1e-7
    assert rel_error(dw, num_dw) < 1e-7
    assert rel_error(db, num_db) < 1e-7


def test_affine_never_modifies_inputs():
    x, w, b, dout = _affine_inputs(seed=2)
    before = copy.deepcopy((x, w, b, dout))
    out, cache = layers.affine_forward(x, w, b)
    dx, dw, db = layers.affine_backward(dout, cache)
    for new, old in zip((x, w, b, dout), before):
        assert np.array_equal(new, old)
    # results are new arrays, not views of inputs
    for result in (out, dx, dw, db):
        for arr in (x, w, b, dout):
            assert not np.shares_memory(result, arr)


def test_affine_keeps_float32():
    x, w, b, dout = (a.astype(np.float32) for a in _affine_inputs(seed=3))
    out, cache = layers.affine_forward(x, w, b)
    grads = layers.affine_backward(dout, cache)
    assert out.dtype == np.float32 and all(g.dtype == np.float32 for g in grads)


@pytest.mark.parametrize("N", [1, 2, 5])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_weights_grad_is_x_transposed_times_dout_for_any_batch(N, dtype):
    rng = np.random.default_rng(N)
    x2, dout = rng.standard_normal((N, 6)).astype(dtype), rng.standard_normal((N, 4)).astype(dtype)
    dw = layers.weights_grad(x2, dout)
    assert dw.shape == (6, 4) and dw.dtype == dtype
    loops = sum(np.outer(x2[n], dout[n]) for n in range(N))  # one example: exactly the outer product
    np.testing.assert_allclose(dw, loops, rtol=0 if N == 1 else 1e-5, atol=0 if N == 1 else 1e-5)
    cache = layers.affine_forward(x2, rng.standard_normal((6, 4)).astype(dtype), np.zeros(4, dtype))[1]
    np.testing.assert_array_equal(layers.affine_backward(dout, cache)[1], dw)


def test_relu_forward_values():
    x = np.linspace(-0.5, 0.5, 12).reshape(3, 4)
    out, cache = layers.relu_forward(x)
    assert np.array_equal(out, np.where(x > 0, x, 0.0))
    assert hasattr(cache, "_fields") and cache.x is x


@pytest.mark.parametrize("shape", [(6, 5), (3, 2, 4)])
def test_relu_backward_matches_numerical_gradient(shape):
    rng = np.random.default_rng(4)
    x = rng.standard_normal(shape)
    x[np.abs(x) < 1e-3] = 0.5  # away from the kink
    dout = rng.standard_normal(shape)
    _, cache = layers.relu_forward(x)
    dx = layers.relu_backward(dout, cache)
    num = numerical_gradient_array(lambda v: layers.relu_forward(v)[0], x.copy(), dout)
    assert dx.shape == x.shape and rel_error(dx, num) < 1e-9


def test_relu_gradient_is_zero_at_and_below_zero():
    x = np.array([[-1.0, 0.0, 2.0]])
    _, cache = layers.relu_forward(x)
    assert np.array_equal(layers.relu_backward(np.ones_like(x) * 3, cache), [[0.0, 0.0, 3.0]])


def test_relu_never_modifies_inputs_and_keeps_dtype():
    rng = np.random.default_rng(5)
    x = rng.standard_normal((4, 3)).astype(np.float32)
    dout = rng.standard_normal((4, 3)).astype(np.float32)
    x0, d0 = x.copy(), dout.copy()
    out, cache = layers.relu_forward(x)
    dx = layers.relu_backward(dout, cache)
    assert np.array_equal(x, x0) and np.array_equal(dout, d0)
    assert out.dtype == np.float32 and dx.dtype == np.float32
    assert not np.shares_memory(out, x) and not np.shares_memory(dx, dout)


# ---- the activations of notebook 04 ----

ELEMENTWISE = ["relu", "sigmoid", "tanh", "leaky_relu", "elu"]


@pytest.mark.parametrize("name", ELEMENTWISE)
def test_activation_backward_matches_numerical_gradients(name):
    forward, backward = layers.ACTIVATIONS[name]
    rng = np.random.default_rng(7)
    x = 2.5 * rng.standard_normal((6, 7))
    x[np.abs(x) < 1e-3] = 0.5  # clear of the kinks at 0
    dout = rng.standard_normal(x.shape)
    out, cache = forward(x)
    dx = backward(dout, cache)
    num = numerical_gradient_array(lambda z: forward(z)[0], x, dout)
    assert out.shape == dx.shape == x.shape
    assert rel_error(dx, num) < 1e-6


@pytest.mark.parametrize("name", ELEMENTWISE)
def test_activations_are_safe_for_large_inputs_and_leave_inputs_alone(name):
    forward, backward = layers.ACTIVATIONS[name]
    x = np.array([-1e4, -1000.0, -40.0, -10.0, 0.0, 10.0, 40.0, 1000.0, 1e4])
    x0, dout = x.copy(), np.ones_like(x)
    with np.errstate(over="raise", invalid="raise", divide="raise"):  # overflow, nan or x/0 would raise
        out, cache = forward(x)
        dx = backward(dout, cache)
    assert np.all(np.isfinite(out)) and np.all(np.isfinite(dx))
    np.testing.assert_array_equal(x, x0)
    np.testing.assert_array_equal(dout, np.ones_like(x))


def test_activation_values_the_notebook_quotes():
    x = np.array([-10.0, 0.0, 10.0])
    s, c = layers.sigmoid_forward(x)
    np.testing.assert_allclose(s, [4.5397868702e-05, 0.5, 0.9999546021], rtol=1e-9)
    np.testing.assert_allclose(
        layers.sigmoid_backward(np.ones(3), c), [4.5395807735e-05, 0.25, 4.5395807735e-05], rtol=1e-9
    )
    t, _ = layers.tanh_forward(x)
    np.testing.assert_allclose(t, 2 * layers.sigmoid_forward(2 * x)[0] - 1, atol=1e-15)
    lr, _ = layers.leaky_relu_forward(np.array([-2.0, 3.0]), alpha=0.1)
    np.testing.assert_allclose(lr, [-0.2, 3.0])
    e, _ = layers.elu_forward(np.array([-50.0, -1.0, 2.0]), alpha=2.0)
    np.testing.assert_allclose(e, [-2.0, 2 * (np.exp(-1) - 1), 2.0])


def test_maxout_matches_numerical_gradients_and_two_pieces_with_zero_make_a_relu():
    rng = np.random.default_rng(3)
    x, d = rng.standard_normal((4, 2, 3)), rng.standard_normal((4, 5))
    w, b = rng.standard_normal((3, 6, 5)), rng.standard_normal((3, 5))
    out, cache = layers.maxout_forward(x, w, b)
    dx, dw, db = layers.maxout_backward(d, cache)
    assert rel_error(dx, numerical_gradient_array(lambda z: layers.maxout_forward(z, w, b)[0], x, d)) < 1e-8
    assert rel_error(dw, numerical_gradient_array(lambda z: layers.maxout_forward(x, z, b)[0], w, d)) < 1e-8
    assert rel_error(db, numerical_gradient_array(lambda z: layers.maxout_forward(x, w, z)[0], b, d)) < 1e-8
    relu_w = np.stack([w[0], np.zeros_like(w[0])])
    relu_b = np.stack([b[0], np.zeros_like(b[0])])
    affine, _ = layers.affine_forward(x, w[0], b[0])
    np.testing.assert_allclose(layers.maxout_forward(x, relu_w, relu_b)[0], np.maximum(affine, 0))


# ---- batchnorm and dropout (notebooks 06 and 07) ----


def _bn_inputs(seed=0, N=7, D=5):
    rng = np.random.default_rng(seed)
    x = 3.0 * rng.standard_normal((N, D)) + 2.0
    return x, rng.standard_normal(D), rng.standard_normal(D), rng.standard_normal((N, D))


@pytest.mark.parametrize("train", [True, False])
@pytest.mark.parametrize("backward", [layers.batchnorm_backward, layers.batchnorm_backward_alt])
def test_batchnorm_backward_matches_numerical_gradients(train, backward):
    x, gamma, beta, dout = _bn_inputs()
    running = layers.Running(np.linspace(-1, 1, 5), np.linspace(0.5, 2, 5))
    out, cache, _ = layers.batchnorm_forward(x, gamma, beta, running, train=train)
    dx, dgamma, dbeta = backward(dout, cache)

    def f(x=x, gamma=gamma, beta=beta):
        return layers.batchnorm_forward(x, gamma, beta, running, train=train)[0]

    assert rel_error(dx, numerical_gradient_array(lambda z: f(x=z), x, dout)) < 1e-7
    assert rel_error(dgamma, numerical_gradient_array(lambda z: f(gamma=z), gamma, dout)) < 1e-7
    assert rel_error(dbeta, numerical_gradient_array(lambda z: f(beta=z), beta, dout)) < 1e-7


def test_batchnorm_train_mode_normalizes_and_updates_the_running_averages():
    x, gamma, beta, _ = _bn_inputs(1, N=50)
    old = layers.Running(np.full(5, 0.5), np.full(5, 2.0))
    old_copy = layers.Running(old.mean.copy(), old.var.copy())
    out, _, new = layers.batchnorm_forward(x, gamma, beta, old, train=True, momentum=0.9, eps=1e-5)
    np.testing.assert_allclose(out.mean(axis=0), beta, atol=1e-12)
    np.testing.assert_allclose(out.std(axis=0), np.abs(gamma) * np.sqrt(x.var(0) / (x.var(0) + 1e-5)), rtol=1e-12)
    np.testing.assert_allclose(new.mean, 0.9 * 0.5 + 0.1 * x.mean(axis=0))
    np.testing.assert_allclose(new.var, 0.9 * 2.0 + 0.1 * x.var(axis=0))  # biased variance
    np.testing.assert_array_equal(old.mean, old_copy.mean)  # the given averages are left alone
    first = layers.batchnorm_forward(x, gamma, beta)[2]  # no averages yet: they start at 0 and 1
    np.testing.assert_allclose(first.var, 0.9 + 0.1 * x.var(axis=0))


def test_batchnorm_test_mode_uses_the_running_averages_and_needs_them():
    x, gamma, beta, _ = _bn_inputs(2)
    running = layers.Running(np.full(5, 1.0), np.full(5, 4.0))
    out, _, same = layers.batchnorm_forward(x, gamma, beta, running, train=False)
    np.testing.assert_allclose(out, gamma * (x - 1.0) / np.sqrt(4.0 + 1e-5) + beta)
    assert same is running
    np.testing.assert_allclose(layers.batchnorm_forward(x[:1], gamma, beta, running, train=False)[0], out[:1])
    with pytest.raises(ValueError, match="test mode needs the running averages"):
        layers.batchnorm_forward(x, gamma, beta, None, train=False)


@pytest.mark.parametrize("train", [True, False])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_batchnorm_and_dropout_leave_their_inputs_alone_and_keep_the_dtype(train, dtype):
    x, gamma, beta, dout = (a.astype(dtype) for a in _bn_inputs(3))
    running = layers.Running(np.linspace(-1, 1, 5).astype(dtype), np.linspace(0.5, 2, 5).astype(dtype))
    before = copy.deepcopy((x, gamma, beta, dout, running))
    out, cache, new = layers.batchnorm_forward(x, gamma, beta, running, train=train)
    results = [out, *new, *layers.batchnorm_backward_alt(dout, cache), *layers.batchnorm_backward(dout, cache)]
    dropped, drop_cache = layers.dropout_forward(x, 0.5, train=train, rng=np.random.default_rng(0))
    results += [layers.dropout_backward(dout, drop_cache)] + ([dropped] if train else [])
    for now, then in zip((x, gamma, beta, dout, *running), (*before[:4], *before[4])):
        np.testing.assert_array_equal(now, then)
    assert all(r.dtype == dtype for r in results)
    for r in [out, *layers.batchnorm_backward_alt(dout, cache)]:
        assert not any(np.shares_memory(r, a) for a in (x, gamma, beta, dout))


def test_dropout_train_mode_zeroes_p_drop_and_keeps_the_mean():
    x = np.ones((400, 250))
    out, cache = layers.dropout_forward(x, 0.3, rng=np.random.default_rng(0))
    assert abs((out == 0).mean() - 0.3) < 0.01
    assert abs(out.mean() - 1.0) < 0.01
    np.testing.assert_allclose(out[out != 0], 1 / 0.7)
    dout = np.random.default_rng(1).standard_normal(x.shape)
    np.testing.assert_allclose(layers.dropout_backward(dout, cache), dout * (out != 0) / 0.7, rtol=1e-15)
    again, _ = layers.dropout_forward(x, 0.3, rng=np.random.default_rng(0))
    np.testing.assert_array_equal(out, again)  # the mask is the generator's, nothing else's
    np.testing.assert_array_equal(x, np.ones_like(x))


def test_dropout_test_mode_is_the_identity_and_bad_arguments_are_refused():
    x = np.random.default_rng(0).standard_normal((4, 3))
    out, cache = layers.dropout_forward(x, 0.5, train=False)
    np.testing.assert_array_equal(out, x)
    dout = np.ones_like(x)
    np.testing.assert_array_equal(layers.dropout_backward(dout, cache), dout)
    with pytest.raises(ValueError, match="needs rng"):
        layers.dropout_forward(x, 0.5)
    with pytest.raises(ValueError, match=r"p_drop must be in \[0, 1\)"):
        layers.dropout_forward(x, 1.0, rng=np.random.default_rng(0))
