"""The network's mathematics: forward pass, loss and backward pass over a block of rows.

Small functions on arrays, free of estimator state; ``_training.py`` turns them into
epochs, updates and a stopping rule.

Shapes follow scikit-learn: ``coefs[l]`` is ``(n_in, n_out)`` and ``intercepts[l]`` is
``(n_out,)``, so a layer is ``A @ coefs[l] + intercepts[l]``. The notebook stores the
same numbers as one matrix ``W = [intercepts | coefs.T]``, shape ``(n_out, n_in + 1)``.
"""

from itertools import pairwise

import numpy as np
from sklearn.utils._chunking import get_chunk_n_rows
from sklearn.utils.extmath import safe_sparse_dot

# Row blocks are sized so that one block's temporaries stay near the CPU's cache,
# which is where elementwise work (sigmoid, deltas) is cheapest; scikit-learn's
# ``working_memory`` (in MiB) can only lower this further.
_BLOCK_TARGET_MIB = 2.0
_MIN_BLOCK_ROWS = 64


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
    coefs : list of ndarray of shape (n_in, n_out)
    intercepts : list of ndarray of shape (n_out,)

    Examples
    --------
    >>> import numpy as np
    >>> coefs, intercepts = init_weights([64, 15, 10], np.random.RandomState(0))
    >>> [c.shape for c in coefs], [b.shape for b in intercepts]
    ([(64, 15), (15, 10)], [(15,), (10,)])
    >>> w_hid = np.random.RandomState(0).rand(15, 65) - 0.5
    >>> bool(np.array_equal(coefs[0], w_hid[:, 1:].T))
    True
    """
    coefs, intercepts = [], []
    for n_in, n_out in pairwise(layer_sizes):
        w = random_state.rand(n_out, n_in + 1) - 0.5
        coefs.append(np.ascontiguousarray(w[:, 1:].T, dtype=dtype))
        intercepts.append(np.array(w[:, 0], dtype=dtype))
    return coefs, intercepts


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


def forward(X, coefs, intercepts, activations=None):
    """Forward pass: the sigmoid activations of every layer for the rows of ``X``.

    Parameters
    ----------
    X : ndarray or sparse matrix of shape (n_rows, n_features)
    coefs, intercepts : lists of ndarray
    activations : list of ndarray, optional
        Preallocated ``(n_rows, n_out)`` buffers, one per layer, to write into.

    Returns
    -------
    activations : list of ndarray
        ``[A_1, ..., A_L]``; ``A_L`` is the network's output.
    """
    if activations is None:
        activations = [None] * len(coefs)
    a = X
    for layer, (coef, intercept) in enumerate(zip(coefs, intercepts)):
        z = activations[layer]
        if z is None:
            z = safe_sparse_dot(a, coef, dense_output=True)
        elif layer == 0 and not isinstance(a, np.ndarray):
            z[...] = safe_sparse_dot(a, coef, dense_output=True)
        else:
            np.matmul(a, coef, out=z)
        z += intercept
        activations[layer] = a = sigmoid(z, out=z)
    return activations


def output_delta(out, Y, delta):
    """Squared error of a block and the output layer's delta, in place.

    Writes ``delta = (f - y) · f · (1 - f)`` (the notebook's ``delta_out``, same order
    of operations) and returns ``Σ ‖f - y‖²`` over the block. ``out`` is overwritten
    with ``1 - f``.

    Parameters
    ----------
    out : ndarray of shape (n_rows, n_outputs)
        The network's output ``f``; destroyed.
    Y : ndarray of shape (n_rows, n_outputs)
        0/1 targets.
    delta : ndarray of shape (n_rows, n_outputs)
        Buffer for the delta.

    Returns
    -------
    squared_error : float
    """
    np.subtract(out, Y, out=delta)
    flat = delta.reshape(-1)
    squared_error = float(np.dot(flat, flat))
    delta *= out
    np.subtract(1, out, out=out)
    delta *= out
    return squared_error


def backward(X, coefs, activations, delta, coef_grads, intercept_grads, accumulate):
    """Backward pass: gradient sums of a block of rows, given the output delta.

    Hidden deltas are back-propagated through ``coefs`` as they are now, i.e. before
    this epoch's update (the notebook's ``w_out_bef``):
    ``delta_{l-1} = (delta_l @ coefs[l].T) · A_{l-1} · (1 - A_{l-1})``.
    Each layer's gradient is ``A_{l-1}.T @ delta_l`` (with ``A_0 = X``) and its
    intercept gradient ``Σ_rows delta_l``: sums over rows, not means.

    Parameters
    ----------
    X : ndarray or sparse matrix of shape (n_rows, n_features)
    coefs : list of ndarray
    activations : list of ndarray
        From :func:`forward`, with the last one already consumed by
        :func:`output_delta`; hidden ones are overwritten with ``1 - A``.
    delta : ndarray of shape (n_rows, n_outputs)
        The output delta; overwritten.
    coef_grads, intercept_grads : lists of ndarray
        Where the sums are written (``accumulate=False``) or added
        (``accumulate=True``).
    accumulate : bool
    """
    for layer in range(len(coefs) - 1, -1, -1):
        a_prev = X if layer == 0 else activations[layer - 1]
        grad = safe_sparse_dot(a_prev.T, delta, dense_output=True)
        bias_grad = delta.sum(axis=0)
        if accumulate:
            coef_grads[layer] += grad
            intercept_grads[layer] += bias_grad
        else:
            coef_grads[layer][...] = grad
            intercept_grads[layer][...] = bias_grad
        if layer == 0:
            break
        delta = delta @ coefs[layer].T
        delta *= a_prev
        np.subtract(1, a_prev, out=a_prev)
        delta *= a_prev


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


class FullBatch:
    """Loss and gradient sums over all rows, computed block by block.

    Buffers for one block are allocated once; each :meth:`evaluate` walks the blocks
    in order and accumulates, so memory stays flat in ``n_samples``. The result does
    not depend on the block size beyond float rounding.

    Parameters
    ----------
    X : ndarray or sparse matrix of shape (n_samples, n_features)
    Y : ndarray of shape (n_samples, n_outputs)
    coefs, intercepts : lists of ndarray
        Read at every :meth:`evaluate`; the caller updates them in place.
    block_size : int, optional
        Rows per block; by default from :func:`block_rows`.
    """

    def __init__(self, X, Y, coefs, intercepts, block_size=None):
        self.X, self.Y = X, Y
        self.coefs, self.intercepts = coefs, intercepts
        dtype = coefs[0].dtype
        widths = [c.shape[1] for c in coefs]
        n_samples = X.shape[0]
        if block_size is None:
            row_bytes = (sum(widths) + 2 * widths[-1]) * dtype.itemsize
            block_size = block_rows(n_samples, row_bytes)
        self.block_size = block_size
        self._activations = [np.empty((block_size, w), dtype) for w in widths]
        self._delta = np.empty((block_size, widths[-1]), dtype)
        self.coef_grads = [np.zeros_like(c) for c in coefs]
        self.intercept_grads = [np.zeros_like(b) for b in intercepts]

    def evaluate(self, need_grad=True):
        """Return ``Σ_rows ‖f - y‖²``; fill the gradient sums if ``need_grad``."""
        n_samples = self.X.shape[0]
        squared_error = 0.0
        for start in range(0, n_samples, self.block_size):
            stop = min(start + self.block_size, n_samples)
            rows = stop - start
            X_block = self.X[start:stop]
            acts = forward(
                X_block,
                self.coefs,
                self.intercepts,
                [a[:rows] for a in self._activations],
            )
            delta = self._delta[:rows]
            squared_error += output_delta(acts[-1], self.Y[start:stop], delta)
            if need_grad:
                backward(
                    X_block,
                    self.coefs,
                    acts,
                    delta,
                    self.coef_grads,
                    self.intercept_grads,
                    accumulate=start > 0,
                )
        return squared_error


def predict_outputs(X, coefs, intercepts):
    """The network's outputs ``f(X)`` (the last layer's sigmoid activations)."""
    return forward(X, coefs, intercepts)[-1]
