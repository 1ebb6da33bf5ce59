"""ONNX export: importing this module registers converters with skl2onnx.

After ``import sklearn_sigmoid_mlp.onnx``, ``skl2onnx.to_onnx`` converts
``SigmoidMSEClassifier``, ``DaskSigmoidMSEClassifier`` (when Dask is installed) and
``FixedScaler``, alone or inside pipelines::

    import sklearn_sigmoid_mlp.onnx  # noqa: F401  (registers the converters)
    from skl2onnx import to_onnx

    onx = to_onnx(model, X[:1].astype("float32"),
                  options={SigmoidMSEClassifier: {"zipmap": False}})

The graph is the network itself (``MatMul``, ``Add``, ``Sigmoid`` per layer) followed
by the same probability and label rules as ``predict_proba`` and ``predict``. A
``DaskSigmoidMSEClassifier`` exports the same graph (its fitted state is NumPy
arrays); options are keyed by its own class, ``{DaskSigmoidMSEClassifier: {...}}``.
The classifier takes skl2onnx's options ``zipmap`` and ``nocl``: with
``nocl=True`` the label output (and ZipMap's keys) are class indices
``0 .. n_classes - 1``, int64, as in skl2onnx's own classifiers; a multilabel
model's outputs hold no labels (its label output is the 0/1 indicator matrix), so
``nocl`` changes nothing there. A
fitted ``FixedScaler`` exports its fitted ``center_`` and ``scale_``, an unfitted one
its parameters, as ``transform`` applies them.

float32 and float64 input are computed in their own dtype. Integer and boolean
input (those skl2onnx accepts: int8, uint8, int32, int64, bool) is cast to float32,
as skl2onnx's own converters do; scikit-learn computes it in float64, so the results
agree to float32 precision. Exporting an unfitted classifier raises
:class:`~sklearn.exceptions.NotFittedError`.

Needs the ``onnx`` extra: ``pip install '.[onnx]'`` from a clone.
"""

import numpy as np

try:
    from onnx import TensorProto
    from skl2onnx import update_registered_converter
    from skl2onnx._parse import _parse_sklearn_classifier
    from skl2onnx.algebra.onnx_ops import (
        OnnxAdd,
        OnnxArgMax,
        OnnxCast,
        OnnxConcat,
        OnnxDiv,
        OnnxEqual,
        OnnxGather,
        OnnxGreater,
        OnnxIdentity,
        OnnxMatMul,
        OnnxReduceSum,
        OnnxSigmoid,
        OnnxSub,
        OnnxWhere,
    )
    from skl2onnx.common.data_types import (
        BooleanTensorType,
        DoubleTensorType,
        FloatTensorType,
        Int8TensorType,
        Int32TensorType,
        Int64TensorType,
        StringTensorType,
        UInt8TensorType,
        UInt64TensorType,
    )
except ImportError as exc:  # pragma: no cover - exercised without the extra only
    raise ImportError(
        "sklearn_sigmoid_mlp.onnx needs skl2onnx and onnxruntime: install the onnx "
        "extra, e.g. `pip install '.[onnx]'` from a clone of sklearn-sigmoid-mlp."
    ) from exc

from sklearn.utils.validation import check_is_fitted

from ._arrays import to_numpy
from ._classifier import SigmoidMSEClassifier
from ._scaler import FixedScaler

__all__ = ["register"]


# Numeric input that is not float32 or float64, computed in float32 after a Cast.
# Only the types skl2onnx's parser declares outputs for (``guess_tensor_type``):
# it refuses the others (float16, uint64, ...) before any converter runs.
_CAST_TO_FLOAT = (
    BooleanTensorType,
    Int8TensorType,
    Int32TensorType,
    Int64TensorType,
    UInt8TensorType,
)


def _computing_type(input_type, model):
    """The tensor type and NumPy dtype the graph computes in for ``input_type``.

    float32 and float64 stay; integer and boolean input becomes float32, the type
    skl2onnx's ``guess_tensor_type`` gives it, so that the operators skl2onnx adds
    after ours (``ZipMap``) declare the same type. Anything else (strings) is
    refused at export, rather than built into a graph onnxruntime would reject.
    """
    if isinstance(input_type, DoubleTensorType):
        return DoubleTensorType, np.float64
    if isinstance(input_type, (FloatTensorType, *_CAST_TO_FLOAT)):
        return FloatTensorType, np.float32
    raise TypeError(
        f"{type(model).__name__} cannot be exported for input of type "
        f"{type(input_type).__name__}: the input must be numeric (float32, float64, "
        "integer or boolean)."
    )


def _as_float(operator, opv):
    """The operator's input, cast to float32 when it is not float32 or float64
    already (integer arithmetic would truncate, and ``Sigmoid`` needs floats)."""
    X = operator.inputs[0]
    if isinstance(X.type, (FloatTensorType, DoubleTensorType)):
        return X
    return OnnxCast(X, to=TensorProto.FLOAT, op_version=opv)


def _parse_classifier(scope, model, inputs, custom_parsers=None):
    """skl2onnx's classifier parser, after scikit-learn's fitted check.

    The parser runs before the shape calculator and, with the default ``zipmap``,
    reads ``classes_``: without this check an unfitted model fails there with
    skl2onnx's ``RuntimeError`` instead of ``NotFittedError``.
    """
    check_is_fitted(model)
    return _parse_sklearn_classifier(
        scope, model, inputs, custom_parsers=custom_parsers
    )


def _label_values(model):
    """``classes_`` as the graph's label tensor: strings, or integers whose values
    survive (uint64 stays uint64, so labels >= 2**63 come back unchanged)."""
    classes = np.asarray(model.classes_)
    if classes.dtype.kind in "OUS":
        return np.array([str(c) for c in classes]), StringTensorType
    if classes.dtype.kind == "u" and classes.dtype.itemsize == 8:
        return classes, UInt64TensorType
    return classes.astype(np.int64), Int64TensorType


def _labels(model, options):
    """The label tensor the graph gathers from and its type: ``classes_``, or with
    skl2onnx's ``nocl=True`` the class indices (ZipMap's keys are then indices too,
    see ``skl2onnx.common.utils_classifier.get_label_classes``)."""
    if options.get("nocl", False):
        return np.arange(len(model.classes_), dtype=np.int64), Int64TensorType
    return _label_values(model)


def _classifier_shapes(operator):
    model = operator.raw_operator
    # _parse_classifier has refused an unfitted model already; checked again for a
    # topology built by another parser (skl2onnx's own, if a caller registers it).
    check_is_fitted(model)
    n_rows = operator.inputs[0].get_first_dimension()
    proba_type, _ = _computing_type(operator.inputs[0].type, model)
    n_classes = len(model.classes_)
    if model._multilabel:
        operator.outputs[0].type = Int64TensorType([n_rows, n_classes])
    else:
        options = operator.scope_inst.get_options(model, dict(nocl=False))
        operator.outputs[0].type = _labels(model, options)[1]([n_rows])
    operator.outputs[1].type = proba_type([n_rows, n_classes])


def _network(model, X, dtype, opv):
    """The forward pass: ``sigmoid(h @ coef + intercept)`` layer by layer."""
    h = X
    for coef, intercept in zip(model.coefs_, model.intercepts_):
        z = OnnxAdd(
            OnnxMatMul(h, to_numpy(coef).astype(dtype), op_version=opv),
            to_numpy(intercept).astype(dtype),
            op_version=opv,
        )
        h = OnnxSigmoid(z, op_version=opv)
    return h


def _convert_classifier(scope, operator, container):
    model = operator.raw_operator
    opv = container.target_opset
    _, dtype = _computing_type(operator.inputs[0].type, model)
    label_name, proba_name = (
        operator.outputs[0].full_name,
        operator.outputs[1].full_name,
    )
    out = _network(model, _as_float(operator, opv), dtype, opv)

    if model._multilabel:
        proba = out
        label = OnnxCast(
            OnnxGreater(out, np.array([0.5], dtype=dtype), op_version=opv),
            to=TensorProto.INT64,
            op_version=opv,
        )
    else:
        if model.n_outputs_ == 1:
            one_minus = OnnxSub(np.array([1], dtype=dtype), out, op_version=opv)
            proba = OnnxConcat(one_minus, out, axis=1, op_version=opv)
        else:
            # Rows divided by their sum; a row whose outputs all underflow to 0
            # becomes uniform, as in predict_proba.
            total = OnnxReduceSum(
                out, np.array([1], dtype=np.int64), keepdims=1, op_version=opv
            )
            dead = OnnxEqual(total, np.array([0], dtype=dtype), op_version=opv)
            safe = OnnxWhere(dead, np.array([1], dtype=dtype), total, op_version=opv)
            uniform = np.array([1 / model.n_outputs_], dtype=dtype)
            proba = OnnxWhere(
                dead, uniform, OnnxDiv(out, safe, op_version=opv), op_version=opv
            )
        index = OnnxArgMax(proba, axis=1, keepdims=0, op_version=opv)
        values, label_type = _labels(
            model, container.get_options(model, dict(nocl=False))
        )
        if label_type is UInt64TensorType:
            # No uint64 constants in skl2onnx: gather the same 64 bits as int64,
            # then cast back (Cast keeps the bit pattern).
            label = OnnxCast(
                OnnxGather(values.view(np.int64), index, axis=0, op_version=opv),
                to=TensorProto.UINT64,
                op_version=opv,
            )
        else:
            label = OnnxGather(values, index, axis=0, op_version=opv)

    OnnxIdentity(label, op_version=opv, output_names=[label_name]).add_to(
        scope, container
    )
    OnnxIdentity(proba, op_version=opv, output_names=[proba_name]).add_to(
        scope, container
    )


def _scaler_shapes(operator):
    n_rows = operator.inputs[0].get_first_dimension()
    n_features = operator.inputs[0].type.shape[1]
    output_type, _ = _computing_type(operator.inputs[0].type, operator.raw_operator)
    operator.outputs[0].type = output_type([n_rows, n_features])


def _scaler_constants(model, n_features, dtype):
    """``center`` and ``scale`` as ``transform`` applies them: the fitted
    ``center_`` and ``scale_``, or the parameters of an unfitted scaler, checked as
    ``transform`` checks them."""
    if hasattr(model, "scale_"):
        constants = to_numpy(model.center_), to_numpy(model.scale_)
    else:
        if not isinstance(n_features, int):  # a free dimension: take the parameters'
            sizes = [np.size(p) for p in (model.center, model.scale) if np.ndim(p)]
            n_features = sizes[0] if sizes else 1
        constants = model._constants(n_features, dtype)
    return tuple(np.atleast_1d(np.asarray(c, dtype=dtype)) for c in constants)


def _convert_scaler(scope, operator, container):
    model = operator.raw_operator
    opv = container.target_opset
    _, dtype = _computing_type(operator.inputs[0].type, model)
    center, scale = _scaler_constants(model, operator.inputs[0].type.shape[1], dtype)
    scaled = OnnxDiv(
        OnnxSub(_as_float(operator, opv), center, op_version=opv),
        scale,
        op_version=opv,
    )
    OnnxIdentity(
        scaled, op_version=opv, output_names=[operator.outputs[0].full_name]
    ).add_to(scope, container)


def _classifiers():
    """The classifier classes to register: ``DaskSigmoidMSEClassifier`` too when
    Dask is installed (its state is NumPy arrays: the same graph exports it)."""
    try:
        from .dask import DaskSigmoidMSEClassifier
    except ImportError:  # the dask extra is optional
        return {SigmoidMSEClassifier: "SklearnSigmoidMSEClassifier"}
    return {
        SigmoidMSEClassifier: "SklearnSigmoidMSEClassifier",
        DaskSigmoidMSEClassifier: "SklearnDaskSigmoidMSEClassifier",
    }


def register():
    """Register the converters with skl2onnx (done once on import)."""
    for cls, alias in _classifiers().items():
        update_registered_converter(
            cls,
            alias,
            _classifier_shapes,
            _convert_classifier,
            parser=_parse_classifier,
            options={"zipmap": [True, False, "columns"], "nocl": [True, False]},
        )
    update_registered_converter(
        FixedScaler, "SklearnFixedScaler", _scaler_shapes, _convert_scaler
    )


register()
