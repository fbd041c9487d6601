"""Where a simulation saves: a grid of times shared by all patients (e.g. imaging days)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from lenvici.errors import InputError

__all__ = ["SaveAt"]


@dataclass(frozen=True)
class SaveAt:
    """Save the states (and, with ``outputs=True``, the model's output definitions) at ``ts``.

    Every patient steps exactly onto each save time (no interpolation), so saved values carry the
    solver's full accuracy. ``ts`` must be non-decreasing; the last entry is the end of the simulation.
    """

    ts: np.ndarray
    outputs: bool = True

    def __post_init__(self):
        ts = np.asarray(self.ts, dtype=float)
        if ts.ndim != 1 or ts.size == 0:
            raise InputError("t_grid must be a non-empty 1-D array of days", field="t_grid")
        if np.any(np.diff(ts) < 0) or not np.all(np.isfinite(ts)):
            raise InputError("t_grid must be finite and non-decreasing", field="t_grid")
        object.__setattr__(self, "ts", ts)
