"""Save a fitted pipeline with skops and load it back safely.

Run: ``python examples/save_with_skops.py`` (needs the ``skops`` extra; writes
``digits.skops`` in the current directory).
"""

# %%
import numpy as np
import skops.io as sio
from sklearn.datasets import load_digits
from sklearn.pipeline import make_pipeline

from sklearn_sigmoid_mlp import FixedScaler, SigmoidMSEClassifier

X, y = load_digits(return_X_y=True)
model = make_pipeline(FixedScaler(), SigmoidMSEClassifier(random_state=0)).fit(X, y)
sio.dump(model, "digits.skops")

# %%
# skops refuses to load types it does not trust. Inspect them first: only this
# package's two estimators appear (their fitted state is plain arrays and numbers).
untrusted = sio.get_untrusted_types(file="digits.skops")
print("types to trust:", untrusted)
loaded = sio.load("digits.skops", trusted=untrusted)

# %%
assert np.array_equal(loaded.predict_proba(X), model.predict_proba(X))
print("reloaded model predicts identically:", loaded.score(X, y))
