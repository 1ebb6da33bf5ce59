"""Input validation shared by the estimators."""

import numpy as np
from sklearn.utils.validation import validate_data


def checked_input(estimator, *args, **kwargs):
    """``validate_data``, without float warnings on finite extreme values.

    scikit-learn's finiteness check first sums ``X``; for finite values near the
    float64 limit that sum overflows and numpy warns, although the check then
    correctly finds every value finite.
    """
    with np.errstate(over="ignore", invalid="ignore"):
        return validate_data(estimator, *args, **kwargs)
