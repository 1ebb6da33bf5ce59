"""Behaviours a hand mutation run found unprotected: for each, a one-line change to
the code passed every other test.
"""

import warnings

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn import config_context
from sklearn.datasets import load_digits, make_classification
from sklearn.model_selection import train_test_split

from sklearn_sigmoid_mlp import FixedScaler, PoorFitWarning, SigmoidMSEClassifier
from sklearn_sigmoid_mlp._diagnosis import (
    SATURATED_SHARE,
    largest_input,
    poor_fit_message,
    saturated_share,
)
from sklearn_sigmoid_mlp._network import block_rows, init_weights
from sklearn_sigmoid_mlp._training import MIN_LOSS_REDUCTION, learned_little, train

# --- _network.py ------------------------------------------------------------------


def test_row_blocks_never_exceed_working_memory():
    # "never above working_memory": 1 MiB of 1000-byte rows is 1048 rows, far
    # below the cache-sized target of 8 MiB.
    row_bytes = 1000
    with config_context(working_memory=1):
        rows = block_rows(100_000, row_bytes)
    assert 1 <= rows
    assert rows * row_bytes <= 2**20


# --- _training.py -----------------------------------------------------------------


def test_a_weight_that_becomes_nan_stops_training_with_a_named_error():
    class Batch:  # the loss stays finite, one weight becomes NaN
        xp = np
        total_weight = 1.0
        params = [np.array([0.0, 1.0])]
        param_grads = [np.array([np.nan, 0.0])]

        def evaluate(self, need_grad=True):
            return 1.0

    with pytest.raises(ValueError, match="a weight reached nan at epoch 1"):
        train(Batch(), learning_rate=1.0, max_iter=5, tol=0)


def test_among_equal_validation_losses_the_first_epoch_is_kept():
    # A step of 1e-300 leaves every weight unchanged: every epoch's held-out loss
    # equals the first, and the earliest of the lowest is kept (as MLPClassifier).
    X, y = make_classification(n_samples=200, n_features=5, random_state=0)
    model = SigmoidMSEClassifier(
        learning_rate=1e-300, early_stopping=True, tol=0, max_iter=15, random_state=0
    )
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        model.fit(X, y)
    assert len(set(model.validation_loss_curve_)) == 1
    poor = [str(w.message) for w in caught if issubclass(w.category, PoorFitWarning)]
    assert len(poor) == 1
    assert "with the weights of epoch 1 of this fit" in poor[0]


def test_a_loss_reduction_of_exactly_the_threshold_is_not_poor():
    # PoorFitWarning is raised when loss_reduction_ is *below* 0.1.
    assert not learned_little(MIN_LOSS_REDUCTION)
    assert learned_little(np.nextafter(MIN_LOSS_REDUCTION, 0))


# --- _targets.py ------------------------------------------------------------------


# 257 classes: tests/test_edge_cases.py::test_more_than_256_classes_are_encoded_right


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_a_binary_output_of_exactly_one_half_predicts_the_argmax_of_proba():
    # predict is the argmax of predict_proba; at [0.5, 0.5] that is classes_[0]
    # (as decision_function is 0, not positive).
    X, y = make_classification(n_samples=60, n_features=4, random_state=0)
    model = SigmoidMSEClassifier(max_iter=2, random_state=0).fit(X, y)
    model.coefs_[-1][...] = 0.0
    model.intercepts_[-1][...] = 0.0
    proba = model.predict_proba(X)
    assert np.all(proba == 0.5)
    assert np.all(model.decision_function(X) == 0)
    np.testing.assert_array_equal(
        model.predict(X), model.classes_[np.argmax(proba, axis=1)]
    )
    assert np.all(model.predict(X) == model.classes_[0])


# --- _validation.py ---------------------------------------------------------------


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_a_refit_without_warm_start_takes_the_new_inputs_dtype():
    # Only a continued fit is brought to the fitted model's dtype.
    X, y = make_classification(n_samples=60, n_features=4, random_state=0)
    model = SigmoidMSEClassifier(max_iter=2, random_state=0).fit(X, y)
    assert model.coefs_[0].dtype == np.float64
    model.fit(X.astype(np.float32), y)
    assert all(c.dtype == np.float32 for c in model.coefs_)
    assert model.predict_proba(X.astype(np.float32)).dtype == np.float32


# --- _classifier.py ---------------------------------------------------------------


@pytest.fixture(scope="module")
def noisy_digits():
    # Noisy labels on 200 rows and a wide layer: the held-out loss rises again.
    X, y = load_digits(return_X_y=True)
    X, y = (X[:200] - 8) / 8, y[:200].copy()
    rng = np.random.RandomState(0)
    noisy = rng.rand(200) < 0.4
    y[noisy] = rng.randint(10, size=noisy.sum())
    return X, y


@pytest.fixture(scope="module")
def kept_early(noisy_digits):
    X, y = noisy_digits
    return SigmoidMSEClassifier(
        hidden_layer_sizes=(50,),
        learning_rate=4.0,
        early_stopping=True,
        validation_fraction=0.3,
        n_iter_no_change=80,
        tol=0,
        random_state=0,
    ).fit(X, y)


def test_best_validation_score_is_the_kept_epochs_not_the_last(kept_early):
    model = kept_early
    best = int(np.argmin(model.validation_loss_curve_))
    assert model.validation_scores_[best] != model.validation_scores_[-1]
    assert model.best_validation_score_ == model.validation_scores_[best]


def test_loss_reduction_is_of_the_kept_weights_with_early_stopping(
    kept_early, noisy_digits
):
    X, y = noisy_digits
    model = kept_early
    best = int(np.argmin(model.validation_loss_curve_))
    # The training part of the split, drawn as fit draws it: after the weights.
    draws = np.random.RandomState(0)
    init_weights([64, 50, 10], draws)
    _, _, y_train, _ = train_test_split(
        X, y, test_size=0.3, random_state=draws, stratify=y
    )
    p = np.bincount(y_train, minlength=10) / len(y_train)
    prior = 0.5 * np.sum(p * (1 - p))
    assert model.loss_curve_[best] != pytest.approx(model.loss_curve_[-1], rel=1e-3)
    assert model.loss_reduction_ == pytest.approx(
        1 - model.loss_curve_[best] / prior, rel=1e-12
    )


# --- _diagnosis.py ----------------------------------------------------------------

PARAMS = dict(learning_rate=0.7, max_iter=5000, tol=1e-4, n_iter_no_change=1)


def _message(**changes):
    numbers = dict(
        loss=0.45,
        prior_loss=0.45,
        reduction=0.0,
        epoch=12,
        stopped_by="tol",
        monitored="loss",
        params=PARAMS,
    )
    return poor_fit_message(**{**numbers, **changes})


def test_a_reduction_printed_as_zero_is_not_called_worse():
    # "higher than" only when the printed loss_reduction_ is below zero.
    message = _message(reduction=-0.0004)
    assert "loss_reduction_ = -0.000" in message
    assert "barely lower than 0.45 for predicting" in message
    assert "higher than" not in message
    assert "higher than" in _message(reduction=-0.0006)


def test_a_saturated_share_of_exactly_the_threshold_names_the_step():
    message = _message(saturated=SATURATED_SHARE)
    assert "the step is too large" in message
    assert "learning_rate (now 0.7" in message
    assert "the step is too large" not in _message(saturated=0.24)


def test_only_outputs_within_1e6_of_0_or_1_count_as_saturated():
    outputs = np.array([[1e-4, 1 - 1e-4], [1e-7, 1.0]])
    assert saturated_share(outputs) == 0.5


def test_large_negative_sparse_inputs_are_measured():
    X = sp.csr_matrix(np.array([[-500.0, 0.0], [0.0, 1.0]]))
    assert largest_input(X) == 500.0
    assert largest_input(X.toarray()) == 500.0


def test_a_callback_stop_is_not_reported_as_max_iter():
    message = _message(stopped_by="callback")
    assert "A callback stopped training before the model learned." in message
    assert "max_iter" not in message


# --- _backends.py: the early-stopping hold-out --------------------------------------


def test_a_one_row_hold_out_is_refused_naming_validation_fraction():
    # Multilabel targets are not stratified: 10 % of 10 rows is a single row.
    X, _ = make_classification(n_samples=10, n_features=4, random_state=0)
    Y = np.array([[1, 0], [0, 1], [1, 1], [0, 0], [1, 0]] * 2)
    clf = SigmoidMSEClassifier(early_stopping=True, validation_fraction=0.1)
    with pytest.raises(ValueError, match="fewer than 2 of 10 rows") as info:
        clf.fit(X, Y)
    assert "validation_fraction=0.1" in str(info.value)


# --- onnx.py ----------------------------------------------------------------------


def test_onnx_of_an_unfitted_scaler_with_a_free_feature_dimension():
    pytest.importorskip("skl2onnx")
    rt = pytest.importorskip("onnxruntime")
    from skl2onnx import to_onnx
    from skl2onnx.common.data_types import FloatTensorType

    import sklearn_sigmoid_mlp.onnx  # noqa: F401  (registers the converters)

    X = np.arange(12, dtype=np.float32).reshape(4, 3)
    scaler = FixedScaler(center=[1.0, 2.0, 3.0], scale=2.0)
    onx = to_onnx(
        scaler,
        initial_types=[("X", FloatTensorType([None, None]))],
        target_opset=17,
    )
    session = rt.InferenceSession(
        onx.SerializeToString(), providers=["CPUExecutionProvider"]
    )
    (out,) = session.run(None, {session.get_inputs()[0].name: X})
    np.testing.assert_allclose(out, scaler.transform(X), rtol=1e-6)


# --- dask.py ----------------------------------------------------------------------


def test_a_failed_fit_on_the_local_scheduler_releases_its_blocks():
    # The exception (kept here, as in any traceback) must not keep the persisted
    # blocks in memory.
    import gc
    import weakref

    dask = pytest.importorskip("dask")
    da = pytest.importorskip("dask.array")
    from sklearn_sigmoid_mlp.dask import DaskSigmoidMSEClassifier

    X, y = load_digits(return_X_y=True)
    made = []

    def block(b):
        out = (b - 8) / 8
        if out.size:  # not dask's empty meta array, which X_dask keeps
            made.append(weakref.ref(out))
        return out

    X_dask = da.from_array(X, chunks=(600, 64)).map_blocks(block, dtype=np.float64)
    model = DaskSigmoidMSEClassifier(
        max_iter=15, tol=1e9, learning_rate=1e200, random_state=0
    )
    with (
        dask.config.set(scheduler="threads"),
        pytest.raises(ValueError, match="Training diverged") as info,
    ):
        model.fit(X_dask, da.from_array(y, 600))
    gc.collect()
    assert len(made) >= 3
    assert all(ref() is None for ref in made), info.value
