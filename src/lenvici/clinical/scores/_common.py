"""Small helpers shared by the score families: cut-off comparison and input checks.

Cut-offs are compared on unrounded values. The one allowance is :func:`snap`: a value within a
relative 1e-9 of a published cut-off *is* that cut-off. Unit conversion is a floating-point product
(``2.8 g/dL × 10 = 28.000000000000004 g/L``), so without it a value typed exactly at a boundary in one
unit could land a hair on the wrong side of the same boundary written in another unit. 1e-9 is far
below any laboratory's precision, so no real value is moved across a cut-off by it.
"""

from __future__ import annotations

import math
from collections.abc import Iterable

import numpy as np

from lenvici.clinical.validation import quantity
from lenvici.errors import InputError

__all__ = ["SNAP_RELATIVE", "snap", "classify", "positive", "canonical", "finite_result"]

#: Relative distance under which a value is taken to equal a cut-off (float noise from unit conversion).
SNAP_RELATIVE = 1e-9


def snap(values, cutoffs: Iterable[float]) -> np.ndarray:
    """``values`` as a float array, with entries within 1e-9 (relative) of a cut-off set onto it."""
    out = np.array(values, dtype=float, copy=True)
    for cut in cutoffs:
        close = np.abs(out - cut) <= SNAP_RELATIVE * max(1.0, abs(cut))
        out = np.where(close, cut, out)
    return out


def canonical(value: object, field: str) -> float:
    """A quantity input in its canonical unit (DESIGN §3), range-checked by :mod:`lenvici.units`."""
    return quantity(value, field)


def positive(value: float, field: str, why: str) -> float:
    """``value`` unchanged if it is > 0; otherwise an :class:`InputError` naming ``field`` and why."""
    if not value > 0:
        raise InputError(f"{field!r} must be greater than 0 {why}; got {value:g}", field)
    return value


def finite_result(value: float, score: str, field: str) -> float:
    """``value`` as a float if it is finite; otherwise an :class:`InputError` naming ``field``.

    Range-checked inputs keep most scores finite; a ratio over a denominator that is positive but
    vanishingly small (a lymphocyte count of 1e-300) would overflow, and is refused here, naming it.
    """
    if not math.isfinite(value):
        raise InputError(f"{field!r} is too small for {score}: the score would not be a finite number", field)
    return float(value)


def classify(values, cutoffs: tuple[float, ...], labels: tuple[str, ...], closed: str) -> np.ndarray:
    """The label of each value's interval between ``cutoffs`` (ascending), as an object array.

    ``closed="right"``: label *i* for ``cutoffs[i-1] < v ≤ cutoffs[i]`` (a value at a cut-off takes the
    lower class, as in "grade 1 ≤ −2.60"). ``closed="left"``: label *i* for ``cutoffs[i-1] ≤ v <
    cutoffs[i]`` (a value at a cut-off takes the higher class, as in "high NLR ≥ 4"). NaN gives None.
    """
    if closed not in ("left", "right"):
        raise ValueError("closed must be 'left' or 'right'")
    if len(labels) != len(cutoffs) + 1:
        raise ValueError("need one more label than cut-offs")
    v = snap(values, cutoffs)
    index = np.searchsorted(np.asarray(cutoffs, dtype=float), v, side="left" if closed == "right" else "right")
    out = np.asarray(labels, dtype=object)[np.minimum(index, len(labels) - 1)]
    return np.where(np.isnan(v), None, out)
