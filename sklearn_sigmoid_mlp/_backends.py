"""Where the training data lives, chosen by the input: one interface, two backends.

``InMemory`` serves NumPy arrays, SciPy sparse matrices and every other array API
namespace (arrays stay in ``X``'s namespace and on its device); optional modules
register backends for other input (the ``dask`` module's serves Dask arrays, on
the workers). All implement :class:`Backend`, whose methods the estimator calls, so
the steps of ``fit`` do not depend on the input.
"""

from importlib import import_module
from typing import Any, Protocol

import numpy as np
from sklearn.model_selection import train_test_split

from . import _targets
from ._arrays import move_to, namespace_of, numpy_dtype
from ._network import FullBatch
from ._training import Batch
from ._validation import FitInputs, checked_fit_inputs, class_weighted


class Backend(Protocol):
    """What ``fit`` needs from where the data lives, in the order of its steps.

    A backend is the class itself (its methods are static): ``backend_for(X)``
    picks it from ``X``'s type, and the estimator holds no instance.
    """

    @staticmethod
    def checked_inputs(estimator, X, y, sample_weight, continuing) -> FitInputs:
        """Step 1: ``X``, ``y`` and ``sample_weight`` checked with scikit-learn's
        messages; ``continuing`` (a warm start or ``partial_fit`` on a fitted
        model) checks ``X`` against the fitted model's features and dtype."""

    @staticmethod
    def target_kind(y) -> bool:
        """Whether ``y`` is a multilabel indicator (else class labels); refuses
        other targets with scikit-learn's messages."""

    @staticmethod
    def labels(y, multilabel) -> np.ndarray:
        """What :func:`~._targets.resolve_classes` finds the classes in, in
        NumPy: the distinct labels, or a multilabel ``y`` itself."""

    @staticmethod
    def encode(y, classes, multilabel, X) -> Any:
        """The network's targets beside ``X``: class codes (indices into
        ``classes``), or a multilabel ``y``'s 0/1 indicators, rows × units."""

    @staticmethod
    def numpy_dtype(X) -> type:
        """The NumPy float dtype the initial weights are drawn in for ``X``."""

    @staticmethod
    def place(array, X) -> Any:
        """A NumPy ``array`` (initial weights, numeric classes) where ``X``'s
        computations want it: the fitted attributes are placed this way."""

    @staticmethod
    def class_weighted(inputs, class_weight) -> FitInputs:
        """``inputs`` with ``sample_weight`` multiplied by ``class_weight``'s
        weight of each row's class (unchanged for None)."""

    @staticmethod
    def hold_out(X, y, sample_weight, multilabel, fraction, rng) -> tuple:
        """The early-stopping split, drawn with ``rng``: ``X, y, sample_weight`` to
        train on, and the held-out ``(X, y, sample_weight)``."""

    @staticmethod
    def batch(
        X,
        targets,
        weights,
        biases,
        sample_weight,
        trainable=True,
        keep_outputs=False,
    ) -> Batch:
        """What sums the loss and gradients over the rows of ``X`` (``targets``
        from :meth:`encode`), starting from ``weights`` and ``biases``.

        ``trainable=False`` with ``keep_outputs=True`` is the early-stopping
        hold-out: losses only, on the weights as given (shared with the training
        batch), and the outputs of each evaluation kept in ``outputs``.
        """


# Backends of optional modules, by the top-level package of the input's type: the
# module (registered by the package's ``__init__``) is imported when such input
# first comes, and serves it with its ``BACKEND``.
_PLUGINS = {}


def register_backend(packages, module):
    """Serve input whose type comes from one of ``packages`` with the
    ``BACKEND`` of ``module`` (imported when such input first comes)."""
    for package in packages:
        _PLUGINS[package] = module


def backend_for(X):
    """The backend of ``X``'s type: a registered plug-in's (without importing it
    for other input), else ``InMemory``."""
    module = _PLUGINS.get(type(X).__module__.partition(".")[0])
    if module is None:
        return InMemory
    return import_module(module).BACKEND


class InMemory(Backend):
    """NumPy, SciPy sparse, or another array API namespace: ``X``'s own."""

    @staticmethod
    def checked_inputs(estimator, X, y, sample_weight, continuing):
        """Step 1 of fit: see :func:`~._validation.checked_fit_inputs`."""
        return checked_fit_inputs(estimator, X, y, sample_weight, continuing=continuing)

    @staticmethod
    def target_kind(y):
        """Whether ``y`` is a multilabel indicator (else class labels)."""
        return _targets.check_target_type(y)

    @staticmethod
    def labels(y, multilabel):
        """What :func:`~._targets.resolve_classes` finds the classes in."""
        return y

    @staticmethod
    def encode(y, classes, multilabel, X):
        """The network's targets, next to ``X``: class codes or 0/1 indicators.

        NumPy keeps them small (one byte per code or indicator); other array
        libraries get them on ``X``'s device, in types they compute with.
        """
        numpy = namespace_of(X) is np
        if multilabel:
            rows = _targets.indicator_rows(y)
            return rows if numpy else move_to(rows.astype(numpy_dtype(X)), X)
        codes = _targets.class_codes(y, classes)
        return codes if numpy else move_to(codes.astype(np.int64), X)

    numpy_dtype = staticmethod(numpy_dtype)
    place = staticmethod(move_to)
    class_weighted = staticmethod(class_weighted)

    @staticmethod
    def hold_out(X, y, sample_weight, multilabel, fraction, rng):
        """The early-stopping split: ``X, y, sample_weight`` to train on, and the
        held-out ``(X, y, sample_weight)``; stratified for single-label ``y``."""
        arrays = [X, y] if sample_weight is None else [X, y, sample_weight]
        try:
            parts = train_test_split(
                *arrays,
                test_size=fraction,
                random_state=rng,
                stratify=None if multilabel else y,
            )
        except ValueError as exc:
            stratified = "" if multilabel else ", and hold every class (stratified)"
            raise ValueError(
                f"early_stopping=True cannot hold out validation_fraction={fraction} "
                f"of {X.shape[0]} rows: both parts must be non-empty{stratified}. "
                "Change validation_fraction, pass more rows, or set "
                "early_stopping=False."
            ) from exc
        train, held_out = parts[0::2], parts[1::2]
        if held_out[0].shape[0] < 2:
            raise ValueError(
                f"early_stopping=True with validation_fraction={fraction} holds out "
                f"fewer than 2 of {X.shape[0]} rows; raise validation_fraction or set "
                "early_stopping=False."
            )
        if sample_weight is None:
            train.append(None)
            held_out.append(None)
        else:
            # Both losses are means weighted by sample_weight: each part needs
            # some weight.
            for part, name in ((train, "training"), (held_out, "held-out")):
                if not float(namespace_of(part[2]).sum(part[2])) > 0:
                    raise ValueError(
                        f"early_stopping=True: the {name} part of the split "
                        f"(validation_fraction={fraction}) has sample_weight zero "
                        "on every row, and its loss is a mean weighted by it. "
                        "Give weight to more rows, change validation_fraction, or "
                        "set early_stopping=False."
                    )
        return (*train, tuple(held_out))

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
        """A :class:`~._network.FullBatch`: the rows summed in memory."""
        return FullBatch(
            X,
            targets,
            weights,
            biases,
            sample_weight,
            trainable=trainable,
            keep_outputs=keep_outputs,
        )
