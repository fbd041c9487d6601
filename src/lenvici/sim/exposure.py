"""From a protocol arm's regimen to each virtual patient's drug exposure (the PD model's inputs).

Each drug's population-PK model (:func:`lenvici.sim.pk.default_model`) gives each patient's individual
clearance (covariates: weight; random effects seeded). The PD model is driven by the *average* steady-state
unbound concentration ``fu * F * dose / (tau * CL) / MW`` (nM). Pembrolizumab uses its steady-state
clearance ``CL * exp(EMAX)`` (the label's time-varying clearance) and total serum concentration. Within-day
fluctuation is averaged out — a simplification the PD time scales (weeks) allow.

Dose intensity (MODELLING.md section 4), per drug from the protocol (an arm may override it):

* a relative dose intensity (the default route): the average concentration times the protocol's RDI;
* ``{model: adverse_event_ladder}`` (lenvatinib): each patient's dose walks down the label's ladder as
  dose-limiting adverse events occur (:mod:`lenvici.sim.adverse_events`); each level's daily dose goes
  through the same conversion, so the input is piecewise constant per patient (zero while withheld or
  after discontinuation).

A component that starts later than day 0 (``start_day``) switches on as a step. Every switch is a
breakpoint no solver step crosses.

**Dose events instead of averages** (``arm_exposure(..., pk="doses")``): each drug's population-PK model
drives the PD model administration by administration (:func:`lenvici.sim.dose_events.pk_dose_exposure`: exact
modal superposition, the same random effects as the averages), with the same doses: the nominal dose times the
relative dose intensity, or the adverse-event ladder's daily dose in force on each dosing day. Antibodies are
30-minute infusions (the pembrolizumab and nivolumab labels), pembrolizumab at its steady-state clearance as
for the averages. Sorafenib's PK model (gallbladder release on a dosing clock) has no modal form, so sorafenib
stays at its average concentration in this mode (:data:`AVERAGED_IN_DOSE_MODE`).

Cadonilimab (review ref 86) feeds the anti-PD-1 input ``c_pd1`` through the generic-IgG PK approximation of
``pk_parameters.yaml`` (no cadonilimab population-PK model was verified). Its molar mass is not in that
file; :data:`MOLAR_MASS_FALLBACK` supplies an assumed ~200 kDa. Its CTLA-4 arm is **not modelled**: the model
has no CTLA-4 input.
"""

from __future__ import annotations

import numpy as np

from lenvici.errors import InputError
from lenvici.sim.adverse_events import ladder_course, start_levels
from lenvici.sim.pk import default_model
from lenvici.sim.protocols import Component, LadderModel, Protocol
from lenvici.sim.solver import ConstantExposure, Exposure, StackedExposure, StepExposure

__all__ = ["INPUTS", "INPUT_OF_DRUG", "MOLAR_MASS_FALLBACK", "AVERAGED_IN_DOSE_MODE", "INFUSION_DAYS",
           "PK_MODES", "component_exposures", "component_courses", "arm_exposures", "arm_exposure",
           "nm_per_mg_per_day"]

#: How an arm's drugs reach the PD model: average steady-state concentrations, or dose events.
PK_MODES = ("average", "doses")

#: Infusion duration of an intravenous administration (days): 30 minutes, as the pembrolizumab and nivolumab
#: labels give.
INFUSION_DAYS = 30.0 / 1440.0

#: Drugs kept at their average concentration with ``pk="doses"``, and why.
AVERAGED_IN_DOSE_MODE = {
    "sorafenib": "its population-PK model releases drug from the gallbladder on a dosing clock (not a linear "
                 "time-invariant system), so it has no dose-event form",
}

#: The PD model's drug inputs (nM), in the model's order.
INPUTS = ("c_len", "c_sor", "c_pd1")
#: Which model input each protocol drug feeds.
INPUT_OF_DRUG = {"lenvatinib": "c_len", "sorafenib": "c_sor", "pembrolizumab": "c_pd1", "cadonilimab": "c_pd1"}

#: Molar masses (g/mol) for drugs whose PK record has none, with the basis.
MOLAR_MASS_FALLBACK: dict[str, tuple[float, str]] = {
    "cadonilimab": (200_000.0,
                    "assumption: cadonilimab (AK104) is a symmetric tetravalent PD-1 x CTLA-4 bispecific built on an "
                    "IgG1 (Pang X et al. MAbs 2023;15:2180794): an IgG (~149 kDa, as pembrolizumab's label) plus two "
                    "single-chain Fv (~25 kDa each) is ~200 kDa; no published molar mass was verified"),
}

_LADDER_SEED = 104729


def _molar_mass(drug: str, model) -> float:
    mw = model.drug_constants.molecular_weight
    if mw is not None:
        return float(mw)
    if drug in MOLAR_MASS_FALLBACK:
        return MOLAR_MASS_FALLBACK[drug][0]
    raise InputError(f"{drug}: no molar mass to convert its concentration to nM", field="drug")


def _individual(comp: Component, covariates, seed: int, k: int):
    """The drug's population-PK model and each patient's parameters (random effects from
    ``default_rng([seed, k])``, ``k`` the component's index in its arm)."""
    w = np.asarray(covariates["weight_kg"], float)
    model = default_model(comp.drug)
    return model, model.sample_parameters({"weight_kg": w}, seed=np.random.default_rng([seed, k]))


def _pk(comp: Component, covariates, seed: int, k: int):
    """``(F, CL in L/day, fu, molar mass in g/mol)`` per patient from the drug's population-PK model."""
    model, p = _individual(comp, covariates, seed, k)
    cl = np.asarray(p["CL"], float)
    if comp.drug == "pembrolizumab" and "EMAX" in p.values:
        cl = cl * np.exp(np.asarray(p["EMAX"], float))
    f = np.asarray(p.values.get("F", np.ones_like(cl)), float)
    return f, cl, model.drug_constants.fraction_unbound, _molar_mass(comp.drug, model)


def _average_nm(comp: Component, covariates, pk) -> np.ndarray:
    """Average steady-state unbound concentration (nM) at the component's nominal dose."""
    f, cl, fu, mw = pk
    mg_per_l = f * comp.dose(np.asarray(covariates["weight_kg"], float)) / (comp.interval_days * cl)
    return fu * mg_per_l / mw * 1e6


def nm_per_mg_per_day(comp: Component, covariates, seed: int, k: int) -> np.ndarray:
    """Per patient: unbound average steady-state concentration (nM) per 1 mg/day of ``comp``'s drug,
    ``fu * F / CL / MW * 1e6`` with the patient's clearance (L/day)."""
    f, cl, fu, mw = _pk(comp, covariates, seed, k)
    return fu * f / cl / mw * 1e6


def _placebo_free(protocol: Protocol, arm_label: str):
    return [(k, c) for k, c in enumerate(protocol.arm(arm_label).components) if c.drug != "placebo"]


def component_exposures(protocol: Protocol, arm_label: str, covariates, seed: int):
    """Per regimen component: ``(input column, (N,) average steady-state concentration in nM, start_day)``
    at the nominal dose times the relative dose intensity (1 for a drug on the adverse-event ladder, whose
    course :func:`component_courses` gives)."""
    out = []
    for k, comp in _placebo_free(protocol, arm_label):
        nm = _average_nm(comp, covariates, _pk(comp, covariates, seed, k))
        out.append((INPUTS.index(INPUT_OF_DRUG[comp.drug]), nm * protocol.dose_intensity_for(comp.drug, arm_label),
                    float(comp.start_day)))
    return out


def _ladder(protocol: Protocol, arm_label: str, comp: Component, w: np.ndarray, seed: int, k: int):
    """The component's adverse-event-ladder course (times relative to its start), or ``None`` off the ladder."""
    rule = protocol.dose_model_for(comp.drug, arm_label)
    if not isinstance(rule, LadderModel):
        return None
    if comp.drug != "lenvatinib":
        raise InputError(f"the adverse-event ladder is encoded for lenvatinib only, not {comp.drug}",
                         field="dose_intensity")
    return ladder_course(start_levels(comp.dose(w), comp.interval_days),
                         np.random.default_rng([seed, k, _LADDER_SEED]), rule.overrides)


def component_courses(protocol: Protocol, arm_label: str, covariates, seed: int):
    """Per regimen component: ``(input column, times (N, K), levels (N, K + 1))``, a piecewise-constant
    concentration (nM) per patient; ``K = 0`` for a constant input."""
    w = np.asarray(covariates["weight_kg"], float)
    n = w.size
    out = []
    for k, comp in _placebo_free(protocol, arm_label):
        col = INPUTS.index(INPUT_OF_DRUG[comp.drug])
        pk = _pk(comp, covariates, seed, k)
        course = _ladder(protocol, arm_label, comp, w, seed, k)
        if course is not None:
            f, cl, fu, mw = pk
            per_mg = fu * f / cl / mw * 1e6
            times, levels = course.times + comp.start_day, course.daily_mg * per_mg[:, None]
        else:
            nm = _average_nm(comp, covariates, pk) * protocol.dose_intensity_for(comp.drug, arm_label)
            times, levels = np.zeros((n, 0)), nm[:, None]
        if comp.start_day > 0:
            times = np.concatenate([np.full((n, 1), float(comp.start_day)), times], axis=1)
            levels = np.concatenate([np.zeros((n, 1)), levels], axis=1)
        out.append((col, times, levels))
    return out


def arm_exposures(protocol: Protocol, arm_label: str, covariates, seed: int) -> np.ndarray:
    """``(N, 3)`` average steady-state concentrations (nM) of ``c_len``, ``c_sor``, ``c_pd1`` for one arm
    (every component at its nominal steady state, whatever its ``start_day`` or dose ladder)."""
    w = np.asarray(covariates["weight_kg"], float)
    out = np.zeros((w.size, len(INPUTS)))
    for col, nm, _start in component_exposures(protocol, arm_label, covariates, seed):
        out[:, col] += nm
    return out


def _merge(courses, n: int):
    """One step function per patient from several: the union of the switch times (duplicates and columns
    that never switch dropped) and the summed levels in force on each interval."""
    parts = [t for _c, t, _l in courses if t.shape[1]]
    times = np.sort(np.concatenate(parts, axis=1), axis=1) if parts else np.zeros((n, 0))
    if times.shape[1] > 1:
        dup = np.concatenate([np.zeros((n, 1), bool), times[:, 1:] == times[:, :-1]], axis=1)
        times = np.sort(np.where(dup, np.inf, times), axis=1)
    times = times[:, np.isfinite(times).any(axis=0)]
    starts = np.concatenate([np.full((n, 1), -np.inf), times], axis=1)  # interval j starts at starts[:, j]
    levels = np.zeros((n, times.shape[1] + 1, len(INPUTS)))
    rows = np.arange(n)[:, None]
    for col, t, lv in courses:
        j = (t[:, None, :] <= starts[:, :, None]).sum(axis=2) if t.shape[1] else np.zeros(starts.shape, int)
        levels[:, :, col] += lv[rows, j]
    return times, levels


def _dose_amounts(protocol: Protocol, arm_label: str, comp: Component, w: np.ndarray, seed: int, k: int,
                  days: np.ndarray) -> np.ndarray:
    """Amount (mg) of each administration at ``days`` (E,) per patient, (N, E): the ladder's daily dose in
    force that day times the interval, or the nominal dose times the relative dose intensity."""
    course = _ladder(protocol, arm_label, comp, w, seed, k)
    if course is None:
        dose = comp.dose(w) * protocol.dose_intensity_for(comp.drug, arm_label)
        return np.broadcast_to(dose[:, None], (w.size, days.size)).copy()
    j = (course.times[:, None, :] <= (days - comp.start_day)[None, :, None]).sum(axis=2)
    return np.take_along_axis(course.daily_mg, j, axis=1) * comp.interval_days


def _arm_dose_events(protocol: Protocol, arm_label: str, covariates, seed: int, horizon_days: float) -> Exposure:
    from lenvici.sim.dose_events import pk_dose_exposure
    from lenvici.sim.pk.dosing import DosingSchedule

    w = np.asarray(covariates["weight_kg"], float)
    n = w.size
    parts: list[Exposure] = []
    fed: set[str] = set()
    dosed: set[str] = set()  # inputs given as dose events; the others are constants
    constant = np.zeros((n, len(INPUTS)))
    for k, comp in _placebo_free(protocol, arm_label):
        name = INPUT_OF_DRUG[comp.drug]
        if name in fed:
            raise InputError(f"{arm_label}: two drugs feed {name}; dose events take one drug per input",
                             field="pk")
        fed.add(name)
        if comp.drug in AVERAGED_IN_DOSE_MODE:
            start = comp.start_day
            if start > 0:
                raise InputError(f"{comp.drug} starting on day {start} with pk='doses' is not supported",
                                 field="pk")
            constant[:, INPUTS.index(name)] = (_average_nm(comp, covariates, _pk(comp, covariates, seed, k))
                                               * protocol.dose_intensity_for(comp.drug, arm_label))
            continue
        model, p = _individual(comp, covariates, seed, k)
        days = np.arange(comp.start_day, horizon_days, comp.interval_days)
        if days.size == 0:
            continue
        iv = model.structure.route == "intravenous"
        schedule = DosingSchedule(model.structure.route, days, _dose_amounts(protocol, arm_label, comp, w, seed, k,
                                                                             days),
                                  np.full(days.size, INFUSION_DAYS if iv else 0.0), drug=comp.drug)
        parts.append(pk_dose_exposure(model, p, schedule, name, horizon=horizon_days, steady_state=True))
        dosed.add(name)
    rest = tuple(i for i in INPUTS if i not in dosed)
    parts.append(ConstantExposure(rest, constant[:, [INPUTS.index(i) for i in rest]]))
    return StackedExposure(parts)


def arm_exposure(protocol: Protocol, arm_label: str, covariates, seed: int, *, pk: str = "average",
                 horizon_days: float | None = None) -> Exposure:
    """The arm's exposure for the solver.

    ``pk="average"`` (default): constant when no input ever switches (e.g. every component from day 0 on the
    relative-dose-intensity route, or nobody on the ladder has an event), else a
    :class:`~lenvici.sim.solver.StepExposure` per patient. ``pk="doses"``: each administration up to
    ``horizon_days`` as dose events of the drug's population-PK model (module docstring)."""
    if pk not in PK_MODES:
        raise InputError(f"pk must be one of {PK_MODES}; got {pk!r}", field="pk")
    if pk == "doses":
        if horizon_days is None or not horizon_days > 0:
            raise InputError("pk='doses' needs the simulation's horizon (days)", field="horizon_days")
        return _arm_dose_events(protocol, arm_label, covariates, seed, float(horizon_days))
    n = np.asarray(covariates["weight_kg"]).size
    times, levels = _merge(component_courses(protocol, arm_label, covariates, seed), n)
    if times.shape[1] == 0:
        return ConstantExposure(INPUTS, levels[:, 0, :])
    with np.errstate(invalid="ignore"):  # the sortedness check subtracts inf padding from inf padding
        return StepExposure(INPUTS, times, levels)
