"""``class_weight`` (scikit-learn's meaning) and the L2 penalty ``alpha``
(MLPClassifier's definition), checked beside scikit-learn's own estimators."""

import warnings

import numpy as np
import pytest
from sklearn.datasets import load_digits, make_classification
from sklearn.linear_model import SGDClassifier
from sklearn.metrics import balanced_accuracy_score
from sklearn.model_selection import train_test_split
from sklearn.neural_network import MLPClassifier
from sklearn.utils._param_validation import InvalidParameterError
from sklearn.utils.class_weight import compute_class_weight, compute_sample_weight

from sklearn_sigmoid_mlp import PoorFitWarning, SigmoidMSEClassifier
from sklearn_sigmoid_mlp._network import FullBatch, init_weights
from sklearn_sigmoid_mlp._training import add_l2_gradient, squared_norm

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")


@pytest.fixture(scope="module")
def split():
    X, y = load_digits(return_X_y=True)
    return train_test_split((X - 8) / 8, y, test_size=0.25, stratify=y, random_state=0)


# --- class_weight ---------------------------------------------------------------------


@pytest.mark.parametrize("digit", [3, 8])
def test_balanced_class_weight_trains_past_the_majority_plateau(split, digit):
    # The table: plain fits stop on predicting "rest" (0.5); balanced ones
    # learn (measured 0.958 and 0.910).
    X_train, X_test, y_train, y_test = split
    plain = SigmoidMSEClassifier(random_state=0)
    with pytest.warns(PoorFitWarning, match="class_weight='balanced'"):
        plain.fit(X_train, y_train == digit)
    assert balanced_accuracy_score(y_test == digit, plain.predict(X_test)) == 0.5
    balanced = SigmoidMSEClassifier(class_weight="balanced", random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        balanced.fit(X_train, y_train == digit)
    assert balanced_accuracy_score(y_test == digit, balanced.predict(X_test)) >= 0.9


@pytest.mark.parametrize("class_weight", ["balanced", {0: 1.0, 1: 3.0, 2: 0.5}])
def test_class_weight_is_the_sample_weight_it_stands_for(class_weight):
    X, y = make_classification(
        n_samples=200, n_classes=3, n_informative=4, random_state=0
    )
    params = dict(max_iter=30, tol=0, random_state=0)
    rows = np.random.RandomState(1).uniform(0.5, 2.0, size=200)
    by_class = SigmoidMSEClassifier(class_weight=class_weight, **params)
    by_class.fit(X, y, sample_weight=rows)
    # scikit-learn's class weights; "balanced" counts each class by its rows'
    # weights (scikit-learn >= 1.6), so that integer weights equal repeated rows.
    per_class = compute_class_weight(
        class_weight, classes=np.unique(y), y=y, sample_weight=rows
    )
    by_row = SigmoidMSEClassifier(**params).fit(X, y, sample_weight=rows * per_class[y])
    np.testing.assert_allclose(by_class.loss_curve_, by_row.loss_curve_, rtol=1e-12)
    for a, b in zip(by_class.coefs_, by_row.coefs_):
        np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-13)


def test_class_weight_weighs_the_early_stopping_hold_out_too():
    X, y = make_classification(n_samples=300, random_state=0)
    params = dict(early_stopping=True, max_iter=40, tol=0, random_state=0)
    weights = {0: 1.0, 1: 4.0}
    by_class = SigmoidMSEClassifier(class_weight=weights, **params).fit(X, y)
    by_row = SigmoidMSEClassifier(**params).fit(
        X, y, sample_weight=compute_sample_weight(weights, y)
    )
    np.testing.assert_allclose(
        by_class.validation_loss_curve_, by_row.validation_loss_curve_, rtol=1e-12
    )


def test_multilabel_class_weight_multiplies_the_labels_weights():
    X, y = make_classification(n_samples=200, random_state=0)
    Y = np.column_stack([y, X[:, 0] > 0.8]).astype(int)
    params = dict(max_iter=20, tol=0, random_state=0)
    by_class = SigmoidMSEClassifier(class_weight="balanced", **params).fit(X, Y)
    by_row = SigmoidMSEClassifier(**params).fit(
        X, Y, sample_weight=compute_sample_weight("balanced", Y)
    )
    np.testing.assert_allclose(by_class.loss_curve_, by_row.loss_curve_, rtol=1e-12)


def test_balanced_partial_fit_is_refused_as_by_sgdclassifier():
    X, y = make_classification(n_samples=50, random_state=0)
    for model in (SGDClassifier(), SigmoidMSEClassifier()):
        model.set_params(class_weight="balanced")
        with pytest.raises(ValueError, match=r"balanced.*partial_fit"):
            model.partial_fit(X, y, classes=[0, 1])
    weights = {0: 1.0, 1: 2.0}
    online = SigmoidMSEClassifier(class_weight=weights, random_state=0)
    online.partial_fit(X, y, classes=[0, 1])
    once = SigmoidMSEClassifier(max_iter=1, random_state=0).fit(
        X, y, sample_weight=compute_sample_weight(weights, y)
    )
    assert online.loss_curve_ == once.loss_curve_


@pytest.mark.parametrize("bad", [{0: -1.0, 1: 1.0}, {0: np.inf, 1: 1.0}])
def test_a_negative_or_infinite_class_weight_is_a_named_error(bad):
    X, y = make_classification(n_samples=50, random_state=0)
    with pytest.raises(InvalidParameterError, match="'class_weight' parameter"):
        SigmoidMSEClassifier(class_weight=bad).fit(X, y)


def test_class_weight_on_dask_equals_in_memory():
    da = pytest.importorskip("dask.array")
    X, y = make_classification(n_samples=400, random_state=0)
    params = dict(class_weight="balanced", alpha=0.01, max_iter=30, tol=0)
    local = SigmoidMSEClassifier(random_state=0, **params).fit(X, y)
    on_dask = SigmoidMSEClassifier(random_state=0, **params).fit(
        da.from_array(X, chunks=(100, 20)), da.from_array(y, chunks=100)
    )
    np.testing.assert_allclose(on_dask.loss_curve_, local.loss_curve_, rtol=1e-10)


# --- alpha ---------------------------------------------------------------------


def _mlp_loss(coefs, intercepts, X, y, alpha, sample_weight):
    """MLPClassifier's loss for given weights (its own _backprop)."""
    mlp = MLPClassifier(hidden_layer_sizes=(coefs[0].shape[1],), max_iter=1)
    mlp.set_params(activation="logistic", alpha=alpha).fit(X, y)
    mlp.coefs_, mlp.intercepts_ = (
        [c.copy() for c in coefs],
        [b.copy() for b in intercepts],
    )
    n_layers = len(coefs) + 1
    Y = mlp._label_binarizer.transform(y).astype(float)
    loss, _, _ = mlp._backprop(
        X,
        Y,
        sample_weight,
        [X] + [None] * (n_layers - 1),
        [None] * (n_layers - 1),
        [np.empty_like(c) for c in coefs],
        [np.empty_like(b) for b in intercepts],
    )
    return loss


@pytest.mark.parametrize("given", [None, 2.0, 0.25])
def test_the_penalty_is_mlpclassifiers_for_the_same_weights(given):
    # Our data term is the squared error, MLPClassifier's the log-loss: the
    # penalties are compared, as each loss with alpha minus the same without.
    X, y = make_classification(
        n_samples=60, n_classes=3, n_informative=4, random_state=0
    )
    sample_weight = None if given is None else np.full(60, given)
    alpha = 0.3

    def ours(a):
        model = SigmoidMSEClassifier(alpha=a, max_iter=1, random_state=0)
        return model.fit(X, y, sample_weight=sample_weight)

    penalty = ours(alpha).initial_loss_ - ours(0.0).initial_loss_
    weights, biases = init_weights([20, 15, 3], np.random.RandomState(0))
    coefs = weights  # already (n_in, n_out), as MLPClassifier.coefs_
    theirs = _mlp_loss(coefs, biases, X, y, alpha, sample_weight) - _mlp_loss(
        coefs, biases, X, y, 0.0, sample_weight
    )
    assert penalty == pytest.approx(theirs, rel=1e-10)
    total = 60 * (1.0 if given is None else given)
    expected = 0.5 * alpha * sum(np.sum(w * w) for w in weights) / total
    assert penalty == pytest.approx(expected, rel=1e-12)


@pytest.mark.parametrize("hidden", [(4,), (4, 3)])
def test_the_penalized_gradient_matches_finite_differences(hidden):
    rng = np.random.RandomState(0)
    X = rng.normal(size=(12, 5))
    codes = rng.randint(3, size=12)
    weights, biases = init_weights([5, *hidden, 3], rng)
    alpha = 0.7

    def batch_at(ws, bs):
        return FullBatch(X, codes, ws, bs, sample_weight=rng_weights)

    rng_weights = rng.uniform(0.5, 1.0, size=12)

    def objective(ws, bs):
        batch = batch_at(ws, bs)
        squared = batch.evaluate(need_grad=False)
        return (
            0.5
            * (squared + alpha * squared_norm(batch.penalized))
            / (batch.total_weight)
        )

    batch = batch_at(weights, biases)
    batch.evaluate()
    add_l2_gradient(batch.penalized, batch.penalized_grads, alpha)
    analytic = [g / batch.total_weight for g in batch.grads + batch.bias_grads]
    step = 1e-6
    for layer, array in enumerate(weights + biases):
        for index in np.ndindex(array.shape):
            plus = [a.copy() for a in weights + biases]
            minus = [a.copy() for a in weights + biases]
            plus[layer][index] += step
            minus[layer][index] -= step
            n = len(weights)
            numeric = (
                objective(plus[:n], plus[n:]) - objective(minus[:n], minus[n:])
            ) / (2 * step)
            assert analytic[layer][index] == pytest.approx(numeric, rel=1e-5, abs=1e-9)


def test_the_penalty_is_in_the_loss_curve_and_loss_reduction(split):
    X_train, _, y_train, _ = split
    alpha = 0.5
    model = SigmoidMSEClassifier(alpha=alpha, max_iter=50, tol=0, random_state=0)
    model.fit(X_train, y_train)
    out = 1 / (1 + np.exp(-model.decision_function(X_train)))
    data = np.sum((out - np.eye(10)[y_train]) ** 2)
    penalty = alpha * sum(np.sum(c * c) for c in model.coefs_)
    assert model.loss_ == pytest.approx(0.5 * (data + penalty) / len(y_train), 1e-10)
    assert model.loss_reduction_ == pytest.approx(
        1 - model.loss_ / model._prior_loss, rel=1e-12
    )


def test_a_larger_alpha_gives_smaller_weights(split):
    X_train, _, y_train, _ = split
    norms = [
        squared_norm(
            SigmoidMSEClassifier(alpha=alpha, max_iter=100, tol=0, random_state=0)
            .fit(X_train, y_train)
            .coefs_
        )
        for alpha in (0.0, 0.1, 1.0)
    ]
    assert norms[0] > norms[1] > norms[2]


def test_too_large_an_alpha_is_named_and_a_smaller_one_is_the_remedy():
    # A wide layer on 150 digits rows: alpha=10 holds every weight near 0.
    X, y = load_digits(return_X_y=True)
    rows = np.random.RandomState(0).permutation(len(y))
    train, test = rows[:150], rows[150:]
    X = (X - 8) / 8

    def fit(alpha):
        model = SigmoidMSEClassifier(
            hidden_layer_sizes=(100,), alpha=alpha, random_state=0
        )
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            model.fit(X[train], y[train])
        poor = [str(w.message) for w in caught if w.category is PoorFitWarning]
        return model, poor

    _, (message,) = fit(10.0)
    assert "The L2 penalty alpha=10.0 has held the weights near 0" in message
    assert message.endswith("Use a smaller alpha.")
    remedied, poor = fit(0.1)
    assert not poor
    assert remedied.score(X[test], y[test]) > 0.9
