"""Every script in examples/ runs to completion (in a scratch directory), without a
warning (ConvergenceWarning, hence PoorFitWarning, an error), ends by printing a
good held-out score, and labels each curve of its figures once and plainly."""

import json
import re
from pathlib import Path

import pytest
from test_docs import DIGITS, held_out_problems, run_alone

EXAMPLES = sorted((Path(__file__).resolve().parents[1] / "examples").glob("*.py"))

# The least held-out score each example must print on its last line, chosen by its
# data (see HELD_OUT_MINIMUM in test_docs.py for why 0.9 on digits).
HELD_OUT_MINIMUM = {
    "plot_reproduce_notebook": DIGITS,
    "plot_hidden_units": DIGITS,
    "plot_compare_mlpclassifier": DIGITS,  # both classifiers' scores
    "plot_grid_search": DIGITS,
    "plot_early_stopping": DIGITS,  # early stopping; the PoorFitWarning is caught
    "plot_class_weight": DIGITS,  # 3 vs rest, balanced accuracy; plain fit: 0.5
    "plot_onnx": DIGITS,
    "plot_dask": DIGITS,
    "save_with_skops": DIGITS,
}


def test_there_are_examples():
    names = {path.stem for path in EXAMPLES}
    assert set(HELD_OUT_MINIMUM) <= names


# The legends an example's figures must show, axes by axes (those with a legend).
LEGENDS = {
    # Not "training loss (training loss)", "training loss (validation loss)" and the
    # validation loss drawn a second time as "held-out loss".
    "plot_early_stopping": [["training loss", "validation loss"]],
}

# Run after an example: what its figures show, written to figures.json.
FIGURES = """
import json as _json

import matplotlib.pyplot as _plt

_figures = [
    [
        {
            "legend": [t.get_text() for t in ax.get_legend().get_texts()]
            if ax.get_legend()
            else None,
            "lines": [line.get_label() for line in ax.get_lines()],
        }
        for ax in _plt.figure(number).axes
    ]
    for number in _plt.get_fignums()
]
with open("figures.json", "w") as _file:
    _json.dump(_figures, _file)
"""


def legend_problems(figures, expected=None):
    """What is wrong with the legends of an example's figures, or ``[]``."""
    problems = []
    legends = []
    for figure in figures:
        for axes in figure:
            if axes["legend"] is None:
                continue
            legends.append(axes["legend"])
            if len(set(axes["legend"])) < len(axes["legend"]):
                problems.append(f"a label twice in one legend: {axes['legend']}")
            problems += [
                f"a label that repeats itself: {text!r}"
                for text in axes["legend"]
                if re.fullmatch(r"(.+) \(\1\)", text)
            ]
    if expected is not None and legends != expected:
        problems.append(f"legends {legends}, expected {expected}")
    if expected is not None:
        # Each curve once: as many curves as legend entries, on every axes.
        curves = [[label for a in figure for label in a["lines"]] for figure in figures]
        entries = [
            [text for a in figure for text in a["legend"] or []] for figure in figures
        ]
        if [len(c) for c in curves] != [len(e) for e in entries]:
            problems.append(f"curves {curves} for the legend entries {entries}")
    return problems


@pytest.mark.parametrize("script", EXAMPLES, ids=lambda path: path.stem)
def test_example_runs(script, tmp_path):
    assert script.stem in HELD_OUT_MINIMUM, (
        f"{script.name}: add the least held-out score its data allow to "
        "HELD_OUT_MINIMUM in tests/test_examples.py"
    )
    code = f"import runpy\nrunpy.run_path({str(script)!r}, run_name='__main__')\n"
    problems = held_out_problems(
        run_alone(code + FIGURES, tmp_path), HELD_OUT_MINIMUM[script.stem]
    )
    if not problems:
        figures = json.loads((tmp_path / "figures.json").read_text())
        problems = legend_problems(figures, LEGENDS.get(script.stem))
    assert not problems, "\n".join(problems)


def test_legend_problems_are_found():
    assert legend_problems([[{"legend": ["a", "b"], "lines": ["a", "b"]}]]) == []
    duplicated = [[{"legend": ["a", "a"], "lines": ["a", "a"]}]]
    assert legend_problems(duplicated) == ["a label twice in one legend: ['a', 'a']"]
    before = [
        {
            "legend": ["training loss (training loss)", "x", "held-out loss"],
            "lines": ["training loss (training loss)", "x", "held-out loss"],
        },
    ]
    assert legend_problems([before], [["training loss", "validation loss"]]) == [
        "a label that repeats itself: 'training loss (training loss)'",
        "legends [['training loss (training loss)', 'x', 'held-out loss']], "
        "expected [['training loss', 'validation loss']]",
    ]
    twice = [{"legend": ["a", "b"], "lines": ["a", "b", "_child2"]}]
    assert legend_problems([twice], [["a", "b"]]) == [
        "curves [['a', 'b', '_child2']] for the legend entries [['a', 'b']]"
    ]
