"""The training loop: mini-batches, an update rule per parameter, a history, a progress bar.

Introduced in notebook 02 (a linear classifier trained on digits) and used by every later
notebook to train nets. :func:`minibatch_sgd` is the bare loop of notebook 02's exercise (the
weights W of a linear classifier and a loss function, nothing else), before :func:`train` takes over.

A model is anything with the interface of :mod:`course_utils.models`: a ``params`` dict of
arrays, ``loss(X, y)`` returning ``(loss, grads)`` in train mode with ``grads`` keyed like
``params``, and ``scores(X, train=False)`` for the test-mode scores that accuracy is measured on.

Notes
-----
The loop owns nothing but the bookkeeping: the model computes loss and gradients, the update
rule (a function of :mod:`course_utils.optim`) turns a gradient into a new parameter, and the
loop writes that new array back into ``model.params`` explicitly, keeping one rule state per
parameter. So the same loop trains a linear classifier and a ten-layer net with any rule.
"""

from __future__ import annotations

import inspect
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from . import optim
from .models import accuracy
from .timing import one_blas_thread

__all__ = ["History", "train", "minibatch_sgd"]


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
    - lr: (T,) the learning rate used at each iteration (empty if the rule has none).
    - average: with ``polyak=beta``, the running average of the parameters, keyed like params
      (empty otherwise): avg = beta * avg + (1 - beta) * w after every update.
    """

    loss: np.ndarray
    train_acc: np.ndarray
    val_acc: np.ndarray
    iterations_per_epoch: int
    update_ratio: dict[str, np.ndarray] = field(default_factory=dict)
    diverged: bool = False
    lr: np.ndarray = field(default_factory=lambda: np.zeros(0))
    average: dict[str, np.ndarray] = field(default_factory=dict)

    @property
    def epochs(self) -> np.ndarray:
        """(E + 1,) the epoch numbers 0..E at which the accuracies were measured."""
        return np.arange(len(self.train_acc))


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
    schedule: Callable[[int], float] | None = None,
    polyak: float | None = None,
    num_train_samples: int = 1000,
    rng: np.random.Generator,
    verbose: bool = True,
) -> History:
    """Train a model with mini-batch gradient descent; update model.params; return a History.

    Inputs:
    - model: has ``params`` (dict of arrays) and ``loss(X)`` / ``loss(X, y)`` (see module doc).
    - X_train: (N, ...) examples; y_train: (N,) int labels; X_val, y_val: optional validation set.
    - rule: an update rule of :mod:`course_utils.optim`; hyper: its keyword hyperparameters
      (e.g. ``dict(lr=1e-2, momentum=0.9)``); lr_decay: ``lr`` is multiplied by it after each epoch
      (the rule's default ``lr`` when ``hyper`` has none); schedule: a function iteration -> lr
      (see optim's schedules) that sets ``lr`` before every iteration, instead of lr_decay.
    - polyak: a decay beta in (0, 1) to keep a running average of the parameters in
      ``History.average`` (use it with ``model.params = history.average``); None keeps none.
    - num_epochs: passes over the training set; batch_size: examples per iteration.
    - num_train_samples: size of the fixed subsample on which train accuracy is measured.
    - rng: generator for the shuffling and the subsample (training is reproducible from it).
    - verbose: show a progress bar (a live bar in a notebook, a line redrawn in place in a
      terminal) with the epoch, the recent loss and the accuracies; False shows nothing.
    Returns: a :class:`History`. The trained parameters are in ``model.params``.

    Notes: every epoch visits each example once in a new random order (the last batch may be
    smaller). Accuracy is measured once before training (epoch 0: chance level for a fresh
    model) and after each epoch; train accuracy on a subsample keeps that cheap on big sets.
    Training stops early when the loss is no longer finite, as it does when lr is far too big.
    The loop runs with numpy's BLAS on one thread: the course's nets multiply matrices of a
    few hundred rows and columns at most, too small for a second thread to pay for its
    hand-offs, and on a machine busy with other work the threads wait for each other (the
    measurements on notebook 06's nets: benchmarks/README.md).
    """
    X_train, y_train = np.asarray(X_train), np.asarray(y_train)
    N = len(X_train)
    check_arguments("train", X_train, y_train, X_val, y_val, batch_size, num_epochs, polyak)
    hyper = dict(hyper or {})
    if schedule is not None and lr_decay != 1.0:
        raise ValueError("train: give either schedule or lr_decay, not both")
    if lr_decay != 1.0 and "lr" not in hyper:
        hyper["lr"] = _default_lr(rule)
    average = {name: w.copy() for name, w in model.params.items()} if polyak else {}
    lrs: list[float] = []
    states: dict[str, Any] = dict.fromkeys(model.params)
    per_epoch = -(-N // batch_size)
    sample = rng.choice(N, size=min(N, num_train_samples), replace=False)
    X_sample, y_sample = X_train[sample], y_train[sample]  # taken once: measured after every epoch
    loss_hist: list[float] = []
    ratios: dict[str, list[float]] = {name: [] for name in model.params}
    train_acc, val_acc = [], []
    bar = _progress_bar(num_epochs * per_epoch) if verbose else None

    def measure() -> None:
        train_acc.append(accuracy(model, X_sample, y_sample))
        if X_val is not None and y_val is not None:
            val_acc.append(accuracy(model, X_val, y_val))

    with one_blas_thread():  # see Notes
        measure()
        diverged = False
        for epoch in range(num_epochs):
            order = rng.permutation(N)
            for start in range(0, N, batch_size):
                idx = order[start : start + batch_size]
                loss, grads = model.loss(X_train[idx], y_train[idx])
                loss_hist.append(float(loss))
                if not math.isfinite(loss_hist[-1]):
                    diverged = True
                    break
                if schedule is not None:
                    hyper["lr"] = float(schedule(len(loss_hist) - 1))
                if "lr" in hyper:
                    lrs.append(float(hyper["lr"]))
                for name, w in model.params.items():
                    next_w, states[name] = rule(w, grads[name], states[name], **hyper)
                    ratios[name].append(float(_norm(next_w - w) / max(_norm(w), 1e-12)))
                    model.params[name] = next_w
                    if polyak:
                        average[name] = polyak * average[name] + (1 - polyak) * next_w
                if bar is not None:
                    bar.set_postfix_str(_status(epoch, num_epochs, loss_hist, train_acc, val_acc), refresh=False)
                    bar.update()
            if diverged:
                break
            measure()
            if "lr" in hyper and schedule is None:
                hyper["lr"] *= lr_decay
    if bar is not None:
        if diverged:
            bar.set_postfix_str("stopped: the loss is not finite", refresh=False)
        else:
            bar.set_postfix_str(_status(num_epochs - 1, num_epochs, loss_hist, train_acc, val_acc), refresh=False)
        bar.close()
    return History(
        loss=np.array(loss_hist),
        train_acc=np.array(train_acc),
        val_acc=np.array(val_acc),
        iterations_per_epoch=per_epoch,
        update_ratio={name: np.array(r) for name, r in ratios.items()},
        diverged=diverged,
        lr=np.array(lrs),
        average=average,
    )


def _norm(a: np.ndarray) -> Any:
    """np.linalg.norm(a) of a real float array, the same number, without the general function's argument handling.

    Notes: the update ratio takes two norms per parameter and step; for the small arrays of a
    linear classifier, np.linalg.norm's checks cost more than the sum itself. This is its own
    path for ``ord=None``: ravel, dot, sqrt.
    """
    a = np.asarray(a)
    if a.dtype.kind != "f":
        return np.linalg.norm(a)
    x = a.ravel(order="K")
    return np.sqrt(x.dot(x))


def check_arguments(
    func: str,
    X_train: np.ndarray,
    y_train: np.ndarray,
    X_val: np.ndarray | None,
    y_val: np.ndarray | None,
    batch_size: int,
    num_epochs: int,
    polyak: float | None,
) -> None:
    """The checks of train's arguments, each failure a ValueError that names func and says how to fix it."""
    N = len(X_train)
    if N == 0 or len(y_train) != N:
        raise ValueError(f"{func}: X_train has {N} examples and y_train {len(y_train)}; need the same, > 0")
    if (X_val is None) != (y_val is None):
        raise ValueError(f"{func}: give both X_val and y_val, or neither")
    if batch_size < 1 or num_epochs < 0:
        raise ValueError(f"{func}: need batch_size >= 1 and num_epochs >= 0, got {batch_size}, {num_epochs}")
    if polyak is not None and not 0 < polyak < 1:
        raise ValueError(f"{func}: polyak is the averaging decay, in (0, 1), got {polyak!r}")


def _progress_bar(total: int) -> Any:  # a tqdm bar (tqdm ships no annotations)
    """A tqdm progress bar of ``total`` steps: a widget in a notebook, text in a terminal.

    tqdm is imported here, not with this module: in a kernel ``tqdm.auto`` imports ipywidgets,
    which a notebook that trains silently (or only imports the checks) need not pay for."""
    from tqdm.auto import tqdm

    return tqdm(total=total, desc="training", unit="it", mininterval=0.1, leave=True, dynamic_ncols=True)


def _status(epoch: int, num_epochs: int, loss_hist: list, train_acc: list, val_acc: list) -> str:
    """The text beside the progress bar: epoch, mean loss of the last 10 steps, accuracies."""
    recent = np.mean(loss_hist[-10:]) if loss_hist else float("nan")
    text = f"epoch {epoch + 1}/{num_epochs}, loss {recent:.4f}"
    text += f", train acc {train_acc[-1]:.3f}" if train_acc else ""
    return text + (f", val acc {val_acc[-1]:.3f}" if val_acc else "")


def _default_lr(rule: Callable) -> float:
    """The default learning rate of an update rule, for lr_decay when hyper gives none."""
    try:
        default = inspect.signature(rule).parameters["lr"].default
    except (KeyError, TypeError, ValueError):
        default = inspect.Parameter.empty
    if default is inspect.Parameter.empty:
        raise ValueError(
            f"train: lr_decay needs a learning rate to decay: give hyper=dict(lr=...) for "
            f"{getattr(rule, '__name__', rule)!r}"
        )
    return float(default)


def minibatch_sgd(
    loss_fn: Callable,
    W: np.ndarray,
    X: np.ndarray,
    y: np.ndarray,
    lr: float,
    reg: float,
    num_iters: int,
    batch_size: int,
    rng: np.random.Generator,
) -> tuple[np.ndarray, np.ndarray]:
    """Mini-batch stochastic gradient descent on the weights of a linear classifier.

    Inputs:
    - loss_fn: ``loss_fn(W, X_batch, y_batch, reg) -> (loss, dW)``, e.g. ``losses.linear_svm_loss``.
    - W: (D, C) initial weights (not modified); X: (N, D) training examples; y: (N,) int labels.
    - lr: learning rate; reg: regularization strength, passed on to loss_fn.
    - num_iters: number of updates; batch_size: B, examples per mini-batch.
    - rng: the generator the mini-batches are drawn from.
    Returns: (W, loss_history): the weights after num_iters updates, (D, C), and the loss of
    the mini-batch at each iteration, (num_iters,), measured before that iteration's update.

    Notes: the four steps of every training loop in this course: sample a mini-batch (B
    indices drawn with replacement, ``rng.choice(N, B)``), forward (the loss on that batch),
    backward (its gradient dW), update (``W -= lr * dW``: a small step against the gradient).
    The reference of notebook 02's ``train_sgd`` exercise.
    """
    W = np.array(W, dtype=np.float64, copy=True)
    X, y = np.asarray(X), np.asarray(y)
    loss_history = np.zeros(num_iters)
    for it in range(num_iters):
        idx = rng.choice(len(X), size=batch_size)
        loss, dW = loss_fn(W, X[idx], y[idx], reg)
        W -= lr * dW
        loss_history[it] = loss
    return W, loss_history
