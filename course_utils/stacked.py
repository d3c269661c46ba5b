"""K nets of one architecture as one model: their parameters stacked along a leading model axis.

A sweep over seeds or hyperparameters trains K nets of one architecture, one after another,
and for nets of a few dozen units the time goes to Python's bookkeeping and small array
operations, not to arithmetic. :class:`StackedNets` holds the K nets' parameters as arrays of
shape (K, ...) and runs every layer once for all of them: one batched matrix product
(``np.matmul`` over the model axis) per affine layer, one call per elementwise operation.
:func:`course_utils.sweep.train_stacked` trains such stacks as :func:`course_utils.train.train`
trains one net.

Notes
-----
Every number is computed by the operations of ``FullyConnectedNet`` (:mod:`course_utils.models`)
in the same order, with a model axis in front: a batched matrix product computes each model's
slice as a matrix product of its own, and the reductions run over the batch axis of each slice.
So net k of a stack gives the same scores, loss and gradients as the net alone, to the last bit
on the machines tested and in any case to float rounding (``tests/test_stacked.py``). Each net
keeps its activation, L2 strength, dropout probability and its own generator for dropout masks.
"""

from __future__ import annotations

import ctypes
import functools
import sys
from collections.abc import Sequence
from typing import Any

import numpy as np

from . import layers
from .models import FullyConnectedNet

__all__ = ["StackedNets"]

_MOMENTUM, _EPS = 0.9, 1e-5  # batchnorm's conventions (course_utils' package docstring)


@functools.cache
def _reuse_freed_memory() -> None:
    """Let glibc's malloc keep freed blocks of a few hundred kB for reuse (once per process; elsewhere nothing).

    A stack's arrays are K times a net's, over the 128 kB above which glibc maps fresh pages for
    every block and returns them when it is freed; the first touch of each page then costs a
    page fault, which for these small products can cost more than the arithmetic. With the
    thresholds raised, a freed block serves the next array of its size, as it does for the
    arrays of a single small net. The process keeps up to 64 MB of freed memory to do so.
    """
    if sys.platform != "linux":
        return
    try:
        libc = ctypes.CDLL("libc.so.6")
        libc.mallopt(-1, 64 << 20)  # M_TRIM_THRESHOLD: keep this much freed memory at the heap's top
        libc.mallopt(-3, 16 << 20)  # M_MMAP_THRESHOLD: blocks below this come from the heap
    except (OSError, AttributeError):  # another C library (musl): it keeps its own policy
        pass


class StackedNets:
    """K fully connected nets of one architecture, parameters stacked as (K, ...) arrays.

    Inputs:
    - nets: K :class:`~course_utils.models.FullyConnectedNet` with the same hidden_dims, input_dim,
      num_classes, normalization and dtype; activation, p_drop and reg may differ per net.

    Attributes: params, a dict keyed like a net's params with arrays (K, ...) (W1 is (K, D, H1));
    running, batchnorm's running averages per hidden layer, each (K, H); nets, the nets given.

    Notes: the stack copies the nets' parameters; :meth:`unstack` writes them back. A net's dropout
    masks come from the net's own generator (``net.rng``), so they are the masks the net would
    draw training alone.
    """

    def __init__(self, nets: Sequence[FullyConnectedNet]):
        nets = list(nets)
        if not nets or not all(isinstance(net, FullyConnectedNet) for net in nets):
            raise TypeError("StackedNets: give a non-empty list of cu.models.FullyConnectedNet")
        first = nets[0]
        shape = (first.hidden_dims, first.input_dim, first.num_classes, first.normalization, first.dtype)
        for k, net in enumerate(nets):
            if (net.hidden_dims, net.input_dim, net.num_classes, net.normalization, net.dtype) != shape:
                raise ValueError(
                    f"StackedNets: net {k} is {net!r}, net 0 is {first!r}: stacked nets need the same "
                    "hidden_dims, input_dim, num_classes, normalization and dtype"
                )
        _reuse_freed_memory()
        self.nets = nets
        self.num_layers, self.dtype, self.normalization = first.num_layers, first.dtype, first.normalization
        self.params = {name: np.stack([net.params[name] for net in nets]) for name in first.params}
        self.running = {
            i: layers.Running(np.stack([n.running[i].mean for n in nets]), np.stack([n.running[i].var for n in nets]))
            for i in first.running
        }
        self.reg = np.array([net.reg for net in nets])
        self.p_drop = np.array([net.p_drop for net in nets])
        # models grouped by activation: one call per group, on the whole stack when there is one group;
        # a group of consecutive nets is a slice, so its part of an array is a view, not a gathered copy
        self.groups = {
            a: _as_slice([k for k, n in enumerate(nets) if n.activation == a]) for a in {n.activation for n in nets}
        }

    def __len__(self) -> int:
        return len(self.nets)

    def unstack(self) -> list[FullyConnectedNet]:
        """Write each net's slice of the parameters and running averages back into it; return the nets."""
        for k, net in enumerate(self.nets):
            net.params = {name: p[k].copy() for name, p in self.params.items()}
            net.running = {i: layers.Running(r.mean[k].copy(), r.var[k].copy()) for i, r in self.running.items()}
        return self.nets

    def _activate(self, a: np.ndarray) -> tuple[np.ndarray, list]:
        if len(self.groups) == 1:
            (name,) = self.groups
            h, cache = layers.ACTIVATIONS[name][0](a)
            return h, [(None, name, cache)]
        h, caches = np.empty_like(a), []
        for name, idx in self.groups.items():
            h[idx], cache = layers.ACTIVATIONS[name][0](a[idx])
            caches.append((idx, name, cache))
        return h, caches

    def _activate_backward(self, dh: np.ndarray, caches: list) -> np.ndarray:
        if caches[0][0] is None:
            return layers.ACTIVATIONS[caches[0][1]][1](dh, caches[0][2])
        da = np.empty_like(dh)
        for idx, name, cache in caches:
            da[idx] = layers.ACTIVATIONS[name][1](dh[idx], cache)
        return da

    def _forward(self, X: np.ndarray, *, train: bool, upto: int | None = None) -> tuple[np.ndarray, list]:
        """Walk the layers from X, (K, N, D) or (N, D) shared by every net; (output (K, N, ...), caches).

        The walk of ``FullyConnectedNet._forward`` with a model axis in front: caches hold, per
        hidden layer, (input, batchnorm, activation, dropout mask), then the last layer's input.
        """
        h = np.asarray(X)
        if h.ndim not in (2, 3) or h.shape[-1] != self.params["W1"].shape[1] or (h.ndim == 3 and len(h) != len(self)):
            raise ValueError(
                f"StackedNets: X must be (N, D) for every net or (K, N, D), one set per net, with "
                f"K={len(self)} and D={self.params['W1'].shape[1]}; got shape {h.shape}"
            )
        h = h.astype(self.dtype, copy=False)
        caches: list[Any] = []
        last = self.num_layers - 1 if upto is None else upto
        for i in range(1, last + 1):
            x = h
            a = x @ self.params[f"W{i}"]
            a += self.params[f"b{i}"][:, None, :]  # the product's own array: the bias added in place
            bn = mask = None
            if self.normalization == "batchnorm":
                a, bn = self._batchnorm(a, i, train=train)
            h, act = self._activate(a)
            if upto is None and train and self.p_drop.any():
                mask = self._dropout_mask(h)
                h = h * mask
            caches.append((x, bn, act, mask))
        if upto is not None:
            return h, caches
        L = self.num_layers
        scores = h @ self.params[f"W{L}"]
        scores += self.params[f"b{L}"][:, None, :]
        return scores, [*caches, h]

    def _batchnorm(self, a: np.ndarray, i: int, *, train: bool) -> tuple[np.ndarray, tuple]:
        """layers.batchnorm_forward on each model's slice (the batch is axis 1); updates self.running[i]."""
        running = self.running[i]
        mu = a.mean(axis=1) if train else running.mean
        x_hat = a - mu[:, None, :]
        if train:  # the biased variance as a.var computes it, from the a - mu needed anyway
            var = np.square(x_hat).sum(axis=1) / a.shape[1]
            self.running[i] = layers.Running(
                _MOMENTUM * running.mean + (1 - _MOMENTUM) * mu, _MOMENTUM * running.var + (1 - _MOMENTUM) * var
            )
        else:
            var = running.var
        x_hat /= np.sqrt(var + _EPS)[:, None, :]
        gamma = self.params[f"gamma{i}"][:, None, :]
        out = x_hat * gamma
        out += self.params[f"beta{i}"][:, None, :]
        return out, (x_hat, var, gamma)

    def _dropout_mask(self, h: np.ndarray) -> np.ndarray:
        """Each net's mask from its own generator, as layers.dropout_forward draws it; 1 where p_drop is 0."""
        mask = np.ones_like(h)
        for k, p in enumerate(self.p_drop):
            if p > 0:
                mask[k] = layers.dropout_forward(np.ones_like(h[k]), p, train=True, rng=self.nets[k].rng)[1].mask
        return mask

    def scores(self, X: np.ndarray, *, train: bool = False) -> np.ndarray:
        """Class scores (K, N, C) of X, (N, ...) for every net or (K, N, ...) one set per net; test mode by default."""
        return self._forward(X, train=train)[0]

    def hidden(self, X: np.ndarray, layer: int = 1) -> np.ndarray:
        """Activations (K, N, H) of one hidden layer, in test mode, as FullyConnectedNet.hidden."""
        if not 1 <= layer < self.num_layers:
            raise ValueError(f"StackedNets.hidden: layer must be in 1..{self.num_layers - 1}, got {layer!r}")
        return self._forward(X, train=False, upto=layer)[0]

    def predict(self, X: np.ndarray, *, batch_size: int = 1000) -> np.ndarray:
        """Labels (K, N): each net's argmax of its test-mode scores, in batches of batch_size examples."""
        X = np.asarray(X)
        n = X.shape[-2]
        if n == 0:
            return np.zeros((len(self), 0), dtype=np.int64)
        parts = [self.scores(X[..., s : s + batch_size, :]).argmax(axis=2) for s in range(0, n, batch_size)]
        return np.concatenate(parts, axis=1)

    def accuracy(self, X: np.ndarray, y: np.ndarray) -> np.ndarray:
        """(K,) each net's fraction of correct labels on X (N, ...) and y (N,), or (K, N, ...) and (K, N)."""
        return np.mean(self.predict(X) == np.asarray(y), axis=-1)

    def loss(self, X: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, dict[str, np.ndarray]]:
        """Losses (K,) and gradients keyed like params, (K, ...), on one batch per net, in train mode.

        Inputs: X (K, B, D) and y (K, B): net k's batch is X[k], y[k]. Updates the running averages.
        """
        _check_labels(np.asarray(y), self.nets[0].num_classes, "StackedNets.loss")
        return self._loss(X, y)

    def _loss(
        self, X: np.ndarray, y: np.ndarray, out: dict[str, np.ndarray] | None = None
    ) -> tuple[np.ndarray, dict[str, np.ndarray]]:
        """:meth:`loss` for labels checked to be in 0..C-1 (see :func:`_check_labels`), writing the gradients
        into out's arrays when given: (K, ...) in the stack's dtype, keyed like params, such as views of one
        array that a rule then steps at once."""
        X, y = np.asarray(X), np.asarray(y)
        K = len(self)
        if X.ndim != 3 or X.shape[0] != K or y.shape != X.shape[:2]:
            raise ValueError(f"StackedNets.loss: X must be (K={K}, B, D) and y (K, B), got {X.shape} and {y.shape}")
        scores, caches = self._forward(X, train=True)
        data_loss, dscores = _softmax_loss(scores, y)
        L = self.num_layers
        loss = data_loss
        penalized = np.nonzero(self.reg)[0]
        if len(penalized):
            total = np.zeros(len(self.reg))
            for i in range(1, L + 1):
                total = total + np.sum(self.params[f"W{i}"] ** 2, axis=(1, 2)).astype(np.float64)
            loss[penalized] += 0.5 * self.reg[penalized] * total[penalized]
        into = out or {}
        grads: dict[str, np.ndarray] = {}

        def weights(i: int, x: np.ndarray, d: np.ndarray) -> None:
            grads[f"W{i}"] = np.matmul(np.swapaxes(x, 1, 2), d, out=into.get(f"W{i}"))
            grads[f"b{i}"] = np.add.reduce(d, axis=1, out=into.get(f"b{i}"))  # d.sum(axis=1)

        dscores = dscores.astype(self.dtype, copy=False)
        weights(L, caches[-1], dscores)
        dh = dscores @ np.swapaxes(self.params[f"W{L}"], 1, 2)
        for i in range(L - 1, 0, -1):
            x, bn, act, mask = caches[i - 1]
            if mask is not None:
                dh *= mask  # the product's own array
            da = self._activate_backward(dh, act)
            if bn is not None:
                da, grads[f"gamma{i}"], grads[f"beta{i}"] = _batchnorm_backward(
                    da, bn, into.get(f"gamma{i}"), into.get(f"beta{i}")
                )
            weights(i, x, da)
            if i > 1:
                dh = da @ np.swapaxes(self.params[f"W{i}"], 1, 2)
        if len(penalized):
            for i in range(1, L + 1):
                W = self.params[f"W{i}"]  # reg in W's dtype, as a Python float meets an array
                grads[f"W{i}"] += self.reg.astype(W.dtype).reshape(-1, 1, 1) * W  # the product's own array
        return loss, {k: grads[k].astype(self.dtype, copy=False) for k in self.params}


def _check_labels(y: np.ndarray, num_classes: int, func: str) -> None:
    """Raise ValueError unless y holds labels in 0..num_classes-1: the softmax loss picks each
    example's log-probability by its label's position in a flat array, where any other value
    would pick another example's."""
    if y.size and (not np.issubdtype(y.dtype, np.integer) or y.min() < 0 or y.max() >= num_classes):
        raise ValueError(
            f"{func}: y must hold integer labels in 0..{num_classes - 1}, got {y.dtype} values "
            f"from {y.min()} to {y.max()}"
        )


def _as_slice(index: list[int]) -> slice | np.ndarray:
    """The positions index as a slice when they are consecutive, else as an index array."""
    if index == list(range(index[0], index[-1] + 1)):
        return slice(index[0], index[-1] + 1)
    return np.array(index)


def _softmax_loss(scores: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """losses.softmax_loss on each model's (B, C) slice of scores (K, B, C): losses (K,), dscores.

    float64 scores are the forward pass's own array: worked on in place, they become dscores.
    """
    scores = scores.astype(np.float64, copy=False)
    K, N, C = scores.shape
    log_probs = np.subtract(scores, scores.max(axis=2, keepdims=True), out=scores)
    log_probs -= np.log(np.exp(log_probs).sum(axis=2, keepdims=True))
    labels = np.arange(0, K * N * C, C).reshape(K, N) + y  # where each example's label sits in the flat array
    flat = log_probs.reshape(-1)
    loss = -flat[labels].sum(axis=1) / N + 0.0
    dscores = np.exp(log_probs, out=log_probs)
    flat[labels] -= 1.0
    dscores /= N
    return loss, dscores


def _batchnorm_backward(
    dout: np.ndarray, cache: tuple, dgamma: np.ndarray | None = None, dbeta: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """layers.batchnorm_backward_alt (train mode) on each model's slice: dx (K, B, H), dgamma, dbeta (K, H),
    these two written into the arrays given, if any."""
    x_hat, var, gamma = cache
    dgamma, dbeta = np.add.reduce(dout * x_hat, axis=1, out=dgamma), np.add.reduce(dout, axis=1, out=dbeta)
    inv_std = (1.0 / np.sqrt(var + _EPS))[:, None, :]
    N = dout.shape[1]
    dx = N * dout  # then (N dout - sum(dout) - x_hat sum(dout x_hat)) gamma inv_std / N, in place
    dx -= dbeta[:, None, :]
    dx -= x_hat * dgamma[:, None, :]
    dx *= gamma * inv_std / N
    return dx, dgamma, dbeta
