"""Benchmark 2: the whole course, every solution notebook run top to bottom in a fresh kernel.

For each notebook: the kernel's start-up (launch until it answers), the first cell (the
imports), the rest of the cells, and the slowest cells by name, so a slow notebook says where
its time goes. Then the total. The kernel draws figures as in JupyterLab (the inline backend,
PNG), unless ``--agg`` asks for the non-drawing backend that ``make test`` uses.

    python -m benchmarks.notebooks [--repeats 1] [--agg] [NAME ...]

Targets: every notebook under 10 s, the whole course under 45 s, on the 2-core machine.
"""

from __future__ import annotations

import argparse
import os
import time
from pathlib import Path

from benchmarks._common import ROOT, load, markdown_table, notebook_client, report

PER_NOTEBOOK, TOTAL = 10.0, 45.0


def run_notebook(path: Path, *, agg: bool) -> dict:
    """Execute one notebook in a new kernel; the seconds of each phase and of each cell."""
    import nbformat

    nb = nbformat.read(path, as_version=4)
    env = dict(os.environ)
    if agg:
        env["MPLBACKEND"] = "Agg"
    else:
        env.pop("MPLBACKEND", None)  # the kernel's own default: the inline backend, as in JupyterLab
    client = notebook_client(nb, path)
    start = time.perf_counter()
    cells = []
    with client.setup_kernel(env=env):
        ready = time.perf_counter()
        for index, cell in enumerate(nb.cells):
            if cell.cell_type != "code":
                continue
            t = time.perf_counter()
            client.execute_cell(cell, index)
            first_line = next((line for line in cell.source.splitlines() if line.strip()), "")
            cells.append((time.perf_counter() - t, index, first_line))
        done = time.perf_counter()
    return dict(
        kernel=ready - start,
        first=cells[0][0] if cells else 0.0,
        rest=sum(c[0] for c in cells[1:]),
        cells=done - ready,
        total=time.perf_counter() - start,
        slowest=sorted(cells, reverse=True)[:3],
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("names", nargs="*", help="notebooks to run (default: every one in solutions/)")
    parser.add_argument("--repeats", type=int, default=1, help="runs of the whole course; the median is reported")
    parser.add_argument("--agg", action="store_true", help="draw nothing (MPLBACKEND=Agg, as make test runs them)")
    args = parser.parse_args()
    paths = sorted((ROOT / "solutions").glob("*.ipynb"))
    if args.names:
        paths = [p for p in paths if any(p.stem.startswith(n) or p.name == n for n in args.names)]
    before = load()
    t = time.perf_counter()
    import nbformat  # noqa: F401  (paid once here, not inside the first notebook's time)

    imports = time.perf_counter() - t
    runs: dict[str, list[dict]] = {p.stem: [] for p in paths}
    for r in range(args.repeats):
        for p in paths:
            result = run_notebook(p, agg=args.agg)
            runs[p.stem].append(result)
            print(
                f"run {r + 1}/{args.repeats} {p.stem}: {result['total']:.1f} s "
                f"(kernel {result['kernel']:.1f} s), load {load()}",
                flush=True,
            )

    def med(name: str, key: str) -> float:
        values = sorted(run[key] for run in runs[name])
        return values[len(values) // 2]

    rows, total, misses = [], 0.0, []
    for name, results in runs.items():
        slow = max(results, key=lambda r: r["total"])["slowest"]
        rows.append(
            [
                name,
                f"{med(name, 'kernel'):.1f}",
                f"{med(name, 'first'):.1f}",
                f"{med(name, 'rest'):.1f}",
                f"{med(name, 'total'):.1f}",
                "; ".join(f"{s:.1f} s cell {i} `{src[:40].replace('|', '/')}`" for s, i, src in slow),
            ]
        )
        total += med(name, "total")
        if med(name, "total") >= PER_NOTEBOOK:
            misses.append(f"{name} {med(name, 'total'):.1f} s")
    rows.append(
        [
            "**all**",
            f"{sum(med(n, 'kernel') for n in runs):.1f}",
            f"{sum(med(n, 'first') for n in runs):.1f}",
            f"{sum(med(n, 'rest') for n in runs):.1f}",
            f"**{total:.1f}**",
            "",
        ]
    )
    if total >= TOTAL and len(paths) > 1:
        misses.append(f"the course {total:.1f} s")
    header = [
        "notebook",
        "kernel start (s)",
        "first cell: imports (s)",
        "other cells (s)",
        "total (s)",
        "slowest cells",
    ]
    drawing = "MPLBACKEND=Agg (no drawing)" if args.agg else "figures drawn by the inline backend as in JupyterLab"
    notes = [
        f"Each notebook in a new kernel, {drawing}; "
        f"median of {args.repeats} run(s); BLAS threads: the kernel's default (the course's training loop "
        "runs on one). Importing nbformat in the benchmark's own process took "
        f"{imports:.1f} s (not counted).",
        f"Targets: each notebook under {PER_NOTEBOOK:.0f} s, the course under {TOTAL:.0f} s. "
        + ("Missed: " + "; ".join(misses) + "." if misses else "All met in this run."),
    ]
    report(
        "notebooks" + ("-agg" if args.agg else ""),
        "The whole course: every solution notebook in a fresh kernel",
        markdown_table(header, rows),
        notes=notes,
        load_before=before,
    )


if __name__ == "__main__":
    main()
