"""The estimator's features on both maths paths: NumPy's in-place one and the
allocating array API one (array-api-strict), each against NumPy's result.

The two paths stay for speed (NumPy writes into buffers allocated once per fit; the
array API standard has no ``out=``), so every feature is checked on each.
"""

import numpy as np
import pytest
from sklearn import config_context

from sklearn_sigmoid_mlp import FixedScaler, PoorFitWarning, SigmoidMSEClassifier
from sklearn_sigmoid_mlp._arrays import to_numpy

strict = pytest.importorskip("array_api_strict")

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")


def numpy_input(a):
    return a


def strict_input(a):
    return None if a is None else strict.asarray(a)


PATHS = [numpy_input, strict_input]


@pytest.fixture(scope="module")
def data(digits):
    X, y = digits
    return FixedScaler().transform(X[:500]), y[:500]


def fit(to_array, params, X, y, sample_weight=None, method="fit", **kwargs):
    clf = SigmoidMSEClassifier(**params)
    with config_context(array_api_dispatch=to_array is strict_input):
        getattr(clf, method)(
            to_array(X), to_array(y), sample_weight=to_array(sample_weight), **kwargs
        )
    return clf


def predict(clf, to_array, method, X):
    with config_context(array_api_dispatch=to_array is strict_input):
        return to_numpy(getattr(clf, method)(to_array(X)))


def assert_same(est, ref):
    assert est.n_iter_ == ref.n_iter_
    np.testing.assert_allclose(est.loss_curve_, ref.loss_curve_, rtol=1e-10)
    for a, b in zip(est.coefs_ + est.intercepts_, ref.coefs_ + ref.intercepts_):
        np.testing.assert_allclose(to_numpy(a), b, rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize("to_array", PATHS)
def test_multilabel(to_array, data):
    X, y = data
    Y = np.column_stack([y % 2, y >= 5, y == 3]).astype(np.int64)
    params = dict(max_iter=40, tol=0, random_state=0)
    ref = fit(numpy_input, params, X, Y)
    est = fit(to_array, params, X, Y)
    assert_same(est, ref)
    np.testing.assert_array_equal(predict(est, to_array, "predict", X), ref.predict(X))
    np.testing.assert_allclose(
        predict(est, to_array, "predict_proba", X), ref.predict_proba(X), rtol=1e-9
    )


@pytest.mark.parametrize("to_array", PATHS)
def test_early_stopping(to_array, data):
    X, y = data
    params = dict(early_stopping=True, max_iter=60, random_state=0)
    ref = fit(numpy_input, params, X, y)
    est = fit(to_array, params, X, y)
    assert_same(est, ref)
    np.testing.assert_allclose(est.validation_loss_curve_, ref.validation_loss_curve_)
    assert est.validation_scores_ == ref.validation_scores_


@pytest.mark.parametrize("to_array", PATHS)
def test_sample_weight_and_warm_start(to_array, data):
    X, y = data
    w = np.where(y < 5, 3.0, 1.0)
    params = dict(max_iter=15, tol=0, random_state=0, warm_start=True)
    ref = fit(numpy_input, params, X, y, w)
    est = fit(to_array, params, X, y, w)
    with config_context(array_api_dispatch=to_array is strict_input):
        est.fit(to_array(X), to_array(y), sample_weight=to_array(w))
    ref.fit(X, y, sample_weight=w)
    assert_same(est, ref)
    assert est.loss_reduction_ == pytest.approx(ref.loss_reduction_, rel=1e-9)


@pytest.mark.parametrize("to_array", PATHS)
def test_partial_fit(to_array, data):
    X, y = data
    params = dict(random_state=0)
    ref = fit(numpy_input, params, X, y, method="partial_fit", classes=np.arange(10))
    est = fit(to_array, params, X, y, method="partial_fit", classes=np.arange(10))
    with config_context(array_api_dispatch=to_array is strict_input):
        est.partial_fit(to_array(X), to_array(y))
    ref.partial_fit(X, y)
    assert_same(est, ref)


@pytest.mark.parametrize("to_array", PATHS)
def test_float32_stays_float32(to_array, data):
    X, y = data
    params = dict(max_iter=20, tol=0, random_state=0)
    est = fit(to_array, params, X.astype(np.float32), y)
    ref = fit(numpy_input, params, X, y)
    assert all(to_numpy(c).dtype == np.float32 for c in est.coefs_)
    np.testing.assert_allclose(est.loss_curve_, ref.loss_curve_, rtol=1e-4)


@pytest.mark.parametrize("to_array", PATHS)
def test_underflowing_rows_get_uniform_probabilities(to_array, data):
    X, y = data
    est = fit(to_array, dict(max_iter=15, tol=1e9, random_state=0), X, y)
    xp = strict if to_array is strict_input else np
    est.intercepts_[-1] = xp.full_like(est.intercepts_[-1], -1e4)
    with np.errstate(all="raise"):
        proba = predict(est, to_array, "predict_proba", X[:3])
    np.testing.assert_array_equal(proba, np.full((3, 10), 0.1))


@pytest.mark.parametrize("to_array", PATHS)
def test_poor_fit_warns(to_array, data):
    X, y = data
    with pytest.warns(PoorFitWarning):
        fit(to_array, dict(random_state=0), X, y == 3)


@pytest.mark.parametrize("to_array", PATHS)
def test_binary_decision_function(to_array, data):
    X, y = data
    params = dict(max_iter=30, tol=0, random_state=0)
    est = fit(to_array, params, X, y >= 5)
    ref = fit(numpy_input, params, X, y >= 5)
    scores = predict(est, to_array, "decision_function", X)
    assert scores.shape == (len(y),)
    np.testing.assert_allclose(scores, ref.decision_function(X), rtol=1e-8)
