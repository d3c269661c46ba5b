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

from typing import NamedTuple

import numpy as np

__all__ = [
    "AffineCache", "affine_forward", "affine_backward",
    "ReluCache", "relu_forward", "relu_backward",
    "SigmoidCache", "sigmoid_forward", "sigmoid_backward",
    "TanhCache", "tanh_forward", "tanh_backward",
    "LeakyReluCache", "leaky_relu_forward", "leaky_relu_backward",
    "EluCache", "elu_forward", "elu_backward",
    "MaxoutCache", "maxout_forward", "maxout_backward",
    "ACTIVATIONS",
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
        raise ValueError(
            f"affine_forward: x flattens to {x2.shape}, which does not fit w of shape {w.shape}"
        )
    out = x2 @ w + b
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
    x2 = x.reshape(x.shape[0], -1)
    dx = (dout @ w.T).reshape(x.shape)
    dw = x2.T @ dout
    db = dout.sum(axis=0)
    return dx, dw, db


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
    an elementwise product, never a matrix. Notebook 03.
    """
    return np.where(cache.x > 0, dout, 0.0)


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
    return dout * (1.0 - cache.out ** 2)


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
ACTIVATIONS = {
    "relu": (relu_forward, relu_backward),
    "sigmoid": (sigmoid_forward, sigmoid_backward),
    "tanh": (tanh_forward, tanh_backward),
    "leaky_relu": (leaky_relu_forward, leaky_relu_backward),
    "elu": (elu_forward, elu_backward),
}
