"""Validation of non-quantity clinical inputs (choices, flags, integers), in one place.

Quantities with units are validated by :mod:`lenvici.units`; everything else goes through these checks,
each of which names the field, the value and what is allowed (the shape of scikit-learn's
``check_scalar``), and raises :class:`lenvici.errors.InputError`.
"""

from __future__ import annotations

import math
from collections.abc import Iterable

from lenvici.errors import InputError
from lenvici.units import to_canonical

__all__ = ["check_choice", "check_flag", "check_int", "check_number", "quantity"]

_TRUE = {"true", "yes", "y", "1", "present"}
_FALSE = {"false", "no", "n", "0", "absent", "none"}


def check_choice(value: object, field: str, allowed: Iterable[str]) -> str:
    """``value`` as one of ``allowed`` (case-insensitive, ``_`` and ``-`` equivalent)."""
    allowed = tuple(allowed)
    if isinstance(value, str):
        key = value.strip().lower().replace("_", "-")
        for choice in allowed:
            if key == choice.lower():
                return choice
    raise InputError(f"{field!r} must be one of {', '.join(allowed)}; got {value!r}", field)


def check_flag(value: object, field: str) -> bool:
    """A yes/no input: a bool, or one of true/false, yes/no, present/absent, 1/0."""
    if isinstance(value, bool):
        return value
    if isinstance(value, (int, float)) and value in (0, 1):
        return bool(value)
    if isinstance(value, str) and value.strip().lower() in _TRUE | _FALSE:
        return value.strip().lower() in _TRUE
    raise InputError(f"{field!r} must be true or false; got {value!r}", field)


def check_int(value: object, field: str, low: int, high: int) -> int:
    """An integer in ``[low, high]``."""
    if isinstance(value, bool):
        raise InputError(f"{field!r} must be an integer in [{low}, {high}]; got {value!r}", field)
    try:
        number = int(value) if not isinstance(value, float) or value.is_integer() else None
    except (TypeError, ValueError):
        number = None
    if number is None or not low <= number <= high:
        raise InputError(f"{field!r} must be an integer in [{low}, {high}]; got {value!r}", field)
    return number


def check_number(value: object, field: str, low: float, high: float) -> float:
    """A finite unitless number in ``[low, high]`` (for scores and ratios, never for lab values)."""
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise InputError(f"{field!r} must be a number in [{low:g}, {high:g}]; got {value!r}", field) from None
    if isinstance(value, bool) or not math.isfinite(number) or not low <= number <= high:
        raise InputError(f"{field!r} must be a number in [{low:g}, {high:g}]; got {value!r}", field)
    return number


def quantity(value: object, field: str) -> float:
    """A clinical quantity (``"VALUE UNIT"``) in its canonical unit; see :func:`lenvici.units.to_canonical`."""
    return to_canonical(value, field)  # type: ignore[arg-type]
