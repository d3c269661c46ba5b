"""Execute a solution notebook and keep only the outputs that nbval should compare.

``course store-outputs solutions/NN_topic.ipynb`` runs the notebook top to bottom in its own
folder and writes it back with outputs (and execution counts) only in cells that start with
``# NBVAL_CHECK_OUTPUT``; every other cell is left clean. Nothing is written if a cell fails.
"""
from __future__ import annotations

import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError

from .release import CHECK_OUTPUT, ReleaseError

__all__ = ["execute_notebook", "store_outputs"]


def execute_notebook(path: Path | str, *, timeout: int = 120, allow_errors: bool = False):
    """Run a notebook in its own folder; returns (executed notebook, seconds taken)."""
    path = Path(path)
    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(
        nb, timeout=timeout, kernel_name="python3", allow_errors=allow_errors,
        resources={"metadata": {"path": str(path.parent.resolve())}},
    )
    start = time.perf_counter()
    client.execute()
    return nb, time.perf_counter() - start


def store_outputs(path: Path | str, *, timeout: int = 120) -> str:
    """Execute ``path`` and keep outputs only in ``# NBVAL_CHECK_OUTPUT`` cells. Returns a summary."""
    path = Path(path)
    try:
        nb, seconds = execute_notebook(path, timeout=timeout)
    except CellExecutionError as e:
        raise ReleaseError(f"{path}: a cell failed, nothing was written.\n{e}") from None
    kept = 0
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        cell.metadata.pop("execution", None)
        if CHECK_OUTPUT in cell.source:
            kept += 1
        else:
            cell.outputs = []
            cell.execution_count = None
    nb.metadata.pop("widgets", None)
    path.write_text(nbformat.writes(nb) + "\n", encoding="utf-8")
    return f"{path}: ran in {seconds:.1f} s; kept the outputs of {kept} {CHECK_OUTPUT} cell(s)"
