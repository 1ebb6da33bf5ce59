"""
Serving with ONNX
=================

Export a fitted pipeline to ONNX and serve it with onnxruntime alone: the same
labels as ``predict`` and the same probabilities as ``predict_proba``, to float32
rounding. Needs the ``onnx`` extra.
"""

# %%
import matplotlib.pyplot as plt
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
onx = to_onnx(model, X[:1], options={SigmoidMSEClassifier: {"zipmap": False}})

# %%
# Serving needs only onnxruntime and the serialized graph.
session = rt.InferenceSession(
    onx.SerializeToString(), providers=["CPUExecutionProvider"]
)
labels, proba = session.run(None, {session.get_inputs()[0].name: X})
difference = np.abs(proba - model.predict_proba(X))
print("labels equal to predict:", np.mean(labels == model.predict(X)))
print(f"largest |Δ probability|: {difference.max():.2e}")

# %%
fig, ax = plt.subplots(figsize=(6, 3.5))
ax.hist(difference.ravel(), bins=50)
ax.set(xlabel="|ONNX − predict_proba|", ylabel="count", yscale="log")
ax.set_title("onnxruntime against scikit-learn, float32")
