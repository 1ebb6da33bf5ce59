"""Input validation and array placement shared by the estimators."""

import numpy as np
import scipy.sparse as sp
from sklearn import get_config
from sklearn.externals.array_api_compat import array_namespace, is_array_api_obj
from sklearn.utils._array_api import (
    _convert_to_numpy,
    _is_numpy_namespace,
    get_namespace,
    get_namespace_and_device,
)
from sklearn.utils._array_api import device as array_device
from sklearn.utils.validation import validate_data

from ._network import namespace_of


def checked_input(estimator, X, *args, **kwargs):
    """``validate_data`` keeping float64/float32 in ``X``'s own namespace.

    It also silences float warnings on finite extreme values: scikit-learn's
    finiteness check first sums ``X``, and for finite values near the float64 limit
    that sum overflows and numpy warns, although the check then correctly finds
    every value finite.
    """
    xp, _ = get_namespace(X)
    kwargs.setdefault("dtype", (xp.float64, xp.float32))
    with np.errstate(over="ignore", invalid="ignore"):
        return validate_data(estimator, X, *args, **kwargs)


def to_numpy(array):
    """A NumPy view or copy of an array from any array API library (None stays)."""
    if array is None or isinstance(array, np.ndarray) or sp.issparse(array):
        return array
    if is_array_api_obj(array):
        return _convert_to_numpy(array, array_namespace(array))
    return array


def numpy_dtype(X):
    """The NumPy float dtype matching ``X``'s (float32 or float64)."""
    return np.float32 if "float32" in str(X.dtype) else np.float64


def like(array, X):
    """NumPy ``array`` moved to ``X``'s namespace and device (NumPy stays NumPy)."""
    xp = namespace_of(X)
    if xp is np or array is None:
        return array
    return xp.asarray(array, device=array_device(X))


def transposed_copy(array):
    """A contiguous copy of ``array.T`` in the array's own namespace."""
    if isinstance(array, np.ndarray):
        return np.ascontiguousarray(array.T)
    return array_namespace(array).asarray(array.T, copy=True)


def copied(array):
    """A copy of ``array`` in the array's own namespace."""
    if isinstance(array, np.ndarray):
        return array.copy()
    return array_namespace(array).asarray(array, copy=True)


def take_rows(X, indices):
    """Rows ``indices`` (a NumPy integer array) of ``X``, in ``X``'s namespace."""
    xp = namespace_of(X)
    if xp is np:
        return X[indices]
    return xp.take(X, like(indices, X), axis=0)


def check_namespace(X, fitted, estimator, method):
    """Refuse ``X`` from another namespace or device than the ``fitted`` array's.

    Only with ``array_api_dispatch`` on, as scikit-learn's ``check_same_namespace``,
    whose message this keeps.
    """
    if not get_config()["array_api_dispatch"]:
        return
    fit_xp, _, fit_device = get_namespace_and_device(fitted)
    X_xp, _, X_device = get_namespace_and_device(X)
    if (X_xp == fit_xp and X_device == fit_device) or (
        _is_numpy_namespace(fit_xp) and _is_numpy_namespace(X_xp)
    ):
        return
    raise ValueError(
        f"Inputs passed to {type(estimator).__name__}.{method}() must use the same "
        "namespace and the same device as those passed to fit(): fit used "
        f"{fit_xp.__name__} on {fit_device}, {method} got {X_xp.__name__} on "
        f"{X_device}. Move X there, or move the estimator with "
        "sklearn.utils._array_api.move_estimator_to."
    )
