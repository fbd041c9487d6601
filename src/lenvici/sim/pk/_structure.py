"""The interface every PK structure implements, and the small value types the solvers exchange.

A structure turns a patient's parameters (arrays (N,), model units: days, L, L/day, mg) into the linear system
``dA/dt = M(t) A + u(t)`` over its compartment amounts A (mg): the matrix M (N, n, n), the dose inputs u (boluses
and zero-order windows) and, where it exists, the symmetric "modal" form the exact solver uses.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass
from typing import ClassVar

import numpy as np

from lenvici.errors import InputError
from lenvici.sim.pk.dosing import DosingSchedule

__all__ = ["Params", "DoseInputs", "ModalForm", "DosingClockGate", "Structure"]

#: Individual parameters by name, each an array (N,) in model units.
Params = Mapping[str, np.ndarray]


@dataclass(frozen=True)
class DoseInputs:
    """What the doses put into the system.

    Attributes
    ----------
    target
        Index of the compartment that receives the doses.
    times
        Start of each administration (days), shape (E,).
    amounts
        Amount that enters (mg, bioavailability applied), shape (N, E).
    durations
        Zero-order input duration (days), shape (N, E); 0 is a bolus.
    """

    target: int
    times: np.ndarray
    amounts: np.ndarray
    durations: np.ndarray

    @property
    def shared_durations(self) -> bool:
        """Whether every patient has the same input duration for each administration."""
        return bool(np.all(self.durations == self.durations[:1]))

    def delivered(self, t: float) -> np.ndarray:
        """Cumulative amount delivered by time ``t`` (a bolus at ``t`` counts), shape (N,)."""
        elapsed = t - self.times[None, :]
        with np.errstate(divide="ignore", invalid="ignore"):
            frac = np.where(self.durations > 0, np.clip(elapsed / np.where(self.durations > 0, self.durations, 1.0),
                                                        0.0, 1.0), (elapsed >= 0).astype(float))
        return (self.amounts * frac).sum(axis=1)

    def rate(self, t: float) -> np.ndarray:
        """Total zero-order input rate (mg/day) into ``target`` at time ``t`` (windows are [start, end)), (N,)."""
        active = (self.durations > 0) & (self.times[None, :] <= t) & (t < self.times[None, :] + self.durations)
        with np.errstate(divide="ignore", invalid="ignore"):
            rates = np.where(active, self.amounts / np.where(self.durations > 0, self.durations, 1.0), 0.0)
        return rates.sum(axis=1)


@dataclass(frozen=True)
class ModalForm:
    """A depot (optional) feeding a mammillary disposition system with a symmetric clearance matrix.

    Disposition amounts a (mg) and concentrations c = a / V obey ``V dc/dt = -K c + input``, with K (L/day)
    symmetric positive definite; the depot amount d obeys ``dd/dt = -ka d + input`` and feeds the first
    (central) disposition compartment at rate ``ka d``.
    """

    volumes: np.ndarray          # (N, m), the central compartment first
    clearances: np.ndarray       # (N, m, m), symmetric
    ka: np.ndarray | None        # (N,) or None
    depot: int | None            # state index of the depot
    disposition: tuple[int, ...]  # state indices of the disposition compartments, central first


class DosingClockGate:
    """A switch that opens ``delay`` days after each scheduled administration and closes at the next one.

    Used for gallbladder emptying in the sorafenib model: release starts a fixed time after each dose (a meal),
    whether or not that dose was taken. Before the first administration the gate is open.
    """

    def __init__(self, admin_times: np.ndarray, delay: float):
        self.admin_times = np.unique(np.asarray(admin_times, dtype=float))
        self.delay = float(delay)

    def is_open(self, t: float) -> bool:
        k = np.searchsorted(self.admin_times, t, side="right") - 1
        return bool(k < 0 or t - self.admin_times[k] >= self.delay)

    def breakpoints(self) -> np.ndarray:
        """Times at which the gate changes state."""
        opens = self.admin_times + self.delay
        nxt = np.append(self.admin_times[1:], np.inf)
        return np.union1d(self.admin_times, opens[opens < nxt])


class Structure(ABC):
    """A compartmental PK structure; subclasses are final."""

    name: ClassVar[str]
    state_names: ClassVar[tuple[str, ...]]
    central: ClassVar[int]
    route: ClassVar[str]

    @property
    def n_states(self) -> int:
        return len(self.state_names)

    @abstractmethod
    def matrix(self, p: Params, t: float | None = None, gate_open: bool = True) -> np.ndarray:
        """The system matrix M (N, n, n) at ``t`` days since the first administration (time-varying models)."""

    @abstractmethod
    def dose_inputs(self, p: Params, schedule: DosingSchedule) -> DoseInputs:
        """The dose inputs for ``schedule``."""

    @abstractmethod
    def central_volume(self, p: Params) -> np.ndarray:
        """Volume of the sampled (central) compartment, L, shape (N,)."""

    def time_varying(self, p: Params) -> bool:
        """Whether M changes with time since the first dose."""
        return False

    def elimination_clearance(self, p: Params) -> np.ndarray | None:
        """The constant irreversible clearance from the central compartment (L/day), or None if it varies."""
        return None

    def modal_form(self, p: Params, t: float | None = None) -> ModalForm | None:
        """The symmetric form (at ``t`` days since the first dose for a time-varying model), or None when the
        structure has none."""
        return None

    def gate(self, p: Params, schedule: DosingSchedule) -> DosingClockGate | None:
        """A dosing-clock switch in M, if the structure has one."""
        return None

    def check_schedule(self, schedule: DosingSchedule) -> None:
        if schedule.route != self.route:
            raise InputError(f"this model is for {self.route} dosing; the schedule is {schedule.route}",
                             field="schedule")

    def bioavailable_amounts(self, p: Params, schedule: DosingSchedule) -> np.ndarray:
        """Checked schedule's amounts reaching the system, ``(N, doses)``: each dose times the patient's
        bioavailability ``F`` (1 when the model has none)."""
        self.check_schedule(schedule)
        n = p["CL"].size
        return schedule.amounts_for(n) * p.get("F", np.ones(n))[:, None]
