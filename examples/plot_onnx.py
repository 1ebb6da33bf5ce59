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
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline

import sklearn_sigmoid_mlp.onnx  # noqa: F401  (registers the converters)
from sklearn_sigmoid_mlp import FixedScaler, SigmoidMSEClassifier

X, y = load_digits(return_X_y=True)
X = X.astype(np.float32)
X_train, X_test, y_train, y_test = train_test_split(
    X, y, test_size=0.25, stratify=y, random_state=0
)
model = make_pipeline(FixedScaler(), SigmoidMSEClassifier(random_state=0))
model.fit(X_train, y_train)
onx = to_onnx(model, X[:1], options={SigmoidMSEClassifier: {"zipmap": False}})

# %%
# Serving needs only onnxruntime and the serialized graph; here it labels the
# held-out digits.
session = rt.InferenceSession(
    onx.SerializeToString(), providers=["CPUExecutionProvider"]
)
labels, proba = session.run(None, {session.get_inputs()[0].name: X_test})
difference = np.abs(proba - model.predict_proba(X_test))
print("share of labels equal to predict:", np.mean(labels == model.predict(X_test)))
print(f"largest |Δ probability|: {difference.max():.2e}")
print(f"held-out accuracy of the ONNX labels: {np.mean(labels == y_test):.3f}")

# %%
fig, ax = plt.subplots(figsize=(6, 3.5))
ax.hist(difference.ravel(), bins=50)
ax.set(xlabel="|ONNX − predict_proba|", ylabel="count", yscale="log")
ax.set_title("onnxruntime against scikit-learn, float32")
