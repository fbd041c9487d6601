"""Partitioned survival: state membership read off nested survival curves.

With N ordered states and N − 1 survival curves S₁ ≤ S₂ ≤ … ≤ S_{N−1} (e.g. PFS and OS for the states
progression-free, progressed, dead), the share of the cohort in each state at time t is

.. math::

    \\pi_1 = S_1, \\qquad \\pi_k = S_k - S_{k-1} \\;(1 < k < N), \\qquad \\pi_N = 1 - S_{N-1}.

Fitted curves can cross (PFS above OS late in the extrapolation). The curves are therefore clipped to
[0, 1] and nested from the outermost inwards, S_k ← min(S_k, S_{k+1}), so no share is ever negative;
how many time points needed this is returned, never hidden.

References
----------
Woods B, Sideris E, Palmer S, Latimer N, Soares M. NICE DSU Technical Support Document 19: partitioned
survival analysis for decision modelling in health care. 2017, §2.
"""

from __future__ import annotations

import numpy as np

__all__ = ["partition"]


def partition(curves: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """State shares from survival curves.

    Parameters
    ----------
    curves
        ``(..., T + 1, N − 1)``: the N − 1 curves at times 0 … T, innermost (e.g. PFS) first.

    Returns
    -------
    shares
        ``(..., T + 1, N)`` state shares, each ≥ 0, summing to 1.
    crossed
        ``(...)`` integer count of time points where a curve was lowered to keep the nesting.

    Examples
    --------
    >>> import numpy as np
    >>> pfs, os_ = np.array([1.0, 0.5, 0.3]), np.array([1.0, 0.6, 0.2])   # crossing at the last point
    >>> shares, crossed = partition(np.stack([pfs, os_], axis=-1))
    >>> shares.round(2).tolist(), int(crossed)
    ([[1.0, 0.0, 0.0], [0.5, 0.1, 0.4], [0.2, 0.0, 0.8]], 1)
    """
    s = np.clip(np.asarray(curves, dtype=float), 0.0, 1.0)
    crossed = np.zeros(s.shape[:-2], dtype=int)
    k = s.shape[-1]
    for j in range(k - 2, -1, -1):
        over = s[..., j] > s[..., j + 1]
        crossed = crossed + over.sum(axis=-1)
        s[..., j] = np.minimum(s[..., j], s[..., j + 1])
    ones = np.ones(s.shape[:-1] + (1,))
    zeros = np.zeros(s.shape[:-1] + (1,))
    upper = np.concatenate([s, ones], axis=-1)
    lower = np.concatenate([zeros, s], axis=-1)
    return upper - lower, crossed
