"""Engine behaviours (threads, blocks, losses, the poor-fit diagnosis) that a hand
mutation run found unprotected: for each, a one-line change passed every other test.
"""

import threading
import tracemalloc
import warnings

import numpy as np
import pytest
from sklearn import config_context
from sklearn.exceptions import ConvergenceWarning
from threadpoolctl import threadpool_info, threadpool_limits

from sklearn_sigmoid_mlp import PoorFitWarning, SigmoidMSEClassifier
from sklearn_sigmoid_mlp._diagnosis import diagnosis_rows, majority_share
from sklearn_sigmoid_mlp._network import (
    FullBatch,
    init_weights,
    input_reach,
    target_means,
)


def _blas_threads():
    return {i["num_threads"] for i in threadpool_info() if i["user_api"] == "blas"}


# --- threads ---------------------------------------------------------------------


def test_a_limit_set_in_another_thread_after_a_fit_takes_effect():
    # threadpoolctl >= 3.8 lets one thread at a time change OpenBLAS's thread
    # count: a fit must never take that control from the caller.
    if not _blas_threads():
        pytest.skip("no BLAS library found")
    wanted = 1 if _blas_threads() != {1} else 2
    rng = np.random.RandomState(0)
    X, y = rng.normal(size=(200, 5)), rng.randint(2, size=200)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        SigmoidMSEClassifier(max_iter=2, tol=0).fit(X, y)
    seen = []

    def limit_in_another_thread():
        with threadpool_limits(limits=wanted, user_api="blas"):
            seen.append(_blas_threads())

    thread = threading.Thread(target=limit_in_another_thread)
    thread.start()
    thread.join()
    assert seen == [{wanted}]


# --- _network.py ------------------------------------------------------------------


def test_a_single_output_units_mean_target_is_code_ones_share():
    # One output unit: its target is the code itself, so its mean is code 1's share.
    np.testing.assert_allclose(target_means(np.array([0, 1, 1, 1]), 1), [0.75])


def test_float32_blocks_hold_twice_the_rows_of_float64_ones():
    # The block budget is in bytes: rows of half the size, twice as many of them.
    X = np.zeros((40_000, 50))
    y = np.zeros(40_000, dtype=np.intp)
    sizes = {}
    for dtype in (np.float64, np.float32):
        weights, biases = init_weights([50, 100, 10], np.random.RandomState(0), dtype)
        batch = FullBatch(X.astype(dtype), y, weights, biases)
        sizes[dtype] = batch.block_size
    assert sizes[np.float64] < 40_000 // 2
    assert sizes[np.float32] == pytest.approx(2 * sizes[np.float64], abs=2)


def test_input_reach_of_inputs_wider_than_its_chunk():
    weight = np.ones((2**20 + 1, 2), dtype=np.float32)
    weight[:, 1] = -2.0
    assert input_reach(weight) == 2 * (2**20 + 1)


def test_weighted_losses_are_the_same_on_another_array_namespace_and_device():
    # array-api-strict's "device1" cannot be read as NumPy: the constant
    # prediction's loss must bring the sample weights over as it does the codes.
    strict = pytest.importorskip("array_api_strict")
    device = strict.Device("device1")
    rng = np.random.RandomState(0)
    X = rng.normal(size=(120, 6))
    y = (X[:, 0] > 0).astype(np.int64)
    w = np.where(y == 1, 3.0, 1.0)
    params = dict(max_iter=5, tol=0, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)  # max_iter=5
        ref = SigmoidMSEClassifier(**params).fit(X, y, sample_weight=w)
        with config_context(array_api_dispatch=True):
            est = SigmoidMSEClassifier(**params).fit(
                *(strict.asarray(a, device=device) for a in (X, y)),
                sample_weight=strict.asarray(w, device=device),
            )
    np.testing.assert_allclose(est.loss_curve_, ref.loss_curve_, rtol=1e-10)
    assert est.loss_reduction_ == pytest.approx(ref.loss_reduction_, rel=1e-10)


# --- _diagnosis.py ----------------------------------------------------------------


def test_majority_share_weighs_each_row():
    y, classes = np.array(["a", "b", "b", "b"]), np.array(["a", "b"])
    assert majority_share(y, classes, np.array([3.0, 1.0, 1.0, 1.0])) == 0.5


def test_majority_share_by_chunks_weighs_each_chunks_own_rows():
    rng = np.random.RandomState(0)
    classes = np.array([0, 1, 2])
    y, w = rng.randint(3, size=11), rng.rand(11)
    whole = majority_share(y, classes, w)
    assert majority_share(y, classes, w, chunk=3) == pytest.approx(whole)


def test_diagnosis_rows_spread_from_the_first_row_to_the_last():
    X = np.arange(2001).reshape(-1, 1)
    rows = diagnosis_rows(X, most=5).ravel()
    np.testing.assert_array_equal(rows, [0, 500, 1000, 1500, 2000])


def test_a_plateau_on_a_majority_by_sample_weight_names_the_imbalance():
    # As many rows of each class, but class 0 holds 90 % of the sample weight.
    rng = np.random.RandomState(0)
    X, y = rng.normal(size=(200, 5)), np.repeat([0, 1], 100)
    with pytest.warns(PoorFitWarning, match=r"imbalanced \(90% of the rows"):
        SigmoidMSEClassifier(random_state=0).fit(
            X, y, sample_weight=np.where(y == 0, 9.0, 1.0)
        )


# --- _classifier.py ---------------------------------------------------------------


def _peak_traced_mib(fit):
    with threadpool_limits(limits=1, user_api="blas"):  # one thread's buffers
        tracemalloc.start()
        try:
            base = tracemalloc.get_traced_memory()[0]
            fit()
            return (tracemalloc.get_traced_memory()[1] - base) / 2**20
        finally:
            tracemalloc.stop()


def test_a_poor_fits_diagnosis_adds_nothing_to_the_memory_peak_of_training():
    # Random labels: a poor fit, diagnosed on a copy of 1000 rows (11 MiB). The
    # training buffers (about as large) are freed first, so the fit's peak is
    # partial_fit's, which trains alike and diagnoses nothing.
    rng = np.random.RandomState(0)
    X, y = rng.normal(size=(6000, 1500)), rng.randint(3, size=6000)
    params = dict(hidden_layer_sizes=(100,), max_iter=1, random_state=0)

    caught = []

    def fit():
        with warnings.catch_warnings(record=True) as found:
            warnings.simplefilter("always")
            SigmoidMSEClassifier(tol=0, **params).fit(X, y)
        caught.extend(w.category for w in found)

    def partial_fit():
        SigmoidMSEClassifier(**params).partial_fit(X, y, classes=[0, 1, 2])

    assert _peak_traced_mib(fit) < _peak_traced_mib(partial_fit) + 2
    assert PoorFitWarning in caught
