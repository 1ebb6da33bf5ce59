"""The "?" link of an estimator's HTML repr: its page on the documentation site."""

import os

DOC_URL_VARIABLE = "SKLEARN_SIGMOID_MLP_DOC_URL"


class DocLinkMixin:
    """Link the HTML repr to ``{base}/generated/{module}.{name}.html``.

    ``base`` is the environment variable ``SKLEARN_SIGMOID_MLP_DOC_URL`` (where the
    site built from ``doc/`` is served), else ``..``: relative, so that the repr
    shown on the built site's own pages (the gallery) links to the API page.
    """

    _doc_link_module = "sklearn_sigmoid_mlp"

    @property
    def _doc_link_template(self):
        base = os.environ.get(DOC_URL_VARIABLE, "..").rstrip("/")
        return base + "/generated/{estimator_module}.{estimator_name}.html"
