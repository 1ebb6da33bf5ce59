"""The estimator reproduces the notebook's training run (benchmarks/notebook_port.py).

Tolerance: the loss curve agrees to 1e-12 relative and the weights to 1e-11 absolute;
the only differences are the order of float additions inside matrix products.
"""

import numpy as np
import pytest

from sklearn_sigmoid_mlp import FixedScaler, SigmoidMSEClassifier


def notebook_matrices(clf):
    """The estimator's weights in the notebook's layout ``[bias | W]``."""
    return [np.hstack([b[:, None], c.T]) for c, b in zip(clf.coefs_, clf.intercepts_)]


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_reproduces_notebook_run(seed, digits, notebook):
    X, y = digits
    reference = notebook.run_notebook(X, y, seed)
    clf = SigmoidMSEClassifier(random_state=seed).fit(FixedScaler().transform(X), y)

    assert clf.n_iter_ == reference["stop_epoch"] + 1
    np.testing.assert_allclose(clf.initial_loss_, reference["loss"][0], rtol=1e-13)
    np.testing.assert_allclose(clf.loss_curve_, reference["loss"][1:], rtol=1e-12)
    w_hid, w_out = notebook_matrices(clf)
    np.testing.assert_allclose(w_hid, reference["w_hid"], rtol=0, atol=1e-11)
    np.testing.assert_allclose(w_out, reference["w_out"], rtol=0, atol=1e-11)
    np.testing.assert_array_equal(
        clf.predict(FixedScaler().transform(X)), np.argmax(reference["f_out"], axis=1)
    )


def test_initial_loss_is_that_of_the_notebooks_draws(digits):
    X, y = digits
    clf = SigmoidMSEClassifier(random_state=7, max_iter=1, tol=0)
    with pytest.warns(Warning):
        clf.fit(FixedScaler().transform(X), y)
    np.random.seed(7)
    w_hid = np.random.rand(15, 65) - 0.5
    w_out = np.random.rand(10, 16) - 0.5
    # initial_loss_ is the loss of the notebook's draws for the same seed.
    Xb = np.insert(FixedScaler().transform(X), 0, 1, axis=1)
    f_hid = 1 / (1 + np.exp(-Xb @ w_hid.T))
    f_out = 1 / (1 + np.exp(-np.insert(f_hid, 0, 1, axis=1) @ w_out.T))
    Y = np.eye(10)[y]
    expected = 0.5 / len(y) * np.sum((f_out - Y) ** 2)
    np.testing.assert_allclose(clf.initial_loss_, expected, rtol=1e-13)
