"""Category codes for a whole cohort from a score's own grade function, without object arrays.

A grade function such as :func:`~lenvici.clinical.scores.liver.albi_grade_from_value` maps each value to a
label through cut-offs compared on unrounded values, with the 1e-9 float-noise allowance of
:mod:`lenvici.clinical.scores._common`. It returns an object array of labels: right for one patient, slow
for ten million (about 100 ns a patient, and the labels must then be turned back into codes).

Every such function is a monotone step function of its value (the ``classify`` of ``_common`` and the
``np.select`` chains both are), so it is fully described by the smallest float at which each label
starts. :func:`learn_steps` finds those floats *exactly*, by bisection over the ordered float64 values
(at most 64 calls of the function per cut-off), and :meth:`StepTable.codes` then needs only one comparison
per cut-off and patient. The cut-offs are thus read from the score module's own function, never
re-typed here, and a value takes the label the function itself gives it, boundary allowance included.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cache

import numpy as np

__all__ = ["StepTable", "learn_steps"]

_MAGNITUDE = (1 << 63) - 1


def _key(x: float) -> int:
    """An integer with the same order as the float64 ``x`` (−0.0 and +0.0 share 0)."""
    bits = int(np.array(x, dtype=np.float64).view(np.int64))
    return bits if bits >= 0 else -(bits & _MAGNITUDE)


def _float(key: int) -> float:
    """The float64 whose :func:`_key` is ``key``."""
    bits = key if key >= 0 else ((-key) | (1 << 63)) - (1 << 64)
    return float(np.array(bits, dtype=np.int64).view(np.float64))


@dataclass(frozen=True)
class StepTable:
    """Labels of a monotone step function and the smallest value at which each label after the first starts."""

    starts: tuple[float, ...]
    labels: tuple[str, ...]

    def codes(self, values: np.ndarray) -> np.ndarray:
        """The index in :attr:`labels` of each value's label (int8; NaN gives 0 — mask it)."""
        out = np.zeros(np.shape(values), dtype=np.int8)
        for start in self.starts:
            out += values >= start
        return out


@cache
def learn_steps(grade: Callable[[np.ndarray], np.ndarray]) -> StepTable:
    """The exact :class:`StepTable` of ``grade``, a monotone step function from float64 values to labels.

    Raises
    ------
    ValueError
        If a label comes back after another one (the function is not monotone).
    """

    def label(key: int) -> str:
        return str(grade(np.array([_float(key)]))[0])

    low, high = _key(-np.inf), _key(np.inf)
    labels, starts = [label(low)], []
    current, last = low, label(high)
    while labels[-1] != last:
        a, b = current, high  # label(a) is labels[-1]; label(b) is not
        while b - a > 1:
            middle = (a + b) // 2
            if label(middle) == labels[-1]:
                a = middle
            else:
                b = middle
        starts.append(_float(b))
        labels.append(label(b))
        current = b
    if len(set(labels)) != len(labels):
        raise ValueError(f"{getattr(grade, '__name__', grade)!r} is not monotone: labels {labels}")
    return StepTable(tuple(starts), tuple(labels))
