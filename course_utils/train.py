"""The training loop: mini-batches, an update rule per parameter, a history, a progress line.

Introduced in notebook 02 (a linear classifier trained on digits) and used by every later
notebook to train nets.

A model is anything with a ``params`` dict of arrays and a ``loss`` method:
``model.loss(X)`` returns the scores (N, C) and ``model.loss(X, y)`` returns
``(loss, grads)`` with ``grads`` keyed like ``params`` (as :class:`LinearClassifier` here and
``models.FullyConnectedNet`` do).

Notes
-----
The loop owns nothing but the bookkeeping: the model computes loss and gradients, the update
rule (a function of :mod:`course_utils.optim`) turns a gradient into a new parameter, and the
loop writes that new array back into ``model.params`` explicitly, keeping one rule state per
parameter. So the same loop trains a linear classifier and a ten-layer net with any rule.
"""
from __future__ import annotations

import sys
import time
from dataclasses import dataclass, field
from typing import Any, Callable

import numpy as np

from . import losses, optim

__all__ = ["History", "LinearClassifier", "train", "predict", "accuracy"]


@dataclass
class History:
    """What happened during training.

    - loss: (T,) the mini-batch loss at each of the T iterations.
    - train_acc, val_acc: (E + 1,) accuracy before training and after each of the E epochs
      (train accuracy on a fixed subsample; val_acc is empty without validation data).
    - iterations_per_epoch: iterations in one pass over the training set.
    - update_ratio: for each parameter, (T,) the ratio norm(update) / norm(parameter) at
      each iteration (about 1e-3 is healthy, notebook 09).
    - diverged: True if the loss became inf or nan and training stopped early.
    """

    loss: np.ndarray
    train_acc: np.ndarray
    val_acc: np.ndarray
    iterations_per_epoch: int
    update_ratio: dict[str, np.ndarray] = field(default_factory=dict)
    diverged: bool = False

    @property
    def epochs(self) -> np.ndarray:
        """(E + 1,) the epoch numbers 0..E at which the accuracies were measured."""
        return np.arange(len(self.train_acc))


class LinearClassifier:
    """A linear classifier scores = X W + b, trained with the SVM or the softmax loss.

    Inputs:
    - input_dim: D; num_classes: C.
    - loss: ``"softmax"`` or ``"svm"``; reg: L2 strength (on W, not b).
    - weight_scale: std of the initial weights; seed: seed of their generator.

    ``params`` holds ``W`` (D, C) and ``b`` (C,). ``loss(X)`` returns the scores (N, C);
    ``loss(X, y)`` returns ``(loss, {"W": dW, "b": db})``.

    Notes: a one-layer net: scores, then :func:`losses.svm_loss` or :func:`losses.softmax_loss`,
    then back through the product. Introduced in notebook 02; notebook 03 uses it as the
    baseline a hidden layer beats.
    """

    def __init__(self, input_dim: int, num_classes: int, *, loss: str = "softmax", reg: float = 0.0,
                 weight_scale: float = 1e-3, seed: int = 0):
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

    def loss(self, X: np.ndarray, y: np.ndarray | None = None):
        W, b = self.params["W"], self.params["b"]
        X = np.asarray(X, dtype=np.float64).reshape(len(X), -1)
        scores = X @ W + b
        if y is None:
            return scores
        data_loss, dscores = self.score_loss(scores, y)
        loss = data_loss + 0.5 * self.reg * float(np.sum(W * W))
        return loss, {"W": X.T @ dscores + self.reg * W, "b": dscores.sum(axis=0)}


def predict(model: Any, X: np.ndarray, *, batch_size: int = 1000) -> np.ndarray:
    """Predicted labels (N,): the class with the highest score, in batches of batch_size."""
    X = np.asarray(X)
    if len(X) == 0:
        return np.zeros(0, dtype=np.int64)
    return np.concatenate([np.argmax(model.loss(X[i:i + batch_size]), axis=1)
                           for i in range(0, len(X), batch_size)])


def accuracy(model: Any, X: np.ndarray, y: np.ndarray) -> float:
    """Fraction of the N examples in X (N, ...) whose predicted label equals y (N,)."""
    y = np.asarray(y)
    if len(y) != len(X):
        raise ValueError(f"accuracy: X has {len(X)} examples but y has {len(y)}")
    return float(np.mean(predict(model, X) == y))


def train(
    model: Any,
    X_train: np.ndarray,
    y_train: np.ndarray,
    X_val: np.ndarray | None = None,
    y_val: np.ndarray | None = None,
    *,
    rule: Callable = optim.sgd,
    hyper: dict[str, float] | None = None,
    num_epochs: int = 10,
    batch_size: int = 100,
    lr_decay: float = 1.0,
    num_train_samples: int = 1000,
    rng: np.random.Generator,
    verbose: bool = True,
) -> History:
    """Train a model with mini-batch gradient descent; update model.params; return a History.

    Inputs:
    - model: has ``params`` (dict of arrays) and ``loss(X)`` / ``loss(X, y)`` (see module doc).
    - X_train: (N, ...) examples; y_train: (N,) int labels; X_val, y_val: optional validation set.
    - rule: an update rule of :mod:`course_utils.optim`; hyper: its keyword hyperparameters
      (e.g. ``dict(lr=1e-2, momentum=0.9)``); lr_decay: ``lr`` is multiplied by it after each epoch.
    - num_epochs: passes over the training set; batch_size: examples per iteration.
    - num_train_samples: size of the fixed subsample on which train accuracy is measured.
    - rng: generator for the shuffling and the subsample (training is reproducible from it).
    - verbose: show a progress line, updated in place; False prints nothing.
    Returns: a :class:`History`. The trained parameters are in ``model.params``.

    Notes: every epoch visits each example once in a new random order (the last batch may be
    smaller). Accuracy is measured once before training (epoch 0: chance level for a fresh
    model) and after each epoch; train accuracy on a subsample keeps that cheap on big sets.
    Training stops early when the loss is no longer finite, as it does when lr is far too big.
    """
    X_train, y_train = np.asarray(X_train), np.asarray(y_train)
    N = len(X_train)
    if N == 0 or len(y_train) != N:
        raise ValueError(f"train: X_train has {N} examples and y_train {len(y_train)}; need the same, > 0")
    if (X_val is None) != (y_val is None):
        raise ValueError("train: give both X_val and y_val, or neither")
    if batch_size < 1 or num_epochs < 0:
        raise ValueError(f"train: need batch_size >= 1 and num_epochs >= 0, got {batch_size}, {num_epochs}")
    hyper = dict(hyper or {})
    states: dict[str, Any] = {name: None for name in model.params}
    per_epoch = -(-N // batch_size)
    sample = rng.choice(N, size=min(N, num_train_samples), replace=False)
    loss_hist: list[float] = []
    ratios: dict[str, list[float]] = {name: [] for name in model.params}
    train_acc, val_acc = [], []
    progress = _Progress(num_epochs * per_epoch, num_epochs, verbose)

    def measure():
        train_acc.append(accuracy(model, X_train[sample], y_train[sample]))
        if X_val is not None:
            val_acc.append(accuracy(model, X_val, y_val))

    measure()
    diverged = False
    for epoch in range(num_epochs):
        order = rng.permutation(N)
        for start in range(0, N, batch_size):
            idx = order[start:start + batch_size]
            loss, grads = model.loss(X_train[idx], y_train[idx])
            loss_hist.append(float(loss))
            if not np.isfinite(loss):
                diverged = True
                break
            for name, w in model.params.items():
                next_w, states[name] = rule(w, grads[name], states[name], **hyper)
                ratios[name].append(float(np.linalg.norm(next_w - w) / max(np.linalg.norm(w), 1e-12)))
                model.params[name] = next_w
            progress.update(len(loss_hist), epoch, loss_hist, train_acc, val_acc)
        if diverged:
            break
        measure()
        if "lr" in hyper:
            hyper["lr"] *= lr_decay
    progress.close(len(loss_hist), loss_hist, train_acc, val_acc, diverged)
    return History(
        loss=np.array(loss_hist), train_acc=np.array(train_acc), val_acc=np.array(val_acc),
        iterations_per_epoch=per_epoch,
        update_ratio={name: np.array(r) for name, r in ratios.items()}, diverged=diverged,
    )


class _Progress:
    """A one-line text progress bar, redrawn in place with '\\r' at most every 0.1 s."""

    def __init__(self, total: int, num_epochs: int, verbose: bool, width: int = 20):
        self.total, self.num_epochs, self.verbose, self.width = max(total, 1), num_epochs, verbose, width
        self.start = self.last = time.perf_counter()
        self.epoch, self.shown = 0, 0

    def _write(self, text: str) -> None:
        sys.stdout.write("\r" + text.ljust(self.shown))
        self.shown = len(text)

    def _line(self, it, loss_hist, train_acc, val_acc) -> str:
        filled = int(self.width * it / self.total)
        bar = "#" * filled + "." * (self.width - filled)
        recent = np.mean(loss_hist[-10:]) if loss_hist else float("nan")
        accs = f"  train acc {train_acc[-1]:.3f}" if train_acc else ""
        accs += f"  val acc {val_acc[-1]:.3f}" if val_acc else ""
        return (f"[{bar}] epoch {self.epoch}/{self.num_epochs}  iter {it}/{self.total}  loss {recent:.4f}{accs}  {time.perf_counter() - self.start:.1f}s")

    def update(self, it, epoch, loss_hist, train_acc, val_acc) -> None:
        self.epoch = epoch + 1
        now = time.perf_counter()
        if self.verbose and now - self.last >= 0.1:
            self.last = now
            self._write(self._line(it, loss_hist, train_acc, val_acc))
            sys.stdout.flush()

    def close(self, it, loss_hist, train_acc, val_acc, diverged) -> None:
        if self.verbose:
            end = "  (stopped: the loss is not finite)" if diverged else ""
            self._write(self._line(it, loss_hist, train_acc, val_acc) + end)
            sys.stdout.write("\n")
            sys.stdout.flush()
