"""The landing page's figure and numbers (``doc/index.rst``), made at build time.

``doc/conf.py`` calls :func:`generate`, which writes into ``doc/_generated/``:

* ``landing.png``: left, the loss per epoch of the notebook's loop
  (``benchmarks/notebook_port.py``) and of ``SigmoidMSEClassifier`` with its
  defaults, both run now on digits with seed 0; right, the time per epoch of the
  notebook, ``MLPClassifier`` and this estimator as recorded in
  ``benchmarks/results/digits.json`` (the benchmark's own medians and ranges);
* ``landing_values.inc``: the substitutions the page's text quotes, from the same
  two sources and from scikit-learn's ``check_estimator`` run now on both
  estimators (how many checks passed, and which were skipped for want of a
  library; the build fails if one fails or is skipped for another reason).

No number is typed by hand: the faithfulness numbers are measured at every build,
the speed numbers are those of the recorded benchmark (re-run it with
``python benchmarks/bench_epoch.py``).
"""

import importlib.util
import json
import re
from pathlib import Path

import numpy as np
from sklearn.datasets import load_digits
from sklearn.utils.estimator_checks import check_estimator

from sklearn_sigmoid_mlp import FixedScaler, SigmoidMSEClassifier

ROOT = Path(__file__).resolve().parents[2]
BENCHMARK = ROOT / "benchmarks" / "results" / "digits.json"
PEERS = {  # benchmark row -> label in the figure
    "notebook": "the notebook's loop",
    "MLPClassifier": "MLPClassifier",
    "ours-f64": "SigmoidMSEClassifier",
    "ours-f32": "SigmoidMSEClassifier, float32",
}
SEED = 0


def _notebook():
    spec = importlib.util.spec_from_file_location(
        "notebook_port", ROOT / "benchmarks" / "notebook_port.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def faithfulness():
    """Both runs on digits, seed 0: their loss curves and stopping epochs."""
    X, y = load_digits(return_X_y=True)
    reference = _notebook().run_notebook(X, y, SEED)
    clf = SigmoidMSEClassifier(random_state=SEED).fit(FixedScaler().transform(X), y)
    ours = np.array([clf.initial_loss_, *clf.loss_curve_])
    theirs = np.array(reference["loss"])
    if len(ours) != len(theirs) or clf.n_iter_ != reference["stop_epoch"] + 1:
        raise RuntimeError(
            "SigmoidMSEClassifier no longer stops at the notebook's epoch on digits "
            f"(seed {SEED}): {clf.n_iter_} against {reference['stop_epoch'] + 1}; "
            "doc/index.rst says it does."
        )
    difference = float(np.max(np.abs(ours - theirs) / np.abs(theirs)))
    if not difference <= 1e-12:
        raise RuntimeError(
            f"The loss curves of the notebook and SigmoidMSEClassifier differ by "
            f"{difference:.1e} (relative); doc/index.rst says at most 1e-12."
        )
    return ours, theirs, clf.n_iter_, difference


def benchmark():
    return json.loads(BENCHMARK.read_text())


def _figure(path, ours, theirs, epochs, difference, bench):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    rows = {row["peer"]: row for row in bench["rows"]}
    fig, (left, right) = plt.subplots(
        1, 2, figsize=(11, 3.6), gridspec_kw={"width_ratios": [1.15, 1]}
    )
    _loss_panel(left, ours, theirs, epochs, difference)
    _speed_panel(right, rows)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def _loss_panel(ax, ours, theirs, epochs, difference):
    """Left: the two loss curves, ours as a line, the notebook's as markers."""
    ax.plot(
        np.arange(len(ours)), ours, lw=2.5, color="C0", label="SigmoidMSEClassifier"
    )
    step = max(1, len(theirs) // 40)
    ax.plot(
        np.arange(len(theirs))[::step],
        theirs[::step],
        "o",
        ms=4,
        mfc="none",
        color="C3",
        label="the notebook's loop",
    )
    ax.set(
        xlabel="epoch",
        ylabel="training loss",
        title=f"Digits, seed {SEED}: both stop after {epochs} epochs;\n"
        f"largest relative difference of the losses {difference:.0e}",
    )
    ax.legend(frameon=False)


def _speed_panel(ax, rows):
    """Right: the recorded time per epoch of each peer, median and range."""
    names = [peer for peer in PEERS if peer in rows]
    medians = np.array([rows[p]["ms_median"] for p in names])
    low = medians - np.array([rows[p]["ms_min"] for p in names])
    high = np.array([rows[p]["ms_max"] for p in names]) - medians
    colors = ["C3", "C1", "C0", "C0"]
    bars = ax.barh(
        range(len(names)),
        medians,
        xerr=[low, high],
        color=colors[: len(names)],
        alpha=0.85,
        capsize=3,
    )
    for bar, peer in zip(bars, names):
        if peer == "ours-f32":
            bar.set_hatch("//")
    ax.set_yticks(range(len(names)), [PEERS[p] for p in names])
    ax.invert_yaxis()
    ax.set(
        xlabel="ms per full-batch epoch (median, min-max)",
        title="Time per epoch on digits, same network\n(benchmarks/results/digits.md)",
    )
    for i, (median, top) in enumerate(zip(medians, medians + high)):
        ax.annotate(
            f"{median:.2f}",
            (top, i),
            xytext=(6, 0),
            textcoords="offset points",
            va="center",
            fontsize=9,
        )
    ax.margins(x=0.2)


# What scikit-learn says when it skips an array API check for a library or device
# the machine lacks ("torch is not installed: ..."); tests/test_common.py allows
# these skips and no other.
ABSENT = re.compile(r"^(\w+) is not installed|is not available|no XPU device|MPS")


def estimator_checks():
    """``check_estimator`` on both estimators, now: how many checks passed, how
    many were skipped, and the libraries whose absence skipped them."""
    results = [
        result
        for estimator in (SigmoidMSEClassifier(), FixedScaler())
        for result in check_estimator(estimator, on_fail=None)
    ]
    absent = set()
    for result in results:
        if result["status"] == "passed":
            continue
        reason = ABSENT.search(str(result["exception"]))
        if not (result["status"] == "skipped" and reason):
            raise RuntimeError(
                f"{result['check_name']} {result['status']} for "
                f"{result['estimator']!r}: {result['exception']}; doc/index.rst says "
                "every check passes but the array API checks of absent libraries."
            )
        absent.add(reason[1] or "GPU devices")
    passed = sum(result["status"] == "passed" for result in results)
    return passed, len(results) - passed, sorted(absent, key=str.lower)


def _words(names):
    """``["a", "b", "c"]`` as "a, b and c"."""
    return " and ".join([", ".join(names[:-1]), *names[-1:]] if names[1:] else names)


def generate(out):
    out = Path(out)
    passed, skipped, absent = estimator_checks()
    ours, theirs, epochs, difference = faithfulness()
    bench = benchmark()
    _figure(out / "landing.png", ours, theirs, epochs, difference, bench)
    rows = {row["peer"]: row for row in bench["rows"]}
    machine = bench.get("machine", {})
    values = {
        "epochs": str(epochs),
        "difference": f"{difference:.0e}",
        "f64_vs_mlp": f"{rows['ours-f64']['speedup_vs_MLPClassifier']:.1f}",
        "f32_vs_mlp": f"{rows['ours-f32']['speedup_vs_MLPClassifier']:.1f}",
        "f64_vs_notebook": f"{rows['ours-f64']['speedup_vs_notebook']:.1f}",
        "ms_ours": f"{rows['ours-f64']['ms_median']:.2f}",
        "ms_mlp": f"{rows['MLPClassifier']['ms_median']:.2f}",
        "machine": f"{machine.get('cpu', 'unrecorded CPU')}, "
        f"{machine.get('cores', '?')} cores",
        "checks_passed": str(passed),
        "checks_skipped": str(skipped),
        "checks_absent": _words([f"``{name}``" for name in absent]) or "none",
    }
    lines = [f".. |{name}| replace:: {text}" for name, text in values.items()]
    (out / "landing_values.inc").write_text("\n".join(lines) + "\n")
    return values


if __name__ == "__main__":
    print(generate(Path(__file__).resolve().parents[1] / "_generated"))
