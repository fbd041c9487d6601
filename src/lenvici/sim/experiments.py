"""The review's open questions as in-silico experiments: a protocol file run as a virtual randomised trial
and set beside the observation that raised the question.

Every experiment shares one virtual population between its arms (randomised by the protocol's ratio), so
the arms differ only in what the question varies. ``run_experiment(name, n, seed)`` returns a JSON-ready
dict; the CLI is ``lenvici trial experiment NAME --n N --seed S --json``.

``scheduling`` (``scheduling.yaml``)
    Synchronous vs asynchronous start of lenvatinib and an anti-PD-1 antibody (review ref 85, Table 1 row 9):
    the arms differ only in the day the antibody starts (day 0 vs day 42). Ref 85 is an observational,
    non-randomised comparison: its gap is an upper bound on what scheduling alone explains.
``weight-threshold`` (``lenvatinib-60kg.yaml``)
    Lenvatinib 12 mg vs 8 mg once daily for patients of 55-65 kg (the population drawn from the protocol is
    restricted to that window), both on the adverse-event dose ladder; reports each arm's realised dose
    intensity. Context: REFLECT by starting dose (Okusaka 2021), a comparison of weight groups, not doses.
``dose-intensity`` (``lenvatinib-dose-intensity.yaml``)
    REFLECT's lenvatinib arm with the adverse-event dose ladder vs the calibrated fixed relative dose
    intensity (0.85); reports the ladder's reduction/interruption/withdrawal shares against REFLECT's.
``cadonilimab`` (``cadonilimab.yaml``)
    Cadonilimab 6 mg/kg q2w vs 15 mg/kg q3w with lenvatinib (review ref 86, COMPASSION-08). Only its
    anti-PD-1 action is modelled, through a generic-IgG PK approximation; its CTLA-4 arm is not.
``biomarker`` (``leap-002.yaml``)
    Lenvatinib + pembrolizumab vs lenvatinib + placebo on one shared population, split by baseline FGF19
    pathway dependence (the population's ``fgf19`` parameter, above vs at-or-below its median) and ALBI grade
    (1: score <= -2.60; 2: -2.60 < score <= -1.39; Johnson PJ et al. J Clin Oncol 2015;33:550-558): per
    subgroup the HRs (OS, PFS) and ORR difference with 95 % CIs, and the treatment-by-subgroup interaction
    (Cox model with an interaction term; difference of ORR differences).
``within-day-fluctuation`` (``reflect.yaml``)
    A modelling check rather than a clinical question: the same REFLECT population and seed run twice, with
    the drugs as average steady-state concentrations (the calibrated setting) and as dose events of their
    population-PK models (``run_trial(..., pk="doses")``: lenvatinib's daily zero-order release, absorption
    and three-compartment disposition, Gupta et al. 2016). Reports each arm under both and the HRs of the
    dose-event run vs the average run; sorafenib, which has no dose-event form, is averaged in both runs and
    so is a negative control (identical results expected; with fewer than 64 patients per arm the average run
    uses the NumPy engine and the dose run the compiled one, so the control then agrees to rounding only).
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np

from lenvici.errors import InputError
from lenvici.sim.protocols import DAYS_PER_MONTH, Protocol, load_protocol

__all__ = ["EXPERIMENTS", "run_experiment", "WEIGHT_WINDOW_KG"]

#: Body-weight window (kg, [low, high)) of the ``weight-threshold`` experiment.
WEIGHT_WINDOW_KG = (55.0, 65.0)
_Z = 1.959963984540054  # standard normal 97.5 % quantile

_REF85 = {
    "source": "Review Table 1 row 9, ref 85 (Wang et al.; curated record t1-r09-ref85)",
    "design": "observational, non-randomised comparison (n = 213); not a randomised trial",
    "arms": {
        "synchronous": {"orr": 0.359, "pfs_median_months": 10.5, "os_median_months": 24.6},
        "asynchronous": {"orr": 0.198, "pfs_median_months": 3.6, "os_median_months": 14.8},
    },
    "direction": "synchronous better: ORR, PFS and OS",
}

_OKUSAKA = {
    "source": "Okusaka T et al. J Gastroenterol 2021;56:570-580 (REFLECT lenvatinib arm by starting dose; abstract)",
    "design": ("post hoc comparison of weight groups within REFLECT (>= 60 kg on 12 mg, n = 325; < 60 kg on 8 mg, "
               "n = 153): weight and dose go together, so not a dose comparison at equal weight"),
    "arms": {
        "12mg": {"os_median_months": 13.7, "pfs_median_months": 7.4, "dose_modification_share": 0.575},
        "8mg": {"os_median_months": 13.4, "pfs_median_months": 7.4, "dose_modification_share": 0.430},
    },
    "direction": "similar efficacy in both weight/dose groups",
}


def _study_arms(study_id: str, keys: tuple[str, ...]) -> dict:
    """ORR / median PFS / median OS of a curated study record's arms, keyed in the record's arm order."""
    from lenvici.knowledge import load_studies

    for s in load_studies():
        if s.id == study_id:
            out = {}
            for key, a in zip(keys, s.arms):
                by = {f"{r.criteria or 'criteria not stated'} ({r.assessment or 'review not stated'})": r.value
                      for r in a.orr}
                out[key] = {"label": a.label, "n": a.n, "orr": a.orr[0].value if len(a.orr) == 1 else None,
                            "orr_by_assessment": by,
                            "pfs_median_months": a.pfs_median.months if a.pfs_median else None,
                            "os_median_months": a.os_median.months if a.os_median else None}
            return out
    raise InputError(f"no curated study {study_id!r}", field="study")  # pragma: no cover - shipped data


def _observed_reflect() -> dict:
    from lenvici.sim.adverse_events import DEFAULTS

    return {"source": "REFLECT lenvatinib arm (curated record 'reflect'; Kudo M et al. Lancet 2018;391:1163-1173)",
            "design": "randomised phase 3; the published arm had dose reductions as they happened",
            "arms": _study_arms("reflect", ("lenvatinib", "sorafenib")),
            "adverse_event_dose_changes": {k: {"value": DEFAULTS[k].value, "status": DEFAULTS[k].status,
                                               "basis": DEFAULTS[k].basis}
                                           for k in ("reduction_share", "interruption_share", "withdrawal_share")},
            "direction": "not a comparison: the published arm is the reference both simulated arms aim at"}


def _observed_ref86() -> dict:
    return {"source": "Review Table 1 row 10, ref 86 (Qiao Q et al. Front Immunol 2023;14:1238667, COMPASSION-08; "
                      "curated record t1-r10-ref86)",
            "design": "two non-randomised dose cohorts of a phase Ib/II single-arm trial (n = 31 and 28)",
            "arms": _study_arms("t1-r10-ref86", ("q2w_6mg_kg", "q3w_15mg_kg")),
            "direction": "no significant difference in tumour control (review text)"}


def _direction(first: float | None, second: float | None, names: tuple[str, str],
               higher_is_better: bool = True) -> str:
    if first is None or second is None:
        return "not estimable (median not reached)"
    if first == second:
        return "equal"
    better = (first > second) == higher_is_better
    return f"{names[0]} better" if better else f"{names[1]} better"


def _two_arm(res, protocol: Protocol, keys: tuple[str, str]) -> tuple[dict, dict, dict]:
    """Arms keyed by ``keys``, the first-vs-second HR block and the simulated directions."""
    d = res.to_dict()
    arms = dict(zip(keys, d["arms"]))
    (comp,) = d["comparisons"]
    s, a = arms[keys[0]], arms[keys[1]]
    sim_dir = {"orr_recist": _direction(s["orr_recist"], a["orr_recist"], keys),
               "orr_mrecist": _direction(s["orr_mrecist"], a["orr_mrecist"], keys),
               "pfs_median": _direction(s["pfs_median_months"], a["pfs_median_months"], keys),
               "os_median": _direction(s["os_median_months"], a["os_median_months"], keys),
               "hr_pfs": f"{keys[0]} better" if comp["hr_pfs"] < 1 else f"{keys[1]} better or equal",
               "hr_os": f"{keys[0]} better" if comp["hr_os"] < 1 else f"{keys[1]} better or equal"}
    significant = {k: (comp[f"{k}_ci"][1] < 1 or comp[f"{k}_ci"][0] > 1) for k in ("hr_os", "hr_pfs")}
    hr = {"arms": comp["arms"], "hr_os": comp["hr_os"], "hr_os_ci": comp["hr_os_ci"],
          "hr_pfs": comp["hr_pfs"], "hr_pfs_ci": comp["hr_pfs_ci"], "ci_excludes_1": significant}
    return arms, hr, sim_dir


def _arm_rows(res, protocol: Protocol) -> dict[str, np.ndarray]:
    labels = np.asarray(res.patients["arm"])
    return {a.label: np.flatnonzero(labels == a.label) for a in protocol.arms}


def _ladder_summaries(protocol: Protocol, pop, rows: dict[str, np.ndarray], seed: int) -> dict:
    """Per arm on the adverse-event ladder: the realised dose course of the arm's patients (drawn as the
    trial draws it when the arm's exposure seed is ``seed * 1000 + arm index``) over 6 and 12 months."""
    from lenvici.sim.adverse_events import ladder_course, start_levels
    from lenvici.sim.exposure import _LADDER_SEED
    from lenvici.sim.protocols import LadderModel

    out = {}
    for a_i, arm in enumerate(protocol.arms):
        rule = protocol.dose_model_for("lenvatinib", arm.label)
        comps = [(k, c) for k, c in enumerate(arm.components) if c.drug == "lenvatinib"]
        if not isinstance(rule, LadderModel) or not comps:
            continue
        k, comp = comps[0]
        w = np.asarray(pop.covariates["weight_kg"], float)[rows[arm.label]]
        course = ladder_course(start_levels(comp.dose(w), comp.interval_days),
                               np.random.default_rng([seed * 1000 + a_i, k, _LADDER_SEED]), rule.overrides)
        out[arm.label] = {"start_daily_mg_mean": round(float(course.start_daily_mg.mean()), 3),
                          "months_6": _rounded(course.summary(6 * DAYS_PER_MONTH)),
                          "months_12": _rounded(course.summary(12 * DAYS_PER_MONTH))}
    return out


def _rounded(d: dict) -> dict:
    return {k: (round(v, 4) if isinstance(v, float) else v) for k, v in d.items()}


def _common(name: str, spec: dict, protocol: Protocol, n: int, seed: int, arms, hr, sim_dir) -> dict:
    return {"experiment": name, "protocol": protocol.id, "n_per_arm": n, "seed": seed, "design": spec["design"],
            "arms": arms, "hazard_ratio": hr, "observed": spec["observed"]() if callable(spec["observed"])
            else spec["observed"], "simulated_direction": sim_dir, "caveat": spec["caveat"]}


# ------------------------------------------------------------------------------------------ experiments

def _run_scheduling(name, spec, protocol, n, seed, trial_kw):
    from lenvici.sim.trials import run_trial

    res = run_trial(protocol, n, seed, **trial_kw)
    arms, hr, sim_dir = _two_arm(res, protocol, spec["arm_keys"])
    arms = {k: {**a, "start_day": {c.drug: c.start_day for c in protocol.arm(a["label"]).components}}
            for k, a in arms.items()}
    return _common(name, spec, protocol, n, seed, arms, hr, sim_dir)


def _window_population(protocol: Protocol, n_total: int, seed: int, typical, window=WEIGHT_WINDOW_KG):
    """``n_total`` patients of ``protocol`` whose weight lies in ``window`` (kg): draws of growing size from
    the protocol's population (seeded ``seed``, ``seed + 1``, ...), the first in-window patients kept."""
    from lenvici.sim.population import draw_population

    lo, hi = window
    taken = []
    got = 0
    for r in range(20):
        pop = draw_population(protocol, max(4 * (n_total - got), 8), seed + r, typical=typical)
        w = np.asarray(pop.covariates["weight_kg"])
        idx = np.flatnonzero((w >= lo) & (w < hi))[: n_total - got]
        taken.append(pop.take(idx))
        got += idx.size
        if got >= n_total:
            break
    if got < n_total:  # pragma: no cover - 20 rounds of 4x over-drawing
        raise InputError(f"only {got} of {n_total} patients fell in {lo}-{hi} kg", field="n")
    return _concat(taken)


def _concat(pops):
    from lenvici.sim.population import Population
    from lenvici.sim.pretreatment import PretreatmentResult

    if len(pops) == 1:
        return pops[0]
    first = pops[0]
    cov = {k: np.concatenate([p.covariates[k] for p in pops]) for k in first.covariates}
    pre = PretreatmentResult(*(np.concatenate([getattr(p.pretreatment, f) for p in pops])
                               for f in ("y0", "params", "days", "status")))
    return Population(first.protocol_id, first.seed, cov, np.concatenate([p.params for p in pops]), pre,
                      sum(p.n_rejected for p in pops))


def _settings(trial_kw):
    from lenvici.sim.trials import TrialSettings

    return trial_kw.get("settings") or TrialSettings.calibrated()


def _shared_population_trial(protocol, n, seed, trial_kw, draw=None):
    """Run ``protocol`` on one explicit population (the caller's ``population=`` or one drawn with the
    calibrated settings; ``draw(protocol, n_total, seed, typical)`` replaces the default draw), so that
    per-patient results can be split by the population's rows. Returns ``(population, TrialResult)``."""
    from lenvici.sim.population import draw_population
    from lenvici.sim.trials import run_trial

    kw = dict(trial_kw)
    settings = _settings(kw)
    kw["settings"] = settings
    n_total = sum(protocol.allocation(n).values())
    pop = kw.pop("population", None)
    if pop is None:
        pop = (draw(protocol, n_total, seed, settings.typical) if draw is not None
               else draw_population(protocol, n_total, seed, typical=settings.typical))
    return pop, run_trial(protocol, n, seed, population=pop, **kw)


def _run_weight(name, spec, protocol, n, seed, trial_kw):
    pop, res = _shared_population_trial(protocol, n, seed, trial_kw, draw=_window_population)
    arms, hr, sim_dir = _two_arm(res, protocol, spec["arm_keys"])
    rows = _arm_rows(res, protocol)
    ladder = _ladder_summaries(protocol, pop, rows, seed)
    w = np.asarray(pop.covariates["weight_kg"], float)
    for k, a in arms.items():
        a["weight_kg_mean"] = round(float(w[rows[a["label"]]].mean()), 2)
        a["dose_ladder"] = ladder.get(a["label"])
    out = _common(name, spec, protocol, n, seed, arms, hr, sim_dir)
    out["weight_window_kg"] = list(WEIGHT_WINDOW_KG)
    return out


def _run_dose_intensity(name, spec, protocol, n, seed, trial_kw):
    pop, res = _shared_population_trial(protocol, n, seed, trial_kw)
    arms, hr, sim_dir = _two_arm(res, protocol, spec["arm_keys"])
    ladder = _ladder_summaries(protocol, pop, _arm_rows(res, protocol), seed)
    for a in arms.values():
        a["dose_ladder"] = ladder.get(a["label"])
        a["relative_dose_intensity"] = None if a["dose_ladder"] else protocol.dose_intensity_for("lenvatinib",
                                                                                                a["label"])
    return _common(name, spec, protocol, n, seed, arms, hr, sim_dir)


def _run_cadonilimab(name, spec, protocol, n, seed, trial_kw):
    from lenvici.sim.exposure import INPUTS, component_exposures

    pop, res = _shared_population_trial(protocol, n, seed, trial_kw)
    arms, hr, sim_dir = _two_arm(res, protocol, spec["arm_keys"])
    rows = _arm_rows(res, protocol)
    pd1 = INPUTS.index("c_pd1")
    for a_i, (k, a) in enumerate(arms.items()):
        cov = {c: v[rows[a["label"]]] for c, v in pop.covariates.items()}
        conc = [nm for col, nm, _s in component_exposures(protocol, a["label"], cov, seed * 1000 + a_i)
                if col == pd1]
        a["c_pd1_nM"] = {"mean": round(float(np.mean(conc[0])), 1),
                         "p5": round(float(np.percentile(conc[0], 5)), 1),
                         "p95": round(float(np.percentile(conc[0], 95)), 1)}
    return _common(name, spec, protocol, n, seed, arms, hr, sim_dir)


def _part(progress, k: int, parts: int = 2):
    """``progress`` for the ``k``-th of ``parts`` equal runs (``None`` stays ``None``)."""
    if progress is None:
        return None
    return lambda done, total: progress(k * total + done, parts * total)


def _run_within_day(name, spec, protocol, n, seed, trial_kw):
    from lenvici.sim.trials import run_trial

    kw = {k: v for k, v in trial_kw.items() if k != "pk"}
    progress = kw.pop("progress", None)
    pop, avg = _shared_population_trial(protocol, n, seed, {**kw, "progress": _part(progress, 0)})
    kw["settings"] = _settings(kw)
    kw.pop("population", None)
    dose = run_trial(protocol, n, seed, population=pop, pk="doses", progress=_part(progress, 1), **kw)
    arms, hr, sim_dir = {}, {}, {}
    d_avg, d_dose = avg.to_dict(), dose.to_dict()
    for a_i, arm in enumerate(protocol.arms):
        label = arm.label
        a_avg, a_dose = d_avg["arms"][a_i], d_dose["arms"][a_i]
        arms[f"{label} / average"] = {**a_avg, "label": f"{label} / average"}
        arms[f"{label} / doses"] = {**a_dose, "label": f"{label} / doses"}
        pa, pd_ = avg.patients, dose.patients
        sel_a = (np.asarray(pa["arm"]) == label) & ~np.asarray(pa["failed"], bool)
        sel_d = (np.asarray(pd_["arm"]) == label) & ~np.asarray(pd_["failed"], bool)
        x = np.r_[np.zeros(sel_a.sum()), np.ones(sel_d.sum())]
        hr[label] = {
            key: _cox_hr(np.r_[np.asarray(pa[f"{key}_months"])[sel_a], np.asarray(pd_[f"{key}_months"])[sel_d]],
                         np.r_[np.asarray(pa[f"{key}_event"])[sel_a], np.asarray(pd_[f"{key}_event"])[sel_d]], x)
            for key in ("os", "pfs")}
        names = ("doses", "average")
        sim_dir[label] = {"orr_mrecist": _direction(a_dose["orr_mrecist"], a_avg["orr_mrecist"], names),
                          "pfs_median": _direction(a_dose["pfs_median_months"], a_avg["pfs_median_months"], names),
                          "os_median": _direction(a_dose["os_median_months"], a_avg["os_median_months"], names)}
    return _common(name, spec, protocol, n, seed, arms, hr, sim_dir)


# ------------------------------------------------------------------------------------ biomarker subgroups

def albi_grade(score) -> np.ndarray:
    """ALBI grade 1 / 2 / 3 from the score (Johnson PJ et al. J Clin Oncol 2015;33:550-558: grade 1
    <= -2.60 < grade 2 <= -1.39 < grade 3)."""
    s = np.asarray(score, float)
    return np.where(s <= -2.60, 1, np.where(s <= -1.39, 2, 3))


def _wald(est: float, se: float) -> list[float]:
    return [round(est - _Z * se, 4), round(est + _Z * se, 4)]


def _orr_diff(x1: np.ndarray, x0: np.ndarray) -> tuple[float, float]:
    """ORR difference (treated - control) and its Wald standard error."""
    if x1.size == 0 or x0.size == 0:
        raise InputError("a subgroup has no patients in one arm: increase n", field="n")
    p1, p0 = float(np.mean(x1)), float(np.mean(x0))
    se = math.sqrt(p1 * (1 - p1) / x1.size + p0 * (1 - p0) / x0.size)
    return p1 - p0, se


def _cox(t, e, covariates: dict, name: str, key: str) -> dict:
    """``{key: HR of name, "ci": [lo, hi]}`` from a Cox fit; None with the reason when not estimable
    (e.g. no events in a small subgroup)."""
    from lenvici.survival import cox_ph

    try:
        h, lo, hi = cox_ph(t, e.astype(int), covariates).hazard_ratio(name)
    except InputError as err:
        return {key: None, "ci": [None, None], "not_estimable": str(err)}
    vals = [float(h), float(lo), float(hi)]
    if not all(math.isfinite(v) for v in vals):
        return {key: None, "ci": [None, None], "not_estimable": "non-finite estimate"}
    return {key: round(vals[0], 4), "ci": [round(vals[1], 4), round(vals[2], 4)]}


def _cox_hr(t, e, x) -> dict:
    return _cox(t, e, {"arm": x}, "arm", "hr")


def _cox_interaction(t, e, x, g) -> dict:
    """Ratio of the treatment HR in ``g == 1`` to that in ``g == 0`` (Cox: arm + subgroup + arm x subgroup)."""
    return _cox(t, e, {"arm": x, "subgroup": g, "arm_x_subgroup": x * g}, "arm_x_subgroup", "hr_ratio")


def _subgroups(res, treated: str, control: str, groups: dict[str, np.ndarray]) -> dict:
    """Per subgroup (name -> boolean mask over the population rows) the HRs and ORR difference; and the
    interaction of the first subgroup vs the second."""
    p = res.patients
    arm = np.asarray(p["arm"])
    ok = ~np.asarray(p["failed"], bool)
    out = {}
    for gname, mask in groups.items():
        sel = mask & ok & np.isin(arm, [treated, control])
        x = (arm[sel] == treated).astype(float)
        orr = np.asarray(p["orr_recist"], bool)[sel]
        d, se = _orr_diff(orr[x == 1], orr[x == 0])
        out[gname] = {"n": {"treated": int(x.sum()), "control": int((1 - x).sum())},
                      "hr_os": _cox_hr(p["os_months"][sel], p["os_event"][sel], x),
                      "hr_pfs": _cox_hr(p["pfs_months"][sel], p["pfs_event"][sel], x),
                      "orr_recist": {"treated": round(float(orr[x == 1].mean()), 4),
                                     "control": round(float(orr[x == 0].mean()), 4)},
                      "orr_difference": round(d, 4), "orr_difference_ci": _wald(d, se)}
    (g1, m1), (g0, m0) = list(groups.items())[:2]
    sel = (m1 | m0) & ok & np.isin(arm, [treated, control])
    x = (arm[sel] == treated).astype(float)
    g = m1[sel].astype(float)
    orr = np.asarray(p["orr_recist"], bool)[sel]
    d1, s1 = _orr_diff(orr[(x == 1) & (g == 1)], orr[(x == 0) & (g == 1)])
    d0, s0 = _orr_diff(orr[(x == 1) & (g == 0)], orr[(x == 0) & (g == 0)])
    dd, sdd = d1 - d0, math.sqrt(s1 ** 2 + s0 ** 2)
    out["interaction"] = {"contrast": f"{g1} vs {g0}",
                          "os": _cox_interaction(p["os_months"][sel], p["os_event"][sel], x, g),
                          "pfs": _cox_interaction(p["pfs_months"][sel], p["pfs_event"][sel], x, g),
                          "orr_difference_of_differences": round(dd, 4),
                          "orr_difference_of_differences_ci": _wald(dd, sdd)}
    return out


def _run_biomarker(name, spec, protocol, n, seed, trial_kw):
    from lenvici.sim.model import load_parameters
    pop, res = _shared_population_trial(protocol, n, seed, trial_kw)
    arms, hr, sim_dir = _two_arm(res, protocol, spec["arm_keys"])
    treated, control = protocol.arms[0].label, protocol.arms[1].label
    fgf19 = pop.params[:, load_parameters().index("fgf19")]
    cut = float(np.median(fgf19))
    grade = albi_grade(pop.covariates["albi"])
    sub = {"fgf19": _subgroups(res, treated, control, {"fgf19_high": fgf19 > cut, "fgf19_low": fgf19 <= cut}),
           "albi": _subgroups(res, treated, control, {"albi_grade_1": grade == 1, "albi_grade_2": grade == 2})}
    sub["fgf19"]["cut_off"] = round(cut, 4)
    sub["albi"]["n_grade_3_excluded"] = int(np.sum(grade == 3))
    out = _common(name, spec, protocol, n, seed, arms, hr, sim_dir)
    out["subgroups"] = sub
    return out


EXPERIMENTS: dict[str, dict] = {
    "scheduling": {
        "protocol": "scheduling", "observed": _REF85, "arm_keys": ("synchronous", "asynchronous"),
        "run": _run_scheduling,
        "design": "in-silico randomised 1:1; one virtual population; arms differ only in the anti-PD-1 start day",
        "caveat": ("The observed comparison (ref 85) is observational and not randomised: patients given the "
                   "asynchronous schedule may differ in prognosis (e.g. PD-1 added after early progression), "
                   "so its gap mixes scheduling with selection. The simulation isolates the schedule and is "
                   "not tuned to ref 85.")},
    "weight-threshold": {
        "protocol": "lenvatinib-60kg", "observed": _OKUSAKA, "arm_keys": ("12mg", "8mg"), "run": _run_weight,
        "design": ("in-silico randomised 1:1; one virtual population restricted to 55-65 kg; lenvatinib 12 mg vs "
                   "8 mg once daily, both on the adverse-event dose ladder"),
        "caveat": ("The dose ladder's event rates are REFLECT's (by starting dose, which in REFLECT went with "
                   "weight); the model has no exposure-toxicity link beyond that, so a higher dose costs nothing "
                   "in toxicity other than the cited 12 mg vs 8 mg difference in dose modifications.")},
    "dose-intensity": {
        "protocol": "lenvatinib-dose-intensity", "observed": _observed_reflect,
        "arm_keys": ("ladder", "rdi"), "run": _run_dose_intensity,
        "design": ("in-silico randomised 1:1; one REFLECT-like population on lenvatinib; adverse-event dose "
                   "ladder vs fixed relative dose intensity 0.85 (the calibrated route)"),
        "caveat": ("The ladder's reduction and withdrawal shares are REFLECT's (recalled, not re-read), its time "
                   "to first reduction and recurrence rates are assumptions; the model was calibrated with the "
                   "fixed RDI, so the ladder arm is not calibrated.")},
    "cadonilimab": {
        "protocol": "cadonilimab", "observed": _observed_ref86, "arm_keys": ("q2w_6mg_kg", "q3w_15mg_kg"),
        "run": _run_cadonilimab,
        "design": ("in-silico randomised 1:1; one virtual population; lenvatinib + cadonilimab 6 mg/kg q2w vs "
                   "15 mg/kg q3w; cadonilimab drives the anti-PD-1 input only"),
        "caveat": ("Cadonilimab's CTLA-4 arm is NOT modelled (the model has no CTLA-4 input) and its PK is a "
                   "generic-IgG approximation (atezolizumab-label disposition, assumed ~200 kDa molar mass): "
                   "both regimens saturate the model's PD-1 blockade, so equal outcomes are expected by "
                   "construction. COMPASSION-08's cohorts were small (31 and 28) and not randomised.")},
    "biomarker": {
        "protocol": "leap-002", "observed": {
            "source": "LEAP-002 overall (curated record 'leap-002'): HR OS 0.84 (0.708-0.997), HR PFS 0.867 "
                      "(0.734-1.024)",
            "design": "randomised phase 3; FGF19 subgroups not reported; no subgroup figures curated",
            "arms": {}, "direction": "combination better overall (OS)"},
        "arm_keys": ("lenvatinib_pembrolizumab", "lenvatinib_placebo"), "run": _run_biomarker,
        "design": ("in-silico LEAP-002 (randomised 1:1, one virtual population), analysed by baseline FGF19 "
                   "pathway dependence (median split) and ALBI grade 1 vs 2"),
        "caveat": ("A prediction of the model, not a reanalysis of LEAP-002 (validation only; never tuned). "
                   "FGF19 acts in the model through lenvatinib's FGFR4 effect, which both arms share, so any "
                   "interaction with adding anti-PD-1 is indirect; ALBI enters through the survival hazard.")},
    "within-day-fluctuation": {
        "protocol": "reflect", "run": _run_within_day,
        "observed": {
            "source": "none: a check of the model's own simplification. Typical lenvatinib 12 mg at steady "
                      "state swings 28-195 ng/mL total (1.0-6.8 nM unbound, mean 2.8 nM) over a day in the "
                      "Gupta 2016 population-PK model as implemented (lenvici.sim.pk)",
            "design": "same virtual population and seed, drugs as average concentrations vs dose events",
            "arms": {}, "direction": "unknown a priori: occupancy is concave in concentration, so an average "
                                     "concentration overstates the average occupancy"},
        "design": ("one virtual REFLECT population run twice: drugs as average steady-state unbound "
                   "concentrations (calibrated setting) vs every administration as a dose event of the drug's "
                   "population-PK model; HRs are the dose-event run vs the average run, per arm"),
        "caveat": ("The model was calibrated with average exposures; the dose-event run is not recalibrated, so "
                   "its difference measures what the averaging hides, not a better prediction. The two runs share "
                   "their patients, so the Cox CIs (which assume independent samples) are conservative. "
                   "Sorafenib has no dose-event form and is averaged in both runs.")},
}


def run_experiment(name: str, n: int = 200, seed: int = 0, **trial_kw) -> dict:
    """Run experiment ``name`` with ``n`` virtual patients per arm; a JSON-ready dict with each arm's ORR
    (RECIST 1.1 and mRECIST), median PFS/OS with CIs, the HRs (first arm vs second, Cox), the observed
    figures of the study that raised the question, a qualitative comparison and the experiment's own
    extras (dose-ladder summaries, exposures, subgroup analyses). ``trial_kw`` goes to
    :func:`lenvici.sim.trials.run_trial` (e.g. ``settings``, ``population``)."""
    if name not in EXPERIMENTS:
        raise InputError(f"unknown experiment {name!r}; available: {', '.join(EXPERIMENTS)}", field="experiment")
    spec = EXPERIMENTS[name]
    run: Callable = spec["run"]
    return run(name, spec, load_protocol(spec["protocol"]), n, seed, trial_kw)
