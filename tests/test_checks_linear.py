"""The notebook 02 checks: pass on correct losses, fail with the right hint on typical slips."""
import numpy as np
import pytest

import course_utils as cu
from course_utils.checks import REGISTRY, CheckFailure, run_student, verify

CHECKS = {
    "svm": [cu.checks.check_svm_loss_naive, cu.checks.check_svm_loss_vectorized],
    "softmax": [cu.checks.check_softmax_loss_naive, cu.checks.check_softmax_loss_vectorized],
}


def svm_naive(W, X, y, reg, *, count_correct=False, reg_grad=1.0, reg_loss=1.0, n_div=1, correct_grad=True):
    """Loops over examples and classes; keyword arguments switch in the usual mistakes."""
    N, C = X.shape[0], W.shape[1]
    loss, dW = 0.0, np.zeros_like(W)
    for i in range(N):
        scores = X[i] @ W
        for j in range(C):
            if j == y[i] and not count_correct:
                continue
            margin = scores[j] - scores[y[i]] + 1
            if margin > 0:
                loss += margin
                dW[:, j] += X[i]
                if correct_grad:
                    dW[:, y[i]] -= X[i]
    loss, dW = loss / N ** n_div, dW / N ** n_div
    return loss + reg_loss * 0.5 * reg * np.sum(W * W), dW + reg_grad * reg * W


def svm_vectorized(W, X, y, reg, *, count_correct=False):
    N = X.shape[0]
    rows = np.arange(N)
    scores = X @ W
    margins = np.maximum(0, scores - scores[rows, y][:, None] + 1)
    if not count_correct:
        margins[rows, y] = 0
    positive = (margins > 0).astype(float)
    positive[rows, y] = -positive.sum(axis=1)
    loss = margins.sum() / N + 0.5 * reg * np.sum(W * W)
    return loss, X.T @ positive / N + reg * W


def softmax_naive(W, X, y, reg, *, shift=True, minus_one=True, reg_grad=1.0, n_div=1):
    N, C = X.shape[0], W.shape[1]
    loss, dW = 0.0, np.zeros_like(W)
    for i in range(N):
        scores = X[i] @ W
        if shift:
            scores = scores - scores.max()
        probs = np.exp(scores) / np.sum(np.exp(scores))
        loss -= np.log(probs[y[i]])
        for j in range(C):
            dW[:, j] += (probs[j] - (minus_one and j == y[i])) * X[i]
    loss, dW = loss / N ** n_div, dW / N ** n_div
    return loss + 0.5 * reg * np.sum(W * W), dW + reg_grad * reg * W


def softmax_vectorized(W, X, y, reg):
    N = X.shape[0]
    scores = X @ W
    scores = scores - scores.max(axis=1, keepdims=True)
    probs = np.exp(scores)
    probs /= probs.sum(axis=1, keepdims=True)
    loss = -np.log(probs[np.arange(N), y]).mean() + 0.5 * reg * np.sum(W * W)
    probs[np.arange(N), y] -= 1
    return loss, X.T @ probs / N + reg * W


def _fails(check, f, match):
    with np.errstate(all="ignore"), pytest.raises(AssertionError, match="(?s)" + match):
        check(f, verbose=False)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_correct_implementations_pass(seed, capsys):
    for check in CHECKS["svm"]:
        check(svm_naive, seed=seed)
        check(svm_vectorized, seed=seed)
    for check in CHECKS["softmax"]:
        check(softmax_naive, seed=seed)
        check(softmax_vectorized, seed=seed)
    out = capsys.readouterr().out
    assert out.count("\u2713") == 8 and "FAIL" not in out


def test_registered_with_reference_names():
    for name in ("check_svm_loss_naive", "check_svm_loss_vectorized",
                 "check_softmax_loss_naive", "check_softmax_loss_vectorized"):
        spec = REGISTRY[name]
        assert spec.reference and all(r.startswith("course_utils.losses.") for r in spec.reference)
        assert name in cu.checks.__all__


SVM_MISTAKES = [
    (dict(reg_grad=0.0), "dW\\[.*\\] is wrong.*missing the gradient of the regularization: add reg \\* W"),
    (dict(reg_loss=2.0, reg_grad=2.0), "L2 term is doubled"),
    (dict(n_div=2), "divided by N twice"),
    (dict(n_div=0), "not divided by N"),
    (dict(correct_grad=False), "correct class's column is missing its gradient"),
]


@pytest.mark.parametrize("kwargs, match", SVM_MISTAKES)
@pytest.mark.parametrize("check", CHECKS["svm"])
def test_svm_mistakes(check, kwargs, match):
    _fails(check, lambda W, X, y, reg: svm_naive(W, X, y, reg, **kwargs), match)


def test_svm_vectorized_counting_correct_class():
    _fails(cu.checks.check_svm_loss_vectorized,
           lambda W, X, y, reg: svm_vectorized(W, X, y, reg, count_correct=True),
           "svm_loss_vectorized: dW.* is wrong.*counted the correct class")


LOSS_ONLY_MISTAKES = [
    (dict(count_correct=True), "counted the correct class in the margin sum"),
    (dict(reg_loss=0.0), "loss is missing the regularization"),
]


@pytest.mark.parametrize("kwargs, match", LOSS_ONLY_MISTAKES)
def test_svm_loss_only_mistakes_fail(kwargs, match):
    # dW is right, only the scalar loss is wrong: the check must still fail on the loss
    _fails(cu.checks.check_svm_loss_naive, lambda W, X, y, reg: svm_naive(W, X, y, reg, **kwargs),
           "svm_loss_naive: loss is wrong: expected")


@pytest.mark.parametrize("kwargs, match", LOSS_ONLY_MISTAKES)
def test_svm_loss_only_mistakes_hint(kwargs, match):
    _fails(cu.checks.check_svm_loss_naive, lambda W, X, y, reg: svm_naive(W, X, y, reg, **kwargs), match)


SOFTMAX_MISTAKES = [
    (dict(shift=False), r"loss is not finite for scores in the thousands.*Hint: subtract (the|each) row's max from "
                        r"the scores before np.exp, scores = scores - scores.max\("),
    (dict(minus_one=False), "the -1 is missing"),
    (dict(reg_grad=0.0), "missing the gradient of the regularization"),
    (dict(n_div=2), "divided by N twice"),
]


@pytest.mark.parametrize("kwargs, match", SOFTMAX_MISTAKES)
@pytest.mark.parametrize("check", CHECKS["softmax"])
def test_softmax_mistakes(check, kwargs, match):
    _fails(check, lambda W, X, y, reg: softmax_naive(W, X, y, reg, **kwargs), match)


def test_other_dw_error_gets_the_staging_hint():
    def wrong(W, X, y, reg):
        loss, dW = softmax_vectorized(W, X, y, reg)
        return loss, dW + 0.01 * np.cos(W)
    _fails(cu.checks.check_softmax_loss_vectorized, wrong, "go through the stages again")


def test_returns_only_the_loss():
    _fails(cu.checks.check_svm_loss_naive, lambda W, X, y, reg: svm_naive(W, X, y, reg)[0],
           "must return the pair \\(loss, dW\\)")


def test_returns_none():
    _fails(cu.checks.check_svm_loss_naive, lambda W, X, y, reg: (None, None), "dW is None")


def test_transposed_dW():
    _fails(cu.checks.check_softmax_loss_naive, lambda W, X, y, reg: (softmax_vectorized(W, X, y, reg)[0],
           softmax_vectorized(W, X, y, reg)[1].T), "dW has shape \\(4, 6\\), expected \\(6, 4\\) like W")


def test_modifying_the_input_is_caught():
    def in_place(W, X, y, reg):
        X -= X.mean(axis=0)
        return svm_vectorized(W, X, y, reg)
    _fails(cu.checks.check_svm_loss_vectorized, in_place, "modified its input `X` in place")


def test_not_implemented_errors():
    def blank(W, X, y, reg):
        raise NotImplementedError()
    with pytest.raises(NotImplementedError):
        cu.checks.check_svm_loss_naive(svm_loss_naive=blank)


def test_grader_split_call_and_verify():
    spec = REGISTRY["check_softmax_loss_vectorized"]
    for case in spec.cases(2):
        outputs, modified = run_student(spec, {"softmax_loss_vectorized": softmax_vectorized}, case)
        rows = verify(spec, case, outputs, spec.expected(case), modified)
        assert all(r.ok for r in rows)
    case = spec.cases(1)[0]
    outputs, modified = run_student(spec, {"softmax_loss_vectorized": softmax_naive}, case)
    outputs["dW"] = outputs["dW"] * 2
    with pytest.raises(CheckFailure):
        verify(spec, case, outputs, spec.expected(case), modified)


def test_softmax_cases_overflow_without_shift():
    case = REGISTRY["check_softmax_loss_naive"].cases(0)[1]
    scores = case["X"] @ case["W"]
    assert np.abs(scores).max() > 800  # exp() overflows or underflows
    spread = scores.max(axis=1) - scores.min(axis=1)
    assert spread.max() < 300  # but the shifted version has no trouble


def test_svm_without_the_margin():
    def no_margin(W, X, y, reg):
        N = X.shape[0]
        scores = X @ W
        margins = np.maximum(0, scores - scores[np.arange(N), y][:, None])
        positive = (margins > 0).astype(float)
        positive[np.arange(N), y] = -positive.sum(axis=1)
        return margins.sum() / N + 0.5 * reg * np.sum(W * W), X.T @ positive / N + reg * W
    _fails(cu.checks.check_svm_loss_vectorized, no_margin,
           r"the margin is 1: margin = scores\[j\] - scores\[y\[i\]\] \+ 1")


def softmax_with(slip):
    """softmax_vectorized with one line replaced by a usual slip that makes numpy raise."""
    def f(W, X, y, reg):
        N = X.shape[0]
        scores = X @ (W.T if slip == "W.T" else W)
        scores = scores - (scores.max(axis=1) if slip == "keepdims" else scores.max(axis=1, keepdims=True))
        probs = np.exp(scores) / np.exp(scores).sum(axis=1, keepdims=True)
        loss = -np.log(probs[np.arange(N), y]).mean() + 0.5 * reg * np.sum(W * W)
        dscores = probs.copy()
        dscores[np.arange(N), y] -= 1
        dW = X @ dscores if slip == "X" else X.T @ dscores
        return loss, dW / N + reg * W
    return f


def svm_naive_with(slip):
    def f(W, X, y, reg):
        N, D = X.shape
        dW, loss = np.zeros_like(W), 0.0
        for i in range(N):
            scores = X[i] @ W
            for j in range(D if slip == "range D" else W.shape[1]):
                margin = scores[j] - scores[y[i]] + 1
                if j != y[i] and margin > 0:
                    loss += margin
                    if slip == "row":
                        dW[j] += X[i]
                    else:
                        dW[:, j] += X[i]
                    dW[:, y[i]] -= X[i]
        return loss / N + 0.5 * reg * np.sum(W * W), dW / N + reg * W
    return f


@pytest.mark.parametrize("check, f, match", [
    (cu.checks.check_softmax_loss_vectorized, softmax_with("W.T"), r"raised ValueError.*W is \(D, C\): scores = X @ W, "
                                                                     r"without transposing W"),
    (cu.checks.check_softmax_loss_vectorized, softmax_with("keepdims"), r"keepdims=True\) is \(N, 1\)"),
    (cu.checks.check_softmax_loss_vectorized, softmax_with("X"),
     r"dW = X.T @ dscores, \(D, N\) @ \(N, C\): transpose X"),
    (cu.checks.check_svm_loss_naive, svm_naive_with("row"), r"the column dW\[:, j\].*not the row dW\[j\]"),
    (cu.checks.check_svm_loss_naive, svm_naive_with("range D"), r"raised IndexError.*range\(W.shape\[1\]\)"),
])
def test_numpy_errors_get_the_exercise_hint(check, f, match):
    _fails(check, f, match)


def test_loss_of_shape_one_is_not_a_missing_batch_sum():
    def f(W, X, y, reg):
        loss, dW = svm_vectorized(W, X, y, reg)
        return np.array([loss]), dW
    with pytest.raises(AssertionError) as info:
        cu.checks.check_svm_loss_vectorized(f, verbose=False)
    assert "loss has shape (1,)" in str(info.value) and "sum over the batch" not in str(info.value)


def softmax_logsumexp(W, X, y, reg):
    """Log-probabilities by log-sum-exp, dW from a one-hot matrix: another correct formula."""
    N, C = X.shape[0], W.shape[1]
    scores = X @ W
    log_probs = scores - np.logaddexp.reduce(scores, axis=1)[:, None]
    onehot = np.eye(C)[y]
    loss = -np.sum(log_probs * onehot) / N + 0.5 * reg * np.vdot(W, W)
    return float(loss), X.T @ (np.exp(log_probs) - onehot) / N + reg * W


def softmax_naive_per_class(W, X, y, reg):
    """A loop over examples and classes, the row max taken with Python's max()."""
    N, C = X.shape[0], W.shape[1]
    loss, dW = 0.0, np.zeros(W.shape)
    for i in range(N):
        scores = [float(X[i] @ W[:, j]) for j in range(C)]
        top = max(scores)
        exps = [np.exp(s - top) for s in scores]
        total = sum(exps)
        loss += np.log(total) - (scores[y[i]] - top)
        for j in range(C):
            dW[:, j] += (exps[j] / total - (j == y[i])) * X[i]
    return loss / N + 0.5 * reg * np.sum(W ** 2), dW / N + reg * W


def svm_with_where(W, X, y, reg):
    N = X.shape[0]
    scores = X @ W
    correct = np.take_along_axis(scores, y[:, None], axis=1)
    margins = np.where(np.arange(W.shape[1]) == y[:, None], 0.0, np.maximum(0.0, scores - correct + 1))
    dscores = (margins > 0).astype(float)
    dscores -= np.eye(W.shape[1])[y] * dscores.sum(axis=1, keepdims=True)
    return margins.sum() / N + reg / 2 * np.sum(W * W), X.T.dot(dscores) / N + reg * W


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_correct_answers_written_differently_pass(seed):
    for check in CHECKS["softmax"]:
        check(softmax_logsumexp, seed=seed, verbose=False)
        check(softmax_naive_per_class, seed=seed, verbose=False)
    for check in CHECKS["svm"]:
        check(svm_with_where, seed=seed, verbose=False)


def test_penalty_without_the_square():
    def f(W, X, y, reg):
        loss, dW = svm_vectorized(W, X, y, reg)
        return loss - 0.5 * reg * np.sum(W * W) + 0.5 * reg * np.sum(W), dW
    _fails(cu.checks.check_svm_loss_vectorized, f, r"loss is wrong.*the penalty squares the weights")


def _softmax_slip(slip):
    def f(W, X, y, reg):
        N = X.shape[0]
        rows = np.arange(N)
        scores = X @ W
        if slip == "one normalization":
            e = np.exp(scores - scores.max())
            probs = e / e.sum()
        else:
            e = np.exp(scores - scores.max(axis=1, keepdims=True))
            probs = e / e.sum(axis=1, keepdims=True)
        picked = {"rows": probs[y], "no log": None}.get(slip)
        if slip == "rows":
            data = -np.log(picked).sum() / N
        elif slip == "no log":
            data = -probs[rows, y].mean()
        else:
            data = -np.log(probs[rows, y]).mean()
        dscores = probs.copy()
        dscores[rows, y] -= 1
        dW = X.T @ dscores / N
        if slip == "sign":
            dW = -dW
        return data + 0.5 * reg * np.sum(W * W), dW + reg * W
    return f


@pytest.mark.parametrize("slip, match", [
    ("rows", r"loss is wrong.*probs\[y\] takes whole rows"),
    ("no log", r"loss is wrong.*minus the \*log\* of the correct class's probability"),
    ("one normalization", r"normalize each row on its own.*keepdims=True"),
    ("sign", r"the data part of dW has the wrong sign \(the regularization's is right\)"),
])
def test_softmax_formula_slips(slip, match):
    for check in CHECKS["softmax"]:
        _fails(check, _softmax_slip(slip), match)


def test_svm_mask_that_counts_every_class():
    def f(W, X, y, reg):
        N = X.shape[0]
        rows = np.arange(N)
        scores = X @ W
        margins = np.maximum(0, scores - scores[rows, y][:, None] + 1)
        margins[rows, y] = 0
        counted = (margins >= 0).astype(float)
        counted[rows, y] = 0
        counted[rows, y] = -counted.sum(axis=1)
        return margins.sum() / N + 0.5 * reg * np.sum(W * W), X.T @ counted / N + reg * W
    _fails(cu.checks.check_svm_loss_vectorized, f, r"\(margins > 0\), not \(margins >= 0\)")
