"""Access to tests/data/survival_reference.json (written by validation/survival/generate_reference.R).

R's non-finite values are stored as the strings "NA", "NaN", "Inf", "-Inf"; :func:`num` maps them to
NaN / ±inf. Data sets are columns; :func:`dataset` returns NumPy arrays (NA → NaN for numbers).
"""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

import numpy as np

PATH = Path(__file__).resolve().parents[1] / "data" / "survival_reference.json"
_SPECIAL = {"NA": np.nan, "NaN": np.nan, "Inf": np.inf, "-Inf": -np.inf}


@lru_cache(maxsize=1)
def reference() -> dict:
    return json.loads(PATH.read_text())


def num(values) -> np.ndarray:
    """A JSON number or list of numbers (with R's non-finite strings) as a float array."""
    if not isinstance(values, list):
        values = [values]
    return np.array([_SPECIAL[v] if isinstance(v, str) else v for v in values], dtype=float)


def column(name: str, col: str) -> np.ndarray:
    values = reference()["datasets"][name][col]
    if any(isinstance(v, str) and v not in _SPECIAL for v in values):
        return np.array(values, dtype=object)
    return num(values)


def labels_match(values: np.ndarray, label: str) -> np.ndarray:
    """Rows whose group value prints as R's stratum label (R prints 1.0 as "1")."""
    def show(v):
        return f"{v:g}" if isinstance(v, float) else str(v)

    return np.array([show(v) == label for v in values])


def assert_close(actual, expected, tol: float, what: str) -> float:
    """Elementwise |actual − expected| ≤ tol with NaN matching NaN and inf matching inf; returns the max diff."""
    a = np.atleast_1d(np.asarray(actual, dtype=float))
    b = num(expected) if not isinstance(expected, np.ndarray) else expected.astype(float)
    assert a.shape == b.shape, f"{what}: shape {a.shape} vs R {b.shape}"
    nan_a, nan_b = np.isnan(a), np.isnan(b)
    assert np.array_equal(nan_a, nan_b), f"{what}: NaN/NA at different places: ours {np.flatnonzero(nan_a)}, R {np.flatnonzero(nan_b)}"
    inf = np.isinf(a) | np.isinf(b)
    assert np.array_equal(a[inf], b[inf]), f"{what}: infinite values differ"
    fin = ~(nan_a | inf)
    diff = float(np.max(np.abs(a[fin] - b[fin]))) if fin.any() else 0.0
    assert diff <= tol, f"{what}: max |ours − R| = {diff:.3g} > {tol:g}"
    return diff
