"""Every pinned output comes out the same under other numeric kernels.

A cell tagged ``nbval-check-output`` is compared with its stored output on every run, on every
machine a student or an instructor uses: another CPU, another BLAS kernel, another thread count.
Here each solution notebook with pinned cells runs (up to its last pinned cell) under two numeric
variants besides the default run that nbval makes:

- ``generic``: OpenBLAS's generic kernel (``OPENBLAS_CORETYPE=Prescott``), one BLAS thread, and
  numpy's SIMD dispatch switched off (every dispatched feature group this CPU has: AVX2, FMA3,
  AVX-512 and the like; numpy runs its baseline code);
- ``avx2-two-threads``: OpenBLAS's Haswell kernel (AVX2) where the CPU has it, two BLAS threads,
  and numpy's AVX-512 dispatch switched off.

A probe cell run first proves the variant took effect (the kernel's BLAS architecture and thread
count, numpy's dispatched features), so a variant that silently did nothing cannot pass.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

from course_tools.release import pins_output

ROOT = Path(__file__).resolve().parent.parent
SOLUTIONS = sorted((ROOT / "solutions").glob("[0-9][0-9]_*.ipynb"))

PROBE = """\
import json as _json
import threadpoolctl as _tpc
from numpy._core._multiarray_umath import __cpu_features__ as _f, __cpu_dispatch__ as _d
_blas = [i for i in _tpc.threadpool_info() if i.get("user_api") == "blas"]
print(_json.dumps({"blas": [[i.get("architecture"), i.get("num_threads")] for i in _blas],
                   "dispatch_on": sorted(k for k in _d if _f.get(k))}))
del _json, _tpc, _f, _d, _blas
"""


def _cpu():
    from numpy._core._multiarray_umath import __cpu_dispatch__, __cpu_features__

    found = [k for k in __cpu_dispatch__ if __cpu_features__.get(k)]
    avx2 = bool(__cpu_features__.get("AVX2") and __cpu_features__.get("FMA3"))
    return found, avx2


def _variants():
    found, avx2 = _cpu()
    avx512 = [k for k in found if k.startswith(("X86_V4", "AVX512"))]
    generic = {
        "OPENBLAS_CORETYPE": "Prescott",
        "OPENBLAS_NUM_THREADS": "1",
        "OMP_NUM_THREADS": "1",
        "NPY_DISABLE_CPU_FEATURES": " ".join(found),
    }
    two = {"OPENBLAS_NUM_THREADS": "2", "OMP_NUM_THREADS": "2", "NPY_DISABLE_CPU_FEATURES": " ".join(avx512)}
    if avx2:
        two["OPENBLAS_CORETYPE"] = "Haswell"
    return {"generic": generic, "avx2-two-threads": two}


VARIANTS = _variants()


def _pinned_notebooks():
    out = []
    for path in SOLUTIONS:
        nb = nbformat.read(path, as_version=4)
        if any(c.cell_type == "code" and pins_output(c) for c in nb.cells):
            out.append(path)
    return out


def _text(outputs) -> list[str]:
    """What nbval compares of an output, as text: streams and text/plain results (images are not pinned)."""
    texts = []
    for o in outputs:
        if o.output_type == "stream":  # a stream arrives in chunks that depend on timing: join them
            if texts and texts[-1].startswith(f"{o.name}: "):
                texts[-1] += o.text
            else:
                texts.append(f"{o.name}: {o.text}")
        elif o.output_type in ("execute_result", "display_data") and "text/plain" in o.get("data", {}):
            texts.append(o.data["text/plain"])
        elif o.output_type == "error":
            texts.append(f"error: {o.ename}: {o.evalue}")
    return texts


def _check_probe(variant: str, printed: str) -> None:
    probe = json.loads(printed)
    found, avx2 = _cpu()
    env = VARIANTS[variant]
    assert probe["blas"], "no BLAS library found in the kernel"
    for arch, threads in probe["blas"]:
        assert threads == int(env["OPENBLAS_NUM_THREADS"]), f"{variant}: BLAS runs {threads} threads"
        if variant == "generic":
            assert arch in ("Prescott", "Katmai"), f"generic: BLAS kernel is {arch}"
        elif avx2:
            assert arch == "Haswell", f"avx2-two-threads: BLAS kernel is {arch}"
    off = set(env["NPY_DISABLE_CPU_FEATURES"].split())
    still_on = off & set(probe["dispatch_on"])
    assert not still_on, f"{variant}: numpy still dispatches {sorted(still_on)}"


@pytest.mark.parametrize("variant", sorted(VARIANTS))
@pytest.mark.parametrize("path", _pinned_notebooks(), ids=lambda p: p.stem)
def test_pinned_outputs_are_the_same_under_another_numeric_kernel(path, variant):
    nb = nbformat.read(path, as_version=4)
    last = max(i for i, c in enumerate(nb.cells) if c.cell_type == "code" and pins_output(c))
    pinned = {
        i: _text(c.outputs) for i, c in enumerate(nb.cells[: last + 1]) if c.cell_type == "code" and pins_output(c)
    }
    run = nbformat.v4.new_notebook(metadata=nb.metadata)
    run.cells = [nbformat.v4.new_code_cell(PROBE)] + [nbformat.from_dict(c) for c in nb.cells[: last + 1]]
    for cell in run.cells:
        if cell.cell_type == "code":
            cell.outputs = []
    env = {**os.environ, "MPLBACKEND": "Agg", **VARIANTS[variant]}
    client = NotebookClient(
        run, timeout=300, kernel_name="python3", allow_errors=False, resources={"metadata": {"path": str(path.parent)}}
    )
    client.execute(env=env)
    _check_probe(variant, run.cells[0].outputs[0].text)
    differ = []
    for i, want in pinned.items():
        got = _text(run.cells[i + 1].outputs)
        if got != want:
            differ.append(f"cell {i}: pinned {want!r}\n  under {variant}: {got!r}")
    assert not differ, f"{path.name}: pinned outputs differ under {variant}:\n" + "\n".join(differ)


def test_the_generic_variant_switches_simd_off_where_there_is_any():
    found, _ = _cpu()
    assert set(VARIANTS["generic"]["NPY_DISABLE_CPU_FEATURES"].split()) == set(found)
    assert VARIANTS["generic"]["OPENBLAS_CORETYPE"] == "Prescott"
