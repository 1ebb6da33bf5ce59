"""The engine's written interfaces and what the estimator caches: the backends and
batches implement their protocols, a fit commits one named state (which
``to_local`` carries whole), the early-stopping score comes from the hold-out's
own pass, predictions use the first layer's reach cached by fit, and the fit
warnings point at the caller of ``fit``."""

import dataclasses
import functools
import inspect
import warnings

import numpy as np
import pytest
from sklearn.exceptions import ConvergenceWarning
from sklearn.metrics import accuracy_score
from sklearn.model_selection import train_test_split
from sklearn.utils import check_random_state

from sklearn_sigmoid_mlp import SigmoidMSEClassifier, _classifier, _network
from sklearn_sigmoid_mlp._backends import Backend, InMemory
from sklearn_sigmoid_mlp._network import FullBatch, init_weights, input_reach
from sklearn_sigmoid_mlp._training import Batch

BACKEND_METHODS = {
    "checked_inputs",
    "target_kind",
    "labels",
    "encode",
    "numpy_dtype",
    "place",
    "class_weighted",
    "hold_out",
    "batch",
}
BATCH_METHODS = {"evaluate", "prior_loss", "predicted_counts", "close"}
QUICK = dict(max_iter=20, tol=0.0, random_state=0)

# Short fits stop at max_iter on purpose; where the warnings point is tested below.
pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")


def on_dask(X, y):
    da = pytest.importorskip("dask.array")
    return da.from_array(X, chunks=(70, X.shape[1])), da.from_array(y, chunks=70)


def learnable(n=120, n_features=5, seed=0):
    X = np.random.RandomState(seed).uniform(-1, 1, size=(n, n_features))
    return X, np.argmax(X[:, :3], axis=1)


def parameters(function):
    """Names, kinds and defaults of ``function``'s parameters."""
    return [
        (p.name, p.kind, p.default)
        for p in inspect.signature(function).parameters.values()
    ]


def backends():
    found = [InMemory]
    try:
        from sklearn_sigmoid_mlp.dask import DaskBackend
    except ImportError:  # the dask extra is not installed
        return found
    return [*found, DaskBackend]


def batches():
    found = [FullBatch]
    try:
        from sklearn_sigmoid_mlp.dask import DaskFullBatch
    except ImportError:
        return found
    return [*found, DaskFullBatch]


def assert_same_values(a, b):
    assert a.keys() == b.keys()
    for name in a:
        p, q = a[name], b[name]
        if isinstance(p, list):
            assert isinstance(q, list) and len(p) == len(q), name
            for x, y in zip(p, q):
                np.testing.assert_array_equal(x, y, err_msg=name)
        else:
            np.testing.assert_array_equal(p, q, err_msg=name)


# --- protocols ---------------------------------------------------------------------


def test_the_backend_protocol_names_every_method_fit_calls():
    declared = {n for n, v in vars(Backend).items() if isinstance(v, staticmethod)}
    assert declared == BACKEND_METHODS
    for name in BACKEND_METHODS:
        assert inspect.getdoc(getattr(Backend, name)), name


@pytest.mark.parametrize("backend", backends(), ids=lambda b: b.__name__)
def test_each_backend_implements_the_protocol_with_its_parameters(backend):
    assert Backend in backend.__mro__  # declared, not only structural
    for name in BACKEND_METHODS:
        # Defined by the backend itself, not the protocol's empty stub.
        assert isinstance(vars(backend).get(name), staticmethod), name
        assert parameters(getattr(backend, name)) == parameters(
            getattr(Backend, name)
        ), name


@pytest.mark.parametrize("batch", batches(), ids=lambda b: b.__name__)
def test_each_batch_implements_the_batch_protocol(batch):
    assert Batch in batch.__mro__
    for name in BATCH_METHODS:
        assert name in vars(batch), name
        assert [p[0] for p in parameters(getattr(batch, name))] == [
            p[0] for p in parameters(getattr(Batch, name))
        ], name


def test_the_start_and_the_targets_of_a_fit_are_immutable():
    start = _classifier._Start(rng=check_random_state(0))
    with pytest.raises(dataclasses.FrozenInstanceError):
        start.loss_curve = ()
    targets = _classifier._Targets(InMemory, np.arange(3), False, 3)
    with pytest.raises(dataclasses.FrozenInstanceError):
        targets.classes = np.arange(2)
    y = np.array([2, 0, 1, 2])
    np.testing.assert_array_equal(
        targets.encode(y, np.zeros((4, 1))),
        InMemory.encode(y, np.arange(3), False, np.zeros((4, 1))),
    )


# --- the committed state -----------------------------------------------------------


def committed_state(monkeypatch, cls):
    """Record the state each fit of ``cls`` builds for ``_commit``."""
    states = []
    build = cls._fitted_state

    def recording(self, *args):
        states.append(build(self, *args))
        return states[-1]

    monkeypatch.setattr(cls, "_fitted_state", recording)
    return states


def test_a_fit_commits_exactly_the_named_private_state(monkeypatch):
    states = committed_state(monkeypatch, SigmoidMSEClassifier)
    X, y = learnable()
    clf = SigmoidMSEClassifier(**QUICK)
    clf.fit(X, y)
    (state,) = states
    private = {name for name in state if name.startswith("_")}
    assert private == set(_classifier._PRIVATE_STATE)
    assert_same_values({name: getattr(clf, name) for name in state}, state)


def test_to_local_carries_the_whole_committed_state_of_a_dask_model(monkeypatch):
    skdask = pytest.importorskip("sklearn_sigmoid_mlp.dask")
    states = committed_state(monkeypatch, skdask.DaskSigmoidMSEClassifier)
    X, y = learnable(n=200)
    est = skdask.DaskSigmoidMSEClassifier(**QUICK).fit(*on_dask(X, y))
    (state,) = states
    local = est.to_local()
    assert type(local) is SigmoidMSEClassifier
    assert local.get_params() == est.get_params()
    carried = {k: v for k, v in vars(local).items() if k not in local.get_params()}
    assert carried.keys() == state.keys()
    assert_same_values(carried, state)
    assert_same_values(carried, {name: getattr(est, name) for name in state})
    np.testing.assert_array_equal(local.predict_proba(X), est.predict_proba(X))


@pytest.mark.parametrize("binary", [False, True], ids=["multiclass", "binary"])
def test_a_dask_fit_finds_the_in_memory_prior_loss(binary):
    skdask = pytest.importorskip("sklearn_sigmoid_mlp.dask")
    X, y = learnable(n=200)
    y = y == 1 if binary else y
    w = np.random.RandomState(1).uniform(0.5, 2.0, size=len(y))
    params = dict(max_iter=2, tol=0.0, random_state=0)
    ref = SigmoidMSEClassifier(**params).fit(X, y, sample_weight=w)
    est = skdask.DaskSigmoidMSEClassifier(**params).fit(*on_dask(X, y), w)
    assert est._prior_loss == pytest.approx(ref._prior_loss, rel=1e-13)


def test_epochs_on_the_local_scheduler_are_summed_in_the_calling_thread(monkeypatch):
    # No Dask thread, and so no BLAS threads on top of Dask's: the blocks are
    # computed once, and every epoch sums them here, as in memory.
    import threading

    skdask = pytest.importorskip("sklearn_sigmoid_mlp.dask")
    seen = []
    real = FullBatch.evaluate

    def recording(self, need_grad=True):
        seen.append((threading.current_thread(), len(self._parts)))
        return real(self, need_grad)

    monkeypatch.setattr(FullBatch, "evaluate", recording)
    X, y = learnable(n=200)
    skdask.DaskSigmoidMSEClassifier(max_iter=2, tol=0.0).fit(*on_dask(X, y))
    # The initial loss and two epochs, over the 3 blocks of 70 rows (joined into
    # one run: blocks under _JOIN_ROWS rows each cost an epoch time of their own).
    assert seen == [(threading.main_thread(), 1)] * 3


def test_the_packages_imports_form_no_circle_and_only_its_dask_module_knows_dask():
    import ast
    from graphlib import CycleError, TopologicalSorter
    from pathlib import Path

    import sklearn_sigmoid_mlp

    graph = {}
    for path in Path(sklearn_sigmoid_mlp.__file__).parent.glob("*.py"):
        imported = set()
        for node in ast.walk(ast.parse(path.read_text())):  # lazy imports too
            if isinstance(node, ast.ImportFrom) and node.level == 1:
                if node.module is None:
                    imported.update(alias.name for alias in node.names)
                else:
                    imported.add(node.module.partition(".")[0])
        graph[path.stem] = imported
    try:
        list(TopologicalSorter(graph).static_order())
    except CycleError as exc:
        pytest.fail(f"import circle: {exc.args[1]}")
    # The core never imports the Dask module; onnx.py registers its public class.
    assert {name for name, imported in graph.items() if "dask" in imported} == {"onnx"}


# --- early stopping: the score of the hold-out's own pass -----------------------------


def held_out_rows(X, y, w, sizes, multilabel):
    """The hold-out as the estimator draws it: initial weights first, then split."""
    rng = check_random_state(0)
    init_weights(sizes, rng)
    parts = train_test_split(
        X, y, w, test_size=0.1, random_state=rng, stratify=None if multilabel else y
    )
    return parts[1], parts[3], parts[5]


@pytest.mark.parametrize("kind", ["multiclass", "binary", "multilabel"])
def test_the_early_stopping_score_is_the_kept_models_held_out_accuracy(
    kind, monkeypatch
):
    X, labels = learnable(n=300)
    y = {
        "multiclass": labels,
        "binary": labels == 1,
        "multilabel": np.column_stack([labels == 0, X[:, 3] > 0]).astype(int),
    }[kind]
    w = np.random.RandomState(1).uniform(0.5, 2.0, size=len(X))
    n_outputs = {"multiclass": 3, "binary": 1, "multilabel": 2}[kind]

    def no_second_pass(*args, **kwargs):
        raise AssertionError("the hold-out was scored by a second forward pass")

    clf = SigmoidMSEClassifier(
        early_stopping=True, learning_rate=5.0, max_iter=40, tol=0.0, random_state=0
    )
    with monkeypatch.context() as patch:
        # (The poor-fit diagnosis, not under test, predicts on the training rows.)
        patch.setattr(SigmoidMSEClassifier, "_poor_fit_message", lambda *a: "")
        patch.setattr(_classifier, "predict_outputs", no_second_pass)
        clf.fit(X, y, sample_weight=w)
    X_val, y_val, w_val = held_out_rows(
        X, y, w, [5, 15, n_outputs], kind == "multilabel"
    )
    kept = int(np.argmin(clf.validation_loss_curve_))
    expected = accuracy_score(y_val, clf.predict(X_val), sample_weight=w_val)
    assert clf.best_validation_score_ == clf.validation_scores_[kept]
    assert clf.best_validation_score_ == pytest.approx(expected, rel=1e-14)
    assert len(set(clf.validation_scores_)) > 1  # a score per epoch, not one


# --- the first layer's reach, cached by fit ------------------------------------------


def test_predictions_use_the_reach_cached_by_fit(monkeypatch):
    X, y = learnable()
    clf = SigmoidMSEClassifier(**QUICK).fit(X, y)
    assert clf._input_reach == input_reach(clf.coefs_[0])
    X_wide = X * 1e306  # rows whose products may overflow: the reach decides
    expected = clf.predict_proba(X), clf.predict_proba(X_wide)

    def not_again(weight):
        raise AssertionError("input_reach computed again at prediction")

    monkeypatch.setattr(_network, "input_reach", not_again)
    np.testing.assert_array_equal(clf.predict_proba(X), expected[0])
    np.testing.assert_array_equal(clf.predict_proba(X_wide), expected[1])
    assert np.isfinite(expected[1]).all()


def test_a_model_without_the_cached_reach_predicts_the_same():
    X, y = learnable()
    clf = SigmoidMSEClassifier(**QUICK).fit(X, y)
    expected = clf.predict_proba(X * 1e306), clf.predict(X)
    del clf._input_reach  # as a model pickled before fit cached it
    np.testing.assert_array_equal(clf.predict_proba(X * 1e306), expected[0])
    np.testing.assert_array_equal(clf.predict(X), expected[1])


def test_every_fit_caches_the_reach_of_its_own_weights():
    X, y = learnable()
    clf = SigmoidMSEClassifier(warm_start=True, **QUICK)
    clf.fit(X, y)
    first = clf._input_reach
    clf.fit(X, y)
    assert clf._input_reach != first
    assert clf._input_reach == input_reach(clf.coefs_[0])
    clf.partial_fit(X, y)
    assert clf._input_reach == input_reach(clf.coefs_[0])


def test_a_callbacks_model_has_the_reach_of_its_epochs_weights():
    pytest.importorskip("sklearn.callback", reason="scikit-learn < 1.9")
    seen = []

    class RecordReach:
        def setup(self, estimator, context):
            pass

        def on_fit_task_begin(self, estimator, context):
            pass

        def on_fit_task_end(self, estimator, context, *, fitted_estimator):
            if context.task_name == "epoch":
                model = fitted_estimator
                seen.append((model._input_reach, input_reach(model.coefs_[0])))
            return False

        def teardown(self, estimator, context):
            pass

    X, y = learnable()
    clf = SigmoidMSEClassifier(warm_start=True, max_iter=5, tol=0.0, random_state=0)
    clf.fit(X, y)  # a previous model, whose reach a copy would keep
    clf.set_callbacks(RecordReach()).fit(X, y)
    assert len(seen) == 5
    assert all(cached == actual for cached, actual in seen)


# --- the warnings point at the caller of fit -----------------------------------------


class _Overriding(SigmoidMSEClassifier):
    def fit(self, X, y, sample_weight=None):
        return super().fit(X, y, sample_weight)


class _Decorated(SigmoidMSEClassifier):
    @functools.wraps(SigmoidMSEClassifier.fit)
    def fit(self, *args, **kwargs):
        return SigmoidMSEClassifier.fit(self, *args, **kwargs)


@pytest.mark.parametrize(
    "cls", [SigmoidMSEClassifier, _Overriding, _Decorated], ids=lambda c: c.__name__
)
def test_fit_warnings_point_at_the_line_that_called_fit(cls):
    X, y = learnable()
    clf = cls(max_iter=3, tol=0.0, random_state=0)
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always")
        line = inspect.currentframe().f_lineno + 1
        clf.fit(X, y)
    fit_warnings = [r for r in record if issubclass(r.category, ConvergenceWarning)]
    assert fit_warnings
    assert {(r.filename, r.lineno) for r in fit_warnings} == {(__file__, line)}
