"""Weight initialization, and what it does to the signal in a deep net, forward and backward.

Introduced in notebook 05 (the lecture's experiment: unit-Gaussian data through ten layers of
500 units with weights of std 0.01, 1.0, Xavier and He); notebook 04 uses
:func:`gradient_norms` for the vanishing gradients of deep sigmoid nets.

Every weight matrix is drawn as ``rng.standard_normal((fan_in, fan_out)) * scale(init, fan_in, fan_out)``,
layer after layer from the same generator, with no biases: the experiments look at the weights
alone.

Notes
-----
A layer's pre-activation is a sum of fan_in products, so its variance is fan_in * var(w) times
the variance coming in. 'xavier' (1/sqrt(fan_in)) makes that factor 1; a ReLU zeroes half of its
inputs and halves the variance, which He (sqrt(2/fan_in)) puts back. Anything smaller shrinks
the signal geometrically with depth, anything larger saturates a tanh or blows up a ReLU.

The course's 'xavier' is the lecture's form, 1/sqrt(fan_in), which is LeCun's (1998); Glorot and
Bengio's (2010) own formula averages the two directions, sqrt(2/(fan_in + fan_out)), because the
backward pass multiplies by W.T and so keeps the gradient's variance when var(w) = 1/fan_out.
Both are here: 'xavier' and 'glorot'. They agree on square layers (fan_in == fan_out).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from numbers import Real
from typing import Any, NamedTuple

import numpy as np

from . import layers
from .timing import one_blas_thread

__all__ = [
    "INITS",
    "scale",
    "init_weights",
    "Pass",
    "forward_pass",
    "forward_stats",
    "backward_stats",
    "gradient_stats",
    "Experiment",
    "deep_experiment",
    "deep_experiments",
    "gradient_norms",
]

# name -> the weight std as a function of (fan_in, fan_out)
INITS = {
    "small": lambda fan_in, fan_out: 0.01,
    "large": lambda fan_in, fan_out: 1.0,
    "xavier": lambda fan_in, fan_out: 1.0 / np.sqrt(fan_in),  # the lecture's and LeCun's form
    "glorot": lambda fan_in, fan_out: np.sqrt(2.0 / (fan_in + fan_out)),  # Glorot and Bengio's own
    "he": lambda fan_in, fan_out: np.sqrt(2.0 / fan_in),
}


def scale(init: str | float, fan_in: int, fan_out: int | None = None) -> float:
    """The standard deviation of a layer's weights.

    Inputs: init, one of 'small' (0.01), 'large' (1.0), 'xavier' (1/sqrt(fan_in), the lecture's
    and LeCun's form), 'glorot' (sqrt(2/(fan_in + fan_out)), Glorot and Bengio's), 'he'
    (sqrt(2/fan_in)), or a positive number used as it is; fan_in and fan_out, the layer's numbers
    of inputs and outputs (fan_out is needed by 'glorot' only).
    """
    if isinstance(init, Real) and not isinstance(init, bool):
        if not init > 0:
            raise ValueError(f"init: a numeric init is the weights' std and must be > 0, got {init!r}")
        return float(init)
    if init not in INITS:
        raise ValueError(f"init: unknown init {init!r}; expected one of {', '.join(map(repr, INITS))} or a number")
    if init == "glorot" and fan_out is None:
        raise ValueError(
            "init: 'glorot' needs the layer's fan_out as well as its fan_in: scale('glorot', fan_in, fan_out)"
        )
    return float(INITS[init](fan_in, fan_out))


def init_weights(dims: Sequence[int], *, init: str | float, rng: np.random.Generator) -> list[np.ndarray]:
    """Weights for the layers between consecutive sizes in dims, e.g. [500, 500, 500] -> 2 matrices.

    Returns: a list of (dims[i], dims[i + 1]) arrays, drawn in order from rng.
    """
    return [
        rng.standard_normal((fan_in, fan_out)) * scale(init, fan_in, fan_out)
        for fan_in, fan_out in zip(dims[:-1], dims[1:])
    ]


class Pass(NamedTuple):
    """One forward pass through a stack of hidden layers: weights, activations, caches."""

    weights: list[np.ndarray]
    activations: list[np.ndarray]  # (N, H_i) after each layer's nonlinearity
    caches: list[Any]  # (affine cache, activation cache) per layer
    activation: str = "tanh"  # the nonlinearity's name in layers.ACTIVATIONS


def _activation(name: str) -> tuple[Callable[..., Any], Callable[..., Any]]:
    if name not in layers.ACTIVATIONS:
        known = ", ".join(map(repr, layers.ACTIVATIONS))
        raise ValueError(f"init: unknown activation {name!r}; expected one of {known}")
    return layers.ACTIVATIONS[name]


def forward_pass(
    X: np.ndarray, hidden_dims: Sequence[int], *, init: str | float, activation: str = "tanh", rng: np.random.Generator
) -> Pass:
    """Push X (N, D) through len(hidden_dims) layers of affine (no bias) then activation.

    The weights are drawn from rng with :func:`init_weights`; returns a :class:`Pass`.
    """
    X = _as_batch(X)
    _activation(activation)
    return _forward(X, init_weights([X.shape[1], *hidden_dims], init=init, rng=rng), activation)


def _as_batch(X: np.ndarray) -> np.ndarray:
    X = np.asarray(X, dtype=np.float64)
    if X.ndim != 2:
        raise ValueError(f"init: X must be (N, D), got shape {X.shape}")
    return X


def _forward(X: np.ndarray, weights: list[np.ndarray], activation: str) -> Pass:
    """:func:`forward_pass` with the weights given."""
    forward = _activation(activation)[0]
    h, activations, caches = X, [], []
    with one_blas_thread():  # as in train.train: faster for these sizes, and steady on a busy machine
        for W in weights:
            a, affine_cache = layers.affine_forward(h, W, np.zeros(W.shape[1]))
            h, activation_cache = forward(a)
            activations.append(h)
            caches.append((affine_cache, activation_cache))
    return Pass(weights, activations, caches, activation)


def forward_stats(
    X: np.ndarray, hidden_dims: Sequence[int], *, init: str | float, activation: str = "tanh", rng: np.random.Generator
) -> list[tuple[float, float]]:
    """(mean, std) of each hidden layer's activations over all units and examples.

    Inputs: X (N, D); hidden_dims, e.g. [500] * 10; init as in :func:`scale`; activation, a
    name in layers.ACTIVATIONS; rng, the generator the weights are drawn from.
    """
    return [
        (float(h.mean()), float(h.std()))
        for h in forward_pass(X, hidden_dims, init=init, activation=activation, rng=rng).activations
    ]


def gradient_stats(
    X: np.ndarray, hidden_dims: Sequence[int], *, init: str | float, activation: str = "tanh", rng: np.random.Generator
) -> list[tuple[float, float]]:
    """The backward pass of the same experiment: per hidden layer, (std of dL/dh, std of dL/dW).

    The loss is a random linear read-out of the last layer, L = sum(h_L * G) with G drawn from
    rng after the weights (unit Gaussian, h_L's shape), so dL/dh_L = G and every layer below
    gets what the chain rule sends it. Layer i's dL/dh is the gradient reaching its output; its
    dL/dW = h_{i-1}^T (dL/dh_i * local gradient) is what an update would use.
    """
    return backward_stats(forward_pass(X, hidden_dims, init=init, activation=activation, rng=rng), rng=rng)


def backward_stats(run: Pass, *, rng: np.random.Generator) -> list[tuple[float, float]]:
    """:func:`gradient_stats` of a forward pass already made: (std of dL/dh, std of dL/dW) per layer.

    G, the read-out's weights (dL/dh of the last layer), is drawn from rng.
    """
    return _backward_stats(run, rng.standard_normal(run.activations[-1].shape))


def _backward_stats(run: Pass, G: np.ndarray) -> list[tuple[float, float]]:
    """:func:`backward_stats` with the read-out G given.

    Notes: the first layer's dL/dx, the gradient with respect to the data, is not computed: no
    statistic uses it, and it would cost a matrix product as large as the others.
    """
    backward = _activation(run.activation)[1]
    dh, stats = G, []
    with one_blas_thread():
        for i, (affine_cache, activation_cache) in reversed(list(enumerate(run.caches))):
            da = backward(dh, activation_cache)
            if i:
                dx, dW, _ = layers.affine_backward(da, affine_cache)
            else:  # the first layer: affine_backward's dw without its dx (dL/dX, used by nothing)
                dx, dW = dh, layers.weights_grad(affine_cache.x.reshape(len(affine_cache.x), -1), da)
            stats.append((float(dh.std()), float(dW.std())))
            dh = dx
    return stats[::-1]


class Experiment(NamedTuple):
    """The deep-net experiment over seeds (see :func:`deep_experiment`)."""

    forward: np.ndarray  # (S, L, 2): per seed and hidden layer, mean and std of the activations
    backward: np.ndarray  # (S, L, 2): per seed and hidden layer, std of dL/dh and of dL/dW
    activations: list[np.ndarray]  # the first seed's activations, (N, H_i) per layer (for histograms)


def deep_experiment(
    hidden_dims: Sequence[int],
    *,
    init: str | float,
    activation: str = "tanh",
    num_examples: int = 1000,
    input_dim: int | None = None,
    seeds: Sequence[int] = (0, 1, 2),
) -> Experiment:
    """The lecture's experiment, forward and backward, once per seed.

    For each seed, a generator default_rng(seed) draws the data X (num_examples, input_dim;
    input_dim defaults to hidden_dims[0]) as unit Gaussians, then the weights
    (:func:`forward_pass`), then the read-out G of :func:`backward_stats`. Returns an
    :class:`Experiment`: the per-layer statistics of every seed, and the activations of the
    first seed only (a 10-layer run of 1000 x 500 holds 40 MB of them).
    """
    (experiment,) = deep_experiments(
        hidden_dims, [(init, activation)], num_examples=num_examples, input_dim=input_dim, seeds=seeds
    ).values()
    return experiment


def deep_experiments(
    hidden_dims: Sequence[int],
    configs: Sequence[tuple[str | float, str]],
    *,
    num_examples: int = 1000,
    input_dim: int | None = None,
    seeds: Sequence[int] = (0, 1, 2),
) -> dict[str, Experiment]:
    """:func:`deep_experiment` for each (init, activation) of configs, keyed "init / activation".

    Returns: label -> :class:`Experiment`, each the same as ``deep_experiment(hidden_dims,
    init=init, activation=activation, ...)`` gives.

    Notes: for one seed, every config draws the same unit Gaussians in the same order (the data,
    each layer's weights before they are scaled, the read-out G); only the scale of the weights
    differs. So they are drawn once per seed and shared by the configs: drawing 10 matrices of
    500 x 500 costs about a fifth of a config's forward and backward passes.
    """
    if not seeds:
        raise ValueError("deep_experiment: seeds is empty")
    for init, activation in configs:
        scale(init, 1, 1)
        _activation(activation)
    dims = [input_dim or hidden_dims[0], *hidden_dims]
    forward: dict[str, list] = {f"{init} / {act}": [] for init, act in configs}
    if len(forward) != len(configs):
        raise ValueError(f"deep_experiments: a config appears twice in {list(configs)}")
    backward: dict[str, list] = {label: [] for label in forward}
    first: dict[str, list[np.ndarray]] = {}
    for seed in seeds:
        rng = np.random.default_rng(seed)
        X = _as_batch(rng.standard_normal((num_examples, dims[0])))
        unit = [rng.standard_normal((fan_in, fan_out)) for fan_in, fan_out in zip(dims[:-1], dims[1:])]
        G = rng.standard_normal((num_examples, dims[-1]))
        for (init, activation), label in zip(configs, forward):
            # as init_weights draws them: rng.standard_normal((fan_in, fan_out)) * scale
            weights = [Z * scale(init, *Z.shape) for Z in unit]
            run = _forward(X, weights, activation)
            forward[label].append([(float(h.mean()), float(h.std())) for h in run.activations])
            backward[label].append(_backward_stats(run, G))
            first.setdefault(label, run.activations)
            del run
    return {label: Experiment(np.array(forward[label]), np.array(backward[label]), first[label]) for label in forward}


def gradient_norms(net: Any, X: np.ndarray, y: np.ndarray, *, param: str = "b") -> np.ndarray:
    """The norm of the loss's gradient for each layer's parameter of one kind, first layer first.

    Inputs: net, a models.FullyConnectedNet; X (N, ...), y (N,): a batch; param, 'b' (the
    biases: Nielsen's measure of how fast a layer learns, the norm of its error δ) or 'W'.
    Returns: (L,) array, L = net.num_layers (the last entry is the output layer).
    """
    _, grads = net.loss(X, y)
    return np.array([np.linalg.norm(grads[f"{param}{i}"]) for i in range(1, net.num_layers + 1)])
