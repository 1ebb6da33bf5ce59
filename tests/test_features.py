"""Training features beyond the notebook: weights, multilabel, warm start, partial_fit,
patience, early stopping, callbacks and sparse input."""

import tracemalloc

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn import config_context
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import (
    GridSearchCV,
    StratifiedKFold,
    cross_val_score,
    train_test_split,
)
from sklearn.utils import check_random_state

from sklearn_sigmoid_mlp import SigmoidMSEClassifier
from sklearn_sigmoid_mlp._network import init_weights

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")


@pytest.fixture
def data(digits):
    X, y = digits
    return (X[:300] - 8) / 8, y[:300]


def assert_same_model(a, b, rtol=1e-12, atol=1e-13):
    assert len(a.loss_curve_) == len(b.loss_curve_)
    np.testing.assert_allclose(a.loss_curve_, b.loss_curve_, rtol=rtol)
    for p, q in zip(a.coefs_ + a.intercepts_, b.coefs_ + b.intercepts_):
        np.testing.assert_allclose(p, q, rtol=rtol, atol=atol)


# --- sample_weight --------------------------------------------------------------


def test_integer_weights_equal_repeated_rows(data):
    X, y = data
    weights = np.random.RandomState(0).randint(1, 4, size=len(y))
    params = dict(max_iter=60, tol=1e-5, random_state=0)
    weighted = SigmoidMSEClassifier(**params).fit(X, y, sample_weight=weights)
    repeated = SigmoidMSEClassifier(**params).fit(
        np.repeat(X, weights, axis=0), np.repeat(y, weights)
    )
    assert_same_model(weighted, repeated, rtol=1e-10, atol=1e-12)


def test_zero_weights_equal_removed_rows(data):
    X, y = data
    weights = np.ones(len(y))
    weights[::3] = 0
    params = dict(max_iter=60, tol=1e-5, random_state=0)
    weighted = SigmoidMSEClassifier(**params).fit(X, y, sample_weight=weights)
    kept = weights > 0
    removed = SigmoidMSEClassifier(**params).fit(X[kept], y[kept])
    assert_same_model(weighted, removed, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize(
    "weights, match",
    [
        (-np.ones(300), "Negative values in data passed to `sample_weight`"),
        (np.zeros(300), "at least one non-zero|positive sum"),
        (np.ones(5), "sample_weight.shape"),
    ],
)
def test_bad_sample_weight_is_a_clear_error(data, weights, match):
    X, y = data
    with pytest.raises(ValueError, match=match):
        SigmoidMSEClassifier(max_iter=5).fit(X, y, sample_weight=weights)


def test_sample_weight_is_routed_by_meta_estimators(data):
    X, y = data
    weights = np.where(y % 2 == 0, 3.0, 1.0)
    cv = StratifiedKFold(3)
    params = dict(max_iter=40, tol=0.0, random_state=0)
    with config_context(enable_metadata_routing=True):
        clf = SigmoidMSEClassifier(**params).set_fit_request(sample_weight=True)
        clf.set_score_request(sample_weight=False)
        routed = cross_val_score(clf, X, y, cv=cv, params={"sample_weight": weights})
        search = GridSearchCV(clf, {"learning_rate": [0.7]}, cv=cv).fit(
            X, y, sample_weight=weights
        )
    manual = [
        SigmoidMSEClassifier(**params)
        .fit(X[train], y[train], sample_weight=weights[train])
        .score(X[test], y[test])
        for train, test in cv.split(X, y)
    ]
    np.testing.assert_allclose(routed, manual)
    np.testing.assert_allclose(search.best_score_, np.mean(manual))
    unweighted = cross_val_score(SigmoidMSEClassifier(**params), X, y, cv=cv)
    assert not np.allclose(routed, unweighted)


# --- multilabel -----------------------------------------------------------------


def test_multilabel_indicator_targets(data):
    X, y = data
    Y = np.column_stack([y % 2 == 0, y >= 5, np.isin(y, [2, 3, 5, 7])]).astype(int)
    clf = SigmoidMSEClassifier(max_iter=300, random_state=0).fit(X, Y)
    assert clf.n_outputs_ == 3
    np.testing.assert_array_equal(clf.classes_, [0, 1, 2])
    proba = clf.predict_proba(X)
    assert proba.shape == (300, 3)
    assert not np.allclose(proba.sum(axis=1), 1)  # independent, not normalised
    predicted = clf.predict(X)
    assert predicted.shape == Y.shape and set(np.unique(predicted)) <= {0, 1}
    np.testing.assert_array_equal(predicted, (proba > 0.5).astype(int))
    assert (predicted == Y).mean() > 0.8


# --- warm start and partial_fit ---------------------------------------------------


def test_warm_start_twice_20_equals_40_once(data):
    X, y = data
    once = SigmoidMSEClassifier(max_iter=40, tol=0.0, random_state=0).fit(X, y)
    warm = SigmoidMSEClassifier(max_iter=20, tol=0.0, random_state=0, warm_start=True)
    with pytest.warns(ConvergenceWarning, match="max_iter=20"):
        warm.fit(X, y)
    assert warm.n_iter_ == 20
    warm.fit(X, y)
    assert warm.n_iter_ == 20 and len(warm.loss_curve_) == 40  # as MLPClassifier
    assert warm.initial_loss_ == once.initial_loss_
    assert_same_model(warm, once, rtol=1e-14, atol=1e-15)


def test_without_warm_start_fit_starts_over(data):
    X, y = data
    clf = SigmoidMSEClassifier(max_iter=20, tol=0.0, random_state=0)
    first = clf.fit(X, y).coefs_[0].copy()
    np.testing.assert_array_equal(clf.fit(X, y).coefs_[0], first)
    assert clf.n_iter_ == 20


def test_warm_start_with_other_classes_is_a_clear_error(data):
    X, y = data
    clf = SigmoidMSEClassifier(max_iter=5, warm_start=True).fit(X, y)
    with pytest.raises(ValueError, match="same classes"):
        clf.fit(X[y < 5], y[y < 5])


def test_forty_partial_fits_equal_a_forty_epoch_fit(data):
    X, y = data
    fitted = SigmoidMSEClassifier(max_iter=40, tol=0.0, random_state=0).fit(X, y)
    partial = SigmoidMSEClassifier(random_state=0)
    for _ in range(40):
        partial.partial_fit(X, y, classes=np.unique(y))
    assert_same_model(partial, fitted, rtol=1e-14, atol=1e-15)


def test_partial_fit_needs_classes_first(data):
    X, y = data
    with pytest.raises(ValueError, match="classes must be passed on the first call"):
        SigmoidMSEClassifier().partial_fit(X, y)
    clf = SigmoidMSEClassifier().partial_fit(X[y < 5], y[y < 5], classes=range(10))
    assert clf.n_outputs_ == 10 and clf.n_iter_ == 1
    clf.partial_fit(X, y)  # later calls may see every class
    with pytest.raises(ValueError, match="is not the same as on last call"):
        clf.partial_fit(X, y, classes=range(5))
    with pytest.raises(ValueError, match=r"labels \[42\] that are not among"):
        clf.partial_fit(X[:3], [42, 1, 2])


# --- stopping: patience and early stopping --------------------------------------


def first_stop_with_patience(initial_loss, curve, tol, patience):
    losses = [initial_loss, *curve]
    stale = 0
    for t in range(1, len(losses)):
        stale = stale + 1 if losses[t - 1] - losses[t] < tol else 0
        if t >= 12 and stale >= patience:
            return t
    return None


@pytest.mark.parametrize("patience", [1, 4])
def test_n_iter_no_change_waits_for_consecutive_stale_epochs(data, patience):
    X, y = data
    # A large step makes the loss rise now and then (tol=0: every rise is stale).
    params = dict(learning_rate=20.0, tol=0.0, max_iter=600, random_state=0)
    clf = SigmoidMSEClassifier(n_iter_no_change=patience, **params).fit(X, y)
    expected = first_stop_with_patience(clf.initial_loss_, clf.loss_curve_, 0, patience)
    assert clf.n_iter_ == expected
    if patience > 1:
        short = SigmoidMSEClassifier(n_iter_no_change=1, **params)
        assert clf.n_iter_ > short.fit(X, y).n_iter_


def test_early_stopping_monitors_the_held_out_loss_and_keeps_its_best(digits):
    X, y = digits
    X = (X - 8) / 8
    params = dict(early_stopping=True, tol=1e-3, max_iter=400, random_state=0)
    clf = SigmoidMSEClassifier(**params).fit(X, y)
    losses, scores = clf.validation_loss_curve_, clf.validation_scores_
    assert len(losses) == len(scores) == clf.n_iter_ < 400
    # Stopped at the first run of 10 ("auto") epochs, from epoch 12 on, none of
    # which lowered the best held-out loss by tol.
    best, stale, stop = np.inf, 0, None
    for epoch, loss in enumerate(losses, start=1):
        stale = 0 if best - loss >= 1e-3 else stale + 1
        best = min(best, loss)
        if epoch >= 12 and stale == 10:
            stop = epoch
            break
    assert stop == clf.n_iter_
    # The same hold-out, drawn as the estimator draws it: weights first, then split.
    rng = check_random_state(0)
    init_weights([64, 15, 10], rng)
    _, X_val, y_train, y_val = train_test_split(
        X, y, test_size=0.1, random_state=rng, stratify=y
    )
    kept = int(np.argmin(losses))
    assert clf.score(X_val, y_val) == pytest.approx(scores[kept])
    assert clf.best_validation_score_ == scores[kept]
    Y_val = np.eye(10)[y_val]
    proba = clf.predict_proba(X_val)  # rows of outputs / their sum: undo it
    outputs = 1 / (1 + np.exp(-(X_val @ clf.coefs_[0] + clf.intercepts_[0])))
    outputs = 1 / (1 + np.exp(-(outputs @ clf.coefs_[1] + clf.intercepts_[1])))
    np.testing.assert_allclose(proba, outputs / outputs.sum(1, keepdims=True))
    held_out_loss = 0.5 * np.mean(np.sum((outputs - Y_val) ** 2, axis=1))
    assert held_out_loss == pytest.approx(losses[kept], rel=1e-10)
    assert clf.loss_reduction_ == pytest.approx(
        1 - clf.loss_curve_[kept] / (0.5 * np.sum(np.eye(10)[y_train].var(axis=0)))
    )


def test_early_stopping_accuracy_is_weighted_by_sample_weight(digits):
    X, y = digits
    X = (X[:600] - 8) / 8
    y = y[:600]
    weights = np.where(y < 5, 5.0, 1.0)
    params = dict(early_stopping=True, max_iter=30, tol=0, random_state=0)
    clf = SigmoidMSEClassifier(**params).fit(X, y, sample_weight=weights)
    rng = check_random_state(0)
    init_weights([64, 15, 10], rng)
    _, X_val, _, y_val, _, w_val = train_test_split(
        X, y, weights, test_size=0.1, random_state=rng, stratify=y
    )
    assert clf.best_validation_score_ == pytest.approx(
        clf.score(X_val, y_val, sample_weight=w_val)
    )
    assert clf.best_validation_score_ != pytest.approx(clf.score(X_val, y_val))


def test_no_validation_attributes_without_early_stopping(data):
    clf = SigmoidMSEClassifier(max_iter=20).fit(*data)
    assert clf.validation_scores_ is None and clf.best_validation_score_ is None


# --- callbacks (scikit-learn >= 1.9) ---------------------------------------------


def test_scoring_monitor_gets_one_task_per_epoch(data):
    callback = pytest.importorskip("sklearn.callback", reason="scikit-learn < 1.9")
    X, y = data
    monitor = callback.ScoringMonitor(scoring="accuracy")
    clf = SigmoidMSEClassifier(max_iter=15, tol=0.0, random_state=0)
    clf.set_callbacks(monitor).fit(X, y)
    frame = monitor.get_logs().data_as_pandas
    epoch_rows = frame[frame["task_name"] == "epoch"]
    assert len(epoch_rows) == clf.n_iter_ == 15
    assert list(epoch_rows["task_id"]) == list(range(15))
    assert epoch_rows["accuracy"].iloc[-1] == pytest.approx(clf.score(X, y))


def test_a_callback_can_stop_training(data):
    pytest.importorskip("sklearn.callback", reason="scikit-learn < 1.9")
    X, y = data

    class StopAfterFive:
        def setup(self, estimator, context):
            self.epochs = 0

        def on_fit_task_begin(self, estimator, context):
            pass

        def on_fit_task_end(self, estimator, context):
            if context.task_name == "epoch":
                self.epochs += 1
                return self.epochs >= 5
            return False

        def teardown(self, estimator, context):
            pass

    clf = SigmoidMSEClassifier(max_iter=100, tol=0.0, random_state=0)
    clf.set_callbacks(StopAfterFive()).fit(X, y)
    assert clf.n_iter_ == 5


def test_progress_bar_runs(data, capsys):
    callback = pytest.importorskip("sklearn.callback", reason="scikit-learn < 1.9")
    pytest.importorskip("rich", reason="ProgressBar needs rich")
    X, y = data
    clf = SigmoidMSEClassifier(max_iter=10, tol=0.0, random_state=0)
    clf.set_callbacks(callback.ProgressBar()).fit(X, y)
    assert clf.n_iter_ == 10
    assert "SigmoidMSEClassifier" in capsys.readouterr().out


# --- sparse input -----------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["csr", "csc"])
def test_sparse_fit_equals_dense(data, fmt):
    X, y = data
    X = np.where(X > 0, X, 0.0)  # about half zeros
    params = dict(max_iter=40, tol=0.0, random_state=0)
    dense = SigmoidMSEClassifier(**params).fit(X, y)
    sparse = SigmoidMSEClassifier(**params).fit(sp.csr_array(X).asformat(fmt), y)
    assert_same_model(sparse, dense, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(
        sparse.predict_proba(sp.csr_matrix(X)), dense.predict_proba(X), rtol=1e-10
    )


def test_sparse_input_is_never_densified():
    rng = np.random.RandomState(0)
    # Dense, this would be 2000 x 100000 x 8 bytes = 1.5 GiB.
    X = sp.random(2000, 100_000, density=1e-4, format="csr", random_state=rng)
    y = rng.randint(3, size=2000)
    tracemalloc.start()
    SigmoidMSEClassifier(hidden_layer_sizes=(4,), max_iter=3, tol=0).fit(X, y)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert peak < 50 * 2**20


def test_warm_start_with_other_hidden_sizes_is_a_clear_error(data):
    X, y = data
    clf = SigmoidMSEClassifier(max_iter=5, warm_start=True).fit(X, y)
    with pytest.raises(ValueError, match=r"hidden_layer_sizes changed.*\[15\] → \[8\]"):
        clf.set_params(hidden_layer_sizes=(8,)).fit(X, y)
    assert clf.coefs_[0].shape == (64, 15)


def test_early_stopping_counts_only_improvements_of_at_least_tol(data):
    from sklearn_sigmoid_mlp import PoorFitWarning

    X, y = data
    # No held-out loss falls by 1.0 after the first epoch: 10 stale epochs, and
    # the 12-epoch minimum, stop training at epoch 12.
    clf = SigmoidMSEClassifier(early_stopping=True, tol=1.0, random_state=0)
    with pytest.warns(PoorFitWarning):
        clf.fit(X, y)
    assert clf.n_iter_ == 12
    patient = SigmoidMSEClassifier(early_stopping=True, tol=0.0, random_state=0)
    assert patient.set_params(max_iter=40).fit(X, y).n_iter_ > 12


def test_partial_fit_refuses_early_stopping_and_changes_nothing(data):
    X, y = data
    clf = SigmoidMSEClassifier(random_state=0).partial_fit(X, y, classes=range(10))
    before = [c.copy() for c in clf.coefs_]
    with pytest.raises(ValueError, match="partial_fit does not support early_stopping"):
        clf.set_params(early_stopping=True).partial_fit(X, y)
    assert clf.validation_scores_ is None and clf.n_iter_ == 1
    for a, b in zip(clf.coefs_, before):
        np.testing.assert_array_equal(a, b)


def test_multilabel_partial_fit_classes_are_the_label_indices(data):
    X, y = data
    Y = np.column_stack([y % 2, y >= 5, y == 3]).astype(int)
    with pytest.raises(ValueError, match=r"label indices \[0, 1, 2\]; got classes="):
        SigmoidMSEClassifier().partial_fit(X, Y, classes=[7, 8, 9])
    clf = SigmoidMSEClassifier().partial_fit(X, Y, classes=[0, 1, 2])
    np.testing.assert_array_equal(clf.classes_, [0, 1, 2])
    assert clf.predict(X).shape == Y.shape


def test_the_per_epoch_accuracy_is_accuracy_score():
    from sklearn.metrics import accuracy_score

    from sklearn_sigmoid_mlp._classifier import _accuracy

    rng = np.random.RandomState(0)
    y, pred, w = rng.randint(3, size=50), rng.randint(3, size=50), rng.rand(50)
    Y, P = rng.randint(2, size=(50, 3)), rng.randint(2, size=(50, 3))
    P[:20] = Y[:20]
    for args in [(y, pred, None), (y, pred, w), (Y, P, None), (Y, P, w)]:
        assert _accuracy(*args) == pytest.approx(
            accuracy_score(*args[:2], sample_weight=args[2])
        )
