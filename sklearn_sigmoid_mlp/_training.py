"""The training loop: full-batch gradient descent and the notebook's stopping rule.

The update rule and the stopping rule live here, next to the formulas they implement;
the gradients come from ``_network.FullBatch``.
"""

import math
from dataclasses import dataclass, field

from ._network import FullBatch

# The notebook tests ``i > 10`` on a 0-based epoch ``i``: no stop before epoch 12.
MIN_EPOCHS_BEFORE_STOP = 12


def should_stop(epoch, previous_loss, loss, tol):
    """The notebook's stopping rule, after 1-based ``epoch``.

    Stop when ``epoch >= 12`` and the loss improved by less than ``tol`` in this epoch,
    ``previous_loss - loss < tol``; a loss that rises therefore stops training too.

    Examples
    --------
    >>> should_stop(11, 1.0, 1.0, tol=1e-4)
    False
    >>> should_stop(12, 1.0, 1.0, tol=1e-4)
    True
    >>> should_stop(12, 1.0, 0.5, tol=1e-4)
    False
    """
    return epoch >= MIN_EPOCHS_BEFORE_STOP and previous_loss - loss < tol


def gradient_step(params, grads, step):
    """The notebook's update ``w ← w - (learning_rate / m) · Σ_j gradient_j``, in place.

    ``step`` is ``learning_rate / m``; ``grads`` hold sums over rows and are
    overwritten with ``step · grads``.
    """
    for param, grad in zip(params, grads):
        grad *= step
        param -= grad


def _check_finite(loss, epoch, learning_rate):
    if not math.isfinite(loss):
        raise ValueError(
            f"Training diverged: the loss is {loss} after epoch {epoch}. Lower "
            f"learning_rate (now {learning_rate}) or scale the input features (for "
            "example with FixedScaler or StandardScaler) so that they are of order 1."
        )


@dataclass
class TrainingResult:
    """What a training run leaves behind, besides the weights updated in place."""

    initial_loss: float
    loss_curve: list = field(default_factory=list)
    converged: bool = False


def train(X, Y, weights, biases, *, learning_rate, max_iter, tol, on_epoch=None):
    """Full-batch gradient descent on ``L = 1/(2m) · Σ_j ‖f(x_j) - y_j‖²``.

    One forward pass per epoch serves both the loss after the previous update and the
    gradient of the next one. ``weights`` and ``biases`` are updated in place.

    Parameters
    ----------
    X : ndarray or sparse matrix of shape (m, n_features)
    Y : ndarray of shape (n_outputs, m)
        0/1 targets, transposed (any real dtype).
    weights, biases : lists of ndarray
        In the notebook's layout, see ``_network``.
    learning_rate : float
        Multiplies the mean gradient.
    max_iter : int
        Most epochs to run.
    tol : float
        Stop once an epoch improves the loss by less than this (see
        :func:`should_stop`).
    on_epoch : callable, optional
        Called as ``on_epoch(epoch, loss)`` after every epoch.

    Returns
    -------
    TrainingResult

    Raises
    ------
    ValueError
        If the loss stops being finite (training diverged).
    """
    n_samples = X.shape[0]
    half_mean = 0.5 / n_samples
    step = learning_rate / n_samples
    batch = FullBatch(X, Y, weights, biases)
    result = TrainingResult(initial_loss=half_mean * batch.evaluate())
    _check_finite(result.initial_loss, 0, learning_rate)
    previous_loss = result.initial_loss
    for epoch in range(1, max_iter + 1):
        gradient_step(weights, batch.grads, step)
        gradient_step(biases, batch.bias_grads, step)
        loss = half_mean * batch.evaluate(need_grad=epoch < max_iter)
        _check_finite(loss, epoch, learning_rate)
        result.loss_curve.append(loss)
        if on_epoch is not None:
            on_epoch(epoch, loss)
        if should_stop(epoch, previous_loss, loss, tol):
            result.converged = True
            break
        previous_loss = loss
    return result
