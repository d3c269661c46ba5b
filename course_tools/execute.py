"""Execute a solution notebook and keep only the outputs that nbval should compare.

``course store-outputs solutions/NN_topic.ipynb`` runs the notebook top to bottom in its own
folder and writes it back with outputs (and execution counts) only in cells tagged
``nbval-check-output``; every other cell is left clean. Nothing is written if a cell fails.
"""

from __future__ import annotations

import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError

from .release import CHECK_OUTPUT_TAG, ReleaseError, check_pin_markers, pins_output

__all__ = ["execute_notebook", "store_outputs"]


def execute_notebook(path: Path | str, *, timeout: int = 120, allow_errors: bool = False):
    """Run a notebook in its own folder; returns (executed notebook, seconds taken)."""
    path = Path(path)
    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(
        nb,
        timeout=timeout,
        kernel_name="python3",
        allow_errors=allow_errors,
        coalesce_streams=True,  # one print can reach the kernel's stdout in two messages; pinned text must not depend on that
        resources={"metadata": {"path": str(path.parent.resolve())}},
    )
    start = time.perf_counter()
    client.execute()
    return nb, time.perf_counter() - start


def store_outputs(path: Path | str, *, timeout: int = 120) -> str:
    """Execute ``path`` and keep outputs only in cells tagged ``nbval-check-output``. Returns a summary."""
    path = Path(path)
    check_pin_markers(nbformat.read(path, as_version=4), path.name)
    try:
        nb, seconds = execute_notebook(path, timeout=timeout)
    except CellExecutionError as e:
        raise ReleaseError(f"{path}: a cell failed, nothing was written.\n{e}") from None
    kept = 0
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        cell.metadata.pop("execution", None)
        if pins_output(cell):
            kept += 1
        else:
            cell.outputs = []
            cell.execution_count = None
    nb.metadata.pop("widgets", None)
    path.write_text(nbformat.writes(nb) + "\n", encoding="utf-8")
    return f"{path}: ran in {seconds:.1f} s; kept the outputs of {kept} cell(s) tagged {CHECK_OUTPUT_TAG}"
