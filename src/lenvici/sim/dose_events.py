"""A population-PK model's doses as a dose-event exposure of the mechanistic model (exact, compiled-engine ready).

A linear time-invariant PK model ``dx/dt = M x + input`` (any depot and mammillary structure of
:mod:`lenvici.sim.pk` with a constant matrix) answers a dose with a sum of exponential modes: with the
eigen-decomposition ``M = R diag(−λ) R⁻¹``, a unit amount put into compartment ``j`` gives the central
concentration

.. math:: h(t) = \\sum_m A_m e^{-\\lambda_m t}, \\qquad A_m = \\frac{(R)_{c m} (R^{-1})_{m j}}{V_c},

and a unit-rate zero-order input started at 0 gives its integral, the step response
``Σ_m A_m/λ_m − Σ_m (A_m/λ_m) e^{−λ_m t}`` (a mode of rate 0 plus the same rates). A zero-order
administration of ``D`` mg over ``T`` days is then two events: ``+D/T`` at its start and ``−D/T`` at its end
(superposition). That is exactly what :class:`~lenvici.sim.solver.DoseEventExposure` integrates, so the
daily lenvatinib of Gupta et al. 2016 (a zero-order release into the absorption depot over D1, then
first-order absorption into three compartments) or a 30-minute pembrolizumab infusion drive the PD model
dose by dose, with each administration (and each release end) a breakpoint, in the compiled engine.

Not representable, and refused: a time-varying system matrix (pembrolizumab's label clearance, which
changes with time on treatment; use its steady-state clearance, ``steady_state=True``), a dosing-clock
switch (sorafenib's gallbladder model) and schedules mixing boluses with zero-order administrations.

Reference for the superposition and the modal solution of linear compartmental models: Gibaldi M, Perrier D.
Pharmacokinetics, 2nd ed. 1982, chapters 3 and appendix B.
"""

from __future__ import annotations

import numpy as np

from lenvici.errors import InputError
from lenvici.sim.pk.dosing import DosingSchedule
from lenvici.sim.pk.model import IndividualParameters, PKModel
from lenvici.sim.pk.molar import nanomolar
from lenvici.sim.solver import DoseEventExposure

__all__ = ["pk_dose_exposure", "unit_dose_modes"]

#: Largest condition number of the eigenvector matrix accepted (nearly equal rates, e.g. ka equal to a
#: disposition rate, make the modal amplitudes large and cancelling).
_MAX_CONDITION = 1e9


def unit_dose_modes(matrix: np.ndarray, target: int, central: int, volume: np.ndarray):
    """Amplitudes ``A`` (N, n) and rates ``λ`` (N, n) of the central concentration's response to a unit
    amount put into compartment ``target`` at time 0 (concentration unit: amount unit per volume unit)."""
    M = np.asarray(matrix, dtype=float)
    w, R = np.linalg.eig(M)
    if np.any(np.abs(w.imag) > 1e-9 * np.maximum(np.abs(w.real), 1e-30)) or np.any(w.real >= 0):
        raise InputError("the PK system matrix must have real negative eigenvalues (a dissipative linear model)",
                         field="model")
    cond = np.linalg.cond(R)
    if np.any(~np.isfinite(cond) | (cond > _MAX_CONDITION)):
        raise InputError("two PK rate constants (nearly) coincide: the modal form is ill-conditioned", field="model")
    w, R = w.real, R.real
    Rinv = np.linalg.inv(R)
    amp = R[:, central, :] * Rinv[:, :, target] / np.asarray(volume, float)[:, None]
    return amp, -w


def pk_dose_exposure(model: PKModel, params: IndividualParameters, schedule: DosingSchedule, input_name: str, *,
                     horizon: float | None = None, steady_state: bool = False) -> DoseEventExposure:
    """The unbound central concentration (nM) of ``model`` under ``schedule`` as dose events for ``input_name``.

    Parameters
    ----------
    model, params
        The population-PK model and the patients' individual parameters (``N`` patients).
    schedule
        The administrations (times in days from the simulation's time 0).
    input_name
        The PD model input it feeds (``"c_len"``, ``"c_pd1"``, ...).
    horizon
        Drop administrations after this time (days); they would never be reached.
    steady_state
        For a model with time-varying clearance, use the matrix at its steady state (time → ∞) instead of
        refusing the model.
    """
    structure = model.structure
    p = params.values
    n = params.n
    if structure.gate(p, schedule) is not None:
        raise InputError(f"{model.id}: a dosing-clock switch makes the PK non-stationary; it has no modal "
                         "form", field="model")
    varying = structure.time_varying(p)
    if varying and not steady_state:
        raise InputError(f"{model.id}: the clearance varies with time on treatment; pass steady_state=True "
                         "to use its steady-state value", field="model")
    M = structure.matrix(p, t=1e6 if varying else None)  # a time-varying model at its steady state
    inputs = structure.dose_inputs(p, schedule)
    times = np.asarray(inputs.times, float)
    amounts = np.broadcast_to(np.asarray(inputs.amounts, float), (n, times.size))
    durations = np.broadcast_to(np.asarray(inputs.durations, float), (n, times.size))
    keep = np.ones(times.size, bool) if horizon is None else times <= horizon
    times, amounts, durations = times[keep], amounts[:, keep], durations[:, keep]
    zero_order = durations > 0
    if zero_order.any() and not zero_order.all():
        raise InputError("a schedule mixing boluses and zero-order administrations is not supported",
                         field="schedule")
    amp, lam = unit_dose_modes(M, inputs.target, structure.central, structure.central_volume(p))
    dc = model.drug_constants
    to_nm = nanomolar(np.ones(n) * model.concentration_factor, dc.concentration_unit, dc.molecular_weight,
                      dc.drug) * dc.fraction_unbound
    amp = amp * to_nm[:, None]
    if zero_order.any():
        # step response per unit rate: a constant mode plus the same rates; events at starts (+rate), ends (-rate)
        amp = np.concatenate([(amp / lam).sum(axis=1, keepdims=True), -amp / lam], axis=1)
        lam = np.concatenate([np.zeros((n, 1)), lam], axis=1)
        rate = amounts / durations
        t_all = np.concatenate([np.broadcast_to(times, (n, times.size)), times[None, :] + durations], axis=1)
        a_all = np.concatenate([rate, -rate], axis=1)
        order = np.argsort(t_all, axis=1, kind="stable")
        t_all = np.take_along_axis(t_all, order, axis=1)
        a_all = np.take_along_axis(a_all, order, axis=1)
    else:
        t_all, a_all = np.broadcast_to(times, (n, times.size)), amounts
    t_all, a_all = _without_empty(t_all, a_all)
    return DoseEventExposure((input_name,), amp[:, None, :], lam[:, None, :], t_all, a_all[:, :, None])


def _without_empty(times: np.ndarray, amounts: np.ndarray):
    """Per patient, the events with a non-zero amount first (in time order), padded with ``inf``: a withheld
    dose (amount 0: interruption, discontinuation) is no breakpoint."""
    t = np.where(amounts != 0.0, times, np.inf)
    order = np.argsort(t, axis=1, kind="stable")
    t = np.take_along_axis(t, order, axis=1)
    a = np.take_along_axis(np.where(amounts != 0.0, amounts, 0.0), order, axis=1)
    width = int(np.isfinite(t).sum(axis=1).max()) if t.size else 0
    return t[:, :width], a[:, :width]
