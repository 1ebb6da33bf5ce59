"""Shared fixtures: the digits data and the notebook's reference loop."""

import importlib.util
from pathlib import Path

import pytest
from sklearn.datasets import load_digits

_PORT = Path(__file__).resolve().parents[1] / "benchmarks" / "notebook_port.py"


@pytest.fixture(scope="session")
def notebook():
    """The notebook's loop, ported to Python 3 (benchmarks/notebook_port.py)."""
    spec = importlib.util.spec_from_file_location("notebook_port", _PORT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="session")
def digits():
    """Raw digits pixels (0..16) and targets."""
    return load_digits(return_X_y=True)
