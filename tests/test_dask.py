"""Training on Dask arrays: same trajectory as in memory, lazy prediction, searches
on joblib's Dask backend. Clusters listen on loopback only."""

import warnings

import numpy as np
import pytest

da = pytest.importorskip("dask.array")
distributed = pytest.importorskip("distributed")

from dask_helpers import eventually, max_rel  # noqa: E402
from sklearn.datasets import load_digits  # noqa: E402
from sklearn.exceptions import ConvergenceWarning  # noqa: E402
from sklearn.model_selection import GridSearchCV  # noqa: E402

from sklearn_sigmoid_mlp import SigmoidMSEClassifier  # noqa: E402
from sklearn_sigmoid_mlp.dask import DaskSigmoidMSEClassifier  # noqa: E402


@pytest.fixture(scope="module")
def client():
    with (
        distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, processes=False, dashboard_address=":0"
        ) as cluster,
        distributed.Client(cluster) as client,
    ):
        yield client


@pytest.fixture(scope="module")
def digits_scaled():
    X, y = load_digits(return_X_y=True)
    return (X - 8) / 8, y


def test_digits_notebook_run_on_a_cluster_equals_in_memory(client, digits_scaled):
    X, y = digits_scaled
    ref = SigmoidMSEClassifier(random_state=0).fit(X, y)
    X_dask = da.from_array(X, chunks=(250, 64))
    est = DaskSigmoidMSEClassifier(random_state=0).fit(X_dask, da.from_array(y, 400))
    assert est.n_iter_ == ref.n_iter_ == 1017
    assert max_rel(est, ref) < 1e-10
    np.testing.assert_allclose(est.loss_curve_, ref.loss_curve_, rtol=1e-12)
    assert all(isinstance(c, np.ndarray) for c in est.coefs_)
    assert isinstance(est.classes_, np.ndarray)  # every fitted attribute is NumPy


def test_larger_set_over_many_blocks_with_weights(client):
    rng = np.random.RandomState(0)
    X = rng.uniform(-1, 1, size=(20_000, 30))
    y = (X[:, 0] + X[:, 1] ** 2 > 0.3).astype(int) + (X[:, 2] > 0.5)
    w = rng.uniform(0.5, 2.0, size=len(y))
    params = dict(hidden_layer_sizes=(12, 6), max_iter=150, tol=1e-6, random_state=0)
    ref = SigmoidMSEClassifier(**params).fit(X, y, sample_weight=w)
    X_dask = da.from_array(X, chunks=(500, 10))  # 40 row blocks, split columns
    est = DaskSigmoidMSEClassifier(**params).fit(
        X_dask, da.from_array(y, 3000), sample_weight=da.from_array(w, 7000)
    )
    assert est.n_iter_ == ref.n_iter_
    assert max_rel(est, ref) < 1e-10


def test_prediction_is_lazy_and_blockwise(client, digits_scaled):
    X, y = digits_scaled
    est = DaskSigmoidMSEClassifier(max_iter=30, tol=1e9, random_state=0)
    est.fit(da.from_array(X, chunks=(300, 64)), y)
    X_dask = da.from_array(X, chunks=(400, 64))
    proba, labels = est.predict_proba(X_dask), est.predict(X_dask)
    assert isinstance(proba, da.Array) and isinstance(labels, da.Array)
    assert proba.numblocks[0] == X_dask.numblocks[0]
    local = est.to_local()
    assert type(local) is SigmoidMSEClassifier
    # Block by block, as the local model predicts each block (a row's products
    # may round otherwise in a product of another number of rows: BLAS's sums).
    blocks = [X[start : start + 400] for start in range(0, len(X), 400)]
    expected = np.concatenate([local.predict_proba(block) for block in blocks])
    np.testing.assert_array_equal(proba.compute(), expected)
    np.testing.assert_allclose(proba.compute(), local.predict_proba(X), rtol=1e-13)
    np.testing.assert_array_equal(labels.compute(), local.predict(X))
    np.testing.assert_array_equal(est.predict(X), local.predict(X))  # numpy input


def test_local_scheduler_without_a_client(digits_scaled):
    import dask

    X, y = digits_scaled
    with warnings.catch_warnings(), dask.config.set(scheduler="threads"):
        warnings.simplefilter("ignore", ConvergenceWarning)
        ref = SigmoidMSEClassifier(max_iter=25, tol=0, random_state=0).fit(X, y)
        est = DaskSigmoidMSEClassifier(max_iter=25, tol=0, random_state=0)
        est.fit(da.from_array(X, chunks=(600, 64)), y)
    assert max_rel(est, ref) < 1e-10


def test_stopping_warm_start_verbose_and_warning(client, digits_scaled, capsys):
    X, y = digits_scaled
    X_dask = da.from_array(X, chunks=(600, 64))
    est = DaskSigmoidMSEClassifier(max_iter=10, tol=0, warm_start=True, verbose=True)
    with pytest.warns(ConvergenceWarning, match="max_iter=10"):
        est.set_params(random_state=0).fit(X_dask, y)
    est.fit(X_dask, y)
    assert est.n_iter_ == 10 and len(est.loss_curve_) == 20
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("Iteration 1, loss = ") and len(lines) == 20
    once = SigmoidMSEClassifier(max_iter=20, tol=0, random_state=0)
    with pytest.warns(ConvergenceWarning):
        once.fit(X, y)
    assert max_rel(est, once) < 1e-10


def _bad(X, y):
    rng = np.random.RandomState(0)
    nan_X = X.copy()
    nan_X[5, 5] = np.nan
    inf_w = np.ones(len(y))
    inf_w[3] = np.inf
    nan_y = y.astype(float)
    nan_y[7] = np.nan
    return {
        "NaN in X": (nan_X, y, None),
        "complex X": (X + 1j, y, None),
        "continuous y": (X, rng.normal(size=len(y)), None),
        "NaN in y": (X, nan_y, None),
        "infinite weight": (X, y, inf_w),
        "negative weight": (X, y, -np.ones(len(y))),
        "all-zero weights": (X, y, np.zeros(len(y))),
        "one class": (X, np.zeros(len(y), dtype=int), None),
    }


@pytest.mark.parametrize("case", list(_bad(np.zeros((8, 8)), np.arange(8))))
def test_bad_dask_input_gets_the_in_memory_error(client, digits_scaled, case):
    X, y = digits_scaled
    X_bad, y_bad, w_bad = _bad(X[:600], y[:600])[case]
    params = dict(max_iter=15, tol=1e9)
    with pytest.raises(ValueError) as in_memory:
        SigmoidMSEClassifier(**params).fit(X_bad, y_bad, sample_weight=w_bad)
    chunked = [
        da.from_array(a, chunks=200) if a is not None else None
        for a in (X_bad, y_bad, w_bad)
    ]
    with pytest.raises(ValueError) as on_dask:
        DaskSigmoidMSEClassifier(**params).fit(*chunked[:2], sample_weight=chunked[2])
    # The first line: "Complex data not supported" then shows the array (block).
    assert str(on_dask.value).splitlines()[0] == str(in_memory.value).splitlines()[0]


def test_dask_refuses_what_it_cannot_do(client, digits_scaled):
    X, y = digits_scaled
    with pytest.raises(ValueError, match="early_stopping is not supported"):
        DaskSigmoidMSEClassifier(early_stopping=True).fit(da.from_array(X), y)
    with pytest.raises(ValueError, match="inconsistent numbers of samples"):
        DaskSigmoidMSEClassifier().fit(da.from_array(X), y[:10])


def test_grid_search_on_joblib_dask_backend_equals_sequential(client, digits_scaled):
    from joblib import parallel_config

    X, y = digits_scaled
    X, y = X[:600], y[:600]
    grid = {"hidden_layer_sizes": [(8,), (15,)], "learning_rate": [0.7, 1.5]}
    est = SigmoidMSEClassifier(max_iter=60, tol=1e-3, random_state=0)
    sequential = GridSearchCV(est, grid, cv=3).fit(X, y).cv_results_
    with parallel_config(backend="dask"):
        on_dask = GridSearchCV(est, grid, cv=3, n_jobs=-1).fit(X, y).cv_results_
    for key in ("mean_test_score", "split0_test_score", "split2_test_score"):
        np.testing.assert_array_equal(on_dask[key], sequential[key])


@pytest.mark.slow
def test_worker_processes_on_loopback_pickle_everything(digits_scaled):
    X, y = digits_scaled
    with (
        distributed.LocalCluster(
            n_workers=2,
            threads_per_worker=1,
            processes=True,
            host="127.0.0.1",
            dashboard_address=":0",
        ) as cluster,
        distributed.Client(cluster),
    ):
        est = DaskSigmoidMSEClassifier(max_iter=20, tol=0, random_state=0)
        with pytest.warns(ConvergenceWarning):
            est.fit(da.from_array(X, chunks=(450, 64)), y)
        labels = est.predict(da.from_array(X, chunks=(450, 64))).compute()
    ref = SigmoidMSEClassifier(max_iter=20, tol=0, random_state=0)
    with pytest.warns(ConvergenceWarning):
        ref.fit(X, y)
    assert max_rel(est, ref) < 1e-10
    np.testing.assert_array_equal(labels, ref.predict(X))


def test_a_poor_fit_warns_on_dask_as_in_memory(client, digits_scaled):
    from sklearn_sigmoid_mlp import PoorFitWarning

    X, y = digits_scaled
    ref = SigmoidMSEClassifier(random_state=0)
    with pytest.warns(PoorFitWarning):
        ref.fit(X, y == 3)
    est = DaskSigmoidMSEClassifier(random_state=0)
    with pytest.warns(PoorFitWarning, match=r"loss_reduction_ = -0\.0\d\d"):
        est.fit(da.from_array(X, chunks=(600, 64)), da.from_array(y == 3, 600))
    assert est.n_iter_ == ref.n_iter_
    assert est.loss_reduction_ == pytest.approx(ref.loss_reduction_, rel=1e-9)


def _rows_of_unknown_count(X_dask):
    """``X_dask``'s rows with a positive pixel 10: Dask does not know the blocks'
    lengths (NaN chunk sizes) until they are computed."""
    return X_dask[X_dask[:, 10] > 0]


@pytest.mark.parametrize("chunk_sizes", ["known", "unknown"])
def test_multilabel_model_predicts_dask_input_as_in_memory(
    client, digits_scaled, chunk_sizes
):
    X, y = digits_scaled
    Y = np.column_stack([y % 2, y > 4, y == 0]).astype(int)
    # Dask fits take class labels only; the model is fitted in memory.
    est = DaskSigmoidMSEClassifier(learning_rate=4.0, max_iter=60, random_state=0)
    with pytest.warns(ConvergenceWarning):
        est.fit(X, Y)
    X_dask = da.from_array(X, chunks=(500, 32))
    if chunk_sizes == "unknown":
        X_dask, X = _rows_of_unknown_count(X_dask), X[X[:, 10] > 0]
    labels, proba = est.predict(X_dask), est.predict_proba(X_dask)
    assert isinstance(labels, da.Array) and isinstance(proba, da.Array)
    expected = est.predict(X)
    assert 0 < expected.mean() < 1  # not a constant prediction
    np.testing.assert_array_equal(labels.compute(), expected)
    # A row's products are BLAS's sums over its features: for some numbers of
    # rows in a product, OpenBLAS orders them otherwise (seen: 2 of 3603 entries
    # off by 6e-16 with blocks of unknown size, Haswell kernels).
    np.testing.assert_allclose(proba.compute(), est.predict_proba(X), rtol=1e-13)
    assert labels.dtype == expected.dtype


def test_dask_dataframes_are_refused_with_the_remedy(client, digits_scaled):
    dd = pytest.importorskip("dask.dataframe")
    pd = pytest.importorskip("pandas")
    X, y = digits_scaled
    frame = dd.from_pandas(pd.DataFrame(X), npartitions=3)
    labels = dd.from_pandas(pd.Series(y), npartitions=3)
    remedy = r"Dask DataFrames and Series are not supported.*to_dask_array\(lengths"
    with pytest.raises(TypeError, match=remedy):
        DaskSigmoidMSEClassifier().fit(frame, y)
    with pytest.raises(TypeError, match=remedy):
        DaskSigmoidMSEClassifier().fit(da.from_array(X), labels)
    # Without lengths=True the partitions' lengths stay unknown.
    with pytest.raises(ValueError, match=r"X has unknown chunk sizes.*compute_chunk"):
        DaskSigmoidMSEClassifier().fit(frame.to_dask_array(), y)
    est = DaskSigmoidMSEClassifier(max_iter=3, tol=0, random_state=0)
    with pytest.warns(ConvergenceWarning):
        est.fit(frame.to_dask_array(lengths=True), labels.to_dask_array(lengths=True))
    assert est.n_features_in_ == 64


@pytest.mark.parametrize("unknown", ["X", "y"])
def test_unknown_chunk_sizes_are_refused_with_the_remedy(
    client, digits_scaled, unknown
):
    X, y = digits_scaled
    kept = X[:, 10] > 0
    given = dict(X=da.from_array(X[kept], 600), y=da.from_array(y[kept], 600))
    given[unknown] = da.from_array(dict(X=X, y=y)[unknown], 600)[
        da.from_array(kept, 600)
    ]
    remedy = rf"^{unknown} has unknown chunk sizes .*{unknown}\.compute_chunk_sizes\(\)"
    with pytest.raises(ValueError, match=remedy):
        DaskSigmoidMSEClassifier().fit(**given)
    # The remedy: the same input, once its chunk sizes are computed, trains.
    given[unknown].compute_chunk_sizes()
    est = DaskSigmoidMSEClassifier(max_iter=3, tol=0, random_state=0)
    with pytest.warns(ConvergenceWarning):
        est.fit(**given)


def test_sample_weight_of_unknown_chunk_sizes_is_used(client, digits_scaled):
    # The weights are checked in memory: their chunk sizes need not be known.
    X, y = digits_scaled
    w = np.random.RandomState(0).uniform(0.5, 2.0, size=len(y))
    params = dict(max_iter=3, tol=0, random_state=0)
    X_dask = da.from_array(X, chunks=(600, 64))
    unknown_w = da.from_array(np.r_[w, -w], 600)[
        da.arange(2 * len(w), chunks=600) < len(w)
    ]
    assert np.isnan(unknown_w.shape[0])
    with pytest.warns(ConvergenceWarning):
        ref = SigmoidMSEClassifier(**params).fit(X, y, sample_weight=w)
    with pytest.warns(ConvergenceWarning):
        est = DaskSigmoidMSEClassifier(**params).fit(X_dask, y, sample_weight=unknown_w)
    assert max_rel(est, ref) < 1e-10


def _held_by(client):
    """The keys the client holds futures of, and those the workers hold data of."""
    return set(client.futures), set(client.who_has())


@pytest.mark.parametrize("failure", ["NaN in a block", "divergence"])
def test_a_failed_fit_releases_its_blocks_on_the_cluster(
    client, digits_scaled, failure
):
    X, y = digits_scaled
    params = dict(max_iter=15, tol=1e9, random_state=0)
    if failure == "NaN in a block":
        X = X.copy()
        X[1500, 5] = np.nan  # in the last block: a worker finds it
    else:
        params["learning_rate"] = 1e200
    with pytest.raises(ValueError) as in_memory:
        SigmoidMSEClassifier(**params).fit(X, y)
    futures_before, data_before = _held_by(client)
    X_dask = da.from_array(X, chunks=(600, 64))
    with pytest.raises(ValueError) as on_dask:
        DaskSigmoidMSEClassifier(**params).fit(X_dask, da.from_array(y, 600))
    assert str(on_dask.value).splitlines()[0] == str(in_memory.value).splitlines()[0]
    # The exception (kept here, as in any traceback) must not keep the blocks.
    assert eventually(
        lambda: (
            _held_by(client)[0] <= futures_before and _held_by(client)[1] <= data_before
        )
    ), _held_by(client)


def test_warm_start_on_other_features_gets_the_in_memory_error(client, digits_scaled):
    X, y = digits_scaled
    X_dask = da.from_array(X, chunks=(600, 64))
    params = dict(max_iter=3, tol=0, warm_start=True, random_state=0)
    with pytest.warns(ConvergenceWarning):
        in_memory_est = DaskSigmoidMSEClassifier(**params).fit(X, y)
    with pytest.raises(ValueError) as in_memory:
        in_memory_est.fit(X[:, :10], y)
    assert "X has 10 features, but DaskSigmoidMSEClassifier is expecting 64" in str(
        in_memory.value
    )
    est = DaskSigmoidMSEClassifier(**params)
    with pytest.warns(ConvergenceWarning):
        est.fit(X_dask, y)
    coefs = [c.copy() for c in est.coefs_]
    with pytest.raises(ValueError) as on_dask:
        est.fit(X_dask[:, :10], y)
    assert str(on_dask.value) == str(in_memory.value)
    # A refused fit leaves the fitted model as it was.
    assert all(np.array_equal(a, b) for a, b in zip(est.coefs_, coefs))


def _with_empty_blocks(X, y, rows=300):
    """Dask arrays of every other block of ``rows`` rows of ``X`` and ``y``, with
    the blocks boolean indexing empties left in place (chunk sizes computed)."""
    keep = (np.arange(len(y)) // rows) % 2 == 0
    mask = da.from_array(keep, chunks=rows)
    X_kept = da.from_array(X, chunks=(rows, X.shape[1]))[mask]
    y_kept = da.from_array(y, chunks=rows)[mask]
    X_kept.compute_chunk_sizes()
    y_kept.compute_chunk_sizes()
    assert 0 in X_kept.chunks[0] and 0 in y_kept.chunks[0]
    return X_kept, y_kept, keep


def test_empty_row_blocks_train_and_predict_as_no_rows(client, digits_scaled):
    X, y = digits_scaled
    X_kept, y_kept, keep = _with_empty_blocks(X, y)
    params = dict(max_iter=8, tol=0, random_state=0)
    with pytest.warns(ConvergenceWarning):
        ref = SigmoidMSEClassifier(**params).fit(X[keep], y[keep])
    with pytest.warns(ConvergenceWarning):
        est = DaskSigmoidMSEClassifier(**params).fit(X_kept, y_kept)
    assert max_rel(est, ref) < 1e-10
    proba = est.predict_proba(X_kept).compute()
    np.testing.assert_allclose(proba, ref.predict_proba(X[keep]), rtol=1e-13)
    np.testing.assert_array_equal(est.predict(X_kept).compute(), ref.predict(X[keep]))


def test_a_continued_fit_computes_its_blocks_in_the_models_dtype(digits_scaled):
    from sklearn_sigmoid_mlp.dask import DaskBackend

    X, y = digits_scaled
    est = DaskSigmoidMSEClassifier(max_iter=3, tol=0, warm_start=True)
    with pytest.warns(ConvergenceWarning):
        est.fit(X.astype(np.float32), y)
    inputs = DaskBackend.checked_inputs(
        est, da.from_array(X, chunks=(600, 64)), y, None, continuing=True
    )
    assert inputs.X.dtype == np.float32
    assert inputs.X.compute().dtype == np.float32  # declared and computed alike
    with pytest.warns(ConvergenceWarning):
        est.fit(da.from_array(X, chunks=(600, 64)), y)
    assert all(c.dtype == np.float32 for c in est.coefs_ + est.intercepts_)


def test_partial_fit_with_a_class_weight_of_a_class_absent_from_the_batch(
    client, digits_scaled
):
    # As SGDClassifier and our fit: a class_weight key need not be in each batch.
    X, y = digits_scaled
    labels = np.where(y == 0, "fraud", "ok")
    batch = labels != "fraud"
    params = dict(class_weight={"fraud": 10}, max_iter=3, random_state=0)
    ref = SigmoidMSEClassifier(**params)
    ref.partial_fit(X[batch], labels[batch], classes=["fraud", "ok"])
    est = DaskSigmoidMSEClassifier(**params)
    est.partial_fit(
        da.from_array(X[batch], chunks=(600, 64)),
        da.from_array(labels[batch], chunks=600),
        classes=["fraud", "ok"],
    )
    assert max_rel(est, ref) < 1e-10


@pytest.mark.parametrize(
    "raised, expected",
    [
        (ValueError("a bad block"), "ValueError: a bad block (raised on worker"),
        (np.linalg.LinAlgError("singular"), "RuntimeError: LinAlgError on worker"),
        # A built-in type whose constructor takes more than a message.
        (
            UnicodeDecodeError("utf-8", b"\xff", 0, 1, "invalid start byte"),
            "RuntimeError: UnicodeDecodeError on worker",
        ),
    ],
)
def test_an_error_in_a_workers_sums_is_raised_by_the_client(raised, expected):
    # Sent as text, never unpickled: a built-in type as it was, another named.
    import socket

    from sklearn_sigmoid_mlp import dask as skdask

    class Failing:
        def evaluate(self, need_grad):
            raise raised

    worker_end, client_end = socket.socketpair()
    collective = skdask._Collective.__new__(skdask._Collective)
    collective.workers = ["tcp://worker-0"]
    collective._connections = [skdask._Connection(client_end)]
    flat = np.zeros(3)
    skdask._send_sums(skdask._Connection(worker_end), Failing(), flat, True)
    with pytest.raises(Exception) as error:
        collective._receive_sums(0, flat, need_grad=True)
    assert f"{type(error.value).__name__}: {error.value}".startswith(expected)
    worker_end.close()
    client_end.close()


def test_a_fits_task_takes_only_the_connection_that_presents_its_token(monkeypatch):
    # A port scan, or a stranger who connects first and stays silent, cannot take
    # the task: it goes on listening for the client.
    import socket

    from sklearn_sigmoid_mlp import dask as skdask

    monkeypatch.setattr(skdask, "_CONNECT_SECONDS", 0.2)
    token = b"t" * 16
    listener = socket.create_server(("127.0.0.1", 0))
    address = listener.getsockname()
    silent = socket.create_connection(address)
    wrong = socket.create_connection(address)
    wrong.sendall(b"x" * 16)
    right = socket.create_connection(address)
    right.sendall(token)
    connection = skdask._accept(listener, token)
    connection.send(b"ok")
    assert right.recv(2) == b"ok"
    for sock in (silent, wrong, right):
        sock.close()
    connection.close()


def _unaligned(values):
    """``values`` (float64) at an odd byte offset, as a block that came over the
    network can lie in its message."""
    raw = np.zeros(values.size * 8 + 3, np.uint8)
    out = np.frombuffer(raw.data, np.float64, values.size, offset=3)
    out = out.reshape(values.shape)
    out[...] = values
    assert not out.flags.aligned
    return out


def test_training_blocks_are_aligned_once_not_copied_each_epoch():
    # NumPy copies an unaligned operand before every product (a third of an epoch
    # on 10,000 × 784 → 100): a block is made aligned when it is first computed.
    from sklearn_sigmoid_mlp.dask import _blocks_batch, _checked_X_block

    rng = np.random.RandomState(0)
    values = rng.uniform(-1, 1, (20, 4))
    X = _unaligned(values)
    block = _checked_X_block("DaskSigmoidMSEClassifier", np.float64, X)
    assert block.flags.aligned
    np.testing.assert_array_equal(block, values)
    aligned = np.ascontiguousarray(values)
    assert _checked_X_block("DaskSigmoidMSEClassifier", np.float64, aligned) is aligned

    weights = [np.zeros((4, 3)), np.zeros((3, 2))]
    biases = [np.zeros(3), np.zeros(2)]
    codes = rng.randint(2, size=20)
    sample_weight = _unaligned(rng.uniform(0.5, 2, 20))
    batch = _blocks_batch([(block, codes, sample_weight)], weights, biases)
    assert all(w.flags.aligned for w in batch.sample_weight)
    np.testing.assert_array_equal(batch.sample_weight[0], sample_weight)


@pytest.mark.parametrize("weighted", [False, True])
def test_small_blocks_are_summed_as_runs_of_rows_in_order(weighted):
    # A block costs an epoch tens of microseconds of its own: consecutive blocks
    # under _JOIN_ROWS rows are joined (in order) where they are summed; a large
    # block stays as it is (not copied).
    from sklearn_sigmoid_mlp import dask as dask_module

    rng = np.random.RandomState(0)
    join = dask_module._JOIN_ROWS

    def block(rows):
        weights = rng.uniform(0.5, 2, rows) if weighted else None
        return rng.uniform(-1, 1, (rows, 3)), rng.randint(4, size=rows), weights

    sizes = [10, 20, join - 31, 5, join, 7, 8]
    blocks = [block(rows) for rows in sizes]
    joined = dask_module._joined(blocks)
    assert [b[0].shape[0] for b in joined] == [join + 4, join, 15]
    assert joined[1][0] is blocks[4][0]  # a large block as it is
    for part in range(3):
        if part == 2 and not weighted:
            assert all(b[2] is None for b in joined)
            continue
        np.testing.assert_array_equal(
            np.concatenate([b[part] for b in joined]),
            np.concatenate([b[part] for b in blocks]),
        )
    # A run ends with the block that takes it to _JOIN_ROWS rows or more.
    assert [b[0].shape[0] for b in dask_module._joined([block(join - 1)] * 3)] == [
        2 * join - 2,
        join - 1,
    ]


def test_rows_are_balanced_between_workers_by_their_threads():
    from sklearn_sigmoid_mlp.dask import _balanced

    one = {"a": 1, "b": 1}
    # 8 blocks as Dask persisted them, 6 and 2: two move, the largest first.
    assert _balanced([250] * 8, list("aaaaaabb"), one) == list("aaaabbbb")
    assert _balanced([250] * 8, list("abababab"), one) == list("abababab")
    assert _balanced([5, 5], list("aa"), one) == list("ab")
    # Within 10 % of its share a worker keeps its blocks (no transfer for less).
    assert _balanced([100, 40, 120], list("aab"), one) == list("aab")
    assert _balanced([100, 100, 30, 100], list("aaab"), one) == list("abab")
    # A block moves only to a worker with more room than its holder.
    assert _balanced([100, 50, 110], list("aab"), one) == list("aab")
    # A block alone on its worker stays, however large.
    assert _balanced([1000, 10, 10], list("abb"), one) == list("abb")
    # Shares follow threads; a worker that holds nothing takes its share.
    assert _balanced([100] * 8, list("bbbbbbbb"), {"a": 3, "b": 1}) == list("bbaaaaaa")
    assert _balanced([100] * 4, list("aaaa"), {**one, "c": 2}) == list("acbc")
    assert _balanced([0, 0, 100], list("aab"), one) == list("aab")  # empty blocks
