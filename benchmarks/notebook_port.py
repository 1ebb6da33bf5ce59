"""The notebook's training loop, ported to Python 3 and otherwise unchanged.

The reference that ``SigmoidMSEClassifier`` is tested against (tests/test_notebook.py)
and timed against (bench_epoch.py). Only the plotting, the ``print`` statements and
the global state were changed: data, seed and sizes are arguments,
``np.random.seed(seed)`` replaces the notebook's unseeded global generator, and the
cells' steps are named functions (their statements as in the notebook, in its order).
"""

import numpy as np


def sigmoid(w, X):
    a = 1.0 / (1.0 + np.exp(-w.dot(X.transpose())))
    return a.transpose()


def loss_func(Y, y_pred, sample_size):
    """The notebook's loss: half the squared error, averaged over the samples."""
    return (0.5 / sample_size) * np.sum((Y - y_pred) ** 2)


def one_hot(target, sample_size, target_size):
    """The notebook's targets ``Y``: one row of 0s with a 1 per sample."""
    Y = np.zeros((sample_size, target_size))
    for j in range(0, sample_size):
        Y[j][target[j]] = 1
    return Y


def inputs_with_bias(X_raw, sample_size, feature_size, scale):
    """``Xb``: the (scaled) pixels after a bias input of 1."""
    X = X_raw.reshape(sample_size, feature_size)
    if scale:
        X = (X - 8) / 8  # normalized
    Xb = np.insert(X, 0, 1, axis=1)  # add bias input, always activated
    return Xb


def initial_weights(seed, hidden_size, feature_size, target_size):
    """``w_hid`` and ``w_out`` drawn after ``np.random.seed(seed)``."""
    np.random.seed(seed)
    w_hid = np.random.rand(hidden_size, feature_size + 1) - 0.5
    w_out = np.random.rand(target_size, hidden_size + 1) - 0.5
    return w_hid, w_out


def forward(w_hid, w_out, Xb):
    """The hidden and output layers' activations ``f_hid`` and ``f_out``."""
    f_hid = sigmoid(w_hid, Xb)
    f_hid_b = np.insert(f_hid, 0, 1, axis=1)
    f_out = sigmoid(w_out, f_hid_b)
    return f_hid, f_out


def update_weights(
    w_hid, w_out, f_hid, f_out, Y, Xb, learning_rate, learning_rate_bias
):
    """One epoch's gradient step on ``w_out`` and ``w_hid``, in place."""
    # update the weights of output layer
    delta_out = (f_out - Y) * (f_out) * (1 - f_out)
    wgrad_out = np.einsum("ki,kj->ij", delta_out, f_hid)
    w_out_bef = w_out.copy()
    w_out[:, 1:] = w_out[:, 1:] - learning_rate * (wgrad_out)
    w_out[:, 0] = w_out[:, 0] - learning_rate_bias * np.sum(delta_out, axis=0) * 1.0

    # update the weights of hidden layer
    delta_hid = delta_out.dot(w_out_bef[:, 1:]) * (f_hid) * (1 - f_hid)
    wgrad_hid = np.einsum("ki,kj->ij", delta_hid, Xb[:, 1:])
    w_hid[:, 1:] = w_hid[:, 1:] - learning_rate * wgrad_hid
    w_hid[:, 0] = w_hid[:, 0] - learning_rate_bias * np.sum(delta_hid, axis=0) * 1.0


def run_notebook(
    X_raw,
    target,
    seed,
    hidden_size=15,
    max_epoch=5000,
    min_loss_criterion=10**-4,
    learning_rate=0.7,
    scale=True,
    stop=True,
):
    """Run the notebook's cells 598-602 on ``X_raw`` (pixels 0..16) and ``target``.

    Returns ``dict(w_hid, w_out, loss, stop_epoch, f_out)``; ``loss[0]`` is the start
    loss and ``stop_epoch`` the notebook's 0-based ``i`` at which it stopped (None
    when it ran all ``max_epoch`` epochs). ``scale=False`` skips ``(X - 8) / 8``;
    ``stop=False`` disables the stopping criterion (for timing fixed epoch counts).
    """
    sample_size = X_raw.shape[0]
    feature_size = X_raw.shape[1]
    target_size = 10 if target.max() < 10 else int(target.max()) + 1

    Y = one_hot(target, sample_size, target_size)
    Xb = inputs_with_bias(X_raw, sample_size, feature_size, scale)
    w_hid, w_out = initial_weights(seed, hidden_size, feature_size, target_size)

    f_hid, f_out = forward(w_hid, w_out, Xb)
    curr_loss = loss_func(Y, f_out, sample_size)
    loss = [curr_loss]

    learning_rate_bias = learning_rate / sample_size
    learning_rate = learning_rate / sample_size
    stop_epoch = None

    for i in range(0, max_epoch):
        update_weights(
            w_hid, w_out, f_hid, f_out, Y, Xb, learning_rate, learning_rate_bias
        )

        # re-calculate loss
        f_hid, f_out = forward(w_hid, w_out, Xb)
        curr_loss = loss_func(Y, f_out, sample_size)
        loss.append(curr_loss)

        # stopping criterion
        if stop and (i > 10) and ((loss[-2] - curr_loss) < min_loss_criterion):
            stop_epoch = i
            break

    return {
        "w_hid": w_hid,
        "w_out": w_out,
        "loss": loss,
        "stop_epoch": stop_epoch,
        "f_out": f_out,
    }


if __name__ == "__main__":
    from sklearn.datasets import load_digits

    digits = load_digits(n_class=10)
    run = run_notebook(digits.images.reshape(len(digits.images), -1), digits.target, 0)
    print(f"start_loss = {run['loss'][0] * 2}")
    print(f"stop at {run['stop_epoch']}")
    print(f"end_loss = {run['loss'][-1]}")
    accuracy = np.mean(np.argmax(run["f_out"], axis=1) == digits.target) * 100
    print(f"Accuracy = {accuracy:.2f}%")
