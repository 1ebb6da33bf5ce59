"""Array API dispatch: array-api-strict and torch give the numpy path's results."""

import numpy as np
import pytest
from sklearn import config_context
from sklearn.datasets import load_digits

from sklearn_sigmoid_mlp import FixedScaler, SigmoidMSEClassifier
from sklearn_sigmoid_mlp._arrays import to_numpy


def namespaces():
    """(name, to_array) for every array library installed here (CPU devices)."""
    found = []
    try:
        import array_api_strict as strict

        found.append(("array_api_strict", lambda a: strict.asarray(a)))
    except ImportError:  # pragma: no cover
        pass
    try:
        import torch

        found.append(("torch-cpu", lambda a: torch.asarray(a, device="cpu")))
        if torch.cuda.is_available():  # pragma: no cover - GPU machines only
            found.append(("torch-cuda", lambda a: torch.asarray(a, device="cuda")))
    except ImportError:
        pass
    return found


NAMESPACES = namespaces()
IDS = [name for name, _ in NAMESPACES]


def test_array_api_strict_is_installed_for_these_tests():
    assert "array_api_strict" in IDS, "the test extra installs array-api-strict"


@pytest.fixture(scope="module")
def digits_scaled():
    X, y = load_digits(return_X_y=True)
    return FixedScaler().transform(X), y


def fit_both(to_array, X, y, **params):
    ref = SigmoidMSEClassifier(**params).fit(X, y)
    with config_context(array_api_dispatch=True):
        est = SigmoidMSEClassifier(**params).fit(to_array(X), to_array(y))
    return ref, est


def max_relative(a, b):
    a, b = to_numpy(a), to_numpy(b)
    return float(np.max(np.abs(a - b) / np.maximum(np.abs(b), 1e-300)))


@pytest.mark.parametrize("name, to_array", NAMESPACES, ids=IDS)
def test_notebook_run_is_reproduced_in_every_namespace(
    name, to_array, digits_scaled, notebook, digits
):
    X, y = digits_scaled
    ref, est = fit_both(to_array, X, y, random_state=0)
    reference = notebook.run_notebook(*digits, 0)
    assert est.n_iter_ == ref.n_iter_ == reference["stop_epoch"] + 1
    np.testing.assert_allclose(est.loss_curve_, reference["loss"][1:], rtol=1e-12)
    for a, b in zip(est.coefs_ + est.intercepts_, ref.coefs_ + ref.intercepts_):
        assert type(a) is type(to_array(X)), "fitted arrays stay in X's namespace"
        assert max_relative(a, b) < 1e-10
    with config_context(array_api_dispatch=True):
        proba = est.predict_proba(to_array(X))
        labels = est.predict(to_array(X))
    assert type(proba) is type(to_array(X))
    np.testing.assert_allclose(to_numpy(proba), ref.predict_proba(X), rtol=1e-10)
    np.testing.assert_array_equal(to_numpy(labels), ref.predict(X))


@pytest.mark.parametrize("name, to_array", NAMESPACES, ids=IDS)
def test_deeper_network_float64_and_float32(name, to_array, digits_scaled):
    X, y = digits_scaled
    params = dict(hidden_layer_sizes=(20, 12), max_iter=60, tol=0, random_state=1)
    with pytest.warns(Warning, match="max_iter"):
        ref, est = fit_both(to_array, X, y, **params)
    for a, b in zip(est.coefs_, ref.coefs_):
        assert max_relative(a, b) < 1e-10
    X32 = X.astype(np.float32)
    with pytest.warns(Warning, match="max_iter"):
        ref32, est32 = fit_both(to_array, X32, y, **params)
    for a, b in zip(est32.coefs_, ref32.coefs_):
        assert to_numpy(a).dtype == np.float32
        np.testing.assert_allclose(to_numpy(a), b, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("name, to_array", NAMESPACES, ids=IDS)
def test_binary_weights_and_scaler(name, to_array, digits_scaled):
    X, y = digits_scaled
    y2 = (y >= 5).astype(np.int64)
    w = np.where(y2 == 1, 2.0, 1.0)
    params = dict(max_iter=40, tol=0, random_state=0)
    ref = SigmoidMSEClassifier(**params)
    with pytest.warns(Warning, match="max_iter"):
        ref.fit(X, y2, sample_weight=w)
    with config_context(array_api_dispatch=True):
        est = SigmoidMSEClassifier(**params)
        with pytest.warns(Warning, match="max_iter"):
            est.fit(to_array(X), to_array(y2), sample_weight=to_array(w))
        proba = est.predict_proba(to_array(X))
        scaled = FixedScaler().fit(to_array(X * 8 + 8)).transform(to_array(X * 8 + 8))
    assert max_relative(est.coefs_[0], ref.coefs_[0]) < 1e-10
    np.testing.assert_allclose(to_numpy(proba), ref.predict_proba(X), rtol=1e-10)
    np.testing.assert_allclose(to_numpy(scaled), X, atol=1e-15)


def test_dispatch_off_changes_nothing(digits_scaled):
    X, y = digits_scaled
    a = SigmoidMSEClassifier(max_iter=30, tol=1e9, random_state=0).fit(X, y)
    with config_context(array_api_dispatch=True):
        b = SigmoidMSEClassifier(max_iter=30, tol=1e9, random_state=0).fit(X, y)
        assert isinstance(b.predict_proba(X), np.ndarray)
    for p, q in zip(a.coefs_, b.coefs_):
        np.testing.assert_array_equal(p, q)


def test_other_namespace_at_predict_is_refused(digits_scaled):
    strict = pytest.importorskip("array_api_strict")
    X, y = digits_scaled
    with config_context(array_api_dispatch=True):
        est = SigmoidMSEClassifier(max_iter=20, tol=1e9).fit(strict.asarray(X), y)
        with pytest.raises(ValueError, match="namespace"):
            est.predict(X)
