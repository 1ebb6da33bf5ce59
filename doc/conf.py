"""Sphinx configuration: the documentation site of sklearn-sigmoid-mlp.

Build offline, warnings as errors: ``sphinx-build -W -b html doc doc/_build/html``.
The gallery (``examples/``) is executed at build time; the benchmark tables come
from ``benchmarks/results``, the bad-input table from the live cases of
``tests/bad_inputs.py``, the practical-use and class-weight tables, the landing
page's figure and its ``check_estimator`` counts from fits and checks run at build
time (``doc/_generators/``), so none can drift from what the code does.
"""

import os
import sys
import warnings
from pathlib import Path

os.environ.setdefault("SCIPY_ARRAY_API", "1")
os.environ.setdefault("MPLBACKEND", "Agg")

import sklearn_sigmoid_mlp
from sklearn_sigmoid_mlp import _doc_links

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent

# The "?" link of the HTML reprs the gallery renders: the site's own API page, by a
# path relative to the gallery's pages (GALLERY_DIR/<example>.html, one level below
# the root), so that it works wherever the site is served or opened. Outside the
# build, reprs link to SKLEARN_SIGMOID_MLP_DOC_URL when set, else to nothing.
GALLERY_DIR = "auto_examples"
_doc_links.set_site_base("/".join([".."] * len(Path(GALLERY_DIR).parts)))
# Where the site is served, when the builder says so: the pages' canonical links.
if _doc_links.is_absolute_url(os.environ.get(_doc_links.DOC_URL_VARIABLE, "")):
    html_baseurl = os.environ[_doc_links.DOC_URL_VARIABLE].strip().rstrip("/") + "/"

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
# The class templates (_templates/class.rst) list every public method themselves, as
# scikit-learn's API pages do; autodoc adds nothing on its own (no :members:).
autodoc_default_options = {}
autodoc_inherit_docstrings = True
# "On this page" names a method ``fit()``, not ``SigmoidMSEClassifier.fit()``.
toc_object_entries_show_parents = "hide"

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
    "gallery_dirs": GALLERY_DIR,
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
    # "On this page" of an API page: the class and every method, unfolded.
    "show_toc_level": 2,
}
# Pages with no sub-pages get no (empty) "Section Navigation" column.
html_sidebars = {"index": [], "install": [], "quick_start": []}
# doc/_static/tables.css: every table wraps to fit the content column.
html_static_path = ["_static"]
html_css_files = ["tables.css"]
html_show_sourcelink = False

# No network at build time: nothing is fetched (no intersphinx).
warnings.filterwarnings("ignore", category=UserWarning, message="Matplotlib is")


# --- scikit-learn's references in inherited docstrings ------------------------------
# ``score``, ``get_params``, ``set_fit_request``, ... are documented by scikit-learn's
# own docstrings, which refer to its user guide (``:ref:``) and glossary (``:term:``).
# Offline there is no intersphinx: those references (and only those: ours must
# resolve) point at scikit-learn's site, or stay plain text.

SKLEARN_DOC = "https://scikit-learn.org/stable/"
SKLEARN_LABELS = {
    "metadata_routing": "metadata_routing.html",
    "accuracy_score": "modules/model_evaluation.html#accuracy-score",
}


def _sklearn_reference(app, env, node, contnode):
    from docutils import nodes

    source = node.source or ""
    # A method's summary line in a Methods table has the page as its source; the
    # same line is checked where the docstring itself is rendered.
    inherited = "/sklearn/" in source or "<autosummary>" in source
    if not inherited or node.get("refdomain") != "std":
        return None
    target = node.get("reftarget", "")
    if node.get("reftype") == "term":
        uri = "glossary.html#term-" + "-".join(target.lower().split())
    elif target in SKLEARN_LABELS:
        uri = SKLEARN_LABELS[target]
    elif target.startswith("sphx_glr_auto_examples_") and target.endswith(".py"):
        parts = target[len("sphx_glr_") : -len(".py")].split("_", 2)
        uri = f"{parts[0]}_{parts[1]}/" + parts[2].replace("_", "/", 1) + ".html"
    else:
        return contnode  # a label with no known page: its text, no link
    reference = nodes.reference("", "", internal=False, refuri=SKLEARN_DOC + uri)
    reference += contnode
    return reference


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


def _generator(name):
    """``doc/_generators/<name>.py``, loaded as a module."""
    import importlib.util

    path = HERE / "_generators" / f"{name}.py"
    spec = importlib.util.spec_from_file_location(f"_generators_{name}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _generate(app):
    out = HERE / "_generated"
    out.mkdir(exist_ok=True)
    _benchmark_pages(out)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        _bad_input_page(out)
        # The landing page's figure: the notebook's run against ours, measured now,
        # and the recorded time per epoch (doc/_generators/landing.py).
        _generator("landing").generate(out)
    # The practical-use guide's tables, measured now (about 25 s on 2 cores); it
    # records the fits' warnings itself (doc/_generators/practical_use.py).
    _generator("practical_use").generate(out)
    # The training guide's class-weight table, measured now (about 2 s); it records
    # the fits' warnings itself (doc/_generators/class_weight.py).
    _generator("class_weight").generate(out)


def setup(app):
    app.connect("builder-inited", _generate)
    app.connect("missing-reference", _sklearn_reference)
