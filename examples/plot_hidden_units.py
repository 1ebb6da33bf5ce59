"""
What the 15 hidden units learned
================================

Each hidden unit weighs the 64 pixels of a digit; drawn as an 8×8 image, its weights
show the stroke pattern it responds to (red: positive weight, blue: negative).
"""

# %%
import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline

from sklearn_sigmoid_mlp import FixedScaler, SigmoidMSEClassifier

X, y = load_digits(return_X_y=True)
X_train, X_test, y_train, y_test = train_test_split(
    X, y, test_size=0.25, stratify=y, random_state=0
)
model = make_pipeline(FixedScaler(), SigmoidMSEClassifier(random_state=0))
model.fit(X_train, y_train)
weights = model[-1].coefs_[0]  # (64 pixels, 15 hidden units)
print(f"{weights.shape[1]} hidden units, {weights.shape[0]} input weights each")
print(f"held-out accuracy: {model.score(X_test, y_test):.3f}")

# %%
# One image per hidden unit, on a colour scale symmetric around 0.
limit = np.abs(weights).max()
fig, axes = plt.subplots(3, 5, figsize=(10, 6.5))
for unit, ax in enumerate(axes.ravel()):
    ax.imshow(weights[:, unit].reshape(8, 8), cmap="RdBu_r", vmin=-limit, vmax=limit)
    ax.set_title(f"unit {unit}")
    ax.set_xticks([])
    ax.set_yticks([])
fig.suptitle("Input weights of the 15 hidden units")
fig.tight_layout()
