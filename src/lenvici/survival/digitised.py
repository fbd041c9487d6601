"""Cleaning of a digitised Kaplan–Meier curve and its numbers-at-risk table, before reconstruction.

Points read off a published figure (with a tool such as WebPlotDigitizer or DigitizeIt) come out of
order, wobble up where the curve is flat, overshoot 1 or undershoot 0 by a pixel, and repeat. The
curve is cleaned in this order, and every change is recorded in ``notes``:

1. survival given in percent is divided by 100 (``percent=True``);
2. values within 0.05 outside [0, 1] are clipped to [0, 1]; values further out are an error;
3. points are sorted by time (ties: higher survival first);
4. survival is made non-increasing (each value replaced by the running minimum);
5. the curve is made to start at (0, 1): points at time 0 are set to 1, and (0, 1) is added if absent;
6. repeated (time, survival) points are dropped.

The numbers-at-risk table must start at time 0, hold whole numbers ≥ 0 that never increase, and list
each time once; rows after the curve's last time are dropped (the curve says nothing there), as are
rows after the first zero. Errors are :class:`~lenvici.errors.InputError` naming the row and column.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from lenvici.errors import InputError

__all__ = ["CleanAtRisk", "CleanCurve", "clean_at_risk", "clean_curve"]

#: How far outside [0, 1] a digitised survival value may stray before it is an error, not a pixel.
CLIP_SLACK = 0.05


@dataclass(frozen=True)
class CleanCurve:
    """A cleaned digitised curve: times increasing from 0, survival non-increasing from 1."""

    time: np.ndarray
    survival: np.ndarray
    notes: tuple[str, ...]


@dataclass(frozen=True)
class CleanAtRisk:
    """A cleaned numbers-at-risk table: times increasing from 0, counts non-increasing."""

    time: np.ndarray
    n_at_risk: np.ndarray
    notes: tuple[str, ...]


def clean_curve(time, survival, percent: bool = False, rows: Sequence[str] | None = None) -> CleanCurve:
    """Clean a digitised Kaplan–Meier curve (see the module docstring for the steps).

    Parameters
    ----------
    time, survival
        The digitised points, in any order; survival as fractions (or percent with ``percent=True``).
    percent
        Survival is given in percent (0–100).
    rows
        How to name each point in error messages (e.g. ``"line 7"`` of a file); default ``"row i"``
        (1-based).

    Returns
    -------
    CleanCurve

    Examples
    --------
    >>> c = clean_curve([0.5, 0.0, 2.0, 1.0], [0.97, 1.01, 0.80, 0.81])
    >>> c.time.tolist(), c.survival.tolist()
    ([0.0, 0.5, 1.0, 2.0], [1.0, 0.97, 0.81, 0.8])
    """
    t = _numbers(time, "time", rows)
    s = _numbers(survival, "survival", rows)
    if t.size != s.size:
        raise InputError(f"'time' and 'survival' must have the same length; got {t.size} and {s.size}", "survival")
    if t.size == 0:
        raise InputError("the digitised curve has no points", "survival")
    labels = _labels(rows, t.size)
    notes: list[str] = []
    neg = np.flatnonzero(t < 0)
    if neg.size:
        i = int(neg[0])
        raise InputError(f"{labels[i]}, column 'time': {t[i]:g} is negative; times must be >= 0", "time")
    if percent:
        s = s / 100.0
        notes.append("survival divided by 100 (percent)")
    far = np.flatnonzero((s < -CLIP_SLACK) | (s > 1 + CLIP_SLACK))
    if far.size:
        i = int(far[0])
        hint = " (if the curve is in percent, pass percent=True / --percent)" if s[i] > 1 + CLIP_SLACK else ""
        raise InputError(
            f"{labels[i]}, column 'survival': {s[i] * (100 if percent else 1):g} is outside [0, 1]{hint}", "survival"
        )
    clipped = int(np.count_nonzero((s < 0) | (s > 1)))
    if clipped:
        s = np.clip(s, 0.0, 1.0)
        notes.append(f"{clipped} survival value(s) clipped to [0, 1]")
    order = np.lexsort((-s, t))
    if np.any(order != np.arange(t.size)):
        notes.append("points sorted by time")
    t, s = t[order], s[order]
    monotone = np.minimum.accumulate(s)
    raised = int(np.count_nonzero(monotone < s))
    if raised:
        notes.append(f"{raised} point(s) lowered to keep survival non-increasing")
    s = monotone
    at_zero = t == 0
    if np.any(s[at_zero] < 1):
        notes.append("survival at time 0 set to 1")
        s = np.where(at_zero, 1.0, s)
    if not at_zero.any():
        t, s = np.concatenate(([0.0], t)), np.concatenate(([1.0], s))
        notes.append("point (0, 1) added")
    keep = np.ones(t.size, dtype=bool)
    keep[1:] = (t[1:] != t[:-1]) | (s[1:] != s[:-1])
    if not keep.all():
        notes.append(f"{int((~keep).sum())} repeated point(s) dropped")
    t, s = t[keep], s[keep]
    t.setflags(write=False)
    s.setflags(write=False)
    return CleanCurve(t, s, tuple(notes))


def clean_at_risk(time, n_at_risk, curve_end: float | None = None, rows: Sequence[str] | None = None) -> CleanAtRisk:
    """Check and trim a numbers-at-risk table (see the module docstring).

    Parameters
    ----------
    time, n_at_risk
        The table's times and counts.
    curve_end
        The digitised curve's last time; rows after it are dropped.
    rows
        How to name each row in error messages.

    Examples
    --------
    >>> r = clean_at_risk([0, 3, 6, 9], [120, 98, 60, 31], curve_end=7.5)
    >>> r.time.tolist(), r.n_at_risk.tolist(), r.notes
    ([0.0, 3.0, 6.0], [120, 98, 60], ('1 row(s) after the curve ends (t > 7.5) dropped',))
    """
    t = _numbers(time, "time", rows)
    n = _numbers(n_at_risk, "n_at_risk", rows)
    if t.size != n.size:
        raise InputError(f"'time' and 'n_at_risk' must have the same length; got {t.size} and {n.size}", "n_at_risk")
    if t.size == 0:
        raise InputError("the numbers-at-risk table has no rows; it needs at least the number at time 0", "n_at_risk")
    labels = _labels(rows, t.size)
    for i in range(t.size):
        if t[i] < 0:
            raise InputError(f"{labels[i]}, column 'time': {t[i]:g} is negative", "time")
        if n[i] < 0 or n[i] != np.round(n[i]):
            raise InputError(f"{labels[i]}, column 'n_at_risk': {n[i]:g} is not a whole number >= 0", "n_at_risk")
    order = np.argsort(t, kind="stable")
    t, n, labels = t[order], n[order], [labels[i] for i in order]
    notes: list[str] = []
    for i in range(1, t.size):
        if t[i] == t[i - 1]:
            raise InputError(f"{labels[i]}, column 'time': time {t[i]:g} is listed twice", "time")
        if n[i] > n[i - 1]:
            raise InputError(
                f"{labels[i]}, column 'n_at_risk': {int(n[i])} at time {t[i]:g} is more than {int(n[i - 1])} "
                f"at time {t[i - 1]:g}; numbers at risk cannot increase",
                "n_at_risk",
            )
    if t[0] != 0:
        raise InputError(f"{labels[0]}, column 'time': the table must start at time 0 (the number randomised); "
                         f"it starts at {t[0]:g}", "time")
    if n[0] == 0:
        raise InputError(f"{labels[0]}, column 'n_at_risk': the number at risk at time 0 must be > 0", "n_at_risk")
    keep = np.ones(t.size, dtype=bool)
    if curve_end is not None:
        after = t > curve_end
        if after.any():
            notes.append(f"{int(after.sum())} row(s) after the curve ends (t > {curve_end:g}) dropped")
        keep &= ~after
    zeros = np.flatnonzero(n[keep] == 0)
    if zeros.size and zeros[0] + 1 < int(keep.sum()):
        drop = int(keep.sum()) - zeros[0] - 1
        notes.append(f"{drop} row(s) after the number at risk reaches 0 dropped")
        keep[np.flatnonzero(keep)[zeros[0] + 1:]] = False
    t, n = t[keep], n[keep].astype(int)
    t.setflags(write=False)
    n.setflags(write=False)
    return CleanAtRisk(t, n, tuple(notes))


def _numbers(values, column: str, rows) -> np.ndarray:
    if isinstance(values, (str, bytes)):
        raise InputError(f"column {column!r} must be numbers; got a string", column)
    seq = list(values) if not isinstance(values, np.ndarray) else values.tolist()
    labels = _labels(rows, len(seq))
    out = np.empty(len(seq))
    for i, v in enumerate(seq):
        try:
            x = float(v)
        except (TypeError, ValueError):
            raise InputError(f"{labels[i]}, column {column!r}: {v!r} is not a number", column) from None
        if isinstance(v, bool) or not np.isfinite(x):
            raise InputError(f"{labels[i]}, column {column!r}: {v!r} is not a finite number", column)
        out[i] = x
    return out


def _labels(rows, n: int) -> list[str]:
    return list(rows) if rows is not None else [f"row {i + 1}" for i in range(n)]
