"""What every benchmark here shares: interleaved timing, the machine's state, and the table.

Absolute times on a shared machine drift with whatever else runs, so a comparison is measured
side by side: each round runs every contender once (in an order that rotates from round to
round), and what is reported is the median over rounds, of the times and of the ratios taken
within one round. Each benchmark prints a Markdown table and writes it, with a header that says
when, where and under what load it was measured, to ``benchmarks/results/<name>.md``.
"""

from __future__ import annotations

import os
import platform
import subprocess
import time
from collections.abc import Callable, Mapping
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results"


def cores() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)


def load() -> str:
    """The 1-minute load average and the number of cores, e.g. ``5.2 on 2 cores``."""
    try:
        return f"{os.getloadavg()[0]:.1f} on {cores()} cores"
    except OSError:
        return f"unknown on {cores()} cores"


def blas() -> str:
    """numpy's BLAS library, its kernel and its threads right now (threadpoolctl)."""
    from threadpoolctl import threadpool_info

    found = [
        f"{i['internal_api']} {i.get('version') or ''} ({i.get('architecture') or '?'}, {i['num_threads']} thread(s))"
        for i in threadpool_info()
        if i["user_api"] == "blas"
    ]
    return ", ".join(found) or "none found"


def commit() -> str:
    try:
        out = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True, timeout=10
        )
        dirty = subprocess.run(
            # the benchmarks' own results are not the code measured: a second run is still at the commit
            ["git", "status", "--porcelain", "--untracked-files=no", "--", ".", ":(exclude)benchmarks/results"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=30,
        ).stdout.strip()
        return out.stdout.strip() + (" + uncommitted changes" if dirty else "") if out.returncode == 0 else "?"
    except (OSError, subprocess.SubprocessError):
        return "?"


def interleaved(
    fns: Mapping[str, Callable[[], object]], *, rounds: int = 15, min_seconds: float = 0.02, warmup: int = 1
) -> dict[str, np.ndarray]:
    """Per-call seconds of each function in each round: {name: (rounds,) array}.

    Each function is first run ``warmup`` times and timed once to pick how many calls make one
    sample (at least ``min_seconds``, so the timer's resolution and one-off hiccups do not
    dominate a fast function). Then every round times one sample of each function, the order
    rotating from round to round, so a burst of load on the machine hits all contenders alike.
    """
    return interleaved_clocks(fns, rounds=rounds, min_seconds=min_seconds, warmup=warmup)[0]


def interleaved_clocks(
    fns: Mapping[str, Callable[[], object]], *, rounds: int = 15, min_seconds: float = 0.02, warmup: int = 1
) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
    """As :func:`interleaved`, on two clocks at once: (wall seconds, CPU seconds) per call and round.

    The CPU time is the process's (every thread's, BLAS's included): on a machine loaded by other
    work it counts what a contender computed, not the time it waited for a core.
    """
    names = list(fns)
    calls = {}
    for name in names:
        for _ in range(warmup):
            fns[name]()
        start = time.perf_counter()
        fns[name]()
        once = max(time.perf_counter() - start, 1e-7)
        calls[name] = max(1, int(np.ceil(min_seconds / once)))
    wall = {name: np.empty(rounds) for name in names}
    cpu = {name: np.empty(rounds) for name in names}
    for r in range(rounds):
        for name in names[r % len(names) :] + names[: r % len(names)]:
            fn, n = fns[name], calls[name]
            start, start_cpu = time.perf_counter(), time.process_time()
            for _ in range(n):
                fn()
            wall[name][r] = (time.perf_counter() - start) / n
            cpu[name][r] = (time.process_time() - start_cpu) / n
    return wall, cpu


def median_ratio(a: np.ndarray, b: np.ndarray) -> float:
    """The median over rounds of a[r] / b[r]: the ratio of two contenders timed side by side."""
    return float(np.median(np.asarray(a) / np.asarray(b)))


def markdown_table(header: list[str], rows: list[list[object]]) -> str:
    cells = [[str(c) for c in row] for row in rows]
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(row) + " |" for row in cells]
    return "\n".join(lines)


def report(
    name: str, title: str, body: str, *, notes: list[str] = (), load_before: str | None = None, at: str | None = None
) -> Path:
    """Print the table with its header and write both to benchmarks/results/<name>.md.

    ``at`` names what was measured when it is not this checkout (default: its commit)."""
    when = time.strftime("%Y-%m-%d %H:%M")
    head = [
        f"## {title}",
        "",
        f"Measured {when} at {at or 'commit ' + commit()} on {platform.machine()} with {cores()} cores "
        f"({platform.processor() or platform.platform(terse=True)}), Python {platform.python_version()}, "
        f"numpy {np.__version__}; load average {load_before or '?'} before, {load()} after.",
    ]
    text = "\n".join([*head, "", body, "", *[f"- {n}" for n in notes]]).rstrip() + "\n"
    RESULTS.mkdir(parents=True, exist_ok=True)
    path = RESULTS / f"{name}.md"
    path.write_text(text, encoding="utf-8")
    print(text)
    print(f"(written to {path.relative_to(ROOT)})")
    return path


def fmt_ms(seconds: float) -> str:
    ms = seconds * 1e3
    return f"{ms:.3f}" if ms < 1 else f"{ms:.2f}" if ms < 100 else f"{ms:.0f}"


def notebook_client(nb, path: Path):
    """An nbclient NotebookClient for notebook ``nb`` read from ``path``, run in the notebook's folder.

    nbclient imitates JupyterLab's Output widget by answering, on the shell channel, every output
    such a widget captures; now and then that leaves it waiting for a reply until its timeout after
    a widget's cell. The kernel's work (computing, drawing, rendering the PNG) is the same without the
    imitation, so the benchmarks switch it off: a widget's outputs are simply not kept.
    """
    from nbclient import NotebookClient

    client = NotebookClient(
        nb, timeout=600, kernel_name="python3", resources={"metadata": {"path": str(Path(path).parent.resolve())}}
    )
    client.widget_registry = {}
    return client
