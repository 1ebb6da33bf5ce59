"""What a skops file of this package's models may contain beyond skops' defaults."""


def skops_trusted_types():
    """The types to trust when loading a skops file of this package's models.

    Pass this list, and nothing read from the file, as ``trusted=``: skops then
    rebuilds NumPy arrays, built-in values, scikit-learn's own estimators (such as
    ``Pipeline``) and these estimators, and refuses any other type a file names --
    a tampered file cannot make loading or ``predict`` run foreign code.

    Returns
    -------
    list of str
        The import paths of ``SigmoidMSEClassifier``, ``FixedScaler`` and
        ``DaskSigmoidMSEClassifier``.

    Examples
    --------
    >>> import numpy as np
    >>> import skops.io as sio
    >>> from sklearn_sigmoid_mlp import SigmoidMSEClassifier, skops_trusted_types
    >>> X = np.random.RandomState(0).uniform(-1, 1, size=(30, 4))
    >>> clf = SigmoidMSEClassifier(learning_rate=5.0, tol=1e-3).fit(X, X[:, 0] > 0)
    >>> loaded = sio.loads(sio.dumps(clf), trusted=skops_trusted_types())
    >>> bool((loaded.predict(X) == clf.predict(X)).all())
    True
    """
    return [
        "sklearn_sigmoid_mlp._classifier.SigmoidMSEClassifier",
        "sklearn_sigmoid_mlp._scaler.FixedScaler",
        "sklearn_sigmoid_mlp.dask.DaskSigmoidMSEClassifier",
    ]
