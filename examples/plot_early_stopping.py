"""
Early stopping and the plateau warning
======================================

Sigmoid units trained on the squared error can sit on a long plateau where the loss
barely moves: the notebook's stopping rule then stops a model that has learned
nothing. ``SigmoidMSEClassifier`` says so with a ``PoorFitWarning``, and gives the
remedy; early stopping with its defaults monitors the loss of held-out rows.
"""

# %%
# One digit against the rest: the loss improves by less than ``tol=1e-4`` long
# before the network has learned anything.
import warnings

import matplotlib.pyplot as plt
from sklearn.datasets import load_digits
from sklearn.metrics import balanced_accuracy_score
from sklearn.model_selection import train_test_split

from sklearn_sigmoid_mlp import (
    FixedScaler,
    LossCurveDisplay,
    PoorFitWarning,
    SigmoidMSEClassifier,
)

X, y = load_digits(return_X_y=True)
X = FixedScaler().transform(X)
X_train, X_test, y_train, y_test = train_test_split(
    X, y, test_size=0.25, stratify=y, random_state=0
)
with warnings.catch_warnings(record=True) as caught:  # caught to show it here
    warnings.simplefilter("always")
    stuck = SigmoidMSEClassifier(random_state=0).fit(X_train, y_train == 3)
print(caught[0].category.__name__, ":", caught[0].message)
assert caught[0].category is PoorFitWarning

# %%
# The remedy the warning names: a smaller ``tol`` trains past the plateau.
remedied = SigmoidMSEClassifier(tol=1e-6, random_state=0).fit(X_train, y_train == 3)
for name, model in [("tol=1e-4", stuck), ("tol=1e-6", remedied)]:
    accuracy = balanced_accuracy_score(y_test == 3, model.predict(X_test))
    print(
        f"{name}: {model.n_iter_} epochs, loss_reduction_ "
        f"{model.loss_reduction_:.3f}, balanced accuracy {accuracy:.3f}"
    )

# %%
# Early stopping with its defaults: 10 % of the rows held out, their loss
# monitored with a patience of 10 epochs, the best epoch's weights kept.
early = SigmoidMSEClassifier(early_stopping=True, random_state=0).fit(X_train, y_train)
print(f"stopped after {early.n_iter_} epochs")
print(f"held-out accuracy: {early.score(X_test, y_test):.3f}")
# The display draws the held-out loss that the rule watches beside the training
# loss; ``label=""`` names each curve by what it is alone.
fig, ax = plt.subplots(figsize=(7, 4))
LossCurveDisplay.from_estimator(early, ax=ax, label="")
ax.set_title("Early stopping on the held-out loss")
