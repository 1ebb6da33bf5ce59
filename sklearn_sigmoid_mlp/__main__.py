"""The digits demo: ``python -m sklearn_sigmoid_mlp`` reproduces the notebook's run.

Trains the 64-15-10 sigmoid network on scikit-learn's bundled digits, prints what the
notebook printed (start loss, stopping epoch, end loss, confusion matrix, training
accuracy) and adds the held-out accuracy the notebook itself says it lacks.
"""

import argparse
import itertools
import math
import os
import secrets
import signal
import sys
import tempfile
import time
import warnings
from pathlib import Path

from sklearn.datasets import load_digits
from sklearn.metrics import accuracy_score, confusion_matrix
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline

from ._classifier import SigmoidMSEClassifier
from ._fixes import check_matplotlib_support
from ._scaler import FixedScaler


class _ProgressClassifier(SigmoidMSEClassifier):
    """Prints the loss every 100 epochs, so that training is never silent."""

    every = 100

    def _on_epoch_end(self, epoch, loss):
        if epoch % self.every == 0:
            print(f"  epoch {epoch:5d}  loss = {loss:.8f}", flush=True)


# The network's weights and biases, at most: 80 MB in float64, and training holds a
# few such arrays (gradients, steps). Far beyond what 1797 digits need (the default
# 15 has 1135), yet refused before training rather than by a MemoryError in it.
_MAX_WEIGHTS = 10_000_000
_FIGURES = ("loss_curve.png", "confusion_matrix.png")


def _hidden(text):
    try:
        sizes = tuple(int(part) for part in text.split(","))
    except ValueError:
        sizes = ()
    layers = (64, *sizes, 10)  # the digits' 8x8 pixels in, 10 classes out
    if (
        not sizes
        or min(sizes) < 1
        or sum((a + 1) * b for a, b in itertools.pairwise(layers)) > _MAX_WEIGHTS
    ):
        raise argparse.ArgumentTypeError(
            "takes comma-separated positive integers such as 15 or 30,20, with at "
            f"most {_MAX_WEIGHTS:,} weights in all, got {text!r}"
        )
    return sizes


def _number(kind, low, high=None, low_open=False, high_open=True):
    """An argparse type: ``kind`` (int or float) within ``[low, high)`` or the like."""
    bounds = f"{'(' if low_open else '['}{low}, {'inf' if high is None else high}"
    bounds += ")" if high_open or high is None else "]"
    noun = "an integer" if kind is int else "a number"

    def parse(text):
        try:
            value = kind(text)
        except ValueError:
            value = None
        if (
            value is None
            or not math.isfinite(value)
            or (
                value < low
                or (low_open and value == low)
                or (
                    high is not None and (value > high or (high_open and value == high))
                )
            )
        ):
            raise argparse.ArgumentTypeError(f"takes {noun} in {bounds}, got {text!r}")
        return value

    parse.__name__ = kind.__name__  # argparse names the type in some messages
    return parse


def _directory(text):
    """An argparse type: a directory's path, which an empty string is not."""
    if not text:
        raise argparse.ArgumentTypeError(
            "takes a directory, got '' (write . for the current directory)"
        )
    return text


class _OneLineErrors(argparse.ArgumentParser):
    """Usage errors as one line (exit status 2), without the usage block."""

    def error(self, message):
        self.exit(2, f"{self.prog}: error: {message} (see --help)\n")


def _program_name():
    """The console script's name when run as it, else ``python -m ...``."""
    name = Path(sys.argv[0]).name
    if name in ("__main__.py", "-c", "") or name.startswith("python"):
        return "python -m sklearn_sigmoid_mlp"
    return name


def _parser():
    parser = _OneLineErrors(
        prog=_program_name(),
        description="Reproduce the digits notebook: a sigmoid network trained by "
        "full-batch gradient descent on the squared error.",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    _add_model_options(parser.add_argument)
    _add_run_options(parser.add_argument)
    return parser


def _add_model_options(add):
    """The seed, the network, its step and its stopping rule."""
    add(
        "--seed",
        type=_number(int, 0, 2**32, high_open=True),
        default=0,
        help="random_state: the initial weights and the held-out split",
    )
    add(
        "--hidden",
        type=_hidden,
        default="15",
        metavar="SIZES",
        help="hidden layer sizes, comma-separated; two layers train for longer, "
        "e.g. --hidden 30,20 --tol 1e-6 --max-iter 20000",
    )
    add(
        "--learning-rate",
        type=_number(float, 0, low_open=True),
        default=0.7,
        help="step size on the mean gradient",
    )
    add("--max-iter", type=_number(int, 1), default=5000, help="most epochs")
    add(
        "--tol",
        type=_number(float, 0),
        default=1e-4,
        help="stop when an epoch improves the loss by less than this",
    )
    add(
        "--n-iter-no-change",
        type=_number(int, 1),
        default=argparse.SUPPRESS,
        metavar="N",
        help="epochs without a tol improvement before stopping (default: 1, or "
        "10 with --early-stopping)",
    )


def _add_run_options(add):
    """The hold-outs (early stopping's, the accuracy check's) and the figures."""
    add(
        "--early-stopping",
        action="store_true",
        help="hold out 10%% of the training rows and stop on their loss",
    )
    add(
        "--test-size",
        type=_number(float, 0, 1, low_open=True),
        default=0.25,
        help="fraction held out, stratified, for the held-out accuracy",
    )
    add(
        "--plot-dir",
        type=_directory,
        metavar="DIR",
        default=None,
        help="write loss_curve.png and confusion_matrix.png there (needs "
        "matplotlib: the plot extra)",
    )


def _check_plot_dir(parser, directory):
    """Fail before training if the figures could not be written."""
    try:
        check_matplotlib_support("--plot-dir")
    except ImportError:
        parser.error(
            "--plot-dir needs matplotlib: pip install matplotlib (or, from a "
            'clone of this repository, pip install ".[plot]")'
        )
    out = Path(directory)
    try:
        out.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=out):
            pass
    except OSError as exc:
        parser.error(f"--plot-dir {directory!r} is not a writable directory: {exc}")
    # A figure replaces whatever file has its name (see _save_figures), but not a
    # folder or anything else that is not a file.
    for name in _FIGURES:
        path = out / name
        if path.exists() and not path.is_file():
            parser.error(
                f"argument --plot-dir: {str(path)!r} is not a file, so the figure "
                "cannot be written there"
            )


def _format_confusion(cm, labels):
    """The confusion matrix as text, rows = true class, columns = predicted class."""
    width = max(len(str(v)) for v in [*cm.ravel(), *labels]) + 1
    head = "true\\pred".rjust(10) + "".join(str(lab).rjust(width) for lab in labels)
    rows = [
        str(lab).rjust(10) + "".join(str(v).rjust(width) for v in row)
        for lab, row in zip(labels, cm)
    ]
    return "\n".join([head, *rows])


def _fit(params, X, y, title):
    print(f"{title}: training on {X.shape[0]} digits ...", flush=True)
    model = make_pipeline(FixedScaler(), _ProgressClassifier(**params))
    start = time.perf_counter()
    model.fit(X, y)
    return model, time.perf_counter() - start


def _save_figures(model, X, y, directory):
    """The notebook's two figures: loss per epoch and the confusion-matrix heat map."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from sklearn.metrics import ConfusionMatrixDisplay

    from ._display import LossCurveDisplay

    out = Path(directory)
    out.mkdir(parents=True, exist_ok=True)
    loss = LossCurveDisplay.from_estimator(
        model, label=f"digits, seed {model[-1].random_state}"
    )
    loss.ax_.set_title(f"Training loss: stopped after {model[-1].n_iter_} epochs")
    fig, ax = plt.subplots(figsize=(7, 6))
    ConfusionMatrixDisplay.from_estimator(model, X, y, ax=ax, colorbar=True)
    ax.set_title("Training confusion matrix")
    # All or nothing: both figures go to temporary files first, and only when both
    # are written do they take their names.
    written = []
    try:
        for figure, name in zip((loss.figure_, fig), _FIGURES):
            temporary, handle = _new_file(out, name)
            written.append(temporary)
            with os.fdopen(handle, "wb") as file:
                figure.savefig(file, format="png", dpi=100, bbox_inches="tight")
        paths = [out / name for name in _FIGURES]
        for temporary, path in zip(written, paths):
            os.replace(temporary, path)
    finally:
        plt.close("all")
        for temporary in written:
            if os.path.exists(temporary):
                os.remove(temporary)
    return paths


def _new_file(directory, name):
    """A new hidden file in ``directory`` to write ``name`` into, and its descriptor.

    Created with the permissions the umask gives any new file (0644 under umask
    022), as the figures keep them when they take their names: ``mkstemp``'s files
    are 0600 whatever the umask.
    """
    while True:
        path = directory / f".{name}.{secrets.token_hex(8)}"
        try:
            return path, os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
        except FileExistsError:  # pragma: no cover - 64 random bits collided
            continue


def _print_warning(message, category, *args, **kwargs):
    print(f"{category.__name__}: {message}", file=sys.stderr, flush=True)


def main(argv=None):
    """Run the demo; ``argv`` defaults to the command line.

    Returns 0, or ``128 + SIGPIPE`` when the output's reader went away (``| head``).
    """
    try:
        return _main(argv)
    except BrokenPipeError:
        # End as a Unix program killed by SIGPIPE does: silently, with the status a
        # shell shows for it, rather than with a traceback.
        _discard_stdout()
        return 128 + getattr(signal, "SIGPIPE", 13)  # 13 where absent (Windows)


def _discard_stdout():
    """Point standard output at the null device, so that the interpreter's last
    flush of what is still buffered raises no second BrokenPipeError at exit."""
    try:
        descriptor = sys.stdout.fileno()
    except (AttributeError, OSError, ValueError):  # not a file: nothing to flush
        return
    null = os.open(os.devnull, os.O_WRONLY)
    os.dup2(null, descriptor)
    os.close(null)


def _main(argv):
    parser = _parser()
    args = parser.parse_args(argv)
    if args.plot_dir is not None:
        _check_plot_dir(parser, args.plot_dir)
    params = dict(
        hidden_layer_sizes=args.hidden,
        learning_rate=args.learning_rate,
        max_iter=args.max_iter,
        tol=args.tol,
        n_iter_no_change=getattr(args, "n_iter_no_change", "auto"),
        early_stopping=args.early_stopping,
        random_state=args.seed,
    )
    X, y = load_digits(return_X_y=True)
    try:
        split = train_test_split(
            X, y, test_size=args.test_size, stratify=y, random_state=args.seed
        )
    except ValueError as exc:
        parser.error(f"argument --test-size: {exc}")
    with warnings.catch_warnings():
        # A warning is part of the demo's output: one line, without a source line.
        warnings.showwarning = _print_warning
        try:
            _run(args, params, X, y, *split)
        except ValueError as exc:  # e.g. training diverged: a message for the user
            parser.error(str(exc))
    return 0


def _run(args, params, X, y, X_train, X_test, y_train, y_test):
    sizes = "-".join(str(s) for s in (X.shape[1], *args.hidden, 10))
    print(
        f"Digits: {X.shape[0]} images of 8x8 pixels, network {sizes}, seed {args.seed}"
    )

    model, seconds = _fit(params, X, y, "All data (the notebook's run)")
    clf = model[-1]
    print(f"start_loss = {2 * clf.initial_loss_:.11f}   (the notebook prints 2 * L_0)")
    print(
        f"stop at {clf.n_iter_ - 1}   (0-based, as the notebook; {clf.n_iter_} epochs)"
    )
    print(f"end_loss = {clf.loss_:.13f}")
    print(f"trained in {seconds:.2f} s ({1e3 * seconds / clf.n_iter_:.3f} ms/epoch)")
    y_pred = model.predict(X)
    print("Training confusion matrix (rows: true digit, columns: predicted digit):")
    print(_format_confusion(confusion_matrix(y, y_pred), clf.classes_))
    train_accuracy = accuracy_score(y, y_pred)
    print(f"Training accuracy = {100 * train_accuracy:.2f}%")

    if args.plot_dir is not None:
        try:
            paths = _save_figures(model, X, y, args.plot_dir)
        except OSError as exc:  # e.g. the disk filled up since the check
            raise ValueError(f"argument --plot-dir: {exc}") from None
        for path in paths:
            print(f"wrote {path}")

    held_out, _ = _fit(params, X_train, y_train, "Held-out check")
    test_accuracy = accuracy_score(y_test, held_out.predict(X_test))
    print(
        f"Held-out accuracy = {100 * test_accuracy:.2f}%   (trained on "
        f"{len(y_train)}, tested on {len(y_test)} unseen digits, stratified)"
    )


if __name__ == "__main__":
    sys.exit(main())
