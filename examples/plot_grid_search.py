"""
Tuning with GridSearchCV
========================

A grid over the step size and the width of the hidden layer, cross-validated on
stratified folds (the estimator is a classifier), shown as a heat map, and the best
pipeline scored on a held-out test set.
"""

# %%
import warnings

import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import load_digits
from sklearn.model_selection import GridSearchCV, train_test_split
from sklearn.pipeline import make_pipeline

from sklearn_sigmoid_mlp import FixedScaler, PoorFitWarning, SigmoidMSEClassifier

X, y = load_digits(return_X_y=True)
X_train, X_test, y_train, y_test = train_test_split(
    X, y, stratify=y, test_size=0.25, random_state=0
)
rates, widths = [0.7, 2.0, 4.0], [(8,), (15,), (30,)]
pipe = make_pipeline(FixedScaler(), SigmoidMSEClassifier(tol=1e-3, random_state=0))
search = GridSearchCV(
    pipe,
    {
        "sigmoidmseclassifier__learning_rate": rates,
        "sigmoidmseclassifier__hidden_layer_sizes": widths,
    },
    cv=3,
)
# Fits stuck on the early plateau warn; count them instead of printing each.
with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always", PoorFitWarning)
    search.fit(X_train, y_train)
stuck = sum(w.category is PoorFitWarning for w in caught)
print(f"{stuck} of {len(search.cv_results_['params']) * 3 + 1} fits warned")
print("best parameters:", search.best_params_)
print(f"held-out test accuracy: {search.score(X_test, y_test):.3f}")

# %%
# Mean cross-validated accuracy for every pair. With ``tol=1e-3`` the smallest step
# stops on the early plateau (see "Early stopping and the plateau warning").
scores = np.array(search.cv_results_["mean_test_score"]).reshape(
    len(rates), len(widths)
)
fig, ax = plt.subplots(figsize=(5.5, 4.5))
image = ax.imshow(scores, cmap="viridis", vmin=0, vmax=1)
ax.set_xticks(range(len(widths)), [str(w[0]) for w in widths])
ax.set_yticks(range(len(rates)), [str(r) for r in rates])
ax.set(xlabel="hidden units", ylabel="learning_rate", title="CV accuracy")
for (i, j), value in np.ndenumerate(scores):
    ax.text(j, i, f"{value:.2f}", ha="center", va="center", color="w")
fig.colorbar(image)
