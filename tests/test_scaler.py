"""FixedScaler: the notebook's (x - 8) / 8 as a stateless transformer."""

import warnings

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.exceptions import NotFittedError
from sklearn.utils.validation import _get_feature_names, check_is_fitted

from sklearn_sigmoid_mlp import FixedScaler


def test_default_is_the_notebooks_scaling(digits):
    X, _ = digits
    np.testing.assert_array_equal(FixedScaler().transform(X), (X - 8) / 8)
    out = FixedScaler().transform(X)
    assert out.min() == -1 and out.max() == 1


def test_needs_no_fit_and_fit_learns_nothing():
    X = np.arange(12.0).reshape(4, 3)
    unfitted = FixedScaler()
    check_is_fitted(unfitted)  # requires_fit=False: no NotFittedError
    fitted = FixedScaler().fit(X * 100)
    np.testing.assert_array_equal(unfitted.transform(X), fitted.transform(X))


def test_inverse_transform_round_trips():
    X = np.random.RandomState(0).uniform(0, 16, size=(5, 3))
    scaler = FixedScaler(center=[1.0, 2.0, 3.0], scale=[0.5, 2.0, -4.0])
    np.testing.assert_allclose(scaler.inverse_transform(scaler.transform(X)), X)


def test_per_feature_constants():
    X = np.array([[2.0, 4.0], [6.0, 8.0]])
    out = FixedScaler(center=[2.0, 0.0], scale=[2.0, 4.0]).transform(X)
    np.testing.assert_array_equal(out, [[0.0, 1.0], [2.0, 2.0]])


def test_float32_kept_and_ints_become_float64():
    X32 = np.ones((2, 3), dtype=np.float32)
    assert FixedScaler(center=np.array([1.0, 2.0, 3.0])).transform(X32).dtype == (
        np.float32
    )
    assert FixedScaler().transform(np.ones((2, 3), dtype=np.int64)).dtype == np.float64


def test_input_is_not_modified():
    X = np.arange(6.0).reshape(2, 3)
    copy = X.copy()
    FixedScaler().fit_transform(X)
    np.testing.assert_array_equal(X, copy)


@pytest.mark.parametrize("scale", [0.0, [1.0, 0.0, 2.0]])
def test_zero_scale_is_a_clear_error(scale):
    with pytest.raises(ValueError, match="scale must be non-zero"):
        FixedScaler(scale=scale).fit_transform(np.ones((2, 3)))


@pytest.mark.parametrize("name", ["center", "scale"])
def test_wrong_shape_or_non_finite_constants(name):
    X = np.ones((2, 3))
    with pytest.raises(ValueError, match=rf"{name} must be a scalar or have shape"):
        FixedScaler(**{name: [1.0, 2.0]}).transform(X)
    with pytest.raises(ValueError, match=rf"{name} must be finite"):
        FixedScaler(**{name: np.inf}).transform(X)


@pytest.mark.parametrize("fmt", ["csr", "csc"])
def test_sparse_with_zero_center(fmt):
    X = sp.random(6, 4, density=0.5, format=fmt, random_state=0)
    scale = np.array([1.0, 2.0, 4.0, 8.0])
    out = FixedScaler(center=0, scale=scale).fit_transform(X)
    assert sp.issparse(out) and out.format == fmt
    np.testing.assert_allclose(out.toarray(), X.toarray() / scale)
    back = FixedScaler(center=0, scale=scale).inverse_transform(out)
    np.testing.assert_allclose(back.toarray(), X.toarray())


def test_sparse_with_centering_is_refused():
    X = sp.random(6, 4, density=0.5, format="csr", random_state=0)
    with pytest.raises(ValueError, match="centering would make them dense"):
        FixedScaler().fit_transform(X)


def test_feature_names_out_and_set_output():
    pd = pytest.importorskip("pandas")
    frame = pd.DataFrame({"a": [0.0, 16.0], "b": [8.0, 8.0]})
    scaler = FixedScaler().set_output(transform="pandas")
    out = scaler.fit_transform(frame)
    assert list(out.columns) == ["a", "b"]
    np.testing.assert_array_equal(out.to_numpy(), [[-1.0, 0.0], [1.0, 0.0]])
    np.testing.assert_array_equal(scaler.get_feature_names_out(), ["a", "b"])


def test_set_output_polars():
    pl = pytest.importorskip("polars")
    frame = pl.DataFrame({"a": [0.0, 16.0], "b": [8.0, 8.0]})
    out = FixedScaler().set_output(transform="polars").fit_transform(frame)
    assert isinstance(out, pl.DataFrame)
    np.testing.assert_array_equal(out.to_numpy(), [[-1.0, 0.0], [1.0, 0.0]])
    # scikit-learn 1.8 cannot read column names from polars 2 frames; where the
    # installed scikit-learn can, they must be passed through.
    if _get_feature_names(frame) is not None:
        assert out.columns == ["a", "b"]


def test_fit_records_the_constants_that_transform_applies():
    X = np.array([[2.0, 4.0], [6.0, 8.0]])
    scaler = FixedScaler(center=[2.0, 0.0], scale=[2.0, 4.0]).fit(X)
    np.testing.assert_array_equal(scaler.center_, [2.0, 0.0])
    np.testing.assert_array_equal(scaler.scale_, [2.0, 4.0])
    np.testing.assert_array_equal(scaler.transform(X), [[0.0, 1.0], [2.0, 2.0]])
    np.testing.assert_array_equal(scaler.inverse_transform(scaler.transform(X)), X)


def test_unfitted_feature_names_come_from_the_input():
    pd = pytest.importorskip("pandas")
    frame = pd.DataFrame({"a": [0.0, 16.0], "b": [8.0, 8.0]})
    scaler = FixedScaler().set_output(transform="pandas")
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no "fitted without feature names" warning
        out = scaler.transform(frame)
    assert list(out.columns) == ["a", "b"]
    np.testing.assert_array_equal(out.to_numpy(), [[-1.0, 0.0], [1.0, 0.0]])
    out = scaler.transform(frame.to_numpy())  # no names: x0, x1 as when fitted
    assert list(out.columns) == ["x0", "x1"]
    names = FixedScaler().get_feature_names_out(["a", "b"])
    assert names.dtype == object and names.tolist() == ["a", "b"]
    assert not hasattr(scaler, "n_features_in_")  # transform recorded nothing


def test_unfitted_feature_names_need_input_features():
    scaler = FixedScaler()
    # As scikit-learn's stateless transformers (Normalizer): NotFittedError.
    with pytest.raises(NotFittedError, match="pass input_features"):
        scaler.get_feature_names_out()
    with pytest.raises(ValueError, match=r"center must be a scalar or have shape"):
        FixedScaler(center=[0.0, 1.0, 2.0]).get_feature_names_out(["a", "b"])
    fitted = FixedScaler().fit(np.ones((2, 3)))
    assert fitted.get_feature_names_out().tolist() == ["x0", "x1", "x2"]


@pytest.mark.parametrize("fitted_on", [None, np.float64, np.float32])
def test_float32_stays_float32_whatever_the_fit(fitted_on):
    X32 = np.arange(6, dtype=np.float32).reshape(2, 3)
    scaler = FixedScaler(center=[1.0, 2.0, 3.0], scale=0.5)
    if fitted_on is not None:
        scaler.fit(X32.astype(fitted_on))
    out = scaler.transform(X32)
    assert out.dtype == np.float32
    np.testing.assert_allclose(out, (X32 - [1.0, 2.0, 3.0]) / 0.5)
    assert scaler.inverse_transform(out).dtype == np.float32
    sparse = sp.csr_matrix(X32)
    zero_center = FixedScaler(center=0.0, scale=[1.0, 2.0, 4.0])
    if fitted_on is not None:
        zero_center.fit(sparse.astype(fitted_on))
    assert zero_center.transform(sparse).dtype == np.float32
    assert zero_center.inverse_transform(sparse).dtype == np.float32
    # float64 input stays float64, even after a float32 fit.
    assert scaler.transform(X32.astype(np.float64)).dtype == np.float64


@pytest.mark.parametrize("fmt", ["csr", "csc"])
@pytest.mark.parametrize("fitted", [False, True])
def test_sparse_with_a_per_feature_center_is_refused(fmt, fitted):
    X = sp.random(6, 4, density=0.5, format=fmt, random_state=0)
    scaler = FixedScaler(center=[0.0, 0.0, 1.0, 0.0], scale=2.0)
    for method in ("fit", "transform", "inverse_transform", "fit_transform"):
        if fitted and method != "fit":
            scaler.fit(X.toarray())  # fitted on dense data, then given sparse
        with pytest.raises(ValueError, match="centering would make them dense"):
            getattr(scaler, method)(X)
    # An all-zero per-feature center centres nothing: sparse stays sparse.
    zeros = FixedScaler(center=np.zeros(4), scale=2.0)
    if fitted:
        zeros.fit(X)
    out = zeros.transform(X)
    assert sp.issparse(out) and out.format == fmt
    np.testing.assert_allclose(out.toarray(), X.toarray() / 2)
