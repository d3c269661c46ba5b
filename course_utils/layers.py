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
