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
    are gaps in it. The held-out accuracy is drawn on its own axis on request. The
    legend goes where it covers no curve of either axis; when every place would, the
    y ranges are raised to leave it a band at the top.

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

    A fitted search draws its best estimator's curves:

    >>> from sklearn.model_selection import GridSearchCV
    >>> search = GridSearchCV(
    ...     SigmoidMSEClassifier(learning_rate=4.0, random_state=0),
    ...     {"hidden_layer_sizes": [(10,), (15,)]}, cv=3,
    ... ).fit((X - 8) / 8, y)
    >>> display = LossCurveDisplay.from_estimator(search, label="")
    >>> display.line_.get_label()
    'training loss'
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

        The model is a ``SigmoidMSEClassifier`` (or any estimator with a
        ``loss_curve_``, such as ``MLPClassifier``), a ``Pipeline`` ending in one,
        or a search (``GridSearchCV``, ``RandomizedSearchCV``) refitted on its best
        parameters, whose ``best_estimator_`` is drawn.

        Parameters
        ----------
        estimator : SigmoidMSEClassifier, Pipeline or search estimator
            Fitted. A pipeline's last step is used, a search's ``best_estimator_``
            (which needs ``refit`` not False).
        ax : matplotlib Axes, default=None
            Axes to draw on; a new figure when None.
        label : str, default=None
            Legend label; the estimator's class name when None, and "" for curves
            named only by what they are ("training loss", ...).
        log_scale : bool, default=False
            Logarithmic loss axis.
        show_score : bool, default=False
            Also draw the validation accuracy, on a second y axis.

        Returns
        -------
        display : LossCurveDisplay
        """
        check_matplotlib_support("LossCurveDisplay.from_estimator")
        model = _model_with_loss_curve(estimator)
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
            (validation loss)"; with ``label=""``, "training loss" and
            "validation loss".
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
        name = self.estimator_name if label is None else label
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
        axes = [ax] if self.score_ax_ is None else [ax, self.score_ax_]
        handles = [line for each in axes for line in each.get_lines()]
        _place_legend(legend_ax.legend(handles=handles), axes)
        self.ax_ = ax
        self.figure_ = ax.figure
        return self


def _model_with_loss_curve(estimator):
    """The fitted model whose curves to draw: ``estimator`` itself, a pipeline's
    last step, a search's best estimator (and so on, for a search over pipelines)."""
    model = estimator
    while not hasattr(model, "loss_curve_"):
        if isinstance(model, Pipeline):
            model = model[-1]
        elif hasattr(model, "best_estimator_"):
            model = model.best_estimator_
        else:
            break
    if hasattr(model, "loss_curve_"):
        return model
    check_is_fitted(model)  # an unfitted model or search: scikit-learn's error
    name = type(model).__name__
    if hasattr(model, "cv_results_"):
        raise ValueError(
            f"This {name} was fitted with refit=False: it keeps no best_estimator_ "
            "whose loss curve LossCurveDisplay could draw. Fit the search with "
            "refit=True (the default), or fit a model with its best_params_."
        )
    raise TypeError(
        f"{name} has no loss_curve_: LossCurveDisplay draws the loss per epoch of a "
        "fitted SigmoidMSEClassifier (or of another estimator with a loss_curve_, "
        "such as MLPClassifier), of a Pipeline ending in one, or of a search "
        "(GridSearchCV, RandomizedSearchCV) refitted on its best parameters."
    )


# Where a legend may go, in the order preferred on a tie.
_LEGEND_PLACES = (
    "upper right",
    "center right",
    "lower right",
    "upper left",
    "center left",
    "lower left",
    "upper center",
    "lower center",
    "center",
)
_TOP_PLACES = tuple(place for place in _LEGEND_PLACES if place.startswith("upper"))


def _place_legend(legend, axes):
    """Move ``legend`` where it covers no point of the curves of any of ``axes``.

    matplotlib's ``loc="best"`` avoids only the curves of the axes holding the
    legend: with the validation accuracy on a twin axis, it would cover either the
    accuracy climbing to the top right or the losses. When every place covers some
    curve, the y ranges are raised to leave the legend a band of its own at the top.
    """
    places = _covered_points(legend, axes)
    if min(places.values()):
        # The band: the legend's height, and its padding above and below.
        band = (legend.get_window_extent().height + 20) / axes[0].bbox.height
        if band < 0.5:  # in a very small figure, rather cover a curve than hide it
            for ax in axes:
                _raise_top(ax, band)
            places = _covered_points(legend, axes, _TOP_PLACES)
    legend.set_loc(min(places, key=places.get))


def _covered_points(legend, axes, places=_LEGEND_PLACES):
    """How many points of the curves of ``axes`` the legend covers at each place."""
    points = [np.empty((0, 2))]
    for ax in axes:
        ax.viewLim  # noqa: B018  (applies pending autoscaling before the transform)
        for line in ax.get_lines():
            xy = ax.transData.transform(line.get_xydata())
            # Points along each segment too: one may cross a corner between epochs.
            t = np.linspace(0, 1, 4, endpoint=False)[:, None, None]
            points += [(xy[:-1] + t * np.diff(xy, axis=0)).reshape(-1, 2), xy[-1:]]
    x, y = np.concatenate(points).T
    covered = {}
    for place in places:
        legend.set_loc(place)
        box = legend.get_window_extent()
        with np.errstate(invalid="ignore"):  # NaN: epochs without a hold-out
            inside = (x >= box.x0) & (x <= box.x1) & (y >= box.y0) & (y <= box.y1)
        covered[place] = np.count_nonzero(inside)
    return covered


def _raise_top(ax, fraction):
    """Raise the top of ``ax``'s y range so that what it shows now fills the lower
    ``1 - fraction`` of the axes (in the axis' own scale: linear or log)."""
    to_scale = ax.yaxis.get_transform()
    bottom, top = to_scale.transform(np.reshape(ax.get_ylim(), (-1, 1))).ravel()
    top = bottom + (top - bottom) / (1 - fraction)
    ax.set_ylim(top=to_scale.inverted().transform([[top]]).item())
    # Curves drawn later on these axes (``ax=`` again) rescale them as before.
    ax.set_autoscaley_on(True)


def _label(name, what, qualified):
    """A curve's legend label: the fit's name, and what the curve is when the
    axes holds more than one kind of curve."""
    if not qualified:
        return name or what
    return f"{name} ({what})" if name else what
