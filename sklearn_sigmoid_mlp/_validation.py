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
from sklearn.utils.class_weight import compute_class_weight
from sklearn.utils.validation import validate_data

from ._arrays import as_dtype, namespace_of, to_numpy
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
    as given are ``sample_weight * weight_scale``. ``classes`` are the model's
    classes once ``fit`` has resolved them (``partial_fit``'s ``y`` may hold a
    subset of them)."""

    X: object
    y: np.ndarray
    sample_weight: object
    n_features_in: int
    feature_names_in: object
    weight_scale: float = 1.0
    classes: np.ndarray = None


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
        X = as_dtype(X, estimator.coefs_[0].dtype)  # the model's dtype
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
    each row's class (for a multilabel indicator ``y``, the product over its
    columns, as scikit-learn's ``compute_sample_weight``); unchanged for None.

    The weights of the classes are scikit-learn's ``compute_class_weight`` over
    the model's classes (``inputs.classes``), so that a ``partial_fit`` batch
    without some class is weighted as the whole data would be; "balanced" counts
    each class by its rows' ``sample_weight``, as scikit-learn >= 1.6 does, so
    that integer weights equal repeated rows.
    """
    if class_weight is None:
        return inputs
    given = to_numpy(inputs.sample_weight)  # scaled: "balanced" is scale-free
    if given is not None:
        given = given.astype(np.float64)
    per_row = _row_class_weights(class_weight, inputs.y, inputs.classes, given)
    if given is not None:
        per_row = per_row * given
    if not per_row.any():
        raise ValueError(
            f"class_weight={class_weight!r} gives every row weight 0"
            + ("" if given is None else " together with sample_weight")
            + ": the loss and the gradient are averages weighted by it. Give a "
            "positive weight to a class that y holds."
        )
    weights, scale = checked_sample_weight(per_row, inputs.X)
    return replace(
        inputs, sample_weight=weights, weight_scale=inputs.weight_scale * scale
    )


def _row_class_weights(class_weight, y, classes, sample_weight):
    """Each row's weight from ``class_weight``: its class's, or for a multilabel
    indicator ``y`` the product of its labels' (each column's classes are 0 and
    1, which a dict may name either or both of)."""
    if y.ndim == 1:
        if isinstance(class_weight, list):
            raise ValueError(
                "class_weight as a list of dicts is for a multilabel indicator y, "
                f"one dict per label; for class labels pass one dict, got "
                f"{class_weight!r}."
            )
        return _weights_of_labels(class_weight, y, classes, sample_weight)
    n_labels = y.shape[1]
    if class_weight == "balanced":
        tables = [class_weight] * n_labels
    elif isinstance(class_weight, list) and len(class_weight) == n_labels:
        tables = class_weight
    else:
        raise ValueError(
            f"For a multilabel indicator y of {n_labels} labels, class_weight must "
            f"be 'balanced' or a list of {n_labels} dicts, one per label "
            f"({{0: weight, 1: weight}}); got {class_weight!r}."
        )
    columns = [
        _weights_of_labels(
            table,
            y[:, k],
            None if table == "balanced" else np.arange(2),
            sample_weight,
        )
        for k, table in enumerate(tables)
    ]
    return np.prod(columns, axis=0)


def _weights_of_labels(class_weight, labels, classes, sample_weight):
    """``compute_class_weight`` over ``classes`` (by default the labels held),
    taken for each label."""
    if classes is None:
        classes = np.unique(labels)
    per_class = compute_class_weight(
        class_weight, classes=classes, y=labels, sample_weight=sample_weight
    )
    return per_class[np.searchsorted(classes, labels)]


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
