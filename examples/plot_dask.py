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

from sklearn_sigmoid_mlp import FixedScaler, SigmoidMSEClassifier
from sklearn_sigmoid_mlp.dask import DaskSigmoidMSEClassifier

X, y = load_digits(return_X_y=True)
X = FixedScaler().transform(X)

cluster = LocalCluster(n_workers=2, threads_per_worker=1, processes=False)
client = Client(cluster)
X_dask = da.from_array(X, chunks=(300, 64))  # 6 row blocks
y_dask = da.from_array(y, chunks=300)
# A larger step and tolerance than the notebook's keep this example short.
params = dict(learning_rate=4.0, tol=1e-3, random_state=0)
on_dask = DaskSigmoidMSEClassifier(**params).fit(X_dask, y_dask)
in_memory = SigmoidMSEClassifier(**params).fit(X, y)

# %%
# The same trajectory as in memory, to float rounding; predictions on Dask input
# are lazy Dask arrays, computed block by block.
largest = max(
    np.max(np.abs(a - b) / np.abs(b)) for a, b in zip(on_dask.coefs_, in_memory.coefs_)
)
print(f"epochs: {on_dask.n_iter_} on Dask, {in_memory.n_iter_} in memory")
print(f"largest relative difference of a weight: {largest:.1e}")
labels = on_dask.predict(X_dask)
print(type(labels).__name__, "accuracy:", (labels.compute() == y).mean())
client.close()
cluster.close()

# %%
fig, ax = plt.subplots(figsize=(6, 3.5))
ax.plot(in_memory.loss_curve_, label="in memory", linewidth=4, alpha=0.4)
ax.plot(on_dask.loss_curve_, "--", label="Dask, 6 blocks")
ax.set(xlabel="epoch", ylabel="loss", title="Same loss curve")
ax.legend()
