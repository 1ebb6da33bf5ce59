"""The digits demo (python -m sklearn_sigmoid_mlp)."""

import os
import re
import signal
import stat
import subprocess
import sys

import pytest

from sklearn_sigmoid_mlp.__main__ import _parser, main


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
    (["--hidden", "99999999999"], "--hidden: .* at most 10,000,000 weights"),
    (["--hidden", "15,4000,4000"], "--hidden: .* at most 10,000,000 weights"),
    (["--plot-dir", ""], "--plot-dir: takes a directory, got ''"),
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


@pytest.mark.parametrize("blocked", ["loss_curve.png", "confusion_matrix.png"])
def test_plot_dir_with_a_folder_in_a_figures_place_fails_before_training(
    blocked, tmp_path, capsys
):
    pytest.importorskip("matplotlib")
    (tmp_path / blocked).mkdir()
    before = sorted(tmp_path.rglob("*"))
    with pytest.raises(SystemExit) as exit_info:
        main(["--plot-dir", str(tmp_path), "--max-iter", "5"])
    assert exit_info.value.code == 2
    captured = capsys.readouterr()
    assert captured.err.count("\n") == 1 and "Traceback" not in captured.err
    assert re.search(rf"--plot-dir: .*{blocked}.* is not a file", captured.err)
    assert captured.out == ""  # before training
    assert sorted(tmp_path.rglob("*")) == before  # nothing written


def test_plot_dir_receives_both_figures_and_nothing_else(tmp_path, capsys):
    pytest.importorskip("matplotlib")
    (tmp_path / "loss_curve.png").write_bytes(b"old")  # an old figure is replaced
    assert main(["--plot-dir", str(tmp_path), "--max-iter", "5"]) == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "confusion_matrix.png",
        "loss_curve.png",
    ]
    for path in tmp_path.iterdir():
        assert path.read_bytes().startswith(b"\x89PNG")
    assert f"wrote {tmp_path / 'confusion_matrix.png'}" in capsys.readouterr().out


def _help_text():
    """``python -m sklearn_sigmoid_mlp --help``, its whitespace collapsed."""
    result = subprocess.run(
        [sys.executable, "-m", "sklearn_sigmoid_mlp", "--help"],
        capture_output=True,
        text=True,
        check=True,
    )
    return " ".join(result.stdout.split())


def test_help_examples_train_a_good_model():
    help_text = _help_text()
    # 30,20 alone stops early (23 % held-out); the example must say what it needs.
    assert "e.g. 30,20 " not in help_text
    assert "--hidden 30,20 --tol 1e-6 --max-iter 20000" in help_text
    # ... and test_every_example_command_trains_a_good_model runs it.
    hidden = ["--hidden", "30,20", "--tol", "1e-6", "--max-iter", "20000"]
    assert hidden in help_examples()


def help_examples():
    """The command lines ``--help`` offers: the options after each "e.g. "."""
    text = " ".join(_parser().format_help().split())
    examples = []
    for tail in text.split("e.g. ")[1:]:
        argv = []
        for token in tail.split():
            if not (token.startswith("--") or (argv and argv[-1].startswith("--"))):
                break
            argv.append(token)
        if argv:  # an "e.g. " that is not a command line is no example to run
            examples.append(argv)
    return examples


# The README's and the quick start's plain run, and every example of --help.
# Digits, a stratified 25 % held out: 0.9, as for the documentation's examples
# (tests/test_docs.py); the defaults score 93.8 %, the --hidden example 97.8 %.
@pytest.mark.parametrize(
    "argv", [[], *help_examples()], ids=lambda argv: " ".join(argv) or "defaults"
)
@pytest.mark.filterwarnings("error::sklearn.exceptions.ConvergenceWarning")
def test_every_example_command_trains_a_good_model(argv, capsys):
    assert main(argv) == 0  # a PoorFitWarning would be raised here
    captured = capsys.readouterr()
    assert "Warning" not in captured.err, captured.err
    held_out = re.search(r"Held-out accuracy = (\d+\.\d+)%", captured.out)
    assert held_out, captured.out[-2000:]
    assert float(held_out[1]) >= 90, held_out[0]


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
    out = _help_text()
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


@pytest.mark.parametrize(
    "umask, mode", [(0o022, 0o644), (0o002, 0o664), (0o077, 0o600)]
)
def test_plot_dir_figures_get_the_mode_the_umask_gives_new_files(
    umask, mode, tmp_path, capsys
):
    pytest.importorskip("matplotlib")
    (tmp_path / "loss_curve.png").write_bytes(b"old")  # replaced, mode included
    old = os.umask(umask)
    try:
        main(["--plot-dir", str(tmp_path), "--max-iter", "5"])
    finally:
        os.umask(old)
    for name in ("loss_curve.png", "confusion_matrix.png"):
        assert stat.S_IMODE((tmp_path / name).stat().st_mode) == mode, name


def test_output_cut_short_by_its_reader_ends_quietly():
    # `python -m sklearn_sigmoid_mlp | head -2`: the reader closes the pipe while
    # training goes on; its next line of progress finds no reader.
    process = subprocess.Popen(
        [sys.executable, "-m", "sklearn_sigmoid_mlp", "--max-iter", "300"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    first = [process.stdout.readline() for _ in range(2)]
    process.stdout.close()
    stderr = process.stderr.read()
    assert process.wait(timeout=600) == 128 + signal.SIGPIPE
    assert all(first) and stderr == "", stderr
