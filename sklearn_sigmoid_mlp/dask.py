"""Training on Dask arrays: full-batch gradient descent as a map-reduce.

Each epoch sends the weights once, computes every block's loss and gradient sums
where the block lives, and adds the partial sums on the client in block order: one
round trip per epoch, and ``X`` never leaves the workers. It runs on the current
``distributed.Client`` when there is one, else on Dask's local scheduler.

Needs the ``dask`` extra: ``pip install 'sklearn-sigmoid-mlp[dask]'``.
"""

from contextlib import nullcontext
from functools import partial

import numpy as np

try:
    import dask
    import dask.array as da
except ImportError as exc:  # pragma: no cover - exercised without the extra only
    raise ImportError(
        "sklearn_sigmoid_mlp.dask needs dask: install it with "
        "`pip install 'sklearn-sigmoid-mlp[dask]'`."
    ) from exc

from sklearn.base import clone
from sklearn.utils.validation import check_is_fitted

from ._classifier import SigmoidMSEClassifier
from ._network import FullBatch

__all__ = ["DaskSigmoidMSEClassifier"]


def _is_dask(array):
    return isinstance(array, da.Array)


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


def _block_sums(X_block, codes_block, weight_block, params, need_grad):
    """One block's ``Σ w ‖f - y‖²`` and gradient sums (runs on a worker)."""
    weights, biases = params
    batch = FullBatch(X_block, codes_block, weights, biases, weight_block)
    squared_error = batch.evaluate(need_grad)
    if not need_grad:
        return squared_error, None, None
    return squared_error, batch.grads, batch.bias_grads


class DaskFullBatch:
    """Loss and gradient sums over a Dask array's row blocks, in block order.

    The same interface as ``_network.FullBatch`` (``evaluate``, ``grads``,
    ``bias_grads``, ``total_weight``), so the training loop is shared.
    """

    xp = np

    def __init__(self, X, codes, weights, biases, sample_weight=None):
        self.weights, self.biases = weights, biases
        self.grads = [np.zeros_like(w) for w in weights]
        self.bias_grads = [np.zeros_like(b) for b in biases]
        self.params = self.weights + self.biases
        self.param_grads = self.grads + self.bias_grads
        rows = X.chunks[0]
        codes = codes.rechunk((rows,))
        arrays = [X, codes]
        if sample_weight is not None:
            arrays.append(da.asarray(sample_weight).rechunk((rows,)))
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
        if sample_weight is None:
            self._blocks.append([None] * len(self._blocks[0]))
        n_outputs = weights[-1].shape[0]
        counts = da.bincount(
            codes,
            weights=None if sample_weight is None else arrays[2],
            minlength=max(n_outputs, 2),
        ).compute()
        self.total_weight = float(np.sum(counts))
        means = counts / self.total_weight
        self._target_means = means[1:] if n_outputs == 1 else means

    def blas_threads(self):
        """No change on the client: the products run on the workers."""
        return nullcontext()

    def prior_loss(self):
        """Loss of the best constant prediction (see ``FullBatch.prior_loss``)."""
        means = self._target_means
        return 0.5 * float(np.sum(means * (1 - means)))

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
            return self._client.gather(futures)
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
            for total, part in zip(self.grads + self.bias_grads, grads + bias_grads):
                if index == 0:
                    total[...] = part
                else:
                    total += part
        return squared_error


class DaskSigmoidMSEClassifier(SigmoidMSEClassifier):
    """``SigmoidMSEClassifier`` that trains on Dask arrays without gathering them.

    Same parameters, training rule and fitted attributes (NumPy arrays) as the
    parent. ``fit`` takes a Dask array ``X`` chunked by rows (chunks along columns
    are merged) and Dask or NumPy ``y`` and ``sample_weight``; the classes come from
    one pass over ``y``. NumPy input is handled exactly as by the parent.

    Notes
    -----
    The per-epoch sums are added in block order, so results do not depend on the
    scheduler or the number of workers; they equal the in-memory fit to float
    rounding (coefficients within ~1e-12 relative). ``n_iter_`` is the same unless
    an epoch's improvement falls within rounding of ``tol`` — then the two fits may
    stop one epoch apart. ``early_stopping`` and multilabel targets are not
    supported on Dask input.

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

    def _validate_input(self, X, y, sample_weight, reset):
        if not _is_dask(X):
            return super()._validate_input(X, y, sample_weight, reset)
        if self.early_stopping:
            raise ValueError(
                "early_stopping is not supported on Dask input; pass NumPy arrays "
                "or set early_stopping=False."
            )
        if X.ndim != 2:
            raise ValueError(f"Expected a 2-D Dask array X, got {X.ndim} dimensions.")
        if X.dtype not in (np.float32, np.float64):
            X = X.astype(np.float64)
        X = X.rechunk({1: -1})
        y = da.asarray(y)
        if y.ndim != 1:
            raise ValueError("Dask input supports 1-D class labels y only.")
        if y.shape[0] != X.shape[0]:
            raise ValueError(
                "Found input variables with inconsistent numbers of samples: "
                f"[{X.shape[0]}, {y.shape[0]}]"
            )
        checks = [da.isfinite(X).all()]
        if sample_weight is not None:
            sample_weight = da.asarray(sample_weight).astype(X.dtype)
            if sample_weight.shape != (X.shape[0],):
                raise ValueError(
                    f"sample_weight.shape == {sample_weight.shape}, expected "
                    f"({X.shape[0]},)!"
                )
            checks += [(sample_weight >= 0).all(), sample_weight.sum() > 0]
        finite, *weights_ok = dask.compute(*checks)
        if not finite:
            raise ValueError("Input X contains NaN or infinity.")
        if not all(weights_ok):
            raise ValueError("sample_weight must be non-negative with a positive sum.")
        if reset:
            self.n_features_in_ = X.shape[1]
            vars(self).pop("feature_names_in_", None)
        elif X.shape[1] != self.n_features_in_:
            raise ValueError(
                f"X has {X.shape[1]} features, but {type(self).__name__} is "
                f"expecting {self.n_features_in_} features as input."
            )
        return X, y, sample_weight

    def _classes_of(self, y):
        if not _is_dask(y):
            return super()._classes_of(y)
        return da.unique(y).compute(), False

    def _targets(self, y, classes, multilabel, X):
        if not _is_dask(y):
            return super()._targets(y, classes, multilabel, X)
        unknown = da.isin(y, classes, invert=True).any().compute()
        if unknown:
            raise ValueError(f"y contains labels that are not in classes_ {classes}.")
        dtype = np.min_scalar_type(len(classes) - 1)
        return y.map_blocks(_codes, classes, dtype=dtype)

    def _place(self, array, X):
        return array if _is_dask(X) else super()._place(array, X)

    def _full_batch(self, X, targets, weights, biases, sample_weight):
        if not _is_dask(X):
            return super()._full_batch(X, targets, weights, biases, sample_weight)
        return DaskFullBatch(X, targets, weights, biases, sample_weight)

    def _blockwise(self, X, method, **kwargs):
        """Apply the local model's ``method`` to each row block, lazily."""
        return X.map_blocks(partial(_apply, self.to_local(), method), **kwargs)

    def predict_proba(self, X):
        """Class probabilities; a lazy Dask array for Dask input (see the parent)."""
        if not _is_dask(X):
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
        """Class labels; a lazy Dask array for Dask input (see the parent)."""
        if not _is_dask(X):
            return super().predict(X)
        check_is_fitted(self)
        return self._blockwise(
            X.rechunk({1: -1}), "predict", drop_axis=1, dtype=self.classes_.dtype
        )

    def to_local(self):
        """A plain :class:`SigmoidMSEClassifier` with the same parameters and state."""
        check_is_fitted(self)
        local = clone(SigmoidMSEClassifier(**self.get_params()))
        for name, value in vars(self).items():
            if (
                name.endswith("_") and not name.startswith("__")
            ) or name == "_multilabel":
                setattr(local, name, value)
        return local


def _codes(labels, classes):
    """Positions of ``labels`` in the sorted ``classes`` (the network's targets)."""
    return np.searchsorted(classes, labels).astype(np.min_scalar_type(len(classes) - 1))


def _apply(model, method, block):
    return getattr(model, method)(block)
