"""ONNX export at the edges: which constants a scaler exports, integer input, and
unfitted models, each checked against the estimator's own methods."""

import numpy as np
import pytest
from sklearn.datasets import load_digits
from sklearn.exceptions import NotFittedError
from sklearn.neural_network import MLPClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from sklearn_sigmoid_mlp import FixedScaler, SigmoidMSEClassifier

# The imports below need the onnx extra: skip the module without it.
pytest.importorskip("skl2onnx")
pytest.importorskip("onnxruntime")

import onnxruntime as rt
from skl2onnx import to_onnx

import sklearn_sigmoid_mlp.onnx  # noqa: F401  (registers the converters)

# Converges (tol reached) in about a hundred epochs, without a warning.
FAST = dict(learning_rate=5.0, tol=1e-3, random_state=0)
NO_ZIPMAP = {SigmoidMSEClassifier: {"zipmap": False}}


def digits(dtype, n=300):
    X, y = load_digits(return_X_y=True)
    return X[:n].astype(dtype), y[:n]


def export(model, X, options=None):
    return to_onnx(model, X[:1], options=options, target_opset=17)


def run(onx, X):
    session = rt.InferenceSession(
        onx.SerializeToString(), providers=["CPUExecutionProvider"]
    )
    return session.run(None, {session.get_inputs()[0].name: X})


# --- FixedScaler: the constants it applies -------------------------------------------


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_onnx_of_a_fitted_scaler_applies_the_fitted_constants(dtype):
    X, _ = digits(dtype)
    scaler = FixedScaler().fit(X)
    scaler.set_params(center=0.0, scale=2.0)  # not refitted: transform keeps 8, 8
    (out,) = run(export(scaler, X), X)
    assert out.dtype == dtype
    np.testing.assert_allclose(out, scaler.transform(X), rtol=1e-6)
    np.testing.assert_allclose(out, (X - 8) / 8, rtol=1e-6)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_onnx_of_an_unfitted_scaler_applies_its_parameters(dtype):
    X, _ = digits(dtype)
    center = np.linspace(0.0, 16.0, X.shape[1])
    scaler = FixedScaler(center=center, scale=4.0)
    (out,) = run(export(scaler, X), X)
    assert out.dtype == dtype
    np.testing.assert_allclose(out, scaler.transform(X), rtol=1e-6)


def test_onnx_export_of_an_unfitted_scaler_checks_its_parameters_as_transform():
    X, _ = digits(np.float32)
    scaler = FixedScaler(scale=0.0)
    with pytest.raises(ValueError, match="scale must be non-zero"):
        scaler.transform(X)
    with pytest.raises(ValueError, match="scale must be non-zero"):
        export(scaler, X)


# --- integer input -------------------------------------------------------------------


@pytest.mark.parametrize("dtype", [np.int64, np.int32, np.uint8])
@pytest.mark.parametrize("fitted", [False, True])
def test_onnx_of_the_scaler_on_integer_input_divides_in_floating_point(dtype, fitted):
    X, _ = digits(dtype)
    scaler = FixedScaler().fit(X) if fitted else FixedScaler()
    (out,) = run(export(scaler, X), X)
    # Integer input is computed in float32, as skl2onnx's own converters do; the
    # digits' values and (x - 8) / 8 are exact in float32.
    assert out.dtype == np.float32
    np.testing.assert_array_equal(out, scaler.transform(X))
    np.testing.assert_array_equal(out[0, :4], [-1, -1, -0.375, 0.625])


@pytest.fixture(scope="module")
def integer_pipeline():
    X, y = digits(np.int64)
    return make_pipeline(FixedScaler(), SigmoidMSEClassifier(**FAST)).fit(X, y)


@pytest.mark.parametrize("dtype", [np.int64, np.int32])
def test_onnx_of_a_pipeline_on_integer_input_matches_predict(integer_pipeline, dtype):
    X, _ = digits(dtype)
    labels, proba = run(export(integer_pipeline, X, NO_ZIPMAP), X)
    assert proba.dtype == np.float32
    np.testing.assert_array_equal(labels, integer_pipeline.predict(X))
    np.testing.assert_allclose(
        proba, integer_pipeline.predict_proba(X), rtol=1e-5, atol=1e-7
    )


def test_onnx_of_a_pipeline_on_integer_input_with_zipmap(integer_pipeline):
    X, _ = digits(np.int64)
    labels, dicts = run(export(integer_pipeline, X), X)
    np.testing.assert_array_equal(labels, integer_pipeline.predict(X))
    proba = np.array([[row[c] for c in integer_pipeline.classes_] for row in dicts])
    np.testing.assert_allclose(
        proba, integer_pipeline.predict_proba(X), rtol=1e-5, atol=1e-7
    )


def test_onnx_on_integer_input_declares_the_types_mlpclassifier_declares(
    integer_pipeline,
):
    X, y = digits(np.int64)
    # A large tol stops MLPClassifier after n_iter_no_change epochs, without warning.
    mlp = make_pipeline(
        StandardScaler(), MLPClassifier((5,), tol=10.0, random_state=0)
    ).fit(X, y)
    ours = export(integer_pipeline, X, NO_ZIPMAP).graph
    theirs = export(mlp, X, {MLPClassifier: {"zipmap": False}}).graph
    assert [i.type for i in ours.input] == [i.type for i in theirs.input]
    assert [o.type.tensor_type.elem_type for o in ours.output] == [
        o.type.tensor_type.elem_type for o in theirs.output
    ]


def test_onnx_of_the_classifier_alone_on_integer_input_matches_predict():
    X, y = digits(np.int64)
    X = X // 8  # values 0, 1, 2: a scale the classifier learns from unscaled
    clf = SigmoidMSEClassifier(**FAST).fit(X, y)
    labels, proba = run(export(clf, X, NO_ZIPMAP), X)
    assert proba.dtype == np.float32
    np.testing.assert_array_equal(labels, clf.predict(X))
    np.testing.assert_allclose(proba, clf.predict_proba(X), rtol=1e-5, atol=1e-7)


@pytest.mark.parametrize("kind", ["scaler", "classifier"])
def test_onnx_export_of_string_input_is_refused_naming_the_type(kind):
    model = FixedScaler()
    if kind == "classifier":
        model = SigmoidMSEClassifier(**FAST).fit(*digits(np.float64, n=60))
    X = np.full((1, 64), "1")
    with pytest.raises(TypeError, match="String"):
        export(model, X, NO_ZIPMAP)


# --- unfitted models -----------------------------------------------------------------


@pytest.mark.parametrize("options", [None, NO_ZIPMAP, {"zipmap": "columns"}])
@pytest.mark.parametrize("in_pipeline", [False, True])
def test_onnx_export_of_an_unfitted_classifier_raises_not_fitted(options, in_pipeline):
    if options is not None and "zipmap" in options:
        options = {SigmoidMSEClassifier: options}
    model = SigmoidMSEClassifier()
    if in_pipeline:
        model = make_pipeline(FixedScaler(), model)
    with pytest.raises(NotFittedError):
        export(model, np.zeros((1, 4), np.float32), options)


# --- nocl: class indices instead of labels ------------------------------------------


@pytest.fixture(scope="module")
def word_classifier():
    X, y = digits(np.float32)
    X = FixedScaler().transform(X)
    words = np.array(["zero", "one", "two", "three", "four"] * 2)[y]
    return SigmoidMSEClassifier(**FAST).fit(X, words), X


@pytest.mark.parametrize("zipmap", [False, True])
def test_onnx_with_nocl_returns_class_indices_as_skl2onnx_defines_them(
    word_classifier, zipmap
):
    # skl2onnx's ``nocl=True`` (common/utils_classifier.get_label_classes) replaces
    # the classes by 0..n_classes-1, in the labels and in ZipMap's keys alike.
    clf, X = word_classifier
    options = {SigmoidMSEClassifier: {"zipmap": zipmap, "nocl": True}}
    labels, proba = run(export(clf, X, options), X)
    expected = np.searchsorted(clf.classes_, clf.predict(X))
    assert labels.dtype == np.int64
    np.testing.assert_array_equal(labels, expected)
    if zipmap:
        assert sorted(proba[0]) == list(range(len(clf.classes_)))
        proba = np.array([[row[i] for i in range(len(clf.classes_))] for row in proba])
    np.testing.assert_allclose(proba, clf.predict_proba(X), rtol=1e-5, atol=1e-7)


def test_onnx_nocl_of_a_multilabel_model_changes_nothing():
    # Its label output is already the 0/1 indicator matrix, which holds no labels.
    X, y = digits(np.float32)
    X = FixedScaler().transform(X)
    Y = np.column_stack([y % 2 == 0, y >= 5]).astype(int)
    clf = SigmoidMSEClassifier(**FAST).fit(X, Y)
    for nocl in (False, True):
        options = {SigmoidMSEClassifier: {"zipmap": False, "nocl": nocl}}
        labels, proba = run(export(clf, X, options), X)
        np.testing.assert_array_equal(labels, clf.predict(X))
        np.testing.assert_allclose(proba, clf.predict_proba(X), rtol=1e-5, atol=1e-7)


# --- DaskSigmoidMSEClassifier ---------------------------------------------------------


def test_onnx_exports_a_dask_classifier_as_its_local_model():
    dask_module = pytest.importorskip("sklearn_sigmoid_mlp.dask")
    X, y = digits(np.float32)
    pipe = make_pipeline(
        FixedScaler(), dask_module.DaskSigmoidMSEClassifier(**FAST)
    ).fit(X, y)
    options = {dask_module.DaskSigmoidMSEClassifier: {"zipmap": False}}
    labels, proba = run(export(pipe, X, options), X)
    np.testing.assert_array_equal(labels, pipe.predict(X))
    np.testing.assert_allclose(proba, pipe.predict_proba(X), rtol=1e-5, atol=1e-7)
    X_scaled = pipe[0].transform(X)
    labels, _ = run(export(pipe[-1], X_scaled, options), X_scaled)
    np.testing.assert_array_equal(labels, pipe.predict(X))
