"""Per-epoch speed and memory of full-batch training: this package against its peers.

Usage::

    python benchmarks/bench_epoch.py --shape digits  --rounds 5
    python benchmarks/bench_epoch.py --shape large   --rounds 5
    python benchmarks/bench_epoch.py --shape threads --rounds 3     # 1 and 2 threads
    python benchmarks/bench_epoch.py --shape scaling --rounds 3
    python benchmarks/bench_epoch.py --shape contention --rounds 3
    python benchmarks/bench_epoch.py --shape contention-large --rounds 3
    python benchmarks/bench_epoch.py --shape tiny    --rounds 1   # smoke test (CI)

``--out DIR`` writes the tables somewhere else than ``benchmarks/results``.

Peers, each timed in its own process, in interleaved rounds (ratios are computed
per round, then the median is taken). Time per epoch is the time of ``2E`` epochs
less that of ``E`` (the epochs per timing), divided by ``E``: what a fit does once
(input checks, the initial loss, label encoding) cancels, for every peer alike.

- ``notebook``: the notebook's loop, ported unchanged (``notebook_port.py``);
- ``MLPClassifier``: scikit-learn's network with the same architecture, logistic
  units, full-batch SGD without momentum or penalty, for the same number of epochs;
- ``ours-f64`` / ``ours-f32``: ``SigmoidMSEClassifier`` on float64 / float32 input;
- ``numpy-min``: a minimal hand-written NumPy epoch (forward, loss, backward,
  update; in place; the process's BLAS threads), float64: what NumPy itself does
  per epoch;
- ``torch-f64`` / ``torch-f32``: the same epoch as a plain PyTorch CPU loop
  (``torch.sigmoid``, ``@``, no autograd; torch's own threads), when torch is
  installed;
- ``floor``: the epoch's two big matrix products alone, ``X @ W1`` and ``X.T @ D1``
  (the orientation this package and MLPClassifier use), on the same arrays with
  every BLAS thread; ``floor-T`` is the same products in the notebook's orientation
  (``W1 @ X.T`` and ``D1 @ X``). "% of floor" compares with the faster of the two.

Extra peak memory (numpy allocations during ``fit`` above the input arrays, from
``tracemalloc``) is measured for each peer in its own process.

``--shape threads`` times ours and the floor under 1 and 2 threads
(``threadpool_limits``) for digits and large, with the share of the epoch spent
outside the two big products.

``--shape contention`` times the whole default digits fit (the notebook's run, 1017
epochs; MLPClassifier with the same full-batch SGD for as many epochs), each fit in
a new process, on a quiet machine and beside two CPU-bound neighbour processes
(``python -c "while True: pass"``, started and stopped by the script), in
interleaved rounds; the table gives each peer's busy / quiet ratio.
``--shape contention-large`` does the same for 5 epochs of the large shape.

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
from functools import partial
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
    "digits": (1797, 64, 15, 10, 1000),
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
        mlp_peer(hidden, epochs, X.shape[0]).fit(X, y)
    elif peer == "numpy-min":
        numpy_min_epochs(X, y, hidden, epochs)
    elif peer.startswith("torch-"):
        torch_epochs(X, y, hidden, epochs)
    elif peer in ("ours-f64", "ours-f32"):
        SigmoidMSEClassifier(
            hidden_layer_sizes=(hidden,), max_iter=epochs, tol=0, random_state=0
        ).fit(X, y)
    else:
        floor_epochs(peer, X, hidden, epochs)


def mlp_peer(hidden, epochs, n_samples):
    """MLPClassifier configured as the notebook's full-batch gradient descent."""
    return MLPClassifier(
        hidden_layer_sizes=(hidden,),
        activation="logistic",
        solver="sgd",
        batch_size=n_samples,
        learning_rate_init=0.7,
        momentum=0,
        alpha=0,
        shuffle=False,
        tol=0,
        n_iter_no_change=10**9,
        max_iter=epochs,
        random_state=0,
    )


def floor_epochs(peer, X, hidden, epochs):
    """The epoch's two big products alone: ``floor`` (rows × units orientation,
    this package's and MLPClassifier's) or ``floor-T`` (units × rows, the
    notebook's)."""
    n_samples, n_features = X.shape
    rng = np.random.RandomState(0)
    W1 = (rng.rand(n_features, hidden) - 0.5).astype(X.dtype)
    D1 = (rng.rand(n_samples, hidden) - 0.5).astype(X.dtype)
    W1_T, D1_T = np.ascontiguousarray(W1.T), np.ascontiguousarray(D1.T)
    for _ in range(epochs):
        if peer == "floor":
            X @ W1
            X.T @ D1
        else:
            W1_T @ X.T
            D1_T @ X


def _network_draws(X, y, hidden):
    n_classes = int(y.max()) + 1
    rng = np.random.RandomState(0)
    shapes = [(hidden, X.shape[1]), (hidden,), (n_classes, hidden), (n_classes,)]
    return [(rng.rand(*shape) - 0.5).astype(X.dtype) for shape in shapes], n_classes


def _sigmoid_in_place(a):
    np.negative(a, out=a)
    np.exp(a, out=a)
    a += 1
    np.reciprocal(a, out=a)


def numpy_min_epochs(X, y, hidden, epochs, learning_rate=0.7):
    """The minimal hand-written NumPy epoch: forward, loss, backward, update; in
    place (rows × units, as ours); on the process's BLAS threads, as ours. Returns
    the last loss."""
    (W1, b1, W2, b2), n_classes = _network_draws(X, y, hidden)
    W1, W2 = np.ascontiguousarray(W1.T), np.ascontiguousarray(W2.T)
    params = [W1, b1, W2, b2]
    n = X.shape[0]
    Y = np.zeros((n, n_classes), X.dtype)
    Y[np.arange(n), y] = 1
    A1, D1 = np.empty((n, hidden), X.dtype), np.empty((n, hidden), X.dtype)
    A2, D2 = np.empty((n, n_classes), X.dtype), np.empty((n, n_classes), X.dtype)
    gW1, gb1, gW2, gb2 = grads = [np.empty_like(p) for p in params]
    step = learning_rate / n
    for _ in range(epochs):
        np.matmul(X, W1, out=A1)
        A1 += b1
        _sigmoid_in_place(A1)
        np.matmul(A1, W2, out=A2)
        A2 += b2
        _sigmoid_in_place(A2)
        np.subtract(A2, Y, out=D2)
        loss = 0.5 / n * float(np.vdot(D2, D2))
        D2 *= A2
        np.subtract(1, A2, out=A2)
        D2 *= A2
        np.matmul(A1.T, D2, out=gW2)
        np.sum(D2, axis=0, out=gb2)
        np.matmul(D2, W2.T, out=D1)
        D1 *= A1
        np.subtract(1, A1, out=A1)
        D1 *= A1
        np.matmul(X.T, D1, out=gW1)
        np.sum(D1, axis=0, out=gb1)
        for param, grad in zip(params, grads):
            grad *= step
            param -= grad
    return loss


def torch_epochs(X, y, hidden, epochs, learning_rate=0.7):
    """The same epoch as a plain PyTorch CPU loop (no autograd), in ``X``'s
    dtype: what a user who wants speed might write. Returns the last loss."""
    import torch

    params, n_classes = _network_draws(X, y, hidden)
    W1, b1, W2, b2 = (torch.from_numpy(p) for p in params)
    Xt = torch.from_numpy(X)
    n = X.shape[0]
    Y = torch.zeros(n, n_classes, dtype=Xt.dtype)
    Y[torch.arange(n), torch.from_numpy(y)] = 1
    step = learning_rate / n
    with torch.no_grad():
        for _ in range(epochs):
            A1 = torch.sigmoid(Xt @ W1.T + b1)
            A2 = torch.sigmoid(A1 @ W2.T + b2)
            D2 = A2 - Y
            loss = 0.5 / n * float((D2 * D2).sum())
            D2 = D2 * A2 * (1 - A2)
            D1 = (D2 @ W2) * A1 * (1 - A1)
            W2 -= step * (D2.T @ A1)
            b2 -= step * D2.sum(0)
            W1 -= step * (D1.T @ Xt)
            b1 -= step * D1.sum(0)
    return loss


def torch_available():
    try:
        import torch  # noqa: F401
    except ImportError:
        return False
    return True


def peer_input(peer, X):
    """The array each peer trains on: float32 for ``*-f32``, float64 otherwise."""
    return X.astype(np.float32) if peer.endswith("-f32") else X


def time_here(peer, shape, epochs, n_samples=None, threads=None):
    """Seconds per epoch of ``peer`` in this process, after a warm-up: the time of
    ``2 × epochs`` epochs less that of ``epochs``, divided by ``epochs``, so that
    what a fit does once (input checks, the initial loss, a diagnosis) cancels.
    ``epochs`` are timed before and after ``2 × epochs`` and the faster is taken:
    the first full-size fit also pays for the process's first large allocations
    (MLPClassifier on 10⁶ rows timed a negative epoch without this)."""
    from threadpoolctl import threadpool_limits

    _, _, hidden, _, _ = SHAPES.get(shape, SHAPES["digits"])
    X_raw, y = make_data(shape, n_samples)
    X = peer_input(peer, FixedScaler().transform(X_raw))
    with threadpool_limits(limits=threads, user_api="blas"):
        fit_peer(peer, X[:200], y[:200], hidden, 2)  # imports, thread pools, caches
        seconds = []
        for n_epochs in (epochs, 2 * epochs, epochs):
            start = time.perf_counter()
            fit_peer(peer, X, y, hidden, n_epochs)
            seconds.append(time.perf_counter() - start)
    return (seconds[1] - min(seconds[0], seconds[2])) / epochs


def time_in_process(peer, shape, epochs, n_samples=None, threads=None):
    """:func:`time_here` in a new process."""
    command = [sys.executable, __file__, "--time-of", peer, "--shape", shape]
    command += ["--epochs", str(epochs)]
    if n_samples:
        command += ["--rows", str(n_samples)]
    if threads:
        command += ["--threads", str(threads)]
    result = subprocess.run(command, capture_output=True, text=True, check=True)
    return float(result.stdout.strip().splitlines()[-1])


def time_peers(peers, shape, epochs, rounds, n_samples=None):
    """Per-epoch seconds of each peer, each in its own process, one list entry per
    interleaved round."""
    times = {peer: [] for peer in peers}
    for _ in range(rounds):
        for peer in peers:
            times[peer].append(time_in_process(peer, shape, epochs, n_samples))
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


def fixed_peers(shape):
    peers = ["notebook", "MLPClassifier", "ours-f64", "ours-f32", "numpy-min"]
    if torch_available():
        peers += ["torch-f64", "torch-f32"]
    peers += ["floor", "floor-T"]
    if shape == "large":
        peers.remove("notebook")  # its einsum takes minutes per epoch at this size
    return peers


def add_goal_columns(rows):
    """Per-peer "% of floor" (the faster floor), and ours against the minimal
    NumPy epoch and the PyTorch loop of the same dtype."""
    by_peer = {row["peer"]: row for row in rows}
    floors = [by_peer[p]["ms_median"] for p in ("floor", "floor-T") if p in by_peer]
    for row in rows:
        row["pct_of_floor"] = 100 * min(floors) / row["ms_median"]
        dtype = row["peer"][-3:]
        if row["peer"].startswith("ours") and f"torch-{dtype}" in by_peer:
            row["vs_torch"] = by_peer[f"torch-{dtype}"]["ms_median"] / row["ms_median"]


def bench_fixed(shape, rounds, with_memory=True):
    n_samples, n_features, hidden, classes, epochs = SHAPES[shape]
    peers = fixed_peers(shape)
    times = time_peers(peers, shape, epochs, rounds)
    memory = {}
    if with_memory:
        measured = ["notebook", "MLPClassifier", "ours-f64", "ours-f32"]
        memory = {
            p: extra_peak_memory(p, shape, hidden, epochs)
            for p in measured
            if p in peers
        }
    refs = ["notebook", "MLPClassifier", "numpy-min"]
    flops = model_flops(n_samples, n_features, hidden, classes)
    rows = summarise(times, refs, flops, memory)
    add_goal_columns(rows)
    columns = COLUMNS + [
        (f"× vs {ref}", f"speedup_vs_{ref}", "{:.2f}") for ref in refs if ref in times
    ]
    columns += [("% of floor", "pct_of_floor", "{:.0f}")]
    columns += [("× vs torch (same dtype)", "vs_torch", "{:.2f}")]
    title = (
        f"{shape}: {n_samples} × {n_features} → {hidden} → {classes}, "
        f"{epochs} epochs per timing, each peer in its own process, "
        f"{rounds} interleaved rounds"
    )
    text = f"### {title}\n\n{table(rows, columns)}\n"
    result = {"shape": shape, "title": title, "rows": rows}
    if shape == "digits":
        text += "\n" + time_to_result(rounds, result)
    return text, result


def bench_threads(rounds):
    """Ours and the floor on 1 and 2 threads, digits and large: the scaling, and
    the share of an epoch spent outside the two big products."""
    rows = []
    for shape in ("digits", "large"):
        epochs = SHAPES[shape][-1]
        times = {}
        for _ in range(rounds):
            for threads in (1, 2):
                for peer in ("ours-f64", "floor"):
                    seconds = time_in_process(peer, shape, epochs, threads=threads)
                    times.setdefault((peer, threads), []).append(seconds)
        for threads in (1, 2):
            ours = statistics.median(times["ours-f64", threads])
            floor = statistics.median(times["floor", threads])
            rows.append(
                {
                    "shape": shape,
                    "threads": threads,
                    "ours_ms": 1e3 * ours,
                    "speedup": statistics.median(times["ours-f64", 1]) / ours,
                    "floor_ms": 1e3 * floor,
                    "outside_share": 1 - floor / ours,
                }
            )
    columns = [
        ("shape", "shape", "{}"),
        ("threads", "threads", "{}"),
        ("ours ms/epoch", "ours_ms", "{:.3f}"),
        ("× vs 1 thread", "speedup", "{:.2f}"),
        ("two big products ms", "floor_ms", "{:.3f}"),
        ("share outside them", "outside_share", "{:.0%}"),
    ]
    title = (
        "threads: ours-f64 and its two big products on 1 and 2 threads, "
        f"{rounds} rounds"
    )
    result = {"shape": "threads", "title": title, "rows": rows}
    return f"### {title}\n\n{table(rows, columns)}\n", result


NEIGHBOUR = "while True: pass"


CONTENTION = {"contention": ("digits", None), "contention-large": ("large", 5)}


def fit_once_here(peer, shape="contention"):
    """Seconds of one whole fit: the default digits fit (the notebook's 1017
    epochs), or 5 epochs of the large shape."""
    data, epochs = CONTENTION[shape]
    _, _, hidden, _, _ = SHAPES[data]
    X_raw, y = make_data(data)
    X = FixedScaler().transform(X_raw)
    start = time.perf_counter()
    if peer == "MLPClassifier":
        fit_peer("MLPClassifier", X, y, hidden, epochs or NOTEBOOK_EPOCHS)
    elif epochs:
        fit_peer("ours-f64", X, y, hidden, epochs)
    else:
        clf = SigmoidMSEClassifier(random_state=0).fit(X, y)
        assert clf.n_iter_ == NOTEBOOK_EPOCHS
    return time.perf_counter() - start


def fit_once(peer, shape):
    """:func:`fit_once_here` in a new process (fresh BLAS thread pool)."""
    command = [sys.executable, __file__, "--fit-once", peer, "--shape", shape]
    result = subprocess.run(command, capture_output=True, text=True, check=True)
    return float(result.stdout.strip().splitlines()[-1])


def _busy_neighbours(busy):
    if not busy:
        return []
    neighbours = [subprocess.Popen([sys.executable, "-c", NEIGHBOUR]) for _ in range(2)]
    time.sleep(0.5)  # let them take the cores
    return neighbours


def bench_contention(rounds, shape="contention"):
    """Whole fits, quiet and beside two CPU-bound neighbour processes."""
    peers = ["ours", "MLPClassifier"]
    times = {(peer, busy): [] for peer in peers for busy in (False, True)}
    for _ in range(rounds):
        for busy in (False, True):
            neighbours = _busy_neighbours(busy)
            try:
                for peer in peers:
                    times[peer, busy].append(fit_once(peer, shape))
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
    data, epochs = CONTENTION[shape]
    what = (
        f"{epochs} epochs of {data}"
        if epochs
        else (f"whole default digits fit ({NOTEBOOK_EPOCHS} epochs)")
    )
    title = (
        f"{shape}: {what}, each in a new process, quiet and beside 2 CPU-bound "
        f"processes, {rounds} rounds"
    )
    result = {"shape": shape, "title": title, "rows": rows}
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
    hidden = 15
    rows = []
    for n_samples in SCALING_ROWS:
        epochs = max(3, 3_000_000 // n_samples)  # long enough to time: ~3e6 rows
        X_raw, _ = make_data("scaling", n_samples)
        peers = ["MLPClassifier", "ours-f64"]
        times = time_peers(peers, "scaling", epochs, rounds, n_samples)
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
                    "data_mib": X_raw.nbytes / 2**20,
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
    title = (
        "scaling: n × 64 → 15 → 10, 3e6 rows' worth of epochs per timing (at least "
        f"3), {rounds} rounds"
    )
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


MODES = {
    "threads": bench_threads,
    "contention": bench_contention,
    "contention-large": partial(bench_contention, shape="contention-large"),
}


def parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--shape", choices=[*SHAPES, "scaling", *MODES], default="digits"
    )
    parser.add_argument("--rounds", type=int, default=5, help="interleaved rounds")
    parser.add_argument("--no-memory", action="store_true", help="skip memory runs")
    parser.add_argument(
        "--out", type=Path, default=HERE / "results", help="where tables are written"
    )
    for hidden in ("--memory-of", "--time-of", "--fit-once"):
        parser.add_argument(hidden, help=argparse.SUPPRESS)
    for hidden in ("--hidden", "--epochs", "--rows", "--threads"):
        parser.add_argument(hidden, type=int, help=argparse.SUPPRESS)
    return parser.parse_args(argv)


def run_child(args):
    """The measurements made in a process of their own: print one number."""
    if args.fit_once:
        print(fit_once_here(args.fit_once, args.shape))
    elif args.time_of:
        print(time_here(args.time_of, args.shape, args.epochs, args.rows, args.threads))
    else:
        print(
            measure_memory_here(
                args.memory_of, args.shape, args.hidden, args.epochs, args.rows
            )
        )


def main(argv=None):
    args = parse_args(argv)
    warnings.simplefilter("ignore", ConvergenceWarning)
    if args.fit_once or args.time_of or args.memory_of:
        run_child(args)
        return 0
    args.out.mkdir(parents=True, exist_ok=True)
    if args.shape == "scaling":
        text, result = bench_scaling(args.rounds, args.out)
    elif args.shape in MODES:
        text, result = MODES[args.shape](args.rounds)
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
