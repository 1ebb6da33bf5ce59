"""
Beside MLPClassifier
====================

scikit-learn's ``MLPClassifier`` with the same architecture and the same full-batch
gradient descent (``solver="sgd"``, ``batch_size`` the whole set, no momentum, no
penalty) minimises the log-loss, not the squared error. Both are trained on the same
split for the notebook's 1017 epochs; we compare held-out accuracy, time and loss.
"""

# %%
import time
import warnings

import matplotlib.pyplot as plt
from sklearn.datasets import load_digits
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import train_test_split
from sklearn.neural_network import MLPClassifier

from sklearn_sigmoid_mlp import FixedScaler, SigmoidMSEClassifier

X, y = load_digits(return_X_y=True)
X = FixedScaler().transform(X)
X_train, X_test, y_train, y_test = train_test_split(
    X, y, test_size=0.25, stratify=y, random_state=0
)
ours = SigmoidMSEClassifier(max_iter=1017, tol=0, random_state=0)
theirs = MLPClassifier(
    hidden_layer_sizes=(15,),
    activation="logistic",
    solver="sgd",
    batch_size=len(y_train),
    learning_rate_init=0.7,
    momentum=0,
    alpha=0,
    shuffle=False,
    max_iter=1017,
    tol=0,
    n_iter_no_change=10**9,
    random_state=0,
)

# %%
results = {}
for name, model in [("SigmoidMSEClassifier", ours), ("MLPClassifier", theirs)]:
    start = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)  # 1017 epochs on purpose
        model.fit(X_train, y_train)
    seconds = time.perf_counter() - start
    results[name] = (model.score(X_test, y_test), seconds)
    print(f"{name:22s} held-out accuracy {results[name][0]:.3f}, fit {seconds:.2f} s")

# %%
# The two losses are different functions (squared error against log-loss), so each
# curve is drawn on its own axis.
fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4))
left.plot(ours.loss_curve_)
left.set(title="SigmoidMSEClassifier: squared error", xlabel="epoch", ylabel="loss")
right.plot(theirs.loss_curve_, color="C1")
right.set(title="MLPClassifier: log-loss", xlabel="epoch", ylabel="loss")
fig.tight_layout()
