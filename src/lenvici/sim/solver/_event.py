"""Terminating events: stop a patient where a function of its state crosses zero upwards."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from lenvici.errors import InputError

__all__ = ["Event", "OutputEvent"]


@dataclass(frozen=True)
class Event:
    """A patient stops where ``fn(t, y, rows)`` goes from negative to non-negative.

    ``fn`` takes times ``(m,)``, states ``(n_states, m)`` and patient indices ``(m,)`` and returns
    ``(m,)``. The crossing is located to ``xtol`` days by regula falsi (Illinois) on fresh solver steps from
    the last accepted point, so the state at the event has the solver's accuracy.
    """

    fn: Callable
    xtol: float = 1e-8
    max_iter: int = 60


@dataclass(frozen=True)
class OutputEvent:
    """A patient stops where the model output ``output`` reaches its own ``threshold`` from below.

    The same crossing rule and location as :class:`Event` with ``fn = output − threshold``, but stated as
    data (an output name and per-patient thresholds), so that the compiled engine can evaluate it without
    calling back into Python (e.g. growing each patient untreated to its baseline RECIST diameter:
    ``OutputEvent("d_recist", baseline_mm)``).

    Parameters
    ----------
    output
        Name of one of the model's output definitions.
    threshold
        Scalar or ``(N,)``, in the output's unit.
    """

    output: str
    threshold: np.ndarray = field(repr=False)
    xtol: float = 1e-8
    max_iter: int = 60

    def __post_init__(self):
        thr = np.atleast_1d(np.asarray(self.threshold, dtype=float))
        if thr.ndim != 1 or not np.all(np.isfinite(thr)):
            raise InputError("OutputEvent: threshold must be a finite scalar or (N,) array", field="threshold")
        object.__setattr__(self, "threshold", thr)

    def thresholds(self, n_patients: int) -> np.ndarray:
        """Per-patient thresholds ``(N,)``."""
        if self.threshold.shape[0] not in (1, n_patients):
            raise InputError(f"OutputEvent holds {self.threshold.shape[0]} thresholds; the simulation has "
                             f"{n_patients} patients", field="threshold")
        return np.broadcast_to(self.threshold, (n_patients,))

    def as_event(self, term) -> Event:
        """The equivalent :class:`Event` on an :class:`~lenvici.sim.solver.ODETerm` (for the NumPy engine)."""
        names = term.model.spec.output_names
        if self.output not in names:
            raise InputError(f"OutputEvent: unknown output {self.output!r}; outputs: {list(names)}", field="output")
        thr = self.thresholds(term.n_patients)
        name = self.output

        def fn(t, y, rows):
            return term.outputs(t, y, rows)[name] - thr[rows]

        return Event(fn, self.xtol, self.max_iter)
