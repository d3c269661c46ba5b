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
    loss, dW = loss / N**n_div, dW / N**n_div
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
    loss, dW = loss / N**n_div, dW / N**n_div
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
    for name in (
        "check_svm_loss_naive",
        "check_svm_loss_vectorized",
        "check_softmax_loss_naive",
        "check_softmax_loss_vectorized",
    ):
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
    _fails(
        cu.checks.check_svm_loss_vectorized,
        lambda W, X, y, reg: svm_vectorized(W, X, y, reg, count_correct=True),
        "svm_loss_vectorized: dW.* is wrong.*counted the correct class",
    )


LOSS_ONLY_MISTAKES = [
    (dict(count_correct=True), "counted the correct class in the margin sum"),
    (dict(reg_loss=0.0), "loss is missing the regularization"),
]


@pytest.mark.parametrize("kwargs, match", LOSS_ONLY_MISTAKES)
def test_svm_loss_only_mistakes_fail(kwargs, match):
    # dW is right, only the scalar loss is wrong: the check must still fail on the loss
    _fails(
        cu.checks.check_svm_loss_naive,
        lambda W, X, y, reg: svm_naive(W, X, y, reg, **kwargs),
        "svm_loss_naive: loss is wrong: expected",
    )


@pytest.mark.parametrize("kwargs, match", LOSS_ONLY_MISTAKES)
def test_svm_loss_only_mistakes_hint(kwargs, match):
    _fails(cu.checks.check_svm_loss_naive, lambda W, X, y, reg: svm_naive(W, X, y, reg, **kwargs), match)


SOFTMAX_MISTAKES = [
    (
        dict(shift=False),
        r"loss is not finite for scores in the thousands.*Hint: subtract (the|each) row's max from "
        r"the scores before np.exp, scores = scores - scores.max\(",
    ),
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
    _fails(
        cu.checks.check_svm_loss_naive,
        lambda W, X, y, reg: svm_naive(W, X, y, reg)[0],
        "must return the pair \\(loss, dW\\)",
    )


def test_returns_none():
    _fails(cu.checks.check_svm_loss_naive, lambda W, X, y, reg: (None, None), "dW is None")


def test_transposed_dW():
    _fails(
        cu.checks.check_softmax_loss_naive,
        lambda W, X, y, reg: (softmax_vectorized(W, X, y, reg)[0], softmax_vectorized(W, X, y, reg)[1].T),
        "dW has shape \\(4, 6\\), expected \\(6, 4\\) like W",
    )


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

    _fails(
        cu.checks.check_svm_loss_vectorized, no_margin, r"the margin is 1: margin = scores\[j\] - scores\[y\[i\]\] \+ 1"
    )


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


@pytest.mark.parametrize(
    "check, f, match",
    [
        (
            cu.checks.check_softmax_loss_vectorized,
            softmax_with("W.T"),
            r"raised ValueError.*W is \(D, C\): scores = X @ W, "
            r"without transposing W",
        ),
        (cu.checks.check_softmax_loss_vectorized, softmax_with("keepdims"), r"keepdims=True\) is \(N, 1\)"),
        (
            cu.checks.check_softmax_loss_vectorized,
            softmax_with("X"),
            r"dW = X.T @ dscores, \(D, N\) @ \(N, C\): transpose X",
        ),
        (cu.checks.check_svm_loss_naive, svm_naive_with("row"), r"the column dW\[:, j\].*not the row dW\[j\]"),
        (cu.checks.check_svm_loss_naive, svm_naive_with("range D"), r"raised IndexError.*range\(W.shape\[1\]\)"),
    ],
)
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
    return loss / N + 0.5 * reg * np.sum(W**2), dW / N + reg * W


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


@pytest.mark.parametrize(
    "slip, match",
    [
        ("rows", r"loss is wrong.*probs\[y\] takes whole rows"),
        ("no log", r"loss is wrong.*minus the \*log\* of the correct class's probability"),
        ("one normalization", r"normalize each row on its own.*keepdims=True"),
        ("sign", r"the data part of dW has the wrong sign \(the regularization's is right\)"),
    ],
)
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


# --- the training loop and the predictions ---------------------------------------------------------------------


def sgd(
    loss_fn,
    W,
    X,
    y,
    lr,
    reg,
    num_iters,
    batch_size,
    rng,
    *,
    sample="choice",
    sign=-1.0,
    use_batch=True,
    batch_outside=False,
    same_idx_for_y=True,
    assign=True,
    step_lr=True,
    history_inside=True,
    copy=True,
    reg_passed=None,
):
    """A right mini-batch SGD; keyword arguments switch in the usual mistakes."""
    W = W.copy() if copy else W
    N = X.shape[0]
    history = []
    fixed = np.random.default_rng(0)
    draw = {
        "choice": lambda: rng.choice(N, batch_size),
        "no replacement": lambda: rng.choice(N, batch_size, replace=False),
        "integers": lambda: rng.integers(0, N, batch_size),
        "permutation": lambda: rng.permutation(N)[:batch_size],
        "global": lambda: np.random.choice(N, batch_size),
        "fresh generator": lambda: np.random.default_rng().choice(N, batch_size),
        "fixed seed": lambda: fixed.choice(N, batch_size),
        "seeded anew": lambda: np.random.default_rng(0).choice(N, batch_size),
        "from the batch size": lambda: rng.choice(batch_size, batch_size),
    }[sample]
    idx = draw() if batch_outside else None
    loss = None
    for _ in range(num_iters):
        if not batch_outside:
            idx = draw()
        X_batch, y_batch = (X[idx], y[idx if same_idx_for_y else draw()]) if use_batch else (X, y)
        loss, dW = loss_fn(W, X_batch, y_batch, reg if reg_passed is None else reg_passed)
        step = (lr if step_lr else 1.0) * dW
        if assign:
            W = W + sign * step if copy else W.__iadd__(sign * step)
        if history_inside:
            history.append(loss)
    if not history_inside:
        history.append(loss)
    return W, history


def sgd_epochs(loss_fn, W, X, y, lr, reg, num_iters, batch_size, rng):
    """Another right answer: a new permutation every epoch, full batches walked through in order, vectorized history."""
    N = X.shape[0]
    history = np.zeros(num_iters)
    order, start = rng.permutation(N), 0
    for it in range(num_iters):
        if start + batch_size > N:
            order, start = rng.permutation(N), 0
        idx = order[start : start + batch_size]
        start += batch_size
        history[it], dW = loss_fn(W, X[idx], y[idx], reg)
        W = W - lr * dW
    return W, history


def sgd_with(**mistake):
    return lambda loss_fn, W, X, y, lr, reg, num_iters, batch_size, rng: sgd(
        loss_fn, W, X, y, lr, reg, num_iters, batch_size, rng, **mistake
    )


@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize(
    "train_sgd",
    [
        sgd_with(),
        sgd_with(sample="no replacement"),
        sgd_with(sample="integers"),
        sgd_with(sample="permutation"),
        sgd_epochs,
    ],
    ids=["choice", "no replacement", "integers", "permutation", "epochs"],
)
def test_train_sgd_right_answers_written_differently_pass(train_sgd, seed, capsys):
    cu.checks.check_train_sgd(train_sgd=train_sgd, seed=seed)
    assert "\u2713 train_sgd: all 2 quantities match" in capsys.readouterr().out


def test_the_reference_sgd_passes():
    cu.checks.check_train_sgd(cu.train.minibatch_sgd, verbose=False)


@pytest.mark.parametrize(
    "mistake, match",
    [
        (dict(sample="global"), r"numpy's global generator np.random.*Hint: sample the batch from the rng"),
        (dict(sample="fresh generator"), r"different mini-batches for two generators seeded alike"),
        (dict(sample="fixed seed"), r"same mini-batches for two generators seeded differently: it ignores rng"),
        (dict(batch_outside=True), r"the same mini-batch at every iteration.*inside the loop"),
        (dict(sample="seeded anew"), r"the same mini-batch at every iteration.*not from a generator made anew"),
        (dict(sample="from the batch size"), r"only ever hold 22% of the N examples.*not from range\(batch_size\)"),
        (
            dict(sign=+1.0),
            r"W changed by -1 times -lr \* dW at every iteration.*W moved uphill: the update is "
            r"W -= lr \* dW",
        ),
        (dict(use_batch=False), r"all N examples of X at iteration 0, not a mini-batch.*X\[idx\], y\[idx\]"),
        (dict(same_idx_for_y=False), r"labels that are not those of the batch's examples.*same indices"),
        (dict(assign=False), r"W never changed: assign the update"),
        (dict(step_lr=False), r"the step is dW itself: multiply the gradient by the learning rate"),
        (dict(history_inside=False), r"loss_history has shape \(1,\), expected one loss per iteration, shape \(25,\)"),
        (dict(copy=False), r"train_sgd modified its input `W` in place"),
        (dict(reg_passed=0.0), r"passed reg = 0 to loss_fn, expected the reg it was given"),
    ],
    ids=[
        "global rng",
        "fresh generator",
        "fixed seed",
        "same batch",
        "seeded anew",
        "range(B)",
        "plus",
        "whole X",
        "y mismatch",
        "not assigned",
        "no lr",
        "history outside",
        "in place",
        "reg",
    ],
)
def test_train_sgd_mistakes_fail_with_their_hint(mistake, match):
    _fails(cu.checks.check_train_sgd, sgd_with(**mistake), match)


def test_train_sgd_other_mistakes():
    def swapped(loss_fn, W, X, y, lr, reg, num_iters, batch_size, rng):
        W, history = sgd(loss_fn, W, X, y, lr, reg, num_iters, batch_size, rng)
        return history, W

    _fails(cu.checks.check_train_sgd, swapped, r"returned W with shape \(25,\), expected shape \(D, C\) = \(7, 3\)")

    def twice(loss_fn, W, X, y, lr, reg, num_iters, batch_size, rng):
        history = []
        for _ in range(num_iters):
            idx = rng.choice(len(X), batch_size)
            loss = loss_fn(W, X[idx], y[idx], reg)[0]
            dW = loss_fn(W, X[idx], y[idx], reg)[1]
            W = W - lr * dW
            history.append(loss)
        return W, history

    _fails(
        cu.checks.check_train_sgd,
        twice,
        r"called loss_fn more times than once per iteration.*one call per "
        r"iteration",
    )

    def own_loss(loss_fn, W, X, y, lr, reg, num_iters, batch_size, rng):
        return W.copy(), [0.0] * num_iters

    _fails(cu.checks.check_train_sgd, own_loss, r"never called loss_fn")

    def only_lr(loss_fn, W, X, y, lr, reg, num_iters, batch_size, rng):
        W = W.copy()
        history = []
        for _ in range(num_iters):
            idx = rng.choice(len(X), batch_size)
            loss, dW = loss_fn(W, X[idx], y[idx], reg)
            W -= lr * dW / batch_size
            history.append(loss)
        return W, history

    _fails(cu.checks.check_train_sgd, only_lr, r"divided by batch_size again")

    def loss_after_update(loss_fn, W, X, y, lr, reg, num_iters, batch_size, rng):
        W, history = sgd(loss_fn, W, X, y, lr, reg, num_iters, batch_size, rng)
        return W, np.cumsum(history) / np.arange(1, num_iters + 1)  # a running mean instead

    _fails(
        cu.checks.check_train_sgd,
        loss_after_update,
        r"loss_history / loss_fn's losses.* is wrong.*"
        r"loss_history\[t\] is the loss that loss_fn returned",
    )


def test_train_sgd_blank_gets_the_short_message():
    def train_sgd(loss_fn, W, X, y, lr, reg, num_iters, batch_size, rng):
        raise NotImplementedError()

    with pytest.raises(
        NotImplementedError,
        match=r"^train_sgd is not filled in yet: write your code in its cell, "
        r'in place of "raise NotImplementedError\(\)".$',
    ):
        cu.checks.check_train_sgd(train_sgd=train_sgd)


def predict_loops(W, X):
    labels = np.zeros(X.shape[0], dtype=int)
    for i in range(X.shape[0]):
        scores = X[i] @ W
        best = 0
        for j in range(1, W.shape[1]):
            if scores[j] > scores[best]:
                best = j
        labels[i] = best
    return labels


@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize(
    "predict",
    [
        lambda W, X: np.argmax(X @ W, axis=1),
        lambda W, X: (X @ W).argmax(1).tolist(),
        predict_loops,
        cu.models.linear_predict,
    ],
    ids=["argmax", "list", "loops", "ref"],
)
def test_predict_right_answers_pass(predict, seed):
    cu.checks.check_predict(predict=predict, seed=seed, verbose=False)


@pytest.mark.parametrize(
    "predict, match",
    [
        (lambda W, X: X @ W, r"returned an array of shape \(13, 4\), the scores.*np.argmax\(scores, axis=1\)"),
        (lambda W, X: np.argmax(X @ W, axis=0), r"shape \(4,\), one value per class.*along the classes, axis=1"),
        (lambda W, X: np.argmax(X @ W), r"returned one number.*without an axis flattens"),
        (lambda W, X: np.argmin(X @ W, axis=1), r"labels\[.*\] is wrong.*argmin picks the lowest score"),
        (lambda W, X: np.argmax(X @ W, axis=1) + 1, r"labels start at 0.*no \+ 1"),
        (lambda W, X: np.max(X @ W, axis=1), r"its label is where that score is.*not np.max"),
        (lambda W, X: np.argmax(X @ W.T, axis=1), r"raised ValueError.*the scores are X @ W, \(N, C\)"),
    ],
    ids=["scores", "axis 0", "no axis", "argmin", "plus one", "max", "W.T"],
)
def test_predict_mistakes_fail_with_their_hint(predict, match):
    _fails(cu.checks.check_predict, predict, match)


def test_predict_blank_gets_the_short_message():
    def predict(W, X):
        raise NotImplementedError()

    with pytest.raises(NotImplementedError, match=r"^predict is not filled in yet"):
        cu.checks.check_predict(predict=predict)


def test_training_checks_name_their_references():
    assert REGISTRY["check_train_sgd"].reference == ("course_utils.train.minibatch_sgd",)
    assert REGISTRY["check_predict"].reference == ("course_utils.models.linear_predict",)


@pytest.mark.parametrize("seed", [1, 2])
def test_training_checks_split_for_the_grader(seed):
    for name, student in (
        ("check_train_sgd", {"train_sgd": sgd_epochs}),
        ("check_predict", {"predict": predict_loops}),
    ):
        spec = REGISTRY[name]
        for case in spec.cases(seed):
            outputs, modified = run_student(spec, student, case)
            assert all(r.ok for r in verify(spec, case, outputs, spec.expected(case), modified))
    spec = REGISTRY["check_train_sgd"]
    case = spec.cases(seed)[0]
    outputs, modified = run_student(spec, {"train_sgd": sgd_epochs}, case)
    outputs["loss_history / loss_fn's losses"] = outputs["loss_history / loss_fn's losses"] * 1.01
    with pytest.raises(CheckFailure, match="loss_history / loss_fn's losses"):
        verify(spec, case, outputs, spec.expected(case), modified)


@pytest.mark.parametrize(
    "check, f, code",
    [
        (
            "check_svm_loss_naive",
            lambda W, X, y, reg: svm_naive(W, X, y, reg, n_div=0),
            "svm_loss_naive.missing_batch_mean",
        ),
        (
            "check_svm_loss_naive",
            lambda W, X, y, reg: svm_naive(W, X, y, reg, correct_grad=False),
            "svm_loss_naive.correct_class_gradient_missing",
        ),
        ("check_svm_loss_naive", svm_naive_with("row"), "svm_loss_naive.gradient_row_not_column"),
        (
            "check_svm_loss_vectorized",
            lambda W, X, y, reg: svm_naive(W, X, y, reg, reg_grad=0.0),
            "svm_loss_vectorized.missing_reg_gradient",
        ),
        (
            "check_softmax_loss_naive",
            lambda W, X, y, reg: softmax_naive(W, X, y, reg, minus_one=False),
            "softmax_loss_naive.missing_minus_one",
        ),
        ("check_softmax_loss_vectorized", softmax_with("W.T"), "softmax_loss_vectorized.w_transposed"),
        ("check_train_sgd", sgd_with(sign=+1.0), "train_sgd.uphill"),
        ("check_train_sgd", sgd_with(reg_passed=0.0), "train_sgd.reg_not_passed"),
        ("check_predict", lambda W, X: np.argmin(X @ W, axis=1), "predict.argmin"),
        ("check_predict", lambda W, X: np.argmax(X @ W.T, axis=1), "predict.scores_not_x_times_w"),
    ],
    ids=lambda v: v if isinstance(v, str) else "",
)
def test_typical_slips_have_their_cause_codes(check, f, code):
    with np.errstate(all="ignore"), pytest.raises(cu.checks.CheckFailure) as info:
        getattr(cu.checks, check)(f, verbose=False)
    assert info.value.code == code
