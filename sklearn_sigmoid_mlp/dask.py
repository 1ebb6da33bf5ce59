"""Training on Dask arrays: every Dask detail of this package, in one module.

``SigmoidMSEClassifier.fit`` given a Dask array trains here (``_backends`` finds
this plug-in by the input's type). The blocks get the in-memory checks, with the
same messages, and are computed once, where Dask puts them; ``X`` never leaves
the workers. Each epoch then needs no task graph and no scheduler:

- blocks in this process (Dask's local schedulers, or a ``distributed`` cluster
  whose workers are threads of this process) are summed here, as in memory;
- blocks on worker processes are summed by one long-lived task per worker, which
  the client reaches over a socket of its own: it sends the weights, each worker
  sends back the loss and gradient sums of its blocks, and the client adds them
  (a star all-reduce, the client at its centre). An epoch costs one round trip
  per worker, whatever the number of blocks.

It runs on the current ``distributed.Client`` when there is one, else on Dask's
local scheduler. ``DaskSigmoidMSEClassifier`` adds lazy, blockwise prediction on
Dask input.

Needs the ``dask`` extra: ``pip install '.[dask]'`` from a clone.
"""

import builtins
import hmac
import math
import secrets
import selectors
import socket
import threading
import time
from contextlib import contextmanager, suppress
from dataclasses import replace
from functools import partial
from itertools import chain, pairwise

import numpy as np

try:
    import dask
    import dask.array as da
except ImportError as exc:  # pragma: no cover - exercised without the extra only
    raise ImportError(
        "sklearn_sigmoid_mlp.dask needs dask: install the dask extra, e.g. "
        "`pip install '.[dask]'` from a clone of sklearn-sigmoid-mlp."
    ) from exc

from sklearn.base import clone
from sklearn.utils.validation import check_is_fitted

from . import _targets
from ._backends import Backend
from ._classifier import _PRIVATE_STATE, SigmoidMSEClassifier
from ._network import FlatParameters, FullBatch, constant_loss, means_of_counts
from ._training import Batch
from ._validation import (
    FitInputs,
    checked_block,
    checked_label_block,
    checked_sample_weight,
    class_weighted,
)

__all__ = ["DaskSigmoidMSEClassifier", "LostWorkerError"]


def _current_client():
    """The active ``distributed.Client``, or None (Dask's local scheduler then)."""
    if dask.config.get("scheduler", None) not in (None, "dask.distributed"):
        return None  # a local scheduler was asked for explicitly
    try:
        from distributed import get_client
    except ImportError:
        return None
    try:
        return get_client()
    except ValueError:
        return None


def _array(a, name):
    """``a`` as a Dask array; a named error, with the remedy, for a Dask DataFrame or
    Series (whose partitions' lengths are unknown) or another Dask collection."""
    if dask.is_dask_collection(a) and not isinstance(a, da.Array):
        if hasattr(a, "to_dask_array"):
            raise TypeError(
                f"{name} is a Dask {type(a).__name__}: Dask DataFrames and Series are "
                "not supported. Pass a Dask array with known chunk sizes instead, "
                "e.g. `df.to_dask_array(lengths=True)`."
            )
        raise TypeError(f"{name} must be a Dask array, got {type(a).__name__}.")
    return da.asarray(a)


def _known_array(a, name):
    """``a`` as a Dask array whose chunk sizes are known (see :func:`_array`):
    training pairs the row blocks of ``X`` and ``y``."""
    a = _array(a, name)
    if any(math.isnan(n) for n in a.shape):
        raise ValueError(
            f"{name} has unknown chunk sizes (shape {a.shape}), as after boolean "
            "indexing or `df.to_dask_array()`; training pairs the row blocks of X and "
            "y, so it needs them. Compute them first: "
            f"`{name}.compute_chunk_sizes()` (or `df.to_dask_array(lengths=True)`)."
        )
    return a


def _checked_X_block(estimator_name, dtype, X):
    """A row block of ``X`` with the in-memory checks, in the dtype the graph
    declares (a continued fit's: its model's), in aligned memory.

    A block that came over the network (``da.from_array`` of the client's array)
    can lie at any byte offset in its message; NumPy copies an unaligned operand
    before each product and loops slowly over it, so training on it every epoch
    cost a third more (65 -> 90 ms an epoch for 10,000 × 784 → 100). It is copied
    once here instead.
    """
    X = checked_block(estimator_name, X).astype(dtype, copy=False)
    return X if X.flags.aligned else X.copy()


def _checked_y_block(y):
    """A block of ``y`` with the in-memory checks; an empty block (boolean
    indexing leaves them) has nothing to check."""
    return y if y.shape[0] == 0 else checked_label_block(y)


class DaskBackend(Backend):
    """Dask arrays: ``_backends.Backend`` as ``InMemory`` implements it, on the
    workers."""

    @staticmethod
    def checked_inputs(estimator, X, y, sample_weight, continuing):
        """The in-memory checks, mapped over the blocks (they run when the blocks
        are first computed, and raise the in-memory messages)."""
        if estimator.early_stopping:
            raise ValueError(
                "early_stopping is not supported on Dask input; pass NumPy arrays "
                "or set early_stopping=False."
            )
        X = _known_array(X, "X")
        if X.ndim != 2:
            raise ValueError(f"Expected a 2-D Dask array X, got {X.ndim} dimensions.")
        if continuing and X.shape[1] != estimator.n_features_in_:
            raise ValueError(
                f"X has {X.shape[1]} features, but {type(estimator).__name__} is "
                f"expecting {estimator.n_features_in_} features as input."
            )
        dtype = X.dtype if X.dtype in (np.float32, np.float64) else np.float64
        if continuing:
            dtype = estimator.coefs_[0].dtype
        X = X.rechunk({1: -1}).map_blocks(
            partial(_checked_X_block, type(estimator).__name__, dtype), dtype=dtype
        )
        y = _known_array(y, "y")
        if y.ndim != 1:
            raise ValueError(
                "Dask input supports class labels y of shape (n_samples,) only."
            )
        if y.shape[0] != X.shape[0]:
            raise ValueError(
                "Found input variables with inconsistent numbers of samples: "
                f"[{X.shape[0]}, {y.shape[0]}]"
            )
        y = y.rechunk((X.chunks[0],)).map_blocks(_checked_y_block, dtype=y.dtype)
        if sample_weight is not None:
            if dask.is_dask_collection(sample_weight):
                # One number per row, checked in memory: computed first, so its
                # chunk sizes need not be known.
                sample_weight = _array(sample_weight, "sample_weight").compute()
            sample_weight = np.asarray(sample_weight)
            if sample_weight.shape != (X.shape[0],):
                raise ValueError(
                    f"sample_weight.shape == {sample_weight.shape}, expected "
                    f"({X.shape[0]},)!"
                )
            # Checked and scaled against a stand-in for X of which only the number
            # of rows and the dtype are read.
            rows = np.empty((X.shape[0], 0), X.dtype)
            sample_weight, weight_scale = checked_sample_weight(sample_weight, rows)
            sample_weight = da.from_array(sample_weight, chunks=(X.chunks[0],))
        return FitInputs(
            X=X,
            y=y,
            sample_weight=sample_weight,
            n_features_in=X.shape[1],
            feature_names_in=None,
            weight_scale=1.0 if sample_weight is None else weight_scale,
        )

    @staticmethod
    def class_weighted(inputs, class_weight):
        """The in-memory ``class_weighted``: one number per row, computed in
        memory (as ``sample_weight`` is), then placed beside ``X``'s blocks."""
        if class_weight is None:
            return inputs
        in_memory = replace(
            inputs,
            X=np.empty((inputs.X.shape[0], 0), inputs.X.dtype),
            y=inputs.y.compute(),
            sample_weight=(
                None if inputs.sample_weight is None else inputs.sample_weight.compute()
            ),
        )
        weighted = class_weighted(in_memory, class_weight)
        return replace(
            inputs,
            sample_weight=da.from_array(
                weighted.sample_weight, chunks=(inputs.X.chunks[0],)
            ),
            weight_scale=weighted.weight_scale,
        )

    @staticmethod
    def target_kind(y):
        # 1-D labels (checked above): the in-memory checks on the distinct labels
        # give the in-memory verdicts (a continuous y is refused the same way).
        return _targets.check_target_type(da.unique(y).compute())

    @staticmethod
    def labels(y, multilabel):
        return da.unique(y).compute()

    @staticmethod
    def encode(y, classes, multilabel, X):
        dtype = np.min_scalar_type(len(classes) - 1)
        return y.map_blocks(_targets.class_codes, classes, dtype=dtype)

    @staticmethod
    def numpy_dtype(X):
        return X.dtype

    @staticmethod
    def place(array, X):
        return array

    @staticmethod
    def hold_out(X, y, sample_weight, multilabel, fraction, rng):  # pragma: no cover
        # Refused in checked_inputs already.
        raise ValueError("early_stopping is not supported on Dask input.")

    @staticmethod
    def batch(
        X,
        targets,
        weights,
        biases,
        sample_weight,
        trainable=True,
        keep_outputs=False,
    ):
        if not trainable or keep_outputs:  # pragma: no cover - no hold-out on Dask
            raise ValueError("early_stopping is not supported on Dask input.")
        return DaskFullBatch(X, targets, weights, biases, sample_weight)


# --- Epochs ---------------------------------------------------------------------------
#
# The blocks are computed once, where Dask puts them. Each epoch then needs no task
# graph and no scheduler: blocks in this process are summed here, as in memory;
# blocks on worker processes are summed by long-lived tasks, one per thread of each
# worker (a worker far above its share of the rows hands blocks to those below
# theirs, once), which the client reaches over sockets of its own (a star
# all-reduce, the client at its centre): the client sends the weights, each task
# sends back the loss and gradient sums of its blocks, added in block order, and
# the client adds the tasks' sums in the order of their first block. The cost of
# an epoch beyond the sums is one round trip per task, whatever the number of
# blocks.


# How long the client waits, in one wait, before it checks that the tasks, the
# client and the scheduler are still there (a lost worker closes its sockets,
# which ends a wait at once).
_POLL_SECONDS = 1.0

# How long the tasks may take to start (a worker whose threads are all busy, or
# that is paused, starts none), and a task waits for the client to connect.
_START_SECONDS = 60.0

# How long the client waits for a task's host to answer, and a task for a
# connection to present the fit's token.
_CONNECT_SECONDS = 10.0

# Listening sockets opened by ``_listen`` for a fit's tasks on a worker, by (fit
# token, worker address, task index): a worker process's, taken by ``_serve``, or
# closed by a timer when no task took them in time.
_LISTENING = {}

# Which process this is, for a client to tell whether a worker shares it.
_PROCESS = secrets.token_hex(16)

# TCP keepalive: probe after 4 s of silence, every 2 s, give up after 3 probes.
_KEEPALIVE = {"TCP_KEEPIDLE": 4, "TCP_KEEPINTVL": 2, "TCP_KEEPCNT": 3}

# Consecutive row blocks of fewer rows than this are joined (copied once) into
# runs of about this many rows where they are summed: a block costs an epoch
# tens of microseconds of its own, whatever its size (measured: 16 blocks of 63
# rows on a worker, 1.3 ms an epoch against 0.6 ms for them as one).
_JOIN_ROWS = 4096

# A worker keeps the blocks it holds up to this much above its share of the rows
# (by its threads); beyond, blocks move to the workers below their share.
_SLACK = 0.1

# Message kinds, one byte each. A closed socket ends a task's epochs.
_SUMS, _LOSS_ONLY, _PREDICTED = b"G", b"L", b"P"
_OK, _FAILED = b"K", b"X"


class LostWorkerError(RuntimeError):
    """A worker that held training blocks went away during a fit on Dask.

    The fit stops at once; its blocks and tasks are released. Dask recomputes the
    lost blocks when the fit is run again on the workers that remain.
    """


class _Connection:
    """One end of a fit's socket, whose waits end on a lost peer or a failed
    ``check`` (called every :data:`_POLL_SECONDS` of waiting)."""

    def __init__(self, sock, check=None):
        if sock.family in (socket.AF_INET, socket.AF_INET6):
            # Each message goes at once, and a peer that vanishes without
            # closing (its host gone) is found within about 10 s of silence.
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE, 1)
            for option, value in _KEEPALIVE.items():
                if hasattr(socket, option):  # Linux names
                    sock.setsockopt(socket.IPPROTO_TCP, getattr(socket, option), value)
        sock.setblocking(False)
        self.sock = sock
        self._check = check
        # A selector, not select.select: descriptors above 1023 are fine.
        self._selector = selectors.DefaultSelector()
        self._selector.register(sock, selectors.EVENT_READ)

    def _wait(self, event):
        self._selector.modify(self.sock, event)
        while not self._selector.select(_POLL_SECONDS):
            if self._check is not None:
                self._check()

    def send(self, *buffers):
        for buffer in buffers:
            view = memoryview(buffer).cast("B")
            while view:
                try:
                    view = view[self.sock.send(view) :]
                except BlockingIOError:
                    self._wait(selectors.EVENT_WRITE)

    def recv_into(self, buffer):
        view = memoryview(buffer).cast("B")
        while view:
            try:
                received = self.sock.recv_into(view)
            except BlockingIOError:
                self._wait(selectors.EVENT_READ)
                continue
            if received == 0:
                raise ConnectionError("the other end closed the connection")
            view = view[received:]
        return buffer

    def recv(self, n_bytes):
        return bytes(self.recv_into(bytearray(n_bytes)))

    def close(self):
        self._selector.close()
        self.sock.close()


def _blocks_batch(blocks, weights, biases):
    """A ``FullBatch`` over row blocks ``[(X, codes, sample_weight), ...]`` that
    sums gradients for ``weights`` and ``biases`` as given (empty blocks skipped:
    they add nothing)."""
    blocks = _joined([block for block in blocks if block[0].shape[0] > 0])
    if not blocks:
        return None
    X, codes, sample_weight = (list(part) for part in zip(*blocks))
    if sample_weight[0] is None:
        sample_weight = None
    else:  # sent by the client: aligned, as X's blocks (see _checked_X_block)
        sample_weight = [np.require(w, requirements="A") for w in sample_weight]
    return FullBatch(X, codes, weights, biases, sample_weight, copy_params=False)


def _joined(blocks):
    """``blocks`` with each run of consecutive blocks under :data:`_JOIN_ROWS`
    rows joined into one, in order (larger blocks as they are)."""
    runs, run, rows = [], [], 0
    for block in blocks:
        if block[0].shape[0] >= _JOIN_ROWS:
            runs += [run, [block]]
            run, rows = [], 0
            continue
        run.append(block)
        rows += block[0].shape[0]
        if rows >= _JOIN_ROWS:
            runs.append(run)
            run, rows = [], 0
    runs.append(run)
    return [run[0] if len(run) == 1 else _concatenated(run) for run in runs if run]


def _concatenated(blocks):
    """One block of ``blocks``' rows, in order."""
    X, codes, sample_weight = zip(*blocks)
    if sample_weight[0] is not None:
        sample_weight = np.concatenate(sample_weight)
    else:
        sample_weight = None
    return np.concatenate(X), np.concatenate(codes), sample_weight


def _class_counts(blocks, n_outputs):
    """Σ sample_weight (or rows) of each class code over ``blocks``: the prior
    loss's and the total weight's."""
    counts = np.zeros(max(n_outputs, 2))
    for _, codes, sample_weight in blocks:
        counts += np.bincount(codes, weights=sample_weight, minlength=counts.size)
    return counts


def _process_token():
    """This process's token (run on each worker by ``Client.run``)."""
    return _PROCESS


def _listen(token, n_tasks, dask_worker=None):
    """Open listening sockets on this worker's host for a fit's tasks here (run by
    ``Client.run``; ``n_tasks`` by worker address); their addresses go back to the
    client. A socket no task takes is closed after :data:`_START_SECONDS`."""
    from distributed.comm import get_address_host

    host = get_address_host(dask_worker.address)
    family = socket.getaddrinfo(host, 0, type=socket.SOCK_STREAM)[0][0]
    addresses = []
    for index in range(n_tasks[dask_worker.address]):
        key = (token, dask_worker.address, index)
        _LISTENING[key] = listener = socket.create_server((host, 0), family=family)
        timer = threading.Timer(_START_SECONDS, _forget, args=(key,))
        timer.daemon = True
        timer.start()
        addresses.append(listener.getsockname()[:2])
    return addresses


def _forget(key):
    listener = _LISTENING.pop(key, None)
    if listener is not None:
        listener.close()


def _accept(listener, token):
    """The first connection to ``listener`` that presents ``token`` (others are
    closed: a port scan cannot take a fit's task)."""
    deadline = time.monotonic() + _START_SECONDS
    with listener:
        while True:
            listener.settimeout(max(deadline - time.monotonic(), 1e-3))
            sock, _ = listener.accept()  # TimeoutError past the deadline
            sock.settimeout(_CONNECT_SECONDS)
            try:
                received = sock.recv(len(token), socket.MSG_WAITALL)
            except OSError:
                received = b""
            if hmac.compare_digest(received, token):
                return _Connection(sock)
            sock.close()


def _serve(token, index, layer_sizes, dtype, blocks):
    """A fit's long-lived task on one worker thread: the loss and gradient sums of
    its ``blocks`` for each epoch's weights, until the client closes its socket.

    It secedes from the worker's thread pool at once, so that other tasks (a
    callback's computation, another fit's tasks) do not wait for it; its products
    run on the worker process's BLAS threads (one, on a ``distributed`` worker
    process, whose nanny sets ``OPENBLAS_NUM_THREADS=1``).
    """
    from distributed import get_worker, secede

    listener = _LISTENING.pop((token, get_worker().address, index))
    secede()
    connection = _accept(listener, token)
    try:
        params = FlatParameters.empty(layer_sizes, dtype)
        flat = params.flat
        batch = _blocks_batch(blocks, params.weights, params.biases)
        connection.send(_class_counts(blocks, layer_sizes[-1]))
        del blocks
        while True:
            kind = connection.recv(1)
            connection.recv_into(flat)
            if kind == _PREDICTED:
                counts = np.zeros(n_classes(layer_sizes), np.int64)
                connection.send(counts if batch is None else batch.predicted_counts())
            else:
                _send_sums(connection, batch, flat, need_grad=kind == _SUMS)
    except OSError:
        return  # the client closed the socket (the fit ended) or went away
    finally:
        connection.close()


def _send_sums(connection, batch, flat, need_grad):
    """One epoch's answer: the loss sum and, if asked, the gradient sums; or the
    exception the sums raised."""
    try:
        if batch is None:
            squared_error, sums = 0.0, np.zeros_like(flat)
        else:
            squared_error, sums = batch.evaluate(need_grad), batch.param_grads[0]
    except Exception as exc:  # the client raises it (as text: nothing unpickled)
        message = f"{type(exc).__name__}\n{exc}".encode()
        connection.send(_FAILED, np.array([len(message)], np.int64), message)
        return
    connection.send(_OK, np.array([squared_error]))
    if need_grad:
        connection.send(sums)


def _balanced(rows, holders, n_threads):
    """The worker that sums each block: its holder while that worker stays within
    :data:`_SLACK` of its share of the rows (by ``n_threads``), else, largest
    blocks first, the worker with the most room below its share (Dask then moves
    the block there once, as the task's argument). An epoch takes as long as the busiest
    worker, and Dask can place a persisted array's chunks unevenly. The same
    layout gives the same answer."""
    workers = sorted(n_threads)
    total = sum(rows) / sum(n_threads[w] for w in workers)
    share = {w: total * n_threads[w] for w in workers}
    load = dict.fromkeys(workers, 0)
    assigned, moved = list(holders), []
    for position, (n_rows, holder) in enumerate(zip(rows, holders)):
        within = load[holder] + n_rows <= share[holder] * (1 + _SLACK)
        if within or load[holder] == 0:  # a block alone on its worker stays
            load[holder] += n_rows
        else:
            moved.append(position)
    for position in sorted(moved, key=lambda p: -rows[p]):
        holder = holders[position]  # stays where no worker has more room
        to = max(workers, key=lambda w: (share[w] - load[w], w == holder))
        assigned[position] = to
        load[to] += rows[position]
    return assigned


def _task_groups(blocks, workers, n_threads):
    """``[(worker, blocks), ...]``: each worker's blocks (in block order) cut into
    as many contiguous groups as it has threads, ranked by their first block."""
    by_worker = {}
    for position, (block, holder) in enumerate(zip(blocks, workers)):
        by_worker.setdefault(holder, []).append((position, block))
    groups = []
    for holder, held in by_worker.items():
        n_groups = max(1, min(n_threads.get(holder, 1), len(held)))
        cuts = [len(held) * i // n_groups for i in range(n_groups + 1)]
        groups += [(holder, held[a:b]) for a, b in pairwise(cuts)]
    groups.sort(key=lambda group: group[1][0][0])
    return [(holder, [block for _, block in held]) for holder, held in groups]


class _Collective:
    """The client's end of the fit's long-lived tasks (see ``_serve``): one per
    thread of each worker that sums blocks.

    The tasks are ranked by their first block; each sums its blocks in block
    order, and the client adds the tasks' sums in rank order: for a given layout
    of blocks on workers, the sums are bitwise the same every run.
    """

    def __init__(self, client, blocks, workers, layer_sizes, dtype):
        self._client = client
        self._token = secrets.token_bytes(16)
        groups = _task_groups(blocks, workers, client.nthreads())
        self.workers = [holder for holder, _ in groups]  # each task's, by rank
        self._tasks, self._connections = [], []
        self._started, self._since = 0, time.monotonic()
        try:
            self._start(groups, layer_sizes, dtype)
        except BaseException:
            self.close()
            raise

    def _start(self, groups, layer_sizes, dtype):
        client, token = self._client, self._token
        n_tasks = {holder: self.workers.count(holder) for holder in set(self.workers)}
        addresses = client.run(_listen, token, n_tasks, workers=list(n_tasks))
        index = dict.fromkeys(n_tasks, 0)
        for holder, held in groups:
            self._tasks.append(
                client.submit(
                    _serve,
                    token,
                    index[holder],
                    layer_sizes,
                    dtype,
                    held,
                    workers=[holder],
                    allow_other_workers=False,
                    pure=False,
                )
            )
            address = tuple(addresses[holder][index[holder]])
            self._connections.append(self._connect(holder, address))
            index[holder] += 1
        self._n_counts = n_classes(layer_sizes)
        self.counts = 0
        for rank in self:
            counts = self._receive_counts(rank, self._n_counts)
            self.counts = self.counts + counts  # in rank order
            self._started += 1
        self._buffer = FlatParameters.empty(layer_sizes, dtype).flat

    def _connect(self, holder, address):
        try:
            sock = socket.create_connection(address, timeout=_CONNECT_SECONDS)
        except OSError as exc:
            raise ConnectionError(
                f"The client cannot reach the fit's task on worker {holder} at "
                f"{address[0]}:{address[1]} ({exc}). Training on worker processes "
                "needs the client to reach each worker's host on ports the "
                "operating system picks."
            ) from exc
        connection = _Connection(sock, self.check)
        connection.send(self._token)
        return connection

    def __iter__(self):
        return iter(range(len(self.workers)))

    def _receive_counts(self, rank, n_counts):
        counts = np.empty(n_counts)
        with self._named(rank):
            return self._connections[rank].recv_into(counts)

    def check(self):
        """Raise if a task failed, a worker went, the tasks did not start in
        time, or the client or scheduler went."""
        if self._client.status != "running":
            raise RuntimeError(
                "The Dask client was closed or lost its scheduler during the fit "
                f"(its status: {self._client.status!r}); the fit is stopped and its "
                "workers' tasks end."
            )
        for holder, task in zip(self.workers, self._tasks):
            if task.status == "error":
                raise task.exception()
            if task.status in ("cancelled", "lost") or task.done():
                raise LostWorkerError(
                    f"The fit's task on worker {holder} ended ({task.status}): the "
                    "worker was lost or restarted during the fit."
                )
        waited = time.monotonic() - self._since
        if self._started < len(self._tasks) and waited > _START_SECONDS:
            raise RuntimeError(
                f"The fit's task on worker {self.workers[self._started]} did not "
                f"start within {_START_SECONDS:.0f} s: the worker's threads are all "
                "busy (a task that waits for this fit, such as a fit run inside a "
                "Dask task) or it is paused. Free a thread on each worker holding "
                "blocks, or fit outside the cluster's tasks."
            )

    @contextmanager
    def _named(self, rank):
        """Turn a failed connection into a :class:`LostWorkerError` naming the
        worker (or the task's own error, when it failed)."""
        try:
            yield
        except OSError as exc:  # closed, reset, timed out by keepalive, unreachable
            self._wait_for_news(rank)
            raise LostWorkerError(
                f"Lost worker {self.workers[rank]} during the fit ({exc}): the "
                "worker died, was restarted or cannot be reached. The fit is "
                "stopped and its blocks are released; fit again to use the workers "
                "that remain."
            ) from exc

    def _wait_for_news(self, rank, seconds=2.0):
        """A task that failed closes its socket before the scheduler says why:
        raise its own error if it comes within ``seconds``."""
        task = self._tasks[rank]
        deadline = time.monotonic() + seconds
        while task.status == "pending" and time.monotonic() < deadline:
            time.sleep(0.01)
        if task.status == "error":
            raise task.exception()

    def evaluate(self, flat, sums, need_grad):
        """``Σ_j w_j ‖f_j - y_j‖²`` for the weights ``flat``; the gradient sums
        into ``sums`` if ``need_grad``."""
        self.check()
        kind = _SUMS if need_grad else _LOSS_ONLY
        for rank in self:
            with self._named(rank):
                self._connections[rank].send(kind, flat)
        squared_error = 0.0
        for rank in self:
            with self._named(rank):
                squared_error += self._receive_sums(rank, sums, need_grad)
        return squared_error

    def predicted_counts(self, flat):
        """Rows the network of weights ``flat`` predicts each class code for, over
        every task's blocks."""
        self.check()
        for rank in self:
            with self._named(rank):
                self._connections[rank].send(_PREDICTED, flat)
        total = 0
        for rank in self:
            counts = np.empty(self._n_counts, np.int64)
            with self._named(rank):
                total = total + self._connections[rank].recv_into(counts)
        return total

    def _receive_sums(self, rank, sums, need_grad):
        connection = self._connections[rank]
        if connection.recv(1) == _FAILED:
            size = int(connection.recv_into(np.empty(1, np.int64))[0])
            raise _worker_error(self.workers[rank], connection.recv(size).decode())
        squared_error = float(connection.recv_into(np.empty(1))[0])
        if need_grad:
            if rank == 0:
                connection.recv_into(sums)
            else:
                sums += connection.recv_into(self._buffer)
        return squared_error

    def close(self):
        """End the tasks (their sockets close) and let the cluster forget them;
        never waits on a worker (listening sockets no task took close on their
        own, see :func:`_listen`)."""
        for connection in self._connections:
            connection.close()
        self._connections = []
        if self._client.status == "running":
            for task in self._tasks:
                task.release()
        self._tasks = []


def _worker_error(worker, text):
    """The exception a worker's sums raised, from its type's name and message:
    a built-in exception type as it was, any other as a RuntimeError naming it."""
    name, _, message = text.partition("\n")
    message = f"{message} (raised on worker {worker})"
    kind = getattr(builtins, name, None)
    if isinstance(kind, type) and issubclass(kind, Exception):
        with suppress(Exception):  # some take other arguments than a message
            return kind(message)
    return RuntimeError(f"{name} on worker {worker}: {message}")


def n_classes(layer_sizes):
    """Length of the class counts for ``layer_sizes``'s output units."""
    return max(layer_sizes[-1], 2)


class DaskFullBatch(Batch):
    """Loss and gradient sums over a Dask array's row blocks.

    Implements ``_training.Batch`` as ``_network.FullBatch`` does, so the training
    loop is shared. The blocks are computed once; with Dask's local schedulers, or
    workers that are threads of this process, they are summed here as in memory;
    with worker processes, by long-lived tasks, one per worker thread, the rows
    balanced between the workers (see :func:`_balanced`, :class:`_Collective`).
    """

    xp = np

    def __init__(self, X, codes, weights, biases, sample_weight=None):
        layer_sizes = [X.shape[1], *(w.shape[1] for w in weights)]
        dtype = weights[0].dtype
        params = FlatParameters.copy_of(weights, biases)
        self.weights, self.biases = params.weights, params.biases
        self.params, self.penalized = [params.flat], [params.penalized]
        arrays = [X, codes] + ([] if sample_weight is None else [sample_weight])
        self._client = _current_client()
        self._collective = self._futures = self._batch = None
        try:
            self._start(arrays, layer_sizes, dtype)
        except BaseException:
            # The exception's traceback keeps this object, and with it the
            # blocks, alive: release them now.
            self.close()
            raise
        self.total_weight = float(np.sum(self._counts))

    def _set_sums(self, flat, grads, bias_grads):
        self.param_grads, self.grads, self.bias_grads = [flat], grads, bias_grads
        self.penalized_grads = [flat[: self.penalized[0].size]]

    def _start(self, arrays, layer_sizes, dtype):
        """Compute the blocks where Dask puts them, and set up the epochs."""
        delayed = [a.to_delayed().ravel().tolist() for a in arrays]
        if self._client is None:
            # Dask's local schedulers compute into this process.
            self._sum_here(_blocks(dask.compute(*delayed)), layer_sizes)
            return
        from distributed import wait

        self._futures = [self._client.compute(d) for d in delayed]
        wait(list(chain(*self._futures)))
        for future in chain(*zip(*self._futures)):  # in block order
            if future.status == "error":  # a bad block: the in-memory message
                raise future.exception()
        holders = self._client.who_has(self._futures[0])
        workers = [holders[future.key][0] for future in self._futures[0]]
        processes = self._client.run(_process_token, workers=sorted(set(workers)))
        if set(processes.values()) == {_PROCESS}:
            # Workers that are threads of this process: their blocks are here.
            gathered = self._client.gather(self._futures)
            self._sum_here(_blocks(gathered), layer_sizes)
            return
        blocks = _blocks(self._futures)
        workers = _balanced(arrays[0].chunks[0], workers, self._client.nthreads())
        self._own_sums(layer_sizes)
        self._collective = _Collective(
            self._client, blocks, workers, layer_sizes, dtype
        )
        self._counts = self._collective.counts

    def _sum_here(self, blocks, layer_sizes):
        self._batch = batch = _blocks_batch(blocks, self.weights, self.biases)
        if batch is None:  # no rows: sums of zero
            self._own_sums(layer_sizes).flat[...] = 0
        else:  # sums straight into the batch's
            self._set_sums(batch.param_grads[0], batch.grads, batch.bias_grads)
        self._counts = _class_counts(blocks, layer_sizes[-1])

    def _own_sums(self, layer_sizes):
        sums = FlatParameters.empty(layer_sizes, self.params[0].dtype)
        self._set_sums(sums.flat, sums.weights, sums.biases)
        return sums

    def close(self):
        """Let the workers (or the local scheduler) drop the blocks now: ``fit``
        calls this when training ends, and a failed fit's traceback would
        otherwise keep them in the workers' memory."""
        if self._collective is not None:
            self._collective.close()
            self._collective = None
        if self._futures is not None and self._client.status == "running":
            for future in chain(*self._futures):
                with suppress(Exception):
                    future.release()
        self._futures = self._batch = None

    def predicted_counts(self):
        """Rows the network now predicts each class code for, where they live
        (see ``FullBatch.predicted_counts``)."""
        if self._collective is not None:
            return self._collective.predicted_counts(self.params[0])
        n_counts = len(self._counts)
        if self._batch is None:  # no rows
            return np.zeros(n_counts, np.int64)
        return self._batch.predicted_counts()

    def prior_loss(self):
        """Loss of the best constant prediction (see ``FullBatch.prior_loss``)."""
        return constant_loss(means_of_counts(self._counts, self.weights[-1].shape[1]))

    def evaluate(self, need_grad=True):
        """Return ``Σ_j w_j ‖f_j - y_j‖²``; fill the gradient sums if ``need_grad``."""
        if self._collective is not None:
            flat, sums = self.params[0], self.param_grads[0]
            return self._collective.evaluate(flat, sums, need_grad)
        if self._batch is None:  # no rows (the sums stay zero)
            return 0.0
        return self._batch.evaluate(need_grad)


def _blocks(parts):
    """``[(X, codes, sample_weight), ...]`` per row block, from the arrays' lists
    of blocks (``sample_weight``'s list absent when there are no weights)."""
    if len(parts) == 2:
        parts = [*parts, [None] * len(parts[0])]
    return list(zip(*parts))


class DaskSigmoidMSEClassifier(SigmoidMSEClassifier):
    """``SigmoidMSEClassifier`` whose predictions on Dask input are lazy Dask arrays.

    Training is the parent's: given a Dask array (chunked by rows; chunks along
    columns are merged), ``fit`` trains on the cluster without gathering ``X``, with
    the in-memory checks and messages. Fitted attributes are NumPy arrays. On Dask
    input ``predict`` and ``predict_proba`` return Dask arrays computed block by
    block; on other input they are the parent's.

    Notes
    -----
    Each training task adds its blocks' sums in block order and the client adds
    the tasks' sums in the order of their first block: for a given layout of
    blocks on workers the result is bitwise the same every run, and it equals the
    in-memory fit to float rounding (coefficients within ~1e-10 relative). A lost
    worker raises :class:`LostWorkerError` naming it. ``n_iter_`` is the same unless
    an epoch's improvement falls within rounding of ``tol`` -- then the two fits may
    stop one epoch apart. ``early_stopping`` and multilabel targets are not
    supported for training on Dask input (a model fitted on multilabel targets in
    memory predicts Dask input). Training needs Dask arrays with known chunk sizes;
    prediction does not (its blocks are independent).

    Examples
    --------
    >>> import dask.array as da
    >>> from sklearn.datasets import load_digits
    >>> from sklearn_sigmoid_mlp.dask import DaskSigmoidMSEClassifier
    >>> X, y = load_digits(return_X_y=True)
    >>> X_dask = da.from_array((X - 8) / 8, chunks=(500, 64))
    >>> clf = DaskSigmoidMSEClassifier(learning_rate=4.0, tol=1e-3, random_state=0)
    >>> clf.fit(X_dask, y).n_iter_ >= 12
    True
    >>> clf.predict(X_dask[:5]).compute().shape
    (5,)
    """

    def _blockwise(self, X, method, **kwargs):
        """Apply the local model's ``method`` to each row block, lazily."""
        return X.map_blocks(partial(_apply, self.to_local(), method), **kwargs)

    def predict_proba(self, X):
        """Class probabilities; a lazy Dask array for Dask input (see the parent).

        Parameters
        ----------
        X : dask.array.Array or array-like of shape (n_samples, n_features)
            Input data.

        Returns
        -------
        proba : dask.array.Array or ndarray of shape (n_samples, n_classes)
            The parent's probabilities, block by block for Dask input.
        """
        if not isinstance(X, da.Array):
            return super().predict_proba(X)
        check_is_fitted(self)
        width = max(len(self.classes_), 2)
        return self._blockwise(
            X.rechunk({1: -1}),
            "predict_proba",
            chunks=(X.chunks[0], (width,)),
            dtype=self.coefs_[0].dtype,
        )

    def predict(self, X):
        """Class labels; a lazy Dask array for Dask input (see the parent).

        Parameters
        ----------
        X : dask.array.Array or array-like of shape (n_samples, n_features)
            Input data.

        Returns
        -------
        y : dask.array.Array or ndarray of shape (n_samples,) or (n_samples, n_labels)
            The parent's labels (multilabel: indicators), block by block for Dask
            input.
        """
        if not isinstance(X, da.Array):
            return super().predict(X)
        check_is_fitted(self)
        X = X.rechunk({1: -1})
        if self._multilabel:
            # One 0/1 indicator per label (``_targets.decode``'s int64), per row.
            return self._blockwise(
                X, "predict", chunks=(X.chunks[0], (self.n_outputs_,)), dtype=np.int64
            )
        return self._blockwise(X, "predict", drop_axis=1, dtype=self.classes_.dtype)

    def to_local(self):
        """A plain :class:`SigmoidMSEClassifier` with the same parameters and state.

        Returns
        -------
        SigmoidMSEClassifier
            A copy of the fitted model that works on in-memory input only.
        """
        check_is_fitted(self)
        local = clone(SigmoidMSEClassifier(**self.get_params()))
        vars(local).update(
            (name, value)
            for name, value in vars(self).items()
            if (name.endswith("_") and not name.startswith("__"))
            or name in _PRIVATE_STATE
        )
        return local


#: This module's backend, which ``_backends.backend_for`` finds by the input's type.
BACKEND = DaskBackend


def _apply(model, method, block):
    if block.shape[0] == 0:  # boolean indexing leaves empty blocks
        return _empty_result(model, method, block)
    return getattr(model, method)(block)


def _empty_result(model, method, block):
    """What ``method`` returns for no rows, in the shape and dtype of its
    results for one row."""
    one_row = np.zeros((1, block.shape[1]), block.dtype)
    return getattr(model, method)(one_row)[:0]


def _with_parent_sections(doc):
    """``doc`` with the parent's Parameters and Attributes sections (the same
    parameters and fitted attributes) inserted before its Notes."""
    parent = SigmoidMSEClassifier.__doc__
    sections = parent[parent.index("    Parameters\n") : parent.index("    See Also\n")]
    head, notes = doc.split("    Notes\n", 1)
    return f"{head}{sections}    Notes\n{notes}"


DaskSigmoidMSEClassifier.__doc__ = _with_parent_sections(
    DaskSigmoidMSEClassifier.__doc__
)
