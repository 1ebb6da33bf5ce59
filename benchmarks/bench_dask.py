"""Per-epoch time of training on a Dask cluster against training in memory.

Usage::

    python benchmarks/bench_dask.py                     # both shapes, 2/8/32 blocks
    python benchmarks/bench_dask.py --shapes small --blocks 2 8 --rounds 3

Shapes: ``small`` is 2,000 × 64 → 32 → 10, ``large`` 20,000 × 784 → 100 → 10
(random inputs in [-1, 1], 10 classes). For each shape, in interleaved rounds:

- ``in-memory``: ``SigmoidMSEClassifier`` in this process (BLAS's own threads);
- ``dask``: ``DaskSigmoidMSEClassifier`` on a ``LocalCluster`` of ``--workers``
  worker processes (one thread each, on 127.0.0.1), the data split into
  ``--blocks`` row blocks persisted on the workers first;
- ``dask-glm``: dask-glm's ``gradient_descent`` (logistic regression of the
  classes' parity on the same blocks), where dask-glm installs: what a
  gradient-descent step costs when each one is a Dask graph.

Time per epoch is the time of ``2E`` epochs less that of ``E`` (``--epochs``),
divided by ``E``: what a fit does once (checks, computing the blocks, starting
its tasks) cancels. The table gives medians over ``--rounds``; overhead is the
Dask epoch less the in-memory one of the same round. ``round trip`` is the Dask
epoch of a 1 → 1 → 1 network on ``--workers`` rows (nothing to compute):
the per-epoch latency of the cluster, from which the docs sketch larger ones.

The table is printed and written to ``benchmarks/results/dask.md`` and ``.json``
with the machine's CPU and core count.
"""

import argparse
import json
import statistics
import sys
import time
import warnings
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
SHAPES = {"small": (2_000, 64, 32), "large": (20_000, 784, 100)}


def _arguments(argv):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--shapes", nargs="+", default=list(SHAPES), choices=SHAPES)
    parser.add_argument("--blocks", type=int, nargs="+", default=[2, 8, 32])
    parser.add_argument("--epochs", type=int, default=20)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--out", type=Path, default=HERE / "results")
    return parser.parse_args(argv)


def _machine():
    """bench_epoch's record of this machine: CPU, cores, the client's BLAS."""
    sys.path.insert(0, str(HERE))
    from bench_epoch import machine

    return machine()


def _exactly(epochs):
    """Parameters of a fit that runs exactly ``epochs`` epochs."""
    return dict(max_iter=epochs, tol=0, n_iter_no_change=np.inf, random_state=0)


def _seconds(fit):
    start = time.perf_counter()
    fit()
    return time.perf_counter() - start


def _per_epoch(fit_for, epochs):
    """``(t(2E) - t(E)) / E`` for ``fit_for(n_epochs)``, in milliseconds."""
    return (
        1e3
        * (_seconds(lambda: fit_for(2 * epochs)) - _seconds(lambda: fit_for(epochs)))
        / epochs
    )


def _ours(estimator_class, hidden, X, y):
    def fit_for(epochs):
        estimator_class(hidden_layer_sizes=(hidden,), **_exactly(epochs)).fit(X, y)

    return fit_for


def _dask_glm(X, parity):
    from dask_glm.algorithms import gradient_descent

    def fit_for(epochs):
        gradient_descent(X, parity, max_iter=epochs, tol=0)

    return fit_for


def _peers(shape, args, data):
    """``{(peer, blocks): fit_for}`` of one shape."""
    import dask.array as da

    from sklearn_sigmoid_mlp import SigmoidMSEClassifier
    from sklearn_sigmoid_mlp.dask import DaskSigmoidMSEClassifier

    X, y = data
    hidden = SHAPES[shape][2]
    peers = {("in-memory", 1): _ours(SigmoidMSEClassifier, hidden, X, y)}
    try:
        import dask_glm
    except ImportError:
        dask_glm = None
    for blocks in args.blocks:
        chunk = -(-X.shape[0] // blocks)
        X_dask = da.from_array(X, chunks=(chunk, X.shape[1])).persist()
        y_dask = da.from_array(y, chunks=chunk).persist()
        peers["dask", blocks] = _ours(DaskSigmoidMSEClassifier, hidden, X_dask, y_dask)
        if dask_glm is not None:
            parity = (y_dask % 2).astype(float).persist()
            peers["dask-glm", blocks] = _dask_glm(X_dask, parity)
    return peers


def _round_trip(args):
    """Epochs of a 1 → 1 → 1 network on one row per worker (nothing to compute)."""
    import dask.array as da

    from sklearn_sigmoid_mlp.dask import DaskSigmoidMSEClassifier

    X = da.zeros((args.workers, 1), chunks=(1, 1)).persist()
    y = da.from_array(np.arange(args.workers) % 2, chunks=1).persist()

    def fit_for(epochs):
        DaskSigmoidMSEClassifier(hidden_layer_sizes=(1,), **_exactly(epochs)).fit(X, y)

    return fit_for


def _measure(args):
    import distributed
    from sklearn.exceptions import ConvergenceWarning

    warnings.simplefilter("ignore", ConvergenceWarning)
    rng = np.random.RandomState(0)
    data = {}
    for shape in args.shapes:
        rows, features, _ = SHAPES[shape]
        data[shape] = (rng.uniform(-1, 1, (rows, features)), rng.randint(10, size=rows))
    with (
        distributed.LocalCluster(
            n_workers=args.workers,
            threads_per_worker=1,
            processes=True,
            host="127.0.0.1",
            dashboard_address=":0",
        ) as cluster,
        distributed.Client(cluster) as client,
    ):
        client.wait_for_workers(args.workers)
        peers = {s: _peers(s, args, data[s]) for s in args.shapes}
        round_trip = _round_trip(args)
        times = {(s, *key): [] for s in args.shapes for key in peers[s]}
        trips = []
        for _ in range(args.rounds):  # interleaved: every peer once per round
            trips.append(_per_epoch(round_trip, args.epochs))
            for shape in args.shapes:
                for key, fit_for in peers[shape].items():
                    times[shape, *key].append(_per_epoch(fit_for, args.epochs))
    return times, trips


def _rows(args, times):
    rows_out = []
    for (shape, peer, blocks), ms in times.items():
        base = times[shape, "in-memory", 1]
        row = {
            "shape": shape,
            "peer": peer,
            "blocks": blocks,
            "ms": statistics.median(ms),
        }
        if peer != "in-memory":
            row["overhead_ms"] = statistics.median(m - b for m, b in zip(ms, base))
            row["ratio"] = statistics.median(m / b for m, b in zip(ms, base))
        rows_out.append(row)
    return rows_out


def _table(args, rows_out, trips):
    shapes = {
        name: f"{rows:,} × {features} → {hidden} → 10"
        for name, (rows, features, hidden) in SHAPES.items()
    }
    title = (
        f"Dask ({args.workers} worker processes of 1 thread, LocalCluster on "
        f"127.0.0.1) vs in memory: ms per epoch, medians of {args.rounds} "
        f"interleaved rounds, {args.epochs} vs {2 * args.epochs} epochs"
    )
    info = _machine()
    lines = [
        f"### {title}",
        "",
        f"Machine: {info['cpu']}, {info['cores']} cores, {', '.join(info['blas'])} "
        "in the client; 1 BLAS thread in each worker (distributed's nanny sets "
        "OPENBLAS_NUM_THREADS=1).",
        "",
        "| shape | peer | blocks | ms/epoch | overhead ms/epoch | × in-memory |",
        "|---|---|---|---|---|---|",
    ]
    for r in rows_out:
        overhead = f"{r['overhead_ms']:.1f}" if "overhead_ms" in r else ""
        ratio = f"{r['ratio']:.2f}" if "ratio" in r else "1.00"
        lines.append(
            f"| {shapes[r['shape']]} | {r['peer']} | {r['blocks']} | {r['ms']:.2f} "
            f"| {overhead} | {ratio} |"
        )
    lines += [
        "",
        f"Round trip (1 → 1 → 1 network, one row on each of {args.workers} "
        "workers): "
        f"{statistics.median(trips):.2f} ms per epoch.",
    ]
    return title, "\n".join(lines) + "\n"


def main(argv=None):
    args = _arguments(argv)
    times, trips = _measure(args)
    rows_out = _rows(args, times)
    title, text = _table(args, rows_out, trips)
    print(text)
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "dask.md").write_text(text)
    result = {
        "title": title,
        "machine": _machine(),
        "rows": rows_out,
        "round_trip_ms": trips,
    }
    (args.out / "dask.json").write_text(json.dumps(result, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
