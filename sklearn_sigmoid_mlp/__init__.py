"""The digits notebook's sigmoid/MSE network as scikit-learn estimators.

``SigmoidMSEClassifier`` trains by full-batch gradient descent exactly as the notebook
does; ``FixedScaler`` is its ``(x - 8) / 8`` input scaling.
"""

from ._classifier import SigmoidMSEClassifier
from ._display import LossCurveDisplay
from ._persistence import skops_trusted_types
from ._scaler import FixedScaler
from ._training import PoorFitWarning

__version__ = "0.4.0"

__all__ = [
    "FixedScaler",
    "LossCurveDisplay",
    "PoorFitWarning",
    "SigmoidMSEClassifier",
    "__version__",
    "skops_trusted_types",
]
