"""
Class weights for one digit against the rest
============================================

One digit against the other nine is a two-class problem where 90 % of the rows are
"rest". On the squared error, predicting "rest" for every row is a good start, and
the notebook's stopping rule takes the plateau there for convergence: the fit stops
after a few dozen epochs, and ``fit`` warns with a ``PoorFitWarning`` that names
``class_weight='balanced'``. Weighting each class by the inverse of its frequency
(scikit-learn's ``compute_sample_weight`` meaning) makes both classes count equally
in the loss, and the same network learns the digit.
"""

# %%
# The plain fit: it stops on the plateau of predicting "rest". Its warning is
# caught here to show it.
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

DIGIT = 3
X, y = load_digits(return_X_y=True)
X = FixedScaler().transform(X)
X_train, X_test, y_train, y_test = train_test_split(
    X, y, test_size=0.25, stratify=y, random_state=0
)
with warnings.catch_warnings(record=True) as caught:  # caught to show it here
    warnings.simplefilter("always")
    plain = SigmoidMSEClassifier(random_state=0).fit(X_train, y_train == DIGIT)
print(caught[0].category.__name__, ":", caught[0].message)
assert caught[0].category is PoorFitWarning

# %%
# The remedy the warning names: ``class_weight="balanced"``, here
# ``n_samples / (2 · count(class))``, about 5 for the digit and 0.56 for the rest.
balanced = SigmoidMSEClassifier(class_weight="balanced", random_state=0)
balanced.fit(X_train, y_train == DIGIT)  # no warning

scores = {}
for name, model in [("plain", plain), ("balanced", balanced)]:
    scores[name] = balanced_accuracy_score(y_test == DIGIT, model.predict(X_test))
    print(
        f"{name}: {model.n_iter_} epochs, loss_reduction_ "
        f"{model.loss_reduction_:.3f}, held-out balanced accuracy {scores[name]:.3f}"
    )

# %%
# The loss curves, each fit on its own axes: the two losses are not on the same
# scale (the balanced one weighs each row of the digit about nine times more than a
# row of the rest). The plain fit's loss falls within a few epochs to that of
# predicting "rest" and flattens there, until an epoch improves it by less than
# ``tol``. The balanced loss has no such shelf: it keeps falling by more than
# ``tol`` per epoch for about two hundred epochs.
fig, axes = plt.subplots(1, 2, figsize=(10, 4))
LossCurveDisplay.from_estimator(plain, ax=axes[0], label="plain")
LossCurveDisplay.from_estimator(balanced, ax=axes[1], label='class_weight="balanced"')
axes[0].set_title(f"{DIGIT} against the rest: plain fit")
axes[1].set_title(f"{DIGIT} against the rest: balanced classes")
fig.tight_layout()

# %%
# Balanced accuracy (the mean of the recall of each class) is the score to read
# here: the plain fit's accuracy is about 0.9, for predicting "rest" everywhere.
print(f"held-out balanced accuracy, balanced classes: {scores['balanced']:.3f}")
