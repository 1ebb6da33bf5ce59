"""The documentation keeps its promises: every Python block of the README and of the
site runs on its own, without a warning, and prints a good held-out score; the public
API's docstrings pass numpydoc's validation, the README stays short, and the HTML
repr links to the API pages the site builds."""

import ast
import importlib.util
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


# Every example a user can copy runs in a fresh interpreter with ConvergenceWarning,
# hence PoorFitWarning, made an error. Not with `python -W
# error::sklearn.exceptions.ConvergenceWarning` (or PYTHONWARNINGS): Python reads -W
# before site-packages is importable and ignores it ("Invalid -W option ignored:
# invalid module name"). Nor by importing scikit-learn in this prelude: that imports
# SciPy before a block's first line, which may set SCIPY_ARRAY_API (array_api.rst).
# A filter's category is matched with issubclass, which this metaclass answers by
# the class's name, so nothing is imported (test_a_bad_example_fails checks both).
STRICT_PRELUDE = """\
import warnings as _warnings


class _ConvergenceWarningByName(type):
    def __subclasscheck__(cls, category):
        names = {(c.__module__, c.__qualname__) for c in category.__mro__}
        return ("sklearn.exceptions", "ConvergenceWarning") in names


_warnings.simplefilter("error", _ConvergenceWarningByName("C", (Warning,), {}))
del _warnings, _ConvergenceWarningByName
"""


def run_alone(code, tmp_path):
    """Run ``code`` in a fresh interpreter, ConvergenceWarning an error."""
    return subprocess.run(
        [sys.executable, "-c", STRICT_PRELUDE + code],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=600,
        env={**os.environ, "MPLBACKEND": "Agg"},
    )


# The least held-out score an example must print, chosen by the data it trains on.
# Digits (1797 images, 10 classes; a stratified 25 % held out, or cross-validation
# folds): the notebook's model scores 0.938 (seed 0) and every example 0.92-0.98,
# while a fit stopped on the early plateau scores 0.1-0.3 (and a one-digit-against-
# the-rest fit 0.5 balanced accuracy, predicting "rest" for all): 0.9 passes every
# good model with room for rounding and fails every poor one.
DIGITS = 0.9
# Wine (178 rows, 3 classes, 45 held out): with StandardScaler the defaults score
# 1.000; predicting the largest class scores 0.40, the PoorFitWarning fit with
# FixedScaler about that: 0.9 fails the poor fit and allows 4 errors in 45.
WINE = 0.9
HELD_OUT_MINIMUM = {
    "README.md": DIGITS,
    "doc/quick_start.rst": DIGITS,
    "doc/user_guide/notebook.rst": DIGITS,
    "doc/user_guide/training.rst": DIGITS,  # 3-fold CV accuracy, weighted fits
    "doc/user_guide/stopping_early.rst": DIGITS,  # one digit: balanced accuracy
    "doc/user_guide/array_api.rst": DIGITS,
    "doc/user_guide/dask.rst": DIGITS,
    "doc/user_guide/persistence.rst": DIGITS,
    "doc/user_guide/practical_use.rst": WINE,
}


def held_out_problems(result, minimum):
    """What is wrong with a run of an example, or ``[]``.

    It must exit 0 without a warning on stderr (not even one that scikit-learn turns
    a failed fit into, such as a ``FitFailedWarning`` in a search), and its last line
    of output must show its held-out score(s): every decimal number there at least
    ``minimum``.
    """
    if result.returncode != 0:
        return [f"exit status {result.returncode}:\n{result.stderr[-3000:]}"]
    problems = []
    if "Warning" in result.stderr:
        problems.append(f"warned:\n{result.stderr[-3000:]}")
    lines = result.stdout.strip().splitlines()
    scores = [float(s) for s in re.findall(r"\d*\.\d+", lines[-1] if lines else "")]
    if not scores:
        problems.append(f"no held-out score on the last line printed:\n{lines[-5:]}")
    elif min(scores) < minimum:
        problems.append(f"held-out score below {minimum}: {lines[-1]!r}")
    return problems


def minimum_for(name):
    assert name in HELD_OUT_MINIMUM, (
        f"{name}: add the least held-out score its examples' data allow to "
        "HELD_OUT_MINIMUM in tests/test_docs.py"
    )
    return HELD_OUT_MINIMUM[name]


def test_the_readme_is_short_and_has_its_blocks():
    lines = (ROOT / "README.md").read_text().splitlines()
    assert len(lines) <= 150
    assert readme_blocks()
    assert len(doc_blocks()) >= 7


@pytest.mark.parametrize("index", range(len(readme_blocks())))
def test_every_readme_python_block_runs_alone(index, tmp_path):
    result = run_alone(readme_blocks()[index], tmp_path)
    problems = held_out_problems(result, minimum_for("README.md"))
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize(
    "page, code",
    doc_blocks(),
    ids=[f"{p}-{i}" for i, (p, _) in enumerate(doc_blocks())],
)
def test_every_doc_python_block_runs_alone(page, code, tmp_path):
    minimum = minimum_for(page.as_posix())
    problems = held_out_problems(run_alone(code, tmp_path), minimum)
    assert not problems, f"{page}:\n" + "\n".join(problems)


def python_sources():
    """Every piece of Python a user or the suite runs: README and documentation
    blocks, gallery examples, benchmarks and tests, by a name for test ids."""
    sources = {f"README.md-{i}": code for i, code in enumerate(readme_blocks())}
    sources.update({f"{p}-{i}": code for i, (p, code) in enumerate(doc_blocks())})
    for folder in ("examples", "benchmarks", "tests"):
        for path in sorted((ROOT / folder).glob("*.py")):
            sources[path.relative_to(ROOT).as_posix()] = path.read_text()
    return sources


def dashboards_on_a_fixed_port(code):
    """The calls in ``code`` that start a Dask scheduler whose HTTP server (the
    dashboard) listens on a fixed port: ``LocalCluster(...)``, or ``Client(...)``
    without an address (it starts a LocalCluster), without ``dashboard_address``
    ending in ":0". With ``dashboard_address=None`` distributed (2026.8) still
    serves its HTTP routes on 8787."""
    found = []
    for node in ast.walk(ast.parse(code)):
        if not isinstance(node, ast.Call):
            continue
        name = getattr(node.func, "id", getattr(node.func, "attr", None))
        keywords = {k.arg: k.value for k in node.keywords}
        starts = name == "LocalCluster" or (
            name == "Client" and not node.args and "address" not in keywords
        )
        port = keywords.get("dashboard_address")
        random_port = isinstance(port, ast.Constant) and str(port.value).endswith(":0")
        if starts and not random_port:
            found.append(f"line {node.lineno}: {ast.unparse(node)}")
    return found


# Distributed warns (and a strict run fails) when 8787, its dashboard's default port,
# is taken, as it is wherever another cluster or a notebook's dashboard runs.
@pytest.mark.parametrize("name", list(python_sources()))
def test_no_code_starts_a_dask_dashboard_on_a_fixed_port(name):
    found = dashboards_on_a_fixed_port(python_sources()[name])
    assert not found, (
        f"{name} starts a Dask cluster whose dashboard needs a free port 8787; pass "
        'dashboard_address=":0" (a free port):\n' + "\n".join(found)
    )


def test_the_dashboard_scan_finds_clusters_and_clients():
    assert dashboards_on_a_fixed_port(
        "LocalCluster(n_workers=2)\ndistributed.Client()\n"
        "LocalCluster(dashboard_address=None)\n"
    ) == [
        "line 1: LocalCluster(n_workers=2)",
        "line 2: distributed.Client()",
        "line 3: LocalCluster(dashboard_address=None)",
    ]
    assert not dashboards_on_a_fixed_port(
        "Client(cluster)\nClient('tcp://h:8786')\nClient(address=a)\n"
        "LocalCluster(processes=False, dashboard_address=':0')\n"
        "Client(n_workers=1, dashboard_address='127.0.0.1:0')\n"
    )


DIGITS_SETUP = """
from sklearn.datasets import load_digits
from sklearn.model_selection import GridSearchCV, train_test_split
from sklearn.pipeline import make_pipeline

from sklearn_sigmoid_mlp import FixedScaler, SigmoidMSEClassifier

X, y = load_digits(return_X_y=True)
X_train, X_test, y_train, y_test = train_test_split(X, y, stratify=y, random_state=0)
"""
BAD_EXAMPLES = {
    # doc/user_guide/persistence.rst before: tol=1e-3 stops on the plateau at epoch
    # 19 (23 % training accuracy) with a PoorFitWarning, which must stop the run.
    "poor fit": (
        DIGITS_SETUP
        + "model = make_pipeline(\n"
        + "    FixedScaler(), SigmoidMSEClassifier(tol=1e-3, random_state=0)\n)\n"
        + "model.fit(X, y)\nprint(f'held-out accuracy: {model.score(X, y)}')\n",
        ["exit status 1", "PoorFitWarning: The fitted model is"],
    ),
    "max_iter": (  # ConvergenceWarning itself
        DIGITS_SETUP
        + "model = make_pipeline(FixedScaler(), SigmoidMSEClassifier(max_iter=50))\n"
        + "model.fit(X, y)\nprint(f'held-out accuracy: {model.score(X, y)}')\n",
        ["exit status 1", "ConvergenceWarning: Gradient descent: Maximum iterations"],
    ),
    # The README's search before: GridSearchCV turns the error of the fits that stop
    # on the plateau into a FitFailedWarning and goes on.
    "a search's failed fits": (
        DIGITS_SETUP
        + "pipe = make_pipeline(\n"
        + "    FixedScaler(), SigmoidMSEClassifier(tol=1e-3, random_state=0)\n)\n"
        + "grid = {'sigmoidmseclassifier__learning_rate': [2.0, 4.0]}\n"
        + "search = GridSearchCV(pipe, grid, cv=3).fit(X_train, y_train)\n"
        + "print(search.best_params_, search.score(X_test, y_test))\n",
        ["warned", "FitFailedWarning"],
    ),
    "a poor score": ("print('held-out accuracy: 0.500')", ["score below 0.9"]),
    "no score": ("print('accuracy:', 0.97)\nprint('done')", ["no held-out score"]),
    # The prelude imports nothing that a block may need to configure first.
    "a module imported by the prelude": (
        "import sys\nassert not {'sklearn', 'scipy', 'numpy'} & set(sys.modules)\n"
        "print('held-out accuracy: 0.5')",
        ["score below 0.9"],  # and not an AssertionError
    ),
}


@pytest.mark.parametrize("code, expected", BAD_EXAMPLES.values(), ids=BAD_EXAMPLES)
def test_a_bad_example_fails(code, expected, tmp_path):
    problems = "\n".join(held_out_problems(run_alone(code, tmp_path), DIGITS))
    assert all(part in problems for part in expected), problems


def list_table_rows(text):
    """The rows of the list-tables in reST ``text``: one list of cells per row, each
    cell's lines joined by spaces."""
    rows = []
    for line in text.splitlines():
        if line.startswith("   * - "):
            rows.append([line[7:].strip()])
        elif line.startswith("     - ") and rows:
            rows[-1].append(line[7:].strip())
        elif line.startswith("       ") and rows:
            rows[-1][-1] += " " + line.strip()
        elif line.strip() and not line.startswith("   "):
            rows.append(None)  # text between tables ends the last row
    return [row for row in rows if row]


def test_the_migration_table_maps_every_mlpclassifier_parameter():
    from sklearn.neural_network import MLPClassifier

    page = (ROOT / "doc" / "user_guide" / "from_mlpclassifier.rst").read_text()
    rows = list_table_rows(page)
    assert rows[0] == ["``MLPClassifier``", "default there", "here"]
    theirs = inspect.signature(MLPClassifier).parameters
    ours = inspect.signature(SigmoidMSEClassifier).parameters
    table = {row[0].strip("`"): row[1:] for row in rows[1:]}
    assert list(table) == list(theirs), "one row per parameter, in their order"
    # The one name both have for different things: a schedule there, the step here.
    other_meaning = {"learning_rate"}
    for name, (default, here) in table.items():
        assert default == f"``{theirs[name].default!r}``", name
        if here.startswith("no equivalent, because "):
            assert name not in ours or name in other_meaning, f"{name}: ours has it"
            continue
        mapped = re.match(r"``(\w+)`` \(default ``(.+?)``\): \S", here)
        assert mapped, f"{name}: neither ours nor 'no equivalent, because': {here}"
        assert mapped[1] in ours, f"{name}: we have no {mapped[1]}"
        assert mapped[2] == repr(ours[mapped[1]].default), name
    # Any other name both have means the same thing: it maps to itself.
    for name in set(theirs) & set(ours) - other_meaning:
        assert table[name][1].startswith(f"``{name}`` "), name
    assert set(ours) - set(theirs) == {"class_weight"}
    assert "``class_weight`` (default ``None``)" in page


def test_no_page_claims_that_check_estimator_skips_nothing():
    sys.path.insert(0, str(ROOT / "doc" / "_generators"))
    try:
        from landing import estimator_checks
    finally:
        sys.path.remove(str(ROOT / "doc" / "_generators"))

    pages = {"README.md": (ROOT / "README.md").read_text()}
    pages.update(
        {str(p.relative_to(ROOT)): p.read_text() for p in (ROOT / "doc").rglob("*.rst")}
    )
    claims = [
        name
        for name, text in pages.items()
        if re.search(r"(nothing|none|no check)\s+skipped", text, flags=re.I)
    ]
    assert not claims
    # The README names every library whose absence makes scikit-learn skip a check;
    # the landing page quotes the counts measured at build time.
    passed, skipped, absent = estimator_checks()
    assert passed >= 90 and (skipped == 0) == (not absent)
    readme = pages["README.md"].lower()
    assert all(name.lower() in readme for name in absent), absent
    index = pages["doc/index.rst"]
    assert all(f"|{v}|" in index for v in ("checks_passed", "checks_skipped"))


def _generator(name):
    """``doc/_generators/<name>.py``, loaded as the site's build loads it."""
    path = ROOT / "doc" / "_generators" / f"{name}.py"
    spec = importlib.util.spec_from_file_location(f"_generators_{name}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_class_weight_table_shows_precision_beside_balanced_accuracy(tmp_path):
    # Measured now, not typed: the build writes the table the training guide
    # includes, and fails when the guide's sentences about it stop being true.
    _generator("class_weight").generate(tmp_path)
    header = list_table_rows((tmp_path / "class_weight.inc").read_text())[0]
    assert {"balanced accuracy", "predicted / true", "precision"} <= set(header)
    values = dict(
        re.findall(
            r"\|(\w+)\| replace:: (.*)",
            (tmp_path / "class_weight_values.inc").read_text(),
        )
    )
    assert int(values["cw_8_predicted"]) > int(values["cw_8_true"])
    assert float(values["cw_8_precision"]) < float(values["cw_8_recall"])
    page = (ROOT / "doc" / "user_guide" / "training.rst").read_text()
    assert ".. include:: ../_generated/class_weight.inc" in page
    assert ".. include:: ../_generated/class_weight_values.inc" in page
    for name in ("cw_8_predicted", "cw_8_true", "cw_8_precision"):
        assert f"|{name}|" in page
    # The guide's own example prints the precision before its held-out score.
    block = next(
        code
        for p, code in doc_blocks()
        if p.name == "training.rst" and "class_weight=" in code
    )
    assert "precision_score" in block


def test_every_table_of_the_site_wraps_to_the_content_column():
    conf = (ROOT / "doc" / "conf.py").read_text()
    assert 'html_static_path = ["_static"]' in conf
    assert 'html_css_files = ["tables.css"]' in conf
    css = (ROOT / "doc" / "_static" / "tables.css").read_text()
    # Sphinx keeps each word of a literal on one line (span.pre): not in a table.
    rule = re.search(
        r"\.bd-article table code,\s*\.bd-article table span\.pre \{(.*?)\}", css, re.S
    )
    assert rule and "white-space: normal" in rule[1]
    assert "table-layout: fixed" in css  # columns whose widths a page sets


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
    # Without a known address, no link (never a relative path outside the site).
    monkeypatch.delenv("SKLEARN_SIGMOID_MLP_DOC_URL", raising=False)
    html = estimator_html_repr(make_pipeline(FixedScaler(), SigmoidMSEClassifier()))
    assert "../generated" not in html
    monkeypatch.setenv("SKLEARN_SIGMOID_MLP_DOC_URL", "https://docs.example/v0.2/")
    html = estimator_html_repr(make_pipeline(FixedScaler(), SigmoidMSEClassifier()))
    for name in ("FixedScaler", "SigmoidMSEClassifier"):
        page = f"https://docs.example/v0.2/generated/sklearn_sigmoid_mlp.{name}.html"
        assert f'href="{page}"' in html
    link = SigmoidMSEClassifier()._get_doc_link()
    assert link == (
        "https://docs.example/v0.2/generated/"
        "sklearn_sigmoid_mlp.SigmoidMSEClassifier.html"
    )
    api = (ROOT / "doc" / "api.rst").read_text()
    assert "   SigmoidMSEClassifier\n" in api and "   FixedScaler\n" in api
    assert "   dask.DaskSigmoidMSEClassifier\n" in api
