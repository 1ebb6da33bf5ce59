"""Every private scikit-learn name this package uses, imported in one place.

scikit-learn may move or change these between releases: this is the one module to
adapt when it does. Supported: scikit-learn 1.8 and 1.9 (``setup.cfg`` bounds the
range, and CI tests the oldest and the newest release). Each import says why.
"""

from sklearn import get_config

# The fit decorator of every scikit-learn estimator: validates the parameters once
# and skips the nested validation of estimators called inside fit.
from sklearn.base import _fit_context

# The array API compatibility layer scikit-learn vendors: the namespace of any
# array API object (NumPy arrays included), and whether an object is one.
from sklearn.externals.array_api_compat import array_namespace, is_array_api_obj

# Array API helpers: the namespace and device of an input, and conversion back to
# NumPy (labels and hold-out scores are computed in NumPy).
from sklearn.utils._array_api import (
    _convert_to_numpy,
    _is_numpy_namespace,
    get_namespace,
    get_namespace_and_device,
)
from sklearn.utils._array_api import device as array_device

# Rows per block that keep temporaries within the user's ``working_memory``.
from sklearn.utils._chunking import get_chunk_n_rows

# An ImportError naming the caller when matplotlib is missing.
from sklearn.utils._optional_dependencies import check_matplotlib_support

# Parameter constraints, as every scikit-learn estimator declares them.
from sklearn.utils._param_validation import (
    Interval,
    InvalidParameterError,
    Options,
    StrOptions,
)

# Version strings compared as scikit-learn compares its own (a pickle from a newer
# release of this package warns).
from sklearn.utils.fixes import parse_version

# partial_fit's ``classes`` logic and messages (used on a scratch object, so that
# the estimator itself changes only when a fit succeeds).
from sklearn.utils.multiclass import _check_partial_fit_first_call

# sample_weight checks with scikit-learn's messages; column names of a DataFrame
# (recorded at the end of fit rather than by validate_data at its start).
from sklearn.utils.validation import _check_sample_weight, _get_feature_names

try:  # scikit-learn >= 1.9
    from sklearn.utils._array_api import check_same_namespace
except ImportError:  # scikit-learn 1.8: the same check and message

    def check_same_namespace(X, estimator, *, attribute, method):
        """Refuse ``X`` from another namespace or device than the fitted attribute."""
        if not get_config()["array_api_dispatch"]:
            return
        fit_xp, _, fit_device = get_namespace_and_device(getattr(estimator, attribute))
        X_xp, _, X_device = get_namespace_and_device(X)
        if (X_xp == fit_xp and X_device == fit_device) or (
            _is_numpy_namespace(fit_xp) and _is_numpy_namespace(X_xp)
        ):
            return
        raise ValueError(
            f"Inputs passed to {type(estimator).__name__}.{method}() must use the "
            "same namespace and the same device as those passed to fit(): fit used "
            f"{fit_xp.__name__} on {fit_device}, {method} got {X_xp.__name__} on "
            f"{X_device}."
        )


try:  # scikit-learn >= 1.9
    from sklearn.callback import CallbackSupportMixin
except ImportError:  # scikit-learn 1.8: no callback API

    class CallbackSupportMixin:
        """Stand-in on scikit-learn < 1.9, which has no callback API."""


__all__ = [
    "CallbackSupportMixin",
    "Interval",
    "InvalidParameterError",
    "Options",
    "StrOptions",
    "_check_partial_fit_first_call",
    "_check_sample_weight",
    "_convert_to_numpy",
    "_fit_context",
    "_get_feature_names",
    "array_device",
    "array_namespace",
    "check_matplotlib_support",
    "check_same_namespace",
    "get_chunk_n_rows",
    "get_namespace",
    "get_namespace_and_device",
    "is_array_api_obj",
    "parse_version",
]
