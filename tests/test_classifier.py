"""SigmoidMSEClassifier in scikit-learn: labels, probabilities, meta-estimators."""

import pickle

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.model_selection import GridSearchCV, StratifiedKFold, cross_val_score
from sklearn.multiclass import OneVsRestClassifier
from sklearn.pipeline import make_pipeline
from sklearn.utils import estimator_html_repr

from sklearn_sigmoid_mlp import FixedScaler, SigmoidMSEClassifier

FAST = dict(max_iter=300, tol=1e-4, random_state=0)

# FAST fits stop at max_iter on purpose; the warning itself is tested in test_training.
pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")


@pytest.fixture
def data(digits):
    X, y = digits
    return (X[:400] - 8) / 8, y[:400]


def test_multiclass_probabilities(data):
    X, y = data
    clf = SigmoidMSEClassifier(**FAST).fit(X, y)
    proba = clf.predict_proba(X)
    assert proba.shape == (len(y), 10) and clf.n_outputs_ == 10
    assert np.all(proba >= 0)
    np.testing.assert_allclose(proba.sum(axis=1), 1, rtol=1e-12)
    np.testing.assert_allclose(clf.predict_log_proba(X), np.log(proba))
    # The network's outputs, written out: proba normalises them, predict takes the
    # class of the largest.
    raw = X
    for coef, intercept in zip(clf.coefs_, clf.intercepts_):
        raw = 1 / (1 + np.exp(-(raw @ coef + intercept)))
    np.testing.assert_allclose(proba, raw / raw.sum(axis=1, keepdims=True))
    np.testing.assert_array_equal(clf.predict(X), np.unique(y)[raw.argmax(axis=1)])


def test_binary_uses_one_output_for_the_second_class(data):
    X, y = data
    labels = np.where(y < 5, "low", "high")
    clf = SigmoidMSEClassifier(**FAST).fit(X, labels)
    assert clf.n_outputs_ == 1 and clf.coefs_[-1].shape == (15, 1)
    np.testing.assert_array_equal(clf.classes_, ["high", "low"])
    proba = clf.predict_proba(X)
    assert proba.shape == (len(y), 2)
    np.testing.assert_allclose(proba.sum(axis=1), 1)
    predicted_low = proba[:, 1] > 0.5
    np.testing.assert_array_equal(clf.predict(X) == "low", predicted_low)
    assert clf.score(X, labels) > 0.9


def test_any_label_type(data):
    X, y = data
    for labels in (y * 7 + 3, np.array(list("abcdefghij"))[y], y.astype(float)):
        clf = SigmoidMSEClassifier(**FAST).fit(X, labels)
        np.testing.assert_array_equal(clf.classes_, np.unique(labels))
        assert set(clf.predict(X)) <= set(labels)
        assert clf.score(X, labels) > 0.8


def test_rows_whose_outputs_underflow_get_uniform_probabilities(data):
    X, y = data
    clf = SigmoidMSEClassifier(**FAST).fit(X, y)
    clf.intercepts_[-1][:] = -1e4  # every output is exp(-1e4) = 0 in float64
    with np.errstate(all="raise"):
        proba = clf.predict_proba(X[:3])
    np.testing.assert_array_equal(proba, np.full((3, 10), 0.1))


def test_float32_stays_float32(data):
    X, y = data
    clf = SigmoidMSEClassifier(**FAST).fit(X.astype(np.float32), y)
    assert all(c.dtype == np.float32 for c in clf.coefs_ + clf.intercepts_)
    assert clf.predict_proba(X.astype(np.float32)).dtype == np.float32
    ref = SigmoidMSEClassifier(**FAST).fit(X, y)
    np.testing.assert_allclose(clf.loss_curve_, ref.loss_curve_, rtol=1e-4)


def test_input_arrays_are_not_modified(data):
    X, y = data
    X_copy, y_copy = X.copy(), y.copy()
    clf = SigmoidMSEClassifier(**FAST).fit(X, y)
    clf.predict_proba(X)
    np.testing.assert_array_equal(X, X_copy)
    np.testing.assert_array_equal(y, y_copy)


def test_verbose_prints_one_line_per_epoch(data, capsys):
    X, y = data
    clf = SigmoidMSEClassifier(max_iter=200, verbose=True, random_state=0).fit(X, y)
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == clf.n_iter_
    assert lines[0] == f"Iteration 1, loss = {clf.loss_curve_[0]:.8f}"
    assert lines[-1] == f"Iteration {clf.n_iter_}, loss = {clf.loss_:.8f}"


def test_silent_by_default(data, capsys):
    X, y = data
    SigmoidMSEClassifier(**FAST).fit(X, y)
    assert capsys.readouterr().out == ""


@pytest.mark.parametrize("sizes", [(0,), (), (15, -1), (2.5,), "abc"])
def test_invalid_hidden_layer_sizes(sizes, data):
    X, y = data
    with pytest.raises((ValueError, TypeError), match="hidden_layer_sizes"):
        SigmoidMSEClassifier(hidden_layer_sizes=sizes).fit(X, y)


def test_deeper_network(data):
    X, y = data
    clf = SigmoidMSEClassifier(hidden_layer_sizes=(20, 12), **FAST).fit(X, y)
    assert [c.shape for c in clf.coefs_] == [(64, 20), (20, 12), (12, 10)]
    assert clf.n_layers_ == 4
    assert clf.loss_ < clf.initial_loss_


def test_fitted_attributes(data):
    X, y = data
    clf = SigmoidMSEClassifier(**FAST).fit(X, y)
    assert clf.n_iter_ == len(clf.loss_curve_)
    assert clf.loss_ == clf.loss_curve_[-1]
    assert clf.best_loss_ == min(clf.loss_curve_)
    assert clf.initial_loss_ > clf.loss_curve_[0]
    assert clf.out_activation_ == "logistic" and clf.n_features_in_ == 64


def test_pipeline_gridsearch_cross_val_score(digits):
    X, y = digits
    X, y = X[:500], y[:500]
    pipe = make_pipeline(FixedScaler(), SigmoidMSEClassifier(**FAST))
    search = GridSearchCV(
        pipe,
        {"sigmoidmseclassifier__hidden_layer_sizes": [(5,), (15,)]},
        cv=3,
        n_jobs=2,
    ).fit(X, y)
    assert search.best_params_["sigmoidmseclassifier__hidden_layer_sizes"] == (15,)
    assert search.best_score_ > 0.6
    scores = cross_val_score(pipe, X, y, cv=3)
    assert scores.shape == (3,) and scores.min() > 0.6
    # is_classifier makes the default cv stratified: same scores as explicit folds.
    explicit = cross_val_score(pipe, X, y, cv=StratifiedKFold(3))
    np.testing.assert_array_equal(scores, explicit)


def test_clone_and_pickle_round_trip(data):
    X, y = data
    clf = SigmoidMSEClassifier(hidden_layer_sizes=(8,), **FAST).fit(X, y)
    unfitted = clone(clf)
    assert unfitted.get_params() == clf.get_params()
    assert not hasattr(unfitted, "coefs_")
    loaded = pickle.loads(pickle.dumps(clf))
    np.testing.assert_array_equal(loaded.predict_proba(X), clf.predict_proba(X))


def test_meta_estimator(data):
    X, y = data
    ovr = OneVsRestClassifier(SigmoidMSEClassifier(**FAST)).fit(X, y)
    assert len(ovr.estimators_) == 10
    assert all(e.n_outputs_ == 1 for e in ovr.estimators_)
    assert ovr.score(X, y) > 0.6


def test_feature_names_are_kept(data):
    pd = pytest.importorskip("pandas")
    X, y = data
    frame = pd.DataFrame(X, columns=[f"pixel{i}" for i in range(64)])
    clf = SigmoidMSEClassifier(**FAST).fit(frame, y)
    np.testing.assert_array_equal(clf.feature_names_in_, frame.columns)
    with pytest.warns(UserWarning, match="feature names"):
        clf.predict(X)
    # FixedScaler passes the names on when the pipeline outputs pandas.
    pipe = make_pipeline(FixedScaler(center=0, scale=1), SigmoidMSEClassifier(**FAST))
    pipe.set_output(transform="pandas").fit(frame, y)
    np.testing.assert_array_equal(pipe[-1].feature_names_in_, frame.columns)
    np.testing.assert_array_equal(pipe.predict(frame), clf.predict(frame))


def test_html_repr():
    html = estimator_html_repr(make_pipeline(FixedScaler(), SigmoidMSEClassifier()))
    assert "SigmoidMSEClassifier" in html and "FixedScaler" in html
