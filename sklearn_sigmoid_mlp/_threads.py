"""How many threads a fit may use, and the one BLAS thread each of them runs on.

A fit on NumPy input runs its matrix products on one BLAS thread per thread of its
own: small fits on one thread, large ones on as many threads as the process may
use, each taking a share of the rows (``_network.FullBatch``). Nothing here changes
a process-wide setting for longer than a fit, whatever runs beside it.
"""

import threading
from contextlib import contextmanager
from functools import cache

from joblib import cpu_count
from threadpoolctl import ThreadpoolController

from ._fixes import active_joblib_n_jobs, release_blas_control, take_blas_control_from


@cache
def _blas_controller():
    # Scanning the loaded libraries takes milliseconds: once per process.
    return ThreadpoolController()


def _blas_thread_count():
    """The BLAS thread count in force now (the largest over BLAS libraries)."""
    counts = [
        lib.num_threads
        for lib in _blas_controller().lib_controllers
        if lib.user_api == "blas"
    ]
    return max(counts, default=1)


class _SharedBlasLimit:
    """The one owner of the process-wide "one BLAS thread" limit of fits.

    OpenBLAS (with pthreads) has one thread count for the whole process, so a limit
    set and restored by each fit leaks when fits overlap in threads: the second fit
    saves the first one's limit and restores it last (threadpoolctl issue 205).
    Here the first fit to need the limit sets it, later ones join, and the last one
    to leave restores what the process had before the first -- under a lock, so any
    interleaving of fits leaves the process as it was found. The thread that set
    the limit may not be the one that restores it: control of OpenBLAS's limit
    (threadpoolctl >= 3.8 gives it to one thread at a time) passes from the first
    to the last, and is handed back at the end.
    """

    def __init__(self):
        self._lock = threading.Lock()
        self._holders = 0
        self._limiter = self._setter = None
        self._outer_count = None

    @contextmanager
    def held(self):
        """One BLAS thread for the whole process while any holder is inside."""
        with self._lock:
            if self._holders == 0:
                self._outer_count = _blas_thread_count()
                self._limiter = _blas_controller().limit(limits=1, user_api="blas")
                self._setter = threading.current_thread()
            self._holders += 1
        try:
            yield
        finally:
            with self._lock:
                self._holders -= 1
                if self._holders == 0:
                    take_blas_control_from(self._setter)
                    self._limiter.restore_original_limits()
                    release_blas_control()
                    self._limiter = self._setter = self._outer_count = None

    def outer_count(self):
        """The BLAS thread count the process has outside fits: the caller's.

        While a fit holds the limit, what BLAS reports is this module's 1, not
        a limit anyone asked for.
        """
        with self._lock:
            return _blas_thread_count() if self._holders == 0 else self._outer_count


ONE_BLAS_THREAD = _SharedBlasLimit()


def available_threads():
    """How many threads a fit may use: asked, not taken.

    The cores this process may run on (``joblib.cpu_count``: CPU affinity and
    cgroup quotas), bounded by the BLAS thread count the caller allows
    (``threadpool_limits``, ``OPENBLAS_NUM_THREADS``, joblib's
    ``inner_max_num_threads`` in its worker processes) and by joblib's
    ``parallel_config(n_jobs=...)`` when one is active (inside a joblib worker
    thread, whose nested calls joblib runs sequentially: one).

    Returns
    -------
    int
        At least 1.

    Examples
    --------
    >>> from threadpoolctl import threadpool_limits
    >>> with threadpool_limits(limits=1, user_api="blas"):
    ...     available_threads()
    1
    """
    limits = [cpu_count(), ONE_BLAS_THREAD.outer_count()]
    joblib_n_jobs = active_joblib_n_jobs()
    if joblib_n_jobs is not None:
        limits.append(joblib_n_jobs)
    return max(1, min(limits))


def run_concurrently(tasks):
    """Call each of ``tasks`` (no arguments) at once, each on its own thread.

    The first runs on the calling thread, the others on new threads that end
    before this returns (nothing lingers between epochs or after a fit). Results
    come back in the order of ``tasks``; the first exception raised, in that
    order, is raised once every task has finished.
    """
    results = [None] * len(tasks)
    errors = [None] * len(tasks)

    def run(index):
        try:
            results[index] = tasks[index]()
        except BaseException as exc:  # re-raised on the calling thread below
            errors[index] = exc

    threads = [threading.Thread(target=run, args=(i,)) for i in range(1, len(tasks))]
    for thread in threads:
        thread.start()
    try:
        run(0)
    finally:
        for thread in threads:
            thread.join()
    for error in errors:
        if error is not None:
            raise error
    return results
