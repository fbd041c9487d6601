"""One block of a virtual trial: some patients of one arm, from treatment start to their outcomes.

:func:`simulate_block` is a pure function of the trial's shared :class:`TrialPlan` and one
:class:`PatientBlock` (the block's pre-treatment states, parameters, exposures, prognostic covariates and
every random number it needs, all drawn beforehand by :func:`lenvici.sim.trials.run_trial`). It holds only
its own patients' trajectories, so a trial of any size runs in bounded memory, and it can run in another
process (:mod:`lenvici.sim.runner`). Patients are independent, so a block's outcomes are the same numbers
whatever the other patients in the block.

Steps (see :mod:`lenvici.sim.trials` for the rules and their sources)

1. PD: :func:`lenvici.sim.solver.simulate` from the pre-treatment state, saved weekly and on scan days, with
   the engine chosen for the whole arm (``PatientBlock.backend``), never for the block: the compiled
   per-patient engine gives every patient the same numbers whatever its block; the vectorised numpy engine
   (used where numba does not support the options, and for arms under 64 patients, as ``backend="auto"``
   would for the whole arm) agrees across blocks to rounding error only (see :func:`simulate_block`).
2. Death before progression: first crossing of the death hazard ``H_os`` over the patient's Exp(1)
   threshold; new lesion: the same for ``H_nl``.
3. RECIST 1.1 / mRECIST on the sums at the scans done (:func:`assess_responses`); progression at the first
   RECIST 1.1 PD scan.
4. After progression: exponential post-progression survival
   (:func:`lenvici.sim.post_progression.post_progression_rate`) with median ``pps_median_months`` (the trial's,
   era factor applied) scaled by the patient's prognostic log-hazard ``lp`` and by ``hr_subsequent`` for those
   receiving subsequent therapy.
5. Administrative censoring at ``censor`` (days from the patient's entry to the data cut-off).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from lenvici.errors import InputError
from lenvici.sim.model import compile_model, hcc_model
from lenvici.sim.post_progression import post_progression_rate
from lenvici.sim.solver import Exposure, PIController, simulate

__all__ = ["TrialPlan", "PatientBlock", "BlockOutcome", "simulate_block", "assess_responses",
           "PROGNOSTIC_BETAS"]

#: Model parameters of the prognostic linear predictor (log-hazard ratios and the ALBI reference).
PROGNOSTIC_BETAS = ("beta_ecog", "beta_albi", "albi_ref", "beta_afp", "beta_mvi", "beta_ehs")


@dataclass(frozen=True)
class TrialPlan:
    """What every block of one trial shares (small; sent once to each worker).

    ``grid`` save times and ``scans`` imaging days (days from treatment start; ``scans[0] = 0`` is
    baseline), ``scan_idx`` the scans' positions in ``grid``; ``beta`` the :data:`PROGNOSTIC_BETAS`;
    ``pps_median_months`` (era factor applied) and ``hr_subsequent`` from
    :class:`~lenvici.sim.trials.TrialSettings`; ``rtol``, ``atol`` the solver tolerances;
    ``progression_criterion`` the criterion (``"recist1.1"`` or ``"mrecist"``) by which the trial's PFS counted
    progression (the protocol's ``imaging.progression_criterion``).
    """

    grid: np.ndarray
    scans: np.ndarray
    scan_idx: np.ndarray
    beta: Mapping[str, float]
    pps_median_months: float
    hr_subsequent: float
    rtol: float
    atol: float
    progression_criterion: str = "recist1.1"


@dataclass(frozen=True)
class PatientBlock:
    """One block of one arm's patients, with every random number it needs (arrays of length ``n``).

    ``covariates`` holds ``ecog``, ``albi``, ``afp_high``, ``mvi``, ``ehs``; ``e_os``, ``e_nl``, ``e_pps`` are
    Exp(1) thresholds (death before progression, first new lesion, death after progression), ``u_sub`` a
    U(0, 1) draw compared with ``subsequent_share`` (the arm's share receiving subsequent therapy), ``censor``
    the days from entry to the data cut-off. ``backend`` is the arm's solver engine: ``"numba"`` (falls back
    to ``"numpy"`` where the compiled engine does not support the exposure) or ``"numpy"``.
    """

    y0: np.ndarray
    params: np.ndarray
    exposure: Exposure | None
    covariates: Mapping[str, np.ndarray]
    e_os: np.ndarray
    e_nl: np.ndarray
    e_pps: np.ndarray
    u_sub: np.ndarray
    censor: np.ndarray
    subsequent_share: float
    backend: str = "numba"

    @property
    def n(self) -> int:
        return self.y0.shape[0]


@dataclass(frozen=True)
class BlockOutcome:
    """Per-patient outcomes of one block: times in days, events and responses as booleans."""

    os_days: np.ndarray
    os_event: np.ndarray
    pfs_days: np.ndarray
    pfs_event: np.ndarray
    orr_recist: np.ndarray
    orr_mrecist: np.ndarray
    dcr_recist: np.ndarray
    failed: np.ndarray

    FIELDS = ("os_days", "os_event", "pfs_days", "pfs_event", "orr_recist", "orr_mrecist", "dcr_recist", "failed")


def _first_true(mask: np.ndarray) -> np.ndarray:
    """Index of the first True per row; ``mask.shape[1]`` when none."""
    any_ = mask.any(axis=1)
    return np.where(any_, mask.argmax(axis=1), mask.shape[1])


def _criterion(d: np.ndarray, new_lesion: np.ndarray):
    """Per-scan responses on sums ``d`` (N, S; scan 0 = baseline): codes 0 CR, 1 PR, 2 SD, 3 PD."""
    base = d[:, :1]
    nadir = np.minimum.accumulate(d, axis=1)
    prev_nadir = np.concatenate([nadir[:, :1], nadir[:, :-1]], axis=1)
    pd = ((d >= 1.2 * prev_nadir) & (d - prev_nadir >= 5.0)) | new_lesion
    code = np.full(d.shape, 2)
    code[d <= 0.7 * base] = 1
    code[d < 5.0] = 0
    code[pd] = 3
    code[:, 0] = 2
    return code


def assess_responses(d_recist, d_mrecist, new_lesion, observed):
    """Vectorised RECIST 1.1 / mRECIST on sums at scans (column 0 = baseline).

    ``observed`` (N, S) marks scans done (alive, before cut-off). Returns a dict with per-patient
    ``pd_scan`` (index of the first RECIST 1.1 PD scan, S if none), ``orr_recist``, ``orr_mrecist`` (confirmed),
    ``dcr_recist`` booleans.
    """
    out = {}
    S = d_recist.shape[1]
    for name, d in (("recist", d_recist), ("mrecist", d_mrecist)):
        code = _criterion(d, new_lesion)
        code = np.where(observed, code, -1)
        code[:, 0] = 2
        pd_scan = _first_true(code == 3)
        before = np.arange(S)[None, :] < pd_scan[:, None]
        resp = (code >= 0) & (code <= 1) & before
        confirmed = resp[:, 1:-1] & resp[:, 2:] if S > 2 else np.zeros((d.shape[0], 0), bool)
        out[f"orr_{name}"] = confirmed.any(axis=1)
        out[f"pd_scan_{name}"] = pd_scan
        if name == "recist":
            first_ok = observed[:, 1] & (code[:, 1] != 3) if S > 1 else np.zeros(d.shape[0], bool)
            out["dcr_recist"] = first_ok | out["orr_recist"]
    out["pd_scan"] = out["pd_scan_recist"]
    return out


def _crossing_time(t: np.ndarray, H: np.ndarray, threshold: np.ndarray) -> np.ndarray:
    """First time the non-decreasing ``H`` (N, T) reaches ``threshold`` (N,) (linear interpolation; inf if never)."""
    hit = H >= threshold[:, None]
    j = _first_true(hit)
    res = np.full(H.shape[0], np.inf)
    ok = j < H.shape[1]
    jj, rows = j[ok], np.flatnonzero(ok)
    j0 = np.maximum(jj - 1, 0)
    h0, h1 = H[rows, j0], H[rows, jj]
    frac = np.where(h1 > h0, (threshold[rows] - h0) / np.where(h1 > h0, h1 - h0, 1.0), 0.0)
    res[rows] = t[j0] + np.clip(frac, 0.0, 1.0) * (t[jj] - t[j0])
    return res


#: The model outputs a block reads (the hazards are states): RECIST 1.1 and mRECIST sums of diameters.
_OUTPUTS = ("d_recist", "d_mrecist")


def _treat(plan: TrialPlan, block: PatientBlock):
    args = (compile_model(hcc_model()), block.y0, block.params, plan.grid, block.exposure)
    controller = PIController(rtol=plan.rtol, atol=plan.atol)
    try:
        return simulate(*args, controller=controller, backend=block.backend, outputs=_OUTPUTS)
    except InputError as e:
        if block.backend != "numba" or e.field != "backend":
            raise
        return simulate(*args, controller=controller, backend="numpy", outputs=_OUTPUTS)  # options numba lacks


def simulate_block(plan: TrialPlan, block: PatientBlock) -> BlockOutcome:
    """Treat the block's patients and read their outcomes (module docstring, steps 1-5).

    With the compiled engine each patient's numbers do not depend on the block. The numpy engine reduces
    over the state axis of a ``(states, patients)`` array, whose summation order NumPy changes when only one
    patient is left running; a patient integrated last in its block may then differ in the last bits.
    """
    grid, scans = plan.grid, plan.scans
    sol = _treat(plan, block)
    failed = ~np.asarray(sol.ok)
    H_os, H_nl = np.nan_to_num(sol["H_os"], nan=np.inf), np.nan_to_num(sol["H_nl"], nan=np.inf)
    t_death_pre = _crossing_time(grid, np.maximum.accumulate(H_os, axis=1), block.e_os)
    t_nl = _crossing_time(grid, np.maximum.accumulate(H_nl, axis=1), block.e_nl)
    d_r = np.nan_to_num(sol["d_recist"][:, plan.scan_idx], nan=1e6)
    d_m = np.nan_to_num(sol["d_mrecist"][:, plan.scan_idx], nan=1e6)
    del sol, H_os, H_nl
    new_lesion = scans[None, :] >= t_nl[:, None]
    observed = (scans[None, :] <= np.minimum(t_death_pre, block.censor)[:, None])
    resp = assess_responses(d_r, d_m, new_lesion, observed)
    pd_scan = resp["pd_scan_recist" if plan.progression_criterion == "recist1.1" else "pd_scan_mrecist"]
    t_prog = np.where(pd_scan < scans.size, scans[np.minimum(pd_scan, scans.size - 1)], np.inf)
    progressed = t_prog < t_death_pre
    b, cov = plan.beta, block.covariates
    lp = (b["beta_ecog"] * cov["ecog"] + b["beta_albi"] * (cov["albi"] - b["albi_ref"])
          + b["beta_afp"] * cov["afp_high"] + b["beta_mvi"] * cov["mvi"] + b["beta_ehs"] * cov["ehs"])
    sub = block.u_sub < block.subsequent_share
    rate = post_progression_rate(lp, np.where(sub, plan.hr_subsequent, 1.0), plan.pps_median_months)
    t_death = np.where(progressed, t_prog + block.e_pps / rate, t_death_pre)
    t_pfs = np.minimum(t_prog, t_death_pre)
    c = block.censor
    return BlockOutcome(np.minimum(t_death, c), t_death <= c, np.minimum(t_pfs, c), t_pfs <= c,
                        resp["orr_recist"], resp["orr_mrecist"], resp["dcr_recist"], failed)
