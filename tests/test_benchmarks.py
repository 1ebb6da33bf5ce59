"""Smoke test of benchmarks/bench_epoch.py on a tiny shape (not a timed test)."""

import importlib.util
import json
from pathlib import Path

import numpy as np
import pytest

BENCH = Path(__file__).resolve().parents[1] / "benchmarks" / "bench_epoch.py"


def test_bench_epoch_runs_and_writes_its_table(tmp_path, capsys):
    spec = importlib.util.spec_from_file_location("bench_epoch", BENCH)
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    assert bench.main(["--shape", "tiny", "--rounds", "1", "--out", str(tmp_path)]) == 0
    printed = capsys.readouterr().out
    result = json.loads((tmp_path / "tiny.json").read_text())
    peers = [row["peer"] for row in result["rows"]]
    torch = ["torch-f64", "torch-f32"] if bench.torch_available() else []
    assert peers == [
        "notebook",
        "MLPClassifier",
        "ours-f64",
        "ours-f32",
        "numpy-min",
        *torch,
        "floor",
        "floor-T",
    ]
    rows = {row["peer"]: row for row in result["rows"]}
    for peer, row in rows.items():
        assert row["ms_min"] <= row["ms_median"] <= row["ms_max"]
        assert row["speedup_vs_notebook"] == pytest.approx(
            rows["notebook"]["ms_median"] / row["ms_median"]
        )
        if peer in ("notebook", "MLPClassifier", "ours-f64", "ours-f32"):
            assert row["extra_peak_mib"] > 0
        fastest_floor = min(rows[f]["ms_median"] for f in ("floor", "floor-T"))
        assert row["pct_of_floor"] == pytest.approx(
            100 * fastest_floor / row["ms_median"]
        )
    assert rows["notebook"]["speedup_vs_notebook"] == 1
    for peer in rows:
        assert f"| {peer} |" in printed
    assert "× vs MLPClassifier" in printed
    assert "× vs numpy-min" in printed
    assert (tmp_path / "tiny.md").read_text().startswith("Machine:")


def test_bench_gpu_runs_on_a_cpu_torch(tmp_path, capsys):
    import pytest

    pytest.importorskip("torch", reason="bench_gpu.py needs torch (not in extras)")
    spec = importlib.util.spec_from_file_location(
        "bench_gpu", BENCH.parent / "bench_gpu.py"
    )
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    argv = ["--rows", "2000", "--features", "20", "--hidden", "8", "--epochs", "2"]
    assert (
        bench.main([*argv, "--rounds", "1", "--device", "cpu", "--out", str(tmp_path)])
        == 0
    )
    result = json.loads((tmp_path / "gpu.json").read_text())
    peers = {row["peer"] for row in result["rows"]}
    assert peers == {"ours-torch-cpu", "torch-loop-cpu", "ours-numpy-cpu"}
    assert all(row["ms_median"] > 0 for row in result["rows"])


def _bench_module():
    spec = importlib.util.spec_from_file_location("bench_epoch", BENCH)
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    return bench


def test_the_minimal_numpy_epoch_is_the_same_epoch_as_ours():
    # A peer that computed something else would make the speed comparison void.
    import numpy as np

    from sklearn_sigmoid_mlp._network import FullBatch
    from sklearn_sigmoid_mlp._training import train

    bench = _bench_module()
    rng = np.random.RandomState(0)
    X = rng.randint(0, 17, size=(300, 20)) / 8.0 - 1
    y = rng.randint(3, size=300)
    (W1, b1, W2, b2), _ = bench._network_draws(X, y, 8)
    last = bench.numpy_min_epochs(X, y, 8, epochs=6)
    batch = FullBatch(X, y, [W1.T.copy(), W2.T.copy()], [b1, b2])
    result = train(batch, learning_rate=0.7, max_iter=5, tol=0, stopping_rule=False)
    # numpy-min's 6th epoch computes the loss after 5 updates.
    assert last == pytest.approx(result.loss_curve[-1], rel=1e-12)


@pytest.mark.slow
def test_bench_dask_runs_on_worker_processes_and_writes_its_table(tmp_path, capsys):
    pytest.importorskip("distributed")
    spec = importlib.util.spec_from_file_location(
        "bench_dask", BENCH.parent / "bench_dask.py"
    )
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    argv = ["--shapes", "small", "--blocks", "2", "4", "--epochs", "2", "--rounds", "1"]
    assert bench.main([*argv, "--out", str(tmp_path)]) == 0
    result = json.loads((tmp_path / "dask.json").read_text())
    rows = {(row["peer"], row["blocks"]): row for row in result["rows"]}
    assert {("in-memory", 1), ("dask", 2), ("dask", 4)} <= set(rows)
    for (peer, _), row in rows.items():
        if peer in ("dask", "dask-glm"):
            assert np.isfinite([row["ratio"], row["overhead_ms"]]).all()
    assert ("round trip", 2) in rows
    text = (tmp_path / "dask.md").read_text()
    assert "Machine:" in text and "| 2,000 × 64 → 32 → 10 | dask | 4 |" in text
    assert "Sketch" in capsys.readouterr().out
    assert (tmp_path / "dask-sketch.md").read_text().startswith("### Sketch")
