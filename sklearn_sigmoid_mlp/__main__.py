"""The digits demo: ``python -m sklearn_sigmoid_mlp`` reproduces the notebook's run.

Trains the 64-15-10 sigmoid network on scikit-learn's bundled digits, prints what the
notebook printed (start loss, stopping epoch, end loss, confusion matrix, training
accuracy) and adds the held-out accuracy the notebook itself says it lacks.
"""

import argparse
import sys
import time
from pathlib import Path

from sklearn.datasets import load_digits
from sklearn.metrics import accuracy_score, confusion_matrix
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline

from ._classifier import SigmoidMSEClassifier
from ._scaler import FixedScaler


class _ProgressClassifier(SigmoidMSEClassifier):
    """Prints the loss every 100 epochs, so that training is never silent."""

    every = 100

    def _on_epoch_end(self, epoch, loss):
        if epoch % self.every == 0:
            print(f"  epoch {epoch:5d}  loss = {loss:.8f}", flush=True)


def _hidden(text):
    try:
        sizes = tuple(int(part) for part in text.split(","))
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"--hidden takes comma-separated integers such as 15 or 30,20, got {text!r}"
        ) from None
    return sizes


def _parser():
    parser = argparse.ArgumentParser(
        prog="python -m sklearn_sigmoid_mlp",
        description="Reproduce the digits notebook: a sigmoid network trained by "
        "full-batch gradient descent on the squared error.",
    )
    parser.add_argument("--seed", type=int, default=0, help="random_state (default 0)")
    parser.add_argument(
        "--hidden",
        type=_hidden,
        default=(15,),
        help="hidden layer sizes, comma-separated (default 15)",
    )
    parser.add_argument("--learning-rate", type=float, default=0.7)
    parser.add_argument("--max-iter", type=int, default=5000)
    parser.add_argument("--tol", type=float, default=1e-4)
    parser.add_argument(
        "--plot-dir",
        help="write the notebook's figures there: loss_curve.png and "
        "confusion_matrix.png (needs matplotlib: the [plot] extra)",
    )
    parser.add_argument(
        "--test-size",
        type=float,
        default=0.25,
        help="fraction held out, stratified, for the held-out accuracy (default 0.25)",
    )
    return parser


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
    loss.figure_.savefig(out / "loss_curve.png", dpi=100, bbox_inches="tight")
    fig, ax = plt.subplots(figsize=(7, 6))
    ConfusionMatrixDisplay.from_estimator(model, X, y, ax=ax, colorbar=True)
    ax.set_title("Training confusion matrix")
    fig.savefig(out / "confusion_matrix.png", dpi=100, bbox_inches="tight")
    plt.close("all")
    return [out / "loss_curve.png", out / "confusion_matrix.png"]


def main(argv=None):
    """Run the demo; ``argv`` defaults to the command line."""
    args = _parser().parse_args(argv)
    params = dict(
        hidden_layer_sizes=args.hidden,
        learning_rate=args.learning_rate,
        max_iter=args.max_iter,
        tol=args.tol,
        random_state=args.seed,
    )
    X, y = load_digits(return_X_y=True)
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

    if args.plot_dir:
        for path in _save_figures(model, X, y, args.plot_dir):
            print(f"wrote {path}")

    X_train, X_test, y_train, y_test = train_test_split(
        X, y, test_size=args.test_size, stratify=y, random_state=args.seed
    )
    held_out, _ = _fit(params, X_train, y_train, "Held-out check")
    test_accuracy = accuracy_score(y_test, held_out.predict(X_test))
    print(
        f"Held-out accuracy = {100 * test_accuracy:.2f}%   (trained on "
        f"{len(y_train)}, tested on {len(y_test)} unseen digits, stratified)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
