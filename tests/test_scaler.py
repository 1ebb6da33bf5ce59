"""FixedScaler: the notebook's (x - 8) / 8 as a stateless transformer."""

import numpy as np
import pytest
import scipy.sparse as sp
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
