"""Benchmark 1: one training step of the course's net against its floor and against PyTorch.

A training step is ``net.loss(X, y)`` of ``FullyConnectedNet([512, 512], 784, 10)``: the
forward pass, the softmax loss and the backward pass to every parameter's gradient. It is timed
side by side (interleaved rounds, medians) with

- the floor: the step's matrix products alone, into preallocated arrays. The products a step
  needs are the three of the forward pass and, backwards, dW of each layer and dx of every layer
  but the first (no gradient with respect to the input data is needed). Nothing a step does can
  be cheaper than those;
- the same network in PyTorch on the CPU (``nn.Linear``, ``nn.BatchNorm1d``, ``nn.Dropout``,
  ``F.cross_entropy``, ``torch.autograd.grad``), with the same weights and the same number of
  threads. Its loss and gradients are checked against the course's before timing.

In float64 and float32, at batch sizes 1, 32, 256 and 1024, plain and with batchnorm and dropout
(p_drop 0.5) on; on one BLAS thread and on the machine's default (one per core), in one run.
Each figure is timed on two clocks: the wall clock, and the CPU time of the process (all its
threads), which on a machine loaded by other work counts what was computed rather than the wait
for a core. The table goes to ``benchmarks/results/step.md``.

    python -m benchmarks.step [--threads 1 2] [--batches 1 32 256 1024] [--rounds 15]

PyTorch is the optional extra ``bench`` (``pip install -e '.[bench]'``; ``make bench`` installs
it); without it the PyTorch columns say so.
"""

from __future__ import annotations

import argparse
import os
import sys

import numpy as np
from threadpoolctl import threadpool_limits

from benchmarks._common import blas, cores, fmt_ms, interleaved_clocks, load, markdown_table, median_ratio, report
from course_utils.models import FullyConnectedNet

HIDDEN, INPUT, CLASSES = [512, 512], 784, 10
CONFIGS = {"plain": {}, "batchnorm + dropout": dict(normalization="batchnorm", p_drop=0.5)}
TARGET_FLOOR = 1.2  # the plain step at batch 256 against its matrix products, at every thread count


def floor_fn(net: FullyConnectedNet, N: int, rng: np.random.Generator):
    """The step's matrix products alone, each into an array allocated beforehand.

    For one example the weights' gradients are outer products, which numpy's matmul computes
    in a loop of its own; as in :func:`course_utils.layers.weights_grad`, a row of zeros under
    both factors makes them BLAS's products.
    """
    dt = net.dtype
    dims = [net.input_dim, *net.hidden_dims, net.num_classes]
    W = [net.params[f"W{i}"] for i in range(1, net.num_layers + 1)]
    rows = max(N, 2)  # with N = 1, row 2 is zeros and takes part in the weights' gradients only
    acts = [np.zeros((rows, d), dt) for d in dims]  # X, h1, ..., scores
    grads = [np.zeros((rows, d), dt) for d in dims]  # dX (unused), dh1, ..., dscores
    for a in acts + grads:
        a[:N] = rng.standard_normal((N, a.shape[1]))
    outs = [np.empty((N, d), dt) for d in dims]
    dws = [np.empty_like(w) for w in W]
    L = len(W)

    def products():
        for i in range(L):  # forward: h_i W_{i+1}
            np.matmul(acts[i][:N], W[i], out=outs[i + 1])
        for i in range(L - 1, -1, -1):  # backward: dW = h^T dout, and dh = dout W^T except for the input
            np.matmul(acts[i].T, grads[i + 1], out=dws[i])
            if i > 0:
                np.matmul(grads[i + 1][:N], W[i].T, out=outs[i])

    return products


def torch_fn(net: FullyConnectedNet, X: np.ndarray, y: np.ndarray):
    """The same net in PyTorch, same weights; returns (step, check) where check() compares it with the course's."""
    import torch
    from torch import nn
    from torch.nn import functional as F

    tdt = {np.dtype(np.float64): torch.float64, np.dtype(np.float32): torch.float32}[net.dtype]
    modules: list[nn.Module] = []
    for i in range(1, net.num_layers + 1):
        W, b = net.params[f"W{i}"], net.params[f"b{i}"]
        lin = nn.Linear(*W.shape, dtype=tdt)
        with torch.no_grad():
            lin.weight.copy_(torch.from_numpy(np.ascontiguousarray(W.T)))
            lin.bias.copy_(torch.from_numpy(b))
        modules.append(lin)
        if i < net.num_layers:
            if net.normalization == "batchnorm":
                modules.append(nn.BatchNorm1d(W.shape[1], eps=1e-5, momentum=0.1, dtype=tdt))  # 0.1 new = 0.9 old
            modules.append(nn.ReLU())
            if net.p_drop:
                modules.append(nn.Dropout(net.p_drop))
    model = nn.Sequential(*modules).train()
    params = list(model.parameters())
    Xt, yt = torch.from_numpy(X), torch.from_numpy(y.astype(np.int64))

    def step():
        loss = F.cross_entropy(model(Xt), yt)
        return loss.item(), torch.autograd.grad(loss, params)

    def check():
        """The loss agrees with the course's, and in float64 every gradient too (plain net: no random masks).

        In float32 a pre-activation within round-off of 0 can fall on either side of a ReLU in the
        two libraries, which moves a gradient by far more than round-off: float32 checks the loss only.
        """
        loss, grads = step()
        ref_loss, ref = net.loss(X, y)
        tol = 1e-4 if net.dtype == np.float32 else 1e-9
        names = [n for i in range(1, net.num_layers + 1) for n in (f"W{i}", f"b{i}")]
        worst = (
            0.0
            if net.dtype == np.float32
            else max(
                float(np.max(np.abs(g.numpy().T - ref[n]) / (np.abs(ref[n]).max() + 1e-30)))
                for n, g in zip(names, grads)
            )
        )
        if abs(loss - ref_loss) > tol * max(1.0, abs(ref_loss)) or worst > tol:
            raise SystemExit(
                f"PyTorch and the course disagree: loss {loss} vs {ref_loss}, worst gradient error {worst:.1e}"
            )

    return step, check


def torch_version() -> str | None:
    try:
        import torch
    except ImportError:
        return None
    return torch.__version__


def run(threads: int, batches: list[int], rounds: int) -> tuple[list[list[object]], list[str]]:
    have_torch = torch_version() is not None
    if have_torch:
        import torch

        torch.set_num_threads(threads)
    rows, misses = [], []
    with threadpool_limits(threads, user_api="blas"):
        for config, options in CONFIGS.items():
            for dt in (np.float64, np.float32):
                for N in batches:
                    rng = np.random.default_rng(N)
                    X = rng.standard_normal((N, INPUT)).astype(dt)
                    y = rng.integers(0, CLASSES, N)
                    net = FullyConnectedNet(HIDDEN, INPUT, CLASSES, dtype=dt, seed=0, **options)
                    fns = {"course": lambda net=net, X=X, y=y: net.loss(X, y), "floor": floor_fn(net, N, rng)}
                    note = ""
                    if have_torch and not (options.get("normalization") and N == 1):
                        step, check = torch_fn(net, X, y)
                        if not options:
                            check()
                        fns["torch"] = step
                    elif have_torch:
                        note = "n/a: BatchNorm1d refuses one example"
                    else:
                        note = "PyTorch not installed"
                    wall, cpu = interleaved_clocks(fns, rounds=rounds)
                    name = f"{np.dtype(dt).name} batch {N}, {threads} thread(s)"
                    vs_floor = [median_ratio(t["course"], t["floor"]) for t in (wall, cpu)]
                    row = [config, np.dtype(dt).name, N, threads, fmt_ms(np.median(wall["course"]))]
                    row += [fmt_ms(np.median(wall["floor"])), *(f"{r:.2f}" for r in vs_floor)]
                    if "torch" in wall:
                        vs_torch = [median_ratio(t["course"], t["torch"]) for t in (wall, cpu)]
                        row += [fmt_ms(np.median(wall["torch"])), *(f"{r:.2f}" for r in vs_torch)]
                        if vs_torch[0] > 1.0:
                            misses.append(
                                f"{config} {name}: {vs_torch[0]:.2f}x PyTorch ({vs_torch[1]:.2f}x in CPU time)"
                            )
                    else:
                        row += [note, "", ""]
                    if not options and N == 256 and vs_floor[0] > TARGET_FLOOR:
                        misses.append(f"{name}: {vs_floor[0]:.2f}x the floor ({vs_floor[1]:.2f}x in CPU time)")
                    rows.append(row)
                    print(" | ".join(str(c) for c in row), flush=True)
    return rows, misses


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--threads", type=int, nargs="+", default=sorted({1, cores()}), help="BLAS (and PyTorch) thread counts"
    )
    parser.add_argument("--batches", type=int, nargs="+", default=[1, 32, 256, 1024])
    parser.add_argument("--rounds", type=int, default=15)
    args = parser.parse_args()
    if max(args.threads) > 1:  # PyTorch's OpenMP threads spin after each product, taking the cores numpy's BLAS
        os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")  # threads need next: they sleep instead (before import)
    version = torch_version()
    rows, misses, loads = [], [], []
    for threads in args.threads:
        before = load()
        print(f"training step of FullyConnectedNet({HIDDEN}, {INPUT}, {CLASSES}), {threads} thread(s); load {before}")
        more_rows, more_misses = run(threads, args.batches, args.rounds)
        rows += more_rows
        misses += more_misses
        loads.append(f"{threads} thread(s): {before} before, {load()} after")
    header = ["net", "dtype", "batch", "threads", "course (ms)", "floor (ms)", "course / floor", "(CPU)"]
    header += ["PyTorch (ms)", "course / PyTorch", "(CPU)"]
    numpy_blas = blas()
    notes = [
        "Threads: numpy's BLAS and PyTorch (torch.set_num_threads) alike"
        + (f", OMP_WAIT_POLICY={os.environ.get('OMP_WAIT_POLICY')}" if max(args.threads) > 1 else "")
        + f"; numpy's BLAS: {numpy_blas}; PyTorch {version or 'not installed'}.",
        "Load average per thread count: " + "; ".join(loads) + ".",
        "Times are wall-clock medians over interleaved rounds; ratios are medians of the per-round ratios, "
        "on the wall clock and (CPU) in the process's CPU time, every thread's.",
        "Floor: the matrix products of the step alone (forward, dW of each layer, dx of every layer but "
        "the first), into preallocated arrays.",
        f"Targets: plain net at batch 256 within {TARGET_FLOOR}x of the floor; no slower than PyTorch at any "
        "batch size. "
        + ("Missed on the wall clock: " + "; ".join(misses) + "." if misses else "All met on the wall clock."),
    ]
    report(
        "step",
        "Training step: FullyConnectedNet([512, 512], 784, 10)",
        markdown_table(header, rows),
        notes=notes,
        load_before=loads[0].split(": ", 1)[1].split(" before")[0],
    )
    sys.exit(0)


if __name__ == "__main__":
    main()
