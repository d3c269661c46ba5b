"""Layers as pure forward/backward function pairs.

Every layer is two functions side by side::

    out, cache = f_forward(x, ...)
    dx, ... = f_backward(dout, cache)

The forward pass returns what the backward pass will need in a NamedTuple ``cache``, so a
network is just these pairs called in order and then in reverse. Nothing here modifies an
input array: every result is a new array, and a cache only holds references to the inputs.

Introduced in notebook 03 (affine, ReLU). Later notebooks add their layers here in the same
shape: notebook 04 the other activations (sigmoid, tanh, leaky ReLU, ELU), notebook 06
batchnorm, notebook 07 dropout.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, NamedTuple

import numpy as np

__all__ = [
    "AffineCache",
    "affine_forward",
    "affine_backward",
    "weights_grad",
    "ReluCache",
    "relu_forward",
    "relu_backward",
    "SigmoidCache",
    "sigmoid_forward",
    "sigmoid_backward",
    "TanhCache",
    "tanh_forward",
    "tanh_backward",
    "LeakyReluCache",
    "leaky_relu_forward",
    "leaky_relu_backward",
    "EluCache",
    "elu_forward",
    "elu_backward",
    "MaxoutCache",
    "maxout_forward",
    "maxout_backward",
    "ACTIVATIONS",
    "Running",
    "BatchnormCache",
    "batchnorm_forward",
    "batchnorm_backward",
    "batchnorm_backward_alt",
    "DropoutCache",
    "dropout_forward",
    "dropout_backward",
]


class AffineCache(NamedTuple):
    """What affine_backward needs: the input in its original shape and the parameters."""

    x: np.ndarray
    w: np.ndarray
    b: np.ndarray


def affine_forward(x: np.ndarray, w: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, AffineCache]:
    """Fully connected layer: out = x w + b, one row per example.

    Inputs:
    - x: (N, d1, ..., dk) inputs; each example is flattened to D = d1 * ... * dk values.
    - w: (D, M) weights.
    - b: (M,) biases.
    Returns:
    - out: (N, M).
    - cache: AffineCache(x, w, b), with x in its original shape.

    Notes: flattening lets the same layer take images (N, 8, 8) or vectors (N, 64); the
    backward pass reshapes dx back so the layer below gets a gradient shaped like its output.
    Notebook 03.
    """
    x2 = x.reshape(x.shape[0], -1)
    if x2.shape[1] != w.shape[0]:
        raise ValueError(f"affine_forward: x flattens to {x2.shape}, which does not fit w of shape {w.shape}")
    out = x2 @ w
    out += b  # into the product's own new array: no second (N, M) temporary
    return out, AffineCache(x, w, b)


def affine_backward(dout: np.ndarray, cache: AffineCache) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Backward pass of affine_forward.

    Inputs:
    - dout: (N, M) upstream gradient dL/dout.
    - cache: the AffineCache from affine_forward.
    Returns:
    - dx: gradient with respect to x, in x's original shape (N, d1, ..., dk).
    - dw: (D, M) gradient with respect to w.
    - db: (M,) gradient with respect to b.

    Notes: out[n] = x[n] w + b, so each example contributes x[n]^T dout[n] to dw and dout[n]
    to db: the batch sum is what the matrix product x^T dout and dout.sum(axis=0) compute.
    dx = dout w^T sends each output's gradient back along the same weights. Notebook 03.
    """
    x, w, _ = cache
    dx = (dout @ w.T).reshape(x.shape)
    dw = weights_grad(x.reshape(x.shape[0], -1), dout)
    db = dout.sum(axis=0)
    return dx, dw, db


def weights_grad(x2: np.ndarray, dout: np.ndarray) -> np.ndarray:
    """x2^T dout, (D, M), for x2 (N, D) and dout (N, M): the gradient of an affine layer's weights.

    Notes: for one example (N = 1) this is an outer product, which numpy's matmul computes in a
    loop of its own, several times slower than BLAS; a row of zeros under both factors makes it
    BLAS's product (N = 2) with the same numbers (each is x[0, d] dout[0, m] + 0).
    """
    if x2.shape[0] == 1:
        x2, dout = _with_zero_row(x2), _with_zero_row(dout)
    return x2.T @ dout


def _with_zero_row(a: np.ndarray) -> np.ndarray:
    """(1, K) -> (2, K): a, then a row of zeros."""
    out = np.zeros((2, a.shape[1]), dtype=a.dtype)
    out[0] = a[0]
    return out


class ReluCache(NamedTuple):
    """What relu_backward needs: the input."""

    x: np.ndarray


def relu_forward(x: np.ndarray) -> tuple[np.ndarray, ReluCache]:
    """Rectified linear unit, elementwise max(0, x).

    Inputs:
    - x: array of any shape.
    Returns:
    - out: array of x's shape.
    - cache: ReluCache(x).

    Notes: cheap, and its gradient is exactly 1 where the unit is on, so it does not shrink
    the signal flowing back the way a saturated sigmoid does. Notebook 03.
    """
    return np.maximum(x, 0), ReluCache(x)


def relu_backward(dout: np.ndarray, cache: ReluCache) -> np.ndarray:
    """Backward pass of relu_forward.

    Inputs:
    - dout: upstream gradient, x's shape.
    - cache: the ReluCache from relu_forward.
    Returns:
    - dx: array of x's shape.

    Notes: the local gradient is 1 where x > 0 and 0 elsewhere (we take 0 at x = 0), so the
    ReLU is a gate that routes dout through where the unit was on. Its Jacobian is diagonal:
    an elementwise product, never a matrix: dout times the mask of the units that were on.
    Notebook 03.
    """
    return dout * (cache.x > 0)


class SigmoidCache(NamedTuple):
    """What sigmoid_backward needs: the output σ(x) (the local gradient is σ(1 - σ))."""

    out: np.ndarray


def sigmoid_forward(x: np.ndarray) -> tuple[np.ndarray, SigmoidCache]:
    """Logistic sigmoid, elementwise σ(x) = 1 / (1 + exp(-x)).

    Inputs:
    - x: array of any shape.
    Returns:
    - out: array of x's shape, in (0, 1).
    - cache: SigmoidCache(out).

    Notes: computed as 1 / (1 + exp(-x)) where x >= 0 and exp(x) / (1 + exp(x)) where x < 0,
    so exp only ever sees a number <= 0: no overflow warning at x = -1000, and no NaN. The
    cache keeps the output because the derivative is a function of it. Notebook 04.
    """
    e = np.exp(-np.abs(x))  # in (0, 1]: never overflows
    out = np.where(x >= 0, 1.0 / (1.0 + e), e / (1.0 + e))
    return out, SigmoidCache(out)


def sigmoid_backward(dout: np.ndarray, cache: SigmoidCache) -> np.ndarray:
    """Backward pass of sigmoid_forward: dx = dout * σ(x) (1 - σ(x)), x's shape.

    Notes: the local gradient is at most 0.25 (at x = 0) and about 4.5e-5 at |x| = 10: a
    saturated sigmoid passes almost nothing back, and a chain of them shrinks the gradient by
    at least 4x per layer. Notebook 04.
    """
    s = cache.out
    return dout * s * (1.0 - s)


class TanhCache(NamedTuple):
    """What tanh_backward needs: the output tanh(x) (the local gradient is 1 - tanh²)."""

    out: np.ndarray


def tanh_forward(x: np.ndarray) -> tuple[np.ndarray, TanhCache]:
    """Hyperbolic tangent, elementwise, in (-1, 1); x of any shape -> (out, TanhCache(out)).

    Notes: tanh(x) = 2σ(2x) - 1, a sigmoid stretched to be zero-centred; numpy's tanh is safe
    for any magnitude. Notebook 04.
    """
    out = np.tanh(x)
    return out, TanhCache(out)


def tanh_backward(dout: np.ndarray, cache: TanhCache) -> np.ndarray:
    """Backward pass of tanh_forward: dx = dout * (1 - tanh(x)²), x's shape.

    Notes: the local gradient is 1 at x = 0 (four times the sigmoid's best) but still vanishes
    when the unit saturates near ±1. Notebook 04.
    """
    return dout * (1.0 - cache.out**2)


class LeakyReluCache(NamedTuple):
    """What leaky_relu_backward needs: the input and the slope for x < 0."""

    x: np.ndarray
    alpha: float


def leaky_relu_forward(x: np.ndarray, alpha: float = 0.01) -> tuple[np.ndarray, LeakyReluCache]:
    """Leaky ReLU, elementwise: x where x > 0, alpha * x elsewhere.

    Inputs:
    - x: array of any shape; alpha: the slope for negative inputs (0 <= alpha < 1).
    Returns: out (x's shape) and LeakyReluCache(x, alpha).

    Notes: the small slope keeps a gradient flowing where a ReLU would be off, so a unit that
    is pushed negative for every input can still recover (no dead units). Notebook 04.
    """
    return np.where(x > 0, x, alpha * x), LeakyReluCache(x, alpha)


def leaky_relu_backward(dout: np.ndarray, cache: LeakyReluCache) -> np.ndarray:
    """Backward pass of leaky_relu_forward: dx = dout where x > 0, alpha * dout elsewhere."""
    return np.where(cache.x > 0, dout, cache.alpha * dout)


class EluCache(NamedTuple):
    """What elu_backward needs: the input, the output and alpha."""

    x: np.ndarray
    out: np.ndarray
    alpha: float


def elu_forward(x: np.ndarray, alpha: float = 1.0) -> tuple[np.ndarray, EluCache]:
    """Exponential linear unit, elementwise: x where x > 0, alpha (exp(x) - 1) elsewhere.

    Inputs:
    - x: array of any shape; alpha: the value the negative side tends to is -alpha.
    Returns: out (x's shape) and EluCache(x, out, alpha).

    Notes: exp is taken of min(x, 0) only, so a large positive x cannot overflow. Negative
    outputs pull the mean activation towards 0 (like tanh) while the positive side keeps the
    ReLU's gradient of 1. Notebook 04.
    """
    out = np.where(x > 0, x, alpha * np.expm1(np.minimum(x, 0)))
    return out, EluCache(x, out, alpha)


def elu_backward(dout: np.ndarray, cache: EluCache) -> np.ndarray:
    """Backward pass of elu_forward: dx = dout where x > 0, dout * alpha exp(x) elsewhere.

    Notes: for x <= 0, alpha exp(x) = out + alpha, so the cached output gives the local
    gradient without another exp. Notebook 04.
    """
    return np.where(cache.x > 0, dout, dout * (cache.out + cache.alpha))


class MaxoutCache(NamedTuple):
    """What maxout_backward needs: the flattened input, the weights and which piece won."""

    x: np.ndarray
    w: np.ndarray
    b: np.ndarray
    winner: np.ndarray


def maxout_forward(x: np.ndarray, w: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, MaxoutCache]:
    """Maxout: the largest of K affine pieces, out[n, m] = max_k (x[n] w[k] + b[k])[m].

    Inputs:
    - x: (N, d1, ..., dk) inputs, flattened to (N, D).
    - w: (K, D, M) weights of the K pieces; b: (K, M) their biases.
    Returns: out (N, M) and MaxoutCache(x, w, b, winner) with winner (N, M), the piece chosen.

    Notes: with K = 2 and one piece fixed at 0 this is a ReLU; maxout never saturates and
    never dies, at K times the parameters. Notebook 04.
    """
    x2 = x.reshape(x.shape[0], -1)
    z = np.einsum("nd,kdm->knm", x2, w) + b[:, None, :]
    winner = np.argmax(z, axis=0)
    out = np.take_along_axis(z, winner[None], axis=0)[0]
    return out, MaxoutCache(x, w, b, winner)


def maxout_backward(dout: np.ndarray, cache: MaxoutCache) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Backward pass of maxout_forward: (dx in x's shape, dw (K, D, M), db (K, M)).

    Notes: like the max gate, the gradient is routed to the winning piece only.
    """
    x, w, _, winner = cache
    x2 = x.reshape(x.shape[0], -1)
    routed = (np.arange(w.shape[0])[:, None, None] == winner[None]) * dout[None]  # (K, N, M)
    dw = np.einsum("nd,knm->kdm", x2, routed)
    db = routed.sum(axis=1)
    dx = np.einsum("knm,kdm->nd", routed, w).reshape(x.shape)
    return dx, dw, db


# name -> (forward, backward) of every elementwise activation a net can use
# name -> (forward: x -> (out, cache), backward: (dout, cache) -> dx)
ACTIVATIONS: dict[
    str, tuple[Callable[[np.ndarray], tuple[np.ndarray, Any]], Callable[[np.ndarray, Any], np.ndarray]]
] = {
    "relu": (relu_forward, relu_backward),
    "sigmoid": (sigmoid_forward, sigmoid_backward),
    "tanh": (tanh_forward, tanh_backward),
    "leaky_relu": (leaky_relu_forward, leaky_relu_backward),
    "elu": (elu_forward, elu_backward),
}


class Running(NamedTuple):
    """Batchnorm's running averages of the batch mean and (biased) variance, one per feature."""

    mean: np.ndarray
    var: np.ndarray


class BatchnormCache(NamedTuple):
    """What the batchnorm backward passes need; every intermediate of the forward graph."""

    x: np.ndarray
    x_hat: np.ndarray
    mu: np.ndarray
    var: np.ndarray
    gamma: np.ndarray
    eps: float
    train: bool


def batchnorm_forward(
    x: np.ndarray,
    gamma: np.ndarray,
    beta: np.ndarray,
    running: Running | None = None,
    *,
    train: bool = True,
    momentum: float = 0.9,
    eps: float = 1e-5,
) -> tuple[np.ndarray, BatchnormCache, Running]:
    """Batch normalization of each feature, then a learned scale and shift.

    Inputs:
    - x: (N, D) a batch of activations; gamma, beta: (D,) scale and shift.
    - running: the Running(mean, var) so far, or None (then mean 0 and variance 1).
    - train: True normalizes with this batch's mean and biased variance and updates the running
      averages; False normalizes with the running averages and leaves them as they are.
    - momentum: the weight of the old average, running = momentum * running + (1 - momentum) * batch.
    - eps: added to the variance inside the square root.
    Returns:
    - out: (N, D) = gamma * (x - mean) / sqrt(var + eps) + beta.
    - cache: BatchnormCache for the backward passes.
    - running: the new Running(mean, var), a new pair of arrays (the given one is not changed).

    Notes: after normalization every feature has mean 0 and variance 1 over the batch, whatever
    the weights below did; gamma and beta let the net undo that if it helps (gamma = sqrt(var +
    eps), beta = mean gives back x). Test mode must not depend on the other examples of the
    batch, so it uses the averages gathered in training. Notebook 06 (Ioffe & Szegedy, 2015).
    """
    D = x.shape[1]
    if running is None:
        if not train:
            raise ValueError("batchnorm_forward: test mode needs the running averages from training (running=None)")
        running = Running(np.zeros(D, dtype=x.dtype), np.ones(D, dtype=x.dtype))
    mu = x.mean(axis=0) if train else running.mean
    x_hat = x - mu
    if train:  # the biased variance as x.var computes it, from the x - mu needed anyway
        var = np.square(x_hat).sum(axis=0) / x.shape[0]
        running = Running(momentum * running.mean + (1 - momentum) * mu, momentum * running.var + (1 - momentum) * var)
    else:
        var = running.var
    x_hat /= np.sqrt(var + eps)  # x - mu is this function's own array: normalized in place
    out = x_hat * gamma
    out += beta
    return out, BatchnormCache(x, x_hat, mu, var, gamma, eps, train), running


def _batchnorm_params_grads(dout: np.ndarray, cache: BatchnormCache) -> tuple[np.ndarray, np.ndarray]:
    return (dout * cache.x_hat).sum(axis=0), dout.sum(axis=0)


def batchnorm_backward(dout: np.ndarray, cache: BatchnormCache) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Backward pass of batchnorm_forward, node by node through its computational graph.

    Inputs: dout (N, D); cache from batchnorm_forward.
    Returns: dx (N, D), dgamma (D,), dbeta (D,).

    Notes: in train mode the mean and the variance are functions of every example, so the
    gradient reaches x three ways: directly through x - mean, through the mean, and through
    the variance. In test mode they are constants and only the direct path is left.
    """
    x, x_hat, mu, var, gamma, eps, train = cache
    dgamma, dbeta = _batchnorm_params_grads(dout, cache)
    dx_hat = dout * gamma
    inv_std = 1.0 / np.sqrt(var + eps)
    if not train:
        return dx_hat * inv_std, dgamma, dbeta
    N = x.shape[0]
    xmu = x - mu
    dvar = np.sum(dx_hat * xmu, axis=0) * -0.5 * inv_std**3  # x_hat = xmu * (var + eps)^(-1/2)
    dxmu = dx_hat * inv_std + dvar * 2.0 * xmu / N  # var = mean(xmu ** 2)
    dmu = -dxmu.sum(axis=0)  # xmu = x - mu
    return dxmu + dmu / N, dgamma, dbeta  # mu = mean(x)


def batchnorm_backward_alt(dout: np.ndarray, cache: BatchnormCache) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The same gradients as batchnorm_backward, from the simplified closed form.

    dx = gamma / (N sqrt(var + eps)) * (N dout - sum(dout) - x_hat * sum(dout * x_hat)),
    sums over the batch. Notes: one line instead of a walk through the graph, and fewer
    temporaries; notebook 06 times the two against each other.
    """
    x_hat, gamma, train = cache.x_hat, cache.gamma, cache.train
    dgamma, dbeta = _batchnorm_params_grads(dout, cache)
    inv_std = 1.0 / np.sqrt(cache.var + cache.eps)
    if not train:
        return dout * gamma * inv_std, dgamma, dbeta
    N = dout.shape[0]
    dx = N * dout  # then (N dout - sum(dout) - x_hat sum(dout x_hat)) gamma inv_std / N, in place
    dx -= dbeta
    dx -= x_hat * dgamma
    dx *= gamma * inv_std / N
    return dx, dgamma, dbeta


class DropoutCache(NamedTuple):
    """What dropout_backward needs: the mask (already scaled by 1/(1 - p_drop)), or None in test mode."""

    mask: np.ndarray | None


def dropout_forward(
    x: np.ndarray, p_drop: float, *, train: bool = True, rng: np.random.Generator | None = None
) -> tuple[np.ndarray, DropoutCache]:
    """Inverted dropout: in train mode each unit is zeroed with probability p_drop, the rest scaled.

    Inputs:
    - x: array of any shape; p_drop: the probability of *dropping* a unit, 0 <= p_drop < 1.
    - train: False returns x unchanged (test mode); rng: the generator the mask is drawn from
      (required in train mode with p_drop > 0).
    Returns: out (x's shape), DropoutCache(mask), mask = (rng.random(x.shape) >= p_drop) / (1 - p_drop).

    Notes: scaling the kept units by 1/(1 - p_drop) keeps the expected value of every unit the
    same as at test time, so the test-time pass is the plain net (inverted dropout). The
    2016 lecture's p is the probability of *keeping* a unit. Notebook 07.
    """
    if not 0 <= p_drop < 1:
        raise ValueError(f"dropout_forward: p_drop must be in [0, 1), got {p_drop!r}")
    if not train or p_drop == 0:
        return x, DropoutCache(None)
    if rng is None:
        raise ValueError("dropout_forward: train mode needs rng, a np.random.Generator for the mask")
    mask = np.divide(rng.random(x.shape) >= p_drop, 1.0 - p_drop, dtype=x.dtype)  # in x's dtype: float32 stays float32
    return x * mask, DropoutCache(mask)


def dropout_backward(dout: np.ndarray, cache: DropoutCache) -> np.ndarray:
    """Backward pass of dropout_forward: the same mask, dout * mask (dout itself in test mode)."""
    return dout if cache.mask is None else dout * cache.mask
