"""Per-epoch time of full-batch training through the array API: torch on the GPU (or
the CPU), this package's numpy path, and a plain hand-written torch loop (the floor).

Usage::

    python benchmarks/bench_gpu.py                      # CUDA if available, else CPU
    python benchmarks/bench_gpu.py --rows 1000000 --epochs 10 --device cuda
    python benchmarks/bench_gpu.py --rows 20000 --epochs 3  # quick CPU check

Defaults: 1,000,000 × 784 → 256 → 10 float32 on CUDA; 100,000 rows on a CPU-only
torch. Peers, interleaved over ``--rounds`` rounds (median ms per epoch):

- ``ours-torch-<device>``: ``SigmoidMSEClassifier`` fitted on torch tensors with
  ``sklearn.set_config(array_api_dispatch=True)``;
- ``ours-numpy-cpu``: the same fit on numpy arrays (skipped above ``--numpy-max-rows``);
- ``torch-loop-<device>``: the same mathematics written directly in torch, one
  forward and backward pass and update per epoch, no validation or bookkeeping.

The table is printed and written to ``benchmarks/results/gpu.md`` and ``.json``.
"""

import os

# scikit-learn's array API dispatch needs scipy's, enabled before scipy is imported.
os.environ.setdefault("SCIPY_ARRAY_API", "1")

import argparse
import json
import statistics
import sys
import time
import warnings
from pathlib import Path

import numpy as np
from sklearn import config_context
from sklearn.exceptions import ConvergenceWarning

from sklearn_sigmoid_mlp import SigmoidMSEClassifier

HERE = Path(__file__).resolve().parent


def torch_loop(X, Y, hidden, epochs, learning_rate=0.7):
    """The notebook's epoch, hand-written in torch on ``X``'s device."""
    import torch

    gen = torch.Generator(device="cpu").manual_seed(0)
    n, d = X.shape
    k = Y.shape[1]
    W1 = (torch.rand(hidden, d, generator=gen) - 0.5).to(X.device, X.dtype)
    b1 = (torch.rand(hidden, generator=gen) - 0.5).to(X.device, X.dtype)
    W2 = (torch.rand(k, hidden, generator=gen) - 0.5).to(X.device, X.dtype)
    b2 = (torch.rand(k, generator=gen) - 0.5).to(X.device, X.dtype)
    step = learning_rate / n
    for _ in range(epochs):
        h = torch.sigmoid(X @ W1.T + b1)
        f = torch.sigmoid(h @ W2.T + b2)
        d2 = (f - Y) * f * (1 - f)
        d1 = (d2 @ W2) * h * (1 - h)
        W2 -= step * (d2.T @ h)
        b2 -= step * d2.sum(0)
        W1 -= step * (d1.T @ X)
        b1 -= step * d1.sum(0)
        loss = float(0.5 / n * ((f - Y) ** 2).sum())  # one sync per epoch, as ours
    return loss


def ours(X, y, hidden, epochs, dispatch):
    clf = SigmoidMSEClassifier(
        hidden_layer_sizes=(hidden,), max_iter=epochs, tol=0, random_state=0
    )
    with config_context(array_api_dispatch=dispatch):
        clf.fit(X, y)
    return clf.loss_


def _arguments(argv):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, help="default 1e6 on CUDA, 1e5 on CPU")
    parser.add_argument("--features", type=int, default=784)
    parser.add_argument("--hidden", type=int, default=256)
    parser.add_argument("--classes", type=int, default=10)
    parser.add_argument("--epochs", type=int, default=5)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--device", choices=["auto", "cpu", "cuda"], default="auto")
    parser.add_argument("--numpy-max-rows", type=int, default=200_000)
    parser.add_argument("--out", type=Path, default=HERE / "results")
    return parser.parse_args(argv)


def _peers(args, device, rows):
    """Each peer's name and ``run(epochs)``, on the same random data."""
    import torch

    rng = np.random.RandomState(0)
    X_np = rng.uniform(-1, 1, size=(rows, args.features)).astype(np.float32)
    y_np = rng.randint(args.classes, size=rows)
    X_t = torch.asarray(X_np, device=device)
    y_t = torch.asarray(y_np, device=device)
    Y_t = torch.nn.functional.one_hot(y_t, args.classes).to(X_t.dtype)

    peers = {
        f"ours-torch-{device}": lambda e: ours(X_t, y_t, args.hidden, e, True),
        f"torch-loop-{device}": lambda e: torch_loop(X_t, Y_t, args.hidden, e),
    }
    if rows <= args.numpy_max_rows:
        peers["ours-numpy-cpu"] = lambda e: ours(X_np, y_np, args.hidden, e, False)
    return peers


def _times(peers, args, device):
    """Seconds per epoch of each peer, in every round (peers interleaved)."""
    import torch

    for run in peers.values():  # warm-up: kernels, allocator, BLAS threads
        run(1)
    times = {name: [] for name in peers}
    for _ in range(args.rounds):
        for name, run in peers.items():
            if device == "cuda":
                torch.cuda.synchronize()
            start = time.perf_counter()
            run(args.epochs)
            if device == "cuda":
                torch.cuda.synchronize()
            times[name].append((time.perf_counter() - start) / args.epochs)
    return times


def _summary(times, args, device, rows):
    """One row of the table per peer: medians, GFLOP/s, speed against the floor."""
    floor = f"torch-loop-{device}"
    flops = (
        2 * rows * (2 * args.features * args.hidden + 3 * args.hidden * args.classes)
    )
    rows_out = []
    for name, seconds in times.items():
        median = statistics.median(seconds)
        ratios = [f / s for f, s in zip(times[floor], seconds)]
        rows_out.append(
            {
                "peer": name,
                "ms_median": 1e3 * median,
                "ms_min": 1e3 * min(seconds),
                "gflops": flops / median / 1e9,
                "speed_vs_floor": statistics.median(ratios),
            }
        )
    return rows_out


def _table(rows_out, args, device, rows):
    """The title and the Markdown table of the results."""
    import torch

    title = (
        f"{rows:,} × {args.features} → {args.hidden} → {args.classes} float32, "
        f"{args.epochs} epochs per timing, {args.rounds} rounds, torch "
        f"{torch.__version__} on {device}"
        + (f" ({torch.cuda.get_device_name()})" if device == "cuda" else "")
    )
    lines = [
        f"### {title}",
        "",
        "| peer | ms/epoch median | min | GFLOP/s | speed vs torch loop |",
        "|---|---|---|---|---|",
        *(
            f"| {r['peer']} | {r['ms_median']:.2f} | {r['ms_min']:.2f} | "
            f"{r['gflops']:.1f} | {r['speed_vs_floor']:.2f} |"
            for r in rows_out
        ),
    ]
    return title, "\n".join(lines) + "\n"


def main(argv=None):
    args = _arguments(argv)
    warnings.simplefilter("ignore", ConvergenceWarning)

    import torch

    device = args.device
    if device == "auto":
        device = "cuda" if torch.cuda.is_available() else "cpu"
    rows = args.rows or (1_000_000 if device == "cuda" else 100_000)
    times = _times(_peers(args, device, rows), args, device)
    rows_out = _summary(times, args, device, rows)
    title, text = _table(rows_out, args, device, rows)
    print(text)
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "gpu.md").write_text(text)
    (args.out / "gpu.json").write_text(
        json.dumps({"title": title, "rows": rows_out}, indent=2)
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
