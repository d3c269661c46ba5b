"""Checks for notebook 02: the SVM and softmax losses of a linear classifier, naive and vectorized,
then the training loop (mini-batch SGD) and the predictions.

Every check calls the student's ``f(W, X, y, reg) -> (loss, dW)`` on random, non-trivial
inputs (``reg > 0``, margins on both sides of zero) and compares with
:func:`course_utils.losses.linear_svm_loss` or :func:`~course_utils.losses.linear_softmax_loss`.
The softmax checks add a case whose scores are in the thousands, so an implementation that
does not shift by the row maximum overflows and is caught. When a result is wrong, the hints
recognise the usual slips: the regularization term or its gradient forgotten or doubled,
dividing by N twice or not at all, the correct class counted in the SVM's margin sum, the -1
of the softmax gradient forgotten.

``train_sgd(loss_fn, W, X, y, lr, reg, num_iters, batch_size, rng) -> (W, loss_history)`` draws
its mini-batches from ``rng``, and there is more than one right way to do that
(``rng.choice(N, B)`` with or without replacement, ``rng.integers(0, N, B)``,
``rng.permutation(N)[:B]``), each giving other batches from the same generator. So the check
does not ask for the course's batches: it hands the student's code a ``loss_fn`` that records
every call (a squared-error loss written here, which no exercise asks for), and judges what
any right answer does. In the student's code only ``_call_sgd`` runs: it returns what train_sgd
gave loss_fn at each call and what it returned, raw; ``_judge_sgd`` (the spec's ``derive``, a
pure function of those arrays and the case) recomputes each loss and dW itself and decides:

- one call of loss_fn per iteration, on batch_size rows of X with their own labels, and the
  given reg (each with its own message);
- the batches come from ``rng`` alone: the same seed gives the same batches, another seed
  other ones, numpy's global generator is left alone; they change from one iteration to the
  next and over the run reach most of the N examples;
- W changes at every iteration by exactly -lr * dW, with the dW that loss_fn returned for that
  iteration's batch (compared as the ratio of the change to -lr * dW, entry by entry: 1); a
  ratio that is the same wrong number everywhere (-1, 0, 1/lr, lr, 1/batch_size) is a known
  slip, named as such;
- loss_history holds the losses loss_fn returned, one per iteration (ratio 1).

``predict(W, X)`` is compared with :func:`course_utils.models.linear_predict`; the usual wrong
shapes (the scores themselves, an argmax over the wrong axis or over the flattened array) get
their own messages.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import numpy as np

from .. import losses as ref
from .. import models
from ._core import CheckFailure, Spec, pair
from ._hints import Hint
from ._registry import register
from ._shapes import product, raised

__all__ = [
    "check_svm_loss_naive",
    "check_svm_loss_vectorized",
    "check_softmax_loss_naive",
    "check_softmax_loss_vectorized",
    "check_train_sgd",
    "check_predict",
]

_REF = {"svm": (ref.svm_loss, ref.linear_svm_loss), "softmax": (ref.softmax_loss, ref.linear_softmax_loss)}


def _cases(seed: int, kind: str) -> list[dict]:
    rng = np.random.default_rng(seed + 200)
    N, D, C = 9 + seed, 6, 4
    X = rng.standard_normal((N, D))
    y = rng.permutation(np.arange(N) % C)  # every class appears
    cases = [dict(W=0.6 * rng.standard_normal((D, C)), X=X, y=y, reg=0.3 + 0.1 * seed)]
    if kind == "softmax":
        # scores in the thousands, spread over tens within a row: exp() overflows unless
        # each row is shifted by its maximum first
        W = 0.5 * rng.standard_normal((D, C))
        W[0] += 400.0
        Xbig = rng.standard_normal((N, D))
        Xbig[:, 0] = rng.choice([-1.0, 1.0], N) * rng.uniform(2.0, 4.0, N)
        cases.append(dict(W=W, X=Xbig, y=rng.permutation(np.arange(N) % C), reg=1e-5))
    return cases


def _sizes(case: dict) -> dict[str, int]:
    (N, D), C = case["X"].shape, case["W"].shape[1]
    return dict(N=N, D=D, C=C)


_SHIFT = {
    "naive": "subtract the row's max from the scores before np.exp, scores = scores - scores.max(), in the loop "
    "over examples",
    "vectorized": "subtract each row's max from the scores before np.exp, "
    "scores = scores - scores.max(axis=1, keepdims=True)",
}


def _call(student, case, *, name: str) -> dict:
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):  # the overflow is reported below
        result = student[name](case["W"], case["X"], case["y"], case["reg"])
    if not isinstance(result, tuple) or len(result) != 2:
        kind = type(result).__name__ if not isinstance(result, tuple) else f"tuple of {len(result)}"
        raise CheckFailure(f"{name} must return the pair (loss, dW), got a {kind}.", cause="not_a_pair")
    loss, dW = result
    big = np.abs(case["X"] @ case["W"]).max() > 500
    for what, value in (("loss", loss), ("dW", dW)):
        try:
            finite = np.all(np.isfinite(np.asarray(value, dtype=np.float64)))
        except (TypeError, ValueError):
            continue  # not numbers: the comparison says what is wrong with it
        if not finite and big and name.startswith("softmax"):
            raise CheckFailure(
                f"{name}: {what} is not finite for scores in the thousands: np.exp overflowed.\n"
                f"  Hint: {_SHIFT[name.rsplit('_', 1)[1]]}; the softmax does not change, and the largest exponent "
                "becomes exp(0) = 1.",
                cause="exp_overflow",
            )
    return dict(loss=loss, dW=dW)


_STAGES = "X (N, D), W and dW (D, C), scores and dscores (N, C), y (N,): scores = X @ W, dW = X.T @ dscores"


_LOOPS = {
    "C": "loop over the classes with range(W.shape[1]) (C of them)",
    "N": "loop over the examples with range(X.shape[0]) (N of them)",
    "D": "X[i] has D features, W.shape[0]; the classes are W's columns, range(W.shape[1])",
}
_ERRORS = (  # numpy's shape errors, read in the exercise's sizes N, D, C
    raised("w_transposed", _sizes, product("D", "C"), "W is (D, C): scores = X @ W, without transposing W."),
    raised(
        "x_transposed",
        _sizes,
        product("N", "D"),
        "X is (N, D), one row per example: scores = X @ W, without transposing X.",
    ),
    raised("dw_factors_swapped", _sizes, product("C", "N"), "dW = X.T @ dscores, with X.T first: (D, N) @ (N, C)."),
    raised(
        "x_not_transposed",
        _sizes,
        product("D", "N"),
        "the batch axis N is summed in dW = X.T @ dscores, (D, N) @ (N, C): transpose X.",
    ),
    raised(
        "dscores_transposed",
        _sizes,
        product("N", "C"),
        "dscores is already (N, C): dW = X.T @ dscores, without transposing dscores.",
    ),
    raised(
        "product_mismatch",
        _sizes,
        lambda s, case: s.kind == "product",
        lambda s, case: f"a product of (..., {s.left}) @ ({s.right}, ...) does not fit: {_STAGES}.",
    ),
    raised(
        "gradient_row_not_column",
        _sizes,
        lambda s, case: s.kind == "broadcast" and {"(C,)", "(D,)"} <= set(s.shapes),
        "dW is (D, C): the gradient of class j is the column dW[:, j] (D numbers, like X[i]), not the row dW[j].",
    ),
    raised(
        "lost_keepdims",
        _sizes,
        lambda s, case: s.kind == "broadcast" and "(N, C)" in s.shapes and "(N,)" in s.shapes,
        "a per-row max or sum must keep its axis to broadcast over the columns: "
        "scores.max(axis=1, keepdims=True) is (N, 1).",
    ),
    raised(
        "shapes_do_not_broadcast",
        _sizes,
        lambda s, case: s.kind == "broadcast",
        lambda s, case: f"shapes {' and '.join(s.shapes)} do not broadcast: {_STAGES}.",
    ),
    raised(
        "index_past_axis",
        _sizes,
        lambda s, case: s.kind == "index",
        lambda s, case: f"an index ran past the end of an axis of length {s.size}: {_LOOPS.get(s.size, _STAGES)}.",
    ),
)


def _expected(case, *, kind: str) -> dict:
    loss, dW = _REF[kind][1](case["W"], case["X"], case["y"], case["reg"])
    # dW first: a wrong gradient carries far more evidence for a hint than a wrong scalar
    return dict(dW=dW, loss=loss)


def _parts(case, kind):
    """The pieces of the reference result: data loss, dscores, data gradient, L2 term."""
    W, X, y, reg = case["W"], case["X"], case["y"], case["reg"]
    data_loss, dscores = _REF[kind][0](X @ W, y)
    return data_loss, dscores, X.T @ dscores, 0.5 * reg * float(np.sum(W * W))


def _matches(variant, only: str | None = None):
    """A hint test: does the wrong quantity (``only`` that one) equal what variant gives for it?"""

    def test(got, exp, case, kind):
        if only is not None and (got.ndim == 0) != (only == "loss"):
            return False
        loss, dW = variant(case, kind)
        want = loss if got.ndim == 0 else dW
        return want is not None and np.shape(want) == got.shape and np.allclose(got, want, rtol=1e-6, atol=1e-10)

    return test


def _no_reg(case, kind):
    data_loss, _, data_grad, _ = _parts(case, kind)
    return data_loss, data_grad


def _double_reg(case, kind):
    data_loss, _, data_grad, l2 = _parts(case, kind)
    return data_loss + 2 * l2, data_grad + 2 * case["reg"] * case["W"]


def _reg_not_squared(case, kind):
    data_loss, _, _, _ = _parts(case, kind)
    return data_loss + 0.5 * case["reg"] * float(np.sum(case["W"])), None


def _twice_n(case, kind):
    data_loss, _, data_grad, l2 = _parts(case, kind)
    N = len(case["y"])
    return data_loss / N + l2, data_grad / N + case["reg"] * case["W"]


def _no_n(case, kind):
    data_loss, _, data_grad, l2 = _parts(case, kind)
    N = len(case["y"])
    return data_loss * N + l2, data_grad * N + case["reg"] * case["W"]


def _svm_correct_counted(case, kind):
    # the correct class's own "margin" s_y - s_y + 1 = 1 added to the loss, and one more -1
    # at the correct class in dscores (when its column is not reset after counting)
    data_loss, dscores, _, l2 = _parts(case, kind)
    N = len(case["y"])
    onehot = np.eye(case["W"].shape[1])[case["y"]]
    return data_loss + 1.0 + l2, case["X"].T @ (dscores - onehot / N) + case["reg"] * case["W"]


def _svm_no_margin(case, kind):
    W, X, y, reg = case["W"], case["X"], case["y"], case["reg"]
    N, rows = len(y), np.arange(len(y))
    scores = X @ W
    margins = np.maximum(0.0, scores - scores[rows, y][:, None])
    margins[rows, y] = 0.0
    positive = (margins > 0).astype(float)
    positive[rows, y] = -positive.sum(axis=1)
    return margins.sum() / N + 0.5 * reg * float(np.sum(W * W)), X.T @ positive / N + reg * W


def _svm_no_correct_grad(case, kind):
    _, dscores, _, _ = _parts(case, kind)
    onehot = np.eye(case["W"].shape[1])[case["y"]].astype(bool)
    return None, case["X"].T @ np.where(onehot, 0.0, dscores) + case["reg"] * case["W"]


def _softmax_no_minus_one(case, kind):
    _, dscores, _, _ = _parts(case, kind)
    N = len(case["y"])
    onehot = np.eye(case["W"].shape[1])[case["y"]]
    return None, case["X"].T @ (dscores + onehot / N) + case["reg"] * case["W"]


def _data_sign(case, kind):
    _, _, data_grad, _ = _parts(case, kind)
    return None, -data_grad + case["reg"] * case["W"]


def _probs(scores):
    e = np.exp(scores - scores.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def _softmax_rows_by_label(case, kind):
    # probs[y] takes whole rows: the loss adds -log of every probability in those rows
    W, X, y, reg = case["W"], case["X"], case["y"], case["reg"]
    loss = -np.log(_probs(X @ W)[y]).sum() / len(y)
    return loss + 0.5 * reg * float(np.sum(W * W)), None


def _softmax_no_log(case, kind):
    W, X, y, reg = case["W"], case["X"], case["y"], case["reg"]
    loss = -_probs(X @ W)[np.arange(len(y)), y].mean()
    return loss + 0.5 * reg * float(np.sum(W * W)), None


def _softmax_one_normalization(case, kind):
    # the exponentials divided by their sum over the whole batch instead of each row's sum
    W, X, y, reg = case["W"], case["X"], case["y"], case["reg"]
    N, rows = len(y), np.arange(len(y))
    scores = X @ W
    e = np.exp(scores - scores.max())
    probs = e / e.sum()
    dscores = probs.copy()
    dscores[rows, y] -= 1
    return (-np.log(probs[rows, y]).mean() + 0.5 * reg * float(np.sum(W * W)), X.T @ dscores / N + reg * W)


def _svm_mask_ge(case, kind):
    # (margins >= 0) counts every class: after np.maximum(0, ...) every margin is >= 0
    W, X, y, reg = case["W"], case["X"], case["y"], case["reg"]
    N, C, rows = len(y), W.shape[1], np.arange(len(y))
    counted = np.ones((N, C))
    counted[rows, y] = -(C - 1)
    return None, X.T @ counted / N + reg * W


_COMMON_HINTS = [
    Hint(
        "missing_reg_gradient",
        _matches(_no_reg, "dW"),
        "dW is missing the gradient of the regularization: add reg * W.",
    ),
    Hint(
        "missing_reg_loss",
        _matches(_no_reg, "loss"),
        "the loss is missing the regularization: add 0.5 * reg * np.sum(W * W).",
    ),
    Hint(
        "reg_not_squared",
        _matches(_reg_not_squared, "loss"),
        "the penalty squares the weights: add 0.5 * reg * np.sum(W * W), not 0.5 * reg * np.sum(W).",
    ),
    Hint(
        "reg_doubled",
        _matches(_double_reg),
        "the L2 term is doubled: the course's convention is 0.5 * reg * np.sum(W * W), whose gradient is reg * W.",
    ),
    Hint(
        "data_gradient_sign",
        _matches(_data_sign, "dW"),
        "the data part of dW has the wrong sign (the regularization's is right): dscores "
        "is +1 (SVM) or +probability (softmax) at the other classes and negative at the "
        "correct class, and dW = X.T @ dscores.",
    ),
    Hint(
        "batch_mean_twice",
        _matches(_twice_n),
        "the data part is divided by N twice: divide the summed data loss and its gradient by "
        "N = X.shape[0] once, then add the regularization (which is not divided by N).",
    ),
    Hint(
        "missing_batch_mean",
        _matches(_no_n),
        "the data part is not divided by N: divide the summed data loss and its gradient by "
        "N = X.shape[0] (they are means over the batch), then add the regularization.",
    ),
]
_SVM_HINTS = [
    Hint(
        "correct_class_counted",
        _matches(_svm_correct_counted),
        "you counted the correct class in the margin sum (its margin s_y - s_y + 1 is "
        "always 1): skip j == y[i] in the loop, or set margins[np.arange(N), y] = 0.",
    ),
    Hint(
        "correct_class_gradient_missing",
        _matches(_svm_no_correct_grad),
        "the correct class's column is missing its gradient: for every class j that "
        "violates the margin, dW[:, y[i]] -= X[i] as well as dW[:, j] += X[i].",
    ),
    Hint(
        "margin_mask_ge",
        _matches(_svm_mask_ge),
        "count only the classes whose margin is > 0: (margins > 0), not (margins >= 0), "
        "since every margin is >= 0 after np.maximum(0, ...).",
    ),
    Hint(
        "margin_missing",
        _matches(_svm_no_margin),
        "the margin is 1: margin = scores[j] - scores[y[i]] + 1, counted where it is > 0.",
    ),
]
_SOFTMAX_HINTS = [
    Hint(
        "probs_rows_by_label",
        _matches(_softmax_rows_by_label, "loss"),
        "probs[y] takes whole rows; pick one probability per example: -np.log(probs[np.arange(N), y]).mean().",
    ),
    Hint(
        "loss_without_log",
        _matches(_softmax_no_log, "loss"),
        "the loss is minus the *log* of the correct class's probability: -np.log(probs[np.arange(N), y]).mean().",
    ),
    Hint(
        "one_normalization",
        _matches(_softmax_one_normalization),
        "normalize each row on its own: probs = exp_scores / "
        "exp_scores.sum(axis=1, keepdims=True) (a sum without axis adds up the "
        "whole batch).",
    ),
    Hint(
        "missing_minus_one",
        _matches(_softmax_no_minus_one),
        "dscores is softmax(scores) minus 1 at the correct class, and the -1 is "
        "missing: dscores[np.arange(N), y] -= 1 (in a loop: dW[:, y[i]] -= X[i]).",
    ),
]
_DSCORES = {
    "svm": "+1 at every class j whose margin scores[i, j] - scores[i, y[i]] + 1 is > 0, and minus their count at y[i]",
    "softmax": "the probabilities, minus 1 at y[i]",
}


def _dw_other(kind: str) -> Hint:
    """The last hint for a wrong dW: the stages, with this loss's dscores spelled out."""
    return Hint(
        "wrong_dw",
        lambda got, exp, case: got.ndim == 2,
        f"go through the stages again, printing each: scores = X @ W (N, C); dscores (N, C) is {_DSCORES[kind]}, "
        "divided by N; dW = X.T @ dscores + reg * W.",
    )


def _of_kind(when: Callable[..., bool], kind: str) -> Callable[[Any, Any, Any], bool]:
    """A hint's test of the common table, told which loss (svm or softmax) it looks at."""
    return lambda got, exp, case: when(got, exp, case, kind)


def _spec(name: str, kind: str) -> Spec:
    extra = _SVM_HINTS if kind == "svm" else _SOFTMAX_HINTS
    hints = (
        tuple(Hint(h.code, _of_kind(h.when, kind), h.message) for h in _COMMON_HINTS + extra)
        + (_dw_other(kind),)
        + _ERRORS
    )
    return Spec(
        name=name,
        args=(name,),
        cases=lambda seed: _cases(seed, kind),
        call=lambda student, case: _call(student, case, name=name),
        expected=lambda case: _expected(case, kind=kind),
        like={"dW": "W"},
        batch="X",
        hints=hints,
        reference=(f"course_utils.losses.linear_{kind}_loss", f"course_utils.losses.{kind}_loss"),
    )


@register(_spec("svm_loss_naive", "svm"))
def check_svm_loss_naive(svm_loss_naive):
    """Check svm_loss_naive(W, X, y, reg) -> (loss, dW) against the reference (notebook 02)."""


@register(_spec("svm_loss_vectorized", "svm"))
def check_svm_loss_vectorized(svm_loss_vectorized):
    """Check svm_loss_vectorized(W, X, y, reg) -> (loss, dW) against the reference (notebook 02)."""


@register(_spec("softmax_loss_naive", "softmax"))
def check_softmax_loss_naive(softmax_loss_naive):
    """Check softmax_loss_naive(W, X, y, reg) -> (loss, dW), also for scores in the thousands (notebook 02)."""


@register(_spec("softmax_loss_vectorized", "softmax"))
def check_softmax_loss_vectorized(softmax_loss_vectorized):
    """Check softmax_loss_vectorized(W, X, y, reg) -> (loss, dW), also for scores in the thousands (notebook 02)."""


_SGD = {
    0: dict(N=40, D=7, C=3, B=9, T=25, lr=0.3, reg=0.05),
    1: dict(N=44, D=6, C=4, B=8, T=21, lr=0.2, reg=0.1),
    2: dict(N=37, D=5, C=3, B=11, T=23, lr=0.5, reg=0.02),
}


def _sgd_cases(seed: int) -> list[dict]:
    p = _SGD[seed % 3]
    rng = np.random.default_rng(2000 + seed)
    X = rng.standard_normal((int(p["N"]), int(p["D"])))
    return [
        dict(
            W=0.5 * rng.standard_normal((int(p["D"]), int(p["C"]))),
            X=X,
            y=rng.permutation(np.arange(p["N"]) % p["C"]),
            lr=p["lr"],
            reg=p["reg"],
            num_iters=p["T"],
            batch_size=p["B"],
            rng=np.random.default_rng(2100 + seed),
            other_rng=np.random.default_rng(2200 + seed),
        )
    ]


def _sgd_sizes(case: dict) -> dict[str, int]:
    (N, D), C = case["X"].shape, case["W"].shape[1]
    return dict(N=N, D=D, C=C, B=case["batch_size"], T=case["num_iters"])


def _squares(W: np.ndarray, X: np.ndarray, y: np.ndarray, reg: float) -> tuple[float, np.ndarray]:
    """The loss_fn train_sgd is judged with, and dW: half the mean squared distance of the scores X @ W to the
    one-hot labels, plus 0.5 * reg * sum(W**2). No exercise asks for it, so it gives nothing away."""
    err = X @ W
    err[np.arange(len(y)), y] -= 1.0
    loss = 0.5 * float(np.sum(err * err)) / len(y) + 0.5 * reg * float(np.sum(W * W))
    return loss, X.T @ err / len(y) + reg * W


_ORDER = "call it as loss, dW = loss_fn(W, X_batch, y_batch, reg)"


class _LossRecorder:
    """The loss_fn handed to train_sgd: notes every call (the grader recomputes the losses from the notes)."""

    def __init__(self, D: int, C: int):
        self.D, self.C = D, C
        self.calls: list[tuple] = []

    def __call__(self, W, X_batch, y_batch, reg):
        W, X_batch, y_batch = np.asarray(W), np.asarray(X_batch), np.asarray(y_batch)
        if W.shape != (self.D, self.C):
            raise CheckFailure(
                f"train_sgd called loss_fn with W of shape {W.shape}, expected (D, C) = "
                f"{(self.D, self.C)}.\n  Hint: {_ORDER}, W first.",
                cause="w_wrong_shape",
            )
        if X_batch.ndim != 2 or X_batch.shape[1] != self.D:
            raise CheckFailure(
                f"train_sgd called loss_fn with X_batch of shape {X_batch.shape}, expected "
                "(batch_size, D): rows of X.\n  Hint: X_batch = X[idx] takes whole rows of X; "
                f"{_ORDER}.",
                cause="x_batch_wrong_shape",
            )
        if y_batch.shape != (len(X_batch),):
            raise CheckFailure(
                f"train_sgd called loss_fn with y_batch of shape {y_batch.shape} and X_batch of shape "
                f"{X_batch.shape}: one label per example.\n  Hint: take both with the same indices, "
                "X_batch = X[idx] and y_batch = y[idx].",
                cause="y_batch_wrong_shape",
            )
        if not np.issubdtype(y_batch.dtype, np.integer):
            raise CheckFailure(
                f"train_sgd called loss_fn with y_batch of dtype {y_batch.dtype}, expected integer "
                "labels.\n  Hint: y_batch = y[idx], with idx an array of integer indices.",
                cause="y_batch_not_integers",
            )
        W, X_batch = np.array(W, dtype=np.float64), np.array(X_batch, dtype=np.float64)
        if len(y_batch) and (y_batch.min() < 0 or y_batch.max() >= self.C):
            raise CheckFailure(
                f"train_sgd called loss_fn with labels outside 0..{self.C - 1}.\n  Hint: y_batch = "
                "y[idx], the labels of the batch's examples.",
                cause="labels_out_of_range",
            )
        loss, dW = _squares(W, X_batch, y_batch, float(reg))
        self.calls.append((W, X_batch, y_batch.copy(), float(reg)))
        return loss, dW


def _global_state() -> np.ndarray:
    _, keys, pos, has_gauss, gauss = np.random.get_state(legacy=True)
    return np.concatenate([np.asarray(keys, dtype=np.float64), [pos, has_gauss, gauss]])


_RUNS = ("", "same seed: ", "other seed: ")  # the prefixes of each run's raw outputs


def _sgd_run(train_sgd, case: dict, W: np.ndarray, X: np.ndarray, rng: np.random.Generator, prefix: str) -> dict:
    """One call of the student's train_sgd: what it gave loss_fn at each call, and what it returned (raw)."""
    sizes = _sgd_sizes(case)
    recorder = _LossRecorder(sizes["D"], sizes["C"])
    result = train_sgd(
        loss_fn=recorder,
        W=W,
        X=X,
        y=case["y"],
        lr=case["lr"],
        reg=case["reg"],
        num_iters=sizes["T"],
        batch_size=sizes["B"],
        rng=rng,
    )
    W_out, history = pair("train_sgd", result, "(W, loss_history)")
    calls, raw = recorder.calls, {}
    if calls and len({c[1].shape for c in calls}) == 1:  # batches of one size stack; any other is judged by size
        raw = {
            f"{what} at each call": np.stack([c[i] for c in calls])
            for i, what in enumerate(("W", "X_batch", "y_batch"))
        }
    else:
        raw = {"batch sizes": np.array([len(c[1]) for c in calls], dtype=np.float64)}
    raw["reg at each call"] = np.array([c[3] for c in calls], dtype=np.float64)
    raw["W returned"], raw["loss_history"] = _raw_value(W_out), _raw_value(history)
    return {prefix + k: v for k, v in raw.items()}


def _raw_value(value):
    """What train_sgd returned, as an array of numbers where it is one (else the object, for its type)."""
    if isinstance(value, np.ndarray):
        return np.array(value, copy=True)
    try:
        return np.array(value, dtype=np.float64) if isinstance(value, (list, tuple)) else value
    except (TypeError, ValueError):
        return value


def _call_sgd(student, case):
    """Student code only: three runs of train_sgd (its rng, the same seed again, another seed), their raw calls
    of loss_fn and results, and numpy's global generator around them; nothing is compared here."""
    train_sgd = student["train_sgd"]
    W0, X0 = case["W"].copy(), case["X"].copy()  # the code may write into them: later runs get pristine copies
    raw = {"np.random before": _global_state()}
    raw.update(_sgd_run(train_sgd, case, case["W"], case["X"], copy.deepcopy(case["rng"]), _RUNS[0]))
    raw["np.random after"] = _global_state()
    raw.update(_sgd_run(train_sgd, case, W0.copy(), X0.copy(), copy.deepcopy(case["rng"]), _RUNS[1]))
    raw.update(_sgd_run(train_sgd, case, W0.copy(), X0.copy(), copy.deepcopy(case["other_rng"]), _RUNS[2]))
    return raw


def _exact(value, shape, kind="biuf") -> bool:
    return isinstance(value, np.ndarray) and value.dtype.kind in kind and value.shape == shape


def _judged_run(
    case: dict, raw: dict, prefix: str
) -> tuple[list[np.ndarray], np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """One run's batches (indices into X), W at each call, W returned and loss_history, every shape checked
    before any arithmetic; a CheckFailure for the first thing wrong."""
    sizes = _sgd_sizes(case)
    N, D, C, B, T = (sizes[k] for k in "NDCBT")

    def get(key: str) -> Any:
        return raw.get(prefix + key)

    sizes_seen = get("batch sizes")
    if sizes_seen is not None:  # batches of several sizes
        if isinstance(sizes_seen, np.ndarray) and sizes_seen.size == 0:
            raise CheckFailure(
                f"train_sgd never called loss_fn.\n  Hint: at every iteration, {_ORDER}, on that "
                "iteration's mini-batch.",
                cause="loss_fn_never_called",
            )
        raise CheckFailure(
            f"train_sgd gave loss_fn X_batch of different sizes, expected {(B, D)} at every "
            "iteration.\n  Hint: draw batch_size indices at every iteration, idx = rng.choice(N, "
            "batch_size).",
            cause="batch_sizes_vary",
        )
    Ws, Xs, ys, regs = (
        get("W at each call"),
        get("X_batch at each call"),
        get("y_batch at each call"),
        get("reg at each call"),
    )
    if not (isinstance(Ws, np.ndarray) and Ws.ndim == 3 and Ws.shape[1:] == (D, C) and Ws.shape[0] <= 4 * T):
        raise CheckFailure("train_sgd: the grader could not read its calls of loss_fn.", cause="calls_unreadable")
    calls = Ws.shape[0]
    if calls != T:
        raise CheckFailure(
            f"train_sgd called loss_fn {'more' if calls > T else 'fewer'} times than once per "
            "iteration.\n  Hint: one call per iteration, loss, dW = loss_fn(W, X_batch, y_batch, "
            "reg), inside the loop over range(num_iters).",
            cause="wrong_number_of_calls",
        )
    size = Xs.shape[1] if isinstance(Xs, np.ndarray) and Xs.ndim == 3 else -1
    if not (
        _exact(Xs, (T, size, D), "f")
        and _exact(ys, (T, size), "iu")
        and _exact(regs, (T,), "f")
        and Ws.dtype.kind == "f"
        and 0 < size <= N
    ):
        raise CheckFailure("train_sgd: the grader could not read its calls of loss_fn.", cause="calls_unreadable")
    if size == N and B != N:
        raise CheckFailure(
            "train_sgd gave loss_fn all N examples of X at iteration 0, not a mini-batch of batch_size examples.\n"
            "  Hint: sample idx = rng.choice(N, batch_size) and pass X[idx], y[idx]: each step of SGD looks at a "
            "small random batch.",
            cause="full_batch",
        )
    if size != B:
        raise CheckFailure(
            f"train_sgd gave loss_fn an X_batch of shape {(size, D)} at iteration 0, expected "
            f"{(B, D)}: batch_size rows.\n  Hint: draw batch_size indices at every iteration, "
            "idx = rng.choice(N, batch_size).",
            cause="wrong_batch_size",
        )
    W_out, history = get("W returned"), get("loss_history")
    if not _exact(W_out, (D, C)):
        got = (
            "None"
            if W_out is None
            else f"shape {W_out.shape}"
            if isinstance(W_out, np.ndarray)
            else type(W_out).__name__
        )
        raise CheckFailure(
            f"train_sgd returned W with {got}, expected shape (D, C) = {(D, C)} like the W it "
            "was given.\n  Hint: return the updated weights W and the list of losses, in that "
            "order: return W, loss_history.",
            cause="returned_w_wrong_shape",
        )
    if not (isinstance(history, np.ndarray) and history.dtype.kind in "biuf"):
        raise CheckFailure(
            "train_sgd: loss_history is not a list of numbers.\n  Hint: append the loss that "
            "loss_fn returns (a number) at each iteration.",
            cause="history_not_numbers",
        )
    if history.shape != (T,):
        raise CheckFailure(
            f"train_sgd: loss_history has shape {history.shape}, expected one loss per iteration, "
            f"shape {(T,)}.\n  Hint: append each iteration's loss inside the loop (not once after "
            "it), and nothing else.",
            cause="history_wrong_length",
        )
    rows = {X_row.tobytes(): i for i, X_row in enumerate(np.array(case["X"], dtype=np.float64))}
    batches = []
    for t in range(T):
        idx = np.array([rows.get(r.tobytes(), -1) for r in Xs[t]])
        if np.any(idx < 0):
            raise CheckFailure(
                f"train_sgd gave loss_fn rows that are not rows of X (iteration {t}).\n  Hint: the "
                "batch is X_batch = X[idx], whole rows of X, unchanged.",
                cause="rows_not_from_x",
            )
        if not np.array_equal(ys[t], case["y"][idx]):
            raise CheckFailure(
                f"train_sgd gave loss_fn labels that are not those of the batch's examples (iteration "
                f"{t}).\n  Hint: take both with the same indices, X_batch = X[idx] and "
                "y_batch = y[idx].",
                cause="labels_not_of_batch",
            )
        if regs[t] != case["reg"]:
            raise CheckFailure(
                f"train_sgd passed reg = {regs[t]:g} to loss_fn, expected the reg it was given.\n  Hint: {_ORDER}.",
                cause="reg_not_passed",
            )
        batches.append(idx)
    return batches, Ws, Xs, W_out.astype(np.float64), history.astype(np.float64)


def _same_batches(a: list, b: list) -> bool:
    return all(np.array_equal(np.sort(x), np.sort(y)) for x, y in zip(a, b))


def _judge_sgd(case, raw):
    """The compared quantities from the raw outputs of ``_call_sgd`` and the case alone (no student code): a
    CheckFailure for the first thing wrong with the batches, else the update and loss history as ratios."""
    before, after = raw.get("np.random before"), raw.get("np.random after")
    if not (_exact(before, (627,), "f") and _exact(after, (627,), "f") and np.array_equal(before, after)):
        raise CheckFailure(
            "train_sgd drew from (or reseeded) numpy's global generator np.random.\n  Hint: sample the batch "
            "from the rng it is given, idx = rng.choice(N, batch_size), so that a seeded run gives the same "
            "batches every time and nothing else changes them.",
            cause="global_rng",
        )
    batches, Ws, Xs, W_out, history = _judged_run(case, raw, _RUNS[0])
    N, T = len(case["X"]), case["num_iters"]
    if all(np.array_equal(np.sort(b), np.sort(batches[0])) for b in batches[1:]):
        raise CheckFailure(
            "train_sgd used the same mini-batch at every iteration.\n  Hint: draw a new batch inside "
            "the loop, idx = rng.choice(N, batch_size) as the loop's first line, from the rng it is "
            "given (not from a generator made anew at each iteration).",
            cause="same_batch_every_iteration",
        )
    if not _same_batches(batches, _judged_run(case, raw, _RUNS[1])[0]):
        raise CheckFailure(
            "train_sgd gave different mini-batches for two generators seeded alike.\n  Hint: draw "
            "the batches from the rng it is given, rng.choice(N, batch_size), not from a new "
            "generator (np.random.default_rng()) or np.random.",
            cause="batches_not_reproducible",
        )
    if _same_batches(batches, _judged_run(case, raw, _RUNS[2])[0]):
        raise CheckFailure(
            "train_sgd gave the same mini-batches for two generators seeded differently: it ignores "
            "rng (a fixed seed inside, or batches taken in order?).\n  Hint: draw the batches from the "
            "rng it is given, idx = rng.choice(N, batch_size).",
            cause="rng_ignored",
        )
    seen = len(np.unique(np.concatenate(batches)))
    if seen < 0.75 * N:
        raise CheckFailure(
            f"train_sgd's mini-batches only ever hold {seen / N:.0%} of the N examples of X over the "
            "whole run.\n  Hint: draw the indices from all N = X.shape[0] examples, "
            "rng.choice(N, batch_size), not from range(batch_size).",
            cause="batches_miss_examples",
        )
    y = case["y"]
    losses, dWs = zip(*(_squares(Ws[t], Xs[t], y[batches[t]], float(case["reg"])) for t in range(T)))
    with np.errstate(all="ignore"):
        change = np.diff(np.concatenate([Ws, W_out[None]]), axis=0)
        step = -case["lr"] * np.stack(dWs)
        tiny = np.abs(step) <= 1e-9 * np.abs(step).max()  # (never in practice) a ratio there would be rounding noise
        ratio = np.where(tiny, 1.0, change / np.where(tiny, 1.0, step))
        _update_slip(ratio, case)
        return {"W's change / (-lr * dW)": ratio, "loss_history / loss_fn's losses": history / np.array(losses)}


def _expected_sgd(case):
    T, (D, C) = case["num_iters"], case["W"].shape
    return {"W's change / (-lr * dW)": np.ones((T, D, C)), "loss_history / loss_fn's losses": np.ones(T)}


_UPDATE_SLIPS = (  # (cause, the ratio of the change to -lr * dW, hint)
    (
        "uphill",
        lambda c: -1.0,
        "W moved uphill: the update is W -= lr * dW (minus: a small step against the gradient), not W += lr * dW.",
    ),
    (
        "w_not_updated",
        lambda c: 0.0,
        "W never changed: assign the update, W -= lr * dW (or W = W - lr * dW); the expression "
        "W - lr * dW alone makes a new array and throws it away.",
    ),
    (
        "no_learning_rate",
        lambda c: 1 / c["lr"],
        "the step is dW itself: multiply the gradient by the learning rate, W -= lr * dW.",
    ),
    (
        "learning_rate_twice",
        lambda c: c["lr"],
        "the step is lr * lr * dW: multiply the gradient by the learning rate once.",
    ),
    (
        "divided_by_batch_again",
        lambda c: 1 / c["batch_size"],
        "the step is divided by batch_size again: the dW that loss_fn returns is "
        "already a mean over the batch; W -= lr * dW.",
    ),
)


def _update_slip(ratio: np.ndarray, case: dict) -> None:
    """A CheckFailure for an update that is a known slip: the same wrong factor at every iteration."""
    for cause, value, hint in _UPDATE_SLIPS:
        if np.allclose(ratio, value(case), rtol=1e-6, atol=1e-9):
            raise CheckFailure(
                f"train_sgd: W changed by {value(case):.4g} times -lr * dW at every iteration, "
                f"expected exactly -lr * dW.\n  Hint: {hint}",
                cause=cause,
            )


_SGD_HINTS = (
    Hint(
        "step_not_lr_dw",
        lambda got, exp, case: got.ndim == 3,
        "at every iteration W must change by exactly -lr * dW, with the dW that "
        "loss_fn returned for that iteration's batch, and by nothing else.",
    ),
    Hint(
        "loss_history_wrong",
        lambda got, exp, case: got.ndim == 1,
        "loss_history[t] is the loss that loss_fn returned at iteration t "
        "(before that iteration's update), appended inside the loop.",
    ),
)


@register(
    Spec(
        name="train_sgd",
        args=("train_sgd",),
        cases=_sgd_cases,
        call=_call_sgd,
        derive=_judge_sgd,
        expected=_expected_sgd,
        tol=1e-6,
        hints=_SGD_HINTS,
        reference=("course_utils.train.minibatch_sgd",),
    )
)
def check_train_sgd(train_sgd):
    """Check train_sgd(loss_fn, W, X, y, lr, reg, num_iters, batch_size, rng) -> (W, loss_history) (notebook 02).

    Any right way of drawing the mini-batches from rng passes: the check records what train_sgd
    gives loss_fn and judges the batches, the update W -= lr * dW and the loss history.
    """


_PREDICT = {0: (13, 5, 4), 1: (11, 6, 3), 2: (15, 7, 5)}


def _predict_cases(seed: int) -> list[dict]:
    N, D, C = _PREDICT[seed % 3]
    rng = np.random.default_rng(2300 + seed)
    return [dict(W=rng.standard_normal((D, C)), X=rng.standard_normal((N, D)))]


def _call_predict(student, case):
    labels = student["predict"](case["W"], case["X"])
    N, C = case["X"].shape[0], case["W"].shape[1]
    shape = np.shape(labels) if labels is not None else None
    if shape == (N, C):
        raise CheckFailure(
            f"predict returned an array of shape {shape}, the scores: expected the labels, shape "
            f"{(N,)}.\n  Hint: the label of an example is the index of its largest score, "
            "np.argmax(scores, axis=1).",
            cause="returned_scores",
        )
    if shape == (C,):
        raise CheckFailure(
            f"predict returned an array of shape {shape}, one value per class: expected one label "
            f"per example, shape {(N,)}.\n  Hint: np.argmax(scores, axis=0) picks the best example "
            "of each class; take it along the classes, axis=1.",
            cause="returned_per_class",
        )
    if shape == ():
        raise CheckFailure(
            f"predict returned one number, expected one label per example, shape {(N,)}.\n  Hint: "
            "np.argmax without an axis flattens the scores; use np.argmax(scores, axis=1).",
            cause="returned_one_number",
        )
    return {"labels": labels}


def _expected_predict(case):
    return {"labels": models.linear_predict(case["W"], case["X"])}


def _labels_are(f):
    def test(got, exp, case):
        want = f(case["X"] @ case["W"])
        return got.shape == want.shape and np.allclose(got, want)

    return test


_PREDICT_HINTS = (
    Hint(
        "argmin",
        _labels_are(lambda s: s.argmin(axis=1)),
        "argmin picks the lowest score: the predicted class is the one with the highest, np.argmax(scores, axis=1).",
    ),
    Hint(
        "labels_plus_one",
        _labels_are(lambda s: s.argmax(axis=1) + 1),
        "labels start at 0, the index of the column: no + 1.",
    ),
    Hint(
        "max_score_not_label",
        _labels_are(lambda s: s.max(axis=1)),
        "that is each example's highest score; its label is where that score "
        "is, np.argmax(scores, axis=1), not np.max.",
    ),
)


def _predict_sizes(case: dict) -> dict[str, int]:
    (N, D), C = case["X"].shape, case["W"].shape[1]
    return dict(N=N, D=D, C=C)


@register(
    Spec(
        name="predict",
        args=("predict",),
        cases=_predict_cases,
        call=_call_predict,
        expected=_expected_predict,
        hints=_PREDICT_HINTS
        + (
            raised(
                "scores_not_x_times_w",
                _predict_sizes,
                lambda s, case: True,
                "X is (N, D) and W is (D, C): the scores are X @ W, (N, C), one row per example.",
            ),
        ),
        reference=("course_utils.models.linear_predict",),
    )
)
def check_predict(predict):
    """Check predict(W, X) -> labels (N,), the argmax of each row of X @ W (notebook 02)."""


CASE_SIZES = {
    **dict.fromkeys(
        [
            "check_svm_loss_naive",
            "check_svm_loss_vectorized",
            "check_softmax_loss_naive",
            "check_softmax_loss_vectorized",
        ],
        _sizes,
    ),
    "check_train_sgd": _sgd_sizes,
    "check_predict": _predict_sizes,
}
