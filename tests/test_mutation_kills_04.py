"""Behaviours changed since 0.2 (alpha, divergence, class_weight, label kinds,
the one-class check, sparse dtypes, the Dask collective and its balancing, the
legend band) that a hand mutation run found unprotected: for each, a one-line
change passed every other test.
"""

import pickle
import warnings

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.datasets import make_classification, make_multilabel_classification

from sklearn_sigmoid_mlp import PoorFitWarning, SigmoidMSEClassifier
from sklearn_sigmoid_mlp._network import FullBatch, init_weights
from sklearn_sigmoid_mlp._training import check_penalty_step

QUIET = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")


@pytest.fixture(scope="module")
def three_classes():
    return make_classification(
        n_samples=120, n_classes=3, n_informative=4, random_state=0
    )


# --- _training.py / alpha ---------------------------------------------------------


def test_a_penalty_step_factor_of_exactly_minus_one_is_refused():
    # learning_rate · alpha / Σw = 2: the factor is -1, the weights flip sign every
    # epoch without shrinking; the bound is exclusive.
    with pytest.raises(ValueError, match="alpha=120"):
        check_penalty_step(alpha=120.0, learning_rate=1.0, total_weight=60.0)
    check_penalty_step(alpha=119.0, learning_rate=1.0, total_weight=60.0)


@QUIET
def test_the_alpha_bound_counts_the_sample_weights_as_given(three_classes):
    # Weights of 10 per row: Σw = 1200, so alpha = 300 (lr 1) shrinks the weights
    # (factor 0.75). The weights are scaled to a largest of 1 inside fit; the bound
    # is on the weights as given.
    X, y = three_classes
    weight = np.full(len(y), 10.0)
    params = dict(alpha=300.0, learning_rate=1.0, max_iter=5, tol=0, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PoorFitWarning)
        model = SigmoidMSEClassifier(**params).fit(X, y, sample_weight=weight)
    assert all(np.isfinite(model.loss_curve_))
    with pytest.raises(ValueError, match="alpha=300"):  # Σw = 120 without weights
        SigmoidMSEClassifier(**params).fit(X, y)


@QUIET
def test_a_non_finite_loss_of_the_starting_weights_is_named_at_epoch_0(three_classes):
    # A model whose weights hold a NaN (edited, or loaded damaged) is continued:
    # its loss is NaN before any update, which is what the error says.
    X, y = three_classes
    model = SigmoidMSEClassifier(max_iter=3, random_state=0).fit(X, y)
    model.coefs_[0][0, 0] = np.nan
    with pytest.raises(ValueError, match="the loss is nan after epoch 0"):
        model.partial_fit(X, y)


# --- _network.py ------------------------------------------------------------------


def _blocks_inputs(n_outputs=3):
    rng = np.random.RandomState(0)
    X = rng.uniform(-1, 1, (150, 6))
    codes = rng.randint(max(n_outputs, 2), size=150)
    weights, biases = init_weights([6, 5, n_outputs], np.random.RandomState(1))
    return X, codes, weights, biases


def test_row_blocks_in_one_buffer_block_sum_as_the_whole_array():
    # A list of row blocks with a block size above their total rows: each block
    # keeps its own one-hot targets and its sums are added.
    X, codes, weights, biases = _blocks_inputs()
    whole = FullBatch(X, codes, weights, biases)
    parts = [X[:50], X[50:90], X[90:]]
    targets = [codes[:50], codes[50:90], codes[90:]]
    blocks = FullBatch(parts, targets, weights, biases, block_size=1000)
    assert blocks.evaluate() == pytest.approx(whole.evaluate(), rel=1e-12)
    np.testing.assert_allclose(
        blocks.param_grads[0], whole.param_grads[0], rtol=1e-10, atol=1e-12
    )


def test_a_single_output_of_exactly_one_half_is_counted_as_code_0():
    # predicted_counts follows predict: at f = 0.5, proba is [0.5, 0.5] and
    # predict takes classes_[0].
    X, codes, weights, biases = _blocks_inputs(n_outputs=1)
    weights[-1][...] = 0.0
    biases[-1][...] = 0.0
    batch = FullBatch(X, codes, weights, biases)
    assert batch.predicted_counts().tolist() == [150, 0]


# --- _classifier.py ---------------------------------------------------------------


def test_a_multilabel_fit_whose_largest_output_is_one_label_does_not_warn():
    # The one-class check is for single-label targets. Here label 0 is on for
    # every row and label 1 is learned (from noisy targets, so its outputs stay
    # below label 0's): every row's largest output is label 0, which predicts
    # nothing wrong.
    rng = np.random.RandomState(0)
    X = rng.uniform(-1, 1, (300, 4))
    noisy = (X[:, 0] > 0) ^ (rng.rand(300) < 0.2)
    Y = np.column_stack([np.ones(300, int), noisy.astype(int)])
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        model = SigmoidMSEClassifier(learning_rate=2.0, random_state=0).fit(X, Y)
    assert model.loss_reduction_ > 0.1
    assert np.all(np.argmax(model.predict_proba(X), axis=1) == 0)
    assert not [w for w in caught if issubclass(w.category, PoorFitWarning)]


# --- _validation.py / class_weight ------------------------------------------------


@QUIET
def test_a_class_weight_of_zero_for_one_class_is_that_sample_weight(three_classes):
    X, y = three_classes
    params = dict(max_iter=10, tol=0, random_state=0)
    by_class = SigmoidMSEClassifier(class_weight={0: 0.0}, **params).fit(X, y)
    by_row = SigmoidMSEClassifier(**params).fit(
        X, y, sample_weight=(y != 0).astype(float)
    )
    np.testing.assert_allclose(by_class.loss_curve_, by_row.loss_curve_, rtol=1e-12)


def test_a_multilabel_dict_may_name_a_label_value_a_batch_lacks():
    # Each label's classes are 0 and 1, whatever one partial_fit batch holds: a
    # batch without a positive row of label 1 takes {1: 5.0} for it.
    X, Y = make_multilabel_classification(
        n_samples=80, n_features=6, n_classes=2, random_state=0
    )
    Y[:, 1] = 0
    model = SigmoidMSEClassifier(class_weight=[{1: 5.0}, {1: 5.0}], random_state=0)
    model.partial_fit(X / 8, Y, classes=[0, 1])
    assert len(model.loss_curve_) == 1


def test_a_multilabel_class_weight_list_of_another_length_is_refused():
    X, Y = make_multilabel_classification(
        n_samples=60, n_features=6, n_classes=3, random_state=0
    )
    model = SigmoidMSEClassifier(class_weight=[{0: 1.0, 1: 2.0}] * 2, max_iter=2)
    with pytest.raises(ValueError, match="a list of 3 dicts"):
        model.fit(X / 8, Y)


# --- _targets.py ------------------------------------------------------------------


def test_partial_fit_refuses_string_labels_in_an_object_array(three_classes):
    # pandas' strings come as an object array: still strings, not numbers.
    X, y = three_classes
    model = SigmoidMSEClassifier(random_state=0)
    with pytest.raises(ValueError, match="y holds string labels"):
        model.partial_fit(X, y.astype(str).astype(object), classes=[0, 1, 2])
    assert not hasattr(model, "coefs_")


# --- _arrays.py ------------------------------------------------------------------


@QUIET
def test_a_sparse_x_continues_converted_to_the_models_dtype(three_classes):
    # A float32 model continued on a float64 CSR trains on the matrix converted
    # first: the same bits as given the float32 matrix.
    X, y = three_classes
    X = sp.csr_matrix(X)
    first = SigmoidMSEClassifier(random_state=0)
    first.partial_fit(X.astype(np.float32), y, classes=[0, 1, 2])
    second = pickle.loads(pickle.dumps(first))
    first.partial_fit(X, y)
    second.partial_fit(X.astype(np.float32), y)
    for a, b in zip(
        first.coefs_ + first.intercepts_, second.coefs_ + second.intercepts_
    ):
        np.testing.assert_array_equal(a, b)


# --- dask.py ----------------------------------------------------------------------


def test_float32_dask_blocks_are_checked_into_float32():
    # As in memory: float32 input trains in float32 (blocks of half the bytes).
    da = pytest.importorskip("dask.array")
    from sklearn_sigmoid_mlp.dask import DaskBackend

    X, y = make_classification(n_samples=40, n_features=4, random_state=0)
    inputs = DaskBackend.checked_inputs(
        SigmoidMSEClassifier(),
        da.from_array(X.astype(np.float32), chunks=20),
        da.from_array(y, chunks=20),
        None,
        False,
    )
    assert inputs.X.dtype == np.float32
    assert inputs.X.compute().dtype == np.float32


@QUIET
def test_alpha_with_sample_weight_on_dask_equals_in_memory():
    # The penalty is alpha / (2 Σw) for the weights as given: on Dask too, where
    # the sample weights are scaled to a largest of 1 as in memory.
    da = pytest.importorskip("dask.array")
    from sklearn_sigmoid_mlp.dask import DaskSigmoidMSEClassifier

    X, y = make_classification(n_samples=120, n_features=5, random_state=0)
    weight = np.random.RandomState(0).uniform(1, 4, len(y))
    params = dict(alpha=5.0, max_iter=5, tol=0, random_state=0)
    ref = SigmoidMSEClassifier(**params).fit(X, y, sample_weight=weight)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PoorFitWarning)
        est = DaskSigmoidMSEClassifier(**params).fit(
            da.from_array(X, chunks=(40, 5)),
            da.from_array(y, chunks=40),
            sample_weight=weight,
        )
    np.testing.assert_allclose(est.loss_curve_, ref.loss_curve_, rtol=1e-10)
    for a, b in zip(est.coefs_, ref.coefs_):
        np.testing.assert_allclose(a, b, rtol=1e-9, atol=1e-12)


def test_a_run_of_small_blocks_ends_at_exactly_join_rows():
    from sklearn_sigmoid_mlp import dask as dask_module

    join = dask_module._JOIN_ROWS
    half = (np.zeros((join // 2, 2)), np.zeros(join // 2, np.uint8), None)
    assert [b[0].shape[0] for b in dask_module._joined([half] * 3)] == [
        join,
        join // 2,
    ]


def test_task_groups_are_ranked_by_their_first_block_across_workers():
    # Blocks alternate between two workers of two threads: four tasks, which the
    # client adds in block order.
    from sklearn_sigmoid_mlp.dask import _task_groups

    groups = _task_groups(["b0", "b1", "b2", "b3"], list("abab"), {"a": 2, "b": 2})
    assert groups == [("a", ["b0"]), ("b", ["b1"]), ("a", ["b2"]), ("b", ["b3"])]


def test_a_worker_with_more_threads_than_blocks_gets_one_task_per_block():
    from sklearn_sigmoid_mlp.dask import _task_groups

    assert _task_groups(["b0"], ["a"], {"a": 4}) == [("a", ["b0"])]
    assert _task_groups(["b0", "b1"], ["a", "a"], {"a": 4}) == [
        ("a", ["b0"]),
        ("a", ["b1"]),
    ]


class _Task:
    """What ``_Collective`` reads of a fit's task (a ``distributed.Future``)."""

    def __init__(self, status, error=None):
        self.status, self._error = status, error

    def done(self):
        return self.status in ("finished", "error", "cancelled", "lost")

    def exception(self):
        return self._error


class _RunningClient:
    status = "running"


def _collective(task, started=True, since=0.0):
    """A ``_Collective`` of one task on worker ``tcp://w:1``, without a cluster."""
    import time

    from sklearn_sigmoid_mlp import dask as skdask

    collective = skdask._Collective.__new__(skdask._Collective)
    collective._client = _RunningClient()
    collective.workers, collective._tasks = ["tcp://w:1"], [task]
    collective._started = int(started)
    collective._since = time.monotonic() - since
    return collective


def test_a_fit_running_longer_than_the_start_deadline_goes_on():
    # The deadline is for the tasks to start; once all have, a long fit is fine.
    pytest.importorskip("distributed")
    from sklearn_sigmoid_mlp import dask as skdask

    waited = 10 * skdask._START_SECONDS
    _collective(_Task("pending"), started=True, since=waited).check()
    with pytest.raises(RuntimeError, match="did not start within"):
        _collective(_Task("pending"), started=False, since=waited).check()


def test_a_task_that_ended_during_the_fit_is_a_lost_worker():
    pytest.importorskip("distributed")
    from sklearn_sigmoid_mlp.dask import LostWorkerError

    with pytest.raises(LostWorkerError, match="tcp://w:1 ended"):
        _collective(_Task("finished")).check()


def test_a_failed_tasks_own_error_is_raised_for_its_closed_connection():
    # A task that failed closes its socket: the client raises the task's error,
    # not a lost worker.
    pytest.importorskip("distributed")
    collective = _collective(_Task("error", ValueError("a bad block")))
    with pytest.raises(ValueError, match="a bad block"):
        with collective._named(0):
            raise ConnectionResetError("reset by peer")


def test_a_block_alone_on_its_worker_stays_there():
    # However large: it moves to no worker, even one with more room (more threads).
    pytest.importorskip("distributed")
    from sklearn_sigmoid_mlp.dask import _balanced

    assert _balanced([1000, 10], list("ab"), {"a": 1, "b": 3}) == list("ab")


def test_a_worker_exactly_ten_percent_above_its_share_keeps_its_blocks():
    pytest.importorskip("distributed")
    from sklearn_sigmoid_mlp.dask import _balanced

    one = {"a": 1, "b": 1}
    # Shares of 30 rows: worker a holds 33, 10 % above, and keeps both blocks.
    assert _balanced([28, 5, 27], list("aab"), one) == list("aab")
    # Shares of 60: a holds 65, within 10 %, though b has more room.
    assert _balanced([60, 5, 55], list("aab"), one) == list("aab")


def test_a_moved_block_stays_with_its_holder_on_a_tie_of_room():
    pytest.importorskip("distributed")
    from sklearn_sigmoid_mlp.dask import _balanced

    # Shares of 90: b's second block is moved; a and b then have 30 rows of room
    # each, and the block stays where it is (no transfer for nothing).
    assert _balanced([60, 60, 60], list("bba"), {"a": 1, "b": 1}) == list("bba")


def test_the_largest_block_moves_first():
    pytest.importorskip("distributed")
    from sklearn_sigmoid_mlp.dask import _balanced

    # Shares of 170: b holds all 340 rows; of the two blocks beyond its 187, the
    # larger (120) goes to a, and the 110 then stays (a would be above b).
    assert _balanced([110, 110, 120], list("bbb"), {"a": 1, "b": 1}) == list("bba")


@pytest.fixture(scope="module")
def process_client():
    distributed = pytest.importorskip("distributed")
    with (
        distributed.LocalCluster(
            n_workers=2,
            threads_per_worker=1,
            processes=True,
            host="127.0.0.1",
            dashboard_address=":0",
        ) as cluster,
        distributed.Client(cluster) as client,
    ):
        yield client


def _majority_fit():
    """Imbalanced binary rows, and the parameters of a fit cut by max_iter that
    predicts the majority class 0 for every row."""
    X, y = make_classification(
        n_samples=400, n_features=6, weights=[0.85], random_state=0
    )
    return X, y, dict(max_iter=8, tol=0, random_state=0)


@pytest.mark.slow
@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_a_binary_fit_on_worker_processes_equals_in_memory(process_client):
    # One output unit: the tasks send counts of two class codes.
    da = pytest.importorskip("dask.array")
    from sklearn_sigmoid_mlp.dask import DaskSigmoidMSEClassifier

    X, y, params = _majority_fit()
    ref = SigmoidMSEClassifier(**params).fit(X, y)
    est = DaskSigmoidMSEClassifier(**params).fit(
        da.from_array(X, chunks=(100, 6)), da.from_array(y, chunks=100)
    )
    np.testing.assert_allclose(est.loss_curve_, ref.loss_curve_, rtol=1e-10)
    for a, b in zip(est.coefs_, ref.coefs_):
        np.testing.assert_allclose(a, b, rtol=1e-9, atol=1e-12)


@pytest.mark.slow
@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_a_fit_cut_by_max_iter_on_worker_processes_counts_its_predictions(
    process_client,
):
    # The last epoch asks the tasks for the loss only; the predicted classes are
    # counted after it, on the same sockets.
    da = pytest.importorskip("dask.array")
    from sklearn_sigmoid_mlp.dask import DaskSigmoidMSEClassifier

    X, y, params = _majority_fit()
    with pytest.warns(PoorFitWarning, match="predicts 0 for every training row"):
        ref = SigmoidMSEClassifier(**params).fit(X, y)
    assert ref.n_iter_ == params["max_iter"]
    with pytest.warns(PoorFitWarning, match="predicts 0 for every training row"):
        DaskSigmoidMSEClassifier(**params).fit(
            da.from_array(X, chunks=(100, 6)), da.from_array(y, chunks=100)
        )


def test_a_missing_label_in_a_one_row_dask_block_gets_the_in_memory_error():
    # Every block of y is checked, the smallest too: an object y holding None
    # cannot be sorted into classes_ (a TypeError that does not name y).
    da = pytest.importorskip("dask.array")
    from sklearn_sigmoid_mlp.dask import DaskSigmoidMSEClassifier

    X, y = make_classification(n_samples=40, n_features=4, random_state=0)
    labels = y.astype(object)
    labels[-1] = None
    with pytest.raises(ValueError, match="missing label"):
        SigmoidMSEClassifier().fit(X, labels)
    with pytest.raises(ValueError, match="missing label"):
        DaskSigmoidMSEClassifier().fit(
            da.from_array(X, chunks=((39, 1), (4,))), da.from_array(labels, 20)
        )


# --- _display.py ------------------------------------------------------------------


def test_curves_drawn_after_a_raised_legend_band_rescale_the_axes():
    # A curve that zig-zags over the whole axes leaves the legend no free place:
    # the y range is raised for it. A later, higher curve on the same axes is
    # still shown whole.
    pytest.importorskip("matplotlib")
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from sklearn_sigmoid_mlp import LossCurveDisplay

    try:
        zigzag = LossCurveDisplay(loss_curve=[0.0, 1.0] * 20, estimator_name="zigzag")
        first = zigzag.plot()
        top = first.ax_.get_ylim()[1]
        assert top > 1.1  # the band
        LossCurveDisplay(loss_curve=[5.0] * 40, estimator_name="high").plot(
            ax=first.ax_
        )
        assert first.ax_.get_ylim()[1] >= 5.0
    finally:
        plt.close("all")
