"""Sphinx configuration: the documentation site of sklearn-sigmoid-mlp.

Build offline, warnings as errors: ``sphinx-build -W -b html doc doc/_build/html``.
The gallery (``examples/``) is executed at build time; the benchmark tables come
from ``benchmarks/results`` and the bad-input table from the live cases of
``tests/bad_inputs.py``, so neither can drift from what the code does.
"""

import os
import sys
import warnings
from pathlib import Path

os.environ.setdefault("SCIPY_ARRAY_API", "1")
os.environ.setdefault("MPLBACKEND", "Agg")

import sklearn_sigmoid_mlp

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent

project = "sklearn-sigmoid-mlp"
author = "The sklearn-sigmoid-mlp developers"
copyright = "the sklearn-sigmoid-mlp developers (BSD-3-Clause)"
release = version = sklearn_sigmoid_mlp.__version__

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "numpydoc",
    "sphinx_gallery.gen_gallery",
]
templates_path = ["_templates"]
exclude_patterns = ["_build", "_generated/*.inc"]
autosummary_generate = True
autodoc_default_options = {"members": False}

# numpydoc: render the docstrings, and validate the public API's.
numpydoc_show_class_members = False
numpydoc_class_members_toctree = False
numpydoc_validation_checks = {
    "all",
    "ES01",  # an extended summary is optional
    "SA01",  # so is a See Also section
    "EX01",  # methods document their example in the class docstring
    "GL08",  # inherited scikit-learn methods documented by scikit-learn
    "RT02",  # a named return value ("self : SigmoidMSEClassifier") is fine
}
numpydoc_validation_exclude = {r"\._", r"^sklearn_sigmoid_mlp\.dask\.DaskBackend"}

sphinx_gallery_conf = {
    "examples_dirs": str(ROOT / "examples"),
    "gallery_dirs": "auto_examples",
    "filename_pattern": r"/",  # execute every example, not only plot_*.py
    "within_subsection_order": "FileNameSortKey",
    "download_all_examples": False,
    "remove_config_comments": True,
    "show_memory": False,
    "matplotlib_animations": False,
    "abort_on_example_error": True,
}

html_theme = "pydata_sphinx_theme"
html_title = f"sklearn-sigmoid-mlp {version}"
html_theme_options = {
    "navigation_with_keys": False,
    "show_prev_next": False,
    "secondary_sidebar_items": ["page-toc"],
}
html_static_path = []
html_show_sourcelink = False

# No network at build time: nothing is fetched (no intersphinx).
warnings.filterwarnings("ignore", category=UserWarning, message="Matplotlib is")


# --- generated pages ---------------------------------------------------------------


def _rst_table(markdown):
    """A Markdown pipe table (as ``benchmarks/`` writes them) as an RST list-table."""
    rows = [
        [cell.strip() for cell in line.strip().strip("|").split("|")]
        for line in markdown.strip().splitlines()
        if line.startswith("|") and not set(line) <= set("|-: ")
    ]
    lines = [".. list-table::", "   :header-rows: 1", ""]
    for row in rows:
        lines.append("   * - " + (row[0] or " "))
        lines.extend(f"     - {cell or ' '}" for cell in row[1:])
    return "\n".join(lines) + "\n"


def _benchmark_pages(out):
    """One include per ``benchmarks/results/*.md``: title, machine, table, notes."""
    for path in sorted((ROOT / "benchmarks" / "results").glob("*.md")):
        lines = path.read_text().splitlines()
        machine = [line for line in lines if line.startswith("Machine:")]
        title = [
            line.lstrip("#* ").rstrip("*") for line in lines if line[:1] in ("#", "*")
        ]
        table = "\n".join(line for line in lines if line.startswith("|"))
        notes = [
            line
            for line in lines
            if line.strip() and line[0] not in "#*|" and not line.startswith("Machine")
        ]
        page = [f"*{title[0]}*" if title else "", ""]
        page.append(
            machine[0]
            if machine
            else "Machine: not recorded in the file (an earlier session's 2-core "
            "Intel Xeon @ 2.50GHz, OpenBLAS 0.3.31)."
        )
        page += ["", _rst_table(table)]
        page += [note.replace("*", "\\*") for note in notes]
        (out / f"bench_{path.stem}.inc").write_text("\n".join(page) + "\n")


def _bad_input_page(out):
    sys.path.insert(0, str(ROOT / "tests"))
    from bad_inputs import CASES, FUZZ_EXAMPLES, cell, outcome

    lines = [".. list-table::", "   :header-rows: 1", "   :widths: 30 15 55", ""]
    lines += ["   * - input", "     - outcome", "     - message (start)"]
    for case in CASES:
        kind, message = outcome(case)
        if kind != "ok":
            result = f"``{kind}``"
        elif message:
            result = f"correct result, ``{message.split(':')[0]}``"
        else:
            result = "correct result"
        text = cell(message).replace("\\|", "|")
        lines += [
            f"   * - {case.group}: {case.name}",
            f"     - {result}",
            f"     - ``{text}``" if text else "     - ",
        ]
    lines += [
        "",
        f"Fuzzing (hypothesis, derandomized): {FUZZ_EXAMPLES} random inputs over "
        "shapes, dtypes, label sets and values, each ending in a clear "
        "``ValueError``/``TypeError`` or a valid result, with no warning but a "
        "``ConvergenceWarning``, no input changed and no crash.",
    ]
    (out / "bad_inputs.inc").write_text("\n".join(lines) + "\n")


def _generate(app):
    out = HERE / "_generated"
    out.mkdir(exist_ok=True)
    _benchmark_pages(out)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        _bad_input_page(out)


def setup(app):
    app.connect("builder-inited", _generate)
