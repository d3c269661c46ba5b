"""Benchmark ``course grade``: the same notebook handed in by 20 students, graded with
``--jobs 1`` and then ``--jobs 2``. Prints the time per submission and the speed-up.

    python tests/bench_grade.py [--solution solutions/03_layers_and_two_layer_net.ipynb] [--copies 20]

Not a test (it takes a minute); ``make bench`` runs it.
"""
from __future__ import annotations

import argparse
import io
import os
import shutil
import tempfile
import time
from pathlib import Path

from course_tools.grade import grade

HERE = Path(__file__).resolve().parent


def _default_solution() -> Path:
    found = sorted((HERE.parent / "solutions").glob("*.ipynb"))
    if found:
        return found[-1]
    from grade_fixtures import fixture_checks  # noqa: F401  registers the fixture's checks

    return HERE / "grade_fixtures" / "fixture.json"


def bench(solution: Path, copies: int, jobs: list[int], timeout: float) -> list[tuple[int, float]]:
    times = []
    with tempfile.TemporaryDirectory(prefix="bench-grade-") as tmp:
        subs = Path(tmp) / "submissions"
        subs.mkdir()
        for i in range(copies):
            shutil.copy(solution, subs / f"student{i:02d}.ipynb")
        for n in jobs:
            out = Path(tmp) / f"out-{n}"
            start = time.perf_counter()
            results = grade(subs, solution, out, jobs=n, timeout=timeout, force=True, progress=False,
                            stream=io.StringIO())
            times.append((n, time.perf_counter() - start))
            bad = [s for s, r in results.items() if r["status"] != "ok" or r["total"] != r["max_total"]]
            if bad:
                raise SystemExit(f"the solution did not score full marks for {', '.join(bad)}")
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--solution", type=Path, default=None)
    parser.add_argument("--copies", type=int, default=20)
    parser.add_argument("--jobs", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--timeout", type=float, default=30.0)
    args = parser.parse_args()
    solution = args.solution or _default_solution()
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    print(f"grading {args.copies} copies of {solution.name} on {cores} core(s)")
    times = bench(solution, args.copies, args.jobs, args.timeout)
    base = times[0][1]
    print(f"{'jobs':>4}  {'total (s)':>9}  {'per submission (s)':>18}  {'speed-up':>8}")
    for n, seconds in times:
        print(f"{n:>4}  {seconds:>9.1f}  {seconds / args.copies:>18.2f}  {base / seconds:>7.2f}x")


if __name__ == "__main__":
    main()
