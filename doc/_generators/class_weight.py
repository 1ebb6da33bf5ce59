"""The class-weight table of ``doc/user_guide/training.rst``, measured at build time.

``doc/conf.py`` calls :func:`generate`, which fits one digit against the rest on
digits (``FixedScaler``, stratified 75/25 split, model seeded with
``random_state=0``), plainly and with ``class_weight="balanced"``, and writes into
``doc/_generated/``:

* ``class_weight.inc``: per fit, the epochs, ``loss_reduction_``, the warning, and on
  the held-out rows the balanced accuracy beside what it does not show: how many
  rows the model calls the digit against how many are, and its precision;
* ``class_weight_values.inc``: the substitutions (``|name|``) the page's prose
  quotes.

:data:`CLAIMS` checks what the prose says of the table; when a change makes one
false, the build fails and names the sentence to rewrite. About 2 s on 2 cores.

Run ``python doc/_generators/class_weight.py`` to print the table.
"""

import warnings
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import numpy as np
from sklearn.datasets import load_digits
from sklearn.metrics import balanced_accuracy_score
from sklearn.model_selection import train_test_split

from sklearn_sigmoid_mlp import FixedScaler, PoorFitWarning, SigmoidMSEClassifier

SEED = 0
DIGITS = (3, 8)
CLASS_WEIGHTS = (None, "balanced")


@dataclass(frozen=True)
class Fit:
    epochs: int
    loss_reduction: float
    warning: str  # the first warning's category and what it names (reST), or ""
    balanced_accuracy: float
    predicted: int  # held-out rows predicted to be the digit
    true: int  # held-out rows that are the digit
    hits: int  # rows both

    @property
    def precision(self):
        return self.hits / self.predicted if self.predicted else float("nan")

    @property
    def recall(self):
        return self.hits / self.true


@cache
def split():
    X, y = load_digits(return_X_y=True)
    X = FixedScaler().transform(X)
    return train_test_split(X, y, test_size=0.25, stratify=y, random_state=SEED)


@cache
def measure(digit, class_weight):
    """``SigmoidMSEClassifier(class_weight=...).fit(X_train, y_train == digit)``."""
    X_train, X_test, y_train, y_test = split()
    model = SigmoidMSEClassifier(class_weight=class_weight, random_state=SEED)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        model.fit(X_train, y_train == digit)
    warning = ""
    if caught:
        first = caught[0]
        warning = f"``{first.category.__name__}``"
        if first.category is PoorFitWarning and "class_weight='balanced'" in str(
            first.message
        ):
            warning += " naming ``class_weight='balanced'``"
    predicted, true = model.predict(X_test), y_test == digit
    return Fit(
        epochs=int(model.n_iter_),
        loss_reduction=float(model.loss_reduction_),
        warning=warning,
        balanced_accuracy=float(balanced_accuracy_score(true, predicted)),
        predicted=int(np.count_nonzero(predicted)),
        true=int(np.count_nonzero(true)),
        hits=int(np.count_nonzero(predicted & true)),
    )


def _cells(digit, class_weight):
    fit = measure(digit, class_weight)
    weights = "``None``" if class_weight is None else f'``"{class_weight}"``'
    return [
        f"{digit}, {weights}",
        f"{fit.epochs}",
        f"{fit.loss_reduction:.3f}".replace("-", "−"),
        "poor fit" if fit.warning.startswith("``PoorFitWarning``") else "--",
        f"{fit.balanced_accuracy:.3f}",
        f"{fit.predicted} / {fit.true}",
        "--" if not fit.predicted else f"{fit.precision:.3f}",
    ]


HEADER = [
    "digit, ``class_weight``",
    "epochs",
    "``loss_reduction_``",
    "warning",
    "balanced accuracy",
    "predicted / true",
    "precision",
]


def table():
    lines = [".. list-table::", "   :header-rows: 1", ""]
    for row in [HEADER] + [_cells(d, w) for d in DIGITS for w in CLASS_WEIGHTS]:
        lines.append(f"   * - {row[0]}")
        lines += [f"     - {cell}" for cell in row[1:]]
    return "\n".join(lines) + "\n"


def values():
    """The substitutions the page's prose uses: ``|name|`` -> text."""
    subs = {}
    for digit in DIGITS:
        fit = measure(digit, "balanced")
        subs[f"cw_{digit}_predicted"] = f"{fit.predicted}"
        subs[f"cw_{digit}_true"] = f"{fit.true}"
        subs[f"cw_{digit}_precision"] = f"{fit.precision:.2f}"
        subs[f"cw_{digit}_recall"] = f"{fit.recall:.2f}"
        subs[f"cw_{digit}_balanced"] = f"{fit.balanced_accuracy:.3f}"
    epochs = [measure(d, "balanced").epochs for d in DIGITS]
    subs["cw_epochs"] = f"{min(epochs)} to {max(epochs)}"
    return subs


CLAIMS = {
    'without class weights, both fits predict "rest" for every row (a balanced '
    "accuracy of 0.5), and their PoorFitWarning names class_weight='balanced'": (
        lambda: all(
            measure(d, None).warning.startswith("``PoorFitWarning`` naming")
            and measure(d, None).predicted == 0
            and measure(d, None).balanced_accuracy == 0.5
            for d in DIGITS
        )
    ),
    "with class_weight='balanced', no fit warns and each reaches a held-out "
    "balanced accuracy of at least 0.9": lambda: all(
        not measure(d, "balanced").warning
        and measure(d, "balanced").balanced_accuracy >= 0.9
        for d in DIGITS
    ),
    "the balanced fits call the digit more rows than have it, so that their "
    "precision is below their recall": lambda: all(
        measure(d, "balanced").predicted > measure(d, "balanced").true
        and measure(d, "balanced").precision < measure(d, "balanced").recall
        for d in DIGITS
    ),
}


def check_claims():
    false = [claim for claim, holds in CLAIMS.items() if not holds()]
    if false:
        raise RuntimeError(
            "doc/user_guide/training.rst says what its measured class-weight table "
            "no longer shows; rewrite these sentences (and their checks in "
            "doc/_generators/class_weight.py):\n  - " + "\n  - ".join(false)
        )


def generate(out):
    """Fit every row, check the prose's claims, write the includes into ``out``."""
    out = Path(out)
    check_claims()
    (out / "class_weight.inc").write_text(table())
    lines = [f".. |{name}| replace:: {text}" for name, text in values().items()]
    (out / "class_weight_values.inc").write_text("\n".join(lines) + "\n")


if __name__ == "__main__":
    print(table())
    print(values())
