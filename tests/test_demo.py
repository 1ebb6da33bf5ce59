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


BAD_VALUES = [
    (["--hidden", "15,x"], "--hidden: takes comma-separated positive integers"),
    (["--hidden", "0"], "--hidden: takes comma-separated positive integers"),
    (["--learning-rate", "-1"], r"--learning-rate: takes a number in \(0, inf\)"),
    (["--learning-rate", "adaptive"], "--learning-rate: takes a number"),
    (["--max-iter", "0"], r"--max-iter: takes an integer in \[1, inf\)"),
    (["--tol", "-1"], r"--tol: takes a number in \[0, inf\)"),
    (["--tol", "nan"], "--tol: takes a number"),
    (["--test-size", "2"], r"--test-size: takes a number in \(0, 1\)"),
    (["--test-size", "0.999"], "--test-size: The train_size = 1 should be greater"),
    (["--n-iter-no-change", "0"], "--n-iter-no-change: takes an integer"),
    (["--seed", "-3"], "--seed: takes an integer"),
    (["--learning-rate", "1e308"], "Training diverged: .* Lower learning_rate"),
]


@pytest.mark.parametrize("argv, message", BAD_VALUES, ids=lambda v: " ".join(v))
def test_bad_values_are_one_line_usage_errors(argv, message, capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(argv)
    assert exit_info.value.code == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and re.search(message, err), err
    assert "Traceback" not in err and "Classifier" not in err


def test_unwritable_plot_dir_fails_before_training(tmp_path, capsys):
    blocker = tmp_path / "file"
    blocker.write_text("")
    with pytest.raises(SystemExit) as exit_info:
        main(["--plot-dir", str(blocker / "figures")])
    assert exit_info.value.code == 2
    captured = capsys.readouterr()
    assert "--plot-dir" in captured.err and "not a writable directory" in captured.err
    assert "training" not in captured.out


def test_plot_dir_without_matplotlib_fails_before_training(
    tmp_path, capsys, monkeypatch
):
    monkeypatch.setitem(sys.modules, "matplotlib", None)  # import matplotlib fails
    with pytest.raises(SystemExit) as exit_info:
        main(["--plot-dir", str(tmp_path)])
    assert exit_info.value.code == 2
    captured = capsys.readouterr()
    assert "--plot-dir needs matplotlib: pip install matplotlib" in captured.err
    assert captured.out == ""


def test_a_poor_fit_is_reported_on_one_line(capsys):
    assert main(["--hidden", "30,20", "--max-iter", "60"]) == 0
    err = capsys.readouterr().err.splitlines()
    assert err and all(line.startswith("PoorFitWarning: ") for line in err), err


def test_help_shows_every_default_and_the_new_options():
    result = subprocess.run(
        [sys.executable, "-m", "sklearn_sigmoid_mlp", "--help"],
        capture_output=True,
        text=True,
        check=True,
    )
    out = " ".join(result.stdout.split())
    assert out.startswith("usage: python -m sklearn_sigmoid_mlp ")
    options = out.split("options:")[1]
    for option, default in [
        ("--seed SEED", "(default: 0)"),
        ("--hidden SIZES", "(default: 15)"),
        ("--learning-rate LEARNING_RATE", "(default: 0.7)"),
        ("--max-iter MAX_ITER", "(default: 5000)"),
        ("--tol TOL", "(default: 0.0001)"),
        ("--n-iter-no-change N", "(default: 1, or 10 with --early-stopping)"),
        ("--early-stopping", "(default: False)"),
        ("--test-size TEST_SIZE", "(default: 0.25)"),
        ("--plot-dir DIR", "(default: None)"),
    ]:
        help_text = options.split(f" {option} ")[1]
        assert help_text.split("(default: ")[1].startswith(default[10:]), option


def test_usage_names_the_console_script(monkeypatch, capsys):
    monkeypatch.setattr(sys, "argv", ["/venv/bin/sigmoid-mlp-digits"])
    with pytest.raises(SystemExit):
        main(["--max-iter", "0"])
    assert capsys.readouterr().err.startswith("sigmoid-mlp-digits: error: ")
