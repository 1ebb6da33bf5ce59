"""Where arrays live: NumPy, SciPy sparse, or another array API namespace and device.

Small helpers shared by the network, the estimators and the backends; they import
nothing from the rest of the package.
"""

import numpy as np
import scipy.sparse as sp

from ._fixes import _convert_to_numpy, array_device, array_namespace, is_array_api_obj


def namespace_of(X):
    """NumPy for NumPy and SciPy sparse input, else ``X``'s array API namespace."""
    if isinstance(X, np.ndarray) or sp.issparse(X):
        return np
    return array_namespace(X)


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


def as_dtype(X, dtype):
    """``X`` (dense in any namespace, or SciPy sparse) converted to ``dtype``: a
    new array, the caller's left as it is."""
    if sp.issparse(X):  # not an array API object: NumPy's astype refuses it
        return X.astype(dtype)
    return namespace_of(X).astype(X, dtype)


def move_to(array, X):
    """NumPy ``array`` moved to ``X``'s namespace and device (NumPy stays NumPy)."""
    xp = namespace_of(X)
    if xp is np or array is None:
        return array
    return xp.asarray(array, device=array_device(X))


def copy_of(array):
    """A contiguous copy of ``array`` in its own namespace."""
    if isinstance(array, np.ndarray):
        return np.array(array, order="C", copy=True)
    return array_namespace(array).asarray(array, copy=True)


def canonical(X):
    """``X`` itself, or for a sparse matrix with unsorted or duplicate indices a
    canonical copy: SciPy's reductions (``max``, ``min_max_axis``) sort and sum
    them in place, which would change the caller's arrays.

    Examples
    --------
    >>> import scipy.sparse as sp
    >>> X = sp.csr_matrix((np.array([1.0, 2.0]), np.array([1, 0]), np.array([0, 2])))
    >>> X.has_canonical_format, canonical(X) is X
    (False, False)
    """
    if sp.issparse(X) and not X.has_canonical_format:
        return X.copy()
    return X
