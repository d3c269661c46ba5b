"""Classification losses: the multiclass SVM (hinge) and softmax (cross-entropy) losses.

Introduced in notebook 02 (linear classifiers); the score losses are the last layer of every
net from notebook 03 on.

Notes
-----
Two levels, so nothing is written twice: ``svm_loss`` and ``softmax_loss`` take scores (N, C)
and return the mean data loss with its gradient dscores; ``linear_svm_loss`` and
``linear_softmax_loss`` take the weights of a linear classifier and go through the stages
scores = X W -> (loss, dscores) -> dW = X^T dscores, then add the L2 penalty
0.5 * reg * sum(W**2) and its gradient reg * W. A net does the same with more stages between X
and the scores.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

__all__ = ["svm_loss", "softmax_loss", "linear_svm_loss", "linear_softmax_loss"]


def _check_scores(scores: np.ndarray, y: np.ndarray, func: str) -> tuple[np.ndarray, np.ndarray]:
    scores = np.asarray(scores, dtype=np.float64)
    y = np.asarray(y)
    if scores.ndim != 2 or y.ndim != 1 or y.shape[0] != scores.shape[0]:
        raise ValueError(f"{func}: scores must be (N, C) and y (N,), got scores {scores.shape} and y {y.shape}")
    if scores.shape[0] == 0:
        raise ValueError(f"{func}: the batch is empty")
    if not np.issubdtype(y.dtype, np.integer):
        raise TypeError(f"{func}: y must hold integer class labels, got dtype {y.dtype}")
    if y.min() < 0 or y.max() >= scores.shape[1]:
        raise ValueError(f"{func}: labels must be in 0..{scores.shape[1] - 1}, got {y.min()}..{y.max()}")
    return scores, y


def svm_loss(scores: np.ndarray, y: np.ndarray) -> tuple[float, np.ndarray]:
    """Multiclass SVM (hinge) loss with margin 1, averaged over the batch.

    Inputs:
    - scores: (N, C) class scores; y: (N,) int labels in 0..C-1.
    Returns: (loss, dscores): the mean over examples of sum_{j != y_i} max(0, s_j - s_{y_i} + 1),
    a float, and its gradient with respect to scores, (N, C).

    Notes: each class whose score comes within the margin of the correct one adds its gap to
    the loss; its gradient is +1 on that class and -1 on the correct class, once per violating
    class. The correct class is never counted against itself (its "margin" would be 1).
    """
    scores, y = _check_scores(scores, y, "svm_loss")
    N = scores.shape[0]
    rows = np.arange(N)
    margins = scores - scores[rows, y][:, None]
    margins += 1.0
    np.maximum(0.0, margins, out=margins)
    margins[rows, y] = 0.0
    loss = margins.sum() / N
    dscores = (margins > 0).astype(np.float64)
    # each row's number of violating classes: a product with ones sums rows of 0s and 1s
    # exactly, faster than numpy's reduction along rows of a few values
    dscores[rows, y] = -(dscores @ np.ones(scores.shape[1]))
    dscores /= N
    return float(loss), dscores


def softmax_loss(scores: np.ndarray, y: np.ndarray) -> tuple[float, np.ndarray]:
    """Softmax cross-entropy loss, averaged over the batch; stable for large scores.

    Inputs:
    - scores: (N, C) class scores (unnormalized log-probabilities); y: (N,) int labels.
    Returns: (loss, dscores): the mean of -log softmax(scores_i)[y_i], a float, and its
    gradient (probabilities - one_hot(y)) / N, shape (N, C).

    Notes: softmax does not change when a constant is added to a row, so each row is shifted
    by its maximum first: the largest exponent becomes exp(0) = 1 and nothing overflows, even
    for scores in the thousands. The log-probabilities are computed as shifted - log(sum exp)
    rather than log(probabilities), so a tiny probability gives a large finite loss, not inf.
    """
    return _softmax_loss(*_check_scores(scores, y, "softmax_loss"))


def _softmax_loss(scores: np.ndarray, y: np.ndarray) -> tuple[float, np.ndarray]:
    """:func:`softmax_loss` of checked inputs: scores (N, C) float64, y (N,) labels in 0..C-1."""
    N = scores.shape[0]
    rows = np.arange(N)
    log_probs = scores - _row_max(scores)  # shifted, then made log-probabilities in place
    log_probs -= np.log(np.exp(log_probs).sum(axis=1, keepdims=True))
    loss = -log_probs[rows, y].sum() / N + 0.0  # + 0.0 turns -0.0 into 0.0
    dscores = np.exp(log_probs)
    dscores[rows, y] -= 1.0
    dscores /= N
    return float(loss), dscores


def _row_max(scores: np.ndarray) -> np.ndarray:
    """Each row's largest value, (N, 1).

    Notes: for the few classes of the course's nets and a few hundred rows or more it is taken
    column by column, which gives the same maximum (a maximum is exact in any order) in a
    quarter of the time of numpy's reduction along rows of 10 values, which pays a cost per
    row. A mini-batch of 100 rows costs the reduction less than the column loop's ten calls.
    """
    if scores.shape[1] > 32 or scores.shape[0] < 200:
        return scores.max(axis=1, keepdims=True)
    top = scores[:, :1].copy()
    for j in range(1, scores.shape[1]):
        np.maximum(top, scores[:, j : j + 1], out=top)
    return top


_ScoreLoss = Callable[[np.ndarray, np.ndarray], tuple[float, np.ndarray]]


def _linear_loss(
    score_loss: _ScoreLoss,
    W: np.ndarray,
    X: np.ndarray,
    y: np.ndarray,
    reg: float,
    func: str,
    bias_row: bool = False,
) -> tuple[float, np.ndarray]:
    W = np.asarray(W, dtype=np.float64)
    X = np.asarray(X, dtype=np.float64)
    if W.ndim != 2 or X.ndim != 2 or X.shape[1] != W.shape[0]:
        raise ValueError(f"{func}: X must be (N, D) and W (D, C), got X {X.shape} and W {W.shape}")
    if bias_row and (W.shape[0] < 2 or not np.all(X[:, -1] == 1.0)):
        raise ValueError(
            f"{func}: bias_row=True needs the bias trick: a last column of ones in X "
            f"(and at least one more column), got X {X.shape}"
        )
    return _linear_loss_terms(score_loss, W, X, y, reg, bias_row)


def _linear_loss_terms(
    score_loss: _ScoreLoss, W: np.ndarray, X: np.ndarray, y: np.ndarray, reg: float, bias_row: bool
) -> tuple[float, np.ndarray]:
    """The three stages of a linear classifier's loss and its penalty, for checked float64 inputs."""
    scores = X @ W  # stage 1: scores (N, C)
    data_loss, dscores = score_loss(scores, y)  # stage 2: loss and dscores (N, C)
    dW = X.T @ dscores  # stage 3: back through the product, (D, C)
    penalized = W
    if bias_row:  # the last row of W, the biases, is not penalized
        penalized = np.vstack([W[:-1], np.zeros((1, W.shape[1]))])
    loss = data_loss + 0.5 * reg * float((penalized * penalized).sum())
    dW += reg * penalized
    return loss, dW


def linear_svm_loss(
    W: np.ndarray, X: np.ndarray, y: np.ndarray, reg: float, *, bias_row: bool = False
) -> tuple[float, np.ndarray]:
    """SVM loss of a linear classifier scores = X W, with L2 regularization.

    Inputs:
    - W: (D, C) weights; X: (N, D) examples (a bias is a constant-1 column of X);
      y: (N,) int labels; reg: regularization strength.
    - bias_row: True when X's last column is the constant 1 of the bias trick: the last row of
      W (the biases) is then left out of the penalty. Default False: all of W is penalized.
    Returns: (loss, dW): mean hinge loss + 0.5 * reg * sum(W**2), and its gradient (D, C).

    Notes: computed in stages, scores -> dscores (by :func:`svm_loss`) -> dW = X^T dscores + reg W,
    the same chain rule as every layer of a net.
    """
    return _linear_loss(svm_loss, W, X, y, reg, "linear_svm_loss", bias_row)


def linear_softmax_loss(
    W: np.ndarray, X: np.ndarray, y: np.ndarray, reg: float, *, bias_row: bool = False
) -> tuple[float, np.ndarray]:
    """Softmax loss of a linear classifier scores = X W, with L2 regularization.

    Inputs:
    - W: (D, C) weights; X: (N, D) examples; y: (N,) int labels; reg: regularization strength.
    - bias_row: as in :func:`linear_svm_loss` (True: the last row of W, the biases, is not penalized).
    Returns: (loss, dW): mean cross-entropy + 0.5 * reg * sum(W**2), and its gradient (D, C).

    Notes: the stages are those of :func:`linear_svm_loss` with :func:`softmax_loss` in the middle.
    """
    return _linear_loss(softmax_loss, W, X, y, reg, "linear_softmax_loss", bias_row)
