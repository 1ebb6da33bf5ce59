"""The training loop: the notebook's stopping rule and the update rule."""

from itertools import pairwise

import numpy as np
import pytest
from sklearn.exceptions import ConvergenceWarning

from sklearn_sigmoid_mlp import SigmoidMSEClassifier
from sklearn_sigmoid_mlp._training import (
    _check_finite,
    gradient_step,
    is_improvement,
    should_stop,
)

# The rule is tested on fits stopped long before the network has learned: their
# PoorFitWarning is right, and tested in test_poor_fit.py.
pytestmark = pytest.mark.filterwarnings("ignore::sklearn_sigmoid_mlp.PoorFitWarning")


@pytest.fixture
def small(digits):
    X, y = digits
    return (X[:300] - 8) / 8, y[:300]


def first_stop(initial_loss, curve, tol):
    """The 1-based epoch at which the stated rule stops, or None."""
    losses = [initial_loss, *curve]
    for t in range(1, len(losses)):
        if t >= 12 and losses[t - 1] - losses[t] < tol:
            return t
    return None


def test_stops_when_improvement_below_tol_but_not_before_epoch_12(small):
    X, y = small
    clf = SigmoidMSEClassifier(tol=1e9, random_state=0).fit(X, y)
    assert clf.n_iter_ == 12
    assert len(clf.loss_curve_) == 12


def test_stopping_epoch_follows_the_stated_rule(small):
    X, y = small
    clf = SigmoidMSEClassifier(tol=1e-3, random_state=0).fit(X, y)
    assert 12 <= clf.n_iter_ < clf.max_iter
    assert first_stop(clf.initial_loss_, clf.loss_curve_, clf.tol) == clf.n_iter_


def test_loss_increase_stops_only_from_epoch_12(small):
    X, y = small
    # A large step makes the loss rise in some of the first epochs.
    clf = SigmoidMSEClassifier(learning_rate=30.0, tol=0.0, random_state=2)
    clf.fit(X, y)
    losses = [clf.initial_loss_, *clf.loss_curve_]
    assert any(b > a for a, b in pairwise(losses[:12])), "no early increase"
    assert clf.n_iter_ >= 12
    assert losses[-1] > losses[-2]
    assert first_stop(clf.initial_loss_, clf.loss_curve_, 0.0) == clf.n_iter_


def test_reaches_max_iter_and_warns(small):
    X, y = small
    clf = SigmoidMSEClassifier(tol=0.0, max_iter=30, random_state=0)
    with pytest.warns(ConvergenceWarning, match=r"max_iter=30") as record:
        clf.fit(X, y)
    assert record[0].filename == __file__  # points at the caller's fit call
    assert clf.n_iter_ == 30
    assert np.all(np.diff([clf.initial_loss_, *clf.loss_curve_]) < 0)


def test_should_stop_rule():
    assert not is_improvement(1.0, 1.0 - 0.5e-4, tol=1e-4)
    assert is_improvement(1.0, 1.0 - 2e-4, tol=1e-4)
    assert not is_improvement(1.0, 1.5, tol=0.0)
    assert is_improvement(1.0, 0.9, tol=0.0)
    assert not should_stop(11, 1)
    assert should_stop(12, 1)
    assert not should_stop(12, 0)
    assert not should_stop(30, 2, n_iter_no_change=3)
    assert should_stop(30, 3, n_iter_no_change=3)


def test_gradient_step_moves_by_step_times_sum():
    param = np.array([1.0, 2.0])
    gradient_step([param], [np.array([10.0, -10.0])], step=0.01)
    np.testing.assert_allclose(param, [0.9, 2.1])


def test_one_epoch_moves_weights_by_learning_rate_times_mean_gradient(small):
    X, y = small
    with pytest.warns(ConvergenceWarning):
        one = SigmoidMSEClassifier(max_iter=1, random_state=0).fit(X, y)
    # Reference: one step written out directly from the notebook's formulas.
    rng = np.random.RandomState(0)
    w_hid = rng.rand(15, 65) - 0.5
    w_out = rng.rand(10, 16) - 0.5
    Xb = np.insert(X, 0, 1, axis=1)
    Y = np.eye(10)[y]
    f_hid = 1 / (1 + np.exp(-Xb @ w_hid.T))
    f_hid_b = np.insert(f_hid, 0, 1, axis=1)
    f_out = 1 / (1 + np.exp(-f_hid_b @ w_out.T))
    d_out = (f_out - Y) * f_out * (1 - f_out)
    d_hid = d_out @ w_out[:, 1:] * f_hid * (1 - f_hid)
    m = len(y)
    new_out = w_out - 0.7 * (d_out.T @ f_hid_b) / m
    new_hid = w_hid - 0.7 * (d_hid.T @ Xb) / m
    np.testing.assert_allclose(one.coefs_[1], new_out[:, 1:].T, atol=1e-14)
    np.testing.assert_allclose(one.intercepts_[1], new_out[:, 0], atol=1e-14)
    np.testing.assert_allclose(one.coefs_[0], new_hid[:, 1:].T, atol=1e-14)
    np.testing.assert_allclose(one.intercepts_[0], new_hid[:, 0], atol=1e-14)


def test_non_finite_loss_is_a_clear_error():
    _check_finite(0.25, 3, learning_rate=0.7)
    for bad in (float("nan"), float("inf")):
        with pytest.raises(ValueError, match=r"epoch 3.*learning_rate.*scale"):
            _check_finite(bad, 3, learning_rate=0.7)
