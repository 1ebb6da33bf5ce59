"""Per-epoch speed and memory of full-batch training: this package against its peers.

Usage::

    python benchmarks/bench_epoch.py --shape digits  --rounds 5
    python benchmarks/bench_epoch.py --shape large   --rounds 5
    python benchmarks/bench_epoch.py --shape scaling --rounds 3
    python benchmarks/bench_epoch.py --shape contention --rounds 3
    python benchmarks/bench_epoch.py --shape tiny    --rounds 1   # smoke test (CI)

``--out DIR`` writes the tables somewhere else than ``benchmarks/results``.

Peers, timed in interleaved rounds in one process (ratios are computed per round,
then the median is taken):

- ``notebook``: the notebook's loop, ported unchanged (``notebook_port.py``);
- ``MLPClassifier``: scikit-learn's network with the same architecture, logistic
  units, full-batch SGD without momentum or penalty, for the same number of epochs;
- ``ours-f64`` / ``ours-f32``: ``SigmoidMSEClassifier`` on float64 / float32 input;
- ``floor``: the epoch's two big matrix products alone, ``X @ W1`` and ``X.T @ D1``,
  on the same arrays; ``floor-T`` is the same products in the orientation this
  package uses (``W1 @ X.T`` and ``D1 @ X``), which BLAS may run faster;
- ``exp``: the sigmoid's ``np.exp`` over one epoch's activations alone (every
  peer computes it); ``floor + exp`` bounds what any implementation can reach.

Extra peak memory (numpy allocations during ``fit`` above the input arrays, from
``tracemalloc``) is measured for each peer in its own process.

``--shape contention`` times the whole default digits fit (the notebook's run, 1017
epochs; MLPClassifier with the same full-batch SGD for as many epochs), each fit in
a new process, on a quiet machine and beside two CPU-bound neighbour processes
(``python -c "while True: pass"``, started and stopped by the script), in
interleaved rounds; the table gives each peer's busy / quiet ratio.

Tables are printed and written to ``benchmarks/results/<shape>.md`` and ``.json``
with the machine's CPU, core count and BLAS.
"""

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import time
import tracemalloc
import warnings
from pathlib import Path

import numpy as np
from sklearn.datasets import load_digits
from sklearn.exceptions import ConvergenceWarning
from sklearn.neural_network import MLPClassifier

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from notebook_port import run_notebook  # noqa: E402

from sklearn_sigmoid_mlp import FixedScaler, SigmoidMSEClassifier  # noqa: E402

SHAPES = {
    # name: (n_samples, n_features, hidden, n_classes, epochs per timing)
    "digits": (1797, 64, 15, 10, 300),
    "large": (60000, 784, 100, 10, 10),
    "tiny": (300, 20, 8, 3, 5),
}
SCALING_ROWS = [1_000, 10_000, 100_000, 1_000_000]
NOTEBOOK_EPOCHS = 1017  # the default fit's stopping epoch on digits, seed 0


def make_data(shape, n_samples=None):
    """``(X_raw, y)``: digits pixels, or random pixels 0..16 of the given size."""
    rows, features, _, classes, _ = SHAPES.get(shape, SHAPES["digits"])
    if shape == "digits":
        return load_digits(return_X_y=True)
    rng = np.random.RandomState(0)
    rows = n_samples or rows
    return rng.randint(0, 17, size=(rows, features)).astype(float), rng.randint(
        classes, size=rows
    )


def fit_peer(peer, X, y, hidden, epochs):
    """Train ``peer`` for exactly ``epochs`` full-batch epochs on scaled ``X``."""
    if peer == "notebook":
        run_notebook(X, y, 0, hidden, max_epoch=epochs, scale=False, stop=False)
    elif peer == "MLPClassifier":
        MLPClassifier(
            hidden_layer_sizes=(hidden,),
            activation="logistic",
            solver="sgd",
            batch_size=X.shape[0],
            learning_rate_init=0.7,
            momentum=0,
            alpha=0,
            shuffle=False,
            tol=0,
            n_iter_no_change=10**9,
            max_iter=epochs,
            random_state=0,
        ).fit(X, y)
    elif peer == "exp":
        units = np.random.RandomState(0).normal(
            size=(hidden + len(np.unique(y)), len(X))
        )
        out = np.empty_like(units)
        for _ in range(epochs):
            np.exp(units, out=out)
    elif peer in ("ours-f64", "ours-f32"):
        SigmoidMSEClassifier(
            hidden_layer_sizes=(hidden,), max_iter=epochs, tol=0, random_state=0
        ).fit(X, y)
    else:
        n_samples, n_features = X.shape
        rng = np.random.RandomState(0)
        W1 = rng.rand(n_features, hidden) - 0.5
        D1 = rng.rand(n_samples, hidden) - 0.5
        W1_T, D1_T = np.ascontiguousarray(W1.T), np.ascontiguousarray(D1.T)
        for _ in range(epochs):
            if peer == "floor":
                X @ W1
                X.T @ D1
            else:
                W1_T @ X.T
                D1_T @ X


def peer_input(peer, X):
    """The array each peer trains on: float32 for ``ours-f32``, float64 otherwise."""
    return X.astype(np.float32) if peer == "ours-f32" else X


def time_peers(peers, X, y, hidden, epochs, rounds):
    """Per-epoch seconds of each peer, one list entry per interleaved round."""
    inputs = {peer: peer_input(peer, X) for peer in peers}
    times = {peer: [] for peer in peers}
    for peer in peers:  # warm-up: imports, BLAS threads, caches
        fit_peer(peer, inputs[peer][:200], y[:200], hidden, 2)
    for _ in range(rounds):
        for peer in peers:
            start = time.perf_counter()
            fit_peer(peer, inputs[peer], y, hidden, epochs)
            times[peer].append((time.perf_counter() - start) / epochs)
    return times


def extra_peak_memory(peer, shape, hidden, epochs, n_samples=None):
    """Peak numpy memory during ``fit`` above the input arrays, in a new process."""
    command = [
        sys.executable,
        __file__,
        "--memory-of",
        peer,
        "--shape",
        shape,
        "--hidden",
        str(hidden),
        "--epochs",
        str(epochs),
    ]
    if n_samples:
        command += ["--rows", str(n_samples)]
    result = subprocess.run(command, capture_output=True, text=True, check=True)
    return int(result.stdout.strip().splitlines()[-1])


def measure_memory_here(peer, shape, hidden, epochs, n_samples):
    X_raw, y = make_data(shape, n_samples)
    X = peer_input(peer, FixedScaler().transform(X_raw))
    tracemalloc.start()
    tracemalloc.reset_peak()
    base = tracemalloc.get_traced_memory()[0]
    fit_peer(peer, X, y, hidden, epochs)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return peak - base


def model_flops(n_samples, n_features, hidden, n_outputs):
    """Multiply-adds ×2 of one epoch: forward, both gradients, the hidden delta."""
    return 2 * n_samples * (2 * n_features * hidden + 3 * hidden * n_outputs)


def machine():
    from threadpoolctl import threadpool_info

    cpu = platform.processor()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    blas = [
        f"{i['internal_api']} {i.get('version')} ({i['num_threads']} threads)"
        for i in threadpool_info()
        if i["user_api"] == "blas"
    ]
    return {"cpu": cpu, "cores": os.cpu_count(), "blas": sorted(set(blas))}


def summarise(times, reference_peers, flops, memory):
    """Rows of the table: medians and per-round ratios."""
    rows = []
    for peer, seconds in times.items():
        row = {
            "peer": peer,
            "ms_median": 1e3 * statistics.median(seconds),
            "ms_min": 1e3 * min(seconds),
            "ms_max": 1e3 * max(seconds),
            "gflops": flops / statistics.median(seconds) / 1e9,
            "extra_peak_mib": memory.get(peer, float("nan")) / 2**20,
        }
        for ref in reference_peers:
            if ref in times:
                ratios = [r / s for r, s in zip(times[ref], seconds)]
                row[f"speedup_vs_{ref}"] = statistics.median(ratios)
        rows.append(row)
    return rows


def table(rows, columns):
    head = "| " + " | ".join(label for label, _, _ in columns) + " |"
    rule = "|" + "|".join("---" for _ in columns) + "|"
    body = [
        "| "
        + " | ".join(
            fmt.format(row[key]) if key in row else "" for _, key, fmt in columns
        )
        + " |"
        for row in rows
    ]
    return "\n".join([head, rule, *body])


COLUMNS = [
    ("peer", "peer", "{}"),
    ("ms/epoch median", "ms_median", "{:.3f}"),
    ("min", "ms_min", "{:.3f}"),
    ("max", "ms_max", "{:.3f}"),
    ("GFLOP/s", "gflops", "{:.1f}"),
    ("extra peak MiB", "extra_peak_mib", "{:.2f}"),
]


def bench_fixed(shape, rounds, with_memory=True):
    n_samples, n_features, hidden, classes, epochs = SHAPES[shape]
    X_raw, y = make_data(shape)
    X = FixedScaler().transform(X_raw)
    peers = [
        "notebook",
        "MLPClassifier",
        "ours-f64",
        "ours-f32",
        "floor",
        "floor-T",
        "exp",
    ]
    if shape == "large":
        peers.remove("notebook")  # its einsum takes minutes per epoch at this size
    times = time_peers(peers, X, y, hidden, epochs, rounds)
    memory = {}
    if with_memory:
        memory = {
            p: extra_peak_memory(p, shape, hidden, epochs)
            for p in peers
            if not p.startswith("floor") and p != "exp"
        }
    refs = ["notebook", "MLPClassifier", "floor", "floor-T"]
    rows = summarise(times, refs, model_flops(*X.shape, hidden, classes), memory)
    columns = COLUMNS + [
        (f"× vs {ref}", f"speedup_vs_{ref}", "{:.2f}") for ref in refs if ref in times
    ]
    title = (
        f"{shape}: {n_samples} × {n_features} → {hidden} → {classes}, "
        f"{epochs} epochs per timing, {rounds} interleaved rounds"
    )
    text = f"### {title}\n\n{table(rows, columns)}\n"
    result = {"shape": shape, "title": title, "rows": rows}
    if shape == "digits":
        text += "\n" + time_to_result(rounds, result)
    return text, result


NEIGHBOUR = "while True: pass"


def fit_once_here(peer):
    """Seconds of one whole default digits fit (the notebook's 1017 epochs)."""
    X_raw, y = load_digits(return_X_y=True)
    X = FixedScaler().transform(X_raw)
    start = time.perf_counter()
    if peer == "MLPClassifier":
        fit_peer("MLPClassifier", X, y, 15, NOTEBOOK_EPOCHS)
    else:
        clf = SigmoidMSEClassifier(random_state=0).fit(X, y)
        assert clf.n_iter_ == NOTEBOOK_EPOCHS
    return time.perf_counter() - start


def fit_once(peer):
    """:func:`fit_once_here` in a new process (fresh BLAS thread pool)."""
    command = [sys.executable, __file__, "--fit-once", peer]
    result = subprocess.run(command, capture_output=True, text=True, check=True)
    return float(result.stdout.strip().splitlines()[-1])


def bench_contention(rounds):
    """Whole default fits, quiet and beside two CPU-bound neighbour processes."""
    peers = ["ours", "MLPClassifier"]
    times = {(peer, busy): [] for peer in peers for busy in (False, True)}
    for _ in range(rounds):
        for busy in (False, True):
            neighbours = []
            if busy:
                neighbours = [
                    subprocess.Popen([sys.executable, "-c", NEIGHBOUR])
                    for _ in range(2)
                ]
                time.sleep(0.5)  # let them take the cores
            try:
                for peer in peers:
                    times[peer, busy].append(fit_once(peer))
            finally:
                for neighbour in neighbours:
                    neighbour.kill()
                    neighbour.wait()
    rows = []
    for peer in peers:
        quiet, busy = times[peer, False], times[peer, True]
        rows.append(
            {
                "peer": peer,
                "quiet_s": statistics.median(quiet),
                "busy_s": statistics.median(busy),
                "slowdown": statistics.median(b / q for b, q in zip(busy, quiet)),
                "busy_max_s": max(busy),
            }
        )
    columns = [
        ("peer", "peer", "{}"),
        ("quiet s (median)", "quiet_s", "{:.2f}"),
        ("2 busy neighbours s (median)", "busy_s", "{:.2f}"),
        ("busy max s", "busy_max_s", "{:.2f}"),
        ("busy / quiet (median of rounds)", "slowdown", "{:.2f}"),
    ]
    title = (
        f"contention: whole default digits fit ({NOTEBOOK_EPOCHS} epochs), each in "
        f"a new process, quiet and beside 2 CPU-bound processes, {rounds} rounds"
    )
    result = {"shape": "contention", "title": title, "rows": rows}
    return f"### {title}\n\n{table(rows, columns)}\n", result


def time_to_result(rounds, result):
    """The whole default fit to the notebook's stopping point, seed 0."""
    X_raw, y = load_digits(return_X_y=True)
    ours, notebook = [], []
    for _ in range(rounds):
        start = time.perf_counter()
        run = run_notebook(X_raw, y, 0)
        notebook.append(time.perf_counter() - start)
        start = time.perf_counter()
        clf = SigmoidMSEClassifier(random_state=0).fit(
            FixedScaler().transform(X_raw), y
        )
        ours.append(time.perf_counter() - start)
    assert clf.n_iter_ == run["stop_epoch"] + 1
    speedup = statistics.median(n / o for n, o in zip(notebook, ours))
    result["time_to_result"] = {
        "epochs": clf.n_iter_,
        "notebook_s": statistics.median(notebook),
        "ours_s": statistics.median(ours),
        "speedup": speedup,
    }
    return (
        f"Time to result (default fit, seed 0, both stop after {clf.n_iter_} epochs): "
        f"notebook {statistics.median(notebook):.3f} s, ours "
        f"{statistics.median(ours):.3f} s, speed-up {speedup:.2f}× (median of "
        f"{rounds}).\n"
    )


def bench_scaling(rounds, out):
    """Per-epoch time and extra memory for 1e3 … 1e6 rows (64 → 15 → 10)."""
    hidden, epochs = 15, 3
    rows = []
    for n_samples in SCALING_ROWS:
        X_raw, y = make_data("scaling", n_samples)
        X = FixedScaler().transform(X_raw)
        peers = ["MLPClassifier", "ours-f64"]
        times = time_peers(peers, X, y, hidden, epochs, rounds)
        for peer in peers:
            rows.append(
                {
                    "rows": n_samples,
                    "peer": peer,
                    "ms_median": 1e3 * statistics.median(times[peer]),
                    "us_per_row": 1e6 * statistics.median(times[peer]) / n_samples,
                    "extra_peak_mib": extra_peak_memory(
                        peer, "scaling", hidden, epochs, n_samples
                    )
                    / 2**20,
                    "data_mib": X.nbytes / 2**20,
                }
            )
    columns = [
        ("rows", "rows", "{:,}"),
        ("peer", "peer", "{}"),
        ("ms/epoch median", "ms_median", "{:.2f}"),
        ("µs/row", "us_per_row", "{:.3f}"),
        ("extra peak MiB", "extra_peak_mib", "{:.2f}"),
        ("X MiB", "data_mib", "{:.1f}"),
    ]
    title = f"scaling: n × 64 → 15 → 10, {epochs} epochs per timing, {rounds} rounds"
    result = {"shape": "scaling", "title": title, "rows": rows}
    plot_scaling(rows, out)
    return f"### {title}\n\n{table(rows, columns)}\n", result


def plot_scaling(rows, out):
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print("(matplotlib not installed: no scaling plot)")
        return
    fig, (left, right) = plt.subplots(1, 2, figsize=(10, 4))
    for peer in sorted({r["peer"] for r in rows}):
        mine = [r for r in rows if r["peer"] == peer]
        n = [r["rows"] for r in mine]
        left.loglog(n, [r["ms_median"] for r in mine], "o-", label=peer)
        right.loglog(n, [r["extra_peak_mib"] for r in mine], "o-", label=peer)
    left.set(xlabel="rows", ylabel="ms per epoch", title="time per epoch")
    right.set(xlabel="rows", ylabel="MiB", title="extra peak memory during fit")
    for ax in (left, right):
        ax.grid(True, which="both", alpha=0.3)
        ax.legend()
    fig.tight_layout()
    fig.savefig(out / "scaling.png", dpi=100)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--shape",
        choices=[*SHAPES, "scaling", "contention"],
        default="digits",
        help="problem",
    )
    parser.add_argument("--rounds", type=int, default=5, help="interleaved rounds")
    parser.add_argument("--no-memory", action="store_true", help="skip memory runs")
    parser.add_argument(
        "--out", type=Path, default=HERE / "results", help="where tables are written"
    )
    parser.add_argument("--memory-of", help=argparse.SUPPRESS)
    parser.add_argument("--hidden", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--epochs", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--rows", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--fit-once", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    warnings.simplefilter("ignore", ConvergenceWarning)

    if args.fit_once:
        print(fit_once_here(args.fit_once))
        return 0
    if args.memory_of:
        print(
            measure_memory_here(
                args.memory_of, args.shape, args.hidden, args.epochs, args.rows
            )
        )
        return 0

    args.out.mkdir(parents=True, exist_ok=True)
    if args.shape == "scaling":
        text, result = bench_scaling(args.rounds, args.out)
    elif args.shape == "contention":
        text, result = bench_contention(args.rounds)
    else:
        text, result = bench_fixed(args.shape, args.rounds, not args.no_memory)
    result["machine"] = machine()
    header = (
        f"Machine: {result['machine']['cpu']}, {result['machine']['cores']} cores, "
        f"BLAS: {'; '.join(result['machine']['blas'])}\n\n"
    )
    print(header + text)
    (args.out / f"{args.shape}.md").write_text(header + text)
    (args.out / f"{args.shape}.json").write_text(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
