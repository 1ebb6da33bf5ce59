"""The training loop: full-batch gradient descent and the notebook's stopping rule.

The update rule and the stopping rules live here, next to the formulas they
implement; the gradients come from ``_network.FullBatch``.
"""

import math
from dataclasses import dataclass, field
from typing import Any, Protocol

import numpy as np
from sklearn.exceptions import ConvergenceWarning

# The notebook tests ``i > 10`` on a 0-based epoch ``i``: no stop before epoch 12.
MIN_EPOCHS_BEFORE_STOP = 12

# Beyond this, products with inputs of order 1e154 overflow and every unit is
# saturated many times over: a sign that the step size is absurd, not a model.
MAX_ABS_WEIGHT = 1e150

# Below this share of a constant prediction's loss removed, a fit has learned next
# to nothing (see :func:`learned_little`).
MIN_LOSS_REDUCTION = 0.1


class PoorFitWarning(ConvergenceWarning):
    """A fit ended with a model not much better than a constant prediction.

    Raised after ``fit`` when the share of a constant prediction's loss that the
    network removed (``loss_reduction_``) is below 0.1 (training stopped on a
    plateau, or a step size saturated every unit), or when the model predicts
    one class for every training row while ``y`` holds several, whatever its
    ``loss_reduction_`` (measured up to 0.35 on one-vs-rest digits fits that
    predicted "rest" everywhere). A subclass of scikit-learn's
    :class:`~sklearn.exceptions.ConvergenceWarning`, so filters on that class
    apply to it too.
    """


class Batch(Protocol):
    """What the training loop and the estimator need from where the data lives.

    ``_network.FullBatch`` (in memory, any array namespace) and
    ``dask.DaskFullBatch`` (on a Dask cluster) implement it.
    """

    #: The array namespace of the parameters.
    xp: Any
    #: ``m``, or ``Σ_j w_j``: the loss and gradient sums are divided by it.
    total_weight: float
    #: The layers' weights and biases, updated in place by a gradient step.
    weights: list
    biases: list
    #: What a step updates, and their gradient sums from the last ``evaluate``.
    params: list
    param_grads: list
    #: The weights (not the biases) the L2 penalty applies to, and their sums.
    penalized: list
    penalized_grads: list

    def evaluate(self, need_grad: bool = True) -> float:
        """``Σ_j w_j ‖f_j - y_j‖²``; fills ``param_grads`` if ``need_grad``."""

    def prior_loss(self) -> float:
        """Loss of the best constant prediction."""

    def predicted_counts(self) -> np.ndarray:
        """Rows the network now predicts each class code for (single-label
        targets): ``predict``'s rule on every row, where the rows live."""

    def close(self) -> None:
        """Release what the batch holds (called by ``fit``, failed or not)."""


def is_improvement(previous_loss, loss, tol):
    """Whether an epoch improved the loss by at least ``tol``.

    Examples
    --------
    >>> is_improvement(1.0, 0.5, tol=1e-4), is_improvement(1.0, 1.0, tol=1e-4)
    (True, False)
    """
    return previous_loss - loss >= tol


def should_stop(epoch, epochs_without_improvement, n_iter_no_change=1):
    """The notebook's stopping rule, generalised by ``n_iter_no_change``.

    After 1-based ``epoch``, stop when ``epoch >= 12`` and the last
    ``n_iter_no_change`` epochs each improved the loss by less than ``tol`` (counted
    by the caller as ``epochs_without_improvement``). With ``n_iter_no_change=1``
    this is the notebook's ``i > 10 and loss[-2] - curr_loss < tol``; a loss that
    rises counts as no improvement.

    Examples
    --------
    >>> should_stop(11, 1), should_stop(12, 1), should_stop(12, 0)
    (False, True, False)
    >>> should_stop(20, 2, n_iter_no_change=3)
    False
    """
    return (
        epoch >= MIN_EPOCHS_BEFORE_STOP
        and epochs_without_improvement >= n_iter_no_change
    )


def gradient_step(params, grads, step, xp=np):
    """The notebook's update ``w ← w - (learning_rate / m) · Σ_j gradient_j``, in place.

    ``step`` is ``learning_rate / m`` (``m`` the total sample weight); ``grads`` hold
    sums over rows and are overwritten with ``step · grads``. Returns the largest
    ``|w|`` after the update (NaN if any is NaN), for the divergence check.
    """
    largest, any_nan = 0.0, False
    for param, grad in zip(params, grads):
        grad *= step
        param -= grad
        # max and min without |w|'s copy; a NaN in either is NaN.
        if xp is np:  # the methods skip np.max's dispatch (µs per epoch)
            high, low = float(param.max()), -float(param.min())
        else:
            high, low = float(xp.max(param)), -float(xp.min(param))
        # Kept apart: max() would drop a NaN met before a later array's number.
        any_nan = any_nan or high != high or low != low
        largest = max(high, low, largest)
    return math.nan if any_nan else largest


def _check_finite(loss, epoch, learning_rate):
    if not math.isfinite(loss):
        raise ValueError(
            f"Training diverged: the loss is {loss} after epoch {epoch}. Lower "
            f"learning_rate (now {learning_rate}) or scale the input features (for "
            "example with FixedScaler or StandardScaler) so that they are of order 1."
        )


def _check_weights(largest, epoch, learning_rate):
    if not largest <= MAX_ABS_WEIGHT:  # also catches NaN
        raise ValueError(
            f"Training diverged: a weight reached {largest:.3g} at epoch {epoch}. "
            f"Lower learning_rate (now {learning_rate}) or scale the input features "
            "(for example with FixedScaler or StandardScaler) so that they are of "
            "order 1."
        )


def check_penalty_step(alpha, learning_rate, total_weight):
    """Refuse an L2 penalty whose step amplifies the weights instead of shrinking
    them.

    The penalty's part of an epoch's update multiplies every weight by
    ``1 - learning_rate · alpha / Σ_j w_j``; at ``learning_rate · alpha / Σ_j w_j
    >= 2`` that factor is -1 or below, and the weights oscillate with a growing
    amplitude (``alpha=1000`` on 60 rows: the loss went from 8e3 to 3e26 in 12
    epochs, which the stopping rule took for a plateau).

    Examples
    --------
    >>> check_penalty_step(alpha=1.0, learning_rate=0.7, total_weight=60.0)
    """
    factor = 1.0 - learning_rate * alpha / total_weight
    if factor > -1.0:
        return
    bound = 2 * total_weight / learning_rate
    raise ValueError(
        f"alpha={alpha} is too large for learning_rate={learning_rate} on a total "
        f"sample weight of {total_weight:.4g} (the number of rows, without "
        "sample_weight): each epoch's penalty step multiplies every weight by "
        f"1 - learning_rate·alpha/Σw = {factor:.3g}, so the weights and the loss "
        f"grow without bound. Use a smaller alpha: below {bound:.4g} the penalty "
        "shrinks the weights, and much smaller values are usual (MLPClassifier's "
        "default alpha=0.0001)."
    )


def squared_norm(arrays, xp=np):
    """``Σ‖W‖²`` over ``arrays`` (einsum's own loop for NumPy: the same sum
    whatever the BLAS thread count)."""
    if xp is np:
        return float(
            sum(np.einsum("i,i->", a.reshape(-1), a.reshape(-1)) for a in arrays)
        )
    return float(sum(xp.sum(a * a) for a in arrays))


def add_l2_gradient(weights, grads, alpha):
    """``grads += alpha · weights`` in place: the L2 penalty's part of the gradient
    sums (the penalty ``alpha/(2m)·Σ‖W‖²`` has gradient ``alpha/m · W``)."""
    for weight, grad in zip(weights, grads):
        grad += alpha * weight


@dataclass
class TrainingResult:
    """What a training run leaves behind, besides the weights updated in place."""

    initial_loss: float
    loss_curve: list = field(default_factory=list)
    validation_loss_curve: list = field(default_factory=list)
    validation_scores: list = field(default_factory=list)
    # Index in ``loss_curve`` of the epoch whose weights are kept: the last one, or
    # with a validation set the one with the lowest validation loss.
    kept_index: int = -1
    stopped_by: str = "max_iter"  # "tol", "max_iter" or "callback"

    @property
    def kept_loss(self):
        """Training loss of the weights handed back."""
        return self.loss_curve[self.kept_index]


def loss_reduction(loss, prior_loss):
    """``R = 1 - L / L_prior``: how much of a constant prediction's loss is gone.

    ``L_prior`` is the loss of the best constant prediction (the targets' weighted
    means); R is then the coefficient of determination of the outputs, pooled over
    the output units: 1 for a perfect fit, 0 for no better than the class
    frequencies, negative for worse. NaN when every target column is constant.

    Examples
    --------
    >>> loss_reduction(0.09, 0.45), loss_reduction(0.45, 0.45)
    (0.8, 0.0)
    """
    if not prior_loss > 0:
        return math.nan
    return 1.0 - loss / prior_loss


def learned_little(reduction):
    """Whether a fit ended with a model not much better than a constant prediction.

    Measured on digits, iris, wine and breast cancer: healthy fits reach R of 0.8 to
    0.93; fits stuck on a plateau or saturated by too large a step end between -0.45
    and +0.02. The threshold sits between the two.

    Examples
    --------
    >>> learned_little(0.81), learned_little(0.01), learned_little(float("nan"))
    (False, True, False)
    """
    return reduction < MIN_LOSS_REDUCTION


def train(
    batch,
    *,
    learning_rate,
    max_iter,
    tol,
    n_iter_no_change=1,
    alpha=0.0,
    validation=None,
    on_epoch=None,
    stopping_rule=True,
):
    """Full-batch gradient descent on ``L = 1/(2m) · (Σ_j w_j ‖f(x_j) - y_j‖² +
    alpha · Σ‖W‖²)``, the L2 penalty over the weights (not the biases).

    One forward pass per epoch serves both the loss after the previous update and the
    gradient of the next one. ``batch.weights`` and ``batch.biases`` are updated in
    place. Epochs are numbered from 1 in each run, a warm start's too (as
    ``MLPClassifier`` numbers its ``verbose`` lines and ``n_iter_``): the stopping
    rule's 12-epoch minimum, ``on_epoch`` and the messages use these numbers.

    Parameters
    ----------
    batch : Batch
        The data, targets and weights (``_network.FullBatch`` or
        ``dask.DaskFullBatch``).
    learning_rate : float
        Multiplies the mean gradient.
    max_iter : int
        Most epochs to run.
    tol : float
        Smallest improvement of the loss (or, with ``validation``, of the validation
        loss) that counts.
    n_iter_no_change : int, default=1
        Stop after this many consecutive epochs without improvement (see
        :func:`should_stop`).
    alpha : float, default=0.0
        L2 penalty, in the units of ``batch.total_weight`` (the estimator divides
        its ``alpha`` by the scale of the sample weights, so that the penalty is
        ``alpha / (2 Σ w_j)`` times ``Σ‖W‖²`` for the weights as given). It is in
        the loss curve, the gradient and the stopping rule; not in the
        ``validation`` loss, which measures the fit to held-out data.
    validation : callable, optional
        Called after each epoch; returns the held-out ``(loss, score)``. When given,
        the validation loss replaces the training loss in the stopping rule, an
        epoch counts as an improvement when it lowers the best validation loss so
        far by at least ``tol``, and the weights of the epoch with the lowest
        validation loss are restored at the end.
    on_epoch : callable, optional
        Called as ``on_epoch(epoch, loss)`` after every epoch; returning ``True``
        stops training (a callback's request).
    stopping_rule : bool, default=True
        False: apply no stopping rule and run exactly ``max_iter`` epochs
        (``partial_fit``).

    Returns
    -------
    TrainingResult
    """
    objective = _Objective(batch, alpha)
    step = learning_rate / batch.total_weight
    result = TrainingResult(initial_loss=objective(batch.evaluate()))
    _check_finite(result.initial_loss, 0, learning_rate)
    progress = _Progress(tol, previous_loss=result.initial_loss)
    for epoch in range(1, max_iter + 1):
        if alpha:
            add_l2_gradient(batch.penalized, batch.penalized_grads, alpha)
        largest = gradient_step(batch.params, batch.param_grads, step, batch.xp)
        _check_weights(largest, epoch, learning_rate)
        loss = objective(batch.evaluate(need_grad=epoch < max_iter))
        _check_finite(loss, epoch, learning_rate)
        result.loss_curve.append(loss)
        stop_requested = on_epoch is not None and on_epoch(epoch, loss)
        progress.record(result, loss, validation, batch)
        if stop_requested:
            result.stopped_by = "callback"
            break
        if stopping_rule and should_stop(epoch, progress.stale, n_iter_no_change):
            result.stopped_by = "tol"
            break
    progress.restore_best(batch.params)
    return result


@dataclass
class _Objective:
    """The loss ``1/(2m) · (Σ_j w_j ‖f_j - y_j‖² + alpha · Σ‖W‖²)`` of a batch."""

    batch: Batch
    alpha: float

    def __call__(self, squared_error):
        if self.alpha:
            squared_error += self.alpha * squared_norm(
                self.batch.penalized, self.batch.xp
            )
        return 0.5 / self.batch.total_weight * squared_error


@dataclass
class _Progress:
    """What the stopping rule watches: consecutive epochs without improvement of
    the training loss, or with a validation set of the best validation loss so
    far, whose weights are kept (``best_params``)."""

    tol: float
    previous_loss: float
    best_validation_loss: float = math.inf
    stale: int = 0
    best_params: list = None

    def record(self, result, loss, validation, batch):
        """Count this epoch as an improvement or not; note the epoch kept."""
        if validation is None:
            improved = is_improvement(self.previous_loss, loss, self.tol)
            result.kept_index = len(result.loss_curve) - 1
        else:
            validation_loss, score = validation()
            result.validation_loss_curve.append(validation_loss)
            result.validation_scores.append(score)
            improved = is_improvement(
                self.best_validation_loss, validation_loss, self.tol
            )
            if validation_loss < self.best_validation_loss:
                self.best_validation_loss = validation_loss
                result.kept_index = len(result.loss_curve) - 1
                xp = batch.xp
                self.best_params = [xp.asarray(p, copy=True) for p in batch.params]
        self.stale = 0 if improved else self.stale + 1
        self.previous_loss = loss

    def restore_best(self, params):
        """The kept epoch's weights back into ``params`` (validation only)."""
        if self.best_params is not None:
            for param, best in zip(params, self.best_params):
                param[...] = best
