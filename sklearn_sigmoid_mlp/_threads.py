"""How many threads a fit may use (asked of the caller, never taken), and the
threads that share an epoch's elementwise work.

A fit's matrix products run on the BLAS threads the process has, from the thread
that runs the fit; its elementwise steps on many entries (sigmoids, deltas) are
split between as many threads as the caller allows (``_network.FullBatch``).
Nothing here changes a process-wide setting: OpenBLAS has one thread count for
the whole process (threadpoolctl issue 205), which only one thread at a time may
change (threadpoolctl >= 3.8), so a fit that lowered it would slow everything
else the process runs meanwhile, and lose its limit to whichever thread holds
control.
"""

from concurrent.futures import ThreadPoolExecutor
from functools import cache
from itertools import pairwise

from joblib import cpu_count
from threadpoolctl import ThreadpoolController

from ._fixes import active_joblib_n_jobs

# Below this many entries, an elementwise step runs on the calling thread: handing
# it to another thread costs more than it saves (tens of microseconds).
MIN_SPLIT_ENTRIES = 1 << 16


@cache
def _blas_controller():
    # Scanning the loaded libraries takes milliseconds: once per process.
    return ThreadpoolController()


def blas_thread_count():
    """The BLAS thread count the process has now (the largest over BLAS
    libraries; 1 when no BLAS is found).

    It is the caller's: ``threadpool_limits``, ``OPENBLAS_NUM_THREADS``, or
    joblib's ``inner_max_num_threads`` in its worker processes set it. This
    package only reads it.
    """
    counts = [
        lib.num_threads
        for lib in _blas_controller().lib_controllers
        if lib.user_api == "blas"
    ]
    return max(counts, default=1)


def available_threads():
    """How many threads a fit may use: asked, not taken.

    The cores this process may run on (``joblib.cpu_count``: CPU affinity and
    cgroup quotas), bounded by the BLAS thread count the caller allows
    (:func:`blas_thread_count`) and by joblib's ``parallel_config(n_jobs=...)``
    when one is active (inside a joblib worker thread, whose nested calls joblib
    runs sequentially: one).

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
    limits = [cpu_count(), blas_thread_count()]
    joblib_n_jobs = active_joblib_n_jobs()
    if joblib_n_jobs is not None:
        limits.append(joblib_n_jobs)
    return max(1, min(limits))


def on_this_thread(step, n_columns, n_entries=0):
    """Apply ``step`` to every column at once, on the calling thread.

    ``step(columns)`` takes a ``slice``; this is :meth:`ColumnThreads.split` for
    a single thread.
    """
    step(slice(None))


class ColumnThreads:
    """``n_threads`` threads (the caller's among them) that apply an elementwise
    step to contiguous ranges of columns at once.

    Used as a context manager: the other threads start with the first split and
    end on exit (nothing lingers between epochs or after a fit). Elementwise steps
    give the same bits whichever thread computes an entry, so the split changes
    speed only.
    """

    def __init__(self, n_threads):
        self.n_threads = n_threads
        self._pool = None

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        if self._pool is not None:
            self._pool.shutdown()
            self._pool = None

    def split(self, step, n_columns, n_entries):
        """Apply ``step`` to ``n_columns`` columns, a contiguous range per thread.

        ``step(columns)`` takes a ``slice`` of columns and writes its results in
        place. With fewer than :data:`MIN_SPLIT_ENTRIES` entries (``n_entries``),
        the calling thread does all. The first exception raised, in range order,
        is raised once every range is done.
        """
        n_threads = self.n_threads
        if n_threads == 1 or n_entries < MIN_SPLIT_ENTRIES:
            step(slice(None))
            return
        if self._pool is None:
            self._pool = ThreadPoolExecutor(
                n_threads - 1, thread_name_prefix="sklearn-sigmoid-mlp"
            )
        bounds = [n_columns * i // n_threads for i in range(n_threads + 1)]
        ranges = [slice(lo, hi) for lo, hi in pairwise(bounds)]
        futures = [self._pool.submit(step, columns) for columns in ranges[1:]]
        try:
            step(ranges[0])
        finally:
            errors = [future.exception() for future in futures]  # waits for each
        for error in errors:
            if error is not None:
                raise error
