"""Benchmark 2: the whole course, every solution notebook run top to bottom in a fresh kernel.

For each notebook: the kernel's start-up (launch until it answers), the first cell (the
imports), the rest of the cells, and the slowest cells by name, so a slow notebook says where
its time goes. Then the total. Beside the wall times, the kernel's own CPU time (user + system)
in the same three parts: on a shared machine the wall time grows with the load and the CPU
time much less, so ``--blas-threads 1`` and the CPU column compare two versions honestly. The
kernel draws figures as in JupyterLab (the inline backend, PNG), unless ``--agg`` asks for the
non-drawing backend that ``make test`` uses.

    python -m benchmarks.notebooks [--repeats 1] [--agg] [--blas-threads N] [--cells] [NAME ...]

Targets: every notebook under 8 s, the whole course under 30 s, wall time on the idle 2-core machine.
"""

from __future__ import annotations

import argparse
import compileall
import os
import time
from pathlib import Path

from benchmarks._common import ROOT, load, markdown_table, notebook_client, report

PER_NOTEBOOK, TOTAL = 8.0, 30.0


def run_notebook(path: Path, *, agg: bool, blas_threads: int | None = None) -> dict:
    """Execute one notebook in a new kernel; the seconds of each phase and of each cell."""
    import nbformat

    nb = nbformat.read(path, as_version=4)
    env = dict(os.environ)
    if agg:
        env["MPLBACKEND"] = "Agg"
    else:
        env.pop("MPLBACKEND", None)  # the kernel's own default: the inline backend, as in JupyterLab
    if blas_threads:
        for var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
            env[var] = str(blas_threads)
    client = notebook_client(nb, path)
    start = time.perf_counter()
    cells = []
    with client.setup_kernel(env=env):
        ready = time.perf_counter()
        kernel = _kernel_process(client)
        cpu_ready = _cpu(kernel)
        for index, cell in enumerate(nb.cells):
            if cell.cell_type != "code":
                continue
            t, cpu = time.perf_counter(), _cpu(kernel)
            client.execute_cell(cell, index)
            first_line = next((line for line in cell.source.splitlines() if line.strip()), "")
            cells.append((time.perf_counter() - t, index, first_line, _cpu(kernel) - cpu))
            if len(cells) == 1:
                cpu_first = _cpu(kernel)
        cpu_done = _cpu(kernel)
        done = time.perf_counter()
    return dict(
        kernel=ready - start,
        first=cells[0][0] if cells else 0.0,
        rest=sum(c[0] for c in cells[1:]),
        cells=done - ready,
        total=time.perf_counter() - start,
        cpu_kernel=cpu_ready,
        cpu_first=cpu_first - cpu_ready if cells else 0.0,
        cpu_rest=cpu_done - (cpu_first if cells else cpu_ready),
        cpu=cpu_done,
        slowest=sorted(cells, key=lambda c: c[3], reverse=True)[:3],
        per_cell=cells,
    )


def _kernel_process(client):
    """The kernel's process (psutil), or None where the kernel manager does not say."""
    import psutil

    process = getattr(getattr(client.km, "provisioner", None), "process", None)
    try:
        return psutil.Process(process.pid) if process is not None else None
    except psutil.Error:
        return None


def _cpu(process) -> float:
    """CPU seconds (user + system) the kernel has used so far, its finished children included."""
    if process is None:
        return float("nan")
    t = process.cpu_times()
    return t.user + t.system + t.children_user + t.children_system


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("names", nargs="*", help="notebooks to run (default: every one in solutions/)")
    parser.add_argument("--repeats", type=int, default=1, help="runs of the whole course; the median is reported")
    parser.add_argument("--agg", action="store_true", help="draw nothing (MPLBACKEND=Agg, as make test runs them)")
    parser.add_argument("--cells", action="store_true", help="print every cell's wall and CPU time")
    parser.add_argument(
        "--blas-threads",
        type=int,
        default=None,
        help="BLAS threads of each kernel (default: the kernel's own); 1 makes the CPU times comparable under load",
    )
    args = parser.parse_args()
    paths = sorted((ROOT / "solutions").glob("*.ipynb"))
    if args.names:
        paths = [p for p in paths if any(p.stem.startswith(n) or p.name == n for n in args.names)]
    before = load()
    # The course's modules as bytecode, as Python leaves them after a first import; where the
    # environment sets PYTHONDONTWRITEBYTECODE, every kernel would compile each changed module again.
    compileall.compile_dir(ROOT / "course_utils", quiet=1)
    t = time.perf_counter()
    import nbformat  # noqa: F401  (paid once here, not inside the first notebook's time)

    imports = time.perf_counter() - t
    runs: dict[str, list[dict]] = {p.stem: [] for p in paths}
    for r in range(args.repeats):
        for p in paths:
            result = run_notebook(p, agg=args.agg, blas_threads=args.blas_threads)
            runs[p.stem].append(result)
            if args.cells:
                for wall, index, src, cpu in result["per_cell"]:
                    print(f"  cell {index:3d}: {wall:5.2f} s, CPU {cpu:5.2f} s  {src[:60]}")
            print(
                f"run {r + 1}/{args.repeats} {p.stem}: {result['total']:.1f} s "
                f"(kernel {result['kernel']:.1f} s), CPU {result['cpu']:.1f} s, load {load()}",
                flush=True,
            )

    def med(name: str, key: str) -> float:
        values = sorted(run[key] for run in runs[name])
        return values[len(values) // 2]

    rows, total, misses = [], 0.0, []
    for name, results in runs.items():
        slow = max(results, key=lambda r: r["cpu"])["slowest"]
        rows.append(
            [
                name,
                f"{med(name, 'kernel'):.1f}",
                f"{med(name, 'first'):.1f}",
                f"{med(name, 'rest'):.1f}",
                f"{med(name, 'total'):.1f}",
                f"{med(name, 'cpu_kernel'):.1f} + {med(name, 'cpu_first'):.1f} + {med(name, 'cpu_rest'):.1f} "
                f"= {med(name, 'cpu'):.1f}",
                "; ".join(f"{c:.1f} s CPU cell {i} `{src[:40].replace('|', '/')}`" for _, i, src, c in slow),
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
            f"{sum(med(n, 'cpu') for n in runs):.1f}",
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
        "kernel's CPU: start + first + rest (s)",
        "slowest cells (the kernel's CPU time)",
    ]
    drawing = "MPLBACKEND=Agg (no drawing)" if args.agg else "figures drawn by the inline backend as in JupyterLab"
    notes = [
        f"Each notebook in a new kernel, {drawing}; "
        f"median of {args.repeats} run(s); BLAS threads: "
        + (f"{args.blas_threads} (set in the kernel's environment)" if args.blas_threads else "the kernel's default")
        + " (the course's training loop runs on one). The kernel's CPU time (user + system) grows much less "
        "with the machine's load than the wall time does. Importing nbformat in the benchmark's own process took "
        f"{imports:.1f} s (not counted).",
        f"Targets: each notebook under {PER_NOTEBOOK:.0f} s, the course under {TOTAL:.0f} s, wall time on the idle "
        "machine (under load, compare the CPU times). "
        + ("Missed: " + "; ".join(misses) + "." if misses else "All met in this run."),
    ]
    report(
        "notebooks" + ("-agg" if args.agg else "") + (f"-blas{args.blas_threads}" if args.blas_threads else ""),
        "The whole course: every solution notebook in a fresh kernel",
        markdown_table(header, rows),
        notes=notes,
        load_before=before,
    )


if __name__ == "__main__":
    main()
