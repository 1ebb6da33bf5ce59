"""``SigmoidMSEClassifier``: the notebook's network as a scikit-learn classifier.

The estimator validates input, encodes labels and exposes scikit-learn's API; the
mathematics is in ``_network.py`` and the training loop in ``_training.py``.
"""

import warnings
from numbers import Integral, Real

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin, _fit_context
from sklearn.exceptions import ConvergenceWarning
from sklearn.preprocessing import label_binarize
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import Interval
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_is_fitted, validate_data

from ._network import init_weights, predict_outputs
from ._training import train


class SigmoidMSEClassifier(ClassifierMixin, BaseEstimator):
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
        Stopping tolerance on the loss; see Notes for the exact rule.
    random_state : int, RandomState instance or None, default=None
        Seeds the initial weights. ``random_state=s`` draws the same weights as
        ``np.random.seed(s)`` followed by the notebook's ``np.random.rand`` calls.
    verbose : bool, default=False
        Print ``Iteration %d, loss = %.8f`` after every epoch, as ``MLPClassifier``.

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
        Class labels.
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
        Loss after each epoch, ``[L_1, ..., L_{n_iter_}]``.
    loss_ : float
        Loss after the last epoch, ``loss_curve_[-1]``.
    best_loss_ : float
        Smallest loss reached, ``min(loss_curve_)``.
    n_iter_ : int
        Number of epochs run.
    n_layers_ : int
        Number of layers, input and output included.
    n_outputs_ : int
        Number of output units: one per class, or one for two classes.
    out_activation_ : str
        Always ``"logistic"``.
    n_features_in_ : int
        Number of features seen during fit.
    feature_names_in_ : ndarray of shape (n_features_in_,)
        Names of features seen during fit, when ``X`` has string column names.

    See Also
    --------
    FixedScaler : The notebook's ``(x - 8) / 8`` input scaling.
    sklearn.neural_network.MLPClassifier : Mini-batch network with a log-loss output.

    Notes
    -----
    **Targets.** With three or more classes there is one output unit per class and
    the targets are one-hot 0/1 rows. With two classes there is a single output unit
    for ``classes_[1]``.

    **Loss.** ``L = 1/(2m) · Σ_j ‖f(x_j) - y_j‖²`` over the ``m`` training rows.

    **One epoch.** Output deltas are ``(f - y) · f · (1 - f)``; hidden deltas are
    back-propagated through the weights as they were before this epoch's update; every
    weight and bias then moves by ``-(learning_rate / m) · Σ_j gradient_j``.

    **Stopping rule.** Let ``L_0`` be the loss before training and ``L_t`` the loss
    after epoch ``t`` (counted from 1). After epoch ``t``, training stops if ``t`` is at
    least 12 and ``L_{t-1} - L_t < tol``; an epoch that increases the loss therefore
    stops training too. Otherwise training ends after ``max_iter`` epochs with a
    :class:`~sklearn.exceptions.ConvergenceWarning`.

    **Probabilities.** The output units are independent sigmoids. For more than two
    classes ``predict_proba`` divides each row of outputs by its sum, which keeps the
    argmax; for two classes it returns ``[1 - f, f]``. ``predict`` is the argmax of
    ``predict_proba``.

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
        "random_state": ["random_state"],
        "verbose": ["verbose"],
    }

    def __init__(
        self,
        hidden_layer_sizes=(15,),
        learning_rate=0.7,
        max_iter=5000,
        tol=1e-4,
        random_state=None,
        verbose=False,
    ):
        self.hidden_layer_sizes = hidden_layer_sizes
        self.learning_rate = learning_rate
        self.max_iter = max_iter
        self.tol = tol
        self.random_state = random_state
        self.verbose = verbose

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.classifier_tags.multi_class = True
        tags.classifier_tags.poor_score = False
        return tags

    def _hidden_sizes(self):
        sizes = self.hidden_layer_sizes
        sizes = [sizes] if isinstance(sizes, Integral) else list(sizes)
        if not sizes or any(
            isinstance(s, bool) or not isinstance(s, Integral) or s < 1 for s in sizes
        ):
            raise ValueError(
                "hidden_layer_sizes must be a positive integer or a non-empty sequence"
                f" of positive integers, got {self.hidden_layer_sizes!r}."
            )
        return [int(s) for s in sizes]

    def _on_epoch_end(self, epoch, loss):
        """Hook called after every epoch; prints the loss when ``verbose``."""
        if self.verbose:
            print(f"Iteration {epoch}, loss = {loss:.8f}")

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y):
        """Train the network on ``(X, y)`` by full-batch gradient descent.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Training data; float32 stays float32, anything else becomes float64.
        y : array-like of shape (n_samples,)
            Class labels (at least two distinct).

        Returns
        -------
        self : SigmoidMSEClassifier
            The fitted estimator.
        """
        hidden = self._hidden_sizes()
        X, y = validate_data(self, X, y, dtype=(np.float64, np.float32))
        check_classification_targets(y)
        classes = np.unique(y)
        if classes.shape[0] < 2:
            raise ValueError(
                "SigmoidMSEClassifier needs samples of at least 2 classes in the data,"
                f" but the data contains only one class: {classes[0]!r}."
            )
        # 0/1 targets as units × rows (the activations' layout), one byte each.
        Y = np.ascontiguousarray(label_binarize(y, classes=classes).T, dtype=np.uint8)

        layer_sizes = [X.shape[1], *hidden, Y.shape[0]]
        rng = check_random_state(self.random_state)
        weights, biases = init_weights(layer_sizes, rng, dtype=X.dtype)
        result = train(
            X,
            Y,
            weights,
            biases,
            learning_rate=self.learning_rate,
            max_iter=self.max_iter,
            tol=self.tol,
            on_epoch=self._on_epoch_end,
        )

        # Fitted attributes are set only once training has succeeded.
        self.classes_ = classes
        self.coefs_ = [np.ascontiguousarray(w.T) for w in weights]
        self.intercepts_ = biases
        self.initial_loss_ = result.initial_loss
        self.loss_curve_ = result.loss_curve
        self.loss_ = result.loss_curve[-1]
        self.best_loss_ = min(result.loss_curve)
        self.n_iter_ = len(result.loss_curve)
        self.n_layers_ = len(layer_sizes)
        self.n_outputs_ = Y.shape[0]
        self.out_activation_ = "logistic"
        if not result.converged:
            warnings.warn(
                f"Gradient descent: Maximum iterations (max_iter={self.max_iter}) "
                "reached and the optimization hasn't converged yet; increase "
                "max_iter or tol.",
                ConvergenceWarning,
                stacklevel=2,
            )
        return self

    def _outputs(self, X):
        check_is_fitted(self)
        X = validate_data(self, X, dtype=(np.float64, np.float32), reset=False)
        weights = [c.T for c in self.coefs_]
        return predict_outputs(X, weights, self.intercepts_)

    def predict_proba(self, X):
        """Class probabilities: the sigmoid outputs, normalised to sum to one.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        proba : ndarray of shape (n_samples, n_classes)
            Two classes: ``[1 - f, f]`` with ``f`` the single output. More classes:
            each row of outputs divided by its sum (argmax unchanged); a row whose
            outputs all underflow to zero becomes uniform.
        """
        out = self._outputs(X)
        if out.shape[1] == 1:
            return np.hstack([1 - out, out])
        total = out.sum(axis=1, keepdims=True)
        dead = total[:, 0] == 0
        if dead.any():
            out[dead] = 1
            total[dead] = out.shape[1]
        out /= total
        return out

    def predict_log_proba(self, X):
        """Logarithm of :meth:`predict_proba`.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        log_proba : ndarray of shape (n_samples, n_classes)
        """
        with np.errstate(divide="ignore"):
            return np.log(self.predict_proba(X))

    def predict(self, X):
        """Predict class labels: the argmax of :meth:`predict_proba`.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        y : ndarray of shape (n_samples,)
        """
        proba = self.predict_proba(X)
        return self.classes_[np.argmax(proba, axis=1)]
