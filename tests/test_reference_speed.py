"""What the reference code's speed rests on, pinned as behaviour rather than as timings (timings
live in benchmarks/): a float32 net computes in float32 from end to end; the input layer's dX,
which nothing uses, is never formed; relu_backward's mask product gives np.where's values; a
dropout mask in x's dtype has the old mask's values; the training loop runs on one BLAS thread."""

import numpy as np
import pytest
from threadpoolctl import threadpool_info

import course_utils as cu
from course_utils import layers, models


def _arrays(value):
    if isinstance(value, np.ndarray):
        yield value
    elif isinstance(value, (tuple, list)):
        for v in value:
            yield from _arrays(v)


@pytest.mark.parametrize("options", [{}, dict(normalization="batchnorm", p_drop=0.3)])
def test_a_float32_net_computes_in_float32_in_every_layer(monkeypatch, options):
    seen = []
    for name in (
        "affine_forward",
        "affine_backward",
        "relu_forward",
        "relu_backward",
        "batchnorm_forward",
        "batchnorm_backward_alt",
        "dropout_forward",
        "dropout_backward",
    ):
        original = getattr(layers, name)

        def spy(*args, _original=original, _name=name, **kwargs):
            out = _original(*args, **kwargs)
            seen.extend((_name, a.dtype) for a in _arrays(args) if a.dtype.kind == "f")
            seen.extend((_name, a.dtype) for a in _arrays(out) if a.dtype.kind == "f")
            return out

        monkeypatch.setattr(layers, name, spy)
    net = models.FullyConnectedNet([7, 5], 6, 3, dtype=np.float32, seed=0, **options)
    rng = np.random.default_rng(0)
    loss, grads = net.loss(rng.standard_normal((9, 6)).astype(np.float32), rng.integers(0, 3, 9))
    assert seen and {dt for _, dt in seen} == {np.dtype(np.float32)}, sorted({x for x in seen if x[1] != np.float32})
    assert all(g.dtype == np.float32 for g in grads.values())


def test_the_input_layer_gets_its_weight_gradients_but_no_dx(monkeypatch):
    calls = []
    original = layers.affine_backward
    monkeypatch.setattr(
        layers, "affine_backward", lambda dout, cache: calls.append(cache.w.shape) or original(dout, cache)
    )
    rng = np.random.default_rng(1)
    X, y = rng.standard_normal((8, 4)), rng.integers(0, 3, 8)
    net = models.FullyConnectedNet([6], 4, 3, weight_scale=0.5, seed=1)
    _, grads = net.loss(X, y)
    assert calls == [(6, 3)]  # the last layer only: the first one's dX is never formed
    # the first layer's gradients written out: back through the last affine layer and the ReLU
    a1 = X @ net.params["W1"] + net.params["b1"]
    scores = np.maximum(a1, 0) @ net.params["W2"] + net.params["b2"]
    _, dscores = cu.losses.softmax_loss(scores, y)
    da1 = (dscores @ net.params["W2"].T) * (a1 > 0)
    np.testing.assert_allclose(grads["W1"], X.T @ da1, rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(grads["b1"], da1.sum(axis=0), rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_relu_backward_as_a_mask_product_gives_np_where_values(dtype):
    rng = np.random.default_rng(2)
    x = rng.standard_normal((50, 40)).astype(dtype)
    x[::7, ::3] = 0.0  # the kink: no gradient at x = 0
    dout = rng.standard_normal(x.shape).astype(dtype)
    dx = layers.relu_backward(dout, layers.relu_forward(x)[1])
    assert dx.dtype == dtype
    np.testing.assert_array_equal(dx, np.where(x > 0, dout, 0.0))


def test_a_dropout_mask_in_x_dtype_has_the_float64_masks_values():
    x64 = np.random.default_rng(3).standard_normal((30, 20))
    out64, cache64 = layers.dropout_forward(x64, 0.4, rng=np.random.default_rng(4))
    expected = (np.random.default_rng(4).random(x64.shape) >= 0.4) / (1.0 - 0.4)
    np.testing.assert_array_equal(cache64.mask, expected)
    out32, cache32 = layers.dropout_forward(x64.astype(np.float32), 0.4, rng=np.random.default_rng(4))
    assert out32.dtype == cache32.mask.dtype == np.float32
    np.testing.assert_allclose(cache32.mask, expected, rtol=1e-7)


def test_the_training_loop_runs_on_one_blas_thread():
    class Probe:
        """A linear model that notes numpy's BLAS threads at every step."""

        def __init__(self):
            self.params = {"W": np.zeros((3, 2))}
            self.threads = []

        def scores(self, X, train=False):
            return X @ self.params["W"]

        def loss(self, X, y):
            self.threads.append({i["num_threads"] for i in threadpool_info() if i["user_api"] == "blas"})
            return 1.0, {"W": np.ones_like(self.params["W"])}

    probe = Probe()
    cu.train.train(
        probe,
        np.ones((6, 3)),
        np.zeros(6, dtype=int),
        num_epochs=2,
        batch_size=3,
        rng=np.random.default_rng(0),
        verbose=False,
    )
    assert len(probe.threads) == 4 and all(t == {1} for t in probe.threads), probe.threads
