"""Reproduce the digits notebook: train, print its figures' numbers, draw its figures.

Run: ``python examples/reproduce_notebook.py`` (writes two PNG files in the current
directory; needs matplotlib, the ``plot`` extra).
"""

# %%
# The data and the model, exactly as in the notebook: (x - 8) / 8, 64-15-10 sigmoids,
# learning rate 0.7, stop when the loss improves by less than 1e-4 in an epoch.
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
from sklearn.datasets import load_digits
from sklearn.metrics import ConfusionMatrixDisplay, accuracy_score
from sklearn.pipeline import make_pipeline

from sklearn_sigmoid_mlp import FixedScaler, LossCurveDisplay, SigmoidMSEClassifier

X, y = load_digits(return_X_y=True)
model = make_pipeline(FixedScaler(), SigmoidMSEClassifier(random_state=0)).fit(X, y)
clf = model[-1]

# %%
# What the notebook printed.
print(f"start_loss = {2 * clf.initial_loss_}")
print(f"stop at {clf.n_iter_ - 1}")
print(f"end_loss = {clf.loss_}")
print(f"Accuracy = {100 * accuracy_score(y, model.predict(X)):.2f}%")

# %%
# What the notebook drew: the loss per epoch and the confusion-matrix heat map.
LossCurveDisplay.from_estimator(model).figure_.savefig("loss_curve.png")
ConfusionMatrixDisplay.from_estimator(model, X, y).figure_.savefig(
    "confusion_matrix.png"
)
plt.close("all")
print("wrote loss_curve.png and confusion_matrix.png")
