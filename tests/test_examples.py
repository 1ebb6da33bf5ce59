"""Every script in examples/ runs to completion (in a scratch directory), without a
warning (ConvergenceWarning, hence PoorFitWarning, an error), and ends by printing a
good held-out score."""

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


@pytest.mark.parametrize("script", EXAMPLES, ids=lambda path: path.stem)
def test_example_runs(script, tmp_path):
    assert script.stem in HELD_OUT_MINIMUM, (
        f"{script.name}: add the least held-out score its data allow to "
        "HELD_OUT_MINIMUM in tests/test_examples.py"
    )
    code = f"import runpy\nrunpy.run_path({str(script)!r}, run_name='__main__')\n"
    problems = held_out_problems(
        run_alone(code, tmp_path), HELD_OUT_MINIMUM[script.stem]
    )
    assert not problems, "\n".join(problems)
