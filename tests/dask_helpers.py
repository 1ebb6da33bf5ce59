"""What the Dask tests share: how close two fitted models are, and waiting for the
cluster to catch up (it releases futures and tasks asynchronously)."""

import time

import numpy as np


def max_rel(a, b):
    """Largest relative difference between two models' coefficients and biases."""
    return max(
        float(np.max(np.abs(p - q) / np.maximum(np.abs(q), 1e-300)))
        for p, q in zip(a.coefs_ + a.intercepts_, b.coefs_ + b.intercepts_)
    )


def eventually(condition, timeout=5.0):
    """Whether ``condition()`` becomes true within ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True
