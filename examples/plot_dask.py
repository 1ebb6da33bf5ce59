"""
Training on a Dask cluster
==========================

The same estimator on Dask arrays: each epoch sends the weights to the workers,
every row block returns its loss and gradient sums, and the client adds them in
block order -- ``X`` never leaves the workers. Here the cluster is local (threads);
point ``Client`` at a scheduler's address for a real one. Needs the ``dask`` extra.
"""

# %%
import dask.array as da
import matplotlib.pyplot as plt
import numpy as np
from distributed import Client, LocalCluster
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split

from sklearn_sigmoid_mlp import FixedScaler, SigmoidMSEClassifier
from sklearn_sigmoid_mlp.dask import DaskSigmoidMSEClassifier

X, y = load_digits(return_X_y=True)
X = FixedScaler().transform(X)
X_train, X_test, y_train, y_test = train_test_split(
    X, y, test_size=0.25, stratify=y, random_state=0
)

# The dashboard on any free port: its default, 8787, is taken wherever another
# cluster (or a notebook's dashboard) already runs.
cluster = LocalCluster(
    n_workers=2, threads_per_worker=1, processes=False, dashboard_address=":0"
)
client = Client(cluster)
X_dask = da.from_array(X_train, chunks=(300, 64))  # 5 row blocks
y_dask = da.from_array(y_train, chunks=300)
# A larger step than the notebook's 0.7 trains as well in fewer epochs (one round
# trip to the workers each).
params = dict(learning_rate=4.0, random_state=0)
on_dask = DaskSigmoidMSEClassifier(**params).fit(X_dask, y_dask)
in_memory = SigmoidMSEClassifier(**params).fit(X_train, y_train)

# %%
# The same trajectory as in memory, to float rounding; predictions on Dask input
# are lazy Dask arrays, computed block by block.
largest = max(
    np.max(np.abs(a - b) / np.abs(b)) for a, b in zip(on_dask.coefs_, in_memory.coefs_)
)
print(f"epochs: {on_dask.n_iter_} on Dask, {in_memory.n_iter_} in memory")
print(f"largest relative difference of a weight: {largest:.1e}")
labels = on_dask.predict(da.from_array(X_test, chunks=(300, 64)))
print("predict returns a", type(labels).__name__)
print(f"held-out accuracy: {(labels.compute() == y_test).mean():.3f}")
client.close()
cluster.close()

# %%
fig, ax = plt.subplots(figsize=(6, 3.5))
ax.plot(in_memory.loss_curve_, label="in memory", linewidth=4, alpha=0.4)
ax.plot(on_dask.loss_curve_, "--", label=f"Dask, {X_dask.numblocks[0]} blocks")
ax.set(xlabel="epoch", ylabel="loss", title="Same loss curve")
ax.legend()
