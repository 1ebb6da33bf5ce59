"""Smoke test of benchmarks/bench_epoch.py on a tiny shape (not a timed test)."""

import importlib.util
import json
from pathlib import Path

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
    assert peers == [
        "notebook",
        "MLPClassifier",
        "ours-f64",
        "ours-f32",
        "floor",
        "floor-T",
        "exp",
    ]
    rows = {row["peer"]: row for row in result["rows"]}
    for peer, row in rows.items():
        assert row["ms_min"] <= row["ms_median"] <= row["ms_max"]
        assert row["speedup_vs_notebook"] == pytest.approx(
            rows["notebook"]["ms_median"] / row["ms_median"]
        )
        if peer not in ("floor", "floor-T", "exp"):
            assert row["extra_peak_mib"] > 0
    assert rows["notebook"]["speedup_vs_notebook"] == 1
    for peer in rows:
        assert f"| {peer} |" in printed
    assert "× vs MLPClassifier" in printed
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
