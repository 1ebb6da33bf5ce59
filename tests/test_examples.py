"""Every script in examples/ runs to completion (in a scratch directory)."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

EXAMPLES = sorted((Path(__file__).resolve().parents[1] / "examples").glob("*.py"))


def test_there_are_examples():
    names = {path.stem for path in EXAMPLES}
    assert {
        "plot_reproduce_notebook",
        "plot_hidden_units",
        "plot_compare_mlpclassifier",
        "plot_grid_search",
        "plot_early_stopping",
        "plot_onnx",
        "plot_dask",
        "save_with_skops",
    } <= names


@pytest.mark.parametrize("script", EXAMPLES, ids=lambda path: path.stem)
def test_example_runs(script, tmp_path):
    result = subprocess.run(
        [sys.executable, str(script)],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=600,
        env={**os.environ, "MPLBACKEND": "Agg"},
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert result.stdout.strip()
    assert "Warning" not in result.stderr, result.stderr[-3000:]
