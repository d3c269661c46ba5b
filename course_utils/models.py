"""Networks built from the layer pairs in :mod:`course_utils.layers`.

Introduced in notebook 03 (a net with any number of hidden layers, ReLU, softmax loss, L2
regularization). Later notebooks switch on more of the constructor's options: other
activations (notebook 04), batchnorm (notebook 06) and dropout (notebook 07).
"""
from __future__ import annotations

from numbers import Integral, Real
from typing import Sequence

import numpy as np

from . import layers
from .losses import softmax_loss
from .train import predict

__all__ = ["FullyConnectedNet"]

# option -> the notebook that adds it (the constructor says so instead of failing vaguely)
_LATER_ACTIVATIONS = {"sigmoid": 4, "tanh": 4, "leaky_relu": 4, "elu": 4}
_LATER_NORMALIZATIONS = {"batchnorm": 6}
_NOTEBOOKS = {4: "04_activations", 6: "06_batchnorm", 7: "07_dropout"}


def _not_yet(what: str, notebook: int) -> NotImplementedError:
    return NotImplementedError(
        f"FullyConnectedNet: {what} is added in notebook {_NOTEBOOKS[notebook]}; "
        f"this version supports activation='relu', normalization=None, p_drop=0.0"
    )


class FullyConnectedNet:
    """A fully connected classifier: {affine - relu} x L, then affine - softmax.

    Inputs:
    - hidden_dims: sizes of the hidden layers, e.g. [100] or [50, 50]; [] gives a linear
      softmax classifier.
    - input_dim: D, the size of one (flattened) input.
    - num_classes: C, the number of classes (>= 2).
    - activation: 'relu' (others come with notebook 04).
    - normalization: None (batchnorm comes with notebook 06).
    - p_drop: 0.0 (dropout comes with notebook 07).
    - reg: L2 strength; the penalty is 0.5 * reg * sum(W**2) over the weights W1, W2, ...
      (biases are not regularized).
    - weight_scale: standard deviation of the initial weights.
    - dtype: floating dtype of the parameters and of every computation.
    - seed: seed of the generator that draws the initial weights.

    Attributes: params, a dict with W1 (D, H1), b1 (H1,), ..., WL+1 (H_L, C), bL+1 (C,);
    num_layers, the number of affine layers (len(hidden_dims) + 1).

    Notes: the forward pass keeps every layer's cache in a list and the backward pass walks it
    in reverse; that is the whole of backpropagation for a stack of layers. Biases start at 0
    and weights at weight_scale * N(0, 1): small enough that the first loss is close to
    log(C), the value a sanity check expects (notebook 09). Notebook 03.
    """

    def __init__(
        self,
        hidden_dims: Sequence[int],
        input_dim: int,
        num_classes: int,
        *,
        activation: str = "relu",
        normalization: str | None = None,
        p_drop: float = 0.0,
        reg: float = 0.0,
        weight_scale: float = 1e-2,
        dtype=np.float64,
        seed: int = 0,
    ):
        if isinstance(hidden_dims, (str, bytes)) or not isinstance(hidden_dims, (Sequence, np.ndarray)):
            raise TypeError(
                f"FullyConnectedNet: hidden_dims must be a list of layer sizes such as [100], "
                f"got {hidden_dims!r}"
            )
        hidden_dims = [int(h) if isinstance(h, np.integer) else h for h in hidden_dims]
        for name, value, minimum in [("input_dim", input_dim, 1), ("num_classes", num_classes, 2)]:
            if isinstance(value, bool) or not isinstance(value, Integral) or value < minimum:
                raise ValueError(f"FullyConnectedNet: {name} must be an integer >= {minimum}, got {value!r}")
        for h in hidden_dims:
            if isinstance(h, bool) or not isinstance(h, Integral) or h < 1:
                raise ValueError(
                    f"FullyConnectedNet: every hidden size must be an integer >= 1, got {hidden_dims}"
                )
        if activation in _LATER_ACTIVATIONS:
            raise _not_yet(f"activation={activation!r}", _LATER_ACTIVATIONS[activation])
        if activation != "relu":
            raise ValueError(
                f"FullyConnectedNet: unknown activation {activation!r}; "
                f"expected one of 'relu', {', '.join(repr(a) for a in _LATER_ACTIVATIONS)}"
            )
        if normalization in _LATER_NORMALIZATIONS:
            raise _not_yet(f"normalization={normalization!r}", _LATER_NORMALIZATIONS[normalization])
        if normalization is not None:
            raise ValueError(
                f"FullyConnectedNet: unknown normalization {normalization!r}; expected None or 'batchnorm'"
            )
        if not isinstance(p_drop, Real) or not 0 <= p_drop < 1:
            raise ValueError(f"FullyConnectedNet: p_drop must be in [0, 1), got {p_drop!r}")
        if p_drop > 0:
            raise _not_yet(f"dropout (p_drop={p_drop})", 7)
        if not isinstance(reg, Real) or not reg >= 0:
            raise ValueError(f"FullyConnectedNet: reg must be a number >= 0, got {reg!r}")
        if not isinstance(weight_scale, Real) or not weight_scale > 0:
            raise ValueError(f"FullyConnectedNet: weight_scale must be a number > 0, got {weight_scale!r}")
        try:
            dtype = np.dtype(dtype)
        except TypeError:
            raise TypeError(f"FullyConnectedNet: dtype must be a numpy float dtype, got {dtype!r}") from None
        if not np.issubdtype(dtype, np.floating):
            raise TypeError(f"FullyConnectedNet: dtype must be a floating dtype such as np.float64, got {dtype}")

        self.hidden_dims = hidden_dims
        self.input_dim = int(input_dim)
        self.num_classes = int(num_classes)
        self.activation = activation
        self.normalization = normalization
        self.p_drop = float(p_drop)
        self.reg = float(reg)
        self.weight_scale = float(weight_scale)
        self.dtype = dtype
        self.seed = seed
        self.num_layers = len(hidden_dims) + 1

        rng = np.random.default_rng(seed)
        dims = [self.input_dim, *hidden_dims, self.num_classes]
        self.params: dict[str, np.ndarray] = {}
        for i, (fan_in, fan_out) in enumerate(zip(dims[:-1], dims[1:]), start=1):
            self.params[f"W{i}"] = (weight_scale * rng.standard_normal((fan_in, fan_out))).astype(dtype)
            self.params[f"b{i}"] = np.zeros(fan_out, dtype=dtype)

    def __repr__(self) -> str:
        return (
            f"FullyConnectedNet(hidden_dims={self.hidden_dims}, input_dim={self.input_dim}, "
            f"num_classes={self.num_classes}, reg={self.reg}, dtype={self.dtype.name})"
        )

    def _check_input(self, X: np.ndarray) -> np.ndarray:
        X = np.asarray(X)
        if X.ndim < 2 or int(np.prod(X.shape[1:])) != self.input_dim:
            raise ValueError(
                f"FullyConnectedNet: X must be (N, ...) with {self.input_dim} values per example, "
                f"got shape {X.shape}"
            )
        return X.astype(self.dtype, copy=False)

    def loss(self, X: np.ndarray, y: np.ndarray | None = None):
        """Scores, or the loss and its gradients.

        Inputs:
        - X: (N, d1, ..., dk) inputs with d1 * ... * dk = input_dim.
        - y: (N,) int labels in 0..C-1, or None.
        Returns:
        - if y is None: scores, (N, C) in the net's dtype.
        - otherwise (loss, grads): the mean softmax loss plus 0.5 * reg * sum of every W**2,
          a float, and grads, a dict keyed like params with arrays of the same shapes and dtype.
        """
        X = self._check_input(X)
        caches = []
        h = X
        for i in range(1, self.num_layers):
            a, affine_cache = layers.affine_forward(h, self.params[f"W{i}"], self.params[f"b{i}"])
            h, relu_cache = layers.relu_forward(a)
            caches.append((affine_cache, relu_cache))
        L = self.num_layers
        scores, last_cache = layers.affine_forward(h, self.params[f"W{L}"], self.params[f"b{L}"])
        if y is None:
            return scores

        y = np.asarray(y)
        if y.shape != (X.shape[0],):
            raise ValueError(f"FullyConnectedNet: y must have shape ({X.shape[0]},) like X's batch, got {y.shape}")
        data_loss, dscores = softmax_loss(scores, y)
        weights = [self.params[f"W{i}"] for i in range(1, L + 1)]
        loss = data_loss + 0.5 * self.reg * sum(float(np.sum(W * W)) for W in weights)

        grads: dict[str, np.ndarray] = {}
        dh, grads[f"W{L}"], grads[f"b{L}"] = layers.affine_backward(dscores.astype(self.dtype), last_cache)
        for i in range(L - 1, 0, -1):
            affine_cache, relu_cache = caches[i - 1]
            da = layers.relu_backward(dh, relu_cache)
            dh, grads[f"W{i}"], grads[f"b{i}"] = layers.affine_backward(da, affine_cache)
        for i in range(1, L + 1):
            grads[f"W{i}"] = grads[f"W{i}"] + self.reg * self.params[f"W{i}"]
        grads = {k: grads[k].astype(self.dtype, copy=False) for k in self.params}
        return float(loss), grads

    def predict(self, X: np.ndarray) -> np.ndarray:
        """Predicted labels, the argmax of the scores.

        Inputs: X (N, d1, ..., dk). Returns: (N,) int labels.
        """
        return predict(self, X)

    def hidden(self, X: np.ndarray, layer: int = 1) -> np.ndarray:
        """The activations of one hidden layer (after the ReLU).

        Inputs: X (N, d1, ..., dk); layer: 1..len(hidden_dims).
        Returns: (N, H_layer) array in the net's dtype.

        Notes: the last layer is a linear classifier on these activations, so plotting them
        shows the space the net has learned to make (nearly) linearly separable (notebook 03).
        """
        if isinstance(layer, bool) or not isinstance(layer, Integral) or not 1 <= layer < self.num_layers:
            raise ValueError(
                f"FullyConnectedNet.hidden: layer must be in 1..{self.num_layers - 1}, got {layer!r}"
            )
        h = self._check_input(X)
        for i in range(1, layer + 1):
            a, _ = layers.affine_forward(h, self.params[f"W{i}"], self.params[f"b{i}"])
            h, _ = layers.relu_forward(a)
        return h
