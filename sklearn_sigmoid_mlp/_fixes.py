"""Every private scikit-learn name this package uses, imported in one place.

scikit-learn may move or change these between releases; this is the one module to
adapt when it does (CI tests the oldest and the newest supported release).
"""

# Raises an ImportError naming the caller when matplotlib is missing.
from sklearn.utils._optional_dependencies import check_matplotlib_support

__all__ = ["check_matplotlib_support"]
