"""ONNX export: importing this module registers converters with skl2onnx.

After ``import sklearn_sigmoid_mlp.onnx``, ``skl2onnx.to_onnx`` converts
``SigmoidMSEClassifier`` and ``FixedScaler``, alone or inside pipelines::

    import sklearn_sigmoid_mlp.onnx  # noqa: F401  (registers the converters)
    from skl2onnx import to_onnx

    onx = to_onnx(model, X[:1].astype("float32"),
                  options={SigmoidMSEClassifier: {"zipmap": False}})

The graph is the network itself (``MatMul``, ``Add``, ``Sigmoid`` per layer) followed
by the same probability and label rules as ``predict_proba`` and ``predict``.
Needs the ``onnx`` extra: ``pip install '.[onnx]'`` from a clone.
"""

import numpy as np

try:
    from onnx import TensorProto
    from skl2onnx import update_registered_converter
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
        Int64TensorType,
        StringTensorType,
        UInt64TensorType,
        guess_numpy_type,
    )
except ImportError as exc:  # pragma: no cover - exercised without the extra only
    raise ImportError(
        "sklearn_sigmoid_mlp.onnx needs skl2onnx and onnxruntime: install the onnx "
        "extra, e.g. `pip install '.[onnx]'` from a clone of sklearn-sigmoid-mlp."
    ) from exc

from sklearn.utils.validation import check_is_fitted

from ._classifier import SigmoidMSEClassifier
from ._scaler import FixedScaler

__all__ = ["register"]


def _label_values(model):
    """``classes_`` as the graph's label tensor: strings, or integers whose values
    survive (uint64 stays uint64, so labels >= 2**63 come back unchanged)."""
    classes = np.asarray(model.classes_)
    if classes.dtype.kind in "OUS":
        return np.array([str(c) for c in classes]), StringTensorType
    if classes.dtype.kind == "u" and classes.dtype.itemsize == 8:
        return classes, UInt64TensorType
    return classes.astype(np.int64), Int64TensorType


def _classifier_shapes(operator):
    model = operator.raw_operator
    # skl2onnx calls this first: refuse an unfitted model as scikit-learn does.
    check_is_fitted(model)
    n_rows = operator.inputs[0].get_first_dimension()
    input_type = operator.inputs[0].type.__class__
    n_classes = len(model.classes_)
    if model._multilabel:
        operator.outputs[0].type = Int64TensorType([n_rows, n_classes])
    else:
        operator.outputs[0].type = _label_values(model)[1]([n_rows])
    operator.outputs[1].type = input_type([n_rows, n_classes])


def _network(model, X, dtype, opv):
    """The forward pass: ``sigmoid(h @ coef + intercept)`` layer by layer."""
    h = X
    for coef, intercept in zip(model.coefs_, model.intercepts_):
        z = OnnxAdd(
            OnnxMatMul(h, coef.astype(dtype), op_version=opv),
            intercept.astype(dtype),
            op_version=opv,
        )
        h = OnnxSigmoid(z, op_version=opv)
    return h


def _convert_classifier(scope, operator, container):
    model = operator.raw_operator
    opv = container.target_opset
    dtype = guess_numpy_type(operator.inputs[0].type)
    label_name, proba_name = (
        operator.outputs[0].full_name,
        operator.outputs[1].full_name,
    )
    out = _network(model, operator.inputs[0], dtype, opv)

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
        values, label_type = _label_values(model)
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
    operator.outputs[0].type = operator.inputs[0].type.__class__([n_rows, n_features])


def _convert_scaler(scope, operator, container):
    model = operator.raw_operator
    opv = container.target_opset
    dtype = guess_numpy_type(operator.inputs[0].type)
    center = np.atleast_1d(np.asarray(model.center, dtype=dtype))
    scale = np.atleast_1d(np.asarray(model.scale, dtype=dtype))
    scaled = OnnxDiv(
        OnnxSub(operator.inputs[0], center, op_version=opv), scale, op_version=opv
    )
    OnnxIdentity(
        scaled, op_version=opv, output_names=[operator.outputs[0].full_name]
    ).add_to(scope, container)


def register():
    """Register both converters with skl2onnx (done once on import)."""
    update_registered_converter(
        SigmoidMSEClassifier,
        "SklearnSigmoidMSEClassifier",
        _classifier_shapes,
        _convert_classifier,
        options={"zipmap": [True, False, "columns"], "nocl": [True, False]},
    )
    update_registered_converter(
        FixedScaler, "SklearnFixedScaler", _scaler_shapes, _convert_scaler
    )


register()
