"""A fit never silently hands back a model that learned nothing (issue: plateaus,
saturation, early stopping with its defaults, MLPClassifier's learning_rate habit).

The cases are the ones users met on their first day, on digits scaled by
FixedScaler with a stratified 25 % hold-out.
"""

import re
import warnings

import numpy as np
import pytest
from scipy.special import expit
from sklearn.datasets import load_breast_cancer, load_iris, load_wine
from sklearn.exceptions import ConvergenceWarning
from sklearn.metrics import accuracy_score, balanced_accuracy_score
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import LabelBinarizer, StandardScaler
from sklearn.utils._param_validation import InvalidParameterError

from sklearn_sigmoid_mlp import FixedScaler, PoorFitWarning, SigmoidMSEClassifier

# The message gives the numbers, then one cause and the remedy for it. What it
# compares with the class frequencies is the loss (a newcomer read it as the
# accuracy of a model at 38.7 %).
NUMBERS = (
    r"The fitted model is poor: (it predicts .* classes; )?with the weights of epoch "
    r"\d+ of this fit its squared-error loss on the training rows is [\d.]+, "
    r"(barely lower|higher) than [\d.]+ for predicting the class frequencies "
    r"\(loss_reduction_ = -?0\.\d{3}"
)
PLATEAU = NUMBERS + r".*a plateau.*smaller tol .*larger n_iter_no_change"


def _poor_fit_messages(fit):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fit()
    return [str(w.message) for w in caught if w.category is PoorFitWarning]


@pytest.fixture(scope="module")
def split(digits):
    X, y = digits
    return train_test_split(
        FixedScaler().transform(X), y, test_size=0.25, stratify=y, random_state=0
    )


# Every row predicted as "rest": said.
IMBALANCED = NUMBERS.replace(
    "(it predicts .* classes; )?",
    "it predicts False for every training row, although y holds 2 classes; ",
) + (
    r".*The classes are imbalanced \(90% of the rows hold the most frequent one\).*"
    r"improved by less than tol=0.0001.*class_weight='balanced'.*smaller tol"
)


@pytest.mark.parametrize("seed, digit", [(0, 3), (1, 3), (2, 8)])
def test_one_digit_against_the_rest_warns_and_names_both_remedies(split, seed, digit):
    X_train, X_test, y_train, y_test = split
    stuck = SigmoidMSEClassifier(random_state=seed)
    with pytest.warns(PoorFitWarning, match=IMBALANCED):
        stuck.fit(X_train, y_train == digit)
    assert stuck.loss_reduction_ < 0.1
    assert balanced_accuracy_score(y_test == digit, stuck.predict(X_test)) == 0.5

    for remedy in (dict(tol=1e-6), dict(class_weight="balanced")):
        remedied = SigmoidMSEClassifier(random_state=seed, **remedy)
        assert not _poor_fit_messages(
            lambda model=remedied: model.fit(X_train, y_train == digit)
        )
        score = balanced_accuracy_score(y_test == digit, remedied.predict(X_test))
        assert score > 0.88, remedy  # 0.898 to 0.958 measured


@pytest.mark.parametrize("hidden", [(30, 20), (30, 20, 10)])
def test_deeper_networks_on_a_plateau_warn(split, hidden):
    X_train, X_test, y_train, y_test = split
    clf = SigmoidMSEClassifier(hidden_layer_sizes=hidden, random_state=0)
    with pytest.warns(PoorFitWarning, match=PLATEAU):
        clf.fit(X_train, y_train)
    assert clf.n_iter_ < 50 and accuracy_score(y_test, clf.predict(X_test)) < 0.35


def test_a_larger_n_iter_no_change_trains_past_the_plateau(split):
    # The message's other remedy, on the (30, 20) plateau above.
    X_train, X_test, y_train, y_test = split
    clf = SigmoidMSEClassifier(
        hidden_layer_sizes=(30, 20), n_iter_no_change=100, random_state=0
    )
    assert not _poor_fit_messages(lambda: clf.fit(X_train, y_train))
    assert clf.loss_reduction_ > 0.8
    assert accuracy_score(y_test, clf.predict(X_test)) > 0.9


@pytest.mark.parametrize("learning_rate", [100, 1e6])
def test_a_step_that_saturates_every_unit_warns_naming_learning_rate(
    split, learning_rate
):
    X_train, _, y_train, _ = split
    clf = SigmoidMSEClassifier(learning_rate=learning_rate, random_state=0)
    with pytest.warns(
        PoorFitWarning,
        match=NUMBERS + r".*100% of the outputs on the training rows are saturated.*"
        rf"smaller learning_rate \(now {learning_rate}",
    ) as record:
        clf.fit(X_train, y_train)
    # Its loss (0.5) is above the constant prediction's (0.45): said so.
    assert re.search(
        r"higher than [\d.]+ for predicting the class frequencies",
        str(record[0].message),
    )
    assert "plateau" not in str(record[0].message)
    assert "for every training row" in str(record[0].message)  # one class
    hidden = expit(X_train @ clf.coefs_[0] + clf.intercepts_[0])
    out = expit(hidden @ clf.coefs_[1] + clf.intercepts_[1])
    assert np.all(out * (1 - out) < 1e-3)  # every output unit saturated
    assert np.mean(hidden * (1 - hidden) < 1e-3) > 0.8


def test_max_iter_and_warm_start_warn_too(split):
    X_train, _, y_train, _ = split
    clf = SigmoidMSEClassifier(
        hidden_layer_sizes=(30, 20), max_iter=20, tol=0, warm_start=True
    )
    for epochs in (20, 40):
        with pytest.warns(ConvergenceWarning) as record:
            clf.set_params(random_state=0).fit(X_train, y_train)
        assert len(clf.loss_curve_) == epochs
        kinds = [w.category for w in record]
        assert kinds == [ConvergenceWarning, PoorFitWarning]
        assert "raise max_iter" in str(record[0].message)
        assert "cut by max_iter=20 before the loss" in str(record[1].message)
        # Epochs are numbered in each call, as n_iter_.
        assert "weights of epoch 20 of this fit" in str(record[1].message)


def test_max_iter_is_the_remedy_when_it_cut_training(split):
    X_train, X_test, y_train, y_test = split
    cut = SigmoidMSEClassifier(max_iter=50, tol=0, random_state=0)
    with pytest.warns(ConvergenceWarning) as record:
        cut.fit(X_train, y_train)
    (message,) = [str(w.message) for w in record if w.category is PoorFitWarning]
    assert re.search(NUMBERS + r".*cut by max_iter=50.*raise max_iter\.$", message)
    assert "tol" not in message.split("Training was cut")[1]
    longer = SigmoidMSEClassifier(max_iter=1000, tol=0, random_state=0)
    assert not _poor_fit_messages(lambda: longer.fit(X_train, y_train))
    assert accuracy_score(y_test, longer.predict(X_test)) > 0.9


def test_unscaled_features_are_named_and_standard_scaling_is_the_remedy():
    X, y = load_wine(return_X_y=True)
    X_train, X_test, y_train, y_test = train_test_split(
        X, y, stratify=y, random_state=0
    )
    (message,) = _poor_fit_messages(
        lambda: SigmoidMSEClassifier(random_state=0).fit(X_train, y_train)
    )
    assert re.search(
        NUMBERS + r".*features reach \|x\| = 1[0-9]{3}\b.*"
        r"StandardScaler",
        message,
    )
    # No figure from digits on other data.
    assert "0.81" not in message and "digits" not in message
    scaled = make_pipeline(StandardScaler(), SigmoidMSEClassifier(random_state=0))
    assert not _poor_fit_messages(lambda: scaled.fit(X_train, y_train))
    assert accuracy_score(y_test, scaled.predict(X_test)) > 0.9


def test_early_stopping_with_its_defaults_learns(split):
    X_train, X_test, y_train, y_test = split
    for seed in (0, 1):
        clf = SigmoidMSEClassifier(early_stopping=True, random_state=seed)
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            clf.fit(X_train, y_train)
        assert accuracy_score(y_test, clf.predict(X_test)) >= 0.9
        assert clf.n_iter_ > 100


def test_early_stopping_stuck_on_a_plateau_warns_about_the_validation_loss(split):
    X_train, _, y_train, _ = split
    clf = SigmoidMSEClassifier(
        hidden_layer_sizes=(30, 20, 10), early_stopping=True, random_state=0
    )
    with pytest.warns(PoorFitWarning, match=r"validation loss improved by less"):
        clf.fit(X_train, y_train)


def test_a_string_learning_rate_says_what_learning_rate_is_here(split):
    X_train, _, y_train, _ = split
    for schedule in ("adaptive", "constant", "invscaling"):
        with pytest.raises(
            InvalidParameterError,
            match=r"'learning_rate' parameter .* must be a float .* the step size, "
            r"called learning_rate_init in MLPClassifier\. Got '\w+' instead\. "
            r"There is no learning-rate schedule",
        ):
            SigmoidMSEClassifier(learning_rate=schedule).fit(X_train, y_train)


# --- silent when healthy ---------------------------------------------------------


@pytest.mark.parametrize("seed", range(5))
def test_the_notebooks_run_gives_no_warning(digits, seed):
    X, y = digits
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        clf = SigmoidMSEClassifier(random_state=seed).fit(FixedScaler().transform(X), y)
    assert clf.loss_reduction_ > 0.79


@pytest.mark.parametrize("load", [load_iris, load_wine, load_breast_cancer])
def test_standardized_toy_sets_give_no_warning(load):
    X, y = load(return_X_y=True)
    X = StandardScaler().fit_transform(X)
    for seed in range(3):
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            clf = SigmoidMSEClassifier(random_state=seed).fit(X, y)
        assert clf.loss_reduction_ > 0.8


# --- the measure -----------------------------------------------------------------


def test_loss_reduction_is_one_minus_loss_over_the_constant_predictions_loss(split):
    X_train, _, y_train, _ = split
    clf = SigmoidMSEClassifier(max_iter=40, tol=0, random_state=0)
    with pytest.warns(ConvergenceWarning):
        clf.fit(X_train, y_train)
    Y = LabelBinarizer().fit_transform(y_train)
    prior = 0.5 * np.sum(Y.var(axis=0))  # the class frequencies' squared error
    assert clf.loss_reduction_ == pytest.approx(1 - clf.loss_ / prior, rel=1e-12)


def test_loss_reduction_weighs_rows_by_sample_weight(split):
    X_train, _, y_train, _ = split
    X, y = X_train[:400], y_train[:400] == 3
    weights = np.random.RandomState(0).randint(1, 4, size=len(y))
    params = dict(max_iter=30, tol=0, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        weighted = SigmoidMSEClassifier(**params).fit(X, y, sample_weight=weights)
        repeated = SigmoidMSEClassifier(**params).fit(
            np.repeat(X, weights, axis=0), np.repeat(y, weights)
        )
    assert weighted.loss_reduction_ == pytest.approx(repeated.loss_reduction_, 1e-9)


def test_loss_reduction_of_multilabel_targets_pools_the_labels(split):
    X_train, _, y_train, _ = split
    Y = np.column_stack([y_train % 2, y_train >= 5]).astype(int)
    clf = SigmoidMSEClassifier(max_iter=30, tol=0, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        clf.fit(X_train, Y)
    prior = 0.5 * np.sum(Y.var(axis=0))
    assert clf.loss_reduction_ == pytest.approx(1 - clf.loss_ / prior, rel=1e-12)


def test_a_poor_fit_on_wide_data_allocates_no_copy_of_X():
    # The diagnosis reads max |x| and a sample of rows: no |X|, no full forward
    # pass, and the training buffers are gone by then.
    import tracemalloc

    rng = np.random.RandomState(0)
    X = rng.normal(size=(6000, 1500))  # 69 MiB; random labels: a poor fit
    y = rng.randint(3, size=6000)
    model = SigmoidMSEClassifier(max_iter=2, tol=0, random_state=0)
    tracemalloc.start()
    try:
        base = tracemalloc.get_traced_memory()[0]
        with pytest.warns(PoorFitWarning):
            model.fit(X, y)
        peak = tracemalloc.get_traced_memory()[1] - base
    finally:
        tracemalloc.stop()
    assert peak < X.nbytes / 4
