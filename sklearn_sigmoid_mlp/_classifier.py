"""``SigmoidMSEClassifier``: the notebook's network as a scikit-learn classifier.

``fit`` is a short sequence of named steps (``_fit``); the mathematics is in
``_network.py``, the training loop in ``_training.py``, labels in ``_targets.py``,
input checks in ``_validation.py``, and where the data lives (memory, another array
library, a Dask cluster) in a backend chosen by the input (``_backends.py``).
"""

import copy
import functools
import inspect
import math
import warnings
from contextlib import closing
from dataclasses import dataclass, replace
from numbers import Integral, Real

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.exceptions import ConvergenceWarning
from sklearn.utils import check_random_state
from sklearn.utils.validation import check_is_fitted

from . import _targets
from ._arrays import copy_of, move_to, namespace_of, to_numpy
from ._backends import Backend, InMemory, backend_for
from ._diagnosis import (
    diagnosis_rows,
    largest_input,
    majority_share,
    max_iter_message,
    poor_fit_message,
    saturated_share,
)
from ._doc_links import DocLinkMixin
from ._fixes import (
    CallbackSupportMixin,
    Interval,
    InvalidParameterError,
    Options,
    StrOptions,
    _fit_context,
    check_same_namespace,
    parse_version,
)
from ._network import init_weights, input_reach, predict_outputs
from ._training import (
    PoorFitWarning,
    check_penalty_step,
    learned_little,
    loss_reduction,
    squared_norm,
    train,
)
from ._validation import checked_X

# Attributes scikit-learn's callback machinery (>= 1.9) keeps on an estimator while
# it fits: not part of a model.
_FIT_IN_PROGRESS = (
    "_callback_fit_ctx",
    "_skl_callbacks_to_teardown",
    "_parent_callback_ctx",
)

# Where a pickle records the version of this package that wrote it, as
# scikit-learn's ``_sklearn_version`` (not an attribute: popped on loading).
_VERSION_KEY = "_sklearn_sigmoid_mlp_version"

# The private attributes a fit commits with the public ones (``_fitted_state``):
# whether the targets were multilabel, the loss of the best constant prediction, and
# ``input_reach`` of the first layer (``predict_outputs`` needs it on every call).
_PRIVATE_STATE = ("_multilabel", "_prior_loss", "_input_reach")


@dataclass(frozen=True)
class _Targets:
    """Step 2's result: the classes, and the targets the network is trained on."""

    backend: type[Backend]  # the class: its methods are static
    classes: np.ndarray
    multilabel: bool
    n_outputs: int

    def encode(self, y, X):
        """The network's targets for ``y``, beside ``X`` (``Backend.encode``)."""
        return self.backend.encode(y, self.classes, self.multilabel, X)


@dataclass(frozen=True)
class _Start:
    """Where training starts, apart from the weights (which go straight to the batch
    that trains them): the generator the early-stopping hold-out is drawn from
    (after the initial weights), and the history of a continued model."""

    rng: np.random.RandomState
    loss_curve: tuple = ()
    validation_scores: tuple = ()
    validation_loss_curve: tuple = ()
    initial_loss: float | None = None


class SigmoidMSEClassifier(
    DocLinkMixin, CallbackSupportMixin, ClassifierMixin, BaseEstimator
):
    """Sigmoid network trained by full-batch gradient descent on the squared error.

    The model of the well-known digits notebook: every unit (hidden and output) is a
    sigmoid, the loss is half the squared error summed over outputs and averaged over
    samples, and every epoch moves all weights once by ``learning_rate`` times the mean
    gradient over the whole training set. With the defaults, ``fit`` on digits scaled
    by ``(x - 8) / 8`` (see :class:`FixedScaler`) reproduces the notebook's run: same
    initial draws for the same seed, same updates, same stopping epoch.

    Parameters
    ----------
    hidden_layer_sizes : array-like of int, default=(15,)
        Number of sigmoid units in each hidden layer.
    learning_rate : float, default=0.7
        Step size; each epoch moves every weight and bias by ``-learning_rate`` times
        its mean gradient (the notebook's ``0.7 / m`` times the summed gradient).
    max_iter : int, default=5000
        Most epochs (full passes over the training set) to run.
    tol : float, default=1e-4
        Stopping tolerance on the loss (or, with ``early_stopping``, on the
        validation loss); see Notes for the exact rule.
    n_iter_no_change : int, np.inf or "auto", default="auto"
        Consecutive epochs without an improvement of at least ``tol`` before
        training stops. "auto" is 1 (the notebook's rule) without early stopping
        and 10 with it; ``np.inf`` never stops before ``max_iter``.
    early_stopping : bool, default=False
        Hold out ``validation_fraction`` of the training rows (stratified for
        single-label targets), compute the loss on them after every epoch, stop
        when it has not improved on its best by ``tol`` for ``n_iter_no_change``
        epochs (from epoch 12 on), and keep the weights of the epoch with the
        lowest validation loss.
    validation_fraction : float, default=0.1
        Fraction of rows held out when ``early_stopping=True``.
    warm_start : bool, default=False
        If True, ``fit`` continues from the weights of the previous fit (same classes
        and layer sizes required) for up to ``max_iter`` more epochs. As in
        ``MLPClassifier``, ``loss_curve_`` (and ``validation_scores_``) keep growing
        while ``n_iter_`` counts the epochs of the last call.
    random_state : int, RandomState instance or None, default=None
        Seeds the initial weights (and the early-stopping split, drawn after them).
        ``random_state=s`` draws the same weights as ``np.random.seed(s)`` followed
        by the notebook's ``np.random.rand`` calls.
    verbose : bool, default=False
        Print ``Iteration %d, loss = %.8f`` after every epoch, as ``MLPClassifier``
        (epochs numbered from 1 in each call to ``fit``).
    alpha : float, default=0.0
        Strength of the L2 penalty on the weights (not the biases), as in
        ``MLPClassifier``: the loss gains ``alpha / (2 Σ_j w_j) · Σ‖W‖²``, with
        ``Σ_j w_j`` the sum of the sample weights as given (``m`` without them).
        0.0 is the notebook's unpenalized loss. ``learning_rate · alpha`` must
        stay below ``2 Σ_j w_j``: beyond, each epoch's penalty step would
        amplify the weights instead of shrinking them, and ``fit`` raises a
        ``ValueError`` naming ``alpha``.
    class_weight : dict, list of dict, "balanced" or None, default=None
        Weights of the classes, multiplied into ``sample_weight`` (scikit-learn's
        ``compute_class_weight``): a dict ``{class: weight}`` (classes it does
        not name weigh 1; a ``partial_fit`` batch need not hold every class);
        "balanced" for ``Σ_j w_j / (n_classes · Σ_{j in class} w_j)``, the class
        counts weighted by ``sample_weight`` as in scikit-learn >= 1.6 (without
        it, ``n_samples / (n_classes · count(class))``), so that integer weights
        equal repeated rows; for a multilabel indicator ``y``, "balanced" or one
        dict per label (``{0: w0, 1: w1}``), the weights of a row's labels
        multiplied. The early-stopping hold-out is weighted the same way.
        ``partial_fit`` does not take "balanced" (one call's ``y`` does not give
        the class frequencies): pass a dict computed once.

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
        Class labels; for a multilabel indicator ``y``, the label indices.
    coefs_ : list of ndarray
        ``coefs_[l]`` of shape ``(n_in, n_out)``: the weights from layer ``l`` to
        layer ``l + 1`` (the notebook's ``W[:, 1:].T``).
    intercepts_ : list of ndarray
        ``intercepts_[l]`` of shape ``(n_out,)``: the biases of layer ``l + 1`` (the
        notebook's ``W[:, 0]``).
    initial_loss_ : float
        Loss of the initial weights, before the first epoch (``L_0``). The notebook
        prints twice this as ``start_loss``.
    loss_curve_ : list of float
        Loss after each epoch, ``[L_1, L_2, ...]``, over all warm starts and
        ``partial_fit`` calls.
    loss_ : float
        Loss after the last epoch, ``loss_curve_[-1]``.
    best_loss_ : float or None
        Smallest loss reached, ``min(loss_curve_)``; None with ``early_stopping``
        (as in ``MLPClassifier``).
    n_iter_ : int
        Number of epochs run by the last ``fit`` (1 after ``partial_fit``), as in
        ``MLPClassifier``; ``len(loss_curve_)`` counts them all.
    loss_reduction_ : float
        ``1 - L / L_prior``: the share of the best constant prediction's loss
        ``L_prior`` (predicting the class frequencies) that the model's training
        loss ``L`` removes -- the coefficient of determination of the outputs,
        pooled over the output units. Near 1 for a good fit (0.81 for the
        notebook's run), 0 or below for a model that learned nothing; below 0.1,
        ``fit`` warns with :class:`PoorFitWarning` (which it also does above,
        for a model that predicts one class for every training row). NaN if no
        target varies.
    validation_scores_ : list of float or None
        Held-out accuracy after each epoch with ``early_stopping``, else None.
        Aligned with ``loss_curve_`` over warm starts: once any fit of the model
        used early stopping, one entry per epoch, NaN for epochs trained without.
    validation_loss_curve_ : list of float or None
        Held-out loss after each epoch with ``early_stopping`` (what the stopping
        rule monitors), else None; aligned as ``validation_scores_``.
    best_validation_score_ : float or None
        Held-out accuracy of the kept weights (the epoch of lowest validation
        loss) with ``early_stopping``, else None.
    n_layers_ : int
        Number of layers, input and output included.
    n_outputs_ : int
        Number of output units: one per class or label, or one for two classes.
    out_activation_ : str
        Always ``"logistic"``.
    n_features_in_ : int
        Number of features seen during fit.
    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Names of features seen during fit, when ``X`` has string column names.

    See Also
    --------
    FixedScaler : The notebook's ``(x - 8) / 8`` input scaling.
    sklearn.neural_network.MLPClassifier : Mini-batch network with a log-loss output.

    Notes
    -----
    **Targets.** With three or more classes there is one output unit per class and
    the targets are one-hot 0/1 rows. With two classes there is a single output unit
    for ``classes_[1]``. A 0/1 indicator matrix ``y`` (multilabel) gets one
    independent output per label.

    **Loss.** ``L = 1/(2m) · Σ_j ‖f(x_j) - y_j‖²`` over the ``m`` training rows; with
    ``sample_weight`` (times ``class_weight``),
    ``L = 1/(2 Σ_j w_j) · Σ_j w_j ‖f(x_j) - y_j‖²`` and the gradients are weighted
    the same way, so integer weights equal repeated rows. With ``alpha > 0``,
    ``L`` gains ``alpha/(2 Σ_j w_j) · Σ‖W‖²`` over the weights (``MLPClassifier``'s
    definition), in ``loss_curve_``, the gradient, the stopping rule and
    ``loss_reduction_``; the early-stopping validation loss is the data term
    alone.

    **One epoch.** Output deltas are ``(f - y) · f · (1 - f)``; hidden deltas are
    back-propagated through the weights as they were before this epoch's update; every
    weight and bias then moves by ``-(learning_rate / m) · Σ_j gradient_j``.

    **Stopping rule.** Let ``L_0`` be the loss before training and ``L_t`` the loss
    after epoch ``t``, counted from 1 in each call to ``fit`` (a warm start's
    too, as ``MLPClassifier`` numbers ``n_iter_`` and its ``verbose`` lines; a
    callback sees one task per epoch of the call). After epoch ``t``, training
    stops if ``t`` is at least 12 and each of the last ``n_iter_no_change`` epochs had
    ``L_{t-1} - L_t < tol`` (with the default 1: this epoch did); an epoch that
    increases the loss therefore counts as no improvement. Otherwise training ends
    after ``max_iter`` epochs with a :class:`~sklearn.exceptions.ConvergenceWarning`.
    With ``early_stopping=True`` the held-out loss ``V_t`` replaces the training
    loss, and an epoch improves when ``min(V_0..V_{t-1}) - V_t >= tol`` (with
    ``V_0 = inf``); the weights of the epoch with the lowest ``V_t`` are kept.

    **A model that learned nothing is never silent.** Sigmoid networks trained on
    the squared error can sit on long plateaus (one-vs-rest targets, deeper
    networks) or saturate every unit (too large a step), where the loss barely
    moves and the rule above stops. After ``fit``, when ``loss_reduction_`` is
    below 0.1, or when the model predicts one class for every training row
    while ``y`` holds several (counted where the rows are, on a Dask cluster
    too), a :class:`PoorFitWarning` (a ``ConvergenceWarning``) gives the
    numbers and what to try: a smaller
    ``tol`` (``1e-6`` trains past the plateaus measured on digits),
    ``class_weight="balanced"`` for imbalanced classes, another
    ``learning_rate``, scaled inputs.

    **Probabilities.** The output units are independent sigmoids. For more than two
    classes ``predict_proba`` divides each row of outputs by its sum, which keeps the
    argmax; for two classes it returns ``[1 - f, f]``. ``predict`` is the argmax of
    ``predict_proba``. For multilabel targets ``predict_proba`` returns the outputs
    themselves and ``predict`` marks those above 0.5. ``decision_function`` is the
    logit of the outputs.

    **Sparse input.** CSR and CSC matrices are used as they are: products with the
    sparse rows, never a dense copy of ``X``.

    **Callbacks.** With scikit-learn >= 1.9, ``set_callbacks`` accepts its callbacks
    (``ProgressBar``, ``ScoringMonitor``, ...); every epoch is one callback task, and a
    callback may stop training.

    **All or nothing.** A fit commits every fitted attribute in one step once it has
    succeeded; a fit that fails leaves the previous model whole, and predictions
    made meanwhile (from other threads too) use the previous model. Each
    prediction reads the model once, so it never mixes an old attribute with a new
    one. As in scikit-learn, fitting one object from two threads at once is not
    supported; the result is then whichever fit committed last, whole.

    Examples
    --------
    >>> from sklearn.datasets import load_digits
    >>> from sklearn.pipeline import make_pipeline
    >>> from sklearn_sigmoid_mlp import FixedScaler, SigmoidMSEClassifier
    >>> X, y = load_digits(return_X_y=True)
    >>> model = make_pipeline(FixedScaler(), SigmoidMSEClassifier(random_state=0))
    >>> model.fit(X, y).score(X, y) > 0.9
    True
    >>> clf = model[-1]
    >>> clf.n_iter_ >= 12, len(clf.loss_curve_) == clf.n_iter_
    (True, True)
    """

    _parameter_constraints: dict = {
        "hidden_layer_sizes": [
            "array-like",
            Interval(Integral, 1, None, closed="left"),
        ],
        "learning_rate": [Interval(Real, 0, None, closed="neither")],
        "max_iter": [Interval(Integral, 1, None, closed="left")],
        "tol": [Interval(Real, 0, None, closed="left")],
        "n_iter_no_change": [
            Interval(Integral, 1, None, closed="left"),
            Options(Real, {np.inf}),
            StrOptions({"auto"}),
        ],
        "early_stopping": ["boolean"],
        "validation_fraction": [Interval(Real, 0, 1, closed="neither")],
        "warm_start": ["boolean"],
        "random_state": ["random_state"],
        "verbose": ["verbose"],
        "alpha": [Interval(Real, 0, None, closed="left")],
        "class_weight": [dict, list, StrOptions({"balanced"}), None],
    }

    def __init__(
        self,
        hidden_layer_sizes=(15,),
        learning_rate=0.7,
        max_iter=5000,
        tol=1e-4,
        n_iter_no_change="auto",
        early_stopping=False,
        validation_fraction=0.1,
        warm_start=False,
        random_state=None,
        verbose=False,
        alpha=0.0,
        class_weight=None,
    ):
        self.hidden_layer_sizes = hidden_layer_sizes
        self.learning_rate = learning_rate
        self.max_iter = max_iter
        self.tol = tol
        self.n_iter_no_change = n_iter_no_change
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.warm_start = warm_start
        self.random_state = random_state
        self.verbose = verbose
        self.alpha = alpha
        self.class_weight = class_weight

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.classifier_tags.multi_class = True
        tags.classifier_tags.multi_label = True
        tags.classifier_tags.poor_score = False
        tags.input_tags.sparse = True
        tags.array_api_support = True
        return tags

    def _validate_params(self):
        # MLPClassifier's learning_rate is a schedule name; say what it is here.
        if isinstance(self.learning_rate, str):
            raise InvalidParameterError(
                f"The 'learning_rate' parameter of {type(self).__name__} must be a "
                "float in the range (0.0, inf): the step size, called "
                f"learning_rate_init in MLPClassifier. Got {self.learning_rate!r} "
                "instead. There is no learning-rate schedule: a fixed step on the "
                "mean gradient is part of the notebook's algorithm."
            )
        weights = self.class_weight
        for table in weights if isinstance(weights, list) else [weights]:
            if isinstance(table, dict) and not all(
                isinstance(w, Real) and 0 <= w < np.inf for w in table.values()
            ):
                raise InvalidParameterError(
                    f"The 'class_weight' parameter of {type(self).__name__} must "
                    "map classes to finite non-negative weights; got "
                    f"{self.class_weight!r}."
                )
        # bool is an Integral in Python: True would pass the constraints as 1.
        for name in ("max_iter", "n_iter_no_change"):
            value = getattr(self, name)
            if isinstance(value, (bool, np.bool_)):
                raise InvalidParameterError(
                    f"The '{name}' parameter of {type(self).__name__} must be an int "
                    f"in the range [1, inf); got the bool {value!r} instead."
                )
        super()._validate_params()

    # --- public training API ------------------------------------------------------

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y, sample_weight=None):
        """Train the network on ``(X, y)`` by full-batch gradient descent.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Training data; float32 stays float32, anything else becomes float64.
            Sparse input is used as it is, never densified; a Dask array is
            trained on where its blocks live.
        y : array-like of shape (n_samples,) or (n_samples, n_labels)
            Class labels (at least two distinct), or a 0/1 indicator matrix (dense
            or sparse) for multilabel classification.
        sample_weight : array-like of shape (n_samples,), default=None
            Non-negative row weights: loss and gradients become weighted means.

        Returns
        -------
        self : SigmoidMSEClassifier
            The fitted estimator.
        """
        for message, category in self._fit(X, y, sample_weight, incremental=False):
            warnings.warn(message, category, stacklevel=_caller_stacklevel(self))
        return self

    @_fit_context(prefer_skip_nested_validation=True)
    def partial_fit(self, X, y, classes=None, sample_weight=None):
        """Run one full-batch epoch on ``(X, y)``, starting from the current weights.

        No stopping rule is applied; ``loss_curve_`` gets the loss after this
        epoch's update. ``early_stopping`` must be False, as in ``MLPClassifier``.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Training data of this call.
        y : array-like of shape (n_samples,) or (n_samples, n_labels)
            Class labels of this call (a subset of ``classes`` is fine), or a 0/1
            indicator matrix.
        classes : array-like of shape (n_classes,), default=None
            Every class that may appear in ``y`` over all calls (for a multilabel
            ``y``, the label indices). Required on the first call, optional (and
            checked) afterwards.
        sample_weight : array-like of shape (n_samples,), default=None
            Non-negative row weights of this call.

        Returns
        -------
        self : SigmoidMSEClassifier
            The updated estimator.
        """
        if self.class_weight == "balanced":
            # As SGDClassifier: one call's labels cannot tell the class frequencies.
            raise ValueError(
                "class_weight 'balanced' is not supported for partial_fit: one "
                "call's y does not give the class frequencies. Compute the weights "
                "once, e.g. dict(zip(classes, compute_class_weight('balanced', "
                "classes=classes, y=y))) with y a large enough sample of the "
                "training targets, and pass that dict as class_weight."
            )
        if self.early_stopping:
            raise ValueError(
                "partial_fit does not support early_stopping=True (as in "
                "MLPClassifier): it runs one epoch on the data it is given, with no "
                "hold-out. Set early_stopping=False."
            )
        self._fit(X, y, sample_weight, incremental=True, classes=classes)
        return self

    # --- fit, step by step ----------------------------------------------------------

    def _fit(self, X, y, sample_weight, incremental, classes=None):
        """Steps 1 to 6 of ``fit`` and ``partial_fit``; returns ``(message,
        category)`` of each warning the new model calls for (``fit`` issues them
        where its caller can see them)."""
        continuing = hasattr(self, "coefs_") and (incremental or self.warm_start)
        backend = backend_for(X)
        inputs = backend.checked_inputs(self, X, y, sample_weight, continuing)
        targets = self._encode_targets(
            backend, inputs, classes, continuing, incremental
        )
        # The model's classes: a partial_fit batch may lack some of them.
        inputs = replace(inputs, classes=targets.classes)
        inputs = backend.class_weighted(inputs, self.class_weight)
        start = self._start(continuing)
        batch, validation = self._batches(
            backend,
            inputs,
            targets,
            # Held by the batch only: it trains them (a copy for NumPy).
            self._starting_params(backend, inputs.X, targets, start.rng, continuing),
            start.rng,
            incremental,
        )
        with closing(batch):  # what the batch holds is released, failed fit or not
            result = self._train(batch, validation, inputs, targets, incremental, X)
            state = self._fitted_state(
                backend, batch, targets, start, result, inputs, incremental
            )
            # Where the rows are (on a cluster too): the classes it now predicts.
            counts = None
            if not (incremental or targets.multilabel):
                counts = batch.predicted_counts()
        self._commit(state)
        # The batch's buffers go before the diagnosis allocates its own.
        del batch, validation
        return [] if incremental else self._fit_warnings(result, inputs, counts)

    def _encode_targets(self, backend, inputs, classes, continuing, incremental):
        """Step 2: classes, and the targets the network is trained on."""
        multilabel = backend.target_kind(inputs.y)
        previous = None
        if continuing:
            previous = _targets.FittedClasses(
                classes=to_numpy(self.classes_), multilabel=self._multilabel
            )
        found = _targets.resolve_classes(
            backend.labels(inputs.y, multilabel),
            multilabel,
            given=classes,
            previous=previous,
            partial=incremental,
        )
        return _Targets(
            backend=backend,
            classes=found,
            multilabel=multilabel,
            n_outputs=_targets.n_outputs(found, multilabel),
        )

    def _start(self, continuing):
        """Step 3a: the generator of this fit, and the fitted model's history."""
        rng = check_random_state(self.random_state)
        if not continuing:
            return _Start(rng=rng)
        return _Start(
            rng=rng,
            loss_curve=tuple(self.loss_curve_),
            validation_scores=tuple(self.validation_scores_ or ()),
            validation_loss_curve=tuple(self.validation_loss_curve_ or ()),
            initial_loss=self.initial_loss_,
        )

    def _starting_params(self, backend, X, targets, rng, continuing):
        """Step 3b: ``(weights, biases)`` to start from: the notebook's initial
        draws from ``rng``, or copies of the fitted model's."""
        hidden = self._hidden_sizes()
        if continuing:
            fitted = [c.shape[1] for c in self.coefs_[:-1]]
            if fitted != hidden:
                raise ValueError(
                    f"hidden_layer_sizes changed since the model was fitted ({fitted} "
                    f"→ {hidden}); warm_start and partial_fit cannot continue it."
                )
            # X was brought to the fitted model's dtype by the input checks.
            weights = [copy_of(c) for c in self.coefs_]
            return weights, [copy_of(b) for b in self.intercepts_]
        sizes = [X.shape[1], *hidden, targets.n_outputs]
        weights, biases = init_weights(sizes, rng, dtype=backend.numpy_dtype(X))
        weights = [backend.place(w, X) for w in weights]
        return weights, [backend.place(b, X) for b in biases]

    def _batches(self, backend, inputs, targets, params, rng, incremental):
        """Step 4: what sums the loss and gradients over the training rows (the
        input's backend), starting from ``params``, and with early stopping the
        hold-out's loss and accuracy (drawn with ``rng``).
        """
        X, y, sample_weight = inputs.X, inputs.y, inputs.sample_weight
        held_out = None
        if self.early_stopping and not incremental:
            X, y, sample_weight, held_out = backend.hold_out(
                X,
                y,
                sample_weight,
                targets.multilabel,
                self.validation_fraction,
                rng,
            )
        batch = backend.batch(X, targets.encode(y, X), *params, sample_weight)
        if held_out is None:
            return batch, None
        return batch, _held_out_scores(backend, batch, targets, *held_out)

    def _train(self, batch, validation, inputs, targets, incremental, X):
        """Step 5: the training loop, with ``verbose`` and the callbacks per epoch.

        Callbacks get the caller's ``X``, and a model that has its feature names:
        a ``ScoringMonitor`` predicting a DataFrame sees the columns it was
        fitted on (the checked array has no names, which a model refitted on a
        DataFrame would warn about every epoch).
        """
        check_penalty_step(
            self.alpha, self.learning_rate, batch.total_weight * inputs.weight_scale
        )
        max_epochs = 1 if incremental else self.max_iter
        callback_ctx = self._begin_callbacks(X, inputs.y, max_epochs)
        # An epoch's callback context costs ~30 µs; only callbacks need one.
        per_epoch_callbacks = callback_ctx is not None and bool(
            getattr(self, "_skl_callbacks", None)
        )

        def fitted_so_far():  # what a callback needs to predict with the model
            return dict(
                classes_=targets.classes,
                _multilabel=targets.multilabel,
                n_outputs_=targets.n_outputs,
                n_features_in_=inputs.n_features_in,
                feature_names_in_=inputs.feature_names_in,  # None: no names
                # A copy of this estimator gets these: none of the previous fit's.
                **_network_state(batch),
            )

        def on_epoch(epoch, loss):
            if self.verbose:
                print(f"Iteration {epoch}, loss = {loss:.8f}")
            self._on_epoch_end(epoch, loss)
            if not per_epoch_callbacks:
                return False
            epoch_ctx = callback_ctx.subcontext(task_name="epoch")
            epoch_ctx.call_on_fit_task_begin(estimator=self, X=X, y=inputs.y)
            return epoch_ctx.call_on_fit_task_end(
                estimator=self,
                X=X,
                y=inputs.y,
                reconstruction_attributes=fitted_so_far,
            )

        result = train(
            batch,
            learning_rate=self.learning_rate,
            max_iter=max_epochs,
            tol=self.tol,
            n_iter_no_change=self._patience(),
            # In the units of the scaled weights: alpha / (2 Σ w) as given.
            alpha=self.alpha / inputs.weight_scale,
            validation=validation,
            on_epoch=on_epoch,
            stopping_rule=not incremental,
        )
        if callback_ctx is not None:
            callback_ctx.call_on_fit_task_end(
                estimator=self,
                X=X,
                y=inputs.y,
                reconstruction_attributes=fitted_so_far,
            )
        return result

    def _fitted_state(
        self, backend, batch, targets, start, result, inputs, incremental
    ):
        """Step 6a: every fitted attribute of the new model, in one dict."""
        X = inputs.X
        classes = targets.classes
        if classes.dtype.kind in "biuf":
            # Numeric classes_ follow X's namespace (scikit-learn's array API checks
            # ask for it) as the backend places arrays (Dask: NumPy, like every
            # fitted attribute); string labels can only be NumPy.
            classes = backend.place(classes, X)
        prior_loss = batch.prior_loss()
        loss_curve = [*start.loss_curve, *result.loss_curve]
        early = self.early_stopping and not incremental
        validation_scores, validation_loss_curve = _validation_history(
            start, result, early
        )
        state = dict(
            classes_=classes,
            _multilabel=targets.multilabel,
            _prior_loss=prior_loss,
            n_outputs_=targets.n_outputs,
            **_network_state(batch),  # coefs_, intercepts_, _input_reach
            initial_loss_=(
                result.initial_loss
                if start.initial_loss is None
                else start.initial_loss
            ),
            loss_curve_=loss_curve,
            loss_=loss_curve[-1],
            # MLPClassifier's meanings: no best training loss with early stopping;
            # n_iter_ counts the epochs of this call (loss_curve_ keeps them all).
            best_loss_=None if early else min(loss_curve),
            n_iter_=len(result.loss_curve),
            n_layers_=len(batch.weights) + 1,
            out_activation_="logistic",
            loss_reduction_=loss_reduction(result.kept_loss, prior_loss),
            validation_scores_=validation_scores,
            validation_loss_curve_=validation_loss_curve,
            best_validation_score_=(
                result.validation_scores[result.kept_index] if early else None
            ),
            n_features_in_=inputs.n_features_in,
        )
        if inputs.feature_names_in is not None:
            state["feature_names_in_"] = inputs.feature_names_in
        return state

    def _commit(self, state):
        """Step 6b: the new model replaces the old one in one step.

        A new ``__dict__`` is built aside and swapped in by one assignment, so that
        a reader in another thread (``predict``, ``pickle``) sees the old model or
        the new one, never a mix (a refit without feature names drops the old ones).
        """
        new = {k: v for k, v in vars(self).items() if k != "feature_names_in_"}
        new.update(state)
        self.__dict__ = new

    def __getstate__(self):
        """The model without what a fit in progress keeps on it.

        scikit-learn's callback machinery adds and removes attributes on the
        estimator during ``fit``; a copy taken in one step (not the live
        ``__dict__``, which ``pickle`` would iterate while another thread's fit
        changes it) without them is the last committed model.
        """
        state = dict(vars(self))
        for transient in _FIT_IN_PROGRESS:
            state.pop(transient, None)
        state[_VERSION_KEY] = _package_version()
        return state

    def __setstate__(self, state):
        """The pickled model, with the default of every parameter added since the
        version that wrote it.

        Pickles of 0.2 and 0.3 record no version and have no ``alpha`` or
        ``class_weight``: their models were trained as these defaults train
        (unpenalized, unweighted), and ``repr``, ``get_params``, ``clone`` and a
        continued fit need every parameter.
        """
        state = dict(state)
        written_by = state.pop(_VERSION_KEY, None)
        if written_by is not None and parse_version(written_by) > parse_version(
            _package_version()
        ):
            warnings.warn(
                f"This {type(self).__name__} was pickled by sklearn-sigmoid-mlp "
                f"{written_by}, newer than this {_package_version()}: it may not "
                "load or predict as it did. Upgrade sklearn-sigmoid-mlp to load it.",
                UserWarning,
                stacklevel=2,
            )
        for name, default in _parameter_defaults(type(self)).items():
            state.setdefault(name, default)
        super().__setstate__(state)

    # --- helpers of the steps -------------------------------------------------------

    def _hidden_sizes(self):
        sizes = self.hidden_layer_sizes
        if isinstance(sizes, Integral):
            sizes = [sizes]
        elif np.ndim(sizes) == 0:  # a 0-d array: neither an int nor a sequence
            sizes = None
        else:
            sizes = list(sizes)
        if not sizes or any(
            isinstance(s, bool) or not isinstance(s, Integral) or s < 1 for s in sizes
        ):
            raise ValueError(
                "hidden_layer_sizes must be a positive integer or a non-empty sequence"
                f" of positive integers, got {self.hidden_layer_sizes!r}."
            )
        return [int(s) for s in sizes]

    def _patience(self):
        """``n_iter_no_change`` with "auto" resolved: 10 with early stopping, else 1."""
        if self.n_iter_no_change == "auto":
            return 10 if self.early_stopping else 1
        return self.n_iter_no_change

    def _on_epoch_end(self, epoch, loss):
        """Hook called after every epoch (the demo prints its progress here)."""

    def _begin_callbacks(self, X, y, max_epochs):
        """The root callback context of this fit (scikit-learn >= 1.9), or None.

        Each epoch is one sub-task, so a ``ProgressBar`` advances per epoch and a
        ``ScoringMonitor`` scores the model after every epoch.
        """
        if not hasattr(self, "_init_callback_context"):
            return None
        ctx = self._init_callback_context(max_subtasks=max_epochs)
        ctx.call_on_fit_task_begin(estimator=self, X=X, y=y)
        return ctx

    def _fit_warnings(self, result, inputs, counts):
        """``(message, category)`` of each warning this fit's result calls for;
        ``counts`` are the rows predicted for each class code (None: multilabel).
        """
        found = []
        if result.stopped_by == "max_iter":
            found.append((max_iter_message(self.max_iter), ConvergenceWarning))
        # One class for every row is a useless model whatever loss_reduction_
        # says: measured at 0.11 and 0.31 among 100 one-vs-rest digits fits.
        single = self._single_prediction(counts)
        if learned_little(self.loss_reduction_) or single is not None:
            message = self._poor_fit_message(result, inputs, single)
            found.append((message, PoorFitWarning))
        return found

    def _single_prediction(self, counts):
        """``(label, n_classes)`` if the new model predicts ``label`` for every
        training row (``counts``: rows per predicted class code), else None."""
        if counts is None or np.count_nonzero(counts) != 1:
            return None
        classes = to_numpy(self.classes_)
        label = classes[int(np.flatnonzero(counts)[0])]
        return label.tolist(), len(classes)  # a Python value: shown as False

    def _poor_fit_message(self, result, inputs, single):
        """The numbers, and the cause found on the training rows (in memory; not
        for a Dask array, which would be computed again)."""
        saturated = input_scale = majority = mean_square = None
        # In NumPy: a diagnosis on the rare path, not worth a device's memory.
        coefs = [to_numpy(c) for c in self.coefs_]
        if self.alpha > 0:
            mean_square = squared_norm(coefs) / sum(c.size for c in coefs)
        if backend_for(inputs.X) is InMemory:
            if not self._multilabel and self.class_weight is None:
                majority = majority_share(
                    inputs.y, to_numpy(self.classes_), to_numpy(inputs.sample_weight)
                )
            X = to_numpy(inputs.X)
            biases = [to_numpy(b) for b in self.intercepts_]
            outputs = predict_outputs(
                diagnosis_rows(X), coefs, biases, reach=self._input_reach
            )
            saturated = saturated_share(outputs)
            input_scale = largest_input(X)
        return poor_fit_message(
            loss=result.kept_loss,
            prior_loss=self._prior_loss,
            reduction=self.loss_reduction_,
            epoch=result.kept_index + 1,
            stopped_by=result.stopped_by,
            monitored="validation loss" if self.early_stopping else "loss",
            params=dict(
                alpha=self.alpha,
                learning_rate=self.learning_rate,
                max_iter=self.max_iter,
                tol=self.tol,
                n_iter_no_change=self._patience(),
            ),
            saturated=saturated,
            input_scale=input_scale,
            majority=majority,
            mean_square_weight=mean_square,
            single=single,
        )

    # --- prediction -------------------------------------------------------------------

    @property
    def _output_bias(self):
        # One array of the fitted model, for check_same_namespace (which reads an
        # attribute by name; intercepts_ is a list).
        return self.intercepts_[-1]

    def _outputs(self, X, method):
        """The model as it is now, and its outputs ``f(X)``, for ``method``.

        The model is read once (a shallow copy): a refit committed by another
        thread meanwhile cannot mix an old attribute with a new one.
        """
        check_is_fitted(self)
        model = copy.copy(self)
        check_same_namespace(X, model, attribute="_output_bias", method=method)
        X = checked_X(model, X)
        # Cached by fit; a model pickled before it was has none (computed here).
        reach = getattr(model, "_input_reach", None)
        return model, predict_outputs(X, model.coefs_, model.intercepts_, reach=reach)

    def predict_proba(self, X):
        """Class probabilities from the sigmoid outputs.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Input data.

        Returns
        -------
        proba : ndarray of shape (n_samples, n_classes)
            Two classes: ``[1 - f, f]`` with ``f`` the single output. More classes:
            each row of outputs divided by its sum (argmax unchanged); a row whose
            outputs all underflow to zero becomes uniform. Multilabel: the outputs
            themselves, one independent probability per label.
        """
        return self._proba(X, "predict_proba")

    def _proba(self, X, method):
        model, out = self._outputs(X, method)
        # Saturated outputs are exact 0s and 1s, and tiny ones may underflow: the
        # probabilities (and their logarithms, their logits) have the right limits
        # whatever the caller's np.errstate, as MLPClassifier's under "raise".
        with np.errstate(under="ignore"):
            return _probabilities(out, model._multilabel)

    def decision_function(self, X):
        """Confidence scores: the logit ``log(f / (1 - f))`` of the sigmoid outputs.

        Monotone in the outputs, so it ranks classes as :meth:`predict_proba` does;
        positive where an output exceeds 0.5.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Input data.

        Returns
        -------
        scores : ndarray of shape (n_samples,) or (n_samples, n_outputs)
            One column (raveled) for two classes, as scikit-learn's binary
            classifiers; otherwise one column per class or label.
        """
        _, out = self._outputs(X, "decision_function")
        xp = namespace_of(out)
        with np.errstate(divide="ignore", under="ignore"):
            scores = xp.log(out) - xp.log1p(-out)
        return scores[:, 0] if scores.shape[1] == 1 else scores

    def predict_log_proba(self, X):
        """Logarithm of :meth:`predict_proba`.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Input data.

        Returns
        -------
        log_proba : ndarray of shape (n_samples, n_classes)
            ``log(predict_proba(X))``; ``-inf`` where a probability is 0.
        """
        proba = self._proba(X, "predict_log_proba")
        with np.errstate(divide="ignore", under="ignore"):
            return namespace_of(proba).log(proba)

    def predict(self, X):
        """Predict class labels (or, for multilabel ``y``, the labels' indicators).

        Single-label: the class of the largest output (two classes: ``classes_[1]``
        where the output exceeds 0.5), which is the argmax of :meth:`predict_proba`.
        Multilabel: outputs above 0.5.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Input data.

        Returns
        -------
        y : ndarray of shape (n_samples,) or (n_samples, n_labels)
            Labels; numeric labels in ``X``'s array namespace and device.
        """
        model, out = self._outputs(X, "predict")
        labels = _targets.decode(
            to_numpy(out), to_numpy(model.classes_), model._multilabel
        )
        # Numeric labels follow X to its namespace and device; strings stay NumPy.
        return labels if labels.dtype.kind in "OUS" else move_to(labels, out)


def _package_version():
    # Read when pickling: the package imports this module before it sets it.
    from . import __version__

    return __version__


@functools.cache
def _parameter_defaults(cls):
    """``{name: default}`` of the parameters of ``cls.__init__`` (read once per
    class: ``copy.copy`` in every prediction goes through ``__setstate__``)."""
    signature = inspect.signature(cls.__init__)
    return {
        name: signature.parameters[name].default
        for name in cls._get_param_names()
        if signature.parameters[name].default is not inspect.Parameter.empty
    }


def _probabilities(out, multilabel):
    """``predict_proba`` from the network's outputs (see its docstring)."""
    xp = namespace_of(out)
    if multilabel:
        return out
    if out.shape[1] == 1:
        return xp.concat([1 - out, out], axis=1)
    total = xp.sum(out, axis=1, keepdims=True)
    dead = total == 0
    if not bool(xp.any(dead)):
        return out / total
    uniform = xp.full_like(out, 1.0 / out.shape[1])
    return xp.where(dead, uniform, out / xp.where(dead, xp.ones_like(total), total))


def _validation_history(start, result, early):
    """``validation_scores_`` and ``validation_loss_curve_`` of the new model.

    One entry per entry of ``loss_curve_`` once any fit of the model held out a
    validation set, NaN for the epochs trained without one (a warm start that
    switches early stopping on or off stays aligned with the epochs); None while
    none did.
    """
    if not early and not start.validation_scores:
        return None, None
    n_new = len(result.loss_curve)
    # Epochs of the model so far that had no hold-out (before the first that did).
    gap = [math.nan] * (len(start.loss_curve) - len(start.validation_scores))
    if early:
        new_scores, new_losses = result.validation_scores, result.validation_loss_curve
    else:
        new_scores = new_losses = [math.nan] * n_new
    return (
        [*gap, *start.validation_scores, *new_scores],
        [*gap, *start.validation_loss_curve, *new_losses],
    )


def _network_state(batch):
    """``coefs_`` and ``intercepts_`` of the batch's weights now (copies), and
    ``_input_reach``: :func:`~._network.input_reach` of ``coefs_[0]``, as
    :func:`~._network.predict_outputs` would compute it on every call."""
    coefs = [copy_of(w) for w in batch.weights]
    return dict(
        coefs_=coefs,
        intercepts_=[copy_of(b) for b in batch.biases],
        _input_reach=input_reach(to_numpy(coefs[0])),
    )


def _held_out_scores(backend, batch, targets, X_val, y_val, sw_val):
    """The early-stopping hold-out's ``validation()``: its loss and accuracy with
    the training batch's weights as they are, from one forward pass.

    The hold-out's batch shares the training batch's weights (which it updates in
    place) and keeps the outputs of each evaluation, from which the accuracy is
    computed.
    """
    held_out = backend.batch(
        X_val,
        targets.encode(y_val, X_val),
        batch.weights,
        batch.biases,
        sw_val,
        trainable=False,
        keep_outputs=True,
    )
    half_mean = 0.5 / held_out.total_weight
    sw_val = to_numpy(sw_val)

    def validation():
        loss = half_mean * held_out.evaluate(need_grad=False)
        outputs = to_numpy(held_out.outputs)
        predicted = _targets.decode(outputs, targets.classes, targets.multilabel)
        return loss, _accuracy(y_val, predicted, sw_val)

    return validation


def _caller_stacklevel(estimator):
    """The ``stacklevel`` that makes a warning issued in ``fit``'s body point at the
    code that called ``fit``.

    Passes over the frames of every ``fit`` of the estimator's classes (an override
    that calls ``super().fit``) and of the decorators that wrap them, which
    ``functools.wraps`` links by ``__wrapped__`` (scikit-learn's ``_fit_context``).
    """
    codes = set()
    for cls in type(estimator).__mro__:
        method = vars(cls).get("fit")
        while method is not None:
            codes.add(getattr(method, "__code__", None))
            method = getattr(method, "__wrapped__", None)
    frame = inspect.currentframe().f_back  # fit's: stacklevel 1
    level = 1
    while frame is not None and frame.f_code in codes:
        frame, level = frame.f_back, level + 1
    return level


def _accuracy(y_true, y_pred, sample_weight):
    """``accuracy_score`` without its input checks, for the per-epoch hold-out score.

    Those checks cost about 1.5 ms per call here, twice a whole digits epoch; the
    inputs are the estimator's own, already checked. A multilabel row counts only if
    every label is right, as in ``accuracy_score`` (a test compares the two).
    """
    correct = y_true == y_pred
    if correct.ndim == 2:
        correct = correct.all(axis=1)
    return float(np.average(correct, weights=sample_weight))
