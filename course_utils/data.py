"""Data sets and preprocessing: toy 2-D problems, the bundled digits, splits, mean subtraction.

Introduced in notebook 02 (linear classifiers) and used by every later notebook.

Notes
-----
Every data set here is either generated from an explicit seed or read from a file shipped
inside the package, so a notebook gives the same numbers on every machine and never needs
the network. Splits are stratified (each class keeps its share in train, val and test) so a
small validation set still sees every class.
"""

from __future__ import annotations

import gzip
from importlib import resources

import numpy as np

__all__ = [
    "make_spiral",
    "make_circles",
    "load_digits",
    "digits_attribution",
    "split",
    "subtract_mean",
    "make_correlated_2d",
    "preprocess_steps",
]


def make_spiral(n_per_class: int = 100, n_classes: int = 3, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Interleaved spiral arms in 2-D, one arm per class (the CS231n spiral).

    Inputs:
    - n_per_class: points per class (>= 1); n_classes: number of arms (>= 2).
    - seed: seed of the generator that draws the angular noise.
    Returns: X of shape (n_per_class * n_classes, 2), float64 in about [-1, 1];
    y of shape (n_per_class * n_classes,), int64 labels 0..n_classes-1, grouped by class.

    Notes: arm k has radius r = t in [0, 1] and angle 4 (k + t) plus Gaussian noise (std 0.2),
    so the classes wind around each other and no straight line separates them: a linear
    classifier stalls near 50% on three arms while a small two-layer net separates them
    (notebook 03).
    """
    _check_positive_int(n_per_class, "n_per_class", "make_spiral")
    _check_positive_int(n_classes, "n_classes", "make_spiral", minimum=2)
    rng = np.random.default_rng(seed)
    N, C = n_per_class, n_classes
    r = np.tile(np.linspace(0.0, 1.0, N), C)
    t = np.concatenate([np.linspace(4.0 * k, 4.0 * (k + 1), N) for k in range(C)])
    t = t + rng.standard_normal(N * C) * 0.2
    X = np.column_stack([r * np.sin(t), r * np.cos(t)])
    y = np.repeat(np.arange(C, dtype=np.int64), N)
    return X, y


def make_circles(
    n: int = 200, noise: float = 0.05, factor: float = 0.5, seed: int = 0
) -> tuple[np.ndarray, np.ndarray]:
    """Two concentric circles in 2-D: class 0 the outer one, class 1 the inner one.

    Inputs:
    - n: total number of points (>= 2); the outer circle gets n - n // 2, the inner n // 2.
    - noise: standard deviation of the Gaussian noise added to every coordinate (>= 0).
    - factor: radius of the inner circle relative to the outer one (radius 1), in (0, 1).
    - seed: seed of the generator that places and perturbs the points.
    Returns: X of shape (n, 2), float64; y of shape (n,), int64 in {0, 1}.

    Notes: the classes are separable, but only by a closed curve: the simplest problem a
    linear classifier cannot solve and one hidden layer can.
    """
    _check_positive_int(n, "n", "make_circles", minimum=2)
    if not noise >= 0:
        raise ValueError(f"make_circles: noise must be >= 0, got {noise}")
    if not 0 < factor < 1:
        raise ValueError(f"make_circles: factor must be in (0, 1), got {factor}")
    rng = np.random.default_rng(seed)
    n_in = n // 2
    n_out = n - n_in
    angles = rng.uniform(0.0, 2 * np.pi, n)
    radius = np.concatenate([np.ones(n_out), np.full(n_in, float(factor))])
    X = np.column_stack([radius * np.cos(angles), radius * np.sin(angles)])
    X = X + noise * rng.standard_normal(X.shape)
    y = np.concatenate([np.zeros(n_out, dtype=np.int64), np.ones(n_in, dtype=np.int64)])
    return X, y


def load_digits() -> tuple[np.ndarray, np.ndarray]:
    """The 1797 handwritten digits (8x8 images, UCI), read from the copy inside the package.

    Returns: X of shape (1797, 64), float64 pixel counts 0..16 (row-major 8x8 images);
    y of shape (1797,), int64 labels 0..9.

    Notes: the UCI "Optical Recognition of Handwritten Digits" test set by E. Alpaydin and
    C. Kaynak (1998), CC BY 4.0; see :func:`digits_attribution` for the full citation. It is
    small enough to train on in a second and real enough that a linear classifier reaches
    about 95% and its weights look like blurry digits (notebook 02).
    """
    raw = resources.files("course_utils").joinpath("data_files").joinpath("digits.csv.gz").read_bytes()
    # every entry is an integer, and numpy parses integers several times faster than floats
    table = np.loadtxt(gzip.decompress(raw).decode("ascii").splitlines(), delimiter=",", dtype=np.int64)
    X = np.ascontiguousarray(table[:, :-1], dtype=np.float64)
    y = np.ascontiguousarray(table[:, -1])
    return X, y


def digits_attribution() -> str:
    """The licence and citation of the bundled digits (the text of DIGITS_LICENSE.txt)."""
    return resources.files("course_utils").joinpath("data_files").joinpath("DIGITS_LICENSE.txt").read_text("utf-8")


def split(
    X: np.ndarray,
    y: np.ndarray,
    *,
    fractions: tuple[float, ...] | None = None,
    sizes: tuple[int, ...] | None = None,
    seed: int = 0,
) -> tuple[tuple[np.ndarray, np.ndarray], ...]:
    """Stratified random split into parts (e.g. train, val, test).

    Inputs:
    - X: array (N, ...); y: int labels (N,).
    - fractions: shares of the parts, summing to 1 (default (0.7, 0.15, 0.15));
      or sizes: number of examples per part, summing to at most N. Give one, not both.
    - seed: seed of the generator that shuffles each class.
    Returns: a tuple with one (X_part, y_part) pair per part; the parts are disjoint, each
    shuffled, and every class has (up to rounding) the same share in every part.

    Notes: the examples of each class are shuffled and cut in the requested proportions, with
    the rounding leftovers handed out so the part sizes are exact. Stratifying matters for
    small data: a random 15% of 1797 digits could leave one class with a handful of examples.
    """
    X = np.asarray(X)
    y = np.asarray(y)
    if X.ndim < 1 or y.ndim != 1 or X.shape[0] != y.shape[0]:
        raise ValueError(f"split: X must be (N, ...) and y (N,), got X {X.shape} and y {y.shape}")
    if not np.issubdtype(y.dtype, np.integer):
        raise TypeError(f"split: y must hold integer class labels, got dtype {y.dtype}")
    N = y.shape[0]
    if fractions is not None and sizes is not None:
        raise ValueError("split: give fractions or sizes, not both")
    if sizes is None:
        fractions = (0.7, 0.15, 0.15) if fractions is None else tuple(float(f) for f in fractions)
        if any(f < 0 for f in fractions) or not np.isclose(sum(fractions), 1.0):
            raise ValueError(f"split: fractions must be >= 0 and sum to 1, got {fractions}")
        sizes = tuple(_apportion(N, np.array(fractions)))
    wanted = [int(s) for s in sizes]
    if any(s < 0 for s in wanted) or sum(wanted) > N:
        raise ValueError(f"split: sizes must be >= 0 and sum to at most N={N}, got {wanted}")
    rng = np.random.default_rng(seed)
    classes, counts = np.unique(y, return_counts=True)
    # per class and part: the stratified share, rounded so that rows sum to the class count
    # (times the used fraction) and columns to the requested sizes
    quota = _stratified_quota(counts, np.array(wanted))
    parts: list[list[np.ndarray]] = [[] for _ in wanted]
    for c, cls in enumerate(classes):
        idx = rng.permutation(np.flatnonzero(y == cls))
        start = 0
        for p, q in enumerate(quota[c]):
            parts[p].append(idx[start : start + q])
            start += q
    out = []
    for pieces in parts:
        idx = rng.permutation(np.concatenate(pieces)) if pieces else np.array([], dtype=np.int64)
        out.append((X[idx], y[idx]))
    return tuple(out)


def _apportion(total: int, weights: np.ndarray) -> np.ndarray:
    """Integers proportional to weights summing to total (largest remainder)."""
    raw = total * weights / weights.sum()
    base = np.floor(raw).astype(np.int64)
    order = np.argsort(-(raw - base), kind="stable")
    base[order[: total - base.sum()]] += 1
    return base


def _stratified_quota(counts: np.ndarray, sizes: np.ndarray) -> np.ndarray:
    """(classes, parts) integer table: rows at most the class counts, columns exactly sizes."""
    N = counts.sum()
    quota = np.floor(np.outer(counts, sizes) / N).astype(np.int64)
    # hand out the missing examples of each part to the classes with the largest remainders
    remainder = np.outer(counts, sizes) / N - quota
    for p in range(len(sizes)):
        for c in np.argsort(-remainder[:, p], kind="stable"):
            if quota[:, p].sum() >= sizes[p]:
                break
            if quota[c].sum() < counts[c]:
                quota[c, p] += 1
        while quota[:, p].sum() < sizes[p]:  # rare: fill from any class with examples left
            c = int(np.argmax(counts - quota.sum(axis=1)))
            quota[c, p] += 1
    return quota


def subtract_mean(train: np.ndarray, *others: np.ndarray) -> tuple[np.ndarray, ...]:
    """Subtract the mean of the training examples from every set.

    Inputs: train: array (N, ...); others: arrays (M, ...) with train's trailing shape
    (e.g. validation and test sets).
    Returns: a tuple (train - mean, *(o - mean for o in others)), new float64 arrays;
    the mean has train's trailing shape (the "mean image").

    Notes: the mean comes from the training set only: computing it on val or test would leak
    information about them into the model. Centering the inputs removes the common offset
    every score would otherwise have to learn to ignore.
    """
    train = np.asarray(train, dtype=np.float64)
    if train.ndim < 1 or train.shape[0] == 0:
        raise ValueError(f"subtract_mean: train must be a non-empty (N, ...) array, got shape {train.shape}")
    mean = train.mean(axis=0)
    result = [train - mean]
    for k, other in enumerate(others):
        other = np.asarray(other, dtype=np.float64)
        if other.shape[1:] != train.shape[1:]:
            raise ValueError(
                f"subtract_mean: set {k + 1} has examples of shape {other.shape[1:]}, "
                f"expected {train.shape[1:]} like train"
            )
        result.append(other - mean)
    return tuple(result)


def make_correlated_2d(n: int = 500, *, seed: int = 0) -> np.ndarray:
    """A cloud of n correlated 2-D points, off-centre and stretched along a slanted axis.

    Returns: X (n, 2), float64. Used in notebook 05 to show centering, normalization, PCA
    and whitening one step at a time.
    """
    _check_positive_int(n, "n", "make_correlated_2d", minimum=2)
    rng = np.random.default_rng(seed)
    z = rng.standard_normal((n, 2)) * np.array([3.0, 0.6])
    angle = np.pi / 6
    rot = np.array([[np.cos(angle), np.sin(angle)], [-np.sin(angle), np.cos(angle)]])
    return z @ rot + np.array([5.0, 3.0])


def preprocess_steps(X: np.ndarray, *, eps: float = 1e-5) -> dict[str, np.ndarray]:
    """The lecture's preprocessing steps applied to X (N, D), each a new (N, D) array.

    Returns a dict, in order: 'original'; 'zero-centred' (X - mean); 'normalized' (centred,
    then each dimension divided by its std); 'decorrelated' (centred, rotated onto the
    eigenvectors of the covariance: PCA, the covariance becomes diagonal); 'whitened'
    (decorrelated, then each dimension divided by sqrt(eigenvalue + eps): covariance ≈ identity).

    Notes: the statistics come from X itself; for real data compute them on the training set
    and apply the same numbers to validation and test. For images one usually only centres.
    """
    X = np.asarray(X, dtype=np.float64)
    if X.ndim != 2 or X.shape[0] < 2:
        raise ValueError(f"preprocess_steps: X must be (N, D) with N >= 2, got shape {X.shape}")
    centred = X - X.mean(axis=0)
    cov = centred.T @ centred / X.shape[0]
    eigvals, eigvecs = np.linalg.eigh(cov)
    order = np.argsort(eigvals)[::-1]  # largest variance first
    eigvals, eigvecs = eigvals[order], eigvecs[:, order]
    decorrelated = centred @ eigvecs
    return {
        "original": X.copy(),
        "zero-centred": centred,
        "normalized": centred / centred.std(axis=0),
        "decorrelated": decorrelated,
        "whitened": decorrelated / np.sqrt(eigvals + eps),
    }


def _check_positive_int(value: object, name: str, func: str, minimum: int = 1) -> None:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < minimum:
        raise ValueError(f"{func}: {name} must be an integer >= {minimum}, got {value!r}")
