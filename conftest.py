"""Test session set-up, loaded by pytest before any test module.

``SCIPY_ARRAY_API=1`` must be set before scipy is first imported, or
scikit-learn's estimator checks silently skip their array API variants.
"""

import os

os.environ.setdefault("SCIPY_ARRAY_API", "1")
