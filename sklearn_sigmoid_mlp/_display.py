"""``LossCurveDisplay``: the notebook's loss-per-epoch figure, in scikit-learn's Display
pattern (``from_estimator`` builds it, ``plot`` draws it, ``ax_``/``figure_`` keep it).
"""

import numpy as np
from sklearn.pipeline import Pipeline
from sklearn.utils.validation import check_is_fitted

from ._fixes import check_matplotlib_support


class LossCurveDisplay:
    """Training loss per epoch, and the validation score when there is one.

    Build it with :meth:`from_estimator`; passing ``ax=`` to several calls overlays
    several fits on one axes.

    Parameters
    ----------
    loss_curve : array-like of shape (n_epochs,)
        Loss after each epoch (``loss_curve_``).
    initial_loss : float, default=None
        Loss before the first epoch (``initial_loss_``), drawn at epoch 0.
    validation_scores : array-like of shape (n_epochs,), default=None
        Held-out score after each epoch (``validation_scores_``), drawn on a
        second y axis.
    estimator_name : str, default=None
        Label of the curve in the legend.

    Attributes
    ----------
    line_ : matplotlib Line2D
        The training-loss curve.
    validation_line_ : matplotlib Line2D or None
        The validation-score curve, if drawn.
    ax_ : matplotlib Axes
        Axes of the loss curve.
    figure_ : matplotlib Figure
        Figure holding ``ax_``.

    See Also
    --------
    sklearn.model_selection.LearningCurveDisplay : Score against training-set size.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> from sklearn.datasets import load_digits
    >>> from sklearn_sigmoid_mlp import LossCurveDisplay, SigmoidMSEClassifier
    >>> X, y = load_digits(return_X_y=True)
    >>> clf = SigmoidMSEClassifier(learning_rate=4.0, tol=1e-3, random_state=0)
    >>> display = LossCurveDisplay.from_estimator(clf.fit((X - 8) / 8, y))
    >>> len(display.line_.get_xdata()) == clf.n_iter_ + 1
    True
    """

    def __init__(
        self,
        *,
        loss_curve,
        initial_loss=None,
        validation_scores=None,
        estimator_name=None,
    ):
        self.loss_curve = loss_curve
        self.initial_loss = initial_loss
        self.validation_scores = validation_scores
        self.estimator_name = estimator_name

    @classmethod
    def from_estimator(cls, estimator, *, ax=None, label=None, log_scale=False):
        """Draw the loss curve of a fitted model.

        The model is a ``SigmoidMSEClassifier``, or a ``Pipeline`` ending in one.

        Parameters
        ----------
        estimator : SigmoidMSEClassifier or Pipeline
            Fitted; a pipeline's last step is used.
        ax : matplotlib Axes, default=None
            Axes to draw on; a new figure when None.
        label : str, default=None
            Legend label; the estimator's class name when None.
        log_scale : bool, default=False
            Logarithmic loss axis.

        Returns
        -------
        display : LossCurveDisplay
        """
        check_matplotlib_support("LossCurveDisplay.from_estimator")
        model = estimator[-1] if isinstance(estimator, Pipeline) else estimator
        check_is_fitted(model, "loss_curve_")
        display = cls(
            loss_curve=model.loss_curve_,
            initial_loss=getattr(model, "initial_loss_", None),
            validation_scores=getattr(model, "validation_scores_", None),
            estimator_name=type(model).__name__,
        )
        return display.plot(ax=ax, label=label, log_scale=log_scale)

    def plot(self, ax=None, *, label=None, log_scale=False):
        """Draw the curves.

        Parameters
        ----------
        ax : matplotlib Axes, default=None
            Axes to draw on; a new figure when None.
        label : str, default=None
            Legend label; ``estimator_name`` when None.
        log_scale : bool, default=False
            Logarithmic loss axis.

        Returns
        -------
        display : LossCurveDisplay
            Itself, with ``line_``, ``validation_line_``, ``ax_`` and ``figure_``.
        """
        check_matplotlib_support("LossCurveDisplay.plot")
        import matplotlib.pyplot as plt

        if ax is None:
            _, ax = plt.subplots()
        losses = list(self.loss_curve)
        epochs = np.arange(1, len(losses) + 1)
        if self.initial_loss is not None:
            losses = [self.initial_loss, *losses]
            epochs = np.arange(len(losses))
        label = label or self.estimator_name or "training loss"
        (self.line_,) = ax.plot(epochs, losses, label=label)
        ax.set_xlabel("epoch")
        ax.set_ylabel("loss  1/(2m) Σ ‖f(x) − y‖²")
        if log_scale:
            ax.set_yscale("log")
        self.validation_line_ = None
        if self.validation_scores is not None:
            twin = ax.twinx()
            (self.validation_line_,) = twin.plot(
                np.arange(1, len(self.validation_scores) + 1),
                self.validation_scores,
                linestyle="--",
                color=self.line_.get_color(),
                label=f"{label} (validation score)",
            )
            twin.set_ylabel("validation score")
        ax.legend(loc="upper right")
        self.ax_ = ax
        self.figure_ = ax.figure
        return self
