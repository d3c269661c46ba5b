"""Models: a linear classifier and fully connected nets built from :mod:`course_utils.layers`.

Introduced in notebook 02 (``LinearClassifier``) and notebook 03 (``FullyConnectedNet``: any
number of hidden layers, ReLU, softmax loss, L2 regularization). Later notebooks switch on more
of the net's options: other activations (notebook 04), batchnorm (notebook 06) and dropout
(notebook 07).

Every model here has the same small interface, which :mod:`course_utils.train` relies on:

- ``params``: a dict of parameter arrays;
- ``scores(X, *, train=False)``: the class scores (N, C), in test mode unless ``train=True``;
- ``loss(X, y)``: ``(loss, grads)`` in train mode, ``grads`` keyed like ``params``.

Notes
-----
Train and test mode are an explicit argument, never guessed from whether labels were given:
with batchnorm and dropout the two modes compute different things, and a net that silently
ran the wrong one would still train, only worse. ``loss(X)`` without labels still returns the
test-mode scores, as in notebooks 02 and 03.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from numbers import Integral, Real
from typing import Any, overload

import numpy as np

from . import layers, losses

__all__ = ["LinearClassifier", "FullyConnectedNet", "predict", "accuracy", "linear_predict"]


class LinearClassifier:
    """A linear classifier scores = X W + b, trained with the SVM or the softmax loss.

    Inputs:
    - input_dim: D; num_classes: C.
    - loss: ``"softmax"`` or ``"svm"``; reg: L2 strength (on W, not b).
    - weight_scale: std of the initial weights; seed: seed of their generator.

    ``params`` holds ``W`` (D, C) and ``b`` (C,). ``scores(X)`` returns the scores (N, C);
    ``loss(X, y)`` returns ``(loss, {"W": dW, "b": db})``.

    Notes: a one-layer net: scores, then :func:`losses.svm_loss` or :func:`losses.softmax_loss`,
    then back through the product. It has no train-only behaviour, so both modes give the same
    scores. Introduced in notebook 02; notebook 03 uses it as the baseline a hidden layer beats.
    """

    def __init__(
        self,
        input_dim: int,
        num_classes: int,
        *,
        loss: str = "softmax",
        reg: float = 0.0,
        weight_scale: float = 1e-3,
        seed: int = 0,
    ):
        score_losses = {"softmax": losses.softmax_loss, "svm": losses.svm_loss}
        if loss not in score_losses:
            raise ValueError(f"LinearClassifier: loss must be 'softmax' or 'svm', got {loss!r}")
        self.score_loss: Callable = score_losses[loss]
        self.reg = reg
        rng = np.random.default_rng(seed)
        self.params = {
            "W": weight_scale * rng.standard_normal((input_dim, num_classes)),
            "b": np.zeros(num_classes),
        }

    def scores(self, X: np.ndarray, *, train: bool = False) -> np.ndarray:
        """Class scores (N, C) of X (N, ...) flattened to (N, D); the same in both modes."""
        X = np.asarray(X, dtype=np.float64).reshape(len(X), -1)
        return X @ self.params["W"] + self.params["b"]

    @overload
    def loss(self, X: np.ndarray, y: None = None) -> np.ndarray: ...
    @overload
    def loss(self, X: np.ndarray, y: np.ndarray) -> tuple[float, dict[str, np.ndarray]]: ...
    def loss(self, X: np.ndarray, y: np.ndarray | None = None) -> np.ndarray | tuple[float, dict[str, np.ndarray]]:
        """``(loss, grads)`` for labels y (N,); without y, the scores (as ``scores(X)``)."""
        if y is None:
            return self.scores(X)
        W = self.params["W"]
        X = np.asarray(X, dtype=np.float64).reshape(len(X), -1)
        scores = X @ W
        scores += self.params["b"]
        data_loss, dscores = self.score_loss(scores, y)
        # the penalty also with reg = 0: an overflowing W makes it nan there, which stops training
        loss = data_loss + 0.5 * self.reg * float((W * W).sum())
        dW = X.T @ dscores
        dW += self.reg * W
        return loss, {"W": dW, "b": dscores.sum(axis=0)}


def _validated(
    hidden_dims: object,
    input_dim: object,
    num_classes: object,
    activation: object,
    normalization: object,
    p_drop: object,
    reg: object,
    weight_scale: object,
    dtype: Any,
) -> tuple[list[int], np.dtype]:
    """The constructor's arguments checked, each with a message that says how to fix it.

    Returns the hidden sizes as a list of ints and the dtype as a numpy dtype.
    """
    if isinstance(hidden_dims, (str, bytes)) or not isinstance(hidden_dims, (Sequence, np.ndarray)):
        raise TypeError(
            f"FullyConnectedNet: hidden_dims must be a list of layer sizes such as [100], got {hidden_dims!r}"
        )
    hidden_dims = [int(h) if isinstance(h, np.integer) else h for h in hidden_dims]
    for name, value, minimum in [("input_dim", input_dim, 1), ("num_classes", num_classes, 2)]:
        if isinstance(value, bool) or not isinstance(value, Integral) or value < minimum:
            raise ValueError(f"FullyConnectedNet: {name} must be an integer >= {minimum}, got {value!r}")
    for h in hidden_dims:
        if isinstance(h, bool) or not isinstance(h, Integral) or h < 1:
            raise ValueError(f"FullyConnectedNet: every hidden size must be an integer >= 1, got {hidden_dims}")
    if activation not in layers.ACTIVATIONS:
        raise ValueError(
            f"FullyConnectedNet: unknown activation {activation!r}; "
            f"expected one of {', '.join(repr(a) for a in layers.ACTIVATIONS)}"
        )
    if normalization not in (None, "batchnorm"):
        raise ValueError(f"FullyConnectedNet: unknown normalization {normalization!r}; expected None or 'batchnorm'")
    if not isinstance(p_drop, Real) or not 0 <= float(p_drop) < 1:
        raise ValueError(f"FullyConnectedNet: p_drop must be in [0, 1), got {p_drop!r}")
    if not isinstance(reg, Real) or not float(reg) >= 0:
        raise ValueError(f"FullyConnectedNet: reg must be a number >= 0, got {reg!r}")
    if not isinstance(weight_scale, Real) or not float(weight_scale) > 0:
        raise ValueError(f"FullyConnectedNet: weight_scale must be a number > 0, got {weight_scale!r}")
    try:
        dtype = np.dtype(dtype)
    except TypeError:
        raise TypeError(f"FullyConnectedNet: dtype must be a numpy float dtype, got {dtype!r}") from None
    if not np.issubdtype(dtype, np.floating):
        raise TypeError(f"FullyConnectedNet: dtype must be a floating dtype such as np.float64, got {dtype}")
    return hidden_dims, dtype


def _initial_params(
    dims: list[int], normalization: str | None, weight_scale: float, dtype: np.dtype, seed: int
) -> tuple[dict[str, np.ndarray], dict[int, layers.Running]]:
    """The parameters of a net with layer sizes ``dims`` = [D, H1, ..., C], and batchnorm's running averages.

    Returns (params, running): params holds W1 (D, H1), b1 (H1,), ..., and with batchnorm gamma_i
    and beta_i (H_i,) for every hidden layer; running maps hidden layer i to its Running(mean,
    var), starting at 0 and 1 (empty without batchnorm). Weights are weight_scale * N(0, 1) drawn
    from a generator seeded with ``seed``, layer by layer; biases and betas start at 0, gammas at 1.
    """
    rng = np.random.default_rng(seed)
    params: dict[str, np.ndarray] = {}
    for i, (fan_in, fan_out) in enumerate(zip(dims[:-1], dims[1:]), start=1):
        params[f"W{i}"] = (weight_scale * rng.standard_normal((fan_in, fan_out))).astype(dtype)
        params[f"b{i}"] = np.zeros(fan_out, dtype=dtype)
    running: dict[int, layers.Running] = {}
    if normalization == "batchnorm":  # a scale and shift per hidden layer, and the averages test mode uses
        for i, h in enumerate(dims[1:-1], start=1):
            params[f"gamma{i}"] = np.ones(h, dtype=dtype)
            params[f"beta{i}"] = np.zeros(h, dtype=dtype)
            running[i] = layers.Running(np.zeros(h, dtype=dtype), np.ones(h, dtype=dtype))
    return params, running


class FullyConnectedNet:
    """A fully connected classifier: {affine - activation} x L, then affine - softmax.

    Inputs:
    - hidden_dims: sizes of the hidden layers, e.g. [100] or [50, 50]; [] gives a linear
      softmax classifier.
    - input_dim: D, the size of one (flattened) input.
    - num_classes: C, the number of classes (>= 2).
    - activation: the nonlinearity of every hidden layer, one of layers.ACTIVATIONS: 'relu',
      'sigmoid', 'tanh', 'leaky_relu' (slope 0.01), 'elu' (alpha 1.0); notebook 04 compares them.
    - normalization: None, or 'batchnorm' after every hidden affine layer, before the
      activation (notebook 06); its gamma and beta are parameters, not regularized.
    - p_drop: the probability of dropping each hidden unit after its activation, inverted
      dropout (notebook 07); 0 switches dropout off.
    - reg: L2 strength; the penalty is 0.5 * reg * sum(W**2) over the weights W1, W2, ...
      (biases are not regularized).
    - weight_scale: standard deviation of the initial weights.
    - dtype: floating dtype of the parameters and of every computation.
    - seed: seed of the generator that draws the initial weights.

    Attributes: params, a dict with W1 (D, H1), b1 (H1,), ..., WL+1 (H_L, C), bL+1 (C,);
    num_layers, the number of affine layers (len(hidden_dims) + 1).

    Notes: the parts of a step each have their method: the parameters are set up by
    ``_initial_params``; ``_forward_train`` walks the layers in train mode and keeps every
    layer's cache in a list, ``_backward`` walks that list in reverse (that is the whole of
    backpropagation for a stack of layers); ``_forward_test`` walks them in test mode and keeps
    nothing. Biases start at 0 and weights at weight_scale * N(0, 1): small enough that the
    first loss is close to log(C), the value a sanity check expects (notebook 09). Notebook 03.
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
        dtype: Any = np.float64,
        seed: int = 0,
    ) -> None:
        hidden_dims, dtype = _validated(
            hidden_dims, input_dim, num_classes, activation, normalization, p_drop, reg, weight_scale, dtype
        )
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
        dims = [self.input_dim, *hidden_dims, self.num_classes]
        self.params, self.running = _initial_params(dims, normalization, weight_scale, dtype, seed)
        # dropout masks in train mode come from the net's own generator, apart from the weights'
        self.rng = np.random.default_rng([seed, 1])

    def __repr__(self) -> str:
        extras = f", normalization={self.normalization!r}" if self.normalization else ""
        extras += f", p_drop={self.p_drop}" if self.p_drop else ""
        return (
            f"FullyConnectedNet(hidden_dims={self.hidden_dims}, input_dim={self.input_dim}, "
            f"num_classes={self.num_classes}, activation={self.activation!r}{extras}, reg={self.reg}, "
            f"dtype={self.dtype.name})"
        )

    def _check_input(self, X: np.ndarray) -> np.ndarray:
        X = np.asarray(X)
        if X.ndim < 2 or math.prod(X.shape[1:]) != self.input_dim:
            raise ValueError(
                f"FullyConnectedNet: X must be (N, ...) with {self.input_dim} values per example, got shape {X.shape}"
            )
        return X.astype(self.dtype, copy=False)

    def _forward_train(self, X: np.ndarray, rng: np.random.Generator) -> tuple[np.ndarray, list]:
        """Train mode from checked X: (scores (N, C), caches for ``_backward``).

        ``caches`` holds, per hidden layer, (affine, batchnorm, activation, dropout) caches
        (None for a layer that is off), then the last affine layer's cache. Batchnorm
        normalizes with the batch's statistics and stores new running averages; dropout masks
        are drawn from ``rng``.
        """
        h, caches = X, list[Any]()
        activation_forward = layers.ACTIVATIONS[self.activation][0]
        for i in range(1, self.num_layers):
            a, affine_cache = layers.affine_forward(h, self.params[f"W{i}"], self.params[f"b{i}"])
            bn_cache = drop_cache = None
            if self.normalization == "batchnorm":
                a, bn_cache, self.running[i] = layers.batchnorm_forward(
                    a, self.params[f"gamma{i}"], self.params[f"beta{i}"], self.running[i], train=True
                )
            h, activation_cache = activation_forward(a)
            if self.p_drop > 0:
                h, drop_cache = layers.dropout_forward(h, self.p_drop, train=True, rng=rng)
            caches.append((affine_cache, bn_cache, activation_cache, drop_cache))
        L = self.num_layers
        scores, last_cache = layers.affine_forward(h, self.params[f"W{L}"], self.params[f"b{L}"])
        caches.append(last_cache)
        return scores, caches

    def _forward_test(self, X: np.ndarray, upto: int | None = None) -> np.ndarray:
        """Test mode from checked X: the scores (N, C), or with ``upto=k`` hidden layer k's activations.

        Deterministic and changes nothing: batchnorm uses the running averages, dropout is the
        identity, and no cache is kept (nothing will go backwards).
        """
        h = X
        activation_forward = layers.ACTIVATIONS[self.activation][0]
        for i in range(1, (self.num_layers - 1 if upto is None else upto) + 1):
            a = layers.affine_forward(h, self.params[f"W{i}"], self.params[f"b{i}"])[0]
            if self.normalization == "batchnorm":
                gamma, beta = self.params[f"gamma{i}"], self.params[f"beta{i}"]
                a = layers.batchnorm_forward(a, gamma, beta, self.running[i], train=False)[0]
            h = activation_forward(a)[0]
        if upto is not None:
            return h
        L = self.num_layers
        return layers.affine_forward(h, self.params[f"W{L}"], self.params[f"b{L}"])[0]

    def _backward(self, dscores: np.ndarray, caches: list) -> dict[str, np.ndarray]:
        """Gradients of the data loss (no penalty) from dscores (N, C), walking ``caches`` in reverse."""
        grads: dict[str, np.ndarray] = {}
        activation_backward = layers.ACTIVATIONS[self.activation][1]
        L = self.num_layers
        dh, grads[f"W{L}"], grads[f"b{L}"] = layers.affine_backward(dscores, caches[-1])
        for i in range(L - 1, 0, -1):
            affine_cache, bn_cache, activation_cache, drop_cache = caches[i - 1]
            if drop_cache is not None:
                dh = layers.dropout_backward(dh, drop_cache)
            da = activation_backward(dh, activation_cache)
            if bn_cache is not None:  # the closed form: the graph walk's gradients with fewer passes (notebook 06)
                da, grads[f"gamma{i}"], grads[f"beta{i}"] = layers.batchnorm_backward_alt(da, bn_cache)
            if i > 1:
                dh, grads[f"W{i}"], grads[f"b{i}"] = layers.affine_backward(da, affine_cache)
            else:  # nothing needs dX, the gradient of the data: skip its product, as large as the first layer's
                X2 = affine_cache.x.reshape(len(da), -1)
                grads["W1"], grads["b1"] = layers.weights_grad(X2, da), da.sum(axis=0)
        return grads

    def scores(self, X: np.ndarray, *, train: bool = False) -> np.ndarray:
        """Class scores (N, C) in the net's dtype, in test mode unless ``train=True``.

        Inputs: X (N, d1, ..., dk) with d1 * ... * dk = input_dim. Test mode is deterministic
        and changes nothing; train mode draws dropout masks and updates batchnorm's averages.
        """
        X = self._check_input(X)
        return self._forward_train(X, self.rng)[0] if train else self._forward_test(X)

    @overload
    def loss(self, X: np.ndarray, y: None = None, *, rng: np.random.Generator | None = None) -> np.ndarray: ...
    @overload
    def loss(
        self, X: np.ndarray, y: np.ndarray, *, rng: np.random.Generator | None = None
    ) -> tuple[float, dict[str, np.ndarray]]: ...
    def loss(
        self, X: np.ndarray, y: np.ndarray | None = None, *, rng: np.random.Generator | None = None
    ) -> np.ndarray | tuple[float, dict[str, np.ndarray]]:
        """The loss and its gradients, in train mode.

        Inputs:
        - X: (N, d1, ..., dk) inputs with d1 * ... * dk = input_dim.
        - y: (N,) int labels in 0..C-1. Without y, the test-mode scores are returned instead,
          as ``scores(X)`` does (notebooks 02 and 03 call it that way).
        - rng: the generator of this pass's dropout masks (default: the net's own); passing
          a freshly seeded one fixes the masks, as a numerical gradient check needs.
        Returns: (loss, grads): the mean softmax loss plus 0.5 * reg * sum of every W**2, a
        float, and grads, a dict keyed like params with arrays of the same shapes and dtype.
        Train mode also updates the batchnorm running averages (``self.running``).
        """
        if y is None:
            return self.scores(X)
        X = self._check_input(X)
        y = np.asarray(y)
        if y.shape != (X.shape[0],):
            raise ValueError(f"FullyConnectedNet: y must have shape ({X.shape[0]},) like X's batch, got {y.shape}")
        scores, caches = self._forward_train(X, self.rng if rng is None else rng)
        loss, dscores = losses.softmax_loss(scores, y)
        grads = self._backward(dscores.astype(self.dtype, copy=False), caches)  # softmax_loss computes in float64
        if self.reg:  # with reg = 0 the penalty and its gradient are zero: no pass over the weights for them
            weights = [f"W{i}" for i in range(1, self.num_layers + 1)]
            loss += 0.5 * self.reg * sum(float(np.sum(self.params[w] ** 2)) for w in weights)
            for w in weights:  # the backward walk's own new arrays: added to in place
                grads[w] += self.reg * self.params[w]
        grads = {k: grads[k].astype(self.dtype, copy=False) for k in self.params}
        return float(loss), grads

    def predict(self, X: np.ndarray) -> np.ndarray:
        """Predicted labels (N,), the argmax of the test-mode scores of X (N, d1, ..., dk)."""
        return predict(self, X)

    def hidden(self, X: np.ndarray, layer: int = 1) -> np.ndarray:
        """The activations of one hidden layer (after its nonlinearity), in test mode.

        Inputs: X (N, d1, ..., dk); layer: 1..len(hidden_dims).
        Returns: (N, H_layer) array in the net's dtype.

        Notes: the last layer is a linear classifier on these activations, so plotting them
        shows the space the net has learned to make (nearly) linearly separable (notebook 03).
        """
        if isinstance(layer, bool) or not isinstance(layer, Integral) or not 1 <= layer < self.num_layers:
            raise ValueError(f"FullyConnectedNet.hidden: layer must be in 1..{self.num_layers - 1}, got {layer!r}")
        return self._forward_test(self._check_input(X), upto=layer)


def predict(model: Any, X: np.ndarray, *, batch_size: int = 1000) -> np.ndarray:
    """Predicted labels (N,): the class with the highest test-mode score, in batches of batch_size."""
    X = np.asarray(X)
    if len(X) == 0:
        return np.zeros(0, dtype=np.int64)
    return np.concatenate(
        [np.argmax(model.scores(X[i : i + batch_size], train=False), axis=1) for i in range(0, len(X), batch_size)]
    )


def accuracy(model: Any, X: np.ndarray, y: np.ndarray) -> float:
    """Fraction of the N examples in X (N, ...) whose predicted label equals y (N,)."""
    y = np.asarray(y)
    if len(y) != len(X):
        raise ValueError(f"accuracy: X has {len(X)} examples but y has {len(y)}")
    return float(np.mean(predict(model, X) == y))


def linear_predict(W: np.ndarray, X: np.ndarray) -> np.ndarray:
    """Labels (N,) of a linear classifier with weights W (D, C) on X (N, D): the argmax of X @ W per row.

    Notes: each row of the scores X @ W (N, C) belongs to one example, so the predicted class is
    the index of the largest score along axis 1. The reference of notebook 02's ``predict``.
    """
    return np.argmax(np.asarray(X) @ np.asarray(W), axis=1)
