"""
Beside MLPClassifier
====================

scikit-learn's ``MLPClassifier`` with the same architecture and the same full-batch
gradient descent (``solver="sgd"``, ``batch_size`` the whole set, no momentum, no
penalty) minimises the log-loss, not the squared error. Both are trained on the same
split and stopped by the notebook's rule, an epoch that improves the loss by less
than ``tol=1e-4`` (``MLPClassifier``'s closest setting, ``n_iter_no_change=1``, waits
for two such epochs); we compare held-out accuracy, time and loss.
"""

# %%
import time

import matplotlib.pyplot as plt
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split
from sklearn.neural_network import MLPClassifier

from sklearn_sigmoid_mlp import FixedScaler, SigmoidMSEClassifier

X, y = load_digits(return_X_y=True)
X = FixedScaler().transform(X)
X_train, X_test, y_train, y_test = train_test_split(
    X, y, test_size=0.25, stratify=y, random_state=0
)
ours = SigmoidMSEClassifier(random_state=0)  # the notebook's defaults
theirs = MLPClassifier(
    hidden_layer_sizes=(15,),
    activation="logistic",
    solver="sgd",
    batch_size=len(y_train),
    learning_rate_init=0.7,
    momentum=0,
    alpha=0,
    shuffle=False,
    max_iter=5000,
    tol=1e-4,
    n_iter_no_change=1,
    random_state=0,
)

# %%
# Each stops on its own loss long before ``max_iter``, so neither warns.
held_out = []
for name, model in [("SigmoidMSEClassifier", ours), ("MLPClassifier", theirs)]:
    start = time.perf_counter()
    model.fit(X_train, y_train)
    seconds = time.perf_counter() - start
    held_out.append(f"{name} {model.score(X_test, y_test):.3f}")
    print(
        f"{name}: {model.n_iter_} epochs, fit {seconds:.2f} s "
        f"({1e3 * seconds / model.n_iter_:.2f} ms/epoch)"
    )
print("held-out accuracy:", ", ".join(held_out))

# %%
# The two losses are different functions (squared error against log-loss), so each
# curve is drawn on its own axis.
fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4))
left.plot(ours.loss_curve_)
left.set(title="SigmoidMSEClassifier: squared error", xlabel="epoch", ylabel="loss")
right.plot(theirs.loss_curve_, color="C1")
right.set(title="MLPClassifier: log-loss", xlabel="epoch", ylabel="loss")
fig.tight_layout()
