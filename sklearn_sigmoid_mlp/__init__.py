"""The digits notebook's sigmoid/MSE network as scikit-learn estimators.

``SigmoidMSEClassifier`` trains by full-batch gradient descent exactly as the notebook
does; ``FixedScaler`` is its ``(x - 8) / 8`` input scaling.
"""

from ._backends import register_backend
from ._classifier import SigmoidMSEClassifier
from ._display import LossCurveDisplay
from ._persistence import skops_trusted_types
from ._scaler import FixedScaler
from ._training import PoorFitWarning

__version__ = "0.4.0"

# Every Dask collection goes to the dask module, which refuses all but arrays by
# name (in memory, a Dask DataFrame would be computed whole). Before Dask 2025.1,
# Dask DataFrames were classes of the dask_expr package.
register_backend(("dask", "dask_expr"), "sklearn_sigmoid_mlp.dask")

__all__ = [
    "FixedScaler",
    "LossCurveDisplay",
    "PoorFitWarning",
    "SigmoidMSEClassifier",
    "__version__",
    "skops_trusted_types",
]
