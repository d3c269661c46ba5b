"""Training a sweep of nets at once: seeds, learning rates, weight scales, activations, side by side.

:func:`train_stacked` trains K nets as :func:`course_utils.train.train` trains each of them,
and returns one :class:`~course_utils.train.History` per net; nets of one architecture are
trained together as a :class:`~course_utils.stacked.StackedNets`. The notebooks' experiments
over several seeds and learning rates (notebooks 04 to 09) train their nets with it.

Notes
-----
The result is the same nets as training each alone with ``train.train``: each net draws the
order of its mini-batches and its train-accuracy subsample from its own generator, in the
order ``train`` draws them, takes its own learning rate or schedule, and leaves the stack when
its loss stops being finite, as ``train`` stops. ``tests/test_stacked.py`` trains sweeps both
ways and compares weights, loss histories, accuracies and predictions.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np

from . import optim
from .models import FullyConnectedNet
from .stacked import StackedNets, _check_labels
from .timing import one_blas_thread
from .train import History, _default_lr, _progress_bar, check_arguments

__all__ = ["train_stacked"]


def train_stacked(
    nets: Sequence[FullyConnectedNet],
    X_train: np.ndarray,
    y_train: np.ndarray,
    X_val: np.ndarray | None = None,
    y_val: np.ndarray | None = None,
    *,
    rngs: Sequence[np.random.Generator],
    rule: Callable = optim.sgd,
    hyper: Mapping[str, float | Sequence[float]] | None = None,
    num_epochs: int = 10,
    batch_size: int = 100,
    lr_decay: float = 1.0,
    schedule: Callable[[int], float] | Sequence[Callable[[int], float] | None] | None = None,
    polyak: float | None = None,
    num_train_samples: int = 1000,
    train_accuracy: bool = True,
    verbose: bool = True,
) -> list[History]:
    """Train K nets at once, each as ``train.train(nets[k], ..., rng=rngs[k])`` would; one History per net.

    Inputs:
    - nets: K FullyConnectedNet, each with its own seed or weights, activation, reg and p_drop.
      Nets of one architecture (hidden_dims, input_dim, num_classes, normalization, dtype) are
      trained as :class:`StackedNets`, as many per stack as fit the cache (see ``_stacks``).
      Their params (and batchnorm's running averages) are replaced by the trained ones.
    - X_train (N, D), y_train (N,), X_val, y_val: as for :func:`course_utils.train.train`, shared.
    - rngs: K generators, net k's shuffling and train-accuracy subsample, as ``rng`` of train.
    - rule, num_epochs, batch_size, lr_decay, polyak, num_train_samples, verbose: as for train.
      The rule must be elementwise, as every rule of :mod:`course_utils.optim` is: it steps all
      the parameters of a stack at once, as one (K, P) array.
    - train_accuracy: False leaves History.train_acc empty, to save measuring what a sweep does
      not use; the subsample is drawn all the same, so the batches are those train draws.
    - hyper: the rule's hyperparameters; a value is one number for every net or a sequence of K,
      one per net (``dict(lr=[0.01, 0.1, 1.0], momentum=0.9)``).
    - schedule: as for train, a function iteration -> lr that sets every net's ``lr`` before each
      iteration, instead of lr_decay; or a sequence of K such functions, one per net, where None
      leaves that net at its ``lr`` of hyper (a constant learning rate), so that nets with
      different schedules train side by side.
    Returns: a list of K :class:`~course_utils.train.History`, in the order of nets.

    Notes: the nets of a stack take their steps together; a net whose loss stops being finite
    leaves the stack at that step (its History says ``diverged``) and the rest go on. The
    matrix products cost what they cost one net at a time; what a stack saves is the rest of
    each step, the Python calls and small array operations that dominate for nets this small.
    Nets of different architectures go in different stacks, one stack after another.
    """
    nets, K = list(nets), len(nets)
    X_train, y_train = np.asarray(X_train), np.asarray(y_train)
    if len(rngs) != K or len({id(r) for r in rngs}) != K or len({id(n) for n in nets}) != K:
        raise ValueError(
            f"train_stacked: give different nets and a generator of its own for each: got {K} nets "
            f"({len({id(n) for n in nets})} different) and {len(rngs)} rngs ({len({id(r) for r in rngs})} different)"
        )
    check_arguments("train_stacked", X_train, y_train, X_val, y_val, batch_size, num_epochs, polyak)
    schedules = _schedules(schedule, K, lr_decay)
    hyper = dict(hyper or {})
    if lr_decay != 1.0 and "lr" not in hyper:
        hyper["lr"] = _default_lr(rule)
    per_model = {}  # name -> (K,) float64: the hyperparameters given one per net
    for name, value in hyper.items():
        if np.ndim(value) == 1 and np.size(value) == K:
            per_model[name] = np.array(value, dtype=np.float64)
        elif np.ndim(value) != 0:
            raise ValueError(
                f"train_stacked: hyper[{name!r}] must be a number or {K} numbers (one per net), got {value!r}"
            )
    by_architecture: dict[tuple, list[int]] = {}
    for k, net in enumerate(nets):
        by_architecture.setdefault(_architecture(net), []).append(k)
    groups = [group for members in by_architecture.values() for group in _stacks(members, nets[members[0]], batch_size)]
    histories: list[Any] = [None] * K
    T = num_epochs * -(-len(X_train) // batch_size)
    bar = _progress_bar(T * len(groups)) if verbose else None
    with one_blas_thread():  # see train.train's Notes
        for members in groups:
            group_hyper = {name: per_model[name][members] if name in per_model else v for name, v in hyper.items()}
            trained = _train_stack(
                [nets[k] for k in members],
                X_train,
                y_train,
                X_val,
                y_val,
                rngs=[rngs[k] for k in members],
                rule=rule,
                hyper=group_hyper,
                num_epochs=num_epochs,
                batch_size=batch_size,
                lr_decay=lr_decay,
                schedules=None if schedules is None else [schedules[k] for k in members],
                polyak=polyak,
                num_train_samples=num_train_samples,
                train_accuracy=train_accuracy,
                bar=bar,
            )
            for k, history in zip(members, trained):
                histories[k] = history
    if bar is not None:
        bar.close()
    return histories


def _schedules(schedule: Any, K: int, lr_decay: float) -> list[Callable[[int], float] | None] | None:
    """train_stacked's schedule as K functions (None: that net's lr is constant), or None if no net has one."""
    if schedule is None:
        return None
    if lr_decay != 1.0:
        raise ValueError("train_stacked: give either schedule or lr_decay, not both")
    schedules = [schedule] * K if callable(schedule) else list(schedule) if isinstance(schedule, Sequence) else []
    if len(schedules) != K or not all(s is None or callable(s) for s in schedules):
        raise ValueError(
            f"train_stacked: schedule must be a function iteration -> lr or {K} of them (or None), one per net; "
            f"got {schedule!r}"
        )
    return None if all(s is None for s in schedules) else schedules


def _architecture(net: FullyConnectedNet) -> tuple:
    return tuple(net.hidden_dims), net.input_dim, net.num_classes, net.normalization, net.dtype


_CACHE_BUDGET = 4 << 20  # bytes of activations and caches a stack's step may touch: about twice a core's L2


def _stacks(members: list[int], net: FullyConnectedNet, batch_size: int) -> list[list[int]]:
    """members (nets of net's architecture) in stacks of about equal size, each within _CACHE_BUDGET.

    A step keeps about four arrays of batch_size x H per hidden layer (input, pre-activation,
    output, cache). While they stay in the cache, a bigger stack saves Python calls; past it, the
    step waits on memory instead, and a deep net at large batches trains faster a few at a time.
    """
    per_net = 4 * batch_size * (sum(net.hidden_dims) + net.num_classes) * net.dtype.itemsize
    size = max(1, _CACHE_BUDGET // per_net)
    count = -(-len(members) // size)
    return [list(part) for part in np.array_split(members, count)]


def _train_stack(
    nets: list[FullyConnectedNet],
    X_train: np.ndarray,
    y_train: np.ndarray,
    X_val: np.ndarray | None,
    y_val: np.ndarray | None,
    *,
    rngs: list[np.random.Generator],
    rule: Callable[..., tuple[np.ndarray, Any]],
    hyper: dict[str, Any],
    num_epochs: int,
    batch_size: int,
    lr_decay: float,
    schedules: list[Callable[[int], float] | None] | None,
    polyak: float | None,
    num_train_samples: int,
    train_accuracy: bool,
    bar: Any,
) -> list[History]:
    """train_stacked for nets of one architecture; hyper's per-net values are (K,) arrays.

    Notes: the rule steps every parameter of every net at once, on one (K, P) array that holds
    each net's P parameters in a row (the stack's params are views of it). The rules are
    elementwise, so each number is the one a call per parameter gives, and a step costs one
    call instead of one per parameter; the same goes for the update ratios' differences and
    for Polyak's average. With schedules, lr is a per-net value set before every iteration: the
    scheduled nets' from their functions, the others' from hyper, as train sets it.
    """
    K, N = len(nets), len(X_train)
    per_model = {name: v for name, v in hyper.items() if np.ndim(v)}
    hyper = {name: v for name, v in hyper.items() if not np.ndim(v)}
    given_lr = "lr" in hyper or "lr" in per_model
    records_lr = [given_lr or (schedules is not None and schedules[k] is not None) for k in range(K)]  # as train
    if schedules is not None:  # lr becomes a per-net value; a net without a schedule keeps the rule's default
        if not given_lr:
            hyper["lr"] = _default_lr(rule) if None in schedules else 0.0
        per_model["lr"] = np.broadcast_to(per_model.get("lr", hyper.pop("lr", 0.0)), (K,)).astype(np.float64)
    _check_labels(y_train, nets[0].num_classes, "train_stacked")
    stack = StackedNets(nets)
    layout = _Layout(stack.params)
    w = layout.join(stack.params)
    stack.params = layout.views(w)
    active = np.arange(K)  # the index in nets of each net still in the stack
    per_epoch = -(-N // batch_size)
    T = num_epochs * per_epoch
    loss_hist, counts = np.zeros((K, T)), np.zeros(K, dtype=int)
    ratios = np.zeros((len(layout.names), K, T))
    with_lr = "lr" in hyper or "lr" in per_model
    lr_hist = np.zeros((K, T))
    train_acc, val_acc = np.zeros((K, num_epochs + 1)), np.zeros((K, num_epochs + 1))
    epochs_done, diverged = np.zeros(K, dtype=int), np.zeros(K, dtype=bool)
    samples = np.stack([rng.choice(N, size=min(N, num_train_samples), replace=False) for rng in rngs])
    state: Any = None
    average = w.copy() if polyak else None
    final_average: dict[int, dict[str, np.ndarray]] = {}

    def measure(epoch: int) -> None:
        if train_accuracy:
            own = samples[active]
            train_acc[active, epoch] = stack.accuracy(np.take(X_train, own, axis=0), y_train[own])
        if X_val is not None and y_val is not None:
            val_acc[active, epoch] = stack.accuracy(X_val, y_val)

    def shaped(dtype: np.dtype) -> dict[str, Any]:
        """The rule's keywords for parameters of dtype: per-net values as a (K, 1) column in that dtype,
        as a Python float meets an array."""
        return {**hyper, **{n: v[active].astype(dtype).reshape(-1, 1) for n, v in per_model.items()}}

    def lr_now() -> Any:
        return per_model["lr"][active] if "lr" in per_model else hyper["lr"]

    measure(0)
    for epoch in range(num_epochs):
        orders = np.stack([rngs[k].permutation(N) for k in active])
        keywords, lr = shaped(w.dtype), lr_now() if with_lr else None
        for start in range(0, N, batch_size):
            idx = orders[:, start : start + batch_size]
            # the gradients go straight into one array like w's, unless a rule changed w's dtype
            g = np.empty_like(w) if w.dtype == stack.dtype else None
            # np.take gathers rows in about half the time of X_train[idx]
            loss, grads = stack._loss(
                np.take(X_train, idx, axis=0), y_train[idx], None if g is None else layout.views(g)
            )
            if g is None:
                g = layout.join(grads)
            t = counts[active]
            loss_hist[active, t] = loss
            counts[active] += 1
            bad = ~np.isfinite(loss)
            if bad.any():  # those nets stop here, before this step's update, as train.train stops
                diverged[active[bad]] = True
                keep = np.nonzero(~bad)[0]
                stack.unstack()
                if average is not None:
                    for j in np.nonzero(bad)[0]:
                        final_average[int(active[j])] = layout.copies(average, int(j))
                    average = average[keep]
                state = _take(state, keep)
                active, orders, t, w, g = active[keep], orders[keep], t[keep], w[keep], g[keep]
                if not len(active):
                    break
                stack = StackedNets([nets[k] for k in active])
                stack.params = layout.views(w)
                keywords, lr = shaped(w.dtype), lr_now() if with_lr else None
            if schedules is not None:  # lr set before every iteration, as train sets it
                own = [schedules[k] for k in active]
                lr = np.array([per_model["lr"][k] if f is None else float(f(int(t[0]))) for k, f in zip(active, own)])
                keywords["lr"] = lr.astype(w.dtype).reshape(-1, 1)
            if with_lr:
                lr_hist[active, t] = lr
            next_w, state = rule(w, g, state, **keywords)
            ratios[:, active, t] = layout.norms(next_w - w) / np.maximum(layout.norms(w), 1e-12)
            if polyak and average is not None:
                average = polyak * average + (1 - polyak) * next_w
            if next_w.dtype != w.dtype:  # a rule may return another dtype than it was given
                keywords = shaped(next_w.dtype)
            w = next_w
            stack.params = layout.views(w)
            if bar is not None:
                bar.update()
        if not len(active):
            break
        measure(epoch + 1)
        epochs_done[active] = epoch + 1
        if "lr" in per_model:
            per_model["lr"] = per_model["lr"] * lr_decay
        elif "lr" in hyper:
            hyper["lr"] *= lr_decay
    stack.unstack()
    for pos, index in enumerate(active):
        final_average[int(index)] = layout.copies(average, pos) if average is not None else {}
    return [
        History(
            loss=loss_hist[k, : counts[k]].copy(),
            train_acc=train_acc[k, : epochs_done[k] + 1].copy() if train_accuracy else np.zeros(0),
            val_acc=val_acc[k, : epochs_done[k] + 1].copy() if X_val is not None else np.zeros(0),
            iterations_per_epoch=per_epoch,
            update_ratio={name: r[k, : counts[k] - diverged[k]].copy() for name, r in zip(layout.names, ratios)},
            diverged=bool(diverged[k]),
            lr=lr_hist[k, : counts[k] - diverged[k]].copy() if records_lr[k] else np.zeros(0),
            average=final_average.get(k, {}),
        )
        for k in range(K)
    ]


class _Layout:
    """Where each parameter of a stack sits in a row of one (K, P) array: net k's parameters in row k.

    Inputs: params, a stack's dict of (K, ...) arrays; names keeps the order of its keys.

    Notes: parameters of one size sit side by side in a row (sizes in the order they first come,
    names in key order within a size), so that :meth:`norms` takes each size's norms in one call,
    not one per parameter: a deep net has a bias, gamma and beta of one size per layer. Nothing
    else depends on where a parameter sits, since the rules are elementwise.
    """

    def __init__(self, params: Mapping[str, np.ndarray]):
        self.names = list(params)
        self.shapes = [p.shape[1:] for p in params.values()]
        by_size: dict[int, list[int]] = {}  # size -> positions in names
        for j, shape in enumerate(self.shapes):
            by_size.setdefault(int(np.prod(shape)), []).append(j)
        self.slices = [slice(0)] * len(self.names)
        self.runs: list[tuple[slice, int, list[int]]] = []  # (a size's part of a row, size, positions in names)
        start = 0
        for size, positions in by_size.items():
            for n, j in enumerate(positions):
                self.slices[j] = slice(start + n * size, start + (n + 1) * size)
            self.runs.append((slice(start, start + len(positions) * size), size, positions))
            start += len(positions) * size
        self.stored = [self.names[j] for _, _, positions in self.runs for j in positions]  # in the order of a row

    def join(self, arrays: Mapping[str, np.ndarray]) -> np.ndarray:
        """(K, P): the arrays keyed like params, each net's in a row."""
        return np.concatenate([arrays[name].reshape(len(arrays[name]), -1) for name in self.stored], axis=1)

    def views(self, flat: np.ndarray) -> dict[str, np.ndarray]:
        """The parameters as (K, ...) views of flat (K, P), keyed like params."""
        return {
            name: flat[:, part].reshape((len(flat), *shape))
            for name, part, shape in zip(self.names, self.slices, self.shapes)
        }

    def copies(self, flat: np.ndarray, k: int) -> dict[str, np.ndarray]:
        """Row k of flat as parameters of one net: arrays of their own, keyed like params."""
        return {
            name: flat[k, part].reshape(shape).copy() for name, part, shape in zip(self.names, self.slices, self.shapes)
        }

    def norms(self, flat: np.ndarray) -> np.ndarray:
        """(number of parameters, K): the norm of each parameter of each net, as np.linalg.norm computes it
        (the square root of a dot product); one np.vecdot per size, a dot product per parameter and net."""
        out = np.empty((len(self.names), len(flat)), dtype=flat.dtype)
        for part, size, positions in self.runs:
            block = flat[:, part].reshape(len(flat), len(positions), size)
            out[positions] = np.vecdot(block, block).T
        return np.sqrt(out)


def _take(state: Any, keep: np.ndarray) -> Any:
    """A rule's state with only the nets at positions keep: arrays sliced on the model axis."""
    if not state:
        return state
    return {key: value[keep] if isinstance(value, np.ndarray) and value.ndim else value for key, value in state.items()}
