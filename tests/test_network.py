"""The network's mathematics: gradients, sigmoid, initial draws, block independence."""

from itertools import pairwise

import numpy as np
import pytest
from sklearn import config_context

from sklearn_sigmoid_mlp import SigmoidMSEClassifier
from sklearn_sigmoid_mlp._network import FullBatch, init_weights, sigmoid


def tiny_problem(hidden, n_outputs=3, seed=0):
    rng = np.random.RandomState(seed)
    X = rng.normal(size=(9, 4))
    # Targets are stored rows × units, like the activations.
    Y = np.eye(n_outputs)[rng.randint(n_outputs, size=9)]
    sizes = [4, *hidden, n_outputs]
    weights, biases = init_weights(sizes, rng)
    # Larger weights than the default draws, so that no layer is near-linear.
    weights = [3 * w for w in weights]
    return X, Y, weights, biases


def loss(X, Y, weights, biases):
    return 0.5 / X.shape[0] * FullBatch(X, Y, weights, biases).evaluate(False)


@pytest.mark.parametrize("hidden", [(5,), (5, 4), (3, 6, 4)])
def test_gradient_matches_finite_differences(hidden):
    X, Y, weights, biases = tiny_problem(hidden)
    batch = FullBatch(X, Y, weights, biases)
    batch.evaluate()
    analytic = [g / X.shape[0] for g in batch.grads + batch.bias_grads]
    params = weights + biases
    eps = 1e-6
    for param, grad in zip(params, analytic):
        numeric = np.zeros_like(param)
        for index in np.ndindex(param.shape):
            saved = param[index]
            param[index] = saved + eps
            up = loss(X, Y, weights, biases)
            param[index] = saved - eps
            down = loss(X, Y, weights, biases)
            param[index] = saved
            numeric[index] = (up - down) / (2 * eps)
        np.testing.assert_allclose(grad, numeric, rtol=1e-6, atol=1e-9)


@pytest.mark.parametrize("block_size", [1, 2, 4, 9])
def test_gradient_sums_do_not_depend_on_block_size(block_size):
    X, Y, weights, biases = tiny_problem((5, 4))
    whole = FullBatch(X, Y, weights, biases, block_size=X.shape[0])
    blocks = FullBatch(X, Y, weights, biases, block_size=block_size)
    np.testing.assert_allclose(blocks.evaluate(), whole.evaluate(), rtol=1e-14)
    for a, b in zip(blocks.grads + blocks.bias_grads, whole.grads + whole.bias_grads):
        np.testing.assert_allclose(a, b, rtol=1e-13, atol=1e-15)


def test_training_trajectory_does_not_depend_on_working_memory(digits):
    X, y = digits
    X = (X[:600] - 8) / 8
    y = y[:600]
    params = dict(random_state=0, max_iter=60, tol=0)
    with pytest.warns(Warning, match="max_iter"):
        whole = SigmoidMSEClassifier(**params).fit(X, y)
    # 10 KiB of working memory forces blocks of a few dozen rows.
    with config_context(working_memory=0.01), pytest.warns(Warning, match="max_iter"):
        blocked = SigmoidMSEClassifier(**params).fit(X, y)
    np.testing.assert_allclose(blocked.loss_curve_, whole.loss_curve_, rtol=1e-12)
    for a, b in zip(blocked.coefs_, whole.coefs_):
        np.testing.assert_allclose(a, b, rtol=0, atol=1e-12)


def test_init_weights_are_the_notebooks_draws():
    weights, biases = init_weights([64, 15, 10], np.random.RandomState(3))
    np.random.seed(3)
    w_hid = np.random.rand(15, 65) - 0.5
    w_out = np.random.rand(10, 16) - 0.5
    for weight, bias, w in zip(weights, biases, [w_hid, w_out]):
        np.testing.assert_array_equal(weight, w[:, 1:].T)
        np.testing.assert_array_equal(bias, w[:, 0])


def test_sigmoid_in_place_leaves_float32():
    z = np.linspace(-5, 5, 11, dtype=np.float32)
    expected = 1 / (1 + np.exp(-z.astype(np.float64)))
    out = sigmoid(z, in_place=True)
    assert out is z and z.dtype == np.float32
    np.testing.assert_allclose(z, expected, rtol=1e-6)


def _large_batch_inputs(targets_kind, seed=0):
    rng = np.random.RandomState(seed)
    X = rng.normal(size=(700, 30))
    codes = rng.randint(4, size=700)
    targets = codes if targets_kind == "codes" else np.eye(4)[codes]
    weights, biases = init_weights([30, 12, 4], rng)
    return X, targets, weights, biases


def test_kept_outputs_are_the_predicted_ones():
    from sklearn_sigmoid_mlp._network import predict_outputs

    X, targets, weights, biases = _large_batch_inputs("codes")
    options = dict(trainable=False, keep_outputs=True, block_size=64)
    batch = FullBatch(X, targets, weights, biases, **options)
    batch.evaluate(need_grad=False)
    np.testing.assert_allclose(
        batch.outputs, predict_outputs(X, weights, biases), rtol=1e-13
    )


def test_input_reach_is_the_largest_absolute_column_sum():
    from sklearn_sigmoid_mlp._network import input_reach

    rng = np.random.RandomState(0)
    weight = rng.normal(size=(70_000, 37))  # several chunks of inputs
    assert input_reach(weight) == pytest.approx(np.abs(weight).sum(axis=0).max())


@pytest.mark.parametrize("targets_kind", ["codes", "indicators"])
def test_a_batch_over_row_blocks_sums_what_the_whole_array_sums(targets_kind):
    # Blocks of whole row blocks (and an empty one): the same blocks, in the same
    # order, as the one array walked 100 rows at a time.
    X, targets, weights, biases = _large_batch_inputs(targets_kind)
    w = np.random.RandomState(1).rand(700)
    cuts = [0, 300, 300, 700]
    parts = [slice(a, b) for a, b in pairwise(cuts)]

    whole = FullBatch(X, targets, weights, biases, w, block_size=100)
    blocks = FullBatch(
        [X[p] for p in parts],
        [targets[p] for p in parts],
        weights,
        biases,
        [w[p] for p in parts],
        block_size=100,
    )
    assert blocks.total_weight == pytest.approx(whole.total_weight, rel=1e-15)
    assert blocks.evaluate() == whole.evaluate()
    assert np.array_equal(blocks.param_grads[0], whole.param_grads[0])
    assert blocks.prior_loss() == whole.prior_loss()


def test_a_batch_without_rows_sums_to_zero():
    X, targets, weights, biases = _large_batch_inputs("codes")
    batch = FullBatch(X[:0], targets[:0], weights, biases)
    batch.param_grads[0][...] = np.nan  # what np.empty may hold
    assert batch.evaluate() == 0.0
    assert not np.any(batch.param_grads[0])


@pytest.mark.parametrize("n_outputs", [1, 4])
@pytest.mark.parametrize("sparse", [False, True])
def test_predicted_counts_are_the_classes_predict_gives_every_row(n_outputs, sparse):
    import scipy.sparse as sp

    from sklearn_sigmoid_mlp._network import predict_outputs
    from sklearn_sigmoid_mlp._targets import decode

    X, _, _, _ = _large_batch_inputs("codes")
    weights, biases = init_weights([30, 12, n_outputs], np.random.RandomState(3))
    weights = [5 * w for w in weights]  # outputs far apart: several classes
    n_classes = max(n_outputs, 2)
    codes = np.random.RandomState(4).randint(n_classes, size=700)
    X_in = sp.csr_matrix(X) if sparse else X
    batch = FullBatch(X_in, codes, weights, biases, block_size=64)
    outputs = predict_outputs(X, weights, biases)
    predicted = decode(outputs, np.arange(n_classes), multilabel=False)
    expected = np.bincount(predicted, minlength=n_classes)
    assert np.count_nonzero(expected) > 1
    assert batch.predicted_counts().tolist() == expected.tolist()
