"""The result of a batched simulation: saved trajectories and a status per patient with a message."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import IntEnum

import numpy as np

from lenvici.errors import InputError

__all__ = ["RESULTS", "Solution"]


class RESULTS(IntEnum):
    """Outcome of one patient's integration (as ``RESULTS`` in diffrax's ``_solution.py``)."""

    successful = 0
    event_occurred = 1
    max_steps_reached = 2
    dt_min_reached = 3
    nonfinite = 4
    running = 9

    @property
    def message(self) -> str:
        return _MESSAGES[self]

    @property
    def ok(self) -> bool:
        return self in (RESULTS.successful, RESULTS.event_occurred)


_MESSAGES = {
    RESULTS.successful: "integrated to the last save time",
    RESULTS.event_occurred: "stopped at the terminating event",
    RESULTS.max_steps_reached: "stopped: the maximum number of steps was reached (raise max_steps, or loosen rtol)",
    RESULTS.dt_min_reached: "stopped: the step size fell below the minimum (the problem may be ill-posed or "
                            "discontinuous between breakpoints)",
    RESULTS.nonfinite: "stopped: the state became non-finite and smaller steps did not help",
    RESULTS.running: "still running (internal state)",
}


@dataclass(frozen=True)
class Solution:
    """Trajectories of ``N`` patients on a common save grid.

    Attributes
    ----------
    ts
        Save times ``(T,)`` (days).
    ys
        States ``(N, T, n_states)``; NaN after a patient stopped early.
    status
        :class:`RESULTS` code per patient ``(N,)``.
    t_final, y_final
        Where each patient stopped ``(N,)``, ``(N, n_states)`` (the event point for ``event_occurred``).
    outputs
        The model's output definitions at the save times, name → ``(N, T)``.
    n_steps, n_rejected
        Accepted and rejected steps per patient.
    """

    ts: np.ndarray
    ys: np.ndarray
    status: np.ndarray
    t_final: np.ndarray
    y_final: np.ndarray
    state_names: tuple[str, ...]
    outputs: dict[str, np.ndarray] = field(default_factory=dict)
    n_steps: np.ndarray | None = None
    n_rejected: np.ndarray | None = None
    solver: str = ""
    rtol: float = float("nan")
    atol: float = float("nan")

    @property
    def n_patients(self) -> int:
        return self.ys.shape[0]

    @property
    def ok(self) -> np.ndarray:
        """Boolean mask of patients that finished (successfully or at their event)."""
        return np.isin(self.status, [RESULTS.successful, RESULTS.event_occurred])

    def message(self, i: int) -> str:
        return RESULTS(int(self.status[i])).message

    @property
    def messages(self) -> list[str]:
        return [self.message(i) for i in range(self.n_patients)]

    def state(self, name: str) -> np.ndarray:
        """One state over the save grid, ``(N, T)``."""
        try:
            k = self.state_names.index(name)
        except ValueError:
            raise InputError(f"unknown state {name!r}; states: {list(self.state_names)}", field="name") from None
        return self.ys[:, :, k]

    def __getitem__(self, name: str) -> np.ndarray:
        """A state or an output by name, ``(N, T)``."""
        if name in self.outputs:
            return self.outputs[name]
        return self.state(name)

    def summary(self) -> dict[str, int]:
        """How many patients ended with each status."""
        codes, counts = np.unique(self.status, return_counts=True)
        return {RESULTS(int(c)).name: int(n) for c, n in zip(codes, counts)}

    def __repr__(self) -> str:
        return (f"Solution(N={self.n_patients}, T={self.ts.size}, states={len(self.state_names)}, "
                f"status={self.summary()}, solver={self.solver!r}, rtol={self.rtol:g})")
