"""Dropout experiments of notebook 07: many small nets trained side by side, and the ensemble of masks.

:func:`train_nets` trains one fully connected ReLU net per (dropout rate, seed) pair, all at
once: their weights are stacked along a first axis and every matrix product is a batched
``np.matmul``, so a dozen nets cost little more than the Python overhead of one. Each net
is the same as :class:`course_utils.models.FullyConnectedNet` with ``p_drop`` (inverted
dropout after every hidden ReLU, the course's ``layers.dropout_forward``), trained with
mini-batch SGD with momentum; :meth:`DropoutRuns.net` hands one back as such a net.
:func:`mask_average` compares the one scaled test pass of a trained net with the average of
the softmax probabilities of k sampled masks.

Notes
-----
Nets that share a seed share everything but the dropout rate: initial weights, mini-batches,
training data. So the differences between rates at one seed are the effect of dropout alone,
and the seeds show how much that effect varies.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from .models import FullyConnectedNet
from .timing import one_blas_thread

__all__ = ["DropoutRuns", "train_nets", "flip_labels", "mask_average", "softmax"]


@dataclass
class DropoutRuns:
    """What :func:`train_nets` measured, for P dropout rates, S seeds and T evaluation points.

    - p_drops: (P,) the rates; seeds: (S,) the seeds; steps: (T,) the iterations measured at.
    - train_loss: (T, P, S) the loss on the whole training set in test mode (no masks).
    - train_loss_masked: (P, S) the training loss in train mode (with masks) after the last
      step, averaged over ``num_masks`` draws.
    - val_loss, val_acc: (T, P, S) validation loss and accuracy, in test mode.
    - params: name -> (P, S, ...) the trained weights (``W1``, ``b1``, ...).
    - hidden_dims: the hidden layer sizes.
    """

    p_drops: np.ndarray
    seeds: np.ndarray
    steps: np.ndarray
    train_loss: np.ndarray
    train_loss_masked: np.ndarray
    val_loss: np.ndarray
    val_acc: np.ndarray
    params: dict[str, np.ndarray]
    hidden_dims: list[int]

    def net(self, p_drop: float, seed: int) -> FullyConnectedNet:
        """The trained net of one rate and seed, as a :class:`~course_utils.models.FullyConnectedNet`."""
        i, j = _index(self.p_drops, p_drop, "p_drop"), _index(self.seeds, seed, "seed")
        D, C = self.params["W1"].shape[2], self.params[f"W{len(self.hidden_dims) + 1}"].shape[3]
        net = FullyConnectedNet(self.hidden_dims, D, C, p_drop=float(self.p_drops[i]), seed=int(self.seeds[j]))
        net.params = {name: w[i, j].reshape(net.params[name].shape).copy() for name, w in self.params.items()}
        return net


def _index(values: np.ndarray, value: float, name: str) -> int:
    hits = np.flatnonzero(np.isclose(values, value))
    if not hits.size:
        raise ValueError(f"DropoutRuns.net: {name}={value!r} is not one of {values.tolist()}")
    return int(hits[0])


def flip_labels(y: np.ndarray, fraction: float, *, num_classes: int, rng: np.random.Generator) -> np.ndarray:
    """A copy of y with a share ``fraction`` of its labels changed to another class, chosen at random."""
    if not 0 <= fraction <= 1:
        raise ValueError(f"flip_labels: fraction must be in [0, 1], got {fraction!r}")
    y = np.array(y, copy=True)
    flip = rng.permutation(len(y))[: int(round(fraction * len(y)))]
    y[flip] = (y[flip] + rng.integers(1, num_classes, size=flip.size)) % num_classes
    return y


def softmax(scores: np.ndarray) -> np.ndarray:
    """Row-wise softmax probabilities of scores (..., C), shifted by the row maximum first."""
    e = np.exp(scores - scores.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


def _log_softmax(scores: np.ndarray) -> np.ndarray:
    shifted = scores - scores.max(axis=-1, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=-1, keepdims=True))


Cache = tuple[np.ndarray, np.ndarray, list[np.ndarray]]  # a hidden layer's input, pre-activation, masks


def _dropping(keep: np.ndarray) -> list[tuple[int, int, bool]]:
    """The stacked nets in runs (lo, hi) of neighbours that drop units (keep < 1) or do not, with that flag."""
    drops = keep.ravel() < 1
    edges = [0, *(np.flatnonzero(drops[1:] != drops[:-1]) + 1).tolist(), len(drops)]
    return [(lo, hi, bool(drops[lo])) for lo, hi in zip(edges[:-1], edges[1:])]


def _skip(rng: np.random.Generator, n: int) -> None:
    """Move rng past n values of rng.random, as drawing them would."""
    bits = rng.bit_generator
    if isinstance(bits, (np.random.PCG64, np.random.PCG64DXSM)):  # a double is one 64-bit draw
        bits.advance(n)
    else:
        rng.random(n)


def _forward(
    Ws: list[np.ndarray],
    bs: list[np.ndarray],
    X: np.ndarray,
    keep: np.ndarray | None = None,
    rng: np.random.Generator | None = None,
) -> tuple[np.ndarray, list[Cache], np.ndarray]:
    """Scores (K, N, C) of K stacked nets on X (K, N, D), the hidden layers' caches, the last hidden output.

    With ``keep`` (K, 1, 1): train mode, masks from rng, a cache per hidden layer with one mask
    per run of nets that drop units (see ``_dropping``). Without: test mode, no caches (an
    empty list).

    Notes: the masks are those of one draw ``rng.random((K, N, H)) < keep`` per layer, net
    after net. A net with keep = 1 keeps every unit whatever it draws, so its share of the
    draw is skipped by advancing the generator past it: the other nets get the same numbers.
    """
    h, caches = X, list[Cache]()
    runs = [] if keep is None else _dropping(keep)
    for W, b in zip(Ws[:-1], bs[:-1]):
        a = h @ W
        a += b
        if keep is None:  # test mode: no backward pass follows, so the ReLU overwrites a, nothing is cached
            h = np.maximum(a, 0, out=a)
            continue
        assert rng is not None, "_forward: masks need a generator"
        out = np.maximum(a, 0)
        masks = []
        for lo, hi, drops in runs:
            if not drops:
                _skip(rng, (hi - lo) * out[0].size)
                continue
            mask = (rng.random(out[lo:hi].shape) < keep[lo:hi]) * (1 / keep[lo:hi])  # as layers.dropout_forward
            out[lo:hi] *= mask
            masks.append(mask)
        caches.append((h, a, masks))
        h = out
    return h @ Ws[-1] + bs[-1], caches, h


def _loss(scores: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Mean softmax loss per net (K,) and log-probabilities, for labels y (K, N)."""
    log_p = _log_softmax(scores)
    return -np.take_along_axis(log_p, y[..., None], axis=-1)[..., 0].mean(axis=-1), log_p


def _evaluate(Ws: list[np.ndarray], bs: list[np.ndarray], X: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, ...]:
    loss, log_p = _loss(_forward(Ws, bs, X)[0], y)
    return loss, np.mean(log_p.argmax(axis=-1) == y, axis=-1)


def train_nets(
    data: Sequence[tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]],
    *,
    p_drops: Sequence[float],
    hidden_dims: Sequence[int],
    num_steps: int,
    batch_size: int,
    lr: float,
    momentum: float = 0.9,
    eval_every: int = 10,
    num_masks: int = 10,
    seeds: Sequence[int] | None = None,
) -> DropoutRuns:
    """Train one net per (dropout rate, seed) with mini-batch SGD + momentum, all at once.

    Inputs:
    - data: one ``(X_train, y_train, X_val, y_val)`` per seed, each X (N, D) and y (N,) (the
      same N and D for every seed; the seed's nets all train on its data).
    - p_drops: the P dropout rates (probabilities of dropping a hidden unit).
    - hidden_dims: hidden layer sizes; num_steps: updates; batch_size: examples per update.
    - lr, momentum: SGD with momentum, v = momentum * v - lr * dw, w = w + v.
    - eval_every: measure every this many steps (and after the last).
    - num_masks: mask draws averaged for the final train-mode training loss.
    - seeds: the S seeds (default 0, 1, ...): weights are He-initialised from ``[seed, layer]``,
      mini-batches and masks drawn from generators seeded with ``seed``.
    Returns: a :class:`DropoutRuns`.

    Notes: every epoch visits each training example once, in a new order per seed. The whole
    run holds numpy's BLAS to one thread: the products are small and batched.
    """
    seeds = list(range(len(data))) if seeds is None else [int(s) for s in seeds]
    if len(seeds) != len(data) or not data:
        raise ValueError(
            f"train_nets: give one (X_train, y_train, X_val, y_val) per seed, got {len(data)} for {len(seeds)} seeds"
        )
    ps = np.asarray(p_drops, dtype=np.float64)
    if ps.ndim != 1 or np.any((ps < 0) | (ps >= 1)):
        raise ValueError(f"train_nets: p_drops must be rates in [0, 1), got {p_drops!r}")
    P, S = len(ps), len(seeds)
    Xt, yt, Xv, yv = (np.stack([np.asarray(d[i]) for d in data]) for i in range(4))
    N, D = Xt.shape[1:]
    C = int(max(yt.max(), yv.max())) + 1
    dims = [D, *hidden_dims, C]
    Ws = [
        np.stack(
            [
                np.random.default_rng([s, layer]).standard_normal((fan_in, fan_out)) * np.sqrt(2 / fan_in)
                for _ in ps
                for s in seeds
            ]
        )
        for layer, (fan_in, fan_out) in enumerate(zip(dims[:-1], dims[1:]))
    ]
    bs = [np.zeros((P * S, 1, fan_out)) for fan_out in dims[1:]]
    velocity = [np.zeros_like(w) for w in Ws + bs]
    keep = np.repeat(1 - ps, S)[:, None, None]
    net_seed = np.tile(np.arange(S), P)  # net k trains on the data of seed net_seed[k]
    nets = np.arange(P * S)[:, None]
    order_rngs = [np.random.default_rng([s, 2]) for s in seeds]
    mask_rng = np.random.default_rng([*seeds, 3])
    history: list[tuple[np.ndarray, ...]] = []
    steps: list[int] = []
    orders = np.zeros((S, 0), dtype=np.int64)

    Xt, yt, Xv, yv = Xt[net_seed], yt[net_seed], Xv[net_seed], yv[net_seed]  # net k's data, once

    def measure(step: int) -> None:
        steps.append(step)
        history.append((*_evaluate(Ws, bs, Xt, yt), *_evaluate(Ws, bs, Xv, yv)))

    with one_blas_thread():
        measure(0)
        for step in range(1, num_steps + 1):
            if orders.shape[1] < batch_size:  # a new epoch: every example once, in a new order per seed
                orders = np.concatenate([orders, np.stack([r.permutation(N) for r in order_rngs])], axis=1)
            idx, orders = orders[net_seed, :batch_size], orders[:, batch_size:]
            X, y = Xt[nets, idx], yt[nets, idx]
            grads = _gradients(Ws, bs, X, y, keep, mask_rng)
            for w, v, g in zip(Ws + bs, velocity, grads):  # v = momentum * v - lr * g; w += v, in place
                v *= momentum
                g *= lr
                v -= g
                w += v
            if step % eval_every == 0 or step == num_steps:
                measure(step)
        masked = np.mean(
            [_loss(_forward(Ws, bs, Xt, keep, mask_rng)[0], yt)[0] for _ in range(num_masks)],
            axis=0,
        )
    h = np.array(history)  # (T, 4, P * S)
    shape = (len(steps), P, S)
    L = len(hidden_dims) + 1
    params = {f"W{i + 1}": Ws[i].reshape(P, S, *Ws[i].shape[1:]) for i in range(L)}
    params.update({f"b{i + 1}": bs[i].reshape(P, S, *bs[i].shape[1:]) for i in range(L)})
    return DropoutRuns(
        p_drops=ps,
        seeds=np.array(seeds),
        steps=np.array(steps),
        train_loss=h[:, 0].reshape(shape),
        train_loss_masked=masked.reshape(P, S),
        val_loss=h[:, 2].reshape(shape),
        val_acc=h[:, 3].reshape(shape),
        params=params,
        hidden_dims=list(hidden_dims),
    )


def _gradients(
    Ws: list[np.ndarray], bs: list[np.ndarray], X: np.ndarray, y: np.ndarray, keep: np.ndarray, rng: np.random.Generator
) -> list[np.ndarray]:
    """Gradients of the mean softmax loss of each stacked net, in train mode (masks from rng): dW..., db..."""
    scores, caches, h = _forward(Ws, bs, X, keep, rng)
    dscores = np.exp(_log_softmax(scores))
    np.put_along_axis(dscores, y[..., None], np.take_along_axis(dscores, y[..., None], axis=-1) - 1, axis=-1)
    dscores /= y.shape[1]
    dWs, dbs = [h.transpose(0, 2, 1) @ dscores], [dscores.sum(axis=1, keepdims=True)]
    dh = dscores @ Ws[-1].transpose(0, 2, 1)
    dropping = [(lo, hi) for lo, hi, drops in _dropping(keep) if drops]
    for layer in range(len(caches) - 1, -1, -1):
        x, a, masks = caches[layer]
        da = dh  # dh is this function's own array; a net without masks multiplies by 1
        for (lo, hi), mask in zip(dropping, masks):
            da[lo:hi] *= mask
        da *= a > 0
        dWs.insert(0, x.transpose(0, 2, 1) @ da)
        dbs.insert(0, da.sum(axis=1, keepdims=True))
        if layer:
            dh = da @ Ws[layer].transpose(0, 2, 1)
    return dWs + dbs


def mask_average(
    net: FullyConnectedNet, X: np.ndarray, *, num_masks: int, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """The one scaled test pass of a net against the running average of num_masks sampled masks.

    Inputs: net: a FullyConnectedNet with p_drop > 0; X: (N, D) inputs; num_masks: K;
    rng: the generator of the masks.
    Returns: (single, averages): the test-mode softmax probabilities (N, C), and (K, N, C) the
    average of the probabilities of the first k masked (train-mode) passes, for k = 1..K.

    Notes: each mask picks one thinned net; their average is the ensemble's prediction. The
    test pass (no mask, no scaling) approximates it at the cost of one pass: exactly for a
    linear net, through ReLUs and the softmax only approximately.
    """
    if net.p_drop <= 0:
        raise ValueError("mask_average: the net has p_drop = 0; there are no masks to average")
    if num_masks < 1:
        raise ValueError(f"mask_average: num_masks must be at least 1, got {num_masks!r}")
    X = np.asarray(X)
    N = len(X)
    plain = net.activation == "relu" and net.normalization is None and net.dtype == np.float64
    with one_blas_thread():
        single = softmax(net.scores(X, train=False))
        passes = []
        for start in range(0, num_masks, _CHUNK):  # several masks per product: X repeated, one mask per copy
            k = min(_CHUNK, num_masks - start)
            if plain:
                scores = _masked_scores(net, X, k, rng)
            else:
                scores = net._forward_train(net._check_input(np.tile(X, (k, 1))), rng)[0]
            passes.append(softmax(scores).reshape(k, N, -1))
    return single, np.cumsum(np.concatenate(passes), axis=0) / np.arange(1, num_masks + 1)[:, None, None]


_CHUNK = 20


def _masked_scores(net: FullyConnectedNet, X: np.ndarray, k: int, rng: np.random.Generator) -> np.ndarray:
    """net._forward_train(np.tile(X, (k, 1)), rng)[0] for a float64 ReLU net without batchnorm: k masked passes.

    Notes: the same operations in the same order, with the masks drawn as
    layers.dropout_forward draws them, layer by layer for all k copies at once. Two savings:
    the first layer's product and ReLU, the same for every copy, are computed once for X (a
    row of a product does not depend on the other rows) and multiplied by the k masks without
    being copied k times, and every later step writes into the layer's own array instead of a
    new temporary of k x N x H values each.
    """
    N = len(X)
    a = net._check_input(X).reshape(N, -1) @ net.params["W1"]
    a += net.params["b1"]
    relu, keep_scale = np.maximum(a, 0), 1.0 / (1.0 - net.p_drop)
    h = u = kept = np.empty((0, 0))
    for i in range(1, net.num_layers):
        if i > 1:
            h = h @ net.params[f"W{i}"]
            h += net.params[f"b{i}"]
            np.maximum(h, 0, out=h)
        shape = (k * N, net.params[f"W{i}"].shape[1])
        if u.shape != shape:
            u, kept = np.empty(shape), np.empty(shape, dtype=bool)
        np.greater_equal(rng.random(out=u), net.p_drop, out=kept)
        mask = np.multiply(kept, keep_scale, out=u)  # 1 / (1 - p_drop) where kept, else 0
        if i > 1:
            h *= mask
        else:  # every copy's ReLU output times its mask: np.tile(relu, (k, 1)) * mask, without the tiled copy
            h = np.multiply(relu, mask.reshape(k, N, -1)).reshape(shape)
    L = net.num_layers
    scores = h @ net.params[f"W{L}"]
    scores += net.params[f"b{L}"]
    return scores
