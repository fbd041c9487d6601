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
   median :attr:`TrialSettings.pps_median_months` times the era factor of the trial's enrolment, scaled by the
   patient's prognostic factors (the model's ``beta_*`` log-hazard ratios) and by
   :attr:`TrialSettings.hr_subsequent` for patients receiving subsequent therapy (drawn with the arm's
   published share; MODELLING.md section 2, :mod:`lenvici.sim.post_progression`). PFS = first PD or death.
5. **Censoring.** Entry uniform over the accrual period; administrative censoring at the data cut-off.
6. **Endpoints.** ORR (both criteria), DCR (RECIST 1.1), KM medians with 95 % CIs
   (:func:`lenvici.survival.kaplan_meier`), Cox HRs of each arm vs the last arm (:func:`lenvici.survival.cox_ph`).

Scale. Steps 2-5 run per block of patients (:func:`lenvici.sim.trial_block.simulate_block`), in this process
or on a Dask cluster (:mod:`lenvici.sim.runner`); everything random is drawn centrally beforehand, so the
result does not depend on the block size or the scheduler, and memory holds one block's trajectories at a time.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from importlib import resources

import numpy as np
import yaml

from lenvici.errors import InputError
from lenvici.sim.exposure import PK_MODES, arm_exposure
from lenvici.sim.exposure_rows import take_exposure
from lenvici.sim.model import load_parameters
from lenvici.sim.population import Population, draw_population
from lenvici.sim.post_progression import SUBSEQUENT_THERAPY_HR, UNTREATED_PPS_MEDIAN_MONTHS, era_factor
from lenvici.sim.protocols import DAYS_PER_MONTH, Protocol, load_protocol
from lenvici.sim.runner import DEFAULT_BLOCK_SIZE, check_block_size, open_runner
from lenvici.sim.solver import AUTO_NUMBA_MIN_PATIENTS
from lenvici.sim.trial_block import (PROGNOSTIC_BETAS, BlockOutcome, PatientBlock, TrialPlan, assess_responses,
                                     simulate_block)
from lenvici.survival import cox_ph, kaplan_meier

__all__ = ["TrialSettings", "ArmResult", "Comparison", "TrialResult", "run_trial", "assess_responses"]

@dataclass(frozen=True)
class TrialSettings:
    """Population-level settings shared by every trial (calibration may move them; never per trial).

    pps_median_months
        Median post-progression survival without subsequent therapy at the reference covariates, in the
        reference era (:mod:`lenvici.sim.post_progression`): default the mean placebo-arm OS of the targeted
        second-line trials (RESORCE, CELESTIAL, REACH-2; recalled values). Each trial scales it by the era
        factor of its enrolment (:func:`lenvici.sim.post_progression.era_factor`).
    hr_subsequent
        Hazard ratio of death after progression with vs without subsequent systemic therapy: default the
        second-line trials pooled (:data:`lenvici.sim.post_progression.SUBSEQUENT_THERAPY_HR`).
    typical
        Population-level overrides of model parameters (medians of the priors).
    """

    pps_median_months: float = UNTREATED_PPS_MEDIAN_MONTHS
    hr_subsequent: float = SUBSEQUENT_THERAPY_HR
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


_PROGNOSTIC_COVARIATES = ("ecog", "albi", "afp_high", "mvi", "ehs")


class _ArmBlocks(Sequence):
    """The blocks of every arm, built on demand (in-process, one block's inputs exist at a time).

    Arm ``a`` holds the patients ``rows[a]`` (in randomisation order), cut into consecutive slices of
    ``block_size``; each block takes its slice of the arm's exposure and of the per-patient random numbers.
    """

    def __init__(self, protocol: Protocol, pop: Population, rows: list[np.ndarray], exposures: list,
                 draws: dict[str, np.ndarray], block_size: int, compiled_always: bool = False):
        self.protocol, self.pop, self.rows, self.exposures, self.draws = protocol, pop, rows, exposures, draws
        self.slices = [(a, lo, min(lo + block_size, r.size)) for a, r in enumerate(rows)
                       for lo in range(0, r.size, block_size)]
        # the engine backend="auto" would pick for the whole arm (never decided per block); with dose events
        # (thousands of breakpoints per patient) the NumPy engine is ~40x slower even for a few patients, so
        # the compiled one runs every arm
        self.backends = ["numba" if compiled_always or r.size >= AUTO_NUMBA_MIN_PATIENTS else "numpy"
                         for r in rows]

    def __len__(self) -> int:
        return len(self.slices)

    def size(self, i: int) -> int:
        _a, lo, hi = self.slices[i]
        return hi - lo

    def __getitem__(self, i: int) -> PatientBlock:
        a, lo, hi = self.slices[i]
        idx = self.rows[a][lo:hi]
        pre, cov, d = self.pop.pretreatment, self.pop.covariates, self.draws
        return PatientBlock(pre.y0[idx], pre.params[idx],
                            take_exposure(self.exposures[a], np.arange(lo, hi), self.rows[a].size),
                            {k: cov[k][idx] for k in _PROGNOSTIC_COVARIATES}, d["e_os"][idx], d["e_nl"][idx],
                            d["e_pps"][idx], d["u_sub"][idx], d["censor"][idx],
                            float(self.protocol.arms[a].subsequent_therapy.value), self.backends[a])


class _Progress:
    """Reports ``progress(done, total)`` in patient-stages: each patient counts once for its pre-treatment
    growth (when the population is drawn here) and once for its treatment."""

    def __init__(self, progress: Callable[[int, int], None] | None, n_total: int, draws_population: bool):
        self.fn, self.offset = progress, (n_total if draws_population else 0)
        self.total = self.offset + n_total
        self.done = self.offset

    def population(self, done: int, _n: int) -> None:
        if self.fn is not None:
            self.fn(done, self.total)

    def treated(self, k: int) -> None:
        self.done += k
        if self.fn is not None:
            self.fn(self.done, self.total)


def _summarise(protocol: Protocol, seed: int, labels: np.ndarray, o: dict[str, np.ndarray]) -> TrialResult:
    """Stage 3: per-arm ORR, DCR and KM medians, Cox HRs of each arm vs the last, per-patient table."""
    os_t, os_e, pfs_t, pfs_e, failed = o["os_days"], o["os_event"], o["pfs_days"], o["pfs_event"], o["failed"]
    arms_out = []
    for arm in protocol.arms:
        m = labels == arm.label
        ok = m & ~failed
        pfs_med, pfs_ci = _median(pfs_t[ok] / DAYS_PER_MONTH, pfs_e[ok])
        os_med, os_ci = _median(os_t[ok] / DAYS_PER_MONTH, os_e[ok])
        arms_out.append(ArmResult(arm.label, int(m.sum()), round(float(o["orr_recist"][ok].mean()), 4),
                                  round(float(o["orr_mrecist"][ok].mean()), 4),
                                  round(float(o["dcr_recist"][ok].mean()), 4),
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
                "pfs_months": pfs_t / DAYS_PER_MONTH, "pfs_event": pfs_e, "orr_recist": o["orr_recist"],
                "orr_mrecist": o["orr_mrecist"], "failed": failed}
    return TrialResult(protocol.id, int(seed), arms_out, comps, patients)


def run_trial(protocol: Protocol | str, n_per_arm: int = 100, seed: int = 0, *,
              settings: TrialSettings | None = None, population: Population | None = None,
              rtol: float = 1e-4, atol: float = 1e-6, scheduler: str | None = None,
              progress: Callable[[int, int], None] | None = None,
              block_size: int = DEFAULT_BLOCK_SIZE, pk: str = "average") -> TrialResult:
    """Simulate ``protocol`` with ``n_per_arm`` patients per unit of its randomisation ratio.

    Parameters
    ----------
    protocol
        A :class:`~lenvici.sim.protocols.Protocol` or the name of a shipped one.
    n_per_arm
        Patients per unit of the randomisation ratio (at least 2).
    seed
        Seeds everything: the population, randomisation, entry times and every per-patient random number.
    settings
        Population-level settings; default :meth:`TrialSettings.calibrated` (fitted to REFLECT and
        KEYNOTE-524 only).
    population
        A precomputed population (e.g. shared by several trials; its pre-treatment growth is reused);
        drawn from ``seed`` when omitted.
    rtol, atol
        Solver tolerances of the treatment phase.
    scheduler
        Where the blocks run (:func:`lenvici.sim.runner.open_runner`): ``None`` in this process, one block
        after another; ``"local"`` a Dask ``LocalCluster`` of one process per core, closed afterwards; else
        the address of a Dask scheduler (``tcp://host:port``). Needs the ``dask`` extra.
    progress
        ``progress(done, total)``, called in this process after each block, in patient-stages: each patient
        counts once for its pre-treatment growth (only when the population is drawn here) and once for its
        treatment, so ``total`` is ``2 x`` (or ``1 x``) the number of patients; ``done`` never decreases and
        ends at ``total``.
    block_size
        Patients per treatment block; memory grows with it, results do not change. (The pre-treatment growth
        runs in fixed batches of :data:`lenvici.sim.population.PRETREATMENT_BATCH`.)
    pk
        How the drugs reach the PD model (:func:`lenvici.sim.exposure.arm_exposure`): ``"average"`` (default,
        the calibrated setting) average steady-state concentrations; ``"doses"`` every administration up to the
        data cut-off as dose events of the drugs' population-PK models (about 60 times the compute; the
        calibration used averages, so this mode is for asking whether within-day fluctuation matters).

    Notes
    -----
    Three stages. (1) Central and cheap: population (its pre-treatment growth in fixed batches), randomisation,
    each arm's exposures and every per-patient random number, drawn for all patients up front so that no
    number depends on the partition. (2) :func:`lenvici.sim.trial_block.simulate_block` per block of one
    arm's patients, holding only that block's trajectories; each arm uses the solver engine
    ``backend="auto"`` would pick for the whole arm. (3) :func:`_summarise`: KM medians, Cox HRs.
    The result does not depend on ``scheduler``, and with the compiled engine (arms of at least 64 patients)
    it is identical, bit for bit, whatever ``block_size``; smaller arms (numpy engine) agree across block
    sizes to rounding error (:mod:`lenvici.sim.trial_block`).
    """
    protocol = load_protocol(protocol) if isinstance(protocol, str) else protocol
    settings = settings or TrialSettings.calibrated()
    if n_per_arm < 2:
        raise InputError("n_per_arm must be at least 2", field="n")
    block_size = check_block_size(block_size)
    if pk not in PK_MODES:
        raise InputError(f"pk must be one of {PK_MODES}; got {pk!r}", field="pk")
    alloc = protocol.allocation(n_per_arm)
    n_total = sum(alloc.values())
    if population is not None and population.n != n_total:
        raise InputError(f"population has {population.n} patients; the allocation needs {n_total}",
                         field="population")
    report = _Progress(progress, n_total, population is None)
    with open_runner(scheduler) as runner:
        pop = population or draw_population(protocol, n_total, seed, typical=settings.typical,
                                            runner=runner, progress=report.population)
        rng = np.random.default_rng([seed, 7919])
        labels = np.repeat(np.array(list(alloc)), list(alloc.values()))
        labels = labels[rng.permutation(n_total)]
        cutoff = protocol.cutoff_days
        scans = protocol.imaging_days(cutoff)
        grid = np.unique(np.concatenate([np.arange(0.0, cutoff, 7.0), scans, [cutoff]]))
        table = load_parameters()
        plan = TrialPlan(grid, scans, np.searchsorted(grid, scans), {k: table[k].value for k in PROGNOSTIC_BETAS},
                         settings.pps_median_months * era_factor(protocol.follow_up.enrolment_mid_year),
                         settings.hr_subsequent, rtol, atol, protocol.imaging.progression_criterion)
        # per-patient randomness, drawn for all patients at once (independent of the partition)
        draws = {k: rng.exponential(size=n_total) for k in ("e_os", "e_nl", "e_pps")}
        draws["u_sub"] = rng.uniform(size=n_total)
        entry = rng.uniform(0.0, protocol.follow_up.accrual_months * DAYS_PER_MONTH, size=n_total)
        draws["censor"] = cutoff - entry
        rows = [np.flatnonzero(labels == arm.label) for arm in protocol.arms]
        exposures = [arm_exposure(protocol, arm.label, {k: v[r] for k, v in pop.covariates.items()}, seed * 1000 + a,
                                  pk=pk, horizon_days=cutoff)
                     for a, (arm, r) in enumerate(zip(protocol.arms, rows))]
        blocks = _ArmBlocks(protocol, pop, rows, exposures, draws, block_size, compiled_always=pk == "doses")
        results = runner.map(simulate_block, blocks, plan, on_done=lambda i: report.treated(blocks.size(i)))
    out = {}
    for name in BlockOutcome.FIELDS:
        dtype = float if name.endswith("_days") else bool
        arr = np.zeros(n_total, dtype)
        for (a, lo, hi), res in zip(blocks.slices, results):
            arr[rows[a][lo:hi]] = getattr(res, name)
        out[name] = arr
    return _summarise(protocol, seed, labels, out)
