"""Timing that holds on a busy machine: one BLAS thread, several repeats, the median.

A laptop or a shared 2-core server runs other work while a notebook times something. Three
habits make a timing claim hold there:

- numpy's BLAS may start one thread per core; those threads compete with everything else on the
  machine, so a matrix product's time swings with the load. :func:`one_blas_thread` pins BLAS to
  a single thread while timing (with ``threadpoolctl``), so both contenders do the same work.
- A single run is noise; the *median* of several is not moved by one unlucky run.
- Two contenders are timed *interleaved* (A, B, A, B, ...), so a burst of load hits both alike.

Used by notebook 01 (forward vs backward through a chain of gates, Jacobian vs mask) and
notebook 02 (loops vs vectorized).
"""

from __future__ import annotations

import contextlib
import functools
import time
from collections.abc import Callable, Iterator, Mapping
from typing import Any

import numpy as np

__all__ = ["one_blas_thread", "median_time", "compare"]


@contextlib.contextmanager
def one_blas_thread() -> Iterator[None]:
    """Run the body with numpy's BLAS (OpenBLAS, MKL, ...) limited to one thread.

    Notes: the libraries are looked up once, on the first call (threadpoolctl's controller);
    a lookup costs about half a millisecond, which a short function run many times would feel.
    """
    with _blas_controller().limit(limits=1, user_api="blas"):
        yield


@functools.cache
def _blas_controller() -> Any:
    from threadpoolctl import ThreadpoolController

    return ThreadpoolController()


def median_time(fn: Callable[[], object], repeats: int = 7, warmup: int = 1) -> float:
    """The median wall time of ``fn()`` in seconds over ``repeats`` runs, on one BLAS thread.

    ``warmup`` calls run first and are not counted (caches, lazy imports, first allocation).
    """
    return compare({"fn": fn}, repeats=repeats, warmup=warmup)["fn"]


def compare(fns: Mapping[str, Callable[[], object]], repeats: int = 7, warmup: int = 1) -> dict[str, float]:
    """Median wall time in seconds of each function, timed interleaved on one BLAS thread.

    Round r calls every function once, in the order given; the median over the ``repeats``
    rounds is returned per name. Interleaving means a burst of other work on the machine
    slows all contenders alike, so their ratio is steadier than separate runs would give.
    """
    if repeats < 1:
        raise ValueError(f"repeats must be at least 1, got {repeats}")
    times: dict[str, list[float]] = {name: [] for name in fns}
    with one_blas_thread():
        for _ in range(warmup):
            for fn in fns.values():
                fn()
        for _ in range(repeats):
            for name, fn in fns.items():
                start = time.perf_counter()
                fn()
                times[name].append(time.perf_counter() - start)
    return {name: float(np.median(t)) for name, t in times.items()}
