"""Export a fitted pipeline to ONNX and serve it with onnxruntime, without sklearn.

Run: ``python examples/serve_with_onnx.py`` (needs the ``onnx`` extra; writes
``digits.onnx`` in the current directory).
"""

# %%
import numpy as np
import onnxruntime as rt
from skl2onnx import to_onnx
from sklearn.datasets import load_digits
from sklearn.pipeline import make_pipeline

import sklearn_sigmoid_mlp.onnx  # noqa: F401  (registers the converters)
from sklearn_sigmoid_mlp import FixedScaler, SigmoidMSEClassifier

X, y = load_digits(return_X_y=True)
X = X.astype(np.float32)
model = make_pipeline(FixedScaler(), SigmoidMSEClassifier(random_state=0)).fit(X, y)

# %%
onx = to_onnx(model, X[:1], options={SigmoidMSEClassifier: {"zipmap": False}})
with open("digits.onnx", "wb") as f:
    f.write(onx.SerializeToString())

# %%
# Serving needs only onnxruntime and the .onnx file.
session = rt.InferenceSession("digits.onnx", providers=["CPUExecutionProvider"])
labels, proba = session.run(None, {session.get_inputs()[0].name: X})
print("labels agree:", np.mean(labels == model.predict(X)))
print("max |Δ probability|:", np.abs(proba - model.predict_proba(X)).max())
