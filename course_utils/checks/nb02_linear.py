"""Checks for notebook 02: the SVM and softmax losses of a linear classifier, naive and vectorized.

Every check calls the student's ``f(W, X, y, reg) -> (loss, dW)`` on random, non-trivial
inputs (``reg > 0``, margins on both sides of zero) and compares with
:func:`course_utils.losses.linear_svm_loss` or :func:`~course_utils.losses.linear_softmax_loss`.
The softmax checks add a case whose scores are in the thousands, so an implementation that
does not shift by the row maximum overflows and is caught. When a result is wrong, the hints
recognise the usual slips: the regularization term or its gradient forgotten or doubled,
dividing by N twice or not at all, the correct class counted in the SVM's margin sum, the -1
of the softmax gradient forgotten.
"""
from __future__ import annotations

import numpy as np

from .. import losses as ref
from ._core import CheckFailure, Spec
from ._registry import register
from ._shapes import ShapeSpec, read

__all__ = [
    "check_svm_loss_naive", "check_svm_loss_vectorized",
    "check_softmax_loss_naive", "check_softmax_loss_vectorized",
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
        raise CheckFailure(f"{name} must return the pair (loss, dW), got a {kind}.")
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
                "becomes exp(0) = 1."
            )
    return dict(loss=loss, dW=dW)


_STAGES = "X (N, D), W and dW (D, C), scores and dscores (N, C), y (N,): scores = X @ W, dW = X.T @ dscores"


def _error_hint(case: dict, message: str) -> str | None:
    s = read(message, _sizes(case))
    if s is None:
        return None
    if s.kind == "product":
        known = {
            ("D", "C"): "W is (D, C): scores = X @ W, without transposing W.",
            ("N", "D"): "X is (N, D), one row per example: scores = X @ W, without transposing X.",
            ("C", "N"): "dW = X.T @ dscores, with X.T first: (D, N) @ (N, C).",
            ("D", "N"): "the batch axis N is summed in dW = X.T @ dscores, (D, N) @ (N, C): transpose X.",
            ("N", "C"): "dscores is already (N, C): dW = X.T @ dscores, without transposing dscores.",
        }
        return known.get((s.left, s.right), f"a product of (..., {s.left}) @ ({s.right}, ...) does not fit: {_STAGES}.")
    if s.kind == "broadcast":
        if {"(C,)", "(D,)"} <= set(s.shapes):
            return ("dW is (D, C): the gradient of class j is the column dW[:, j] (D numbers, like X[i]), "
                    "not the row dW[j].")
        if "(N, C)" in s.shapes and "(N,)" in s.shapes:
            return ("a per-row max or sum must keep its axis to broadcast over the columns: "
                    "scores.max(axis=1, keepdims=True) is (N, 1).")
        return f"shapes {' and '.join(s.shapes)} do not broadcast: {_STAGES}."
    if s.kind == "index":
        loops = {"C": "loop over the classes with range(W.shape[1]) (C of them)",
                 "N": "loop over the examples with range(X.shape[0]) (N of them)",
                 "D": "X[i] has D features, W.shape[0]; the classes are W's columns, range(W.shape[1])"}
        return f"an index ran past the end of an axis of length {s.size}: {loops.get(s.size, _STAGES)}."
    return None


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
    return (-np.log(probs[rows, y]).mean() + 0.5 * reg * float(np.sum(W * W)),
            X.T @ dscores / N + reg * W)


def _svm_mask_ge(case, kind):
    # (margins >= 0) counts every class: after np.maximum(0, ...) every margin is >= 0
    W, X, y, reg = case["W"], case["X"], case["y"], case["reg"]
    N, C, rows = len(y), W.shape[1], np.arange(len(y))
    counted = np.ones((N, C))
    counted[rows, y] = -(C - 1)
    return None, X.T @ counted / N + reg * W


_COMMON_HINTS = [
    (_matches(_no_reg, "dW"), "dW is missing the gradient of the regularization: add reg * W."),
    (_matches(_no_reg, "loss"), "the loss is missing the regularization: add 0.5 * reg * np.sum(W * W)."),
    (_matches(_reg_not_squared, "loss"), "the penalty squares the weights: add 0.5 * reg * np.sum(W * W), not "
                                         "0.5 * reg * np.sum(W)."),
    (_matches(_double_reg), "the L2 term is doubled: the course's convention is 0.5 * reg * np.sum(W * W), "
                  "whose gradient is reg * W."),
    (_matches(_data_sign, "dW"), "the data part of dW has the wrong sign (the regularization's is right): dscores "
                                 "is +1 (SVM) or +probability (softmax) at the other classes and negative at the "
                                 "correct class, and dW = X.T @ dscores."),
    (_matches(_twice_n), "the data part is divided by N twice: divide the summed data loss and its gradient by "
                         "N = X.shape[0] once, then add the regularization (which is not divided by N)."),
    (_matches(_no_n), "the data part is not divided by N: divide the summed data loss and its gradient by "
                      "N = X.shape[0] (they are means over the batch), then add the regularization."),
]
_SVM_HINTS = [
    (_matches(_svm_correct_counted), "you counted the correct class in the margin sum (its margin s_y - s_y + 1 is "
                                     "always 1): skip j == y[i] in the loop, or set margins[np.arange(N), y] = 0."),
    (_matches(_svm_no_correct_grad), "the correct class's column is missing its gradient: for every class j that "
                                     "violates the margin, dW[:, y[i]] -= X[i] as well as dW[:, j] += X[i]."),
    (_matches(_svm_mask_ge), "count only the classes whose margin is > 0: (margins > 0), not (margins >= 0), "
                             "since every margin is >= 0 after np.maximum(0, ...)."),
    (_matches(_svm_no_margin), "the margin is 1: margin = scores[j] - scores[y[i]] + 1, counted where it is > 0."),
]
_SOFTMAX_HINTS = [
    (_matches(_softmax_rows_by_label, "loss"), "probs[y] takes whole rows; pick one probability per example: "
                                               "-np.log(probs[np.arange(N), y]).mean()."),
    (_matches(_softmax_no_log, "loss"), "the loss is minus the *log* of the correct class's probability: "
                                        "-np.log(probs[np.arange(N), y]).mean()."),
    (_matches(_softmax_one_normalization), "normalize each row on its own: probs = exp_scores / "
                                           "exp_scores.sum(axis=1, keepdims=True) (a sum without axis adds up the "
                                           "whole batch)."),
    (_matches(_softmax_no_minus_one), "dscores is softmax(scores) minus 1 at the correct class, and the -1 is "
                                      "missing: dscores[np.arange(N), y] -= 1 (in a loop: dW[:, y[i]] -= X[i])."),
]
_DSCORES = {
    "svm": "+1 at every class j whose margin scores[i, j] - scores[i, y[i]] + 1 is > 0, and minus their count at "
           "y[i]",
    "softmax": "the probabilities, minus 1 at y[i]",
}


def _dw_other(kind: str) -> tuple:
    """The last hint for a wrong dW: the stages, with this loss's dscores spelled out."""
    return (lambda got, exp, case: got.ndim == 2,
            f"go through the stages again, printing each: scores = X @ W (N, C); dscores (N, C) is {_DSCORES[kind]}, "
            "divided by N; dW = X.T @ dscores + reg * W.")


def _spec(name: str, kind: str) -> Spec:
    extra = _SVM_HINTS if kind == "svm" else _SOFTMAX_HINTS
    hints = tuple(
        (lambda got, exp, case, t=test: t(got, exp, case, kind), text)
        for test, text in _COMMON_HINTS + extra
    ) + (_dw_other(kind),)
    return ShapeSpec(
        name=name, args=(name,), error_hint=_error_hint,
        cases=lambda seed: _cases(seed, kind),
        call=lambda student, case: _call(student, case, name=name),
        expected=lambda case: _expected(case, kind=kind),
        like={"dW": "W"}, batch="X", hints=hints,
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


CASE_SIZES = dict.fromkeys(__all__, _sizes)
