"""Validation of survival inputs, in one place: every check names the field and what is allowed.

The public functions of :mod:`lenvici.survival` validate their arguments here, once, and pass plain
NumPy arrays inward; the fitting code trusts what it receives.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import numpy as np

from lenvici.errors import InputError

CONF_TYPES = ("log", "log-log", "plain")


def check_times(values: object, field: str = "time") -> np.ndarray:
    """A 1-d array of finite, non-negative follow-up times."""
    arr = _as_float_array(values, field)
    bad = np.flatnonzero(~np.isfinite(arr) | (arr < 0))
    if bad.size:
        i = int(bad[0])
        raise InputError(f"{field!r} must hold finite times >= 0; got {arr[i]!r} at position {i}", field)
    if arr.size == 0:
        raise InputError(f"{field!r} is empty; at least one observation is needed", field)
    return arr


def check_events(values: object, n: int, field: str = "event") -> np.ndarray:
    """A 1-d array of event indicators (1 = event, 0 = censored; booleans accepted) of length ``n``."""
    arr = _as_float_array(values, field)
    if arr.size != n:
        raise InputError(f"{field!r} must have the same length as time ({n}); got {arr.size}", field)
    bad = np.flatnonzero(~np.isin(arr, (0.0, 1.0)))
    if bad.size:
        i = int(bad[0])
        raise InputError(f"{field!r} must be 0 (censored) or 1 (event); got {arr[i]!r} at position {i}", field)
    return arr.astype(bool)


def check_labels(values: object, n: int, field: str) -> np.ndarray:
    """A 1-d array of group or stratum labels of length ``n`` (any hashable, no missing values)."""
    arr = np.asarray(values, dtype=object)
    if arr.ndim != 1 or arr.size != n:
        raise InputError(f"{field!r} must be one label per observation ({n}); got shape {arr.shape}", field)
    for i, v in enumerate(arr):
        if v is None or (isinstance(v, float) and math.isnan(v)):
            raise InputError(f"{field!r} has a missing label at position {i}", field)
    return arr


def check_conf_type(value: object) -> str:
    """One of ``log`` (R's default), ``log-log`` or ``plain``."""
    if isinstance(value, str):
        key = value.strip().lower().replace("_", "-")
        if key == "loglog":
            key = "log-log"
        if key in CONF_TYPES:
            return key
    raise InputError(f"'conf_type' must be one of {', '.join(CONF_TYPES)}; got {value!r}", "conf_type")


def check_level(value: object, field: str = "conf_level") -> float:
    """A confidence level strictly between 0 and 1 (0.95 for 95 %)."""
    try:
        level = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        level = math.nan
    if isinstance(value, bool) or not 0.0 < level < 1.0:
        raise InputError(f"{field!r} must be a number in (0, 1), e.g. 0.95; got {value!r}", field)
    return level


def check_covariates(covariates: object, n: int) -> tuple[tuple[str, ...], np.ndarray]:
    """Named numeric covariates as ``(names, X)`` with ``X`` of shape ``(n, p)``.

    Accepts a mapping name → column, or a pandas DataFrame (its columns).
    """
    if hasattr(covariates, "columns") and hasattr(covariates, "__getitem__"):
        names = tuple(str(c) for c in covariates.columns)  # type: ignore[union-attr]
        columns = [covariates[c] for c in covariates.columns]  # type: ignore[index]
    elif isinstance(covariates, Mapping):
        names = tuple(str(k) for k in covariates)
        columns = list(covariates.values())
    else:
        raise InputError("'covariates' must be a mapping of name -> column or a DataFrame", "covariates")
    if not names:
        raise InputError("'covariates' is empty; give at least one covariate", "covariates")
    if len(set(names)) != len(names):
        raise InputError(f"'covariates' has duplicate names: {names}", "covariates")
    cols = []
    for name, col in zip(names, columns):
        arr = _as_float_array(col, name)
        if arr.size != n:
            raise InputError(f"covariate {name!r} must have one value per observation ({n}); got {arr.size}", name)
        bad = np.flatnonzero(~np.isfinite(arr))
        if bad.size:
            raise InputError(f"covariate {name!r} must be finite; got {arr[bad[0]]!r} at position {bad[0]}", name)
        cols.append(arr)
    return names, np.column_stack(cols)


def check_probabilities(values: object, field: str = "p") -> np.ndarray:
    """Probabilities in [0, 1], as a 1-d array."""
    arr = np.atleast_1d(_as_float_array(values, field, allow_scalar=True))
    bad = np.flatnonzero(~np.isfinite(arr) | (arr < 0) | (arr > 1))
    if bad.size:
        raise InputError(f"{field!r} must be probabilities in [0, 1]; got {arr[bad[0]]!r}", field)
    return arr


def check_at_times(values: object, field: str = "times") -> np.ndarray:
    """Reporting times: finite, >= 0, strictly increasing."""
    arr = np.atleast_1d(_as_float_array(values, field, allow_scalar=True))
    if arr.size == 0 or not np.all(np.isfinite(arr)) or np.any(arr < 0) or np.any(np.diff(arr) <= 0):
        raise InputError(f"{field!r} must be finite times >= 0 in increasing order; got {arr.tolist()}", field)
    return arr


def _as_float_array(values: object, field: str, allow_scalar: bool = False) -> np.ndarray:
    if isinstance(values, (str, bytes)):
        raise InputError(f"{field!r} must be numbers, not a string; got {values!r}", field)
    try:
        arr = np.asarray(values, dtype=float)
    except (TypeError, ValueError):
        raise InputError(f"{field!r} must be numeric; got {_preview(values)}", field) from None
    if arr.ndim == 0 and allow_scalar:
        return arr.reshape(1)
    if arr.ndim != 1:
        raise InputError(f"{field!r} must be one-dimensional; got shape {arr.shape}", field)
    return arr


def _preview(values: object) -> str:
    if isinstance(values, Sequence) and not isinstance(values, str):
        return repr(list(values[:5])) + ("…" if len(values) > 5 else "")
    return repr(values)
