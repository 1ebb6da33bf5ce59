"""The "?" link of the HTML repr: an absolute URL where the documentation's address
is known (``SKLEARN_SIGMOID_MLP_DOC_URL``), the site's own API pages on the site's
own pages, and otherwise no link at all -- never a relative path outside the site."""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from sklearn.pipeline import make_pipeline
from sklearn.utils import estimator_html_repr

from sklearn_sigmoid_mlp import FixedScaler, SigmoidMSEClassifier, _doc_links
from sklearn_sigmoid_mlp.dask import DaskSigmoidMSEClassifier

ROOT = Path(__file__).resolve().parents[1]
VARIABLE = "SKLEARN_SIGMOID_MLP_DOC_URL"
ESTIMATORS = {
    "sklearn_sigmoid_mlp.SigmoidMSEClassifier": SigmoidMSEClassifier,
    "sklearn_sigmoid_mlp.FixedScaler": FixedScaler,
    "sklearn_sigmoid_mlp.dask.DaskSigmoidMSEClassifier": DaskSigmoidMSEClassifier,
}


@pytest.fixture(autouse=True)
def _no_site_base(monkeypatch):
    """Each test starts as a user's session: variable unset, no site build."""
    monkeypatch.delenv(VARIABLE, raising=False)
    monkeypatch.setattr(_doc_links, "_site_base", None)


def pipeline_html():
    return estimator_html_repr(make_pipeline(FixedScaler(), SigmoidMSEClassifier()))


def doc_links(html):
    """The "?" links of the repr, but the Pipeline's own (to scikit-learn's site)."""
    links = re.findall(
        r'<a class="sk-estimator-doc-link[^"]*"[^>]*href="([^"]*)"', html
    )
    return [link for link in links if not link.startswith("https://scikit-learn.org/")]


def test_without_the_variable_there_is_no_link():
    assert VARIABLE not in os.environ
    for cls in ESTIMATORS.values():
        assert cls()._get_doc_link() == ""
    for html in (estimator_html_repr(SigmoidMSEClassifier()), pipeline_html()):
        assert "../generated" not in html
        assert "generated/sklearn_sigmoid_mlp" not in html  # nor a parameter's link
        assert not doc_links(html)  # no "?" button
        for name in ("FixedScaler", "SigmoidMSEClassifier"):
            assert f"Documentation for {name}" not in html


@pytest.mark.parametrize(
    "base", ["https://docs.example/v0.2/", "https://docs.example/v0.2", " http://h/ "]
)
def test_with_the_variable_the_link_is_absolute(monkeypatch, base):
    monkeypatch.setenv(VARIABLE, base)
    root = base.strip().rstrip("/")
    for page, cls in ESTIMATORS.items():
        assert cls()._get_doc_link() == f"{root}/generated/{page}.html"
    html = pipeline_html()
    links = doc_links(html)
    assert links == [
        f"{root}/generated/sklearn_sigmoid_mlp.{name}.html"
        for name in ("FixedScaler", "SigmoidMSEClassifier")
    ]
    assert "../generated" not in html


def test_the_variable_is_read_at_every_display(monkeypatch):
    clf = SigmoidMSEClassifier()
    assert clf._get_doc_link() == ""
    monkeypatch.setenv(VARIABLE, "https://docs.example")
    assert clf._get_doc_link().startswith("https://docs.example/generated/")
    monkeypatch.delenv(VARIABLE)
    assert clf._get_doc_link() == ""


def test_a_local_build_is_linked_by_a_file_url(monkeypatch, tmp_path):
    monkeypatch.setenv(VARIABLE, tmp_path.as_uri())
    link = SigmoidMSEClassifier()._get_doc_link()
    assert link == (
        tmp_path.as_uri() + "/generated/sklearn_sigmoid_mlp.SigmoidMSEClassifier.html"
    )


@pytest.mark.parametrize(
    "value",
    [
        "",
        "   ",
        "..",
        "../docs",
        "docs/",
        "/srv/docs",
        "C:\\docs",
        "https://",
        "ftp://h/d",
    ],
)
def test_anything_but_an_absolute_url_gives_no_link(monkeypatch, value):
    monkeypatch.setenv(VARIABLE, value)
    assert SigmoidMSEClassifier()._get_doc_link() == ""
    html = pipeline_html()
    assert not doc_links(html)
    assert "generated/sklearn_sigmoid_mlp" not in html


def test_a_strange_base_cannot_break_the_repr(monkeypatch):
    monkeypatch.setenv(VARIABLE, 'https://h/a b/{x}/"><script>')
    link = SigmoidMSEClassifier()._get_doc_link()
    assert link == (
        "https://h/a%20b/%7Bx%7D/%22%3E%3Cscript%3E/generated/"
        "sklearn_sigmoid_mlp.SigmoidMSEClassifier.html"
    )
    html = pipeline_html()
    assert f'href="{link}"' in html
    assert '"><script>' not in html


def test_an_instance_template_overrides_as_in_scikit_learn():
    clf = SigmoidMSEClassifier()
    clf._doc_link_template = "https://x/{estimator_name}"
    assert clf._get_doc_link() == "https://x/SigmoidMSEClassifier"
    assert SigmoidMSEClassifier()._get_doc_link() == ""


def test_on_the_sites_own_pages_the_link_is_the_api_page(monkeypatch):
    monkeypatch.setenv(VARIABLE, "https://docs.example")  # the site's own pages win
    _doc_links.set_site_base("..")
    try:
        html = pipeline_html()
        assert doc_links(html) == [
            f"../generated/sklearn_sigmoid_mlp.{name}.html"
            for name in ("FixedScaler", "SigmoidMSEClassifier")
        ]
    finally:
        _doc_links.set_site_base(None)
    assert SigmoidMSEClassifier()._get_doc_link().startswith("https://docs.example/")


def test_the_site_build_links_its_gallery_to_its_api_pages(tmp_path):
    """``doc/conf.py`` (run as sphinx-build runs it) links the gallery's reprs to
    the pages ``doc/api.rst`` generates, one level up from the gallery's pages."""
    code = (
        "import runpy; ns = runpy.run_path('doc/conf.py');"
        "from sklearn_sigmoid_mlp import SigmoidMSEClassifier as C;"
        "print(ns['GALLERY_DIR'], ns['sphinx_gallery_conf']['gallery_dirs']);"
        "print(C()._get_doc_link())"
    )
    env = {k: v for k, v in os.environ.items() if k != VARIABLE}
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    gallery, gallery_dirs, link = result.stdout.split()[-3:]
    assert gallery == gallery_dirs == "auto_examples"
    assert link == "../generated/sklearn_sigmoid_mlp.SigmoidMSEClassifier.html"
    # The gallery's pages are one level below the root: no sub-gallery folders.
    subgalleries = [
        p for p in (ROOT / "examples").iterdir() if (p / "README.rst").is_file()
    ]
    assert not subgalleries
    # ... and the linked pages are the ones doc/api.rst generates.
    api = (ROOT / "doc" / "api.rst").read_text()
    for page in ESTIMATORS:
        entry = page.removeprefix("sklearn_sigmoid_mlp.")
        assert re.search(rf"^   {re.escape(entry)}$", api, flags=re.M), entry


def test_the_variable_is_documented_on_the_site():
    api = (ROOT / "doc" / "api.rst").read_text()
    assert VARIABLE in api
    assert "generated/sklearn_sigmoid_mlp.SigmoidMSEClassifier.html" in api
