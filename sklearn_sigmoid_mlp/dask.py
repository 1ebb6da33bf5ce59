"""Training on Dask arrays: full-batch gradient descent as a map-reduce.

``SigmoidMSEClassifier.fit`` given a Dask array trains here (the input chooses the
backend): each epoch sends the weights once, computes every block's loss and
gradient sums where the block lives, and adds the partial sums on the client in
block order -- one round trip per epoch, and ``X`` never leaves the workers. The
blocks get the in-memory checks, with the same messages. It runs on the current
``distributed.Client`` when there is one, else on Dask's local scheduler.
``DaskSigmoidMSEClassifier`` adds lazy, blockwise prediction on Dask input.

Needs the ``dask`` extra: ``pip install '.[dask]'`` from a clone.
"""

import math
from contextlib import nullcontext
from dataclasses import replace
from functools import partial

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
from ._network import FullBatch, constant_loss, means_of_counts
from ._training import Batch
from ._validation import (
    FitInputs,
    checked_block,
    checked_label_block,
    checked_sample_weight,
    class_weighted,
)

__all__ = ["DaskSigmoidMSEClassifier"]


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
            partial(checked_block, type(estimator).__name__), dtype=dtype
        )
        if X.dtype != dtype:
            X = X.astype(dtype)
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
        y = y.rechunk((X.chunks[0],)).map_blocks(checked_label_block, dtype=y.dtype)
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


def _block_sums(X_block, codes_block, weight_block, params, need_grad):
    """One block's ``Σ w ‖f - y‖²`` and gradient sums (runs on a worker, in one
    thread: Dask's scheduler already runs the blocks in parallel)."""
    weights, biases = params
    batch = FullBatch(X_block, codes_block, weights, biases, weight_block, n_threads=1)
    squared_error = batch.evaluate(need_grad)
    if not need_grad:
        return squared_error, None, None
    return squared_error, batch.grads, batch.bias_grads


class DaskFullBatch(Batch):
    """Loss and gradient sums over a Dask array's row blocks, in block order.

    Implements ``_training.Batch`` as ``_network.FullBatch`` does, so the training
    loop is shared.
    """

    xp = np

    def __init__(self, X, codes, weights, biases, sample_weight=None):
        self.weights, self.biases = list(weights), list(biases)
        self.grads = [np.zeros_like(w) for w in weights]
        self.bias_grads = [np.zeros_like(b) for b in biases]
        self.params = self.weights + self.biases
        self.param_grads = self.grads + self.bias_grads
        self.penalized, self.penalized_grads = self.weights, self.grads
        arrays = [X, codes] + ([] if sample_weight is None else [sample_weight])
        self._client = _current_client()
        if self._client is not None:
            # One future per block, computed and kept on the workers; each epoch maps
            # over them (cheaper per block than building a task graph).
            blocks = [a.to_delayed().ravel().tolist() for a in arrays]
            self._blocks = [self._client.compute(b) for b in blocks]
        else:
            # Persisted once: the blocks stay in memory for every epoch (for as
            # long as this object holds the persisted arrays).
            self._persisted = dask.persist(*arrays)
            self._blocks = [a.to_delayed().ravel().tolist() for a in self._persisted]
            arrays = list(self._persisted)
        if sample_weight is None:
            self._blocks.append([None] * len(self._blocks[0]))
        # A bad label surfaces here; a bad block of X here or, on a cluster, at the
        # first epoch (fit then closes this batch).
        n_outputs = weights[-1].shape[0]
        try:
            counts = da.bincount(
                arrays[1],
                weights=arrays[2] if sample_weight is not None else None,
                minlength=max(n_outputs, 2),
            ).compute()
        except BaseException:
            # The exception's traceback keeps this object, and with it the
            # blocks, alive: release them now.
            self.close()
            raise
        self.total_weight = float(np.sum(counts))
        self._counts = counts

    def close(self):
        """Let the workers (or the local scheduler) drop the blocks now: ``fit``
        calls this when training ends, and a failed fit's traceback would
        otherwise keep them in the workers' memory."""
        if self._blocks is None:
            return
        if self._client is not None:
            for future in (f for blocks in self._blocks for f in blocks):
                if future is not None:
                    future.release()
        self._blocks = self._persisted = None

    def blas_threads(self):
        """No change on the client: the products run on the workers."""
        return nullcontext()

    def prior_loss(self):
        """Loss of the best constant prediction (see ``FullBatch.prior_loss``)."""
        return constant_loss(means_of_counts(self._counts, self.weights[-1].shape[0]))

    def _block_results(self, need_grad):
        params = (self.weights, self.biases)
        if self._client is not None:
            futures = self._client.map(
                _block_sums,
                *self._blocks,
                params=params,
                need_grad=need_grad,
                pure=False,
            )
            try:
                return self._client.gather(futures)
            finally:
                # A failed gather's traceback would hold them (see close).
                for future in futures:
                    future.release()
        # One key for this epoch's weights, shared by every block's task.
        shared = dask.delayed(params, traverse=False)
        tasks = [
            dask.delayed(_block_sums, pure=False)(x, c, w, shared, need_grad)
            for x, c, w in zip(*self._blocks)
        ]
        return dask.compute(*tasks)

    def evaluate(self, need_grad=True):
        """Return ``Σ_j w_j ‖f_j - y_j‖²``; fill the gradient sums if ``need_grad``."""
        results = self._block_results(need_grad)
        squared_error = 0.0
        for index, (block_error, grads, bias_grads) in enumerate(results):
            squared_error += block_error
            if not need_grad:
                continue
            for total, part in zip(self.param_grads, grads + bias_grads):
                if index == 0:
                    total[...] = part
                else:
                    total += part
        return squared_error


class DaskSigmoidMSEClassifier(SigmoidMSEClassifier):
    """``SigmoidMSEClassifier`` whose predictions on Dask input are lazy Dask arrays.

    Training is the parent's: given a Dask array (chunked by rows; chunks along
    columns are merged), ``fit`` trains on the cluster without gathering ``X``, with
    the in-memory checks and messages. Fitted attributes are NumPy arrays. On Dask
    input ``predict`` and ``predict_proba`` return Dask arrays computed block by
    block; on other input they are the parent's.

    Notes
    -----
    The per-epoch sums are added in block order, so results do not depend on the
    scheduler or the number of workers; they equal the in-memory fit to float
    rounding (coefficients within ~1e-12 relative). ``n_iter_`` is the same unless
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


def _apply(model, method, block):
    return getattr(model, method)(block)


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
