"""Tune the network with GridSearchCV, scored on a held-out test set.

Run: ``python examples/tune_with_gridsearch.py``.
"""

# %%
from sklearn.datasets import load_digits
from sklearn.model_selection import GridSearchCV, train_test_split
from sklearn.pipeline import make_pipeline

from sklearn_sigmoid_mlp import FixedScaler, SigmoidMSEClassifier

X, y = load_digits(return_X_y=True)
X_train, X_test, y_train, y_test = train_test_split(
    X, y, stratify=y, test_size=0.25, random_state=0
)

# %%
# A small grid: width of the hidden layer and the step size. The estimator is a
# classifier, so GridSearchCV's folds are stratified.
pipe = make_pipeline(FixedScaler(), SigmoidMSEClassifier(max_iter=600, random_state=0))
grid = {
    "sigmoidmseclassifier__hidden_layer_sizes": [(15,), (30,)],
    "sigmoidmseclassifier__learning_rate": [0.7, 2.0],
}
search = GridSearchCV(pipe, grid, cv=3, n_jobs=2).fit(X_train, y_train)

# %%
print("best parameters:", search.best_params_)
print(f"cross-validated accuracy: {search.best_score_:.3f}")
print(f"held-out test accuracy:   {search.score(X_test, y_test):.3f}")
