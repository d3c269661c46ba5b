"""Numerical gradients and the relative error used by every check.

Introduced in notebook 01 (backprop circuits) and used by all later notebooks.

Notes
-----
Centered differences, (f(x+h) - f(x-h)) / 2h, have an error of order h**2 rather than
h for the one-sided form, which is why every check in the course uses them. The step
h = 1e-5 balances that truncation error, about h**2 |f'''| / 6, against round-off: f is
known to about eps = 2.2e-16 of its size, an error divided by h, so it grows like
eps |f| / h as h shrinks; the sum is smallest near h = eps**(1/3), about 6e-6 (notebook 01
draws both against h). Near a kink (a ReLU at 0, a hinge) a step that straddles it gives
a numerical gradient that is neither one-sided slope. The input array is perturbed in
place for speed and restored exactly (the saved value is written back, not recomputed as
x + h - h, which can differ in the last bit).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

import numpy as np
from numpy.typing import ArrayLike

T = TypeVar("T")

__all__ = ["rel_error", "numerical_gradient", "numerical_gradient_array", "grad_check_sparse"]


def rel_error(a: ArrayLike, b: ArrayLike) -> float:
    """Maximum relative error between two arrays.

    Inputs: a, b: arrays (or scalars) of the same shape.
    Returns: max |a - b| / max(1e-8, |a| + |b|), a float.

    Notes: the relative error of one entry is usually written |a - b| / max(|a|, |b|); the sum
    |a| + |b| lies between that max and twice it (the same verdicts, within a factor of 2); the floor
    1e-8 keeps the ratio finite where both are zero. The rule of thumb for float64 gradients:
    1e-7 or below, they agree; 1e-2 or above, one is wrong; in between, suspicious: expected
    near a kink or for small gradients deep in a network (round-off dominates them), a bug
    elsewhere. Notebook 01 shows each case.
    """
    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    if a.shape != b.shape:
        raise ValueError(f"rel_error: shapes differ, {a.shape} vs {b.shape}")
    if a.size == 0:
        return 0.0
    return float(np.max(np.abs(a - b) / np.maximum(1e-8, np.abs(a) + np.abs(b))))


def _require_float(x: np.ndarray, who: str) -> None:
    if not isinstance(x, np.ndarray) or not np.issubdtype(x.dtype, np.floating):
        raise TypeError(
            f"{who}: x must be a float numpy array to be perturbed in place, got "
            f"{type(x).__name__}{'' if not isinstance(x, np.ndarray) else ' of dtype ' + str(x.dtype)}; "
            "use np.asarray(x, dtype=np.float64)"
        )


def _probe(f: Callable[[np.ndarray], T], x: np.ndarray, ix: tuple[int, ...], h: float) -> tuple[T, T]:
    """f at x with x[ix] moved by +h and by -h; x[ix] gets its saved value back, bit for bit."""
    old = x[ix].copy()
    x[ix] = old + h
    plus = f(x)
    x[ix] = old - h
    minus = f(x)
    x[ix] = old
    return plus, minus


def numerical_gradient(f: Callable[[np.ndarray], float], x: np.ndarray, h: float = 1e-5) -> np.ndarray:
    """Centered-difference gradient of a scalar function.

    Inputs:
    - f: callable taking the array x and returning a scalar.
    - x: float array of any shape; perturbed in place one entry at a time, then restored.
    - h: step size.
    Returns: grad, an array of x's shape with df/dx.
    """
    _require_float(x, "numerical_gradient")
    grad = np.zeros_like(x)
    for ix in np.ndindex(x.shape):
        fp, fm = _probe(lambda v: float(f(v)), x, ix, h)
        grad[ix] = (fp - fm) / (2 * h)
    return grad


def numerical_gradient_array(
    f: Callable[[np.ndarray], np.ndarray], x: np.ndarray, dout: np.ndarray, h: float = 1e-5
) -> np.ndarray:
    """Centered-difference gradient of sum(f(x) * dout) with respect to x.

    Inputs:
    - f: callable taking x and returning an array of dout's shape.
    - x: float array of any shape; perturbed in place, then restored.
    - dout: upstream gradient, shape of f(x).
    Returns: dx, an array of x's shape.

    Notes: this is what a layer's backward must compute: the vector-Jacobian product
    dout . df/dx, without ever forming the Jacobian.
    """
    _require_float(x, "numerical_gradient_array")
    grad = np.zeros_like(x)
    for ix in np.ndindex(x.shape):
        pos, neg = _probe(lambda v: np.array(f(v), dtype=np.float64, copy=True), x, ix, h)
        grad[ix] = np.sum((pos - neg) * dout) / (2 * h)
    return grad


def grad_check_sparse(
    f: Callable[[np.ndarray], float],
    x: np.ndarray,
    analytic_grad: np.ndarray,
    num_checks: int = 10,
    h: float = 1e-5,
    *,
    rng: np.random.Generator | None = None,
    verbose: bool = False,
) -> list[tuple[tuple[int, ...], float, float, float]]:
    """Compare an analytic gradient with centered differences at sampled coordinates.

    Inputs:
    - f: scalar function of x; x: float array (restored after each probe).
    - analytic_grad: array of x's shape.
    - num_checks: how many coordinates to sample; rng: the generator that picks them
      (default: a fixed seed, so repeated calls check the same coordinates).
    Returns: a list of (index, numerical, analytic, relative error), one per sample.

    Notes: for a weight matrix with thousands of entries a full numerical gradient costs
    two loss evaluations per entry; a handful of random entries catches almost every bug.
    """
    _require_float(x, "grad_check_sparse")
    analytic_grad = np.asarray(analytic_grad)
    if analytic_grad.shape != x.shape:
        raise ValueError(f"grad_check_sparse: analytic_grad has shape {analytic_grad.shape}, expected {x.shape} like x")
    rng = np.random.default_rng(0) if rng is None else rng
    rows = []
    for _ in range(num_checks):
        ix = tuple(int(rng.integers(n)) for n in x.shape)
        fp, fm = _probe(lambda v: float(f(v)), x, ix, h)
        num = (fp - fm) / (2 * h)
        ana = float(analytic_grad[ix])
        err = abs(num - ana) / max(1e-8, abs(num) + abs(ana))
        rows.append((ix, num, ana, err))
        if verbose:
            print(f"{str(ix):>14}  numerical {num: .6e}  analytic {ana: .6e}  rel. error {err:.2e}")
    return rows
