"""The measured tables of ``doc/user_guide/practical_use.rst``, computed at build time.

``doc/conf.py`` calls :func:`generate`, which fits every row's pipeline and writes
into ``doc/_generated/``:

* ``practical_use_<section>.inc``: one table per section of the page;
* ``practical_use_values.inc``: the substitutions (``|name|``) the page's prose
  quotes, so that no number in the prose is typed by hand.

The page's prose also makes a few claims that are not numbers ("StandardScaler
beats FixedScaler on iris, wine and breast cancer", ...). :data:`CLAIMS` checks each
against the measurements: when a change of the estimator makes one false, the
build fails and names the sentence to rewrite, instead of publishing a page that
contradicts its own table.

Every row: a stratified 75/25 split (``random_state=0``), the model seeded with
``random_state=0``, held-out accuracy, epochs run (``n_iter_``), the fitted model's
``loss_reduction_``, and the warnings ``fit`` raised. The ``alpha`` section trains
on 150 digits instead (a network with weights to spare for few rows) and holds out
all the others. About 30 s on 2 cores.

Run ``python doc/_generators/practical_use.py`` to print the tables.
"""

import inspect
import itertools
import platform
import time
import warnings
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import numpy as np
import sklearn
from sklearn.datasets import load_breast_cancer, load_digits, load_iris, load_wine
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

import sklearn_sigmoid_mlp
from sklearn_sigmoid_mlp import FixedScaler, PoorFitWarning, SigmoidMSEClassifier
from sklearn_sigmoid_mlp._training import MIN_LOSS_REDUCTION

SEED = 0
TEST_SIZE = 0.25
DATASETS = {
    "digits": load_digits,
    "iris": load_iris,
    "wine": load_wine,
    "breast cancer": load_breast_cancer,
}
# The alpha section's data: a small training set, every other row held out.
SMALL_DIGITS = "digits, 150 training rows"
SMALL_TRAIN = 150
LOADERS = {**DATASETS, SMALL_DIGITS: load_digits}
SPLIT_SIZES = {SMALL_DIGITS: {"train_size": SMALL_TRAIN}}
SCALERS = {"FixedScaler": FixedScaler, "StandardScaler": StandardScaler}
# The scaler the page recommends for each data set (its first section shows why).
SCALER_FOR = {
    "digits": "FixedScaler",
    "iris": "StandardScaler",
    "wine": "StandardScaler",
    "breast cancer": "StandardScaler",
    SMALL_DIGITS: "FixedScaler",
}


@dataclass(frozen=True)
class Result:
    accuracy: float
    train_accuracy: float
    weight_norm: float  # Σ‖W‖² over coefs_, what alpha penalizes
    epochs: int
    loss_reduction: float
    warning: str  # "PoorFitWarning", "ConvergenceWarning" or ""
    seconds: float
    n_train: int
    n_features: int


@cache
def split(dataset):
    X, y = LOADERS[dataset](return_X_y=True)
    sizes = SPLIT_SIZES.get(dataset, {"test_size": TEST_SIZE})
    return train_test_split(X, y, **sizes, stratify=y, random_state=SEED)


@cache
def _measure(dataset, scaler, params):
    X_train, X_test, y_train, y_test = split(dataset)
    model = make_pipeline(
        SCALERS[scaler](), SigmoidMSEClassifier(random_state=SEED, **dict(params))
    )
    start = time.perf_counter()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        model.fit(X_train, y_train)
    seconds = time.perf_counter() - start
    categories = {w.category for w in caught}
    if PoorFitWarning in categories:
        warning = "PoorFitWarning"
    elif any(issubclass(c, ConvergenceWarning) for c in categories):
        warning = "ConvergenceWarning"
    else:
        warning = ""
    clf = model[-1]
    return Result(
        accuracy=float(model.score(X_test, y_test)),
        train_accuracy=float(model.score(X_train, y_train)),
        weight_norm=float(sum(np.sum(w * w) for w in clf.coefs_)),
        epochs=int(clf.n_iter_),
        loss_reduction=float(clf.loss_reduction_),
        warning=warning,
        seconds=seconds,
        n_train=len(y_train),
        n_features=X_train.shape[1],
    )


def measure(dataset, scaler=None, **params):
    """Fit ``make_pipeline(scaler, SigmoidMSEClassifier(**params))``; cached."""
    scaler = scaler or SCALER_FOR[dataset]
    return _measure(dataset, scaler, tuple(sorted(params.items())))


# --- the page's sections: (key, rows); a row is (dataset, scaler, params) ----------

ALPHA_HIDDEN = (100,)
ALPHAS = (0.0, 0.01, 0.1, 1.0, 10.0)

SECTIONS = {
    "scaler": [(d, s, {}) for d in DATASETS for s in SCALERS],
    "tol": [
        (d, SCALER_FOR[d], {"tol": t}) for d in DATASETS for t in (1e-3, 1e-4, 1e-6)
    ],
    "learning_rate": [
        (d, SCALER_FOR[d], {"learning_rate": lr})
        for d in ("digits", "breast cancer")
        for lr in (0.1, 0.7, 4.0, 100.0)
    ],
    "hidden": [
        ("digits", "FixedScaler", {"hidden_layer_sizes": h})
        for h in ((5,), (15,), (50,), (30, 20))
    ]
    + [("digits", "FixedScaler", {"hidden_layer_sizes": (30, 20), "tol": 1e-6})],
    "alpha": [
        (SMALL_DIGITS, "FixedScaler", {"hidden_layer_sizes": ALPHA_HIDDEN, "alpha": a})
        for a in ALPHAS
    ],
    "early_stopping": [
        (d, SCALER_FOR[d], {**base, "early_stopping": es})
        for d, base in [
            ("iris", {}),
            ("digits", {"learning_rate": 4.0, "tol": 1e-6}),
            ("breast cancer", {"learning_rate": 4.0, "tol": 1e-6}),
        ]
        for es in (False, True)
    ],
}

DEFAULTS = SigmoidMSEClassifier().get_params()
# Short, for narrow columns; the page says what they mean.
HEADERS = {
    "hidden_layer_sizes": "hidden layers",
    "learning_rate": "learning rate",
    "early_stopping": "early stopping",
}
# Columns that only some sections show (section key -> column names).
EXTRA_COLUMNS = {"alpha": ("training accuracy", "Σ‖W‖²")}
WARNING_LABELS = {
    "PoorFitWarning": "poor fit",
    "ConvergenceWarning": "max_iter",
    "": "--",
}


def _value(value):
    if isinstance(value, float) and 0 < abs(value) < 1e-3:
        return f"{value:.0e}".replace("e-0", "e-")  # 1e-4, not 0.0001 or 1e-04
    return repr(value)


def _table(rows, extra=()):
    """One list-table: a column per setting that the rows vary (its value, the
    default where a row leaves it); the data set and scaler when they vary; the
    ``extra`` columns. What all rows share is said above the table."""
    given = {k for _, _, p in rows for k in p}
    keys = [k for k in inspect.signature(SigmoidMSEClassifier).parameters if k in given]
    shared = {
        HEADERS.get(k, k): _value(rows[0][2].get(k, DEFAULTS[k]))
        for k in keys
        if len({repr(p.get(k, DEFAULTS[k])) for _, _, p in rows}) == 1
    }
    columns = {
        "data set": lambda d, s, p, r: d,
        "scaler": lambda d, s, p, r: s,
        **{
            HEADERS.get(k, k): (lambda d, s, p, r, k=k: _value(p.get(k, DEFAULTS[k])))
            for k in keys
        },
        "training accuracy": lambda d, s, p, r: f"{r.train_accuracy:.3f}",
        "accuracy": lambda d, s, p, r: f"{r.accuracy:.3f}",
        "epochs": lambda d, s, p, r: f"{r.epochs}",
        "Σ‖W‖²": lambda d, s, p, r: f"{r.weight_norm:.1f}",
        "``loss_reduction_``": lambda d, s, p, r: f"{r.loss_reduction:.3f}",
        "warning": lambda d, s, p, r: WARNING_LABELS[r.warning],
    }
    measured = [(d, s, p, measure(d, s, **p)) for d, s, p in rows]
    columns = {
        name: cell
        for name, cell in columns.items()
        if name not in shared
        and (name in extra or name not in ("training accuracy", "Σ‖W‖²"))
    }
    cells = {name: [cell(*row) for row in measured] for name, cell in columns.items()}
    constant = {
        name: cells[name][0]
        for name in ("data set", "scaler")
        if len(set(cells[name])) == 1
    }
    if "scaler" not in constant and all(s == SCALER_FOR[d] for d, s, _ in rows):
        constant["scaler"] = "FixedScaler for digits, StandardScaler for the others"
    constant.update(shared)
    if not keys:
        constant["settings"] = "the defaults"
    shown = [name for name in columns if name not in constant]
    caption = "; ".join(f"{name}: {value}" for name, value in constant.items())
    lines = [f".. list-table:: {caption}", "   :header-rows: 1", ""]
    for i in range(-1, len(measured)):
        row = [name if i < 0 else cells[name][i] for name in shown]
        lines.append("   * - " + row[0])
        lines += [f"     - {cell}" for cell in row[1:]]
    return "\n".join(lines) + "\n"


# --- the prose's numbers and claims ------------------------------------------------


def alpha_fit(alpha, **params):
    """A row of the alpha section (or the same fit with other ``params``)."""
    return measure(SMALL_DIGITS, hidden_layer_sizes=ALPHA_HIDDEN, alpha=alpha, **params)


def _best_alpha():
    return max(ALPHAS[1:], key=lambda a: alpha_fit(a).accuracy)


def values():
    """The substitutions the page's prose uses: ``|name|`` -> text."""
    iris = split("iris")[0]
    es = SigmoidMSEClassifier().get_params()["validation_fraction"]
    small_train, small_test = split(SMALL_DIGITS)[:2]
    n_weights = small_train.shape[1] * ALPHA_HIDDEN[0] + ALPHA_HIDDEN[0] * 10
    return {
        "alpha_hidden": f"{ALPHA_HIDDEN[0]}",
        "alpha_weights": f"{n_weights}",
        "alpha_train": f"{len(small_train)}",
        "alpha_test": f"{len(small_test)}",
        "alpha_zero_train": f"{alpha_fit(0.0).train_accuracy:.3f}",
        "alpha_zero_test": f"{alpha_fit(0.0).accuracy:.3f}",
        "alpha_best": f"{_best_alpha():g}",
        "alpha_best_test": f"{alpha_fit(_best_alpha()).accuracy:.3f}",
        "alpha_norm_zero": f"{alpha_fit(0.0).weight_norm:.0f}",
        "alpha_norm_one": f"{alpha_fit(1.0).weight_norm:.0f}",
        "alpha_one_test": f"{alpha_fit(1.0).accuracy:.3f}",
        "alpha_big": f"{ALPHAS[-1]:g}",
        "alpha_big_test": f"{alpha_fit(ALPHAS[-1]).accuracy:.3f}",
        "alpha_big_small_tol": f"{alpha_fit(ALPHAS[-1], tol=1e-6).accuracy:.3f}",
        "iris_fixed": f"{measure('iris', 'FixedScaler').accuracy:.3f}",
        "iris_standard": f"{measure('iris', 'StandardScaler').accuracy:.3f}",
        "iris_range": f"{iris.min():g} to {iris.max():g}",
        "wine_max": f"{split('wine')[0].max():g}",
        "iris_train": f"{len(iris)}",
        "validation_fraction": f"{es:g}",
        "default_tol": _value(DEFAULTS["tol"]),
        "default_learning_rate": f"{DEFAULTS['learning_rate']:g}",
        "max_iter": f"{DEFAULTS['max_iter']}",
        "threshold": f"{MIN_LOSS_REDUCTION:g}",
    }


def _all_rows():
    return [
        (d, s, p, measure(d, s, **p)) for rows in SECTIONS.values() for d, s, p in rows
    ]


def _better(a, b, margin=0.0):
    return a.accuracy > b.accuracy + margin


CLAIMS = {
    # "Which scaler" section.
    "StandardScaler gives a clearly higher held-out accuracy than FixedScaler on "
    "iris, wine and breast cancer": lambda: all(
        _better(measure(d, "StandardScaler"), measure(d, "FixedScaler"), 0.1)
        for d in ("iris", "wine", "breast cancer")
    ),
    "on wine and breast cancer FixedScaler ends in a PoorFitWarning": lambda: all(
        measure(d, "FixedScaler").warning == "PoorFitWarning"
        for d in ("wine", "breast cancer")
    ),
    "on digits both scalers do about as well": lambda: (
        abs(
            measure("digits", "FixedScaler").accuracy
            - measure("digits", "StandardScaler").accuracy
        )
        < 0.02
    ),
    "iris with FixedScaler warns of nothing": lambda: (
        measure("iris", "FixedScaler").warning == ""
    ),
    # "tol" section.
    "a smaller tol never lowered loss_reduction_, and tol=1e-6 reached the highest "
    "held-out accuracy of the three on every data set": lambda: all(
        measure(d, tol=1e-3).loss_reduction
        <= measure(d, tol=1e-4).loss_reduction
        <= measure(d, tol=1e-6).loss_reduction
        and measure(d, tol=1e-6).accuracy
        >= max(measure(d, tol=t).accuracy for t in (1e-3, 1e-4))
        for d in DATASETS
    ),
    "tol=1e-3 stops digits on its first plateau, with a PoorFitWarning": lambda: (
        measure("digits", tol=1e-3).warning == "PoorFitWarning"
    ),
    "on digits, tol=1e-6 runs into max_iter (ConvergenceWarning)": lambda: (
        measure("digits", tol=1e-6).warning == "ConvergenceWarning"
        and measure("digits", tol=1e-6).epochs == DEFAULTS["max_iter"]
    ),
    # "learning_rate" section.
    "on digits both 0.1 and 100 end in a PoorFitWarning, and 4.0 needs fewer epochs "
    "than 0.7 for at least its accuracy": lambda: (
        measure("digits", learning_rate=0.1).warning == "PoorFitWarning"
        and measure("digits", learning_rate=100.0).warning == "PoorFitWarning"
        and measure("digits", learning_rate=4.0).epochs
        < measure("digits", learning_rate=0.7).epochs
        and measure("digits", learning_rate=4.0).accuracy
        >= measure("digits", learning_rate=0.7).accuracy
    ),
    "learning_rate=100 trains breast cancer without a warning": lambda: (
        measure("breast cancer", learning_rate=100.0).warning == ""
    ),
    # "hidden_layer_sizes" section.
    "(5,) and (30, 20) stop on a plateau with a PoorFitWarning at the default tol, "
    "(30, 20) learns with tol=1e-6, and (50,) is no better than (15,) by more than "
    "2 points": lambda: (
        measure("digits", hidden_layer_sizes=(5,)).warning == "PoorFitWarning"
        and measure("digits", hidden_layer_sizes=(30, 20)).warning == "PoorFitWarning"
        and measure("digits", hidden_layer_sizes=(30, 20), tol=1e-6).loss_reduction
        > 0.9
        and measure("digits", hidden_layer_sizes=(50,)).accuracy
        <= measure("digits", hidden_layer_sizes=(15,)).accuracy + 0.02
    ),
    # "early stopping" section.
    "with a small tol, early stopping ends training in fewer epochs at an accuracy "
    "within 1 point": lambda: all(
        measure(d, learning_rate=4.0, tol=1e-6, early_stopping=True).epochs
        < measure(d, learning_rate=4.0, tol=1e-6, early_stopping=False).epochs
        and abs(
            measure(d, learning_rate=4.0, tol=1e-6, early_stopping=True).accuracy
            - measure(d, learning_rate=4.0, tol=1e-6, early_stopping=False).accuracy
        )
        <= 0.01
        for d in ("digits", "breast cancer")
    ),
    "on iris, early stopping lowers the held-out accuracy": lambda: _better(
        measure("iris", early_stopping=False), measure("iris", early_stopping=True)
    ),
    # "alpha" section.
    "without a penalty the wide network fits its training rows at least 5 points "
    "better than the held-out rows": lambda: (
        alpha_fit(0.0).train_accuracy > alpha_fit(0.0).accuracy + 0.05
    ),
    "the best held-out accuracy with alpha > 0 is within 1 point of alpha=0's": (
        lambda: abs(alpha_fit(_best_alpha()).accuracy - alpha_fit(0.0).accuracy) <= 0.01
    ),
    "Σ‖W‖² and loss_reduction_ fall at every step of alpha": lambda: all(
        alpha_fit(a).weight_norm > alpha_fit(b).weight_norm
        and alpha_fit(a).loss_reduction > alpha_fit(b).loss_reduction
        for a, b in itertools.pairwise(ALPHAS)
    ),
    "alpha=1 lowers both training and held-out accuracy, the latter by more than 5 "
    "points, without a warning": lambda: (
        alpha_fit(1.0).train_accuracy < alpha_fit(0.0).train_accuracy
        and alpha_fit(1.0).accuracy < alpha_fit(0.0).accuracy - 0.05
        and alpha_fit(1.0).warning == ""
    ),
    "the largest alpha ends in a PoorFitWarning near chance, and tol=1e-6 does not "
    "help it": lambda: (
        alpha_fit(ALPHAS[-1]).warning == "PoorFitWarning"
        and alpha_fit(ALPHAS[-1]).accuracy < 0.2
        and alpha_fit(ALPHAS[-1], tol=1e-6).accuracy < 0.2
    ),
    # "Signs of a poor fit" section.
    "every PoorFitWarning of the tables came with loss_reduction_ below the "
    "threshold and every other row is above it": lambda: all(
        (r.warning == "PoorFitWarning") == (r.loss_reduction < MIN_LOSS_REDUCTION)
        for *_, r in _all_rows()
    ),
    "every PoorFitWarning came after fewer epochs than the same data set's "
    "fit with its recommended scaler and defaults": lambda: all(
        r.epochs < measure(d).epochs
        for d, _, _, r in _all_rows()
        if r.warning == "PoorFitWarning"
    ),
    "iris with FixedScaler has the lowest loss_reduction_ of the silent rows of the "
    "first table": lambda: (
        measure("iris", "FixedScaler").loss_reduction
        == min(
            measure(d, s).loss_reduction
            for d, s, _ in SECTIONS["scaler"]
            if not measure(d, s).warning
        )
    ),
}


def check_claims():
    false = [claim for claim, holds in CLAIMS.items() if not holds()]
    if false:
        raise RuntimeError(
            "doc/user_guide/practical_use.rst says what its measured tables no longer "
            "show; rewrite these sentences (and their checks in "
            "doc/_generators/practical_use.py):\n  - " + "\n  - ".join(false)
        )


def generate(out):
    """Measure every row, check the prose's claims, write the includes into ``out``."""
    out = Path(out)
    start = time.perf_counter()
    tables = {
        key: _table(rows, EXTRA_COLUMNS.get(key, ())) for key, rows in SECTIONS.items()
    }
    check_claims()  # may fit a few models beyond the tables' rows
    subs = values()
    seconds = time.perf_counter() - start
    for key, table in tables.items():
        (out / f"practical_use_{key}.inc").write_text(table)
    subs["fits"] = str(_measure.cache_info().currsize)
    subs["seconds"] = f"{seconds:.0f}"
    subs["versions"] = (
        f"sklearn-sigmoid-mlp {sklearn_sigmoid_mlp.__version__}, scikit-learn "
        f"{sklearn.__version__}, NumPy {np.__version__}, Python "
        f"{platform.python_version()}"
    )
    lines = [f".. |{name}| replace:: {text}" for name, text in subs.items()]
    (out / "practical_use_values.inc").write_text("\n".join(lines) + "\n")
    return seconds


if __name__ == "__main__":
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        took = generate(tmp)
        for path in sorted(Path(tmp).iterdir()):
            print(f"--- {path.name}\n{path.read_text()}")
    print(f"measured in {took:.1f} s")
