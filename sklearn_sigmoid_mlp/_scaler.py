"""``FixedScaler``: the notebook's ``(x - 8) / 8`` as a stateless transformer."""

from contextvars import ContextVar
from functools import wraps
from numbers import Real

import numpy as np
import scipy.sparse as sp
from sklearn.base import BaseEstimator, OneToOneFeatureMixin, TransformerMixin
from sklearn.exceptions import NotFittedError
from sklearn.utils import check_array
from sklearn.utils.sparsefuncs import inplace_column_scale
from sklearn.utils.validation import validate_data

from ._arrays import move_to, namespace_of, numpy_dtype, to_numpy
from ._doc_links import DocLinkMixin
from ._fixes import _get_feature_names, check_same_namespace
from ._validation import checked_X, float_dtypes

# While an unfitted scaler transforms X: (the scaler, X). set_output names the
# output by calling get_feature_names_out() once transform has returned, and an
# unfitted scaler has no recorded features to answer with: it names X's.
_transforming = ContextVar("_transforming", default=(None, None))


class FixedScaler(DocLinkMixin, OneToOneFeatureMixin, TransformerMixin, BaseEstimator):
    """Scale features by fixed constants: ``(X - center) / scale``.

    The notebook's ``(x - 8) / 8`` maps the digits' pixel values 0…16 onto -1…1.
    Nothing is learned from data, so the transformer needs no fit. ``fit`` checks
    the parameters and records the features and the constants as applied
    (``center_``, ``scale_``, in the namespace and on the device of ``X``); a fitted
    scaler applies those, an unfitted one its current parameters.

    Parameters
    ----------
    center : float or array-like of shape (n_features,), default=8.0
        Subtracted from every feature (or from each feature).
    scale : float or array-like of shape (n_features,), default=8.0
        Divides every feature (or each feature); must be non-zero and finite.

    Attributes
    ----------
    center_, scale_ : array of shape (`n_features_in_`,)
        The constants per feature that ``transform`` applies, in the namespace,
        device and dtype of the data seen by :meth:`fit`.
    n_features_in_ : int
        Number of features seen during :meth:`fit`.
    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Names of features seen during :meth:`fit`, when ``X`` has string column
        names.

    See Also
    --------
    sklearn.preprocessing.StandardScaler : Centre and scale by statistics learned
        from the data.

    Notes
    -----
    float32 input stays float32; other numeric input becomes float64. Sparse input is
    accepted only when ``center`` is zero, since centring would make it dense.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_sigmoid_mlp import FixedScaler
    >>> FixedScaler().transform(np.array([[0.0, 8.0, 16.0]]))
    array([[-1.,  0.,  1.]])
    >>> FixedScaler(center=0.0, scale=[1.0, 2.0]).fit_transform([[4.0, 4.0]])
    array([[4., 2.]])
    """

    _parameter_constraints: dict = {
        "center": [Real, "array-like"],
        "scale": [Real, "array-like"],
    }

    def __init__(self, center=8.0, scale=8.0):
        self.center = center
        self.scale = scale

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.requires_fit = False
        # Sparse input is supported exactly when no centring is asked for.
        center = np.asarray(self.center)
        tags.input_tags.sparse = center.dtype.kind in "biuf" and not np.any(center)
        tags.transformer_tags.preserves_dtype = ["float64", "float32"]
        tags.array_api_support = True
        return tags

    def _constants(self, n_features, dtype):
        """``center`` and ``scale`` checked and cast to ``dtype``."""
        constants = []
        for name in ("center", "scale"):
            value = np.asarray(getattr(self, name))
            if value.dtype.kind not in "biuf":
                raise TypeError(f"{name} must be a real number or an array of them.")
            if value.ndim > 1 or (value.ndim == 1 and value.shape[0] != n_features):
                raise ValueError(
                    f"{name} must be a scalar or have shape (n_features,) = "
                    f"({n_features},), got shape {value.shape}."
                )
            if not np.all(np.isfinite(value)):
                raise ValueError(f"{name} must be finite, got {getattr(self, name)!r}.")
            constants.append(value.astype(dtype))
        center, scale = constants
        if np.any(scale == 0):
            raise ValueError(
                "scale must be non-zero for every feature: dividing by zero would "
                "produce inf or NaN."
            )
        return center, scale

    def _validate(self, X, reset):
        if reset:
            X = validate_data(
                self, X, accept_sparse=("csr", "csc"), dtype=float_dtypes(X)
            )
        elif hasattr(self, "scale_"):  # fitted: fit records scale_ last
            X = checked_X(self, X, accept_sparse=("csr", "csc"))
        else:
            # Unfitted: no features to compare X's with (validate_data would warn
            # that the scaler was "fitted without feature names").
            with np.errstate(over="ignore", invalid="ignore"):
                X = check_array(
                    X,
                    accept_sparse=("csr", "csc"),
                    dtype=float_dtypes(X),
                    estimator=self,
                    input_name="X",
                )
        center, scale = self._constants(X.shape[1], numpy_dtype(X))
        if sp.issparse(X) and np.any(center != 0):
            raise ValueError(
                "Cannot center sparse matrices: centering would make them dense. "
                "Use center=0 with sparse input, or pass a dense array."
            )
        return X, center, scale

    def fit(self, X, y=None):
        """Check the parameters and record the input's features; learns nothing.

        Parameters
        ----------
        X : array-like or sparse matrix of shape (n_samples, n_features)
            Input data: its features are recorded.
        y : None
            Ignored.

        Returns
        -------
        self : FixedScaler
            The scaler, with ``center_`` and ``scale_`` recorded.
        """
        self._validate_params()
        X, center, scale = self._validate(X, reset=True)
        shape = (X.shape[1],)
        self.center_ = move_to(np.broadcast_to(center, shape).copy(), X)
        self.scale_ = move_to(np.broadcast_to(scale, shape).copy(), X)
        return self

    def transform(self, X):
        """Return ``(X - center) / scale``; ``X`` itself is left unchanged.

        Parameters
        ----------
        X : array-like or sparse matrix of shape (n_samples, n_features)
            Input data.

        Returns
        -------
        X_new : ndarray or sparse matrix of shape (n_samples, n_features)
            The scaled data, a new array.
        """
        X, center, scale = self._constants_for(X, "transform")
        if sp.issparse(X):
            return _scaled_columns(X, 1 / to_numpy(scale))
        return (X - center) / scale

    def inverse_transform(self, X):
        """Undo :meth:`transform`: return ``X * scale + center``.

        Parameters
        ----------
        X : array-like or sparse matrix of shape (n_samples, n_features)
            Input data.

        Returns
        -------
        X_original : ndarray or sparse matrix of shape (n_samples, n_features)
            The data before scaling, a new array.
        """
        X, center, scale = self._constants_for(X, "inverse_transform")
        if sp.issparse(X):
            return _scaled_columns(X, to_numpy(scale))
        return X * scale + center

    def _constants_for(self, X, method):
        """``X`` checked, and the constants to apply to it: the fitted ones, or the
        parameters of an unfitted scaler (in ``X``'s namespace)."""
        if hasattr(self, "scale_"):
            check_same_namespace(X, self, attribute="scale_", method=method)
            X, _, _ = self._validate(X, reset=False)
            # In X's dtype: float32 data stays float32 after a float64 fit.
            return X, _in_dtype_of(self.center_, X), _in_dtype_of(self.scale_, X)
        X, center, scale = self._validate(X, reset=False)
        return X, move_to(center, X), move_to(scale, X)

    def get_feature_names_out(self, input_features=None):
        """Get output feature names for transformation: the input's names.

        Parameters
        ----------
        input_features : array-like of str or None, default=None
            Input features. A fitted scaler checks them against the features seen
            by :meth:`fit`, and without them returns those (or ``x0``, ``x1``, …).
            An unfitted scaler returns them, as it needs no fit; without them it
            knows no features and raises :class:`~sklearn.exceptions.NotFittedError`
            (``set_output`` containers still get the names of the transformed data).

        Returns
        -------
        feature_names_out : ndarray of str objects
            Same as input features.
        """
        if hasattr(self, "scale_"):
            return super().get_feature_names_out(input_features)
        if input_features is None:
            owner, X = _transforming.get()
            if owner is not self:
                raise NotFittedError(
                    f"This {type(self).__name__} instance is not fitted, so it knows "
                    "no input features: pass input_features, or fit it first."
                )
            names = _get_feature_names(X)
            if names is not None:
                return names
            n_features = (X.shape if hasattr(X, "shape") else np.shape(X))[1]
            return np.asarray([f"x{i}" for i in range(n_features)], dtype=object)
        input_features = np.asarray(input_features, dtype=object)
        if input_features.ndim != 1:
            raise ValueError(
                "input_features must be a 1-D array-like of str, got shape "
                f"{input_features.shape}."
            )
        # Per-feature constants fix the number of features.
        self._constants(input_features.shape[0], np.float64)
        return input_features


def _named_after_unfitted_input(transform):
    """``transform`` run with ``_transforming`` set while the scaler is unfitted.

    Applied after the class statement, so that it wraps set_output's own wrapper
    (which asks ``get_feature_names_out()`` once ``transform`` has returned).
    """

    @wraps(transform)
    def wrapped(self, X, *args, **kwargs):
        if hasattr(self, "scale_"):
            return transform(self, X, *args, **kwargs)
        token = _transforming.set((self, X))
        try:
            return transform(self, X, *args, **kwargs)
        finally:
            _transforming.reset(token)

    return wrapped


FixedScaler.transform = _named_after_unfitted_input(FixedScaler.transform)


def _in_dtype_of(array, X):
    """``array`` cast to ``X``'s dtype, in ``X``'s namespace."""
    xp = namespace_of(X)
    if xp is np:
        return array.astype(X.dtype, copy=False)
    return xp.astype(array, X.dtype)


def _scaled_columns(X, factor):
    """A copy of sparse ``X`` with column ``k`` multiplied by ``factor[k]``."""
    out = X.copy()
    inplace_column_scale(out, np.broadcast_to(factor, (X.shape[1],)))
    return out
