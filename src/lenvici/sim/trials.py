"""Run a virtual trial: patients x arms through PK -> PD -> imaging -> RECIST 1.1 / mRECIST -> PFS and OS.

Pipeline (per arm; one population is drawn for the trial and randomised by the protocol's ratio)

1. **PK -> exposure** (:mod:`lenvici.sim.exposure`): each patient's average steady-state unbound
   concentration from the drugs' population-PK models, times the protocol's relative dose intensity.
2. **PD.** :func:`lenvici.sim.solver.simulate` with the HCC model from each patient's pre-treatment state,
   saved weekly and on every scan day, to the data cut-off.
3. **Response (a direct vectorised equivalent of the clinical toolkit on sums, not** ``clinical.response``):
   the model's total-burden diameter ``d_recist`` is the RECIST 1.1 sum, the viable (enhancing) diameter
   ``d_mrecist`` the mRECIST sum. Per scan: CR if the sum < 5 mm; PR if <= -30 % from baseline; PD if >= +20 %
   and >= 5 mm above the nadir, or a new lesion (first time the new-lesion cumulative hazard ``H_nl`` passes
   the patient's Exp(1) threshold, seen at the next scan). Objective responses are *confirmed* (CR/PR at two
   consecutive scans before PD); DCR = best response CR, PR or SD (SD at the first scan, >= 6 weeks).
4. **Survival.** Death before progression: the first time the model's cumulative death hazard ``H_os`` passes
   an Exp(1) threshold. After progression (first PD scan), post-progression survival is exponential with
   median :attr:`TrialSettings.pps_median_months` scaled by the patient's prognostic factors (the model's
   ``beta_*`` log-hazard ratios) and by :attr:`TrialSettings.hr_subsequent` for patients receiving subsequent
   therapy (drawn with the arm's published share, MODELLING.md section 2). PFS = first PD or death.
5. **Censoring.** Entry uniform over the accrual period; administrative censoring at the data cut-off.
6. **Endpoints.** ORR (both criteria), DCR (RECIST 1.1), KM medians with 95 % CIs
   (:func:`lenvici.survival.kaplan_meier`), Cox HRs of each arm vs the last arm (:func:`lenvici.survival.cox_ph`).
"""

from __future__ import annotations

import json
import math
from importlib import resources
from dataclasses import asdict, dataclass, field

import numpy as np
import yaml

from lenvici.errors import InputError
from lenvici.sim.model import compile_model, hcc_model, load_parameters
from lenvici.sim.exposure import arm_exposure
from lenvici.sim.population import Population, draw_population
from lenvici.sim.protocols import DAYS_PER_MONTH, Protocol, load_protocol
from lenvici.sim.solver import PIController, simulate
from lenvici.survival import cox_ph, kaplan_meier

__all__ = ["TrialSettings", "ArmResult", "Comparison", "TrialResult", "run_trial", "assess_responses"]

@dataclass(frozen=True)
class TrialSettings:
    """Population-level settings shared by every trial (calibration may move them; never per trial).

    pps_median_months
        Median post-progression survival without subsequent therapy at the reference covariates. Assumption:
        post-progression survival of ~6-9 months is typical of first-line advanced-HCC trials of the
        sorafenib/lenvatinib era.
    hr_subsequent
        Hazard ratio of death after progression with vs without subsequent systemic therapy. Assumption
        (second-line regorafenib/cabozantinib/ramucirumab trials report HRs ~0.6-0.8 vs placebo).
    typical
        Population-level overrides of model parameters (medians of the priors).
    """

    pps_median_months: float = 7.0
    hr_subsequent: float = 0.7
    typical: dict = field(default_factory=dict)

    @classmethod
    def calibrated(cls) -> TrialSettings:
        """The settings with the population-level values of ``data/sim/calibrated.yaml`` (written from a
        :func:`lenvici.sim.calibrate.calibrate` run); the uncalibrated defaults when that file is absent."""
        path = resources.files("lenvici") / "data" / "sim" / "calibrated.yaml"
        if not path.is_file():
            return cls()
        d = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        return cls(typical=dict(d.get("values") or {}))


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


@dataclass(frozen=True)
class ArmResult:
    label: str
    n: int
    orr_recist: float
    orr_mrecist: float
    dcr_recist: float
    pfs_median_months: float | None
    pfs_median_ci: tuple[float | None, float | None]
    os_median_months: float | None
    os_median_ci: tuple[float | None, float | None]
    n_failed: int = 0


@dataclass(frozen=True)
class Comparison:
    arms: tuple[str, str]
    hr_os: float
    hr_os_ci: tuple[float, float]
    hr_pfs: float
    hr_pfs_ci: tuple[float, float]


@dataclass
class TrialResult:
    trial: str
    seed: int
    arms: list[ArmResult]
    comparisons: list[Comparison]
    patients: dict = field(default_factory=dict, repr=False)

    def plot(self, endpoint: str = "os", path=None, ax=None):
        """Kaplan–Meier curves per arm with the published medians marked
        (:func:`lenvici.sim.plots.plot_trial_km`); ``path`` writes the figure atomically."""
        from lenvici.sim.plots import plot_trial_km

        return plot_trial_km(self, endpoint, path=path, ax=ax)

    def to_dict(self) -> dict:
        def clean(x):
            if isinstance(x, float) and not math.isfinite(x):
                return None
            if isinstance(x, (list, tuple)):
                return [clean(v) for v in x]
            if isinstance(x, dict):
                return {k: clean(v) for k, v in x.items()}
            return x
        return clean({"trial": self.trial, "seed": self.seed, "arms": [asdict(a) for a in self.arms],
                      "comparisons": [asdict(c) for c in self.comparisons]})

    def to_json(self, **kw) -> str:
        return json.dumps(self.to_dict(), allow_nan=False, **kw)


def _median(time_m, event):
    km = kaplan_meier(time_m, event)
    m = km.median

    def f(v):
        v = float(v)
        return round(v, 3) if math.isfinite(v) else None
    return f(m.time), (f(m.lower), f(m.upper))


def run_trial(protocol: Protocol | str, n_per_arm: int = 100, seed: int = 0, *,
              settings: TrialSettings | None = None, population: Population | None = None,
              rtol: float = 1e-4, atol: float = 1e-6) -> TrialResult:
    """Simulate ``protocol`` with ``n_per_arm`` patients per unit of its randomisation ratio.

    ``settings`` defaults to :meth:`TrialSettings.calibrated` (population-level values fitted to REFLECT and
    KEYNOTE-524 only)."""
    protocol = load_protocol(protocol) if isinstance(protocol, str) else protocol
    settings = settings or TrialSettings.calibrated()
    if n_per_arm < 2:
        raise InputError("n_per_arm must be at least 2", field="n")
    alloc = protocol.allocation(n_per_arm)
    n_total = sum(alloc.values())
    pop = population or draw_population(protocol, n_total, seed, typical=settings.typical)
    if pop.n != n_total:
        raise InputError(f"population has {pop.n} patients; the allocation needs {n_total}", field="population")
    rng = np.random.default_rng([seed, 7919])
    labels = np.repeat(np.array(list(alloc)), list(alloc.values()))
    labels = labels[rng.permutation(n_total)]
    cutoff = protocol.cutoff_days
    scans = protocol.imaging_days(cutoff)
    grid = np.unique(np.concatenate([np.arange(0.0, cutoff, 7.0), scans, [cutoff]]))
    scan_idx = np.searchsorted(grid, scans)
    compiled = compile_model(hcc_model())
    table = load_parameters()
    cov = pop.covariates

    # per-patient randomness shared by the arms' machinery
    e_os = rng.exponential(size=n_total)
    e_nl = rng.exponential(size=n_total)
    e_pps = rng.exponential(size=n_total)
    u_sub = rng.uniform(size=n_total)
    entry = rng.uniform(0.0, protocol.follow_up.accrual_months * DAYS_PER_MONTH, size=n_total)
    censor = cutoff - entry

    os_t = np.zeros(n_total)
    os_e = np.zeros(n_total, bool)
    pfs_t = np.zeros(n_total)
    pfs_e = np.zeros(n_total, bool)
    orr_r = np.zeros(n_total, bool)
    orr_m = np.zeros(n_total, bool)
    dcr = np.zeros(n_total, bool)
    failed = np.zeros(n_total, bool)
    beta = {k: table[k].value for k in ("beta_ecog", "beta_albi", "albi_ref", "beta_afp", "beta_mvi", "beta_ehs")}
    for a_i, arm in enumerate(protocol.arms):
        rows = np.flatnonzero(labels == arm.label)
        sub_cov = {k: v[rows] for k, v in cov.items()}
        exposure = arm_exposure(protocol, arm.label, sub_cov, seed * 1000 + a_i)
        pre = pop.pretreatment
        sol = simulate(compiled, pre.y0[rows], pre.params[rows], grid, exposure,
                       controller=PIController(rtol=rtol, atol=atol))
        failed[rows] = ~np.asarray(sol.ok)
        H_os, H_nl = np.nan_to_num(sol["H_os"], nan=np.inf), np.nan_to_num(sol["H_nl"], nan=np.inf)
        t_death_pre = _crossing_time(grid, np.maximum.accumulate(H_os, axis=1), e_os[rows])
        t_nl = _crossing_time(grid, np.maximum.accumulate(H_nl, axis=1), e_nl[rows])
        d_r = np.nan_to_num(sol["d_recist"][:, scan_idx], nan=1e6)
        d_m = np.nan_to_num(sol["d_mrecist"][:, scan_idx], nan=1e6)
        new_lesion = scans[None, :] >= t_nl[:, None]
        observed = (scans[None, :] <= np.minimum(t_death_pre, censor[rows])[:, None])
        resp = assess_responses(d_r, d_m, new_lesion, observed)
        pd_scan = resp["pd_scan"]
        t_prog = np.where(pd_scan < scans.size, scans[np.minimum(pd_scan, scans.size - 1)], np.inf)
        progressed = t_prog < t_death_pre
        lp = (beta["beta_ecog"] * sub_cov["ecog"] + beta["beta_albi"] * (sub_cov["albi"] - beta["albi_ref"])
              + beta["beta_afp"] * sub_cov["afp_high"] + beta["beta_mvi"] * sub_cov["mvi"]
              + beta["beta_ehs"] * sub_cov["ehs"])
        sub = u_sub[rows] < arm.subsequent_therapy.value
        rate = math.log(2) / (settings.pps_median_months * DAYS_PER_MONTH) * np.exp(lp) \
            * np.where(sub, settings.hr_subsequent, 1.0)
        t_death = np.where(progressed, t_prog + e_pps[rows] / rate, t_death_pre)
        t_pfs = np.minimum(t_prog, t_death_pre)
        c = censor[rows]
        os_t[rows], os_e[rows] = np.minimum(t_death, c), t_death <= c
        pfs_t[rows], pfs_e[rows] = np.minimum(t_pfs, c), t_pfs <= c
        orr_r[rows], orr_m[rows], dcr[rows] = resp["orr_recist"], resp["orr_mrecist"], resp["dcr_recist"]

    arms_out = []
    for arm in protocol.arms:
        m = labels == arm.label
        ok = m & ~failed
        pfs_med, pfs_ci = _median(pfs_t[ok] / DAYS_PER_MONTH, pfs_e[ok])
        os_med, os_ci = _median(os_t[ok] / DAYS_PER_MONTH, os_e[ok])
        arms_out.append(ArmResult(arm.label, int(m.sum()), round(float(orr_r[ok].mean()), 4),
                                  round(float(orr_m[ok].mean()), 4), round(float(dcr[ok].mean()), 4),
                                  pfs_med, pfs_ci, os_med, os_ci, int((m & failed).sum())))
    comps = []
    control = protocol.arms[-1].label
    for arm in protocol.arms[:-1]:
        sel = np.isin(labels, [arm.label, control]) & ~failed
        x = (labels[sel] == arm.label).astype(float)
        hr = {}
        for name, t, e in (("os", os_t, os_e), ("pfs", pfs_t, pfs_e)):
            fit = cox_ph(t[sel] / DAYS_PER_MONTH, e[sel].astype(int), {"arm": x})
            h, lo, hi = fit.hazard_ratio("arm")
            hr[name] = (round(float(h), 4), (round(float(lo), 4), round(float(hi), 4)))
        comps.append(Comparison((arm.label, control), hr["os"][0], hr["os"][1], hr["pfs"][0], hr["pfs"][1]))
    patients = {"arm": labels, "os_months": os_t / DAYS_PER_MONTH, "os_event": os_e,
                "pfs_months": pfs_t / DAYS_PER_MONTH, "pfs_event": pfs_e, "orr_recist": orr_r,
                "orr_mrecist": orr_m, "failed": failed}
    return TrialResult(protocol.id, int(seed), arms_out, comps, patients)
