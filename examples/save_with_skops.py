"""
Saving with skops, loading safely
=================================

A fitted model's state is plain NumPy arrays, lists and numbers, so skops can save
it and load it back without unpickling code. Load it trusting the list of types
this package provides -- never a list read from the file. Needs the ``skops`` extra.
"""

# %%
import tempfile
from pathlib import Path

import numpy as np
import skops.io as sio
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline

from sklearn_sigmoid_mlp import FixedScaler, SigmoidMSEClassifier, skops_trusted_types

X, y = load_digits(return_X_y=True)
X_train, X_test, y_train, y_test = train_test_split(
    X, y, test_size=0.25, stratify=y, random_state=0
)
model = make_pipeline(FixedScaler(), SigmoidMSEClassifier(random_state=0))
model.fit(X_train, y_train)
path = Path(tempfile.mkdtemp()) / "digits.skops"
sio.dump(model, path)

# %%
# Load trusting exactly this package's estimators, a list the package provides:
# never a list read from the file itself, which a tampered file could extend
# (e.g. with functools.partial(open, ...)) to run code at load or predict time.
print("the file names:", sio.get_untrusted_types(file=path))
loaded = sio.load(path, trusted=skops_trusted_types())

# %%
assert np.array_equal(loaded.predict_proba(X_test), model.predict_proba(X_test))
print("the reloaded model predicts identically")
print(f"held-out accuracy of the reloaded model: {loaded.score(X_test, y_test):.3f}")
