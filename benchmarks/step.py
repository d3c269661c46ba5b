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
(p_drop 0.5) on.

    python -m benchmarks.step [--threads 1] [--batches 1 32 256 1024] [--rounds 15]

PyTorch is the optional extra ``bench`` (``pip install -e '.[bench]'``; ``make bench`` installs
it); without it the PyTorch columns say so.
"""

from __future__ import annotations

import argparse
import os
import sys

import numpy as np
from threadpoolctl import threadpool_limits

from benchmarks._common import blas, fmt_ms, interleaved, load, markdown_table, median_ratio, report
from course_utils.models import FullyConnectedNet

HIDDEN, INPUT, CLASSES = [512, 512], 784, 10
CONFIGS = {"plain": {}, "batchnorm + dropout": dict(normalization="batchnorm", p_drop=0.5)}


def floor_fn(net: FullyConnectedNet, N: int, rng: np.random.Generator):
    """The step's matrix products alone, each into an array allocated beforehand."""
    dt = net.dtype
    dims = [net.input_dim, *net.hidden_dims, net.num_classes]
    W = [net.params[f"W{i}"] for i in range(1, net.num_layers + 1)]
    acts = [rng.standard_normal((N, d)).astype(dt) for d in dims]  # X, h1, ..., scores
    grads = [rng.standard_normal((N, d)).astype(dt) for d in dims]  # dX (unused), dh1, ..., dscores
    outs = [np.empty((N, d), dt) for d in dims]
    dws = [np.empty_like(w) for w in W]
    L = len(W)

    def products():
        for i in range(L):  # forward: h_i W_{i+1}
            np.matmul(acts[i], W[i], out=outs[i + 1])
        for i in range(L - 1, -1, -1):  # backward: dW = h^T dout, and dh = dout W^T except for the input
            np.matmul(acts[i].T, grads[i + 1], out=dws[i])
            if i > 0:
                np.matmul(grads[i + 1], W[i].T, out=outs[i])

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
                    t = interleaved(fns, rounds=rounds)
                    vs_floor = median_ratio(t["course"], t["floor"])
                    row = [
                        config,
                        np.dtype(dt).name,
                        N,
                        fmt_ms(np.median(t["course"])),
                        fmt_ms(np.median(t["floor"])),
                        f"{vs_floor:.2f}",
                    ]
                    if "torch" in t:
                        vs_torch = median_ratio(t["course"], t["torch"])
                        row += [fmt_ms(np.median(t["torch"])), f"{vs_torch:.2f}"]
                        if vs_torch > 1.0:
                            misses.append(f"{config} {np.dtype(dt).name} batch {N}: {vs_torch:.2f}x PyTorch")
                    else:
                        row += [note, ""]
                    if not options and N == 256 and vs_floor > 1.25:
                        misses.append(f"{np.dtype(dt).name} batch 256: {vs_floor:.2f}x the floor (target 1.25x)")
                    rows.append(row)
                    print(" | ".join(str(c) for c in row), flush=True)
    return rows, misses


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--threads", type=int, default=1, help="BLAS (and PyTorch) threads (default 1)")
    parser.add_argument("--batches", type=int, nargs="+", default=[1, 32, 256, 1024])
    parser.add_argument("--rounds", type=int, default=15)
    args = parser.parse_args()
    if args.threads > 1:  # PyTorch's OpenMP threads spin after each product, taking the cores numpy's BLAS
        os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")  # threads need next: they sleep instead (before import)
    before = load()
    version = torch_version()
    print(
        f"training step of FullyConnectedNet({HIDDEN}, {INPUT}, {CLASSES}), {args.threads} thread(s); load {before}",
        flush=True,
    )
    rows, misses = run(args.threads, args.batches, args.rounds)
    header = [
        "net",
        "dtype",
        "batch",
        "course (ms)",
        "floor (ms)",
        "course / floor",
        "PyTorch (ms)",
        "course / PyTorch",
    ]
    with threadpool_limits(args.threads, user_api="blas"):
        numpy_blas = blas()
    notes = [
        f"Threads: {args.threads} for numpy's BLAS and for PyTorch (torch.set_num_threads"
        + (f", OMP_WAIT_POLICY={os.environ.get('OMP_WAIT_POLICY')}" if args.threads > 1 else "")
        + "); "
        f"numpy's BLAS: {numpy_blas}; PyTorch {version or 'not installed'}.",
        "Times are medians over interleaved rounds; ratios are medians of the per-round ratios.",
        "Floor: the matrix products of the step alone (forward, dW of each layer, dx of every layer but "
        "the first), into preallocated arrays.",
        "Targets: plain net at batch 256 within 1.25x of the floor; no slower than PyTorch at any batch size. "
        + ("Missed: " + "; ".join(misses) + "." if misses else "All met in this run."),
    ]
    report(
        f"step-{args.threads}thread",
        "Training step: FullyConnectedNet([512, 512], 784, 10)",
        markdown_table(header, rows),
        notes=notes,
        load_before=before,
    )
    sys.exit(0)


if __name__ == "__main__":
    main()
