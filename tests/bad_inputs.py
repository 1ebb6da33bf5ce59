"""The bad inputs we try, and the table of what happens to each.

Each case is run by ``tests/test_reliability.py``; the documentation's "Bad inputs we
tried" table is generated from the live outcomes when the site is built
(``doc/conf.py``), and ``python tests/bad_inputs.py`` prints it as Markdown.
"""

import warnings
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from sklearn.exceptions import NotFittedError

from sklearn_sigmoid_mlp import FixedScaler, SigmoidMSEClassifier

# A healthy fit of _X(), _y() in 67 epochs (loss_reduction_ 0.67): no warning.
FAST = dict(learning_rate=5.0, tol=1e-3, random_state=0)
FUZZ_EXAMPLES = 400  # random inputs tried by tests/test_reliability.py


def _X(n=30, d=4, seed=0):
    return np.random.RandomState(seed).uniform(-1, 1, size=(n, d))


def _y(X=None):
    """Three classes that the network can learn from ``_X()``."""
    return np.argmax((_X() if X is None else X)[:, :3], axis=1)


def _fitted():
    return SigmoidMSEClassifier(**FAST).fit(_X(), _y())


def _with(X, index, value, dtype=None):
    X = X.astype(dtype or X.dtype)
    X[index] = value
    return X


@dataclass
class Case:
    """One bad input: what it is, the call, and the message it must give."""

    group: str
    name: str
    call: object
    match: str = ""  # regex the error message must contain; "" = must succeed
    warns: str = ""  # the warning a successful call must give, if any

    @property
    def expect_error(self):
        return bool(self.match)


def _fit(X, y, params=None, **kw):
    return lambda: SigmoidMSEClassifier(**{**FAST, **(params or {})}).fit(X, y, **kw)


def _predict(X, method="predict"):
    return lambda: getattr(_fitted(), method)(X)


def _partial(X, y, classes=(0, 1, 2)):
    return lambda: SigmoidMSEClassifier(**FAST).partial_fit(X, y, classes=classes)


X0, Y0 = _X(), _y()
Y0_MULTI = np.column_stack([Y0 == 0, Y0 == 1]).astype(int)


def _warm_then(y_first, y_then):
    def call():
        clf = SigmoidMSEClassifier(warm_start=True, **FAST).fit(X0, y_first)
        clf.fit(X0, y_then)

    return call


# fmt: off
CASES = [
    # --- X values
    Case("X", "NaN in X (fit)", _fit(_with(X0, (0, 0), np.nan), Y0), "Input X contains NaN"),
    Case("X", "+inf in X (fit)", _fit(_with(X0, (0, 0), np.inf), Y0), "Input X contains infinity"),
    Case("X", "-inf in X (predict)", _predict(_with(X0, (0, 0), -np.inf)), "Input X contains infinity"),
    Case("X", "NaN in X (predict_proba)", _predict(_with(X0, (1, 1), np.nan), "predict_proba"), "Input X contains NaN"),
    Case("X", "NaN in X (partial_fit)", _partial(_with(X0, (0, 0), np.nan), Y0), "Input X contains NaN"),
    Case("X", "NaN in X (transform)", lambda: FixedScaler().transform(_with(X0, (0, 0), np.nan)), "Input X contains NaN"),
    Case("X", "complex X", _fit(X0 + 1j, Y0), "Complex data not supported"),
    Case("X", "object X of numbers", _fit(X0.astype(object), Y0)),
    Case("X", "strings in X", _fit(np.full((30, 4), "a"), Y0), "could not convert string to float"),
    Case("X", "finite X near the float64 limit (predict)", _predict(np.full((3, 4), 1e308))),
    Case("X", "a row whose product overflows without NaN (predict)", _predict(np.array([[1e308, 1e308, -1e308, -1e308]]), "predict_proba")),
    Case("X", "finite X near the float64 limit (fit)", _fit(np.where(X0 > 0, 1e308, -1e308), Y0)),
    # --- shapes
    Case("shape", "empty X", _fit(np.empty((0, 4)), np.empty(0)), "0 sample"),
    Case("shape", "X with no feature", _fit(np.empty((30, 0)), Y0), "0 feature"),
    Case("shape", "1-D X", _fit(np.arange(30.0), Y0), "Expected a 2-dimensional container|Expected 2D array"),
    Case("shape", "3-D X", _fit(np.zeros((30, 2, 2)), Y0), "dim 3|3-dimensional|ndim"),
    Case("shape", "one sample", _fit(X0[:1], Y0[:1]), "at least 2 classes"),
    Case("shape", "one feature (y depends on three)", _fit(X0[:, :1], Y0), warns="PoorFitWarning"),
    Case("shape", "X and y of different lengths", _fit(X0, Y0[:20]), "inconsistent numbers of samples"),
    Case("shape", "wrong n_features at predict", _predict(X0[:, :3]), "X has 3 features, but SigmoidMSEClassifier is expecting 4"),
    Case("shape", "predict before fit", lambda: SigmoidMSEClassifier().predict(X0), "not fitted yet"),
    # --- y
    Case("y", "one class", _fit(X0, np.zeros(30)), "at least 2 classes"),
    Case("y", "NaN in y", _fit(X0, np.where(Y0 == 0, np.nan, Y0)), "Input y contains NaN"),
    Case("y", "continuous y", _fit(X0, np.linspace(0, 1, 30)), "Unknown label type: continuous"),
    Case("y", "string labels", _fit(X0, np.array(["a", "b", "c"])[Y0])),
    Case("y", "labels outside partial_fit's classes", _partial(X0, Y0 + 5), r"labels \[5, 6, 7\]"),
    Case("y", "partial_fit without classes", lambda: SigmoidMSEClassifier().partial_fit(X0, Y0), "classes must be passed"),
    Case("y", "multiclass-multioutput y (pairs of labels)", _fit(X0, np.array([["a", "b"], ["b", "c"], ["a", "c"]] * 10)), "y is multiclass-multioutput"),
    Case("y", "±1 indicator matrix", _fit(X0, np.where(Y0_MULTI, 1, -1)), r"entries must be 0 \(label absent\) or 1"),
    Case("y", "sparse multilabel indicator", _fit(X0, sp.csr_matrix(Y0_MULTI))),
    Case("y", "partial_fit with classes=[]", _partial(X0, Y0, classes=[]), "classes must list at least one class"),
    Case("y", "multilabel partial_fit with classes=[7, 8]", _partial(X0, Y0_MULTI, classes=[7, 8]), r"classes are the label indices \[0, 1\]"),
    Case("y", "labels mixing strings and numbers", _fit(X0, np.array(["a", 1, 2] * 10, dtype=object)), r"y mixes labels of different types: number \(1\), str \('a'\)"),
    Case("y", "None among the labels", _fit(X0, np.array(["a", "b", None] * 10, dtype=object)), "y has 10 missing label"),
    Case("y", "warm start from multilabel to binary y", _warm_then(Y0_MULTI, Y0_MULTI[:, 0]), "fitted on a multilabel indicator of 2 labels, and y holds the classes"),
    # --- sample_weight
    Case("sample_weight", "negative weights", _fit(X0, Y0, sample_weight=-np.ones(30)), "Negative values in data passed to `sample_weight`"),
    Case("sample_weight", "all-zero weights", _fit(X0, Y0, sample_weight=np.zeros(30)), "at least one non-zero|positive sum"),
    Case("sample_weight", "wrongly shaped weights", _fit(X0, Y0, sample_weight=np.ones(7)), r"sample_weight.shape == \(7,\), expected \(30,\)"),
    Case("sample_weight", "NaN weight", _fit(X0, Y0, sample_weight=np.r_[np.nan, np.ones(29)]), "Input sample_weight contains NaN"),
    Case("sample_weight", "every weight times 1e308", _fit(X0, Y0, sample_weight=np.full(30, 1e308))),
    Case("sample_weight", "every weight 1e-320 (subnormal)", _fit(X0, Y0, sample_weight=np.full(30, 1e-320)), "sample_weight is too small"),
    Case("sample_weight", "float32 X, every weight 1e300", _fit(X0.astype(np.float32), Y0, sample_weight=np.full(30, 1e300))),
    Case("sample_weight", "weight on one row only, with early stopping", _fit(X0, Y0, params=dict(early_stopping=True, validation_fraction=0.5), sample_weight=np.r_[1.0, np.zeros(29)]), "part of the split .* has sample_weight zero on every row"),
    Case("sample_weight", "an infinite weight", _fit(X0, Y0, sample_weight=np.r_[np.inf, np.ones(29)]), "Input sample_weight contains infinity"),
    # --- parameters
    Case("parameters", "early_stopping on 3 rows", _fit(X0[:3], Y0[:3], params=dict(early_stopping=True)), "early_stopping=True cannot hold out validation_fraction=0.1"),
    Case("parameters", "early_stopping with validation_fraction=0.99", _fit(X0, Y0, params=dict(early_stopping=True, validation_fraction=0.99)), "validation_fraction=0.99"),
    Case("parameters", "partial_fit with early_stopping=True", lambda: SigmoidMSEClassifier(early_stopping=True).partial_fit(X0, Y0, classes=[0, 1, 2]), "partial_fit does not support early_stopping"),
    Case("parameters", "hidden_layer_sizes=(0,)", _fit(X0, Y0, params=dict(hidden_layer_sizes=(0,))), "hidden_layer_sizes must be a positive integer"),
    Case("parameters", "hidden_layer_sizes=()", _fit(X0, Y0, params=dict(hidden_layer_sizes=())), "hidden_layer_sizes must be a positive integer"),
    Case("parameters", "negative learning_rate", _fit(X0, Y0, params=dict(learning_rate=-1.0)), r"'learning_rate' parameter .* must be a float in the range \(0\.0, inf\)"),
    Case("parameters", "hidden_layer_sizes=np.array(5) (a 0-d array)", _fit(X0, Y0, params=dict(hidden_layer_sizes=np.array(5))), "hidden_layer_sizes must be a positive integer"),
    Case("parameters", "max_iter=True", _fit(X0, Y0, params=dict(max_iter=True)), "'max_iter' parameter .* got the bool True"),
    Case("parameters", "max_iter=0", _fit(X0, Y0, params=dict(max_iter=0)), "'max_iter' parameter"),
    Case("parameters", "validation_fraction=1.5", _fit(X0, Y0, params=dict(early_stopping=True, validation_fraction=1.5)), "'validation_fraction' parameter"),
    Case("parameters", "learning_rate='adaptive' (an MLPClassifier schedule)", _fit(X0, Y0, params=dict(learning_rate="adaptive")), "the step size, called learning_rate_init in MLPClassifier"),
    Case("parameters", "learning_rate=100 (saturates every unit)", _fit(X0, Y0, params=dict(learning_rate=100.0)), warns="PoorFitWarning"),
    Case("parameters", "absurd learning_rate=1e308", _fit(X0, Y0, params=dict(learning_rate=1e308)), "diverged: a weight reached .* Lower learning_rate"),
    Case("parameters", "FixedScaler(scale=0)", lambda: FixedScaler(scale=0).transform(X0), "scale must be non-zero"),
    Case("parameters", "FixedScaler with a center per feature of the wrong length", lambda: FixedScaler(center=[1, 2]).transform(X0), r"center must be a scalar or have shape \(n_features,\)"),
    Case("parameters", "FixedScaler(center='a')", lambda: FixedScaler(center="a").fit(X0), "'center' parameter"),
]
# fmt: on


def outcome(case):
    """Run a case; return ``(error class name, message)``, ``("ok", "")``, or for a
    result given with warnings ``("ok", "Name: message; ...")``."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            case.call()
        except (ValueError, TypeError, NotFittedError) as exc:
            return type(exc).__name__, str(exc)
    return "ok", "; ".join(f"{w.category.__name__}: {w.message}" for w in caught)


def cell(text):
    text = " ".join(text.split())
    if len(text) > 110:
        text = text[:107] + "..."
    return text.replace("|", "\\|")


def render_table(outcomes, fuzz_count):
    """The README's table, from live outcomes ``{case name: (kind, message)}``."""
    lines = [
        "| input | outcome | message (start) |",
        "|---|---|---|",
    ]
    for case in CASES:
        kind, message = outcomes[case.name]
        if kind != "ok":
            result = f"`{kind}`"
        elif message:
            result = f"correct result, `{message.split(':')[0]}`"
        else:
            result = "correct result"
        lines.append(f"| {case.group}: {case.name} | {result} | {cell(message)} |")
    lines.append("")
    lines.append(
        f"Fuzzing (hypothesis, derandomized): {fuzz_count} random inputs over shapes, "
        "dtypes, label sets and values; every one ended in a clear `ValueError`/"
        "`TypeError` or a valid result, with no warning but a `ConvergenceWarning` "
        "(random labels: the model learns nothing, and says so), no input changed "
        "and no crash."
    )
    return "\n".join(lines)


if __name__ == "__main__":
    print(render_table({case.name: outcome(case) for case in CASES}, FUZZ_EXAMPLES))
