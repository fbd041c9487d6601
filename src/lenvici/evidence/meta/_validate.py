"""Validation of meta-analysis inputs, done once at the public boundary (STYLE §3).

Each check takes the field name; the :class:`~lenvici.errors.InputError` it raises says the name, the
offending value and what is allowed. Internal code trusts what comes out of here.
"""

from __future__ import annotations

import numpy as np

from lenvici.errors import InputError

__all__ = [
    "as_vector",
    "same_length",
    "check_counts",
    "check_positive",
    "check_level",
    "check_choice",
    "check_representable",
]


def as_vector(values, field: str, *, allow_nan: bool = False) -> np.ndarray:
    """A 1-D float array of finite numbers; NaN/inf, strings and nested input raise ``InputError``."""
    try:
        arr = np.asarray(values, dtype=float)
    except (TypeError, ValueError):
        raise InputError(f"{field!r} must be a sequence of numbers; got {values!r}", field) from None
    if arr.ndim == 0:
        arr = arr.reshape(1)
    if arr.ndim != 1:
        raise InputError(f"{field!r} must be one-dimensional; got shape {arr.shape}", field)
    if arr.size == 0:
        raise InputError(f"{field!r} is empty; at least one study is needed", field)
    bad = ~np.isfinite(arr)
    if allow_nan:
        bad &= ~np.isnan(arr)
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise InputError(f"{field!r} must be finite numbers; element {i} is {arr[i]!r}", field)
    return arr


def same_length(**arrays: np.ndarray) -> int:
    """The common length of the named arrays; a mismatch raises ``InputError`` naming every field."""
    lengths = {name: len(a) for name, a in arrays.items()}
    if len(set(lengths.values())) > 1:
        listing = ", ".join(f"{n}={k}" for n, k in lengths.items())
        field = next(iter(arrays))
        raise InputError(f"inputs must have the same length; got {listing}", field)
    return next(iter(lengths.values()))


def check_counts(arr: np.ndarray, field: str) -> np.ndarray:
    """Counts must be whole numbers ≥ 0."""
    neg = arr < 0
    if neg.any():
        i = int(np.flatnonzero(neg)[0])
        raise InputError(f"{field!r} must be counts >= 0; element {i} is {arr[i]:g}", field)
    frac = arr != np.round(arr)
    if frac.any():
        i = int(np.flatnonzero(frac)[0])
        raise InputError(f"{field!r} must be whole counts; element {i} is {arr[i]:g}", field)
    return arr


def check_positive(arr: np.ndarray, field: str) -> np.ndarray:
    """Every element must be > 0 (sample sizes, sampling variances, standard errors, ratios)."""
    bad = arr <= 0
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise InputError(f"{field!r} must be > 0; element {i} is {arr[i]:g}", field)
    return arr


def check_level(level) -> float:
    """metafor's ``level``: a percentage in [1, 100) or a proportion in (0.5, 1). Returns α = 1 − level."""
    try:
        lev = float(level)
    except (TypeError, ValueError):
        raise InputError(f"'level' must be a number such as 95; got {level!r}", "level") from None
    if 1 <= lev < 100:
        return (100.0 - lev) / 100.0
    if 0.5 < lev < 1:
        return 1.0 - lev
    raise InputError(f"'level' must be a percentage in [1, 100) or a proportion in (0.5, 1); got {level!r}",
                     "level")


def check_choice(value, field: str, allowed) -> str:
    """A string among ``allowed`` (compared in upper case for methods and measures, as given otherwise)."""
    if not isinstance(value, str) or value not in allowed:
        raise InputError(f"{field!r} must be one of {', '.join(allowed)}; got {value!r}", field)
    return value


def check_representable(yi: np.ndarray, vi: np.ndarray) -> None:
    """The weighted sums a fit needs (Σ 1/vi, Σ yi²/vi) must be finite in double precision.

    Outcomes or variances so extreme that these overflow (e.g. yi = 1e308 with vi = 1e-308) cannot be
    fitted by any estimator; they are an input error, not a numerical failure to report later.
    """
    with np.errstate(over="ignore", divide="ignore", invalid="ignore"):
        weights = 1.0 / vi
        total = np.sum(weights)
        weighted = np.sum(weights * yi * yi)
    if not (np.isfinite(total) and np.isfinite(weighted)):
        raise InputError("'vi' and 'yi' are too extreme to fit in double precision (the inverse-variance "
                         "weighted sums overflow); rescale the outcomes or check the variances", "vi")
