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


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, nargs="+", default=[20_000, 200_000])
    parser.add_argument("--blocks", type=int, nargs="+", default=[2, 8, 32])
    parser.add_argument("--features", type=int, default=64)
    parser.add_argument("--epochs", type=int, default=10)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--processes", action="store_true", help="worker processes")
    parser.add_argument("--out", type=Path, default=HERE / "results")
    args = parser.parse_args(argv)

    import dask.array as da
    import distributed
    from sklearn.exceptions import ConvergenceWarning

    from sklearn_sigmoid_mlp import SigmoidMSEClassifier
    from sklearn_sigmoid_mlp.dask import DaskSigmoidMSEClassifier

    warnings.simplefilter("ignore", ConvergenceWarning)
    params = dict(max_iter=args.epochs, tol=0, random_state=0)
    rows_out = []
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
        for n_rows in args.rows:
            rng = np.random.RandomState(0)
            X = rng.uniform(-1, 1, size=(n_rows, args.features))
            y = rng.randint(10, size=n_rows)
            in_memory = []
            for _ in range(args.rounds):
                start = time.perf_counter()
                SigmoidMSEClassifier(**params).fit(X, y)
                in_memory.append((time.perf_counter() - start) / args.epochs)
            base = statistics.median(in_memory)
            rows_out.append(
                {"rows": n_rows, "blocks": 1, "peer": "in-memory", "ms": 1e3 * base}
            )
            for blocks in args.blocks:
                chunk = -(-n_rows // blocks)
                X_dask = da.from_array(X, chunks=(chunk, args.features)).persist()
                y_dask = da.from_array(y, chunks=chunk).persist()
                times = []
                for _ in range(args.rounds):
                    start = time.perf_counter()
                    DaskSigmoidMSEClassifier(**params).fit(X_dask, y_dask)
                    times.append((time.perf_counter() - start) / args.epochs)
                median = statistics.median(times)
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
    text = "\n".join(lines) + "\n"
    print(text)
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "dask.md").write_text(text)
    (args.out / "dask.json").write_text(json.dumps({"title": title, "rows": rows_out}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
