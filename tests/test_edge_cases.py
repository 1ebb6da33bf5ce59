"""Edge cases an outside review found: each crashed, gave a wrong number, or was a
behaviour that no test protected (a one-line change to the code passed every test).
"""

import pickle
import threading

import array_api_strict
import numpy as np
import pandas as pd
import pytest
from sklearn import config_context
from sklearn.datasets import load_digits, make_classification
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import train_test_split
from sklearn.neural_network import MLPClassifier
from sklearn.utils._param_validation import InvalidParameterError

from sklearn_sigmoid_mlp import LossCurveDisplay, SigmoidMSEClassifier
from sklearn_sigmoid_mlp._network import init_weights, sigmoid
from sklearn_sigmoid_mlp._training import gradient_step, train


@pytest.fixture(scope="module")
def digits_scaled():
    X, y = load_digits(return_X_y=True)
    return (X - 8) / 8, y


# --- crashes and wrong numbers ------------------------------------------------------


def test_early_stopping_with_weight_on_one_row_names_the_parameters():
    X, y = make_classification(n_samples=40, n_features=5, random_state=0)
    weights = np.zeros(40)
    weights[0] = 1
    model = SigmoidMSEClassifier(early_stopping=True, random_state=0)
    with pytest.raises(ValueError, match="sample_weight") as error:
        model.fit(X, y, sample_weight=weights)
    assert "validation_fraction" in str(error.value)


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_warm_start_into_early_stopping_keeps_validation_aligned(digits_scaled):
    X, y = digits_scaled
    model = SigmoidMSEClassifier(max_iter=15, tol=0, warm_start=True, random_state=0)
    model.fit(X, y)
    assert model.validation_scores_ is None
    model.set_params(early_stopping=True).fit(X, y)
    for history in (model.validation_scores_, model.validation_loss_curve_):
        assert len(history) == len(model.loss_curve_) == 30
        assert np.isnan(history[:15]).all() and not np.isnan(history[15:]).any()
    # And back: epochs without a hold-out get NaN, the history stays aligned.
    model.set_params(early_stopping=False).fit(X, y)
    assert len(model.validation_scores_) == len(model.loss_curve_) == 45
    assert np.isnan(model.validation_scores_[30:]).all()
    display = LossCurveDisplay.from_estimator(model, show_score=True)
    for line in (display.validation_loss_line_, display.validation_line_):
        epochs, values = line.get_data()
        assert np.asarray(epochs)[~np.isnan(values)].tolist() == list(range(16, 31))


def test_float32_with_huge_weights_equals_unit_weights(digits_scaled):
    X, y = digits_scaled
    X = X.astype(np.float32)

    def fit(weights):
        model = SigmoidMSEClassifier(max_iter=20, tol=0, random_state=0)
        with pytest.warns(ConvergenceWarning):
            return model.fit(X, y, sample_weight=weights)

    huge, unit = fit(np.full(len(y), 1e300)), fit(np.ones(len(y)))
    assert huge.loss_curve_ == unit.loss_curve_
    assert all(np.array_equal(a, b) for a, b in zip(huge.coefs_, unit.coefs_))


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
@pytest.mark.parametrize("binary", [False, True])
def test_predictions_work_under_errstate_raise(digits_scaled, binary):
    X, y = digits_scaled
    model = SigmoidMSEClassifier(max_iter=20, tol=0, random_state=0)
    model.fit(X, y == 3 if binary else y)
    # Denormal, saturating and overflowing rows (computed outside the errstate).
    inputs = [X * scale for scale in (1e-310, 1e3, 1e300)]
    methods = ("predict", "predict_proba", "predict_log_proba", "decision_function")
    expected = [[getattr(model, m)(Z) for m in methods] for Z in inputs]
    with np.errstate(all="raise"):
        got = [[getattr(model, m)(Z) for m in methods] for Z in inputs]
    for want, have in zip(expected, got):
        for a, b in zip(want, have):
            np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize(
    "labels, message",
    [
        (np.array(["a", 1] * 20, dtype=object), r"^y mixes labels.*str \('a'\)"),
        (np.array(["a", None] * 20, dtype=object), "^y has 20 missing label.*None"),
        (pd.Series(["a", pd.NA] * 20, dtype="string"), "^y has 20 missing.*<NA>"),
        (np.array([1.0, np.nan] * 20, dtype=object), "^y has 20 missing.*nan"),
    ],
    ids=["str-and-int", "None", "pd.NA", "NaN-object"],
)
def test_missing_or_mixed_labels_are_named(labels, message):
    X = np.random.RandomState(0).rand(40, 3)
    with pytest.raises(ValueError, match=message):
        SigmoidMSEClassifier(max_iter=2).fit(X, labels)


def test_string_labels_of_pandas_string_dtype_still_fit():
    X = np.random.RandomState(0).rand(40, 3)
    labels = pd.Series(["a", "b"] * 20, dtype="string")
    model = SigmoidMSEClassifier(max_iter=2, tol=0)
    with pytest.warns(ConvergenceWarning):
        model.fit(X, labels)
    assert model.classes_.tolist() == ["a", "b"]


@pytest.mark.parametrize(
    "params, message",
    [
        ({"hidden_layer_sizes": np.array(5)}, "hidden_layer_sizes.*array\\(5\\)"),
        ({"max_iter": True}, "'max_iter'.*bool True"),
        ({"n_iter_no_change": True}, "'n_iter_no_change'.*bool True"),
        ({"max_iter": np.True_}, "'max_iter'"),
    ],
)
def test_bools_and_zero_d_arrays_are_named_errors(params, message):
    X, y = make_classification(n_samples=40, n_features=5, random_state=0)
    with pytest.raises((ValueError, InvalidParameterError), match=message):
        SigmoidMSEClassifier(**params).fit(X, y)


def test_one_dimensional_integer_array_sizes_still_work():
    X, y = make_classification(n_samples=40, n_features=5, random_state=0)
    model = SigmoidMSEClassifier(hidden_layer_sizes=np.array([5, 3]), max_iter=2)
    with pytest.warns(ConvergenceWarning):
        model.fit(X, y)
    assert [c.shape for c in model.coefs_] == [(5, 5), (5, 3), (3, 1)]


_MID_FIT = []


class _PicklesItselfMidFit(SigmoidMSEClassifier):
    def _on_epoch_end(self, epoch, loss):
        if epoch == 2:
            _MID_FIT.append(pickle.dumps(self))


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_a_pickle_taken_during_a_fit_is_the_last_committed_model():
    X, y = make_classification(n_samples=100, n_features=5, random_state=0)
    model = _PicklesItselfMidFit(max_iter=3, tol=0, random_state=0).fit(X, y)
    old = [c.copy() for c in model.coefs_]
    _MID_FIT.clear()
    model.set_params(random_state=1).fit(X, y)
    loaded = pickle.loads(_MID_FIT.pop())
    assert not [k for k in vars(loaded) if "callback_fit" in k or "teardown" in k]
    assert all(np.array_equal(a, b) for a, b in zip(loaded.coefs_, old))
    assert loaded.predict(X).shape == (100,)


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_pickling_while_another_thread_fits_never_fails():
    X, y = make_classification(n_samples=100, n_features=5, random_state=0)
    model = SigmoidMSEClassifier(max_iter=2, tol=0, random_state=0).fit(X, y)
    done = threading.Event()

    def refit():
        for _ in range(200):
            model.fit(X, y)
        done.set()

    thread = threading.Thread(target=refit)
    thread.start()
    pickled = 0
    while not done.is_set():
        loaded = pickle.loads(pickle.dumps(model))
        assert len(loaded.coefs_) == 2 and loaded.n_iter_ == 2
        pickled += 1
    thread.join()
    assert pickled > 0


# --- behaviours a one-line change broke without a failing test ------------------------


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_an_overflowing_row_in_a_later_block_gets_its_limit(digits_scaled):
    X, y = digits_scaled
    model = SigmoidMSEClassifier(max_iter=20, tol=0, random_state=0).fit(X, y)
    X = X[:500].copy()
    X[300] = 1e308 * np.where(np.arange(64) % 2, 1.0, -1.0)  # inf - inf if summed
    with config_context(working_memory=0.01):  # blocks of ~50 rows
        proba = model.predict_proba(X)
    alone = model.predict_proba(X[300:301])
    assert not np.isnan(proba).any()
    np.testing.assert_array_equal(proba[300], alone[0])


def test_an_exactly_flat_loss_with_tol_zero_runs_to_max_iter(digits_scaled):
    # A step of 1e-300 leaves every weight unchanged: each epoch "improves" the loss
    # by exactly 0, which is not less than tol=0.
    X, y = digits_scaled
    model = SigmoidMSEClassifier(learning_rate=1e-300, tol=0, max_iter=30)
    with pytest.warns(ConvergenceWarning, match="max_iter"):
        model.fit(X, y)
    assert model.n_iter_ == 30
    assert set(model.loss_curve_) == {model.initial_loss_}


@pytest.mark.parametrize("xp", [np, array_api_strict], ids=["numpy", "strict"])
def test_weights_diverging_negative_are_reported(xp):
    params = [xp.asarray([-1e200, 0.5]), xp.asarray([0.25])]
    grads = [xp.asarray([0.0, 0.0]), xp.asarray([0.0])]
    assert gradient_step(params, grads, 1.0, xp) == 1e200


def test_a_fit_whose_weights_diverge_negative_stops_with_a_named_error():
    class Batch:  # the loss stays finite, one weight runs to -inf
        xp = np
        total_weight = 1.0
        params = [np.array([0.0, 1.0])]
        param_grads = [np.array([1e149, 0.0])]

        def evaluate(self, need_grad=True):
            return 1.0

    with pytest.raises(ValueError, match=r"a weight reached 1.1e\+151 at epoch 2"):
        train(Batch(), learning_rate=10.0, max_iter=5, tol=0)


def test_early_stopping_keeps_the_best_epoch_when_it_is_not_the_last(digits_scaled):
    # Noisy labels on 200 rows and a wide layer: the held-out loss rises again.
    X, y = digits_scaled
    X, y = X[:200], y[:200].copy()
    rng = np.random.RandomState(0)
    noisy = rng.rand(200) < 0.4
    y[noisy] = rng.randint(10, size=noisy.sum())
    model = SigmoidMSEClassifier(
        hidden_layer_sizes=(50,),
        learning_rate=4.0,
        early_stopping=True,
        validation_fraction=0.3,
        n_iter_no_change=20,
        tol=0,
        random_state=0,
    ).fit(X, y)
    losses = np.asarray(model.validation_loss_curve_)
    best = int(np.argmin(losses))
    assert best < len(losses) - 1
    # The hold-out, drawn as fit draws it: after the initial weights.
    draws = np.random.RandomState(0)
    init_weights([64, 50, 10], draws)
    _, X_val, _, y_val = train_test_split(
        X, y, test_size=0.3, random_state=draws, stratify=y
    )
    outputs = sigmoid(model.decision_function(X_val))  # the sigmoid outputs
    loss = 0.5 * np.sum((outputs - np.eye(10)[y_val]) ** 2) / len(y_val)
    assert loss == pytest.approx(losses[best], rel=1e-9)
    assert model.best_validation_score_ == model.validation_scores_[best]


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
@pytest.mark.parametrize("n_classes", [257, 300])  # 257: the first past one byte
def test_more_than_256_classes_are_encoded_right(n_classes):
    rng = np.random.RandomState(0)
    n = 2 * n_classes
    X, y = rng.rand(n, 5), np.arange(n) % n_classes
    model = SigmoidMSEClassifier(max_iter=1, random_state=0).fit(X, y)
    weights, biases = init_weights([5, 15, n_classes], np.random.RandomState(0))
    hidden = sigmoid(X @ weights[0] + biases[0])
    outputs = sigmoid(hidden @ weights[1] + biases[1])
    expected = 0.5 * np.sum((outputs - np.eye(n_classes)[y]) ** 2) / n
    assert model.initial_loss_ == pytest.approx(expected, rel=1e-12)


def test_warm_start_epochs_are_numbered_per_call_as_mlpclassifier(capsys):
    X, y = make_classification(n_samples=100, n_features=5, random_state=0)
    for cls in (SigmoidMSEClassifier, MLPClassifier):
        model = cls(max_iter=3, warm_start=True, verbose=True, random_state=0)
        with pytest.warns(ConvergenceWarning):
            model.fit(X, y)
        capsys.readouterr()
        with pytest.warns(ConvergenceWarning):
            model.fit(X, y)
        lines = capsys.readouterr().out.splitlines()
        assert [line.split(",")[0] for line in lines] == [
            "Iteration 1",
            "Iteration 2",
            "Iteration 3",
        ], cls.__name__
        assert model.n_iter_ == 3 and len(model.loss_curve_) == 6


def test_a_warm_start_trains_at_least_twelve_epochs_of_its_own(digits_scaled):
    # The notebook's minimum holds per call: a continued model is not stopped at
    # its first epoch because the model has run more than 12 before.
    X, y = digits_scaled
    model = SigmoidMSEClassifier(warm_start=True, random_state=0).fit(X, y)
    model.fit(X, y)
    assert model.n_iter_ >= 12


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_a_refit_on_an_ndarray_drops_the_feature_names():
    X, y = make_classification(
        n_samples=60, n_features=3, n_informative=2, n_redundant=0, random_state=0
    )
    frame = pd.DataFrame(X, columns=["a", "b", "c"])
    model = SigmoidMSEClassifier(max_iter=2).fit(frame, y)
    assert model.feature_names_in_.tolist() == ["a", "b", "c"]
    model.fit(X, y)
    assert not hasattr(model, "feature_names_in_")
