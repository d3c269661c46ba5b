"""Tests for course_utils.data: toy sets, the bundled digits, splits, mean subtraction."""

from importlib import resources

import numpy as np
import pytest

from course_utils import data


def test_spiral_shapes_labels_and_determinism():
    X, y = data.make_spiral(n_per_class=50, n_classes=4, seed=3)
    assert X.shape == (200, 2) and X.dtype == np.float64
    assert y.shape == (200,) and np.issubdtype(y.dtype, np.integer)
    np.testing.assert_array_equal(np.bincount(y), [50] * 4)
    assert np.abs(X).max() < 1.5
    X2, y2 = data.make_spiral(n_per_class=50, n_classes=4, seed=3)
    np.testing.assert_array_equal(X, X2)
    np.testing.assert_array_equal(y, y2)
    assert not np.array_equal(X, data.make_spiral(n_per_class=50, n_classes=4, seed=4)[0])


def test_spiral_defaults():
    X, y = data.make_spiral()
    assert X.shape == (300, 2) and set(y.tolist()) == {0, 1, 2}


def test_circles_radii_and_balance():
    X, y = data.make_circles(n=201, noise=0.0, factor=0.3, seed=1)
    assert X.shape == (201, 2)
    np.testing.assert_array_equal(np.bincount(y), [101, 100])
    r = np.hypot(X[:, 0], X[:, 1])
    np.testing.assert_allclose(r[y == 0], 1.0)
    np.testing.assert_allclose(r[y == 1], 0.3)


@pytest.mark.parametrize(
    "kwargs, match",
    [
        (dict(n_per_class=0), "n_per_class"),
        (dict(n_classes=1), "n_classes"),
        (dict(n_per_class=2.5), "n_per_class"),
    ],
)
def test_spiral_bad_input(kwargs, match):
    with pytest.raises(ValueError, match=match):
        data.make_spiral(**kwargs)


@pytest.mark.parametrize(
    "kwargs, match",
    [
        (dict(n=1), "n must"),
        (dict(noise=-0.1), "noise"),
        (dict(factor=1.0), "factor"),
    ],
)
def test_circles_bad_input(kwargs, match):
    with pytest.raises(ValueError, match=match):
        data.make_circles(**kwargs)


def test_load_digits():
    X, y = data.load_digits()
    assert X.shape == (1797, 64) and X.dtype == np.float64
    assert y.shape == (1797,) and np.issubdtype(y.dtype, np.integer)
    assert X.min() == 0 and X.max() == 16 and np.all(np.round(X) == X)
    np.testing.assert_array_equal(np.unique(y), np.arange(10))
    np.testing.assert_array_equal(np.bincount(y), [178, 182, 177, 183, 181, 182, 181, 179, 174, 180])
    np.testing.assert_array_equal(y[:10], np.arange(10))
    # the first image is a zero: a hole in the middle, ink around it
    img = X[0].reshape(8, 8)
    assert img[3:5, 3:5].sum() == 0 and img[3:5, 1:3].sum() > 20


def test_digits_attribution_file_is_shipped():
    folder = resources.files("course_utils").joinpath("data_files")
    assert folder.joinpath("digits.csv.gz").is_file()
    assert folder.joinpath("DIGITS_LICENSE.txt").is_file()
    text = data.digits_attribution()
    for needle in ("Alpaydin", "Kaynak", "CC BY 4.0", "UCI", "10.24432/C50P49"):
        assert needle in text


def _fake(n_per_class=(60, 40, 20)):
    y = np.repeat(np.arange(len(n_per_class)), n_per_class)
    X = np.arange(len(y), dtype=np.float64)[:, None] * np.ones((1, 3))
    return X, y


def test_split_disjoint_complete_and_stratified():
    X, y = _fake()
    parts = data.split(X, y, seed=0)
    assert isinstance(parts, tuple) and len(parts) == 3
    ids = [p[0][:, 0].astype(int) for p in parts]
    assert [len(i) for i in ids] == [84, 18, 18]
    all_ids = np.concatenate(ids)
    assert len(set(all_ids.tolist())) == len(y) == len(all_ids)
    for (_, yp), i in zip(parts, ids):
        np.testing.assert_array_equal(yp, y[i])  # rows stay paired with their labels
    np.testing.assert_array_equal(np.bincount(parts[0][1]), [42, 28, 14])
    np.testing.assert_array_equal(np.bincount(parts[1][1]), [9, 6, 3])


def test_split_sizes_and_seed():
    X, y = _fake((50, 50))
    (Xa, ya), (Xb, yb) = data.split(X, y, sizes=(20, 10), seed=1)
    np.testing.assert_array_equal(np.bincount(ya), [10, 10])
    np.testing.assert_array_equal(np.bincount(yb), [5, 5])
    again = data.split(X, y, sizes=(20, 10), seed=1)
    np.testing.assert_array_equal(again[0][0], Xa)
    other = data.split(X, y, sizes=(20, 10), seed=2)
    assert not np.array_equal(other[0][0], Xa)


def test_split_digits_proportions():
    X, y = data.load_digits()
    (Xtr, ytr), (Xv, yv), (Xte, yte) = data.split(X, y, fractions=(0.6, 0.2, 0.2), seed=0)
    assert len(ytr) + len(yv) + len(yte) == 1797
    for part in (ytr, yv, yte):
        share = np.bincount(part, minlength=10) / len(part)
        np.testing.assert_allclose(share, np.bincount(y) / len(y), atol=0.01)


@pytest.mark.parametrize(
    "kwargs, err, match",
    [
        (dict(fractions=(0.5, 0.4)), ValueError, "sum to 1"),
        (dict(fractions=(1.2, -0.2)), ValueError, ">= 0"),
        (dict(sizes=(100, 30)), ValueError, "at most N"),
        (dict(sizes=(10,), fractions=(1.0,)), ValueError, "not both"),
    ],
)
def test_split_bad_arguments(kwargs, err, match):
    X, y = _fake()
    with pytest.raises(err, match=match):
        data.split(X, y, **kwargs)


def test_split_bad_arrays():
    X, y = _fake()
    with pytest.raises(ValueError, match="X must be"):
        data.split(X[:-1], y)
    with pytest.raises(TypeError, match="integer"):
        data.split(X, y.astype(float))


def test_subtract_mean_uses_train_only():
    rng = np.random.default_rng(0)
    train = rng.standard_normal((20, 4)) + 5
    val = rng.standard_normal((7, 4)) - 3
    before = (train.copy(), val.copy())
    tr, va = data.subtract_mean(train, val)
    np.testing.assert_allclose(tr.mean(axis=0), 0, atol=1e-12)
    np.testing.assert_allclose(va, val - train.mean(axis=0))
    np.testing.assert_array_equal(train, before[0])
    np.testing.assert_array_equal(val, before[1])
    (only,) = data.subtract_mean(train)
    np.testing.assert_allclose(only, tr)


def test_subtract_mean_bad_shapes():
    with pytest.raises(ValueError, match="expected"):
        data.subtract_mean(np.ones((3, 4)), np.ones((2, 5)))
    with pytest.raises(ValueError, match="non-empty"):
        data.subtract_mean(np.ones((0, 4)))


def test_preprocess_steps_centre_normalize_decorrelate_whiten():
    X = data.make_correlated_2d(400, seed=1)
    before = X.copy()
    steps = data.preprocess_steps(X)
    assert list(steps) == ["original", "zero-centred", "normalized", "decorrelated", "whitened"]
    np.testing.assert_array_equal(X, before)
    assert abs(np.corrcoef(X.T)[0, 1]) > 0.5  # the raw cloud is correlated
    for name in ["zero-centred", "normalized", "decorrelated", "whitened"]:
        np.testing.assert_allclose(steps[name].mean(axis=0), 0, atol=1e-12)
    np.testing.assert_allclose(steps["normalized"].std(axis=0), 1)
    cov = np.cov(steps["decorrelated"].T, bias=True)
    assert abs(cov[0, 1]) < 1e-10 and cov[0, 0] > cov[1, 1]
    np.testing.assert_allclose(np.cov(steps["whitened"].T, bias=True), np.eye(2), atol=1e-4)


def test_preprocess_steps_bad_shape():
    with pytest.raises(ValueError, match="preprocess_steps"):
        data.preprocess_steps(np.ones(5))
