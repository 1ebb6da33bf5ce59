"""The documentation keeps its promises: every Python block of the README and of the
site runs on its own, the public API's docstrings pass numpydoc's validation, the
README stays short, and the HTML repr links to the API pages the site builds."""

import importlib
import inspect
import os
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from sklearn.pipeline import make_pipeline
from sklearn.utils import estimator_html_repr

from sklearn_sigmoid_mlp import FixedScaler, SigmoidMSEClassifier

ROOT = Path(__file__).resolve().parents[1]


def readme_blocks():
    text = (ROOT / "README.md").read_text()
    return re.findall(r"```python\n(.*?)```", text, flags=re.S)


def doc_blocks():
    found = []
    for page in sorted((ROOT / "doc").rglob("*.rst")):
        if "_build" in page.parts or "generated" in page.parts:
            continue
        text = page.read_text()
        pattern = r"\.\. code-block:: python\n\n((?:   .*\n|\n)+)"
        for block in re.findall(pattern, text):
            found.append((page.relative_to(ROOT), textwrap.dedent(block)))
    return found


def run_alone(code, tmp_path):
    return subprocess.run(
        [sys.executable, "-c", code],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=600,
        env={**os.environ, "MPLBACKEND": "Agg"},
    )


def test_the_readme_is_short_and_has_its_blocks():
    lines = (ROOT / "README.md").read_text().splitlines()
    assert len(lines) <= 150
    assert readme_blocks()
    assert len(doc_blocks()) >= 7


@pytest.mark.parametrize("index", range(len(readme_blocks())))
def test_every_readme_python_block_runs_alone(index, tmp_path):
    result = run_alone(readme_blocks()[index], tmp_path)
    assert result.returncode == 0, result.stderr[-3000:]


@pytest.mark.parametrize(
    "page, code",
    doc_blocks(),
    ids=[f"{p}-{i}" for i, (p, _) in enumerate(doc_blocks())],
)
def test_every_doc_python_block_runs_alone(page, code, tmp_path):
    result = run_alone(code, tmp_path)
    assert result.returncode == 0, f"{page}:\n{result.stderr[-3000:]}"


PUBLIC = [
    ("sklearn_sigmoid_mlp", "SigmoidMSEClassifier"),
    ("sklearn_sigmoid_mlp", "FixedScaler"),
    ("sklearn_sigmoid_mlp", "LossCurveDisplay"),
    ("sklearn_sigmoid_mlp", "PoorFitWarning"),
    ("sklearn_sigmoid_mlp", "skops_trusted_types"),
    ("sklearn_sigmoid_mlp.dask", "DaskSigmoidMSEClassifier"),
    ("sklearn_sigmoid_mlp.onnx", "register"),
]
# The checks the site's build applies too (doc/conf.py), without the optional ones.
OPTIONAL = {"ES01", "SA01", "EX01", "GL08", "RT02"}


def public_names():
    names = []
    for module, name in PUBLIC:
        obj = getattr(importlib.import_module(module), name)
        names.append(f"{module}.{name}")
        if inspect.isclass(obj):
            names += [
                f"{module}.{name}.{member}"
                for member, value in vars(obj).items()
                if callable(value) or isinstance(value, classmethod)
                if not member.startswith(("_", "set_"))
            ]
    return names


def test_numpydoc_validation_passes_on_the_public_api():
    from numpydoc.validate import validate

    names = public_names()
    assert len(names) > 20
    failures = {}
    for name in names:
        errors = [e for e in validate(name)["errors"] if e[0] not in OPTIONAL]
        if errors:
            failures[name] = errors
    assert not failures, failures


def test_the_html_repr_links_to_the_api_pages(monkeypatch):
    html = estimator_html_repr(make_pipeline(FixedScaler(), SigmoidMSEClassifier()))
    for name in ("FixedScaler", "SigmoidMSEClassifier"):
        assert f'href="../generated/sklearn_sigmoid_mlp.{name}.html"' in html
    monkeypatch.setenv("SKLEARN_SIGMOID_MLP_DOC_URL", "https://docs.example/v0.2/")
    link = SigmoidMSEClassifier()._get_doc_link()
    assert link == (
        "https://docs.example/v0.2/generated/"
        "sklearn_sigmoid_mlp.SigmoidMSEClassifier.html"
    )
    api = (ROOT / "doc" / "api.rst").read_text()
    assert "   SigmoidMSEClassifier\n" in api and "   FixedScaler\n" in api
    assert "   dask.DaskSigmoidMSEClassifier\n" in api
