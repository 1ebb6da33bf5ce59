"""The network's mathematics: forward pass, loss and backward pass over a block of rows.

Small functions on arrays, free of estimator state; ``_training.py`` turns them into
epochs, updates and a stopping rule.

Layout is the notebook's: ``weights[l]`` is ``(n_out, n_in)`` (its ``W[:, 1:]``),
``biases[l]`` is ``(n_out,)`` (its ``W[:, 0]``), activations are units × rows. The
estimator exposes scikit-learn's ``coefs_[l] = weights[l].T``, ``intercepts_ = biases``.
"""

import threading
from contextlib import contextmanager, nullcontext
from functools import cache
from itertools import pairwise

import numpy as np
import scipy.sparse as sp
from sklearn.utils import gen_batches
from sklearn.utils.sparsefuncs import min_max_axis
from threadpoolctl import ThreadpoolController

from ._arrays import namespace_of
from ._fixes import (
    _convert_to_numpy,
    array_device,
    get_chunk_n_rows,
    release_blas_control,
    take_blas_control_from,
)

# Row blocks bound the temporaries of a pass to a few MiB whatever n_samples is;
# measured here (benchmarks/bench_epoch.py), matrix products stop gaining speed
# beyond ~8000 rows of a 784-100-10 network. scikit-learn's ``working_memory``
# (in MiB) can only lower this further.
_BLOCK_TARGET_MIB = 16.0
_MIN_BLOCK_ROWS = 64

# Below this many multiply-adds in an epoch's largest matrix product, training
# runs on one BLAS thread. Measured on a 2-core AMD EPYC (OpenBLAS 0.3.31): the two
# big digits products (1.7e6 each) take 0.38-0.52 ms on one thread and 0.28-0.37 ms
# on two when the machine is quiet, but 1-23 ms on two beside two busy processes
# (each call waits for a descheduled thread), against ~1 ms on one; from ~1e7 on,
# two threads stay ahead busy or quiet (benchmarks/bench_epoch.py --shape
# contention measures the whole fit).
_THREADED_MIN_MACS = 10_000_000


def init_weights(layer_sizes, random_state, dtype=np.float64):
    """Draw the initial weights exactly as the notebook does.

    For each layer from the input onwards, ``rng.rand(n_out, n_in + 1) - 0.5`` is
    drawn; column 0 is the bias. For one hidden layer these are the notebook's
    ``w_hid`` then ``w_out`` draws.

    Parameters
    ----------
    layer_sizes : sequence of int
        ``[n_features, *hidden_layer_sizes, n_outputs]``.
    random_state : numpy.random.RandomState
        The generator to draw from (already checked).
    dtype : numpy dtype, default=numpy.float64
        Floating dtype of the returned arrays; the draws themselves are float64.

    Returns
    -------
    weights : list of ndarray of shape (n_out, n_in)
        The notebook's ``W[:, 1:]``, C-contiguous.
    biases : list of ndarray of shape (n_out,)
        The notebook's ``W[:, 0]``.

    Examples
    --------
    >>> import numpy as np
    >>> weights, biases = init_weights([64, 15, 10], np.random.RandomState(0))
    >>> [w.shape for w in weights], [b.shape for b in biases]
    ([(15, 64), (10, 15)], [(15,), (10,)])
    >>> w_hid = np.random.RandomState(0).rand(15, 65) - 0.5
    >>> bool(np.array_equal(weights[0], w_hid[:, 1:]))
    True
    """
    weights, biases = [], []
    for n_in, n_out in pairwise(layer_sizes):
        w = random_state.rand(n_out, n_in + 1) - 0.5
        weights.append(np.ascontiguousarray(w[:, 1:], dtype=dtype))
        biases.append(np.array(w[:, 0], dtype=dtype))
    return weights, biases


def sigmoid(z, out=None):
    """Logistic function ``1 / (1 + exp(-z))``, the notebook's formula, elementwise.

    Free of floating-point warnings for every finite input: ``exp(-z)`` overflows to
    ``inf`` for ``z < -709`` (or underflows to 0 for large ``z``), and
    ``1 / (1 + inf) = 0`` and ``1 / (1 + 0) = 1`` are the correct limits.

    Parameters
    ----------
    z : ndarray
    out : ndarray, optional
        Where to write the result; may be ``z`` itself (in place).

    Returns
    -------
    ndarray

    Examples
    --------
    >>> import numpy as np
    >>> sigmoid(np.array([-1e308, 0.0, 1e308]))
    array([0. , 0.5, 1. ])
    """
    with np.errstate(over="ignore", under="ignore"):
        out = np.negative(z, out=out)
        np.exp(out, out=out)
        out += 1
        return np.reciprocal(out, out=out)


def _first_layer(weight, X, out):
    """``weight @ X.T`` for a dense or sparse row block ``X``, written into ``out``."""
    if sp.issparse(X):
        out[...] = (X @ weight.T).T
    else:
        np.matmul(weight, X.T, out=out)


def forward(X, weights, biases, activations=None, xp=np):
    """Forward pass: the sigmoid activations of every layer for the rows of ``X``.

    Activations are stored units × rows (the notebook's ``W · Xᵀ`` orientation), so
    that every product is one well-shaped matrix product and per-unit sums run along
    contiguous memory.

    Parameters
    ----------
    X : ndarray or sparse matrix of shape (n_rows, n_features)
    weights, biases : lists of ndarray
        ``weights[l]`` of shape ``(n_out, n_in)``, ``biases[l]`` of shape
        ``(n_out,)``.
    activations : list of ndarray, optional
        NumPy buffers of shape ``(n_out_l, n_rows)``, one per layer, written in
        place (within ``np.errstate(over="ignore", under="ignore")``, which the
        caller enters once). Without them (other array libraries, which have no
        ``out=``), new arrays are allocated with the array API standard's
        operations.
    xp : namespace, default=numpy
        The array namespace of ``X`` for the allocating path.

    Returns
    -------
    activations : list of ndarray
        ``[A_1, ..., A_L]``; ``A_L`` is the network's output, transposed.
    """
    if activations is None:
        activations, a = [], X.T
        for weight, bias in zip(weights, biases):
            z = weight @ a
            z += bias[:, None]
            a = 1.0 / (1.0 + xp.exp(-z))
            activations.append(a)
        return activations
    # In place, as 1 / (1 + exp(-z)) with -z = (-b) - W·a in one pass (exactly
    # -(W·a + b)); the caller silences overflow in exp, whose limits are right.
    _first_layer(weights[0], X, activations[0])
    for layer, (weight, bias) in enumerate(zip(weights, biases)):
        z = activations[layer]
        if layer > 0:
            np.matmul(weight, activations[layer - 1], out=z)
        np.subtract(np.negative(bias)[:, None], z, out=z)
        np.exp(z, out=z)
        z += 1
        np.reciprocal(z, out=z)
    return activations


def output_delta(out, Y, delta=None, sample_weight=None, xp=np):
    """Squared error of a block and the output layer's delta, in place.

    Writes ``delta = (f - y) · f · (1 - f)`` (the notebook's ``delta_out``, same order
    of operations), times each row's weight if given, and returns
    ``Σ_j w_j ‖f_j - y_j‖²`` over the block (``w_j = 1`` without weights). ``out`` is
    overwritten with ``1 - f``.

    Parameters
    ----------
    out : ndarray of shape (n_outputs, n_rows)
        The network's output ``f``, C-contiguous; destroyed.
    Y : ndarray of shape (n_outputs, n_rows)
        0/1 targets.
    delta : ndarray of shape (n_outputs, n_rows), optional
        C-contiguous NumPy buffer for the delta; without it (other array libraries)
        a new array is allocated and ``out`` is left alone.
    sample_weight : ndarray of shape (n_rows,), optional
    xp : namespace, default=numpy

    Returns
    -------
    squared_error : float
    delta : ndarray of shape (n_outputs, n_rows)
    """
    if delta is None:
        delta = out - Y
        per_unit_row = delta * delta
        if sample_weight is None:
            squared_error = float(xp.sum(per_unit_row))
        else:
            squared_error = float(xp.sum(xp.sum(per_unit_row, axis=0) * sample_weight))
        delta = delta * out * (1 - out)
        if sample_weight is not None:
            delta = delta * sample_weight
        return squared_error, delta
    np.subtract(out, Y, out=delta)
    if sample_weight is None:
        # einsum's own loop, not BLAS: the sum must not depend on the thread count.
        flat = delta.reshape(-1)
        squared_error = float(np.einsum("i,i->", flat, flat))
    else:
        per_row = np.einsum("ij,ij->j", delta, delta)
        squared_error = float(np.einsum("i,i->", per_row, sample_weight))
    delta *= out
    np.subtract(1, out, out=out)
    delta *= out
    if sample_weight is not None:
        delta *= sample_weight
    return squared_error, delta


def backward(X, weights, activations, delta, grads, bias_grads, scratch, xp=np):
    """Backward pass: gradient sums of a block of rows, given the output delta.

    Hidden deltas are back-propagated through ``weights`` as they are now, i.e.
    before this epoch's update (the notebook's ``w_out_bef``):
    ``delta_{l-1} = (weights[l].T @ delta_l) · A_{l-1} · (1 - A_{l-1})``.
    Each layer's gradient is ``delta_l @ A_{l-1}.T`` (with ``A_0 = X.T``) and its bias
    gradient ``Σ_rows delta_l``: sums over this block's rows, not means.

    Parameters
    ----------
    X : ndarray or sparse matrix of shape (n_rows, n_features)
    weights : list of ndarray
    activations : list of ndarray
        From :func:`forward`, the last one already consumed by
        :func:`output_delta`; hidden ones are overwritten.
    delta : ndarray of shape (n_outputs, n_rows)
        The output delta.
    grads, bias_grads : lists of ndarray
        Where this block's sums are written.
    scratch : ndarray or None
        NumPy buffer with room for the largest hidden delta. None for other array
        libraries: the same steps then allocate their results.
    xp : namespace, default=numpy
    """
    if scratch is None:
        _backward_allocating(X, weights, activations, delta, grads, bias_grads, xp)
        return
    for layer in range(len(weights) - 1, -1, -1):
        if layer == 0:
            if sp.issparse(X):
                grads[0][...] = (X.T @ delta.T).T
            else:
                np.matmul(delta, X, out=grads[0])
        else:
            np.matmul(delta, activations[layer - 1].T, out=grads[layer])
        # einsum's own loop (not BLAS): the same sums whatever the thread count.
        np.einsum("ij->i", delta, out=bias_grads[layer])
        if layer == 0:
            break
        # The previous layer's activations become its delta, in place.
        a_prev = activations[layer - 1]
        hidden_delta = _view(scratch, a_prev.shape)
        np.matmul(weights[layer].T, delta, out=hidden_delta)
        hidden_delta *= a_prev
        np.subtract(1, a_prev, out=a_prev)
        np.multiply(hidden_delta, a_prev, out=a_prev)
        delta = a_prev


def _backward_allocating(X, weights, activations, delta, grads, bias_grads, xp):
    """:func:`backward` with the array API standard's allocating operations."""
    for layer in range(len(weights) - 1, -1, -1):
        a_prev = X.T if layer == 0 else activations[layer - 1]
        grads[layer][...] = delta @ a_prev.T
        bias_grads[layer][...] = xp.sum(delta, axis=1)
        if layer == 0:
            break
        delta = (weights[layer].T @ delta) * a_prev * (1 - a_prev)


@cache
def _blas_controller():
    # Scanning the loaded libraries takes milliseconds: once per process.
    return ThreadpoolController()


class _SharedBlasLimit:
    """The one owner of the process-wide "one BLAS thread" limit of small fits.

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

    @contextmanager
    def held(self):
        """One BLAS thread for the whole process while any holder is inside."""
        with self._lock:
            if self._holders == 0:
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
                    self._limiter = self._setter = None


_ONE_BLAS_THREAD = _SharedBlasLimit()


def blas_threads_for(block_size, layer_sizes):
    """A context that runs an epoch's matrix products on one BLAS thread if small.

    Entered once per fit, not per product. Large products keep the thread count
    the process has (a caller's ``threadpool_limits`` included). The limit is
    process-wide (OpenBLAS has one thread count per process): while any small fit
    runs, BLAS calls of every thread run on one thread; when the last one ends,
    the count the process had before the first is restored (see
    :class:`_SharedBlasLimit`).

    Parameters
    ----------
    block_size : int
        Rows per block.
    layer_sizes : sequence of int
        ``[n_features, *hidden, n_outputs]``.

    Returns
    -------
    context manager
    """
    largest = max(block_size * n_in * n_out for n_in, n_out in pairwise(layer_sizes))
    if largest >= _THREADED_MIN_MACS:
        return nullcontext()
    return _ONE_BLAS_THREAD.held()


def block_rows(n_samples, row_bytes):
    """Rows per block: near a cache-sized target, never above ``working_memory``.

    Parameters
    ----------
    n_samples : int
    row_bytes : int
        Bytes of temporaries one row needs.

    Returns
    -------
    int
    """
    target = max(_MIN_BLOCK_ROWS, int(_BLOCK_TARGET_MIB * 2**20) // max(row_bytes, 1))
    budget = get_chunk_n_rows(row_bytes, max_n_rows=n_samples)
    return int(max(1, min(n_samples, target, budget)))


def _view(buffer, shape):
    """A C-contiguous array of ``shape`` on the start of ``buffer``'s memory."""
    return buffer.reshape(-1)[: shape[0] * shape[1]].reshape(shape)


def _packed(arrays, dtype):
    """One flat buffer holding copies of ``arrays``, and C-contiguous views of it."""
    flat = np.empty(sum(a.size for a in arrays), dtype)
    views, start = [], 0
    for array in arrays:
        view = flat[start : start + array.size].reshape(array.shape)
        view[...] = array
        views.append(view)
        start += array.size
    return flat, views


class FullBatch:
    """Loss and gradient sums over all rows, computed block by block.

    Buffers for one block are allocated once; each :meth:`evaluate` walks the blocks
    in order and accumulates, so memory stays flat in ``n_samples``. The result does
    not depend on the block size beyond float rounding.

    Parameters
    ----------
    X : ndarray or sparse matrix of shape (n_samples, n_features)
    targets : ndarray
        Either 0/1 targets of shape ``(n_outputs, n_samples)`` (units × rows, any
        real dtype), or integer class codes of shape ``(n_samples,)``: one-hot rows
        are then made block by block (for one output unit, the code is the target).
    weights, biases : lists of ndarray
        The network's parameters. With ``trainable=True`` and NumPy input they are
        copied into one flat buffer (``params``), so that an update and its check
        are one operation each; ``self.weights``/``self.biases`` are views of it.
    sample_weight : ndarray of shape (n_samples,), optional
        Row weights; the sums become weighted sums.
    block_size : int, optional
        Rows per block; by default from :func:`block_rows`.
    trainable : bool, default=True
        False: only losses are evaluated (a hold-out set), on ``weights`` and
        ``biases`` as given (shared with a training batch); no gradient buffers.

    Attributes
    ----------
    total_weight : float
        ``m``, or ``Σ_j w_j`` with sample weights: the loss and the gradient are sums
        divided by this.
    params, param_grads : lists of ndarray
        What a gradient step updates, and the gradient sums of the last
        :meth:`evaluate`: one flat array each for NumPy, else one per layer.
    penalized, penalized_grads : lists of ndarray
        The weights (not the biases), which the L2 penalty ``alpha`` applies to,
        and their gradient sums: views of ``params`` and ``param_grads``.
    grads, bias_grads : lists of ndarray
        The gradient sums per layer (views of ``param_grads`` for NumPy).
    """

    def __init__(
        self,
        X,
        targets,
        weights,
        biases,
        sample_weight=None,
        block_size=None,
        trainable=True,
    ):
        self.X, self.targets = X, targets
        self.sample_weight = sample_weight
        self.xp = xp = namespace_of(X)
        n_samples = X.shape[0]
        self.total_weight = (
            float(n_samples) if sample_weight is None else float(xp.sum(sample_weight))
        )
        dtype = weights[0].dtype
        widths = [w.shape[0] for w in weights]
        n_layers = len(weights)
        if block_size is None:
            # Activations of every layer, the output delta and one hidden delta.
            itemsize = 4 if dtype == xp.float32 else 8
            row_bytes = (sum(widths) + widths[-1] + max(widths)) * itemsize
            if xp is np:
                block_size = block_rows(n_samples, row_bytes)
            else:
                # Accelerators want few, large blocks: only working_memory bounds them.
                block_size = get_chunk_n_rows(row_bytes, max_n_rows=n_samples)
        self.block_size = block_size
        self.weights, self.biases = list(weights), list(biases)
        self.params = self.param_grads = self.grads = self.bias_grads = None
        self.penalized = self.penalized_grads = None
        if trainable and xp is np:
            flat, views = _packed([*weights, *biases], dtype)
            self.params = [flat]
            self.weights, self.biases = views[:n_layers], views[n_layers:]
            grad_flat, grad_views = _packed([*weights, *biases], dtype)
            self.param_grads = [grad_flat]
            self.grads, self.bias_grads = grad_views[:n_layers], grad_views[n_layers:]
            # The weights come first in the flat buffers.
            n_weights = sum(w.size for w in weights)
            self.penalized = [flat[:n_weights]]
            self.penalized_grads = [grad_flat[:n_weights]]
            # Later blocks' sums go here first, then into param_grads in one add.
            self._block_flat, block_views = _packed([*weights, *biases], dtype)
            self._block_grads = block_views[:n_layers], block_views[n_layers:]
        elif trainable:
            self.grads = [xp.zeros_like(w) for w in weights]
            self.bias_grads = [xp.zeros_like(b) for b in biases]
            self.params = self.weights + self.biases
            self.param_grads = self.grads + self.bias_grads
            self.penalized, self.penalized_grads = self.weights, self.grads
            self._block_grads = (
                [xp.zeros_like(w) for w in weights],
                [xp.zeros_like(b) for b in biases],
            )
        if xp is not np:
            # Other array libraries: no preallocated buffers (no ``out=``).
            self._activations = self._delta = self._scratch = None
            if targets.ndim == 1 and widths[-1] > 1:
                units = xp.arange(widths[-1], device=array_device(X))
                self._units = xp.astype(units, targets.dtype)[:, None]
            return
        self._activations = [np.empty((w, block_size), dtype) for w in widths]
        self._delta = np.empty((widths[-1], block_size), dtype)
        self._scratch = np.empty((max(widths[:-1], default=0), block_size), dtype)
        if targets.ndim == 1 and widths[-1] > 1:
            if block_size >= n_samples:
                # One block: encode the targets once, in the compute dtype.
                self._one_hot = np.zeros((widths[-1], n_samples), dtype)
                self._one_hot[targets, np.arange(n_samples)] = 1
            else:
                self._one_hot = np.empty((widths[-1], block_size), np.uint8)
                self._columns = np.arange(block_size)

    def blas_threads(self):
        """The BLAS thread context for training on this batch (see
        :func:`blas_threads_for`); other array libraries manage their own."""
        if self.xp is not np:
            return nullcontext()
        sizes = [self.weights[0].shape[1], *(w.shape[0] for w in self.weights)]
        return blas_threads_for(self.block_size, sizes)

    def close(self):
        """Nothing to release early: the buffers go with this object."""

    def prior_loss(self):
        """Loss of the best constant prediction, ``1/2 · Σ_k p_k (1 - p_k)``.

        ``p_k`` is the (weighted) mean of output ``k``'s 0/1 targets: predicting
        ``p_k`` for every row leaves each output's weighted variance as its error.
        """
        targets, weights = self.targets, self.sample_weight
        if self.xp is not np:  # one transfer per fit, of codes and weights only
            targets = _convert_to_numpy(targets, self.xp)
            if weights is not None:
                weights = _convert_to_numpy(weights, self.xp)
        means = target_means(targets, self.weights[-1].shape[0], weights)
        return 0.5 * float(np.sum(means * (1 - means)))

    def _block_targets(self, start, stop):
        """0/1 targets of rows ``start:stop``, units × rows."""
        if self.targets.ndim == 2:
            return self.targets[:, start:stop]
        codes = self.targets[start:stop]
        xp, dtype = self.xp, self.weights[0].dtype
        if self.weights[-1].shape[0] == 1:
            return codes[None, :] if xp is np else xp.astype(codes[None, :], dtype)
        if xp is not np:
            return xp.astype(self._units == codes[None, :], dtype)
        if self._one_hot.shape[1] == self.targets.shape[0]:
            return self._one_hot  # encoded once
        one_hot = _view(self._one_hot, (self._one_hot.shape[0], stop - start))
        one_hot.fill(0)
        one_hot[codes, self._columns[: stop - start]] = 1
        return one_hot

    def evaluate(self, need_grad=True):
        """Return ``Σ_j w_j ‖f_j - y_j‖²``; fill the gradient sums if ``need_grad``.

        Overflow in the products is not warned about here: it either saturates a
        sigmoid (correctly) or makes the result non-finite, which the training loop
        turns into a clear error.
        """
        with np.errstate(over="ignore", under="ignore", invalid="ignore"):
            return self._evaluate(need_grad)

    def _buffers(self, rows):
        if self._activations is None:
            return None, None
        if rows == self._delta.shape[1]:
            return self._activations, self._delta
        acts = [_view(a, (a.shape[0], rows)) for a in self._activations]
        return acts, _view(self._delta, (self._delta.shape[0], rows))

    def _evaluate(self, need_grad):
        n_samples = self.X.shape[0]
        squared_error = 0.0
        for rows in gen_batches(n_samples, self.block_size):
            start, stop = rows.start, rows.stop
            X_block = self.X[start:stop] if stop - start < n_samples else self.X
            activations, delta = self._buffers(stop - start)
            acts = forward(X_block, self.weights, self.biases, activations, self.xp)
            block_error, delta = output_delta(
                acts[-1],
                self._block_targets(start, stop),
                delta,
                None if self.sample_weight is None else self.sample_weight[start:stop],
                self.xp,
            )
            squared_error += block_error
            if not need_grad:
                continue
            first = start == 0
            grads, bias_grads = (
                (self.grads, self.bias_grads) if first else self._block_grads
            )
            backward(
                X_block,
                self.weights,
                acts,
                delta,
                grads,
                bias_grads,
                self._scratch,
                xp=self.xp,
            )
            if not first and self.xp is np:
                self.param_grads[0] += self._block_flat
            elif not first:
                for total, part in zip(self.param_grads, [*grads, *bias_grads]):
                    total += part
        return squared_error


def target_means(targets, n_outputs, sample_weight=None):
    """Weighted mean of each output's 0/1 target, from codes or indicator columns.

    Parameters
    ----------
    targets : ndarray
        Class codes of shape ``(n_samples,)`` (with one output, the code is the
        target), or 0/1 targets of shape ``(n_outputs, n_samples)``.
    n_outputs : int
    sample_weight : ndarray of shape (n_samples,), optional

    Returns
    -------
    ndarray of shape (n_outputs,)

    Examples
    --------
    >>> target_means(np.array([0, 2, 2, 1]), 3)
    array([0.25, 0.25, 0.5 ])
    >>> target_means(np.array([0, 1, 1, 1]), 1, np.array([3.0, 1.0, 1.0, 1.0]))
    array([0.5])
    """
    if targets.ndim == 2:
        return np.average(targets, axis=1, weights=sample_weight)
    counts = np.bincount(targets, weights=sample_weight, minlength=max(n_outputs, 2))
    means = counts / np.sum(counts)
    return means[1:] if n_outputs == 1 else means


def predict_outputs(X, weights, biases):
    """The network's outputs ``f(X)``, shape ``(n_samples, n_outputs)``, by blocks.

    Exact saturated limits for finite input: rows whose first-layer product could
    overflow, in whatever order BLAS sums it, are recomputed by
    :func:`_saturating_outputs` (later layers see activations in [0, 1]).
    """
    n_samples = X.shape[0]
    xp = namespace_of(X)
    if xp is not np:
        # Libraries that run on NumPy (array-api-strict) would warn on exp's
        # overflow, whose limit is right, as the in-place path does not.
        with np.errstate(over="ignore", under="ignore"):
            return forward(X, weights, biases, xp=xp)[-1].T
    dtype = weights[0].dtype
    widths = [w.shape[0] for w in weights]
    block_size = block_rows(n_samples, sum(widths) * dtype.itemsize)
    acts = [np.empty((w, block_size), dtype) for w in widths]
    outputs = np.empty((n_samples, widths[-1]), dtype)
    # |z| <= max_i |x_i| · max_k Σ_i |W_ki| + |b|: below this no sum can overflow.
    reach = float(np.abs(weights[0]).sum(axis=1).max())
    safe_scale = np.finfo(dtype).max / 4 / max(reach, 1.0)
    risky = []
    # Overflow and underflow in exp have the right limits (0 and 1); the risky
    # rows' inf - inf is recomputed below.
    with np.errstate(over="ignore", under="ignore", invalid="ignore"):
        for rows in gen_batches(n_samples, block_size):
            start, stop = rows.start, rows.stop
            X_block = X[start:stop]
            blocks = [_view(a, (a.shape[0], stop - start)) for a in acts]
            outputs[start:stop] = forward(X_block, weights, biases, blocks)[-1].T
            risky.append(start + np.flatnonzero(_row_scale(X_block) > safe_scale))
    risky = np.concatenate(risky)
    if risky.size:
        outputs[risky] = _saturating_outputs(X[risky], weights, biases)
    return outputs


def _row_scale(X):
    """``max_i |x_i|`` of every row, without a copy of ``X``."""
    if sp.issparse(X):
        low, high = min_max_axis(X, axis=1)
    else:
        low, high = X.min(axis=1), X.max(axis=1)
    return np.maximum(-low, high)


def _saturating_outputs(X, weights, biases):
    """Outputs of rows whose products overflow, computed without ``inf - inf``.

    Each layer's product is taken on rescaled operands, ``|a / s_a| <= 1`` and
    ``|W / s_w| <= 1``, so it is finite; scaling back may give ``±inf``, whose
    sigmoid is the correct limit 0 or 1.
    """
    a = X.toarray() if sp.issparse(X) else np.asarray(X)
    with np.errstate(over="ignore", under="ignore"):
        for weight, bias in zip(weights, biases):
            s_a = np.abs(a).max(axis=1, keepdims=True)
            s_a[s_a == 0] = 1
            s_w = np.abs(weight).max() or 1
            z = ((a / s_a) @ (weight / s_w).T * s_a) * s_w + bias
            a = sigmoid(z, out=z)
    return a
