"""Exposures as exponential modes and dose events: the one input form the compiled engine understands.

Every exposure kind the compiled engine supports is a special case of :class:`DoseEventExposure`:

- no drug (``None``, :class:`ZeroExposure`): no doses;
- :class:`ConstantExposure`: a mode with ``λ = 0`` and amplitude the value, "dosed" once at the start;
- :class:`StepExposure`: a mode with ``λ = 0``; the initial level is dosed at the start and each switch
  doses the level change (a jump, so a breakpoint, as in the NumPy engine);
- :class:`StackedExposure` of these: inputs side by side, dose schedules merged per patient.

Arrays whose first axis has length 1 are shared by all patients (the kernel reads row 0), so a common
dosing schedule is stored once.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from lenvici.errors import InputError
from lenvici.sim.solver._exposure import (
    ConstantExposure,
    DoseEventExposure,
    Exposure,
    StackedExposure,
    StepExposure,
    ZeroExposure,
)

__all__ = ["ModalInputs", "modal_inputs"]


@dataclass(frozen=True)
class ModalInputs:
    """Kernel arrays over the model's full input list (``n_inputs`` in model order).

    ``amp``/``lam`` ``(N|1, n_inputs, M)``, ``dose_t`` ``(N|1, D)`` sorted per row, ``dose_a``
    ``(N|1, D, n_inputs)``; ``time_varying`` says whether any input has a time derivative (``∂f/∂t`` term).
    """

    amp: np.ndarray
    lam: np.ndarray
    dose_t: np.ndarray
    dose_a: np.ndarray
    time_varying: bool


@dataclass
class _Part:
    slots: np.ndarray   # model input index of each of the part's inputs
    amp: np.ndarray     # (n|1, k, M)
    lam: np.ndarray     # (n|1, k, M)
    t: np.ndarray       # (n|1, D)
    a: np.ndarray       # (n|1, D, k)


def _parts(exposure: Exposure, names: tuple[str, ...], t_start: float) -> list[_Part] | None:
    if isinstance(exposure, StackedExposure):
        out: list[_Part] = []
        for p in exposure.parts:
            sub = _parts(p, names, t_start)
            if sub is None:
                return None
            out += sub
        return out
    slots = np.array([names.index(k) for k in exposure.names], dtype=np.int64)
    k = slots.size
    if type(exposure) is ZeroExposure or k == 0:
        return []
    if type(exposure) is ConstantExposure:
        v = exposure._v  # (n|1, k)
        return [_Part(slots, v[:, :, None].copy(), np.zeros((1, k, 1)), np.full((1, 1), t_start), np.ones((1, 1, k)))]
    if type(exposure) is StepExposure:
        n = exposure.times.shape[0]
        t = np.concatenate([np.full((n, 1), -np.inf), exposure.times], axis=1)
        lv = exposure.levels
        a = np.concatenate([lv[:, :1], np.diff(lv, axis=1)], axis=1)
        # switches at or before t_start are in force from the start (StepExposure's t_start rule)
        t = np.where(t <= t_start + 1e-9, t_start, t)
        return [_Part(slots, np.ones((1, k, 1)), np.zeros((1, k, 1)), t, a)]
    if type(exposure) is DoseEventExposure:
        return [_Part(slots, exposure.amplitudes, exposure.rates, exposure.dose_times, exposure.doses)]
    return None


def modal_inputs(exposure: Exposure | None, input_names: tuple[str, ...], n_patients: int,
                 t_start: float) -> ModalInputs | None:
    """The kernel form of ``exposure`` for a model with inputs ``input_names``; ``None`` if unsupported."""
    n_in = len(input_names)
    parts = [] if exposure is None else _parts(exposure, tuple(input_names), t_start)
    if parts is None:
        return None
    parts = [p for p in parts if p.t.shape[1] > 0]
    for p in parts:
        for arr in (p.amp, p.lam, p.t, p.a):
            if arr.shape[0] not in (1, n_patients):
                raise InputError(f"the exposure holds {arr.shape[0]} patients; the simulation has {n_patients}",
                                 field="exposures")
    if not parts:
        return ModalInputs(np.zeros((1, n_in, 1)), np.zeros((1, n_in, 1)), np.zeros((1, 0)), np.zeros((1, 0, n_in)),
                           False)
    M = max(p.amp.shape[2] for p in parts)
    shared = all(p.amp.shape[0] == 1 for p in parts)
    Na = 1 if shared else n_patients
    amp = np.zeros((Na, n_in, M))
    lam = np.zeros((Na, n_in, M))
    for p in parts:
        mm = p.amp.shape[2]
        amp[:, p.slots, :mm] = p.amp
        lam[:, p.slots, :mm] = np.broadcast_to(p.lam, (p.lam.shape[0],) + p.amp.shape[1:])
    Nt = 1 if all(p.t.shape[0] == 1 and p.a.shape[0] == 1 for p in parts) else n_patients
    if len(parts) == 1:
        p = parts[0]
        t = np.broadcast_to(p.t, (Nt, p.t.shape[1]))
        a = np.zeros((Nt, t.shape[1], n_in))
        a[:, :, p.slots] = p.a
    else:
        t = np.concatenate([np.broadcast_to(p.t, (Nt, p.t.shape[1])) for p in parts], axis=1)
        a = np.zeros((Nt, t.shape[1], n_in))
        col = 0
        for p in parts:
            D = p.t.shape[1]
            a[:, col:col + D, p.slots] = p.a
            col += D
        order = np.argsort(t, axis=1, kind="stable")
        t = np.take_along_axis(t, order, axis=1)
        a = np.take_along_axis(a, order[:, :, None], axis=1)
    time_varying = bool(np.any(lam != 0.0))
    return ModalInputs(np.ascontiguousarray(amp), np.ascontiguousarray(lam), np.ascontiguousarray(t, dtype=float),
                       np.ascontiguousarray(a, dtype=float), time_varying)
