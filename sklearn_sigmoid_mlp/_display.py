"""``LossCurveDisplay``: the notebook's loss-per-epoch figure, in scikit-learn's Display
pattern (``from_estimator`` builds it, ``plot`` draws it, ``ax_``/``figure_`` keep it).
"""

import numpy as np
from sklearn.pipeline import Pipeline
from sklearn.utils.validation import check_is_fitted

from ._fixes import check_matplotlib_support


class LossCurveDisplay:
    """Training loss per epoch and, with early stopping, the validation loss.

    Build it with :meth:`from_estimator`; passing ``ax=`` to several calls overlays
    several fits on one axes. An early-stopped model gets its held-out loss (what
    the stopping rule watches) beside the training loss, on the same axis and epoch
    scale, in another colour; across warm starts, epochs trained without a hold-out
    are gaps in it. The held-out accuracy is drawn on its own axis on request.

    Parameters
    ----------
    loss_curve : array-like of shape (n_epochs,)
        Loss after each epoch (``loss_curve_``).
    initial_loss : float, default=None
        Loss before the first epoch (``initial_loss_``), drawn at epoch 0.
    validation_loss_curve : array-like of shape (n_epochs,), default=None
        Held-out loss after each epoch (``validation_loss_curve_``), NaN where an
        epoch had no hold-out.
    validation_scores : array-like of shape (n_epochs,), default=None
        Held-out accuracy after each epoch (``validation_scores_``).
    estimator_name : str, default=None
        Label of the curves in the legend.

    Attributes
    ----------
    line_ : matplotlib Line2D
        The training-loss curve.
    validation_loss_line_ : matplotlib Line2D or None
        The validation-loss curve, if there is one.
    validation_line_ : matplotlib Line2D or None
        The validation-accuracy curve, if drawn (``show_score=True``), on
        ``score_ax_``.
    ax_ : matplotlib Axes
        Axes of the loss curves.
    score_ax_ : matplotlib Axes or None
        The second y axis of the validation accuracy, if drawn.
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
    >>> clf = SigmoidMSEClassifier(early_stopping=True, random_state=0)
    >>> display = LossCurveDisplay.from_estimator(clf.fit((X - 8) / 8, y))
    >>> len(display.line_.get_xdata()) == clf.n_iter_ + 1
    True
    >>> display.validation_loss_line_.get_label()
    'SigmoidMSEClassifier (validation loss)'
    """

    def __init__(
        self,
        *,
        loss_curve,
        initial_loss=None,
        validation_loss_curve=None,
        validation_scores=None,
        estimator_name=None,
    ):
        self.loss_curve = loss_curve
        self.initial_loss = initial_loss
        self.validation_loss_curve = validation_loss_curve
        self.validation_scores = validation_scores
        self.estimator_name = estimator_name

    @classmethod
    def from_estimator(
        cls, estimator, *, ax=None, label=None, log_scale=False, show_score=False
    ):
        """Draw the loss curves of a fitted model.

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
        show_score : bool, default=False
            Also draw the validation accuracy, on a second y axis.

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
            validation_loss_curve=getattr(model, "validation_loss_curve_", None),
            validation_scores=getattr(model, "validation_scores_", None),
            estimator_name=type(model).__name__,
        )
        return display.plot(
            ax=ax, label=label, log_scale=log_scale, show_score=show_score
        )

    def plot(self, ax=None, *, label=None, log_scale=False, show_score=False):
        """Draw the curves.

        Parameters
        ----------
        ax : matplotlib Axes, default=None
            Axes to draw on; a new figure when None.
        label : str, default=None
            Legend label; ``estimator_name`` when None. With a validation loss,
            the curves are labelled "<label> (training loss)" and "<label>
            (validation loss)".
        log_scale : bool, default=False
            Logarithmic loss axis.
        show_score : bool, default=False
            Also draw the validation accuracy, on a second y axis.

        Returns
        -------
        display : LossCurveDisplay
            Itself, with ``line_``, ``validation_loss_line_``, ``validation_line_``,
            ``ax_``, ``score_ax_`` and ``figure_``.
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
        name = label or self.estimator_name
        held_out = self.validation_loss_curve is not None
        (self.line_,) = ax.plot(
            epochs, losses, label=_label(name, "training loss", held_out)
        )
        self.validation_loss_line_ = self.validation_line_ = self.score_ax_ = None
        if held_out:
            # Entry k is epoch k + 1, as in loss_curve_ (NaN: no hold-out then).
            (self.validation_loss_line_,) = ax.plot(
                np.arange(1, len(self.validation_loss_curve) + 1),
                self.validation_loss_curve,
                linestyle="--",
                label=_label(name, "validation loss", True),
            )
        ax.set_xlabel("epoch")
        ax.set_ylabel("loss  1/(2m) Σ ‖f(x) − y‖²")
        if log_scale:
            ax.set_yscale("log")
        legend_ax = ax
        if show_score and self.validation_scores is not None:
            self.score_ax_ = legend_ax = ax.twinx()
            (self.validation_line_,) = self.score_ax_.plot(
                np.arange(1, len(self.validation_scores) + 1),
                self.validation_scores,
                linestyle=":",
                color=f"C{len(ax.get_lines())}",
                label=_label(name, "validation accuracy", True),
            )
            self.score_ax_.set_ylabel("validation accuracy")
        # One legend, on the topmost axes so that no curve is drawn over it.
        handles = ax.get_lines() + (
            self.score_ax_.get_lines() if self.score_ax_ is not None else []
        )
        legend_ax.legend(handles=handles, loc="upper right")
        self.ax_ = ax
        self.figure_ = ax.figure
        return self


def _label(name, what, qualified):
    """A curve's legend label: the fit's name, and what the curve is when the
    axes holds more than one kind of curve."""
    if not qualified:
        return name or what
    return f"{name} ({what})" if name else what
