"""Cases users met on v0.3 (issue 25): each gave a wrong number, an unclear error,
or a useless model without a word. Where a name or a behaviour is scikit-learn's,
its own estimator runs beside ours.
"""

import math
import pickle
import re
import warnings

import array_api_strict
import numpy as np
import pytest
import scipy.sparse as sp
from sklearn import config_context
from sklearn.base import clone
from sklearn.datasets import load_digits, load_iris, make_classification
from sklearn.linear_model import SGDClassifier
from sklearn.metrics import balanced_accuracy_score
from sklearn.model_selection import StratifiedKFold
from sklearn.neural_network import MLPClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.utils.class_weight import compute_class_weight

import sklearn_sigmoid_mlp
from sklearn_sigmoid_mlp import FixedScaler, PoorFitWarning, SigmoidMSEClassifier
from sklearn_sigmoid_mlp._backends import backend_for
from sklearn_sigmoid_mlp._network import init_weights
from sklearn_sigmoid_mlp._training import gradient_step, train

QUIET = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")


@pytest.fixture(scope="module")
def three_classes():
    return make_classification(
        n_samples=120, n_classes=3, n_informative=4, random_state=0
    )


# --- class_weight ---------------------------------------------------------------------


@QUIET
def test_balanced_class_weight_with_integer_sample_weight_equals_repeated_rows(
    three_classes,
):
    X, y = three_classes
    counts = np.random.RandomState(0).randint(1, 4, size=len(y))
    params = dict(class_weight="balanced", max_iter=30, tol=0, random_state=0)
    weighted = SigmoidMSEClassifier(**params).fit(X, y, sample_weight=counts)
    repeated = SigmoidMSEClassifier(**params).fit(
        np.repeat(X, counts, axis=0), np.repeat(y, counts)
    )
    np.testing.assert_allclose(weighted.loss_curve_, repeated.loss_curve_, rtol=1e-10)
    for a, b in zip(weighted.coefs_, repeated.coefs_):
        np.testing.assert_allclose(a, b, rtol=1e-8, atol=1e-12)


@QUIET
def test_balanced_class_weight_weighs_the_class_counts_as_scikit_learn(three_classes):
    # scikit-learn >= 1.6: compute_class_weight("balanced", sample_weight=) counts
    # each class by its rows' weights.
    X, y = three_classes
    rows = np.random.RandomState(1).uniform(0.1, 3.0, size=len(y))
    per_class = compute_class_weight(
        "balanced", classes=np.unique(y), y=y, sample_weight=rows
    )
    params = dict(max_iter=20, tol=0, random_state=0)
    by_class = SigmoidMSEClassifier(class_weight="balanced", **params).fit(
        X, y, sample_weight=rows
    )
    by_row = SigmoidMSEClassifier(**params).fit(X, y, sample_weight=rows * per_class[y])
    np.testing.assert_allclose(by_class.loss_curve_, by_row.loss_curve_, rtol=1e-12)


def _fraud(X, y):
    labels = np.where(y == 0, "fraud", "legit")
    return X, labels, labels == "legit"


@pytest.mark.parametrize("on_dask", [False, True], ids=["numpy", "dask"])
def test_partial_fit_with_a_class_weight_dict_takes_a_batch_without_that_class(
    three_classes, on_dask
):
    X, labels, legit = _fraud(*three_classes)
    classes = ["fraud", "legit"]
    weights = {"fraud": 10}
    # scikit-learn's online classifier takes such a batch.
    SGDClassifier(class_weight=weights).partial_fit(
        X[legit], labels[legit], classes=classes
    )

    def batch(rows):
        if on_dask:
            da = pytest.importorskip("dask.array")
            return da.from_array(X[rows], chunks=25), da.from_array(labels[rows], 25)
        return X[rows], labels[rows]

    online = SigmoidMSEClassifier(class_weight=weights, random_state=0)
    online.partial_fit(*batch(legit), classes=classes)
    online.partial_fit(*batch(np.ones(len(labels), bool)))
    # The same two epochs with the class weights given as row weights.
    plain = SigmoidMSEClassifier(random_state=0)
    plain.partial_fit(X[legit], labels[legit], classes=classes)
    plain.partial_fit(X, labels, sample_weight=np.where(legit, 1.0, 10.0))
    np.testing.assert_allclose(online.loss_curve_, plain.loss_curve_, rtol=1e-10)


def test_a_class_weight_of_zero_for_every_class_is_named(three_classes):
    X, y = three_classes
    model = SigmoidMSEClassifier(class_weight={0: 0, 1: 0, 2: 0})
    with pytest.raises(ValueError, match=r"class_weight=\{0: 0, 1: 0, 2: 0\}"):
        model.fit(X, y)


def test_class_weight_zero_on_the_only_weighted_rows_names_both(three_classes):
    X, y = three_classes
    rows = (y == 1).astype(float)  # weight on class 1's rows only
    model = SigmoidMSEClassifier(class_weight={1: 0.0})
    with pytest.raises(ValueError, match=r"class_weight.*sample_weight"):
        model.fit(X, y, sample_weight=rows)


# --- labels ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "as_labels, classes",
    [(lambda y: y.astype(str), [0, 1, 2]), (lambda y: y, ["0", "1", "2"])],
    ids=["string-y-int-classes", "int-y-string-classes"],
)
def test_partial_fit_refuses_labels_of_another_type_than_classes(
    three_classes, as_labels, classes
):
    X, y = three_classes
    y = as_labels(y)
    for theirs in (SGDClassifier(), MLPClassifier()):
        with pytest.raises(ValueError):
            theirs.partial_fit(X, y, classes=classes)
    model = SigmoidMSEClassifier()
    with pytest.raises(ValueError, match="classes"):
        model.partial_fit(X, y, classes=classes)
    assert not hasattr(model, "coefs_")


def test_a_later_partial_fit_refuses_labels_of_another_type(three_classes):
    X, y = three_classes
    model = SigmoidMSEClassifier(random_state=0).partial_fit(X, y, classes=[0, 1, 2])
    before = [c.copy() for c in model.coefs_]
    with pytest.raises(ValueError, match="classes"):
        model.partial_fit(X, y.astype(str))
    for a, b in zip(model.coefs_, before):
        np.testing.assert_array_equal(a, b)
    assert model.score(X, y) >= 0  # the model is whole and still predicts


# --- sparse X in another float dtype --------------------------------------------------


@QUIET
@pytest.mark.parametrize("first, then", [(np.float64, np.float32), (np.float32, None)])
def test_sparse_x_continues_in_another_float_dtype(three_classes, first, then):
    X, y = three_classes
    X = sp.csr_matrix(X)
    then = then or np.float64
    warm = SigmoidMSEClassifier(max_iter=5, warm_start=True, random_state=0)
    warm.fit(X.astype(first), y).fit(X.astype(then), y)
    online = SigmoidMSEClassifier(random_state=0)
    online.partial_fit(X.astype(first), y, classes=[0, 1, 2])
    given = X.astype(then)
    online.partial_fit(given, y)
    for model in (warm, online):
        assert model.coefs_[0].dtype == first  # the model's dtype is kept
    assert len(warm.loss_curve_) == 10 and len(online.loss_curve_) == 2
    assert given.dtype == then  # the caller's matrix is not converted


# --- divergence -----------------------------------------------------------------------


class _NaNAfterEvaluate:
    """A real batch whose loss stays finite while one gradient array gets a NaN:
    the step then writes the NaN into that parameter array only."""

    def __init__(self, batch, position):
        self._batch, self._position = batch, position
        for name in ("xp", "total_weight", "params", "param_grads"):
            setattr(self, name, getattr(batch, name))
        self.penalized, self.penalized_grads = batch.penalized, batch.penalized_grads

    def evaluate(self, need_grad=True):
        self._batch.evaluate(need_grad)
        grad = self.param_grads[self._position]
        grad[(0,) * grad.ndim] = math.nan
        return 1.0


def _batch(path):
    """A training batch of iris as ``fit`` builds it on ``path``'s backend."""
    X, y = load_iris(return_X_y=True)
    X, classes = X / 8, np.arange(3)
    weights, biases = init_weights([4, 5, 3], np.random.RandomState(0))
    if path == "dask":
        da = pytest.importorskip("dask.array")
        X, y = da.from_array(X, chunks=50), da.from_array(y, chunks=50)
    elif path == "array-api":  # one array per layer
        X, y = array_api_strict.asarray(X), array_api_strict.asarray(y)
        weights = [array_api_strict.asarray(w) for w in weights]
        biases = [array_api_strict.asarray(b) for b in biases]
    backend = backend_for(X)
    targets = backend.encode(y, classes, False, X)
    return backend.batch(X, targets, weights, biases, None)


@pytest.mark.parametrize("position", [0, -1], ids=["first-array", "last-array"])
@pytest.mark.parametrize("path", ["numpy", "dask", "array-api"])
def test_a_nan_in_any_parameter_array_stops_training(path, position):
    # NumPy trains one flat buffer; the array API one array per layer, where a
    # NaN in the first was lost to max() over the later ones.
    batch = _NaNAfterEvaluate(_batch(path), position)
    with pytest.raises(ValueError, match="a weight reached nan at epoch 1"):
        train(batch, learning_rate=0.7, max_iter=5, tol=0)


@pytest.mark.parametrize("xp", [np, array_api_strict], ids=["numpy", "strict"])
@pytest.mark.parametrize("where", [0, 1, 2])
def test_gradient_step_reports_a_nan_whatever_array_holds_it(xp, where):
    params = [xp.asarray([0.5, -0.25]) for _ in range(3)]
    grads = [xp.asarray([0.0, 0.0]) for _ in range(3)]
    grads[where] = xp.asarray([math.nan, 0.0])
    assert math.isnan(gradient_step(params, grads, 1.0, xp))


# --- alpha ----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def sixty_iris_rows():
    """60 rows to train on (standardized), and the other 90 to test on."""
    X, y = load_iris(return_X_y=True)
    rows = np.random.RandomState(0).permutation(len(y))
    scaler = StandardScaler().fit(X[rows[:60]])
    return scaler.transform(X), y, rows[:60], rows[60:]


def test_an_alpha_whose_step_amplifies_the_weights_is_refused_naming_alpha(
    sixty_iris_rows,
):
    # Each epoch multiplies every weight by 1 - 0.7·1000/60 = -10.7: the loss went
    # 8e3 -> 3e26 in 12 epochs, and the fit returned as if on a plateau.
    X, y, train_rows, _ = sixty_iris_rows
    X, y = X[train_rows], y[train_rows]
    model = SigmoidMSEClassifier(random_state=0).fit(X, y)
    before = [c.copy() for c in model.coefs_]
    model.set_params(alpha=1000)
    with pytest.raises(ValueError, match=r"alpha=1000 .* 171\.4") as error:
        model.fit(X, y)
    assert "learning_rate" in str(error.value)
    for a, b in zip(model.coefs_, before):  # the previous model is whole
        np.testing.assert_array_equal(a, b)


def test_the_remedy_for_a_runaway_alpha_learns(sixty_iris_rows):
    # The error's remedy: MLPClassifier's default alpha.
    X, y, train_rows, test_rows = sixty_iris_rows
    with pytest.raises(ValueError, match=r"MLPClassifier's default alpha=0\.0001"):
        SigmoidMSEClassifier(alpha=1000, random_state=0).fit(
            X[train_rows], y[train_rows]
        )
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        model = SigmoidMSEClassifier(alpha=1e-4, random_state=0)
        model.fit(X[train_rows], y[train_rows])
    assert model.loss_reduction_ > 0.8  # measured 0.86
    assert model.score(X[test_rows], y[test_rows]) > 0.9  # measured 0.956


@QUIET
def test_an_alpha_just_below_the_bound_trains_without_error(sixty_iris_rows):
    X, y, train_rows, _ = sixty_iris_rows
    X, y = X[train_rows], y[train_rows]
    bound = 2 * len(y) / 0.7
    with pytest.warns(PoorFitWarning, match="alpha"):
        model = SigmoidMSEClassifier(alpha=0.99 * bound, random_state=0).fit(X, y)
    assert all(np.isfinite(model.loss_curve_))
    with pytest.raises(ValueError, match="alpha"):
        SigmoidMSEClassifier(alpha=1.01 * bound, random_state=0).fit(X, y)


# --- pickles of older versions --------------------------------------------------------


def test_the_version_is_that_of_this_release():
    assert sklearn_sigmoid_mlp.__version__ == "0.4.0"


@QUIET
def test_a_pickle_records_the_version_it_was_written_by(three_classes):
    X, y = three_classes
    model = SigmoidMSEClassifier(max_iter=20, random_state=0).fit(X, y)
    state = model.__getstate__()
    assert state["_sklearn_sigmoid_mlp_version"] == sklearn_sigmoid_mlp.__version__
    loaded = pickle.loads(pickle.dumps(model))
    assert "_sklearn_sigmoid_mlp_version" not in vars(loaded)


@QUIET
@pytest.mark.parametrize("recorded", [None, "0.2.0"], ids=["unrecorded", "0.2.0"])
def test_a_pickle_from_0_2_loads_with_the_defaults_of_later_parameters(
    three_classes, monkeypatch, recorded
):
    X, y = three_classes
    model = SigmoidMSEClassifier(max_iter=20, random_state=0).fit(X, y)
    expected = model.predict_proba(X)
    # 0.2.0 had neither parameter, and recorded no version (0.3 neither).
    del model.alpha, model.class_weight
    state = {k: v for k, v in model.__getstate__().items() if "version" not in k}
    if recorded is not None:
        state["_sklearn_sigmoid_mlp_version"] = recorded
    monkeypatch.setattr(SigmoidMSEClassifier, "__getstate__", lambda self: state)
    data = pickle.dumps(model)
    monkeypatch.undo()
    loaded = pickle.loads(data)
    assert "alpha=" not in repr(loaded)  # the defaults: nothing to show
    params = loaded.get_params()
    assert params["alpha"] == 0.0 and params["class_weight"] is None
    assert clone(loaded).get_params() == params
    np.testing.assert_array_equal(loaded.predict_proba(X), expected)
    loaded.partial_fit(X, y)
    assert len(loaded.loss_curve_) == 21


# --- a single class predicted for every row -------------------------------------------


def _one_vs_rest_fold(seed, scaler, digit, fold):
    X, y = load_digits(return_X_y=True)
    target = y == digit
    splits = list(StratifiedKFold(5).split(X, target))
    train_rows, test_rows = splits[fold]
    model = make_pipeline(scaler(), SigmoidMSEClassifier(random_state=seed))
    return model, X[train_rows], target[train_rows], X[test_rows], target[test_rows]


# Among the 100 one-vs-rest fits (2 scalers × 10 digits × 5 folds), seeds 1 and 2:
# "rest" for every training row, with loss_reduction_ 0.110 and 0.309 (above 0.1).
ONE_CLASS_FITS = [(1, FixedScaler, 5, 1), (2, StandardScaler, 3, 2)]


@pytest.mark.parametrize(
    "seed, scaler, digit, fold", ONE_CLASS_FITS, ids=["fixed-5", "standard-3"]
)
def test_a_model_predicting_one_class_for_every_row_warns(seed, scaler, digit, fold):
    model, X, y, _, _ = _one_vs_rest_fold(seed, scaler, digit, fold)
    with pytest.warns(
        PoorFitWarning,
        match=r"predicts False for every training row, although y holds 2 classes.*"
        r"loss_reduction_ = 0\.\d{3}.*class_weight='balanced'",
    ):
        model.fit(X, y)
    assert model[-1].loss_reduction_ > 0.1
    assert set(model.predict(X)) == {False}


@pytest.mark.parametrize(
    "seed, scaler, digit, fold", ONE_CLASS_FITS, ids=["fixed-5", "standard-3"]
)
def test_balanced_class_weight_is_the_remedy_for_one_predicted_class(
    seed, scaler, digit, fold
):
    model, X, y, X_test, y_test = _one_vs_rest_fold(seed, scaler, digit, fold)
    model.set_params(sigmoidmseclassifier__class_weight="balanced")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        model.fit(X, y)
    assert set(model.predict(X)) == {False, True}
    assert balanced_accuracy_score(y_test, model.predict(X_test)) > 0.9


def test_a_fit_on_another_array_library_predicting_one_class_warns():
    # The check runs in X's namespace (rows taken there, never copied to NumPy).
    seed, scaler, digit, fold = ONE_CLASS_FITS[1]
    model, X, y, _, _ = _one_vs_rest_fold(seed, scaler, digit, fold)
    X = array_api_strict.asarray(model[0].fit_transform(X))
    with config_context(array_api_dispatch=True):
        with pytest.warns(PoorFitWarning, match="predicts False for every training"):
            model[-1].fit(X, array_api_strict.asarray(y))


@pytest.mark.parametrize("where", ["dask threads", "dask processes"])
def test_a_dask_model_predicting_one_class_for_every_row_warns(where):
    # The check runs where the rows are: no second computation of the Dask array.
    da = pytest.importorskip("dask.array")
    distributed = pytest.importorskip("distributed")
    from sklearn_sigmoid_mlp.dask import DaskSigmoidMSEClassifier

    seed, scaler, digit, fold = ONE_CLASS_FITS[0]
    model, X, y, _, _ = _one_vs_rest_fold(seed, scaler, digit, fold)
    X = model[0].fit_transform(X)
    with (
        distributed.LocalCluster(
            n_workers=2,
            threads_per_worker=1,
            dashboard_address=":0",
            **(
                {"processes": True, "host": "127.0.0.1"}
                if where == "dask processes"
                else {"processes": False}
            ),
        ) as cluster,
        distributed.Client(cluster),
        pytest.warns(PoorFitWarning, match="predicts False for every training row"),
    ):
        DaskSigmoidMSEClassifier(random_state=seed).fit(
            da.from_array(X, chunks=(300, 64)), da.from_array(y, chunks=300)
        )


def test_the_poor_fit_warning_says_its_number_is_about_the_loss():
    # A newcomer read "barely better than the class frequencies" of a model at
    # 38.7 % accuracy as about the accuracy.
    X, y = load_digits(return_X_y=True)
    model = SigmoidMSEClassifier(hidden_layer_sizes=(30, 20), random_state=0)
    with pytest.warns(PoorFitWarning) as record:
        model.fit(FixedScaler().transform(X), y)
    message = str(record[-1].message)
    assert "its squared-error loss on the training rows is" in message
    assert re.search(r"barely lower than [\d.]+ for predicting the class freq", message)


# --- callbacks ------------------------------------------------------------------------


@QUIET
def test_scoring_monitor_on_a_dataframe_fitted_twice_gives_no_feature_name_warning():
    callback = pytest.importorskip("sklearn.callback", reason="scikit-learn < 1.9")
    X, y = load_iris(return_X_y=True, as_frame=True)
    model = SigmoidMSEClassifier(max_iter=8, tol=0, random_state=0)
    monitor = callback.ScoringMonitor(scoring="accuracy")
    model.set_callbacks(monitor)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        model.fit(X / 8, y)
        model.fit(X / 8, y)
        model.fit(X.to_numpy() / 8, y)  # then without names
    assert not [w for w in caught if "feature names" in str(w.message)]
    scores = monitor.get_logs().data_as_pandas  # the last fit's
    assert scores["accuracy"].iloc[-1] == pytest.approx(
        model.score(X.to_numpy() / 8, y)
    )


# --- a sparse X whose indices are unsorted -------------------------------------------


def _unsorted_csr(seed=0):
    rng = np.random.RandomState(seed)
    dense = rng.rand(200, 30) * (rng.rand(200, 30) > 0.7)
    X = sp.csr_matrix(dense)
    for row in range(X.shape[0]):  # each row's entries in reverse column order
        start, stop = X.indptr[row], X.indptr[row + 1]
        X.indices[start:stop] = X.indices[start:stop][::-1].copy()
        X.data[start:stop] = X.data[start:stop][::-1].copy()
    X.has_sorted_indices = False
    return X, rng.randint(3, size=200)


def test_fit_predict_and_the_diagnosis_leave_an_unsorted_csr_untouched():
    X, y = _unsorted_csr()
    indices, data = X.indices.copy(), X.data.copy()
    with pytest.warns(PoorFitWarning):  # the diagnosis reads X too
        model = SigmoidMSEClassifier(max_iter=5, tol=0, random_state=0).fit(X, y)
    model.predict_proba(X)
    assert np.array_equal(X.indices, indices) and np.array_equal(X.data, data)
    sorted_X = X.copy()
    sorted_X.sort_indices()
    np.testing.assert_allclose(
        model.predict_proba(X), model.predict_proba(sorted_X), rtol=1e-14
    )


def test_a_pickle_from_a_newer_release_warns():
    X, y = make_classification(n_samples=60, n_features=4, random_state=0)
    model = SigmoidMSEClassifier(max_iter=3, tol=0).fit(X, y)
    state = model.__getstate__()
    state["_sklearn_sigmoid_mlp_version"] = "99.0"
    loaded = SigmoidMSEClassifier.__new__(SigmoidMSEClassifier)
    with pytest.warns(UserWarning, match="pickled by sklearn-sigmoid-mlp 99.0"):
        loaded.__setstate__(state)
    np.testing.assert_array_equal(loaded.predict(X), model.predict(X))
