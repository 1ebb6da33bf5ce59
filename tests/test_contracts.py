"""Contracts at the edges: all-or-nothing fits, every kind of target, weights and
hold-outs, MLPClassifier's attribute contract (run beside MLPClassifier), safe
loading and serving, overflow."""

import functools
import threading
import warnings

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.exceptions import ConvergenceWarning, NotFittedError
from sklearn.neural_network import MLPClassifier
from test_persistence_display import onnx_run

from sklearn_sigmoid_mlp import SigmoidMSEClassifier, skops_trusted_types

FAST = dict(learning_rate=5.0, tol=1e-3, random_state=0)


def learnable(n_features, n=60, seed=0):
    X = np.random.RandomState(seed).uniform(-1, 1, size=(n, n_features))
    return X, np.argmax(X[:, :3], axis=1)


def fitted_state(clf):
    return {k: v for k, v in vars(clf).items() if k.endswith("_") or k[0] == "_"}


def assert_same_state(a, b):
    assert a.keys() == b.keys()
    for key in a:
        if isinstance(a[key], list):
            for p, q in zip(a[key], b[key]):
                np.testing.assert_array_equal(p, q)
        else:
            np.testing.assert_array_equal(a[key], b[key])


# --- a fit is all or nothing ---------------------------------------------------------


def test_a_warning_turned_error_after_a_refit_leaves_the_whole_new_model():
    X4, y = learnable(4)
    X6, y6 = learnable(6)
    clf = SigmoidMSEClassifier(**FAST).fit(X4, y)
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        with pytest.raises(ConvergenceWarning):
            clf.set_params(max_iter=2).fit(X6, y6)
    assert clf.n_features_in_ == clf.coefs_[0].shape[0] == 6
    assert clf.n_iter_ == 2
    clf.predict(X6)


def test_a_fit_that_fails_after_training_keeps_the_old_model(monkeypatch):
    X4, y = learnable(4)
    X6, y6 = learnable(6)
    clf = SigmoidMSEClassifier(**FAST).fit(X4, y)
    before, predicted = fitted_state(clf), clf.predict_proba(X4)
    trained = []

    def fail_after_training(self, backend, batch, *args):
        trained.append(len(batch.weights))
        raise MemoryError("no room for the fitted attributes")

    monkeypatch.setattr(SigmoidMSEClassifier, "_fitted_state", fail_after_training)
    with pytest.raises(MemoryError):
        clf.fit(X6, y6)
    assert trained == [2]  # the failure came after all the epochs
    assert_same_state(fitted_state(clf), before)
    np.testing.assert_array_equal(clf.predict_proba(X4), predicted)


class _PredictsMidFit(SigmoidMSEClassifier):
    """Predicts from another thread while its own refit is at epoch 5."""

    def _on_epoch_end(self, epoch, loss):
        if epoch == 5 and hasattr(self, "seen"):
            worker = threading.Thread(
                target=lambda: self.seen.append(self.predict_proba(self.old_X))
            )
            worker.start()
            worker.join()


def test_predictions_during_a_refit_use_the_old_model_whole():
    X4, y = learnable(4)
    X6, y6 = learnable(6)
    clf = _PredictsMidFit(**FAST).fit(X4, y)
    expected = clf.predict_proba(X4)
    clf.seen, clf.old_X = [], X4
    clf.fit(X6, y6)  # predicts on 4 features at its epoch 5
    assert len(clf.seen) == 1
    np.testing.assert_array_equal(clf.seen[0], expected)
    assert clf.n_features_in_ == 6


def test_predictions_racing_refits_come_from_one_whole_model():
    X, y = learnable(4, n=200)
    models = [
        SigmoidMSEClassifier(hidden_layer_sizes=(h,), **FAST).fit(X, y) for h in (5, 9)
    ]
    answers = [m.predict_proba(X) for m in models]
    clf = SigmoidMSEClassifier(hidden_layer_sizes=(5,), **FAST).fit(X, y)
    done, seen = threading.Event(), []

    def predict_until_done():
        while not done.is_set():
            seen.append(clf.predict_proba(X))

    reader = threading.Thread(target=predict_until_done)
    reader.start()
    for h in (9, 5, 9, 5, 9):
        clf.set_params(hidden_layer_sizes=(h,)).fit(X, y)
    done.set()
    reader.join()
    assert seen
    for proba in seen:
        assert any(np.array_equal(proba, a) for a in answers)


def test_concurrent_fits_of_one_object_end_in_one_whole_model():
    X4, y = learnable(4)
    X6, y6 = learnable(6)
    data = {4: (X4, y), 6: (X6, y6)}
    alone = {n: SigmoidMSEClassifier(**FAST).fit(*data[n]) for n in data}
    clf = SigmoidMSEClassifier(**FAST)
    fits = [threading.Thread(target=clf.fit, args=data[n]) for n in data]
    for fit in fits:
        fit.start()
    for fit in fits:
        fit.join()
    winner = alone[clf.n_features_in_]
    assert_same_state(fitted_state(clf), fitted_state(winner))


# --- every kind of target ------------------------------------------------------------


@pytest.mark.parametrize(
    "y",
    [
        np.array([["a", "b"], ["b", "c"], ["a", "c"]] * 20),
        np.random.RandomState(0).randint(0, 3, size=(60, 3)),
    ],
    ids=["string-pairs", "int-matrix"],
)
@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_multiclass_multioutput_y_is_refused_naming_y(y):
    X, _ = learnable(4)
    with pytest.raises(ValueError, match="y is multiclass-multioutput"):
        SigmoidMSEClassifier(**FAST).fit(X, y)
    with pytest.raises(ValueError, match="not supported with label binarization"):
        MLPClassifier(max_iter=5).fit(X, y)  # refused there too


def test_a_plus_minus_one_indicator_is_refused_naming_y():
    X, y = learnable(4)
    Y = np.column_stack([y == 0, y == 1]).astype(int)
    with pytest.raises(ValueError, match=r"entries must be 0 .* or 1 .* \[-1, 1\]"):
        SigmoidMSEClassifier(**FAST).fit(X, np.where(Y, 1, -1))


@pytest.mark.parametrize("fmt", ["csr", "csc"])
@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_a_sparse_multilabel_indicator_is_accepted(fmt):
    X, y = learnable(4)
    Y = np.column_stack([y == 0, y == 1, X[:, 3] > 0]).astype(int)
    dense = SigmoidMSEClassifier(**FAST).fit(X, Y)
    sparse = SigmoidMSEClassifier(**FAST).fit(X, sp.csr_matrix(Y).asformat(fmt))
    assert_same_state(fitted_state(sparse), fitted_state(dense))
    MLPClassifier(max_iter=5).fit(X, sp.csr_matrix(Y))  # accepted there too


def test_partial_fit_with_empty_classes_names_classes():
    X, y = learnable(4)
    with pytest.raises(ValueError, match="classes must list at least one class"):
        SigmoidMSEClassifier().partial_fit(X, y, classes=[])


def test_a_warm_start_from_multilabel_to_binary_names_the_change():
    X, y = learnable(4)
    Y = np.column_stack([y == 0, y == 1]).astype(int)
    clf = SigmoidMSEClassifier(warm_start=True, **FAST).fit(X, Y)
    with pytest.raises(ValueError, match=r"multilabel indicator of 2 labels, and y "):
        clf.fit(X, Y[:, 0])


# --- weights and hold-outs -----------------------------------------------------------


@pytest.mark.parametrize("factor", [1e308, 1e-300])
def test_the_scale_of_sample_weight_does_not_change_the_model(factor):
    X, y = learnable(4)
    w = np.random.RandomState(1).uniform(0.5, 1.5, size=len(y))
    reference = SigmoidMSEClassifier(**FAST).fit(X, y, sample_weight=w)
    scaled = SigmoidMSEClassifier(**FAST).fit(X, y, sample_weight=w / 1.5 * factor)
    assert scaled.n_iter_ == reference.n_iter_
    np.testing.assert_allclose(scaled.loss_curve_, reference.loss_curve_, rtol=1e-12)
    unit = SigmoidMSEClassifier(**FAST).fit(X, y)
    ones = SigmoidMSEClassifier(**FAST).fit(X, y, sample_weight=np.full(60, factor))
    np.testing.assert_allclose(ones.coefs_[0], unit.coefs_[0], rtol=1e-12)


def test_weights_too_small_to_scale_are_refused_naming_sample_weight():
    X, y = learnable(4)
    with pytest.raises(ValueError, match="sample_weight is too small"):
        SigmoidMSEClassifier(**FAST).fit(X, y, sample_weight=np.full(60, 1e-320))


@pytest.mark.parametrize("n_rows, fraction", [(3, 0.1), (60, 0.99)])
def test_a_hold_out_that_cannot_be_made_names_validation_fraction(n_rows, fraction):
    X, y = learnable(4)
    X, y = X[:n_rows], np.arange(n_rows) % 2
    clf = SigmoidMSEClassifier(early_stopping=True, validation_fraction=fraction)
    with pytest.raises(ValueError, match=rf"validation_fraction={fraction}") as info:
        clf.fit(X, y)
    assert "early_stopping" in str(info.value)


# --- MLPClassifier's attribute contract, side by side --------------------------------


def both(**params):
    mlp = dict(solver="sgd", learning_rate_init=0.7, random_state=0)
    ours = dict(random_state=0)
    return MLPClassifier(**mlp, **params), SigmoidMSEClassifier(**ours, **params)


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_warm_start_n_iter_and_loss_curve_as_mlpclassifier():
    X, y = learnable(4)
    for model in both(max_iter=3, warm_start=True):
        model.fit(X, y).fit(X, y)
        assert (model.n_iter_, len(model.loss_curve_)) == (3, 6), type(model)


def test_partial_fit_n_iter_and_loss_curve_as_mlpclassifier():
    X, y = learnable(4)
    for model in both():
        for _ in range(4):
            model.partial_fit(X, y, classes=[0, 1, 2])
        assert (model.n_iter_, len(model.loss_curve_)) == (1, 4), type(model)


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_early_stopping_attributes_as_mlpclassifier():
    X, y = learnable(4, n=100)
    for model in both(max_iter=3, early_stopping=True, warm_start=True):
        model.fit(X, y)
        assert model.best_loss_ is None, type(model)
        model.fit(X, y)
        assert len(model.validation_scores_) == 6, type(model)
        assert 0 <= model.best_validation_score_ <= 1


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_n_iter_no_change_accepts_inf_as_mlpclassifier():
    X, y = learnable(4)
    for model in both(max_iter=3, n_iter_no_change=np.inf, tol=1e9):
        assert model.fit(X, y).n_iter_ == 3, type(model)


# --- safe loading and serving --------------------------------------------------------


def test_a_tampered_skops_file_is_refused_by_the_documented_recipe(tmp_path):
    sio = pytest.importorskip("skops.io")
    X, y = learnable(4)
    clf = SigmoidMSEClassifier(**FAST).fit(X, y)
    good = tmp_path / "model.skops"
    sio.dump(clf, good)
    loaded = sio.load(good, trusted=skops_trusted_types())
    np.testing.assert_array_equal(loaded.predict(X), clf.predict(X))

    target = tmp_path / "created-by-the-file"
    clf.__sklearn_tags__ = functools.partial(open, target, "w")
    bad = tmp_path / "tampered.skops"
    sio.dump(clf, bad)
    assert "functools.partial" in sio.get_untrusted_types(file=bad)
    with pytest.raises(sio.exceptions.UntrustedTypesFoundException):
        sio.load(bad, trusted=skops_trusted_types())
    assert not target.exists()


def test_onnx_export_of_an_unfitted_model_raises_not_fitted():
    pytest.importorskip("skl2onnx")
    with pytest.raises(NotFittedError):
        onnx_run(SigmoidMSEClassifier(), np.zeros((1, 4), np.float32))


def test_onnx_rows_whose_outputs_underflow_are_uniform():
    X, y = learnable(4)
    X = X.astype(np.float32)
    clf = SigmoidMSEClassifier(**FAST).fit(X, y)
    clf.intercepts_[-1][:] = -1e4  # every output underflows to 0
    _, proba = onnx_run(clf, X[:3])
    np.testing.assert_array_equal(proba, np.full((3, 3), 1 / 3, np.float32))
    np.testing.assert_array_equal(proba, clf.predict_proba(X[:3]))


def test_onnx_keeps_uint64_labels_above_2_to_the_63():
    X, y = learnable(4)
    X = X.astype(np.float32)
    labels = np.array([2**63 + 5, 2**64 - 1, 7], dtype=np.uint64)[y]
    clf = SigmoidMSEClassifier(**FAST).fit(X, labels)
    predicted, _ = onnx_run(clf, X)
    assert predicted.dtype == np.uint64
    np.testing.assert_array_equal(predicted, clf.predict(X))


# --- overflow ------------------------------------------------------------------------


def test_a_row_whose_product_overflows_without_nan_gets_the_exact_limit():
    X, y = learnable(8)
    clf = SigmoidMSEClassifier(**FAST).fit(X, y)
    clf.coefs_[0][:] = 1.0  # every hidden unit sums the row
    clf.intercepts_[0][:] = 0.0
    row = np.array([[1e308] * 4 + [-1e308] * 4])  # exact sum 0: hidden units 0.5
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        proba = clf.predict_proba(row)
    hidden = np.full((1, clf.coefs_[0].shape[1]), 0.5)
    out = 1 / (1 + np.exp(-(hidden @ clf.coefs_[1] + clf.intercepts_[1])))
    np.testing.assert_allclose(proba, out / out.sum(), rtol=1e-12)
