"""Per-epoch time of training on a Dask cluster against training in memory.

Usage::

    python benchmarks/bench_dask.py                     # both shapes, 2/8/32 blocks
    python benchmarks/bench_dask.py --shapes small --blocks 2 8 --rounds 3

Shapes: ``small`` is 2,000 × 64 → 32 → 10, ``large`` 20,000 × 784 → 100 → 10
(random inputs in [-1, 1], 10 classes). For each shape, in interleaved rounds:

- ``in-memory``: ``SigmoidMSEClassifier`` in this process (BLAS's own threads);
- ``dask``: ``DaskSigmoidMSEClassifier`` on a ``LocalCluster`` of ``--workers``
  worker processes (one thread each, on 127.0.0.1), the data split into
  ``--blocks`` row blocks scattered to the workers in turn first (Dask's own
  placement of persisted chunks can be uneven, which this does not measure);
- ``dask-glm``: dask-glm's ``gradient_descent`` (logistic regression of the
  classes' parity on the same blocks), where dask-glm installs: what a
  gradient-descent step costs when each one is a Dask graph (``E`` is 4 steps;
  its rounds run after the others', and its overhead is against the in-memory
  epoch of the same round number).

Time per epoch is the time of ``2E`` epochs less that of ``E``,
divided by ``E`` (400 epochs for ``small``, 20 for ``large``, or ``--epochs``):
what a fit does once (checks, computing the blocks, starting
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
# E per shape: enough that a fit's once-only costs (tens of ms, which vary) are
# small beside E epochs; dask-glm's steps take a quarter of a second and more.
EPOCHS = {"small": 400, "large": 20}
GLM_STEPS = 4


def _arguments(argv):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--shapes", nargs="+", default=list(SHAPES), choices=SHAPES)
    parser.add_argument("--blocks", type=int, nargs="+", default=[2, 8, 32])
    parser.add_argument("--epochs", type=int, default=None, help="E for all shapes")
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


def _ours(estimator_class, hidden, X, y, epochs):
    def fit_for(n_epochs):
        estimator_class(hidden_layer_sizes=(hidden,), **_exactly(n_epochs)).fit(X, y)

    fit_for.epochs = epochs
    return fit_for


def _dask_glm(X, parity):
    from dask_glm.algorithms import gradient_descent

    def fit_for(steps):
        gradient_descent(X, parity, max_iter=steps, tol=0)

    fit_for.epochs = GLM_STEPS
    return fit_for


def _placed(client, a, blocks):
    """``a`` as a Dask array of ``blocks`` row blocks, block ``k`` on the ``k``-th
    worker in turn: Dask's own placement of persisted chunks can leave one worker
    more rows than another, and an epoch takes as long as its busiest worker."""
    import dask
    import dask.array as da

    workers = sorted(client.scheduler_info()["workers"])
    chunk = -(-a.shape[0] // blocks)
    parts = []
    for k, start in enumerate(range(0, a.shape[0], chunk)):
        part = a[start : start + chunk]
        future = client.scatter(part, workers=[workers[k % len(workers)]])
        delayed = dask.delayed(future)
        parts.append(da.from_delayed(delayed, shape=part.shape, dtype=part.dtype))
    return da.concatenate(parts)


def _peers(client, shape, args, data):
    """``{(peer, blocks): fit_for}`` of one shape."""

    from sklearn_sigmoid_mlp import SigmoidMSEClassifier
    from sklearn_sigmoid_mlp.dask import DaskSigmoidMSEClassifier

    X, y = data
    hidden = SHAPES[shape][2]
    epochs = args.epochs or EPOCHS[shape]
    peers = {("in-memory", 1): _ours(SigmoidMSEClassifier, hidden, X, y, epochs)}
    try:
        import dask_glm
    except ImportError:
        dask_glm = None
    for blocks in args.blocks:
        X_dask, y_dask = _placed(client, X, blocks), _placed(client, y, blocks)
        peers["dask", blocks] = _ours(
            DaskSigmoidMSEClassifier, hidden, X_dask, y_dask, epochs
        )
        if dask_glm is not None:
            parity = (y_dask % 2).astype(float).persist()
            peers["dask-glm", blocks] = _dask_glm(X_dask, parity)
    return peers


def _round_trip(shape, args):
    """Epochs of the shape's network on 10 rows, a block on each worker: what an
    epoch costs beyond its compute (the weights' and sums' trips)."""
    import dask.array as da

    from sklearn_sigmoid_mlp.dask import DaskSigmoidMSEClassifier

    _, features, hidden = SHAPES[shape]
    chunk = -(-10 // args.workers)
    X = da.zeros((10, features), chunks=(chunk, features)).persist()
    y = da.from_array(np.arange(10), chunks=chunk).persist()
    params = dict(hidden_layer_sizes=(hidden,), learning_rate=1e-9)

    def fit_for(n_epochs):
        DaskSigmoidMSEClassifier(**params, **_exactly(n_epochs)).fit(X, y)

    fit_for.epochs = args.epochs or EPOCHS[shape]
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
        peers = {s: _peers(client, s, args, data[s]) for s in args.shapes}
        for shape in args.shapes:
            peers[shape]["round trip", args.workers] = _round_trip(shape, args)
        times = {(s, *key): [] for s in args.shapes for key in peers[s]}
        # Ours interleaved (every peer once per round), then dask-glm's rounds:
        # the aftermath of its thousands of tasks (the scheduler, in this process,
        # and the workers releasing them) slowed whatever ran next by up to 70 %.
        for glm in (False, True):
            for _ in range(args.rounds):
                for shape in args.shapes:
                    for key, fit_for in peers[shape].items():
                        if (key[0] == "dask-glm") == glm:
                            ms = _per_epoch(fit_for, fit_for.epochs)
                            times[shape, *key].append(ms)
    return times


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
        if peer not in ("in-memory", "round trip"):
            row["overhead_ms"] = statistics.median(m - b for m, b in zip(ms, base))
            row["ratio"] = statistics.median(m / b for m, b in zip(ms, base))
        rows_out.append(row)
    return rows_out


def _shape_name(shape):
    rows, features, hidden = SHAPES[shape]
    return f"{rows:,} × {features} → {hidden} → 10"


def _table(args, rows_out):
    title = (
        f"Dask ({args.workers} worker processes of 1 thread, LocalCluster on "
        f"127.0.0.1) vs in memory: ms per epoch, medians of {args.rounds} "
        "interleaved rounds, E vs 2E epochs (E: "
        + ", ".join(f"{args.epochs or EPOCHS[s]} for {s}" for s in args.shapes)
        + f"; dask-glm {GLM_STEPS} steps)"
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
        ratio = f"{r['ratio']:.2f}" if "ratio" in r else ""
        if r["peer"] == "in-memory":
            ratio = "1.00"
        lines.append(
            f"| {_shape_name(r['shape'])} | {r['peer']} | {r['blocks']} | "
            f"{r['ms']:.2f} | {overhead} | {ratio} |"
        )
    lines += [
        "",
        f"round trip: the shape's network on 10 rows, a block on each of the "
        f"{args.workers} workers (nothing to compute): what an epoch costs beyond "
        "its compute.",
    ]
    return title, "\n".join(lines) + "\n"


def _sketch(args, rows_out):
    """Larger clusters, from what was measured: ``P`` worker processes of one core
    each against this whole machine in memory.

    With ``w`` workers, an epoch of ``n`` rows took ``c1 · n / w + t`` on the
    cluster (``t``: the round trip) and ``c · n`` in memory. A star's client
    handles each worker's weights and sums in turn, so ``t`` grows as ``P / w``:
    ``P`` workers beat this machine from ``n > (t · P / w) / (c - c1 / P)``.
    """
    by = {(r["shape"], r["peer"], r["blocks"]): r for r in rows_out}
    w = args.workers
    lines = [
        f"### Sketch: P worker processes of one core (from {w} measured) against "
        "this machine in memory",
        "",
        "| shape | weights | P | overhead ms/epoch | ms/epoch at 10⁶ rows "
        "| in memory at 10⁶ rows | pays from rows |",
        "|---|---|---|---|---|---|---|",
    ]
    for shape in args.shapes:
        rows, features, hidden = SHAPES[shape]
        n_weights = (features + 1) * hidden + (hidden + 1) * 10
        c = by[shape, "in-memory", 1]["ms"] / rows  # ms per row, whole machine
        t = by[shape, "round trip", w]["ms"]
        c1 = w * max(by[shape, "dask", w]["ms"] - t, 0) / rows  # one core's
        for workers in (w, 16, 64):
            overhead = t * workers / w
            million = c1 * 1e6 / workers + overhead
            pays = overhead / (c - c1 / workers) if c > c1 / workers else float("inf")
            lines.append(
                f"| {_shape_name(shape)} | {8 * n_weights / 1e3:,.0f} kB | {workers} "
                f"| {overhead:.1f} | {million:,.0f} | {c * 1e6:,.0f} | {pays:,.0f} |"
            )
    lines += [
        "",
        "One worker process per core, as measured; a worker with more threads runs "
        "this package's task on one of them.",
    ]
    return "\n".join(lines) + "\n"


def main(argv=None):
    args = _arguments(argv)
    rows_out = _rows(args, _measure(args))
    title, text = _table(args, rows_out)
    sketch = _sketch(args, rows_out)
    print(text + "\n" + sketch)
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "dask.md").write_text(text)
    (args.out / "dask-sketch.md").write_text(sketch)
    result = {"title": title, "machine": _machine(), "rows": rows_out}
    (args.out / "dask.json").write_text(json.dumps(result, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
