"""Cohort Markov models: the trace of state counts under (time-inhomogeneous) transition matrices.

The state counts evolve as n(t) = n(t − 1) · P(t), t = 1 … T, where P(t) is the row-stochastic matrix of
cycle t (heemod's ``markov_cycle``/``model_time`` = t). A time-homogeneous model passes a single matrix.
Every function is vectorised over the parameter sets S (probabilistic draws or one-way sensitivity runs);
the only loop is over cycles.

Tunnel states (heemod's state expansion on ``state_time``) are expanded into k sub-states: sub-state j
holds members who have spent j cycles in the state; staying moves j → j + 1 (the last sub-state keeps its
members), and every entry from elsewhere lands in sub-state 1.
"""

from __future__ import annotations

import numpy as np

__all__ = ["cohort_trace", "cohort_trace_reference", "expand_tunnels"]


def cohort_trace(P: np.ndarray, init: np.ndarray, cycles: int | None = None) -> np.ndarray:
    """State counts at times 0 … T.

    Parameters
    ----------
    P
        Transition matrices with the samples last, shape ``(T, n, n, S)``: ``P[t - 1, i, j, s]`` is the
        probability of moving from state i to j in cycle t for parameter set s. A time-homogeneous model
        passes ``(1, n, n, S)`` and the number of ``cycles``. (Samples last keeps each cycle's matrices
        contiguous, several times faster than a samples-first layout.)
    init
        Counts at time 0, shape ``(n,)`` or ``(n, S)``.
    cycles
        T, when ``P`` holds a single (time-homogeneous) matrix.

    Returns
    -------
    numpy.ndarray
        ``(S, T + 1, n)``.

    Examples
    --------
    >>> import numpy as np
    >>> P = np.array([[[0.9], [0.1]], [[0.0], [1.0]]])[None]      # one 2×2 matrix, one sample
    >>> cohort_trace(P, np.array([1.0, 0.0]), cycles=2)[0].round(3).tolist()
    [[1.0, 0.0], [0.9, 0.1], [0.81, 0.19]]
    """
    P = np.asarray(P, dtype=float)
    Tm, n, _, S = P.shape
    T = Tm if cycles is None else cycles
    if Tm not in (1, T):
        raise ValueError(f"P holds {Tm} matrices for {T} cycles")
    out = np.empty((T + 1, n, S))
    out[0] = np.broadcast_to(np.asarray(init, dtype=float).reshape(n, -1), (n, S))
    x = out[0]
    for t in range(T):
        x = np.einsum("is,iks->ks", x, P[t if Tm > 1 else 0])
        out[t + 1] = x
    return out.transpose(2, 0, 1)


def cohort_trace_reference(P, init) -> np.ndarray:
    """Slow, obviously correct trace for one parameter set: ``P`` of shape ``(T, n, n)``; for tests."""
    P = np.asarray(P, dtype=float)
    T, n, _ = P.shape
    rows = [np.asarray(init, dtype=float)]
    for t in range(T):
        nxt = np.zeros(n)
        for i in range(n):
            for j in range(n):
                nxt[j] += rows[-1][i] * P[t, i, j]
        rows.append(nxt)
    return np.array(rows)


def expand_tunnels(rows_by_state: list[np.ndarray], tunnel: list[int]) -> np.ndarray:
    """Assemble the expanded transition matrices of a model with tunnel states.

    Parameters
    ----------
    rows_by_state
        For each original state i, its outgoing probabilities over the original states, shape
        ``(k_i, T, n, S)``: one row per sub-state (``state_time`` = 1 … k_i); k_i = 1 for an ordinary
        state.
    tunnel
        k_i for each original state.

    Returns
    -------
    numpy.ndarray
        ``(T, N, N, S)`` with N = Σ k_i; the sub-states of state i occupy consecutive indices.
    """
    n = len(tunnel)
    offsets = np.concatenate([[0], np.cumsum(tunnel)]).astype(int)
    N = int(offsets[-1])
    T, _, S = rows_by_state[0].shape[1:]
    P = np.zeros((T, N, N, S))
    for i in range(n):
        for j_sub in range(tunnel[i]):
            r = offsets[i] + j_sub
            row = rows_by_state[i][j_sub]
            for k in range(n):
                dest = offsets[i] + min(j_sub + 1, tunnel[i] - 1) if k == i else offsets[k]
                P[:, r, dest, :] += row[:, k, :]
    return P
