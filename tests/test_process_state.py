"""A fit leaves the process as it found it, whatever runs beside it in threads.

BLAS and OpenMP thread counts, NumPy's floating-point error settings, warning
filters and NumPy's global random state are process-wide (or thread-wide)
settings: no interleaving of fits, predictions and ``partial_fit`` calls may leave
any of them changed.
"""

import threading
import warnings

import numpy as np
import pytest
from joblib import Parallel, delayed, parallel_backend
from sklearn.datasets import make_classification
from sklearn.model_selection import GridSearchCV
from threadpoolctl import threadpool_info, threadpool_limits

from sklearn_sigmoid_mlp import SigmoidMSEClassifier


def _thread_counts():
    return [(i["filepath"], i["num_threads"]) for i in threadpool_info()]


def _blas_threads():
    return {i["num_threads"] for i in threadpool_info() if i["user_api"] == "blas"}


def _process_settings():
    return (
        _thread_counts(),
        np.geterr(),
        list(warnings.filters),
        np.random.get_state()[1].tobytes(),
    )


class _Hooked(SigmoidMSEClassifier):
    """Runs ``hook(epoch)`` after every epoch, inside the fit."""

    def _on_epoch_end(self, epoch, loss):
        self.hook(epoch)


def _hooked(hook, **params):
    model = _Hooked(tol=0, random_state=0, **params)
    model.hook = hook
    return model


# Fits here stop at max_iter on purpose; the warning says so, and is not the point.
pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")


@pytest.fixture(scope="module")
def small():
    return make_classification(n_samples=300, n_features=8, random_state=0)


def test_overlapping_fits_restore_the_blas_thread_count(small):
    # The interleaving that leaked: A lowers the limit, B starts (and saves A's
    # limit), A ends, B ends last.
    X, y = small
    before = _process_settings()
    a_started, b_started, a_done = (threading.Event() for _ in range(3))

    def hook_a(epoch):
        if epoch == 1:
            a_started.set()
            assert b_started.wait(10)

    def hook_b(epoch):
        if epoch == 1:
            b_started.set()
            assert a_done.wait(10)

    def fit_a():
        _hooked(hook_a, max_iter=3).fit(X, y)
        a_done.set()

    a = threading.Thread(target=fit_a)
    b = threading.Thread(target=_hooked(hook_b, max_iter=3).fit, args=(X, y))
    a.start()
    assert a_started.wait(10)
    b.start()
    a.join()
    b.join()
    assert b_started.is_set() and a_done.is_set()
    assert _process_settings() == before


def test_any_interleaving_of_fits_predicts_and_partial_fits(small):
    X, y = small
    fitted = SigmoidMSEClassifier(max_iter=30, tol=0, random_state=0)
    fitted.fit(X, y)
    rng = np.random.RandomState(1)
    plans = [rng.randint(3, size=6) for _ in range(4)]  # drawn before `before`

    def worker(plan, seed):
        model = SigmoidMSEClassifier(max_iter=20, tol=0, random_state=seed)
        for step in plan:
            if step == 0:
                model.fit(X, y)
            elif step == 1:
                model.partial_fit(X, y, classes=[0, 1])
            else:
                fitted.predict_proba(X)

    before = _process_settings()
    Parallel(n_jobs=4, prefer="threads")(
        delayed(worker)(plan, seed) for seed, plan in enumerate(plans)
    )
    assert _process_settings() == before


def test_grid_search_on_the_threading_backend(small):
    # Not the warning filters: scikit-learn's own parallel helpers copy them into
    # each task with catch_warnings, which is not thread-safe (GridSearchCV of a
    # LogisticRegression changes them too, 1 run in 5 here).
    X, y = small
    before = _process_settings()
    grid = {"learning_rate": [0.7, 1.0, 2.0, 4.0]}
    for _ in range(3):
        with parallel_backend("threading", n_jobs=2):
            GridSearchCV(
                SigmoidMSEClassifier(max_iter=5000, random_state=0), grid, cv=3
            ).fit(X, y)
        after = _process_settings()
        assert (after[0], after[1], after[3]) == (before[0], before[1], before[3])


def test_a_fit_leaves_the_blas_thread_count_to_the_caller_throughout(small, large):
    # No limit of this package's, at any epoch: what BLAS runs on is the caller's.
    seen = []
    with threadpool_limits(limits=2, user_api="blas"):
        for X, y in (small, large):
            _hooked(lambda epoch: seen.append(_blas_threads()), max_iter=2).fit(X, y)
    assert seen == [{2}] * 4


@pytest.fixture(scope="module")
def large():
    # 1000 rows × 10000 features: the products' work is BLAS's.
    return make_classification(n_samples=1000, n_features=10_000, random_state=0)


@pytest.fixture(scope="module")
def wide_hidden():
    # 100 hidden units × 2000 rows: products that OpenBLAS runs on every thread.
    return make_classification(n_samples=2000, n_features=20, random_state=0)


def test_fits_in_threads_equal_fits_one_after_another(small):
    # Bitwise, for the same BLAS thread count: small fits all run on one thread,
    # alone or side by side.
    X, y = small

    def fit(seed):
        return SigmoidMSEClassifier(max_iter=40, tol=0, random_state=seed).fit(X, y)

    alone = [fit(seed) for seed in range(4)]
    together = Parallel(n_jobs=4, prefer="threads")(
        delayed(fit)(seed) for seed in range(4)
    )
    for a, b in zip(alone, together):
        assert a.loss_curve_ == b.loss_curve_
        for ca, cb in zip(a.coefs_, b.coefs_):
            assert np.array_equal(ca, cb)


@pytest.mark.parametrize("threads", [1, 2])
def test_a_large_fit_is_bitwise_repeatable_for_a_thread_count(threads, wide_hidden):
    X, y = wide_hidden

    def fit():
        model = SigmoidMSEClassifier(
            hidden_layer_sizes=(100,), max_iter=3, tol=0, random_state=0
        )
        with threadpool_limits(limits=threads, user_api="blas"):
            return model.fit(X, y)

    first, second = fit(), fit()
    assert first.loss_curve_ == second.loss_curve_
    assert all(np.array_equal(a, b) for a, b in zip(first.coefs_, second.coefs_))


def _fit_in_a_thread(model, X, y):
    thread = threading.Thread(target=model.fit, args=(X, y))
    thread.start()
    thread.join()
    return model


@pytest.mark.parametrize("how", ["with", "plain call"])
def test_a_fit_in_a_worker_thread_is_the_fit_in_the_main_thread(how, large):
    # The main thread holds a limit (and with threadpoolctl >= 3.8 the control of
    # OpenBLAS's count); a fit in a worker thread runs on the same BLAS threads and
    # gives the same bits as the fit in the main thread.
    X, y = large
    before = _process_settings()
    models, seen = [], []
    limiter = threadpool_limits(limits=2, user_api="blas")
    try:
        for in_thread in (True, False):  # the worker first, while main holds control
            model = _hooked(lambda epoch: seen.append(_blas_threads()), max_iter=3)
            models.append(
                _fit_in_a_thread(model, X, y) if in_thread else model.fit(X, y)
            )
    finally:
        if how == "with":
            limiter.__exit__(None, None, None)
        else:
            limiter.restore_original_limits()
    worker, main = models
    assert main.loss_curve_ == worker.loss_curve_
    assert all(np.array_equal(a, b) for a, b in zip(main.coefs_, worker.coefs_))
    assert seen == [{2}] * 6
    assert _process_settings() == before


def test_a_fit_that_outlives_the_callers_limit_leaves_what_the_caller_has_now(small):
    # Started in a thread inside `with threadpool_limits(1)`, ended after the
    # `with`: the process is back on the caller's 2, not stuck on 1.
    X, y = small
    started, release = threading.Event(), threading.Event()

    def hook(epoch):
        if epoch == 1:
            started.set()
            assert release.wait(10)

    with threadpool_limits(limits=2, user_api="blas"):
        thread = threading.Thread(target=_hooked(hook, max_iter=3).fit, args=(X, y))
        with threadpool_limits(limits=1, user_api="blas"):
            thread.start()
            assert started.wait(10)
            assert _blas_threads() == {1}
        assert _blas_threads() == {2}
        release.set()
        thread.join()
        assert _blas_threads() == {2}
