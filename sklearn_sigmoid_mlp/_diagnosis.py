"""Why a fit learned little, and the remedy measured to work for that cause.

Pure functions of numbers the fit already has (and of the training rows), so that
each message names one cause, checked in this order: a step so large that the
outputs saturate, inputs far from order 1, an L2 penalty that held the weights near
0, training cut by ``max_iter``, a callback, a plateau of predicting the majority
of imbalanced classes, or another plateau that the stopping rule took for
convergence. The remedies are the ones
``tests/test_poor_fit.py`` shows to work on the case that triggers each message.
"""

import numpy as np
import scipy.sparse as sp

from ._arrays import canonical, move_to, namespace_of
from ._training import MIN_LOSS_REDUCTION

# Share of the training outputs within 1e-6 of 0 or 1 from which the step is the
# cause. Measured on digits: 1.0 at learning_rate 100 and 1e6, 0.38 at 30, and 0 for
# every healthy fit and every plateau (0.7 to 10).
SATURATED_SHARE = 0.25

# Share of the (weighted) rows in the largest class from which a plateau is taken
# for the majority-class one: measured on digits' one-vs-rest targets (90 %), where
# class_weight="balanced" trains past it (balanced accuracy 0.5 -> 0.96 and 0.91).
IMBALANCED_SHARE = 0.8

# Mean square of the initial weights, rand() - 0.5: below it at the end of a fit
# with alpha > 0, the penalty has held the weights back. Measured on 150 digits
# rows, hidden (100,): 1.2e-4 at alpha 10 (a poor fit), 0.097 at 0.1 and 0.007 at
# 1 (good fits, not warned).
INITIAL_MEAN_SQUARE = 1 / 12

# Largest |x| from which unscaled inputs are the cause: the sigmoid units saturate
# on the first product. Digits' raw pixels reach 16; wine's raw features 1680.
LARGE_INPUT = 100.0

# Rows the saturated share is estimated on (a few MiB of a wide X): its standard
# error is a few % at most, fine enough for the threshold it is compared with.
SAMPLED_ROWS = 1000


def saturated_share(outputs):
    """Share of the sigmoid outputs within 1e-6 of 0 or 1 (where f·(1-f) < 1e-6).

    Examples
    --------
    >>> saturated_share(np.array([[0.0, 0.5], [1.0, 0.9]]))
    0.5
    """
    return float(np.mean(outputs * (1 - outputs) < 1e-6))


def majority_share(y, classes, sample_weight=None, chunk=65536):
    """Share of the (weighted) rows that hold the most frequent label.

    ``y``'s labels are found among the sorted ``classes`` a chunk of rows at a
    time, so that memory stays flat however many rows there are.

    Examples
    --------
    >>> majority_share(np.array(["a", "b", "b", "b"]), np.array(["a", "b"]))
    0.75
    """
    counts = np.zeros(len(classes))
    for start in range(0, len(y), chunk):
        rows = slice(start, start + chunk)
        codes = np.searchsorted(classes, y[rows])
        weights = None if sample_weight is None else sample_weight[rows]
        counts += np.bincount(codes, weights=weights, minlength=len(classes))
    return float(counts.max() / counts.sum())


def largest_input(X):
    """``max |x|`` over a NumPy or sparse ``X``, without a copy of ``|X|``.

    Examples
    --------
    >>> largest_input(np.array([[1.0, -3.0], [2.0, 0.5]]))
    3.0
    """
    if (X.nnz if sp.issparse(X) else X.size) == 0:
        return 0.0
    X = canonical(X)  # SciPy's max and min would sort a sparse X in place
    return float(max(X.max(), -X.min()))


def diagnosis_rows(X, most=SAMPLED_ROWS):
    """Every row of ``X`` up to ``most``, else ``most`` rows evenly spread over it:
    what the saturated share is estimated on (a forward pass over all rows of a
    large ``X`` would cost half an epoch).

    Examples
    --------
    >>> diagnosis_rows(np.arange(10).reshape(10, 1), most=4).ravel()
    array([0, 3, 6, 9])
    """
    if X.shape[0] <= most:
        return X
    rows = np.linspace(0, X.shape[0] - 1, most).astype(np.intp)
    if isinstance(X, np.ndarray) or sp.issparse(X):
        return X[rows]
    # Another array library, on X's device: no copy of X to the host.
    return namespace_of(X).take(X, move_to(rows, X), axis=0)


def poor_fit_message(
    *,
    loss,
    prior_loss,
    reduction,
    epoch,
    stopped_by,
    monitored,
    params,
    saturated=None,
    input_scale=None,
    majority=None,
    mean_square_weight=None,
    single=None,
):
    """The :class:`PoorFitWarning` message: the numbers, one cause, its remedy.

    Parameters
    ----------
    loss, prior_loss, reduction : float
        Training loss of the kept weights, of the constant prediction, and
        ``loss_reduction_``.
    epoch : int
        Epoch of this fit whose weights were kept.
    stopped_by : {"tol", "max_iter", "callback"}
    monitored : str
        "loss" or "validation loss".
    params : dict
        ``learning_rate``, ``max_iter``, ``tol`` and ``n_iter_no_change`` (resolved).
    saturated : float, optional
        :func:`saturated_share` of the training outputs (None if not computed).
    input_scale : float, optional
        :func:`largest_input` of the training rows (None if not computed).
    majority : float, optional
        :func:`majority_share` of single-label targets without ``class_weight``
        (None otherwise).
    mean_square_weight : float, optional
        Mean of the squared weights at the end, with ``alpha > 0`` (else None).
    single : tuple, optional
        ``(label, n_classes)`` when the model predicts ``label`` for every
        training row although ``y`` holds ``n_classes`` classes (else None).

    Returns
    -------
    str
    """
    # About the loss, not the accuracy: a model at 39 % accuracy on ten classes
    # can have a loss barely below the class frequencies'.
    than = "higher than" if round(reduction, 3) < 0 else "barely lower than"
    if reduction >= MIN_LOSS_REDUCTION:  # warned for predicting one class only
        than = "lower than"
    predicts = ""
    if single is not None:
        label, n_classes = single
        predicts = (
            f"it predicts {label!r} for every training row, although y holds "
            f"{n_classes} classes; "
        )
    numbers = (
        f"The fitted model is poor: {predicts}with the weights of epoch {epoch} of "
        f"this fit its squared-error loss on the training rows is {loss:.4g}, "
        f"{than} {prior_loss:.4g} for predicting the class frequencies "
        f"(loss_reduction_ = {reduction:.3f}; a good fit removes most of that loss, "
        "near 1)."
    )
    found = dict(
        saturated=saturated,
        input_scale=input_scale,
        majority=majority,
        mean_square_weight=mean_square_weight,
    )
    return f"{numbers} {_cause(stopped_by, monitored, params, **found)}"


def _cause(
    stopped_by,
    monitored,
    params,
    *,
    saturated,
    input_scale,
    majority,
    mean_square_weight,
):
    if saturated is not None and saturated >= SATURATED_SHARE:
        return (
            f"{saturated:.0%} of the outputs on the training rows are saturated (0 or "
            "1), where the gradient vanishes: the step is too large. Use a smaller "
            f"learning_rate (now {params['learning_rate']}; the notebook's is 0.7)."
        )
    if input_scale is not None and input_scale > LARGE_INPUT:
        return (
            f"The input features reach |x| = {input_scale:.4g}, which saturates the "
            "sigmoid units from the first layer on. Scale them to order 1: "
            "StandardScaler for most data (FixedScaler is the notebook's scaling "
            "of 0..16 pixel values)."
        )
    if mean_square_weight is not None and mean_square_weight < INITIAL_MEAN_SQUARE:
        return (
            f"The L2 penalty alpha={params['alpha']} has held the weights near 0 "
            f"(mean square {mean_square_weight:.2g}, against 1/12 for the initial "
            "draws). Use a smaller alpha."
        )
    if stopped_by == "max_iter":
        return (
            f"Training was cut by max_iter={params['max_iter']} before the {monitored} "
            "stopped improving: raise max_iter."
        )
    if stopped_by == "callback":
        return "A callback stopped training before the model learned."
    if majority is not None and majority >= IMBALANCED_SHARE:
        return (
            f"The classes are imbalanced ({majority:.0%} of the rows hold the most "
            f"frequent one), and training stopped on the plateau of predicting it "
            f"(the {monitored} improved by less than tol={params['tol']}). Use "
            "class_weight='balanced', which weighs every class equally in the "
            f"loss, or train past the plateau with a smaller tol (now "
            f"{params['tol']}, e.g. 1e-6)."
        )
    return (
        f"Training stopped because the {monitored} improved by less than "
        f"tol={params['tol']} in {params['n_iter_no_change']} consecutive epoch(s): "
        "a plateau, on which gradient descent on the squared error can sit for "
        f"long. Train past it with a smaller tol (now {params['tol']}, e.g. 1e-6) or "
        f"a larger n_iter_no_change (now {params['n_iter_no_change']}, e.g. 100), "
        "and a max_iter large enough for them."
    )


def max_iter_message(max_iter):
    """The ``ConvergenceWarning`` of a fit cut by ``max_iter``."""
    return (
        f"Gradient descent: Maximum iterations (max_iter={max_iter}) reached and the "
        "optimization hasn't converged yet; raise max_iter."
    )
