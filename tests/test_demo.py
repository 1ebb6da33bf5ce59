"""The digits demo (python -m sklearn_sigmoid_mlp)."""

import re
import subprocess
import sys

import pytest

from sklearn_sigmoid_mlp.__main__ import main


def test_demo_prints_the_notebooks_figures_and_a_held_out_accuracy(capsys):
    assert main(["--max-iter", "150", "--hidden", "10", "--seed", "1"]) == 0
    out = capsys.readouterr().out
    assert "network 64-10-10, seed 1" in out
    assert re.search(r"start_loss = \d+\.\d+", out)
    assert "stop at 149" in out  # max_iter reached: 150 epochs, 0-based 149
    assert "epoch   100  loss = " in out  # progress while training
    assert re.search(r"Training accuracy = \d+\.\d\d%", out)
    assert re.search(r"Held-out accuracy = \d+\.\d\d%", out)
    header = next(line for line in out.splitlines() if "true\\pred" in line)
    assert header.split()[1:] == [str(d) for d in range(10)]


def test_demo_rejects_bad_hidden_sizes(capsys):
    with pytest.raises(SystemExit):
        main(["--hidden", "15,x"])
    assert "--hidden takes comma-separated integers" in capsys.readouterr().err


def test_module_runs_as_a_script():
    result = subprocess.run(
        [sys.executable, "-m", "sklearn_sigmoid_mlp", "--help"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert "--learning-rate" in result.stdout
