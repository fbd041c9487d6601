"""Batched, stiff-safe integration of many virtual patients at once.

The pieces are kept apart and meet in :func:`simulate` (as diffrax's terms, solvers, step-size
controllers, ``SaveAt`` and ``diffeqsolve``):

- :class:`ODETerm` — the model, per-patient parameters and per-patient inputs (exposures);
- :class:`Rodas4` — the Rosenbrock method (one LU of ``I/(γh) − J`` per step, generated for the
  Jacobian's sparsity pattern);
- :class:`PIController` / :class:`ConstantStepSize` — per-patient step-size control;
- :class:`SaveAt` — the save grid (imaging days), stepped onto exactly;
- :class:`Event` / :class:`OutputEvent` — terminating events;
- exposures (:class:`ConstantExposure`, :class:`StepExposure`, :class:`DoseEventExposure` with
  :func:`bolus_modes` / :func:`oral_modes`, ...) — drug inputs and their breakpoints;
- :class:`Solution` / :class:`RESULTS` — trajectories and a status per patient with a message;
- ``simulate(..., backend=)`` — the vectorised NumPy engine or the compiled per-patient numba engine
  (:mod:`._numba`, patients in parallel), which agree to rounding;
- :func:`simulate_reference` — a slow, obviously correct per-patient SciPy loop to test against.
"""

from lenvici.sim.solver._controller import ConstantStepSize, PIController
from lenvici.sim.solver._event import Event, OutputEvent
from lenvici.sim.solver._exposure import (
    CallableExposure,
    ConstantExposure,
    DoseEventExposure,
    Exposure,
    GridExposure,
    StackedExposure,
    StepExposure,
    ZeroExposure,
    bolus_modes,
    oral_modes,
)
from lenvici.sim.solver._reference import simulate_reference
from lenvici.sim.solver._result import RESULTS, Solution
from lenvici.sim.solver._rosenbrock import AbstractRosenbrock, Rodas4
from lenvici.sim.solver._saveat import SaveAt
from lenvici.sim.solver._simulate import AUTO_NUMBA_MIN_PATIENTS, simulate
from lenvici.sim.solver._term import ODETerm

__all__ = [
    "simulate", "AUTO_NUMBA_MIN_PATIENTS", "simulate_reference", "ODETerm", "AbstractRosenbrock", "Rodas4",
    "PIController",
    "ConstantStepSize", "SaveAt", "Event", "OutputEvent", "Solution", "RESULTS", "Exposure", "ZeroExposure",
    "ConstantExposure", "StepExposure", "DoseEventExposure", "GridExposure", "CallableExposure", "StackedExposure",
    "bolus_modes", "oral_modes",
]
