"""The network's mathematics: forward pass, loss and backward pass over a block of rows.

Small functions on arrays, free of estimator state, and ``FullBatch``, which sums
them over all rows, block by block; ``_training.py`` turns the sums into epochs,
updates and a stopping rule.

Layout is scikit-learn's: ``weights[l]`` is ``(n_in, n_out)`` (``coefs_[l]``; the
notebook's ``W[:, 1:].T``), ``biases[l]`` is ``(n_out,)`` (``intercepts_[l]``; the
notebook's ``W[:, 0]``), activations are rows × units. Every product is then
``X @ W`` or ``Xᵀ @ delta`` in the orientation BLAS threads best (measured on
60000 × 784 → 100: the notebook's ``W · Xᵀ`` orientation took 20 % longer on two
BLAS threads).

Each maths function has one body for every array library: NumPy buffers given
(``in place``) make each step write into them; without them (other array API
libraries, which have no ``out=``) the same step allocates its result.
"""

from dataclasses import dataclass
from itertools import pairwise

import numpy as np
import scipy.sparse as sp
from sklearn.utils import gen_batches
from sklearn.utils.sparsefuncs import min_max_axis

from ._arrays import canonical, namespace_of
from ._fixes import _convert_to_numpy, array_device, get_chunk_n_rows
from ._training import Batch

# Row blocks bound the temporaries of a pass to a few MiB whatever n_samples is.
# scikit-learn's ``working_memory`` (in MiB) can only lower it further.
_BLOCK_TARGET_MIB = 8.0
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
    weights : list of ndarray of shape (n_in, n_out)
        The notebook's ``W[:, 1:].T``, C-contiguous.
    biases : list of ndarray of shape (n_out,)
        The notebook's ``W[:, 0]``.

    Examples
    --------
    >>> import numpy as np
    >>> weights, biases = init_weights([64, 15, 10], np.random.RandomState(0))
    >>> [w.shape for w in weights], [b.shape for b in biases]
    ([(64, 15), (15, 10)], [(15,), (10,)])
    >>> w_hid = np.random.RandomState(0).rand(15, 65) - 0.5
    >>> bool(np.array_equal(weights[0], w_hid[:, 1:].T))
    True
    """
    weights, biases = [], []
    for n_in, n_out in pairwise(layer_sizes):
        w = random_state.rand(n_out, n_in + 1) - 0.5
        weights.append(np.ascontiguousarray(w[:, 1:].T, dtype=dtype))
        biases.append(np.array(w[:, 0], dtype=dtype))
    return weights, biases


def sigmoid(z, bias=None, *, in_place=False, xp=np):
    """Logistic function ``1 / (1 + exp(-(z + bias)))``, the notebook's formula.

    Exact limits for every finite input: ``exp`` overflows to ``inf`` for
    arguments above 709 (or underflows to 0), and ``1 / (1 + inf) = 0`` and
    ``1 / (1 + 0) = 1`` are the correct limits. The allocating form silences
    those floating-point warnings itself; the in-place form, called on every
    layer of every block, leaves that to its caller, which silences them once
    per pass (``np.errstate`` costs microseconds per entry).

    Parameters
    ----------
    z : ndarray of shape (n_rows, n_units)
    bias : ndarray of shape (n_units,), optional
        Added to each row before the function.
    in_place : bool, default=False
        Write the result into ``z`` (NumPy): ``-(z + b)`` in one pass, then
        ``exp``, ``+ 1`` and the reciprocal, each in place.
    xp : namespace, default=numpy
        ``z``'s array namespace, for the allocating path.

    Returns
    -------
    ndarray

    Examples
    --------
    >>> import numpy as np
    >>> sigmoid(np.array([-1e308, 0.0, 1e308]))
    array([0. , 0.5, 1. ])
    """
    if not in_place:
        with np.errstate(over="ignore", under="ignore"):
            if bias is not None:
                z = z + bias
            return 1.0 / (1.0 + xp.exp(-z))
    if bias is None:
        np.negative(z, out=z)
    else:
        np.subtract(np.negative(bias), z, out=z)
    np.exp(z, out=z)
    z += 1
    return np.reciprocal(z, out=z)


def _is_sparse(X):
    # isinstance first: sp.issparse costs microseconds, and this runs per block.
    return not isinstance(X, np.ndarray) and sp.issparse(X)


def _input_product(weight, X, out=None):
    """``X @ weight`` for a dense or sparse row block ``X``; into ``out`` if given."""
    if out is None:
        return X @ weight
    if _is_sparse(X):
        out[...] = X @ weight
    else:
        np.matmul(X, weight, out=out)
    return out


def _input_gradient(delta, X, out, in_place):
    """``Xᵀ @ delta`` (the first layer's gradient sums), written into ``out``."""
    if _is_sparse(X):
        out[...] = X.T @ delta
    elif in_place:
        np.matmul(X.T, delta, out=out)
    else:
        out[...] = X.T @ delta


def forward(X, weights, biases, buffers=None, xp=np):
    """Forward pass: the sigmoid activations of every layer for the rows of ``X``.

    Parameters
    ----------
    X : ndarray or sparse matrix of shape (n_rows, n_features)
    weights, biases : lists of ndarray
        ``weights[l]`` of shape ``(n_in, n_out)``, ``biases[l]`` of shape
        ``(n_out,)``.
    buffers : list of ndarray, optional
        NumPy buffers of shape ``(n_rows, n_out_l)``, one per layer, written in
        place. Without them, new arrays are allocated (array API standard).
    xp : namespace, default=numpy

    Returns
    -------
    activations : list of ndarray
        ``[A_1, ..., A_L]``, each rows × units; ``A_L`` is the network's output.
    """
    in_place = buffers is not None
    activations = []
    for layer, (weight, bias) in enumerate(zip(weights, biases)):
        out = buffers[layer] if in_place else None
        if layer == 0:
            z = _input_product(weight, X, out)
        elif in_place:
            z = np.matmul(activations[-1], weight, out=out)
        else:
            z = activations[-1] @ weight
        activations.append(sigmoid(z, bias, in_place=in_place, xp=xp))
    return activations


def output_delta(out, Y, delta=None, sample_weight=None, xp=np):
    """Squared error of a block and the output layer's delta.

    Computes ``delta = (f - y) · f · (1 - f)`` (the notebook's ``delta_out``, same
    order of operations), times each row's weight if given, and returns
    ``Σ_j w_j ‖f_j - y_j‖²`` over the block (``w_j = 1`` without weights).

    Parameters
    ----------
    out : ndarray of shape (n_rows, n_outputs)
        The network's output ``f``; with ``delta`` given, overwritten with ``1 - f``.
    Y : ndarray of shape (n_rows, n_outputs)
        0/1 targets.
    delta : ndarray of shape (n_rows, n_outputs), optional
        C-contiguous NumPy buffer for the delta, written in place; without it a
        new array is allocated and ``out`` is left alone.
    sample_weight : ndarray of shape (n_rows,), optional
    xp : namespace, default=numpy

    Returns
    -------
    squared_error : float
    delta : ndarray of shape (n_rows, n_outputs)
    """
    in_place = delta is not None
    if in_place:
        np.subtract(out, Y, out=delta)
    else:
        delta = out - Y
    squared_error = _weighted_sum_of_squares(delta, sample_weight, xp)
    if in_place:
        delta *= out
        np.subtract(1, out, out=out)
        delta *= out
    else:
        delta = delta * out * (1 - out)
    if sample_weight is not None:
        delta = _scaled(delta, sample_weight[:, None], in_place)
    return squared_error, delta


def _weighted_sum_of_squares(delta, sample_weight, xp):
    """``Σ_j w_j Σ_k delta_jk²``; for NumPy by einsum's own loop (not BLAS), so
    that the sum does not depend on the BLAS thread count."""
    if xp is np and sample_weight is None:
        flat = delta.reshape(-1)
        return float(np.einsum("i,i->", flat, flat))
    if xp is np:
        per_row = np.einsum("ij,ij->i", delta, delta)
        return float(np.einsum("i,i->", per_row, sample_weight))
    per_row_unit = delta * delta
    if sample_weight is None:
        return float(xp.sum(per_row_unit))
    return float(xp.sum(xp.sum(per_row_unit, axis=1) * sample_weight))


def _scaled(array, factor, in_place):
    if in_place:
        array *= factor
        return array
    return array * factor


def _column_sums(delta, out, xp):
    """``Σ_rows delta`` into ``out`` (einsum's own loop for NumPy, not BLAS)."""
    if xp is np:
        np.einsum("ij->j", delta, out=out)
    else:
        out[...] = xp.sum(delta, axis=0)


def _hidden_delta(weight, delta, a_prev, scratch, xp):
    """``(delta @ weightᵀ) · a · (1 - a)``: in place on ``a_prev`` given NumPy
    ``scratch``, else allocated."""
    if scratch is None:
        return (delta @ weight.T) * a_prev * (1 - a_prev)
    hidden = _view(scratch, a_prev.shape)
    np.matmul(delta, weight.T, out=hidden)
    hidden *= a_prev
    np.subtract(1, a_prev, out=a_prev)
    return np.multiply(hidden, a_prev, out=a_prev)


def backward(X, weights, activations, delta, grads, bias_grads, scratch=None, xp=np):
    """Backward pass: gradient sums of a block of rows, given the output delta.

    Hidden deltas are back-propagated through ``weights`` as they are now, i.e.
    before this epoch's update (the notebook's ``w_out_bef``):
    ``delta_{l-1} = (delta_l @ weights[l]ᵀ) · A_{l-1} · (1 - A_{l-1})``.
    Each layer's gradient is ``A_{l-1}ᵀ @ delta_l`` (with ``A_0 = X``) and its bias
    gradient ``Σ_rows delta_l``: sums over this block's rows, not means.

    Parameters
    ----------
    X : ndarray or sparse matrix of shape (n_rows, n_features)
    weights : list of ndarray
    activations : list of ndarray
        From :func:`forward`; with ``scratch``, hidden ones are overwritten.
    delta : ndarray of shape (n_rows, n_outputs)
        The output delta.
    grads, bias_grads : lists of ndarray
        Where this block's sums are written.
    scratch : ndarray, optional
        NumPy buffer with room for the largest hidden delta (rows × units): every
        step then writes in place. Without it, the same steps allocate.
    xp : namespace, default=numpy
    """
    in_place = scratch is not None
    for layer in range(len(weights) - 1, -1, -1):
        if layer == 0:
            _input_gradient(delta, X, grads[0], in_place)
        elif in_place:
            np.matmul(activations[layer - 1].T, delta, out=grads[layer])
        else:
            grads[layer][...] = activations[layer - 1].T @ delta
        _column_sums(delta, bias_grads[layer], xp)
        if layer > 0:
            a_prev = activations[layer - 1]
            delta = _hidden_delta(weights[layer], delta, a_prev, scratch, xp)


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
    budget = get_chunk_n_rows(row_bytes, max_n_rows=max(n_samples, 1))
    return int(max(1, min(n_samples, target, budget)))


def _view(buffer, shape):
    """A C-contiguous array of ``shape`` on the start of ``buffer``'s memory."""
    return buffer.reshape(-1)[: shape[0] * shape[1]].reshape(shape)


def _packed(arrays, dtype, copy=True):
    """One flat buffer (holding copies of ``arrays`` if ``copy``), and
    C-contiguous views of it in their shapes."""
    flat = np.empty(sum(a.size for a in arrays), dtype)
    views, start = [], 0
    for array in arrays:
        view = flat[start : start + array.size].reshape(array.shape)
        if copy:
            view[...] = array
        views.append(view)
        start += array.size
    return flat, views


@dataclass
class _Sums:
    """Gradient sums per layer, and the arrays they live in (one flat NumPy array,
    or one array per layer): what a total adds up in one operation each."""

    grads: list
    bias_grads: list
    arrays: list

    @classmethod
    def like(cls, weights, biases, xp):
        n_layers = len(weights)
        if xp is np:
            flat, views = _packed([*weights, *biases], weights[0].dtype, copy=False)
            return cls(views[:n_layers], views[n_layers:], [flat])
        grads = [xp.zeros_like(w) for w in weights]
        bias_grads = [xp.zeros_like(b) for b in biases]
        return cls(grads, bias_grads, grads + bias_grads)

    def add(self, other):
        for total, part in zip(self.arrays, other.arrays):
            total += part


@dataclass(frozen=True)
class FlatParameters:
    """A copy of the weights and biases in one flat NumPy buffer, weights first:
    what a gradient step updates, and checks, in one operation each. Gradient
    sums (:class:`_Sums`) have the same layout."""

    flat: np.ndarray
    weights: list
    biases: list

    @classmethod
    def copy_of(cls, weights, biases):
        """A copy of ``weights`` and ``biases``."""
        flat, views = _packed([*weights, *biases], weights[0].dtype)
        return cls(flat, views[: len(weights)], views[len(weights) :])

    @classmethod
    def empty(cls, layer_sizes, dtype):
        """Uninitialised buffers for the network ``layer_sizes``."""
        shapes = [(n_in, n_out) for n_in, n_out in pairwise(layer_sizes)]
        shapes += [(n_out,) for n_out in layer_sizes[1:]]
        stand_ins = [np.broadcast_to(np.empty((), dtype), shape) for shape in shapes]
        flat, views = _packed(stand_ins, dtype, copy=False)
        n_layers = len(layer_sizes) - 1
        return cls(flat, views[:n_layers], views[n_layers:])

    @property
    def penalized(self):
        """The weights (not the biases), which the L2 penalty applies to."""
        return self.flat[: sum(w.size for w in self.weights)]


@dataclass
class _Buffers:
    """NumPy buffers for one block of rows (rows × units): every layer's
    activations, the output delta, room for the largest hidden delta and, for
    class codes, their one-hot rows."""

    activations: list
    delta: np.ndarray
    scratch: np.ndarray
    one_hot: np.ndarray = None

    @classmethod
    def for_rows(cls, rows, widths, dtype, one_hot):
        buffers = cls(
            activations=[np.empty((rows, w), dtype) for w in widths],
            delta=np.empty((rows, widths[-1]), dtype),
            scratch=np.empty((rows, max(widths[:-1], default=0)), dtype),
        )
        if one_hot:
            buffers.one_hot = np.zeros((rows, widths[-1]), dtype)
        return buffers

    def views(self, rows):
        """The activation and delta buffers, as views of their first ``rows``."""
        if rows == self.delta.shape[0]:
            return self.activations, self.delta
        return [a[:rows] for a in self.activations], self.delta[:rows]


class FullBatch(Batch):
    """Loss and gradient sums over all rows, computed block by block.

    The rows are walked in blocks, with buffers allocated once, so memory stays
    flat in ``n_samples``. The matrix products run on BLAS's threads (as many as
    the process has: the caller's setting), everything else on the calling
    thread. Blocks are summed in row order, so the sums are the same every run;
    they do not depend on the block size beyond float rounding.

    Parameters
    ----------
    X : ndarray or sparse matrix of shape (n_samples, n_features), or list
        The rows; or a list of NumPy row blocks, summed in order with one set of
        buffers (a Dask worker's blocks), with ``targets`` and ``sample_weight``
        then lists of the blocks' too.
    targets : ndarray
        Either 0/1 targets of shape ``(n_samples, n_outputs)`` (any real dtype), or
        integer class codes of shape ``(n_samples,)``: one-hot rows are then made
        block by block (for one output unit, the code is the target).
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
    keep_outputs : bool, default=False
        Keep the network's outputs of the last :meth:`evaluate` in ``outputs``
        (a hold-out set's score needs them: no second forward pass).
    copy_params : bool, default=True
        False (NumPy, trainable): sum gradients for ``weights`` and ``biases``
        as given, which the caller updates (views of one buffer shared by the
        batches of several row blocks); ``params`` is then None.

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
    outputs : ndarray of shape (n_samples, n_outputs) or None
        With ``keep_outputs``: ``f(X)`` as of the last :meth:`evaluate`.
    """

    def __init__(
        self,
        X,
        targets,
        weights,
        biases,
        sample_weight=None,
        *,
        block_size=None,
        trainable=True,
        keep_outputs=False,
        copy_params=True,
    ):
        if isinstance(X, list):  # row blocks, with lists of targets and weights
            weights_of = sample_weight or [None] * len(X)
            self._parts = list(zip(X, targets, weights_of))
        else:
            self._parts = [(X, targets, sample_weight)]
        self.X, self.targets, self.sample_weight = X, targets, sample_weight
        self.xp = xp = namespace_of(self._parts[0][0])
        n_samples = sum(part[0].shape[0] for part in self._parts)
        self.total_weight = float(
            sum(
                part[0].shape[0] if part[2] is None else xp.sum(part[2])
                for part in self._parts
            )
        )
        sizes = [self._parts[0][0].shape[1], *(w.shape[1] for w in weights)]
        largest = max(part[0].shape[0] for part in self._parts)
        self.block_size = block_size or self._default_block_size(largest, weights)
        self._set_params(weights, biases, trainable, copy_params)
        self._buffers = None
        # One block in all: its one-hot targets are encoded once, here.
        self._one_block = len(self._parts) == 1 and self.block_size >= n_samples
        if xp is np:
            one_hot = self._parts[0][1].ndim == 1 and sizes[-1] > 1
            rows = min(self.block_size, largest)
            self._buffers = _Buffers.for_rows(
                rows, sizes[1:], weights[0].dtype, one_hot
            )
            if one_hot and self._one_block:
                self._buffers.one_hot[np.arange(rows), self._parts[0][1]] = 1
        self._block_sums = None
        if trainable and not self._one_block:
            self._block_sums = _Sums.like(self.weights, self.biases, xp)
        self.outputs = None
        if keep_outputs:  # one array
            shape, dtype = (n_samples, sizes[-1]), weights[0].dtype
            self.outputs = (
                np.empty(shape, dtype)
                if xp is np
                else xp.empty(shape, dtype=dtype, device=array_device(X))
            )
        if xp is not np and self._parts[0][1].ndim == 1 and sizes[-1] > 1:
            units = xp.arange(sizes[-1], device=array_device(X))
            self._units = xp.astype(units, targets.dtype)[None, :]

    def _default_block_size(self, n_samples, weights):
        # Per row: activations of every layer, the output delta, one hidden delta.
        widths = [w.shape[1] for w in weights]
        itemsize = 4 if weights[0].dtype == self.xp.float32 else 8
        row_bytes = (sum(widths) + widths[-1] + max(widths)) * itemsize
        if self.xp is not np:
            # Accelerators want few, large blocks: only working_memory bounds them.
            return get_chunk_n_rows(row_bytes, max_n_rows=n_samples)
        return block_rows(n_samples, row_bytes)

    def _set_params(self, weights, biases, trainable, copy_params):
        """The parameters (one flat NumPy copy when trained) and their sums."""
        self.weights, self.biases = list(weights), list(biases)
        self.params = self.param_grads = self.grads = self.bias_grads = None
        self.penalized = self.penalized_grads = None
        self._sums = None
        if not trainable:
            return
        xp = self.xp
        self._sums = _Sums.like(weights, biases, xp)
        self.param_grads = self._sums.arrays
        self.grads, self.bias_grads = self._sums.grads, self._sums.bias_grads
        if xp is not np:
            self.params = self.weights + self.biases
            self.penalized, self.penalized_grads = self.weights, self.grads
        elif copy_params:
            flat = FlatParameters.copy_of(weights, biases)
            self.params, self.penalized = [flat.flat], [flat.penalized]
            self.weights, self.biases = flat.weights, flat.biases
            self.penalized_grads = [self._sums.arrays[0][: flat.penalized.size]]

    def close(self):
        """Nothing to release early: the buffers go with this object."""

    def prior_loss(self):
        """Loss of the best constant prediction (see :func:`constant_loss`)."""
        if len(self._parts) > 1:  # row blocks: their targets and weights together
            targets = np.concatenate([part[1] for part in self._parts])
            weights = None
            if self._parts[0][2] is not None:
                weights = np.concatenate([part[2] for part in self._parts])
            n_outputs = self.weights[-1].shape[1]
            return constant_loss(target_means(targets, n_outputs, weights))
        targets, weights = self.targets, self.sample_weight
        if self.xp is not np:  # one transfer per fit, of codes and weights only
            targets = _convert_to_numpy(targets, self.xp)
            if weights is not None:
                weights = _convert_to_numpy(weights, self.xp)
        return constant_loss(target_means(targets, self.weights[-1].shape[1], weights))

    def evaluate(self, need_grad=True):
        """Return ``Σ_j w_j ‖f_j - y_j‖²``; fill the gradient sums if ``need_grad``.

        Overflow in the products is not warned about here: it either saturates a
        sigmoid (correctly) or makes the result non-finite, which the training loop
        turns into a clear error.
        """
        squared_error = 0.0
        first = True  # the first block's sums go straight into the totals
        with np.errstate(over="ignore", under="ignore", invalid="ignore"):
            for part, start, stop in self._row_blocks():
                sums = None
                if need_grad:
                    sums = self._sums if first else self._block_sums
                squared_error += self._sum_block(part, start, stop, sums)
                if need_grad and not first:
                    self._sums.add(self._block_sums)
                first = False
        if need_grad and first:  # no rows: no block wrote the sums
            for array in self._sums.arrays:
                array[...] = 0
        return squared_error

    def _row_blocks(self):
        """``(part, start, stop)`` of every block of rows, in order."""
        for part in self._parts:
            n_rows = part[0].shape[0]
            # Not gen_batches: its parameter validation costs microseconds a call.
            for start in range(0, n_rows, self.block_size):
                yield part, start, min(start + self.block_size, n_rows)

    def _forward(self, X, start, stop):
        """Rows ``start:stop`` of ``X``, every layer's activations for them, and
        the output delta's buffer (None for other array libraries)."""
        X = X if stop - start == X.shape[0] else X[start:stop, :]
        buffers = delta = None
        if self._buffers is not None:
            buffers, delta = self._buffers.views(stop - start)
        return X, forward(X, self.weights, self.biases, buffers, self.xp), delta

    def _sum_block(self, part, start, stop, sums):
        """``Σ w ‖f - y‖²`` of rows ``start:stop`` of ``part`` (``X``, targets,
        sample weights); their gradient sums into ``sums`` unless it is None."""
        X, targets, sample_weight = part
        X, acts, delta = self._forward(X, start, stop)
        if self.outputs is not None:
            self.outputs[start:stop, ...] = acts[-1]
        weight = None if sample_weight is None else sample_weight[start:stop]
        targets = self._block_targets(targets, start, stop)
        error, delta = output_delta(acts[-1], targets, delta, weight, self.xp)
        if sums is not None:
            grads = (sums.grads, sums.bias_grads)
            scratch = None if self._buffers is None else self._buffers.scratch
            backward(X, self.weights, acts, delta, *grads, scratch, self.xp)
        return error

    def predicted_counts(self):
        """How many rows the network now predicts each class code for: the unit
        of the largest output, or for one output unit ``f > 0.5`` (``predict``'s
        rule). One forward pass, in this batch's buffers.

        Returns
        -------
        ndarray of shape (max(n_outputs, 2),)
        """
        xp, n_outputs = self.xp, self.weights[-1].shape[1]
        counts = np.zeros(max(n_outputs, 2), np.int64)
        with np.errstate(over="ignore", under="ignore", invalid="ignore"):
            for (X, _, _), start, stop in self._row_blocks():
                out = self._forward(X, start, stop)[1][-1]
                codes = out[:, 0] > 0.5 if n_outputs == 1 else xp.argmax(out, axis=1)
                codes = _convert_to_numpy(codes, xp) if xp is not np else codes
                counts += np.bincount(codes.astype(np.intp), minlength=counts.size)
        return counts

    def _block_targets(self, targets, start, stop):
        """0/1 targets of rows ``start:stop``, rows × units."""
        if targets.ndim == 2:
            return targets[start:stop, ...]
        codes = targets[start:stop]
        xp, dtype = self.xp, self.weights[0].dtype
        if self.weights[-1].shape[1] == 1:
            return codes[:, None] if xp is np else xp.astype(codes[:, None], dtype)
        if xp is not np:
            return xp.astype(codes[:, None] == self._units, dtype)
        one_hot = self._buffers.one_hot
        if self._one_block:
            return one_hot  # encoded once
        one_hot = one_hot[: stop - start]
        one_hot.fill(0)
        one_hot[np.arange(stop - start), codes] = 1
        return one_hot


def target_means(targets, n_outputs, sample_weight=None):
    """Weighted mean of each output's 0/1 target, from codes or indicator columns.

    Parameters
    ----------
    targets : ndarray
        Class codes of shape ``(n_samples,)`` (with one output, the code is the
        target), or 0/1 targets of shape ``(n_samples, n_outputs)``.
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
        return np.average(targets, axis=0, weights=sample_weight)
    counts = np.bincount(targets, weights=sample_weight, minlength=max(n_outputs, 2))
    return means_of_counts(counts, n_outputs)


def means_of_counts(counts, n_outputs):
    """Each output's mean target from the (weighted) count of each class code.

    Examples
    --------
    >>> means_of_counts(np.array([1.0, 3.0]), 1)  # one output: the code is the target
    array([0.75])
    """
    means = counts / np.sum(counts)
    return means[1:] if n_outputs == 1 else means


def constant_loss(means):
    """Loss of the best constant prediction, ``1/2 · Σ_k p_k (1 - p_k)``.

    ``p_k`` is the (weighted) mean of output ``k``'s 0/1 targets: predicting
    ``p_k`` for every row leaves each output's weighted variance as its error.

    Examples
    --------
    >>> constant_loss(np.array([0.5, 0.5]))
    0.25
    """
    return 0.5 * float(np.sum(means * (1 - means)))


def input_reach(weight):
    """``max_k Σ_i |W_ik|``: how far the first layer can move ``|x|``'s largest entry.

    Summed a few inputs at a time, without a copy of ``|W|`` (for wide inputs,
    tens of MiB). :func:`predict_outputs` uses it to find the rows whose products
    could overflow; the estimator computes it once per fit.

    Examples
    --------
    >>> input_reach(np.array([[1.0, 0.5], [-2.0, 0.5]]))
    3.0
    """
    step = max(1, 2**20 // max(weight.shape[1], 1))
    sums = np.zeros(weight.shape[1])
    for i in range(0, weight.shape[0], step):
        sums += np.abs(weight[i : i + step]).sum(axis=0)
    return float(sums.max(initial=0.0))


def predict_outputs(X, weights, biases, reach=None):
    """The network's outputs ``f(X)``, shape ``(n_samples, n_outputs)``, by blocks.

    Exact saturated limits for finite input: rows whose first-layer product could
    overflow, in whatever order BLAS sums it, are recomputed by
    :func:`_saturating_outputs` (later layers see activations in [0, 1]).
    ``reach`` is :func:`input_reach` of ``weights[0]``, computed if not given.
    """
    n_samples = X.shape[0]
    xp = namespace_of(X)
    if xp is not np:
        # Libraries that run on NumPy (array-api-strict) would warn on overflow in
        # the products, whose sigmoid limits are right, as the NumPy path does not.
        with np.errstate(over="ignore", under="ignore"):
            return forward(X, weights, biases, xp=xp)[-1]
    dtype = weights[0].dtype
    widths = [w.shape[1] for w in weights]
    block_size = block_rows(n_samples, sum(widths) * dtype.itemsize)
    acts = [np.empty((block_size, w), dtype) for w in widths]
    outputs = np.empty((n_samples, widths[-1]), dtype)
    # |z| <= max_i |x_i| · max_k Σ_i |W_ik| + |b|: below this no sum can overflow.
    reach = input_reach(weights[0]) if reach is None else reach
    safe_scale = np.finfo(dtype).max / 4 / max(reach, 1.0)
    risky = []
    # Overflow in the products saturates a sigmoid, whose limits are right; the
    # risky rows' inf - inf is recomputed below.
    with np.errstate(over="ignore", under="ignore", invalid="ignore"):
        for rows in gen_batches(n_samples, block_size):
            start, stop = rows.start, rows.stop
            X_block = X[start:stop]
            blocks = [a[: stop - start] for a in acts]
            outputs[start:stop] = forward(X_block, weights, biases, blocks)[-1]
            risky.append(start + np.flatnonzero(_row_scale(X_block) > safe_scale))
    risky = np.concatenate(risky)
    if risky.size:
        outputs[risky] = _saturating_outputs(X[risky], weights, biases)
    return outputs


def _row_scale(X):
    """``max_i |x_i|`` of every row, without a copy of ``X`` (nor a change to a
    sparse ``X``: see :func:`~._arrays.canonical`)."""
    if sp.issparse(X):
        low, high = min_max_axis(canonical(X), axis=1)
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
            z = ((a / s_a) @ (weight / s_w) * s_a) * s_w  # rows × units
            a = sigmoid(z, bias, in_place=True)
    return a
