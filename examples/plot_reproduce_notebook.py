"""
The notebook, reproduced
========================

The 64-15-10 sigmoid network trained by full-batch gradient descent on the squared
error, stopping when the loss improves by less than 1e-4 in an epoch: the
notebook's numbers and its two figures, the loss per epoch and the confusion matrix,
and the held-out accuracy the notebook does not measure.
"""

# %%
# The data and the model, exactly as in the notebook: ``(x - 8) / 8``, 15 hidden
# sigmoid units, learning rate 0.7, the 1e-4 stopping rule.
import matplotlib.pyplot as plt
from sklearn.base import clone
from sklearn.datasets import load_digits
from sklearn.metrics import ConfusionMatrixDisplay, accuracy_score
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline

from sklearn_sigmoid_mlp import FixedScaler, LossCurveDisplay, SigmoidMSEClassifier

X, y = load_digits(return_X_y=True)
model = make_pipeline(FixedScaler(), SigmoidMSEClassifier(random_state=0)).fit(X, y)
clf = model[-1]

# %%
# The fitted pipeline (the "?" of each step links to its API page).
model

# %%
# What the notebook printed (it prints twice the initial loss as ``start_loss``
# and counts epochs from 0).
print(f"start_loss = {2 * clf.initial_loss_:.11f}")
print(f"stop at {clf.n_iter_ - 1}")
print(f"end_loss = {clf.loss_:.13f}")
print(f"Training accuracy = {100 * accuracy_score(y, model.predict(X)):.2f}%")

# %%
# What the notebook drew.
fig, (left, right) = plt.subplots(1, 2, figsize=(12, 4.5))
LossCurveDisplay.from_estimator(model, ax=left, label="digits, seed 0")
left.set_title(f"Training loss: stopped after {clf.n_iter_} epochs")
ConfusionMatrixDisplay.from_estimator(model, X, y, ax=right, colorbar=False)
right.set_title("Training confusion matrix")
fig.tight_layout()

# %%
# The notebook scores the digits it trained on. The same model, trained on a
# stratified 75 % and scored on the 25 % it never saw:
X_train, X_test, y_train, y_test = train_test_split(
    X, y, test_size=0.25, stratify=y, random_state=0
)
held_out = clone(model).fit(X_train, y_train)
print(f"held-out accuracy: {held_out.score(X_test, y_test):.3f}")
