"""
Tuning with GridSearchCV
========================

A grid over the step size and the width of the hidden layer, cross-validated on
stratified folds (the estimator is a classifier), shown as a heat map, and the best
pipeline scored on a held-out test set.
"""

# %%
import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import load_digits
from sklearn.model_selection import GridSearchCV, train_test_split
from sklearn.pipeline import make_pipeline

from sklearn_sigmoid_mlp import FixedScaler, SigmoidMSEClassifier

X, y = load_digits(return_X_y=True)
X_train, X_test, y_train, y_test = train_test_split(
    X, y, stratify=y, test_size=0.25, random_state=0
)
rates, widths = [0.7, 2.0, 4.0], [(8,), (15,), (30,)]
# The notebook's scaling and stopping rule (tol=1e-4): every pair trains past the
# early plateau, so no fit warns (a larger tol such as 1e-3 stops some of them there
# with a PoorFitWarning, see "Early stopping and the plateau warning").
pipe = make_pipeline(FixedScaler(), SigmoidMSEClassifier(random_state=0))
search = GridSearchCV(
    pipe,
    {
        "sigmoidmseclassifier__learning_rate": rates,
        "sigmoidmseclassifier__hidden_layer_sizes": widths,
    },
    cv=3,
)
search.fit(X_train, y_train)
print("best parameters:", search.best_params_)
print(f"best mean CV accuracy: {search.best_score_:.3f}")
print(f"held-out accuracy: {search.score(X_test, y_test):.3f}")

# %%
# Mean cross-validated accuracy for every pair: with the same ``tol``, a larger step
# or a wider layer trains further before an epoch improves the loss by less than it.
scores = np.empty((len(rates), len(widths)))
for params, score in zip(
    search.cv_results_["params"], search.cv_results_["mean_test_score"]
):
    i = rates.index(params["sigmoidmseclassifier__learning_rate"])
    j = widths.index(params["sigmoidmseclassifier__hidden_layer_sizes"])
    scores[i, j] = score
fig, ax = plt.subplots(figsize=(5.5, 4.5))
image = ax.imshow(scores, cmap="viridis", vmin=0.8, vmax=1)
ax.set_xticks(range(len(widths)), [str(w[0]) for w in widths])
ax.set_yticks(range(len(rates)), [str(r) for r in rates])
ax.set(xlabel="hidden units", ylabel="learning_rate", title="CV accuracy")
for (i, j), value in np.ndenumerate(scores):
    ax.text(j, i, f"{value:.2f}", ha="center", va="center", color="w")
fig.colorbar(image)
