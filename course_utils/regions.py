"""How nets carve the plane: threshold units, affine layers without a nonlinearity, and the
straight pieces of a ReLU net's decision boundary.

Introduced in notebook 03 (layers and a two-layer net); the figures are in
:mod:`course_utils.viz.layers_and_two_layer_net`.

Notes
-----
Three views of the same question, what regions of the plane a net can give to a class:

- A *threshold unit* (the perceptron) is on where ``x @ w + b > 0``: one side of a line, a
  half-plane. A second layer of threshold units combines the first layer's outputs with AND
  (a convex polygon: the inside of every edge) or OR (a union, which need not be convex), so
  two layers after the input give unions of convex polygons. :func:`polygon_units` writes down
  the first layer of such a net for a given polygon, :func:`and_unit` and :func:`or_unit` the
  units that combine them.
- Affine layers with nothing between them (:class:`LinearNet`) compute one affine map, so
  they draw the same straight borders as a linear classifier.
- A ReLU net is linear inside each cell of the lines where its hidden units switch on or
  off; its decision boundary is straight inside a cell and bends only where it crosses one of
  those lines. :func:`boundary_segments` finds those straight pieces exactly.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from itertools import product
from typing import NamedTuple, Protocol, overload

import numpy as np

from . import layers, losses

__all__ = [
    "threshold_layer",
    "threshold_net",
    "polygon_units",
    "and_unit",
    "or_unit",
    "union_units",
    "LinearNet",
    "Segment",
    "boundary_segments",
    "data_box",
]


def threshold_layer(X: np.ndarray, W: np.ndarray, b: np.ndarray) -> np.ndarray:
    """A layer of threshold units (perceptrons): 1.0 where ``X @ W + b > 0``, else 0.0.

    Inputs: X (N, D); W (D, M), one column per unit; b (M,).
    Returns: (N, M) array of 0.0 and 1.0.

    Notes: unit j is on in the half-plane (half-space) on the side of the line
    ``x @ W[:, j] + b[j] = 0`` that ``W[:, j]`` points to. Its gradient is 0 almost everywhere,
    which is why nets are trained with smooth or piecewise-linear units instead (notebook 03).
    """
    X, W, b = np.asarray(X, dtype=np.float64), np.asarray(W, dtype=np.float64), np.asarray(b, dtype=np.float64)
    if X.ndim != 2 or W.ndim != 2 or W.shape[0] != X.shape[1] or b.shape != (W.shape[1],):
        raise ValueError(f"threshold_layer: need X (N, D), W (D, M), b (M,), got {X.shape}, {W.shape}, {b.shape}")
    return (X @ W + b > 0).astype(np.float64)


def threshold_net(X: np.ndarray, units: Sequence[tuple[np.ndarray, np.ndarray]]) -> np.ndarray:
    """Layers of threshold units one after the other: the output of the last layer (N, M_last).

    Inputs: X (N, D); units: a list of (W, b), one per layer, W (D_in, M) and b (M,).
    """
    if not units:
        raise ValueError("threshold_net: give at least one layer (W, b)")
    h = np.asarray(X, dtype=np.float64)
    for W, b in units:
        h = threshold_layer(h, W, b)
    return h


def polygon_units(vertices: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """One threshold unit per edge of a convex polygon, each on at the inner side of its edge.

    Inputs: vertices (K, 2), the corners of a convex polygon in counter-clockwise order.
    Returns: W (2, K) and b (K,): unit k's line runs through vertices k and k+1, and
    ``W[:, k]`` (of length 1) points into the polygon. A point is inside exactly when all K
    units are on, so ``and_unit(K)`` on top of this layer is the polygon's indicator.
    """
    V = np.asarray(vertices, dtype=np.float64)
    if V.ndim != 2 or V.shape[1] != 2 or len(V) < 3:
        raise ValueError(f"polygon_units: vertices must be (K, 2) with K >= 3, got {V.shape}")
    edges = np.roll(V, -1, axis=0) - V
    cross = edges[:, 0] * np.roll(edges, -1, axis=0)[:, 1] - edges[:, 1] * np.roll(edges, -1, axis=0)[:, 0]
    if not np.all(cross > 0):
        raise ValueError("polygon_units: the vertices must go counter-clockwise around a convex polygon")
    normals = np.column_stack([-edges[:, 1], edges[:, 0]])  # the edge turned left: into the polygon
    normals /= np.linalg.norm(normals, axis=1, keepdims=True)
    return normals.T, -np.sum(normals * V, axis=1)


def and_unit(k: int) -> tuple[np.ndarray, np.ndarray]:
    """A threshold unit that is on only when all k of its 0/1 inputs are: W (k, 1) of ones, b = -(k - 0.5)."""
    return np.ones((k, 1)), np.array([0.5 - k])


def or_unit(k: int) -> tuple[np.ndarray, np.ndarray]:
    """A threshold unit that is on when at least one of its k 0/1 inputs is: W (k, 1) of ones, b = -0.5."""
    return np.ones((k, 1)), np.array([-0.5])


def union_units(polygons: Sequence[np.ndarray]) -> list[tuple[np.ndarray, np.ndarray]]:
    """The three layers of threshold units whose output is 1 exactly inside a union of convex polygons.

    Inputs: polygons, a list of P vertex arrays (K_p, 2), each counter-clockwise and convex.
    Returns: [(W1, b1), (W2, b2), (W3, b3)] for :func:`threshold_net`: layer 1 has one unit per
    edge of every polygon (sum of K_p units, :func:`polygon_units`); layer 2 one AND unit per
    polygon, wired to that polygon's edges only; layer 3 one OR unit over the P polygons.
    """
    if not polygons:
        raise ValueError("union_units: give at least one polygon")
    edges = [polygon_units(v) for v in polygons]
    sizes = [W.shape[1] for W, _ in edges]
    W1, b1 = np.hstack([W for W, _ in edges]), np.concatenate([b for _, b in edges])
    W2 = np.zeros((sum(sizes), len(polygons)))
    for p, start in enumerate(np.cumsum([0, *sizes[:-1]])):
        W2[start : start + sizes[p], p] = 1.0
    b2 = 0.5 - np.array(sizes, dtype=np.float64)
    return [(W1, b1), (W2, b2), or_unit(len(polygons))]


class LinearNet:
    """Affine layers with no nonlinearity between them, then the softmax loss.

    Inputs: hidden_dims, input_dim, num_classes, reg, weight_scale and seed exactly as for
    ``models.FullyConnectedNet``, which draws the same initial weights for the same arguments:
    this is that net with its activations left out. ``params`` holds W1, b1, ..., and the
    model has the interface of :mod:`course_utils.models` (``scores``, ``loss``, ``predict``).

    Notes: (x W1 + b1) W2 + b2 = x (W1 W2) + (b1 W2 + b2): any stack of affine layers is one
    affine layer, :meth:`collapsed`, so it draws the same straight class borders as a linear
    classifier however many hidden units it has (notebook 03).
    """

    def __init__(
        self,
        hidden_dims: Sequence[int],
        input_dim: int,
        num_classes: int,
        *,
        reg: float = 0.0,
        weight_scale: float = 1e-2,
        seed: int = 0,
    ):
        rng = np.random.default_rng(seed)
        dims = [int(input_dim), *[int(h) for h in hidden_dims], int(num_classes)]
        self.reg, self.seed, self.num_layers = float(reg), seed, len(dims) - 1
        self.params: dict[str, np.ndarray] = {}
        for i, (fan_in, fan_out) in enumerate(zip(dims[:-1], dims[1:]), start=1):
            self.params[f"W{i}"] = weight_scale * rng.standard_normal((fan_in, fan_out))
            self.params[f"b{i}"] = np.zeros(fan_out)

    def _forward(self, X: np.ndarray) -> tuple[np.ndarray, list]:
        h, caches = np.asarray(X, dtype=np.float64), []
        for i in range(1, self.num_layers + 1):
            h, cache = layers.affine_forward(h, self.params[f"W{i}"], self.params[f"b{i}"])
            caches.append(cache)
        return h, caches

    def scores(self, X: np.ndarray, *, train: bool = False) -> np.ndarray:
        """Class scores (N, C) of X (N, D); there is nothing that differs between the modes."""
        return self._forward(X)[0]

    @overload
    def loss(self, X: np.ndarray, y: None = None) -> np.ndarray: ...
    @overload
    def loss(self, X: np.ndarray, y: np.ndarray) -> tuple[float, dict[str, np.ndarray]]: ...
    def loss(self, X: np.ndarray, y: np.ndarray | None = None) -> np.ndarray | tuple[float, dict[str, np.ndarray]]:
        """``(loss, grads)``: mean softmax loss + 0.5 * reg * sum of every W**2; without y, the scores."""
        if y is None:
            return self.scores(X)
        scores, caches = self._forward(X)
        loss, dh = losses.softmax_loss(scores, np.asarray(y))
        grads = {}
        for i in range(self.num_layers, 0, -1):
            W = self.params[f"W{i}"]
            dh, dW, grads[f"b{i}"] = layers.affine_backward(dh, caches[i - 1])
            grads[f"W{i}"] = dW + self.reg * W
            loss += 0.5 * self.reg * float(np.sum(W * W))
        return float(loss), {k: grads[k] for k in self.params}

    def predict(self, X: np.ndarray) -> np.ndarray:
        """Predicted labels (N,): the argmax of the scores."""
        return np.argmax(self.scores(X), axis=1)

    def collapsed(self) -> tuple[np.ndarray, np.ndarray]:
        """The single affine layer (W (D, C), b (C,)) that computes the same scores."""
        W, b = self.params["W1"], self.params["b1"]
        for i in range(2, self.num_layers + 1):
            W, b = W @ self.params[f"W{i}"], b @ self.params[f"W{i}"] + self.params[f"b{i}"]
        return W, b


def data_box(X: np.ndarray, padding: float = 0.1) -> tuple[float, float, float, float]:
    """(x1_min, x1_max, x2_min, x2_max) of the points X (N, 2), widened by ``padding`` times their
    range on each side: the part of the plane that the decision-boundary figures show."""
    X = np.asarray(X, dtype=np.float64)
    lo, hi = X.min(axis=0), X.max(axis=0)
    pad = padding * (hi - lo)
    return (float(lo[0] - pad[0]), float(hi[0] + pad[0]), float(lo[1] - pad[1]), float(hi[1] + pad[1]))


class Segment(NamedTuple):
    """One straight piece of a decision boundary: from ``start`` (2,) to ``end`` (2,), inside
    the cell where the hidden units in ``on`` (a tuple of 0/1 per unit) are on."""

    start: np.ndarray
    end: np.ndarray
    on: tuple[int, ...]


class HasParams(Protocol):
    """A net as :func:`boundary_segments` reads it: its ``params`` by name (W1, b1, ...)."""

    @property
    def params(self) -> Mapping[str, np.ndarray]: ...


def boundary_segments(
    model: HasParams, box: tuple[float, float, float, float], *, max_units: int = 12
) -> list[Segment]:
    """The straight pieces of a one-hidden-layer ReLU net's decision boundary between 2 classes.

    Inputs:
    - model: a ``models.FullyConnectedNet`` with one hidden ReLU layer and 2 classes (or any
      object with the same ``params`` W1 (2, H), b1, W2 (H, 2), b2 and ``activation='relu'``).
    - box: (x1_min, x1_max, x2_min, x2_max), the part of the plane to look at.
    - max_units: refuse larger layers (the search visits all 2**H on/off patterns).
    Returns: the list of :class:`Segment`, one per cell of the hidden units' lines that the
    boundary crosses inside the box, in no particular order.

    Notes: with the on/off pattern s of the hidden units fixed, the score difference
    s1 - s0 = (x W1 + b1) * s @ (W2[:, 1] - W2[:, 0]) + b2[1] - b2[0] is linear in x, so the
    boundary (where it is 0) is one straight line inside that cell, clipped to the cell and the
    box. Exact, unlike reading the boundary off a grid of pixels.
    """
    params = {k: np.asarray(v, dtype=np.float64) for k, v in model.params.items()}
    if (
        getattr(model, "activation", "relu") != "relu"
        or set(params) != {"W1", "b1", "W2", "b2"}
        or params["W1"].shape[0] != 2
        or params["W2"].shape[1] != 2
    ):
        raise ValueError("boundary_segments: needs a net 2 inputs -> one hidden ReLU layer -> 2 classes")
    W1, b1 = params["W1"], params["b1"]
    num_units = W1.shape[1]
    if num_units > max_units:
        raise ValueError(f"boundary_segments: {num_units} hidden units means 2**{num_units} cells; at most {max_units}")
    dw, db = params["W2"][:, 1] - params["W2"][:, 0], params["b2"][1] - params["b2"][0]
    x_lo, x_hi, y_lo, y_hi = box
    # the box as four more half-planes n . x + c >= 0
    box_n = np.array([[1.0, 0.0], [-1.0, 0.0], [0.0, 1.0], [0.0, -1.0]])
    box_c = np.array([-x_lo, x_hi, -y_lo, y_hi])
    segments = []
    for on in product((0, 1), repeat=num_units):
        s = np.array(on, dtype=np.float64)
        a, c = W1 @ (s * dw), b1 @ (s * dw) + db  # score difference a . x + c inside this cell
        norm2 = float(a @ a)
        if norm2 < 1e-18:
            continue
        p0, direction = -c * a / norm2, np.array([-a[1], a[0]]) / np.sqrt(norm2)
        sign = np.where(s > 0, 1.0, -1.0)  # unit j on: x . W1[:, j] + b1[j] >= 0; off: <= 0
        normals = np.vstack([(W1 * sign).T, box_n])
        offsets = np.concatenate([b1 * sign, box_c])
        lo, hi = -np.inf, np.inf
        for n, off in zip(normals, offsets):  # keep n . (p0 + t d) + off >= 0
            rate, value = float(n @ direction), float(n @ p0 + off)
            if abs(rate) < 1e-15:
                if value < 0:
                    lo, hi = 1.0, 0.0
                    break
            elif rate > 0:
                lo = max(lo, -value / rate)
            else:
                hi = min(hi, -value / rate)
        if hi - lo > 1e-9:
            segments.append(Segment(p0 + lo * direction, p0 + hi * direction, on))
    return segments
