"""Loss-curve display, the demo's figures, skops persistence and ONNX export."""

import numpy as np
import pytest
from sklearn.datasets import load_digits
from sklearn.pipeline import make_pipeline

from sklearn_sigmoid_mlp import (
    FixedScaler,
    LossCurveDisplay,
    SigmoidMSEClassifier,
    skops_trusted_types,
)

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")


@pytest.fixture(scope="module")
def Xy():
    X, y = load_digits(return_X_y=True)
    return X[:400], y[:400]


@pytest.fixture(scope="module")
def pipe(Xy):
    X, y = Xy
    model = make_pipeline(
        FixedScaler(), SigmoidMSEClassifier(max_iter=80, tol=0, random_state=0)
    )
    return model.fit(X, y)


# --- LossCurveDisplay -----------------------------------------------------------


@pytest.fixture
def plt():
    matplotlib = pytest.importorskip("matplotlib")
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    yield plt
    plt.close("all")


def test_display_draws_the_loss_curve_from_a_pipeline(pipe, plt):
    display = LossCurveDisplay.from_estimator(pipe)
    clf = pipe[-1]
    x, y = display.line_.get_data()
    np.testing.assert_array_equal(x, np.arange(clf.n_iter_ + 1))
    np.testing.assert_allclose(y, [clf.initial_loss_, *clf.loss_curve_])
    assert display.ax_.figure is display.figure_
    assert display.validation_line_ is None
    assert display.ax_.get_xlabel() == "epoch"


def test_display_overlays_fits_on_one_axes(Xy, plt):
    X, y = Xy
    _, ax = plt.subplots()
    for rate in (0.7, 2.0):
        clf = SigmoidMSEClassifier(learning_rate=rate, max_iter=30, tol=0)
        LossCurveDisplay.from_estimator(clf.fit(X / 16, y), ax=ax, label=f"lr {rate}")
    assert [line.get_label() for line in ax.get_lines()] == ["lr 0.7", "lr 2.0"]


def test_display_of_an_early_stopped_model_draws_both_losses(Xy, plt):
    X, y = Xy
    clf = SigmoidMSEClassifier(
        early_stopping=True, n_iter_no_change=3, max_iter=60, random_state=0
    ).fit(X / 16, y)
    display = LossCurveDisplay.from_estimator(clf)
    training, validation = display.ax_.get_lines()
    assert (training, validation) == (display.line_, display.validation_loss_line_)
    np.testing.assert_allclose(validation.get_ydata(), clf.validation_loss_curve_)
    np.testing.assert_array_equal(validation.get_xdata(), np.arange(1, clf.n_iter_ + 1))
    assert training.get_color() != validation.get_color()
    assert training.get_label() == "SigmoidMSEClassifier (training loss)"
    assert validation.get_label() == "SigmoidMSEClassifier (validation loss)"
    legend = [t.get_text() for t in display.ax_.get_legend().get_texts()]
    assert legend == [training.get_label(), validation.get_label()]
    assert display.validation_line_ is None and display.score_ax_ is None


def test_display_draws_the_validation_score_on_its_own_axis(Xy, plt):
    X, y = Xy
    clf = SigmoidMSEClassifier(
        early_stopping=True, n_iter_no_change=3, max_iter=60, random_state=0
    ).fit(X / 16, y)
    display = LossCurveDisplay.from_estimator(clf, label="es", show_score=True)
    score = display.validation_line_
    assert score.axes is display.score_ax_ is not display.ax_
    np.testing.assert_allclose(score.get_ydata(), clf.validation_scores_)
    colors = {line.get_color() for line in [*display.ax_.get_lines(), score]}
    assert len(colors) == 3
    # The legend is on the top axes, naming all three curves.
    assert display.ax_.get_legend() is None
    legend = [t.get_text() for t in display.score_ax_.get_legend().get_texts()]
    assert legend == [
        "es (training loss)",
        "es (validation loss)",
        "es (validation accuracy)",
    ]


def test_display_needs_a_fitted_estimator(plt):
    from sklearn.exceptions import NotFittedError

    with pytest.raises(NotFittedError):
        LossCurveDisplay.from_estimator(SigmoidMSEClassifier())


@pytest.mark.parametrize("refit", [True, "accuracy"])
def test_display_of_a_fitted_search_draws_its_best_estimators_curve(Xy, plt, refit):
    from sklearn.model_selection import GridSearchCV

    X, y = Xy
    pipe = make_pipeline(
        FixedScaler(), SigmoidMSEClassifier(max_iter=30, tol=0, random_state=0)
    )
    grid = {"sigmoidmseclassifier__learning_rate": [0.7, 4.0]}
    search = GridSearchCV(pipe, grid, cv=2, refit=refit, scoring="accuracy")
    search.fit(X, y)
    best = search.best_estimator_[-1]
    display = LossCurveDisplay.from_estimator(search)
    np.testing.assert_allclose(
        display.line_.get_ydata(), [best.initial_loss_, *best.loss_curve_]
    )
    assert display.line_.get_label() == "SigmoidMSEClassifier"


def test_display_of_a_search_without_a_refitted_model_says_what_it_accepts(Xy, plt):
    from sklearn.exceptions import NotFittedError
    from sklearn.model_selection import GridSearchCV

    X, y = Xy
    search = GridSearchCV(
        SigmoidMSEClassifier(max_iter=5, tol=0),
        {"learning_rate": [0.7, 4.0]},
        cv=2,
        refit=False,
    )
    with pytest.raises(NotFittedError, match="GridSearchCV"):
        LossCurveDisplay.from_estimator(search)
    search.fit(X / 16, y)
    with pytest.raises(ValueError, match=r"refit=False.*best_estimator_"):
        LossCurveDisplay.from_estimator(search)


def test_display_of_a_model_without_a_loss_curve_says_what_it_accepts(Xy, plt):
    from sklearn.linear_model import LogisticRegression

    X, y = Xy
    model = make_pipeline(FixedScaler(), LogisticRegression(max_iter=1000)).fit(X, y)
    with pytest.raises(TypeError, match=r"LogisticRegression has no loss_curve_.*"):
        LossCurveDisplay.from_estimator(model)


@pytest.mark.parametrize("early_stopping", [False, True])
def test_display_legend_covers_no_curve(Xy, plt, early_stopping):
    # The held-out accuracy climbs to the top right corner, where the legend was.
    X, y = Xy
    clf = SigmoidMSEClassifier(
        early_stopping=early_stopping, n_iter_no_change=3, max_iter=60, random_state=0
    ).fit(X / 16, y)
    display = LossCurveDisplay.from_estimator(clf, show_score=True)
    display.figure_.canvas.draw()
    axes = [display.ax_] + ([display.score_ax_] if early_stopping else [])
    legend = next(ax.get_legend() for ax in axes if ax.get_legend() is not None)
    box = legend.get_window_extent()
    for ax in axes:
        for line in ax.get_lines():
            xy = line.get_xydata()
            points = ax.transData.transform(xy[~np.isnan(xy).any(axis=1)])
            # Ten points per segment: a segment may cross a corner between vertices.
            t = np.linspace(0, 1, 10, endpoint=False)[:, None, None]
            points = (points[:-1] + t * np.diff(points, axis=0)).reshape(-1, 2)
            inside = (
                (points[:, 0] > box.x0)
                & (points[:, 0] < box.x1)
                & (points[:, 1] > box.y0)
                & (points[:, 1] < box.y1)
            )
            assert not inside.any(), (line.get_label(), points[inside][:3])


def test_display_with_an_empty_label_names_the_curves_only(Xy, plt):
    X, y = Xy
    clf = SigmoidMSEClassifier(
        early_stopping=True, n_iter_no_change=3, max_iter=60, random_state=0
    ).fit(X / 16, y)
    display = LossCurveDisplay.from_estimator(clf, label="")
    legend = [t.get_text() for t in display.ax_.get_legend().get_texts()]
    assert legend == ["training loss", "validation loss"]


def test_display_without_matplotlib_says_how_to_install(monkeypatch, pipe):
    import builtins

    real_import = builtins.__import__

    def no_matplotlib(name, *args, **kwargs):
        if name.startswith("matplotlib"):
            raise ImportError("No module named 'matplotlib'")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_matplotlib)
    with pytest.raises(
        ImportError, match=r"requires matplotlib.*pip install matplotlib"
    ):
        LossCurveDisplay.from_estimator(pipe)


def test_demo_writes_the_notebooks_figures(tmp_path, plt, capsys):
    from sklearn_sigmoid_mlp.__main__ import main

    main(["--max-iter", "30", "--plot-dir", str(tmp_path)])
    for name in ("loss_curve.png", "confusion_matrix.png"):
        data = (tmp_path / name).read_bytes()
        assert data.startswith(b"\x89PNG") and len(data) > 10_000
    assert "wrote" in capsys.readouterr().out


# --- skops ------------------------------------------------------------------------


def test_skops_round_trip_trusts_only_our_types(pipe, Xy, tmp_path):
    sio = pytest.importorskip("skops.io")
    X, _ = Xy
    path = tmp_path / "model.skops"
    sio.dump(pipe, path)
    untrusted = sio.get_untrusted_types(file=path)
    assert set(untrusted) <= set(skops_trusted_types()) and set(untrusted) == {
        "sklearn_sigmoid_mlp._classifier.SigmoidMSEClassifier",
        "sklearn_sigmoid_mlp._scaler.FixedScaler",
    }
    loaded = sio.load(path, trusted=skops_trusted_types())
    np.testing.assert_array_equal(loaded.predict_proba(X), pipe.predict_proba(X))
    np.testing.assert_array_equal(loaded.predict(X), pipe.predict(X))


def test_fitted_state_is_arrays_and_plain_scalars(pipe):
    def plain(value):
        if isinstance(value, list | tuple):
            return all(plain(v) for v in value)
        return value is None or isinstance(value, np.ndarray | int | float | bool | str)

    for step in pipe:
        state = {k: v for k, v in vars(step).items() if k.endswith("_") or k[0] == "_"}
        for name, value in state.items():
            assert plain(value), (type(step).__name__, name, type(value))


# --- ONNX -------------------------------------------------------------------------


def onnx_run(model, X):
    pytest.importorskip("onnxruntime")
    pytest.importorskip("skl2onnx")
    import onnxruntime as rt
    from skl2onnx import to_onnx

    import sklearn_sigmoid_mlp.onnx  # noqa: F401

    options = {SigmoidMSEClassifier: {"zipmap": False}}
    onx = to_onnx(model, X[:1], options=options, target_opset=17)
    session = rt.InferenceSession(
        onx.SerializeToString(), providers=["CPUExecutionProvider"]
    )
    labels, proba = session.run(None, {session.get_inputs()[0].name: X})
    return labels, proba


def _cases():
    X, y = load_digits(return_X_y=True)
    X, y = X[:400], y[:400]
    multilabel = np.column_stack([y % 2 == 0, y >= 5, y == 3]).astype(int)
    words = np.array(["zero", "one", "two", "three", "four"] * 2)[y]
    return {
        "multiclass-int": (X, y * 10 + 3, (15,)),
        "binary-int": (X, (y >= 5).astype(int), (15,)),
        "multiclass-str": (X, words, (15,)),
        "binary-str": (X, np.where(y % 2, "odd", "even"), (15,)),
        "multilabel": (X, multilabel, (15,)),
        "deep": (X, y, (20, 12, 8)),
    }


@pytest.mark.parametrize("case", list(_cases()))
def test_onnx_matches_predict_and_predict_proba(case):
    X, y, hidden = _cases()[case]
    model = make_pipeline(
        FixedScaler(),
        SigmoidMSEClassifier(hidden_layer_sizes=hidden, max_iter=60, random_state=0),
    ).fit(X, y)
    X32 = X.astype(np.float32)
    labels, proba = onnx_run(model, X32)
    expected = model.predict(X32)
    if expected.dtype.kind in "US":
        labels = labels.astype(str)
    np.testing.assert_array_equal(labels, expected)
    np.testing.assert_allclose(proba, model.predict_proba(X32), atol=1e-5)


def test_onnx_of_the_estimator_alone(Xy):
    X, y = Xy
    X32 = (X / 16).astype(np.float32)
    clf = SigmoidMSEClassifier(max_iter=40, random_state=0).fit(X32, y)
    labels, proba = onnx_run(clf, X32)
    np.testing.assert_array_equal(labels, clf.predict(X32))
    np.testing.assert_allclose(proba, clf.predict_proba(X32), atol=1e-5)
