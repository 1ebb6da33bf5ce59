"""Per-epoch time of the Dask path against in-memory training, by size and blocks.

Usage::

    python benchmarks/bench_dask.py                 # 2 workers on a local cluster
    python benchmarks/bench_dask.py --rows 20000 200000 --blocks 2 8 32 --epochs 10

For each size, ``SigmoidMSEClassifier`` trains in memory and
``DaskSigmoidMSEClassifier`` trains on the same data split into row blocks held by
the workers of a ``LocalCluster`` (loopback only); both run ``--epochs`` epochs of
the 64 → 15 → 10 network. The table (median of ``--rounds``) is printed and written
to ``benchmarks/results/dask.md`` and ``.json``.
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


def _arguments(argv):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, nargs="+", default=[20_000, 200_000])
    parser.add_argument("--blocks", type=int, nargs="+", default=[2, 8, 32])
    parser.add_argument("--features", type=int, default=64)
    parser.add_argument("--epochs", type=int, default=10)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--processes", action="store_true", help="worker processes")
    parser.add_argument("--out", type=Path, default=HERE / "results")
    return parser.parse_args(argv)


def _seconds_per_epoch(estimator_class, params, X, y, args):
    """Median over ``--rounds`` of the time per epoch of a new estimator's fit."""
    times = []
    for _ in range(args.rounds):
        start = time.perf_counter()
        estimator_class(**params).fit(X, y)
        times.append((time.perf_counter() - start) / args.epochs)
    return statistics.median(times)


def _measure_size(n_rows, args):
    """The table's rows for ``n_rows`` rows: in memory, then each block count."""
    import dask.array as da

    from sklearn_sigmoid_mlp import SigmoidMSEClassifier
    from sklearn_sigmoid_mlp.dask import DaskSigmoidMSEClassifier

    params = dict(max_iter=args.epochs, tol=0, random_state=0)
    rng = np.random.RandomState(0)
    X = rng.uniform(-1, 1, size=(n_rows, args.features))
    y = rng.randint(10, size=n_rows)
    base = _seconds_per_epoch(SigmoidMSEClassifier, params, X, y, args)
    rows_out = [{"rows": n_rows, "blocks": 1, "peer": "in-memory", "ms": 1e3 * base}]
    for blocks in args.blocks:
        chunk = -(-n_rows // blocks)
        X_dask = da.from_array(X, chunks=(chunk, args.features)).persist()
        y_dask = da.from_array(y, chunks=chunk).persist()
        median = _seconds_per_epoch(
            DaskSigmoidMSEClassifier, params, X_dask, y_dask, args
        )
        rows_out.append(
            {
                "rows": n_rows,
                "blocks": blocks,
                "peer": "dask",
                "ms": 1e3 * median,
                "overhead_ms": 1e3 * (median - base),
                "ratio": median / base,
            }
        )
    return rows_out


def _measure(args):
    """Every size's rows, on a ``LocalCluster`` of ``--workers`` (loopback only)."""
    import distributed
    from sklearn.exceptions import ConvergenceWarning

    warnings.simplefilter("ignore", ConvergenceWarning)
    with (
        distributed.LocalCluster(
            n_workers=args.workers,
            threads_per_worker=1,
            processes=args.processes,
            # Worker processes talk over TCP on loopback; threads use inproc://.
            **({"host": "127.0.0.1"} if args.processes else {}),
            dashboard_address=":0",
        ) as cluster,
        distributed.Client(cluster),
    ):
        return [row for n_rows in args.rows for row in _measure_size(n_rows, args)]


def _table(args, rows_out):
    """The title and the Markdown table of the results."""
    title = (
        f"Dask vs in-memory: n × {args.features} → 15 → 10, {args.epochs} epochs per "
        f"fit, median of {args.rounds}, LocalCluster with {args.workers} workers "
        f"({'processes on 127.0.0.1' if args.processes else 'threads, inproc'})"
    )
    lines = [
        f"### {title}",
        "",
        "| rows | blocks | peer | ms/epoch | overhead ms/epoch | × in-memory |",
        "|---|---|---|---|---|---|",
    ]
    for r in rows_out:
        overhead = f"{r['overhead_ms']:.1f}" if "overhead_ms" in r else ""
        ratio = f"{r['ratio']:.2f}" if "ratio" in r else "1.00"
        lines.append(
            f"| {r['rows']:,} | {r['blocks']} | {r['peer']} | {r['ms']:.2f} | "
            f"{overhead} | {ratio} |"
        )
    return title, "\n".join(lines) + "\n"


def main(argv=None):
    args = _arguments(argv)
    rows_out = _measure(args)
    title, text = _table(args, rows_out)
    print(text)
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "dask.md").write_text(text)
    (args.out / "dask.json").write_text(json.dumps({"title": title, "rows": rows_out}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
