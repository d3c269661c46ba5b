"""course_utils.timing: medians on one BLAS thread, interleaved comparisons."""

import time

import pytest
from threadpoolctl import threadpool_info

from course_utils import timing


def test_one_blas_thread_limits_blas_and_restores_it():
    before = [p["num_threads"] for p in threadpool_info() if p["user_api"] == "blas"]
    with timing.one_blas_thread():
        inside = [p["num_threads"] for p in threadpool_info() if p["user_api"] == "blas"]
    after = [p["num_threads"] for p in threadpool_info() if p["user_api"] == "blas"]
    assert all(n == 1 for n in inside)
    assert after == before


def test_median_time_ignores_one_slow_run_and_the_warmup():
    calls = []

    def fn():
        calls.append(None)
        time.sleep(0.05 if len(calls) in (1, 3) else 0.001)  # the warm-up call and one slow run

    t = timing.median_time(fn, repeats=5, warmup=1)
    assert len(calls) == 6
    assert t < 0.02


def test_compare_interleaves_and_ranks():
    order = []
    result = timing.compare(
        {"slow": lambda: (order.append("slow"), time.sleep(0.01)), "fast": lambda: order.append("fast")},
        repeats=3,
        warmup=0,
    )
    assert order == ["slow", "fast"] * 3
    assert result["slow"] > result["fast"]


def test_compare_refuses_no_repeats():
    with pytest.raises(ValueError, match="repeats"):
        timing.compare({"f": lambda: None}, repeats=0)


def test_one_blas_thread_nests_and_decorates():
    def blas_threads():
        return [p["num_threads"] for p in threadpool_info() if p["user_api"] == "blas"]

    before = blas_threads()

    @timing.one_blas_thread()
    def inside():
        return blas_threads()

    with timing.one_blas_thread():
        assert all(n == 1 for n in inside())  # a decorated call inside the context keeps one thread
        assert all(n == 1 for n in blas_threads())
    assert all(n == 1 for n in inside()) and blas_threads() == before
