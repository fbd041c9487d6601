"""State-membership (half-cycle) correction, with heemod's method names.

A cohort model computes the state counts at the cycle boundaries, times 0, 1, …, T. The values of cycle
t (t = 1 … T) are computed from one count vector per cycle, chosen by the method:

``"beginning"``
    counts at the start of the cycle, n(t−1): transitions happen at the beginning of each cycle.
``"end"``
    counts at the end of the cycle, n(t).
``"life-table"``
    the mean of the two, (n(t−1) + n(t)) / 2 — the trapezoidal rule; heemod's default since 0.4.0.
``"half-cycle"``
    heemod's method of that name before 0.8.0 (deprecated there): the end counts, with half the initial
    counts added to the first cycle and the last cycle's counts multiplied by 1.5.

References
----------
Filipović-Pierucci A, Zarca K, Durand-Zaleski I. Markov models for health economic evaluation: the R
package heemod. arXiv:1702.03252 (2017); heemod ``R/correct_counts.R``; deprecation of ``"half-cycle"``
in heemod 0.8.0 (issue #173).
"""

from __future__ import annotations

import warnings

import numpy as np

__all__ = ["METHODS", "correct_counts"]

#: The correction methods by their heemod names.
METHODS = ("life-table", "half-cycle", "beginning", "end")


def correct_counts(counts: np.ndarray, method: str) -> np.ndarray:
    """Counts per cycle (T rows) from counts at the cycle boundaries (T + 1 rows).

    Parameters
    ----------
    counts
        Array ``(..., T + 1, n_states)``; axis −2 is time 0 … T.
    method
        One of :data:`METHODS`.

    Returns
    -------
    numpy.ndarray
        Array ``(..., T, n_states)``: the counts that weight the values of cycles 1 … T.

    Examples
    --------
    >>> import numpy as np
    >>> n = np.array([[10.0, 0.0], [5.0, 5.0], [4.35, 5.65]])
    >>> correct_counts(n, "life-table").tolist()
    [[7.5, 2.5], [4.675, 5.325]]
    """
    counts = np.asarray(counts, dtype=float)
    n0 = counts[..., :-1, :]
    n1 = counts[..., 1:, :]
    if method == "beginning":
        return n0
    if method == "end":
        return n1
    if method == "life-table":
        return 0.5 * (n0 + n1)
    if method == "half-cycle":
        warnings.warn("correction 'half-cycle' reproduces heemod's method deprecated in heemod 0.8.0; "
                      "'life-table' is the recommended correction", FutureWarning, stacklevel=2)
        out = n1.copy()
        out[..., 0, :] += counts[..., 0, :] / 2.0
        out[..., -1, :] *= 1.5
        return out
    raise ValueError(f"unknown correction {method!r}; allowed: {', '.join(METHODS)}")
