"""Input validation shared by the estimators and the Dask backend.

One set of checks and messages (scikit-learn's), whatever library ``X`` comes from;
the Dask backend applies the same functions to every row block. Nothing here
changes an estimator: ``fit`` records ``n_features_in_`` and ``feature_names_in_``
with the rest of the model, once it has succeeded.
"""

from dataclasses import dataclass, replace

import numpy as np
import scipy.sparse as sp
from sklearn.utils import check_array, check_X_y, column_or_1d
from sklearn.utils.class_weight import compute_sample_weight
from sklearn.utils.validation import validate_data

from ._arrays import namespace_of, to_numpy
from ._fixes import _check_sample_weight, _get_feature_names, get_namespace
from ._targets import check_labels


def float_dtypes(X):
    """The float dtypes of ``X``'s namespace that stay as they are (float64 first:
    anything else becomes float64), for ``check_array``'s ``dtype``."""
    xp, _ = get_namespace(X)
    return (xp.float64, xp.float32)


def checked_X(estimator, X, *, accept_sparse="csr"):
    """``X`` for a fitted estimator's methods: ``validate_data(reset=False)``.

    float64 and float32 stay in ``X``'s own namespace; anything else becomes
    float64. Float warnings on finite extreme values are silenced: scikit-learn's
    finiteness check first sums ``X``, and for finite values near the float64 limit
    that sum overflows, although the check then correctly finds every value finite.
    """
    with np.errstate(over="ignore", invalid="ignore"):
        return validate_data(
            estimator,
            X,
            reset=False,
            accept_sparse=accept_sparse,
            dtype=float_dtypes(X),
        )


@dataclass
class FitInputs:
    """What ``fit`` trains on, checked; ``y`` is NumPy, ``sample_weight`` is in
    ``X``'s namespace and scaled to a largest weight of 1 (or None): the weights
    as given are ``sample_weight * weight_scale``."""

    X: object
    y: np.ndarray
    sample_weight: object
    n_features_in: int
    feature_names_in: object
    weight_scale: float = 1.0


def checked_fit_inputs(estimator, X, y, sample_weight, *, continuing):
    """``X``, ``y`` and ``sample_weight`` checked together, as
    ``validate_data(estimator, X, y)`` checks them, without recording anything.

    A continued fit (warm start, ``partial_fit``) must see the features of the
    fitted model, as ``validate_data(reset=False)`` checks.
    """
    y = to_numpy(y)  # labels are handled in NumPy, whatever X is
    check_labels(y)
    options = dict(accept_sparse="csr", multi_output=True, dtype=float_dtypes(X))
    with np.errstate(over="ignore", invalid="ignore"):
        if continuing:
            X, y = validate_data(estimator, X, y, reset=False, **options)
            names = getattr(estimator, "feature_names_in_", None)
        else:
            names = _get_feature_names(X)
            X, y = check_X_y(X, y, estimator=estimator, **options)
    if sp.issparse(y):  # a multilabel indicator: n_samples × n_labels bytes
        y = y.toarray()
    if y.ndim == 2 and y.shape[1] == 1:
        y = column_or_1d(y, warn=True)
    if continuing and X.dtype != estimator.coefs_[0].dtype:
        X = namespace_of(X).astype(X, estimator.coefs_[0].dtype)  # the model's dtype
    sample_weight, weight_scale = checked_sample_weight(sample_weight, X)
    return FitInputs(
        X=X,
        y=y,
        sample_weight=sample_weight,
        n_features_in=X.shape[1],
        feature_names_in=names,
        weight_scale=weight_scale,
    )


def class_weighted(inputs, class_weight):
    """``inputs`` with ``sample_weight`` multiplied by ``class_weight``'s weight of
    each row's class (scikit-learn's ``compute_sample_weight``: for a multilabel
    indicator ``y``, the product over its columns); unchanged for None."""
    if class_weight is None:
        return inputs
    per_row = compute_sample_weight(class_weight, inputs.y)
    if inputs.sample_weight is not None:
        per_row = per_row * to_numpy(inputs.sample_weight)
    weights, scale = checked_sample_weight(per_row, inputs.X)
    return replace(
        inputs, sample_weight=weights, weight_scale=inputs.weight_scale * scale
    )


def checked_sample_weight(sample_weight, X):
    """Non-negative, finite weights with a positive sum, scaled to a maximum of 1,
    and that maximum (1.0 without weights).

    The loss and the gradient are weighted means, which do not depend on the scale
    of the weights; scaling them keeps the sums finite for weights near the float
    limits. Weights too small to scale without losing digits are refused. Only the
    L2 penalty (``alpha``) is divided by the weights' sum as given, as in
    ``MLPClassifier``.
    """
    if sample_weight is None:
        return None, 1.0
    xp = namespace_of(X)
    sample_weight = _check_sample_weight(
        to_numpy(sample_weight) if xp is np else sample_weight,
        X,
        # NumPy: checked and scaled in float64 before taking float32 X's dtype,
        # where weights above 3.4e38 would be infinite.
        dtype=np.float64 if xp is np else X.dtype,
        ensure_non_negative=True,
    )
    largest = float(xp.max(sample_weight))
    if not largest > 0:
        raise ValueError(
            "sample_weight must have a positive sum: the loss and the gradient are "
            "averages weighted by it."
        )
    if largest < np.finfo(np.float64).tiny:
        raise ValueError(
            f"sample_weight is too small to be used accurately (largest weight "
            f"{largest:.3g}, below {np.finfo(np.float64).tiny:.3g}); multiply it by "
            "a constant, which does not change the model."
        )
    sample_weight = sample_weight / largest
    if xp is np:
        sample_weight = sample_weight.astype(X.dtype, copy=False)
    return sample_weight, largest


def checked_block(estimator, X):
    """One row block of a Dask ``X``, with the in-memory checks and messages."""
    with np.errstate(over="ignore", invalid="ignore"):
        return check_array(
            X,
            estimator=estimator,
            dtype=(np.float64, np.float32),
            ensure_min_samples=0,
            input_name="X",
        )


def checked_label_block(y):
    """One block of a Dask ``y``: 1-D, finite, with the in-memory messages."""
    check_labels(y)
    y = column_or_1d(check_array(y, ensure_2d=False, dtype=None, input_name="y"))
    return y
