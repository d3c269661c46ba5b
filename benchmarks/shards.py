"""Benchmark 6: a class graded in shards, as a batch scheduler runs it, then merged.

200 hand-ins of one notebook (full-mark copies of the solution, blank student notebooks and
half-done ones), graded by N ``course grade --shard I/N`` processes started at the same time
(one per shard, as N jobs of a SLURM array or a Kubernetes indexed Job would run; on this
machine they share its cores), then ``course grade merge``. With ``--compare``, one unsharded
run of the same folder (``--jobs`` = the number of cores) follows, and the merged gradebook must
equal its own, row for row.

    python -m benchmarks.shards [--solution solutions/01_backprop_circuits.ipynb] [--handins 200]
                                [--shards 4] [--compare]
"""

from __future__ import annotations

import argparse
import collections
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from benchmarks._common import ROOT, cores, load, markdown_table, report


def course(*args: str) -> tuple[float, subprocess.CompletedProcess]:
    start = time.perf_counter()
    proc = subprocess.run([sys.executable, "-m", "course_tools.cli", *args], capture_output=True, text=True)
    seconds = time.perf_counter() - start
    if proc.returncode != 0:
        raise SystemExit(f"course {' '.join(args)} failed ({proc.returncode}):\n{proc.stderr[-3000:]}")
    return seconds, proc


def handins(folder: Path, solution: Path, count: int) -> collections.Counter:
    """``count`` hand-ins: 2 of every 4 the solution, 1 the blank notebook, 1 with every other answer blank."""
    import nbformat

    from course_tools.release import release_notebook

    full = solution.read_bytes()
    blank_nb = release_notebook(solution)
    blank = nbformat.writes(blank_nb).encode()
    half_nb = nbformat.read(solution, as_version=4)
    answers = [c for c in half_nb.cells if c.metadata.get("nbgrader", {}).get("solution")]
    blanks = {
        c.metadata["nbgrader"]["grade_id"]: c.source
        for c in blank_nb.cells
        if c.metadata.get("nbgrader", {}).get("solution")
    }
    for cell in answers[::2]:
        cell.source = blanks[cell.metadata["nbgrader"]["grade_id"]]
    half = nbformat.writes(half_nb).encode()
    kinds = collections.Counter()
    for i in range(count):
        kind, data = [("full", full), ("full", full), ("blank", blank), ("half", half)][i % 4]
        (folder / f"student{i:04d}.ipynb").write_bytes(data)
        kinds[kind] += 1
    return kinds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--solution", type=Path, default=ROOT / "solutions" / "01_backprop_circuits.ipynb")
    parser.add_argument("--handins", type=int, default=200)
    parser.add_argument("--shards", type=int, default=4)
    parser.add_argument("--compare", action="store_true", help="also grade unsharded and compare the gradebooks")
    args = parser.parse_args()
    before = load()
    n = args.shards
    with tempfile.TemporaryDirectory(prefix="bench-shards-") as tmp:
        tmp = Path(tmp)
        subs = tmp / "submissions"
        subs.mkdir()
        kinds = handins(subs, args.solution, args.handins)
        print(
            f"{args.handins} hand-ins of {args.solution.name} in {n} shards at once, on {cores()} core(s), "
            f"load {before}",
            flush=True,
        )
        outs = [tmp / f"shard{i}" for i in range(1, n + 1)]
        common = ["--solution", str(args.solution), "--jobs", "1"]
        start = time.perf_counter()
        with ThreadPoolExecutor(n) as pool:
            runs = list(
                pool.map(
                    lambda i: course("grade", str(subs), "--out", str(outs[i - 1]), "--shard", f"{i}/{n}", *common),
                    range(1, n + 1),
                )
            )
        wall = time.perf_counter() - start
        merge_seconds, _ = course(
            "grade", "merge", *map(str, outs), "--solution", str(args.solution), "--out", str(tmp / "merged")
        )
        counts = [len((o / "grades.csv").read_text().splitlines()) - 1 for o in outs]
        rows = [
            [f"shard {i}/{n}", counts[i - 1], f"{s:.1f}", f"{s / max(counts[i - 1], 1):.2f}"]
            for i, (s, _) in enumerate(runs, 1)
        ]
        rows.append([f"all {n} shards (started together)", sum(counts), f"{wall:.1f}", f"{wall / args.handins:.2f}"])
        rows.append(["merge", sum(counts), f"{merge_seconds:.1f}", ""])
        merged_csv = (tmp / "merged" / "grades.csv").read_text()
        notes = [
            f"{args.handins} hand-ins ({', '.join(f'{v} {k}' for k, v in kinds.items())}) of "
            f"{args.solution.name}; each shard a `course grade --shard I/{n} --jobs 1` process, all {n} "
            f"started at once on {cores()} cores; seconds are wall-clock, from process start to exit "
            "(Python start-up, plan, grading copy and preflight kernel included)."
        ]
        if args.compare:
            seconds, _ = course(
                "grade",
                str(subs),
                "--out",
                str(tmp / "whole"),
                "--solution",
                str(args.solution),
                "--jobs",
                str(cores()),
            )
            same = (tmp / "whole" / "grades.csv").read_text() == merged_csv
            rows.append(
                [f"unsharded, --jobs {cores()}", args.handins, f"{seconds:.1f}", f"{seconds / args.handins:.2f}"]
            )
            notes.append(
                "The merged grades.csv equals the unsharded run's, row for row."
                if same
                else "**The merged grades.csv differs from the unsharded run's.**"
            )
            if not same:
                print(notes[-1], file=sys.stderr)
        table = markdown_table(["run", "hand-ins", "seconds", "seconds per hand-in"], rows)
    report(
        "shards", f"Grading {args.handins} hand-ins in {n} shards, then merging", table, notes=notes, load_before=before
    )


if __name__ == "__main__":
    main()
