"""The "?" link of an estimator's HTML repr: its page on the documentation site.

The link (and the links of the repr's parameter and attribute tables, which
scikit-learn derives from it) is ``{base}/generated/{module}.{name}.html``, where
``base`` is where the site built from ``doc/`` is served:

* the environment variable ``SKLEARN_SIGMOID_MLP_DOC_URL``, read at every repr, when
  it holds an absolute URL (``https://…``, ``http://…`` or ``file:///…``);
* on the site's own pages (the gallery's reprs, rendered while ``doc/conf.py``
  builds the site), the relative path from those pages to the site's root, which
  the build sets with :func:`set_site_base`;
* otherwise nothing: no "?" link, as for any third-party estimator whose
  documentation's address is unknown. A relative path is never used outside the
  site: in Jupyter or VS Code it would lead nowhere.
"""

import os
from urllib.parse import quote, urlsplit

DOC_URL_VARIABLE = "SKLEARN_SIGMOID_MLP_DOC_URL"
PAGE = "/generated/{estimator_module}.{estimator_name}.html"

# Characters kept as they are in a base URL; anything else (spaces, quotes, <, >,
# braces, ...) is percent-encoded, so that the base can neither break the repr's
# HTML nor be read as a format field of the template.
_URL_SAFE = ":/?#[]@!$&'()*+,;=%~-._"

_site_base = None


def set_site_base(base):
    """Link to ``base`` (relative to the rendered page) in reprs made while the
    documentation site is built; ``None`` reverts to the environment variable."""
    global _site_base
    _site_base = None if base is None else str(base).rstrip("/") or "."


def is_absolute_url(value):
    """Whether ``value`` is an absolute ``http(s)://host…`` or ``file:///…`` URL."""
    parts = urlsplit(value)
    if parts.scheme in ("http", "https"):
        return bool(parts.netloc)
    return parts.scheme == "file" and parts.path.startswith("/")


def doc_base():
    """The base of the links, or None when there must be no link."""
    if _site_base is not None:
        return _site_base
    value = os.environ.get(DOC_URL_VARIABLE, "").strip()
    if not is_absolute_url(value):
        return None
    return quote(value, safe=_URL_SAFE).rstrip("/")


class DocLinkMixin:
    """Link the HTML repr to ``{base}/generated/{module}.{name}.html`` (see the
    module's docstring for ``base``), or to nothing when ``base`` is unknown.

    As in scikit-learn, assigning ``_doc_link_template`` on an instance overrides it.
    """

    _doc_link_module = "sklearn_sigmoid_mlp"

    @property
    def _doc_link_template(self):
        override = getattr(self, "__doc_link_template", None)
        if override is not None:
            return override
        base = doc_base()
        return "" if base is None else base + PAGE

    @_doc_link_template.setter
    def _doc_link_template(self, value):
        setattr(self, "__doc_link_template", value)
