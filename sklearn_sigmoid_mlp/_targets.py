"""Targets: from labels to what the network is trained on, and back.

One path for binary, multiclass and multilabel ``y``, on scikit-learn's label
utilities (``type_of_target``, ``unique_labels``, ``LabelEncoder``). Single-label
targets are kept as small integer class codes (one-hot rows are made block by block
when training); a multilabel indicator matrix as 0/1 bytes, rows × units.
"""

from dataclasses import dataclass
from numbers import Number
from types import SimpleNamespace

import numpy as np
import scipy.sparse as sp
from sklearn.preprocessing import LabelEncoder
from sklearn.utils.multiclass import (
    check_classification_targets,
    type_of_target,
    unique_labels,
)

from ._fixes import _check_partial_fit_first_call

SUPPORTED = ("binary", "multiclass", "multilabel-indicator")


def check_labels(y):
    """Refuse labels that are missing or of mixed types, naming them.

    Only object arrays can hold either (``None``, NaN, ``pd.NA``; strings beside
    numbers); sorting them for ``classes_`` would otherwise fail with an error that
    does not mention ``y``.
    """
    if y is None or sp.issparse(y):
        return  # (a missing y gets scikit-learn's own message)
    values = np.asarray(y)
    if values.dtype != object:
        return
    values = values.ravel()
    missing = np.flatnonzero([_is_missing(v) for v in values])
    if missing.size:
        raise ValueError(
            f"y has {missing.size} missing label(s) ({values[missing[0]]!r} at row "
            f"{missing[0]}): every sample needs a class. Drop those rows or fill "
            "them in."
        )
    first_of_kind = {}  # the first label of each kind, to show
    for value in values:
        first_of_kind.setdefault(_kind(value), value)
    if len(first_of_kind) > 1:
        shown = ", ".join(f"{k} ({first_of_kind[k]!r})" for k in sorted(first_of_kind))
        raise ValueError(
            f"y mixes labels of different types: {shown}. Labels must be all "
            "strings or all numbers; convert them, e.g. with y.astype(str)."
        )


def _is_missing(value):
    if value is None:
        return True
    try:
        return bool(value != value)  # NaN
    except TypeError:  # pd.NA: its comparisons are NA, whose truth is ambiguous
        return True


def _kind(value):
    if isinstance(value, str):
        return "str"
    if isinstance(value, (Number, np.number, np.bool_)):
        return "number"
    return type(value).__name__


def check_target_type(y):
    """``True`` for a multilabel indicator ``y``, ``False`` for class labels.

    Raises a ``ValueError`` naming ``y`` for every other kind of target.
    """
    check_classification_targets(y)
    kind = type_of_target(y, input_name="y")
    if kind not in SUPPORTED:
        raise ValueError(
            f"y is {kind}: several columns of class labels are not supported (as by "
            "MLPClassifier). Pass class labels of shape (n_samples,), or a 0/1 "
            "indicator matrix of shape (n_samples, n_labels) for multilabel "
            "classification."
        )
    if kind == "multilabel-indicator":
        values = np.unique(y.data if sp.issparse(y) else y)
        if not np.all(np.isin(values, [0, 1])):
            raise ValueError(
                "y is a multilabel indicator matrix, whose entries must be 0 (label "
                f"absent) or 1 (present); got the values {values.tolist()}. For a "
                "±1 encoding pass (y == 1).astype(int)."
            )
        return True
    return False


@dataclass(frozen=True)
class FittedClasses:
    """The classes of a fitted model, which a continued fit must keep."""

    #: The model's ``classes_`` (NumPy).
    classes: np.ndarray
    #: Whether it was fitted on a multilabel indicator.
    multilabel: bool


def resolve_classes(labels, multilabel, *, given=None, previous=None, partial=False):
    """``classes_`` of this fit, checked against ``classes=`` and a previous fit.

    Parameters
    ----------
    labels : ndarray
        The labels ``y`` holds (single-label), or ``y`` itself (multilabel).
    multilabel : bool
    given : array-like, optional
        ``partial_fit``'s ``classes``.
    previous : FittedClasses, optional
        The classes of the model being continued.
    partial : bool
        Whether this is ``partial_fit``: there ``y`` may hold a subset of the
        classes, and ``classes`` is required on the first call.

    Returns
    -------
    ndarray
    """
    if given is not None and len(given) == 0:
        raise ValueError("classes must list at least one class; got an empty list.")
    if partial:
        # scikit-learn's rules for ``classes`` (required on the first call, the
        # same on later ones), on a scratch object: the estimator itself changes
        # only when the fit succeeds.
        scratch = SimpleNamespace(
            classes_=None if previous is None else previous.classes
        )
        _check_partial_fit_first_call(scratch, given)
    if multilabel:
        found = np.arange(labels.shape[1])
        if given is not None and not np.array_equal(unique_labels(given), found):
            raise ValueError(
                "For a multilabel indicator y, classes are the label indices "
                f"{found.tolist()}; got classes={np.asarray(given).tolist()}."
            )
    elif partial:
        found = scratch.classes_
        _check_same_kind(labels, found)
    else:
        found = unique_labels(labels)
    if previous is not None and (
        multilabel != previous.multilabel or not np.array_equal(found, previous.classes)
    ):
        before, now = (
            _describe(previous.classes, previous.multilabel),
            _describe(found, multilabel),
        )
        raise ValueError(
            "warm_start and partial_fit can only continue a model with the same "
            f"classes: it was fitted on {before}, and y holds {now}. Fit a new model "
            "(warm_start=False) instead."
        )
    if not multilabel and len(found) < 2:
        raise ValueError(
            "SigmoidMSEClassifier needs samples of at least 2 classes in the data, "
            f"but the data contains only one class: {found[0]!r}."
        )
    return found


def _check_same_kind(labels, classes):
    """Refuse string labels for numeric classes and the reverse, which
    ``partial_fit`` would otherwise take ("1" sorts and encodes as 1) and a later
    ``score`` refuse as a mix of label types."""
    held, known = _labels_kind(labels), _labels_kind(classes)
    if held != known:
        raise ValueError(
            f"y holds {held} labels ({_first(labels)!r}, ...) but the classes "
            f"{np.asarray(classes).tolist()} are {known}s: partial_fit takes labels "
            "of the classes' type, as SGDClassifier and MLPClassifier do. Convert "
            "one of them (e.g. y.astype(int) or classes=[str(c) for c in classes])."
        )


def _labels_kind(labels):
    """ "string" or "number": the kind of an array of labels of one kind (mixed
    ones are refused before, by :func:`check_labels` and ``unique_labels``)."""
    values = np.asarray(labels)
    if values.dtype.kind in "US":
        return "string"
    if values.dtype == object and values.size:
        return "string" if _kind(_first(values)) == "str" else "number"
    return "number"


def _first(labels):
    """The first label, as a Python value (shown as ``'1'`` or ``1``)."""
    return np.asarray(labels).ravel()[:1].tolist()[0]


def _describe(classes, multilabel):
    if multilabel:
        return f"a multilabel indicator of {len(classes)} labels"
    return f"the classes {np.asarray(classes).tolist()}"


def class_codes(y, classes):
    """Position of each label in ``classes``, in the smallest unsigned type.

    Labels outside ``classes`` are refused with an error naming them.
    """
    encoder = LabelEncoder()
    encoder.classes_ = classes
    try:
        codes = encoder.transform(y)
    except ValueError:  # its message shows np.int64(5); name the labels plainly
        unknown = np.setdiff1d(np.unique(y), classes)
        raise ValueError(
            f"y contains labels {unknown.tolist()} that are not among the classes "
            f"{np.asarray(classes).tolist()} of this model."
        ) from None
    return codes.astype(np.min_scalar_type(len(classes) - 1), copy=False)


def indicator_rows(Y):
    """A 0/1 indicator matrix (dense or sparse) as bytes, rows × units."""
    Y = Y.toarray() if sp.issparse(Y) else np.asarray(Y)
    return np.ascontiguousarray(Y, dtype=np.uint8)


def n_outputs(classes, multilabel):
    """Output units: one per class or label, one for two classes."""
    return len(classes) if multilabel or len(classes) > 2 else 1


def decode(outputs, classes, multilabel):
    """Predicted labels (or 0/1 indicators) from the network's outputs.

    Parameters
    ----------
    outputs : ndarray of shape (n_samples, n_outputs)
        The sigmoid outputs, NumPy.
    classes : ndarray
    multilabel : bool

    Returns
    -------
    ndarray
        Indicators above 0.5 (multilabel); ``classes[1]`` where the single output
        exceeds 0.5 (two classes); the class of the largest output (more).
    """
    if multilabel:
        return (outputs > 0.5).astype(np.int64)
    if outputs.shape[1] == 1:
        return classes[(outputs[:, 0] > 0.5).astype(np.intp)]
    return classes[np.argmax(outputs, axis=1)]
