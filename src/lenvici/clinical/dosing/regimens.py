"""Starting doses and dose levels of the HCC regimens the review names.

Oral kinase inhibitors follow their label's ladder (``ladders.yaml``): lenvatinib starts at 12 mg once daily
for an actual body weight ≥ 60 kg and 8 mg below (US PI §2.4; EU SmPC §4.2; REFLECT), and is reduced in
succession 12 → 8 → 4 mg once daily → 4 mg every other day; from 8 mg the third reduction is
discontinuation (US PI §2.6; EU SmPC §4.2). Sorafenib starts at 400 mg twice daily and is reduced to
400 mg once daily, then 400 mg every other day (US PI §2.2). ``level`` counts reductions from the
patient's starting dose; the level after the last is "discontinue".

Infusions (immune-checkpoint inhibitors, bevacizumab) are flat or mg/kg doses at fixed intervals
(``regimens.yaml``), computed on actual body weight; they have no dose levels.
"""

from __future__ import annotations

from lenvici.clinical.dosing._inputs import (
    CHILD_PUGH,
    RENAL,
    jurisdiction as check_jurisdiction,
    normalise_name,
    weight_kg,
)
from lenvici.clinical.dosing._result import DoseRecommendation, ImpairmentAdvice, RegimenDose
from lenvici.clinical.dosing._schema import Component, Ladder, Regimen, load_dosing_data
from lenvici.clinical.dosing.impairment import impairment_advice
from lenvici.clinical.validation import check_int
from lenvici.errors import InputError

__all__ = ["available_drugs", "regimens_for", "dose_regimen", "lenvatinib_dose", "ladder_dose",
           "describe_bands", "weight_edges"]


def available_drugs() -> tuple[str, ...]:
    """Every drug name ``lenvici dose DRUG`` accepts, sorted."""
    return tuple(sorted({d for r in load_dosing_data().regimens.values() for d in r.drugs}))


def _drug(drug: object) -> str:
    name = normalise_name(drug)
    drugs = available_drugs()
    if name not in drugs:
        raise InputError(f"'drug' must be one of {', '.join(drugs)}; got {drug!r}", "drug")
    return name


def regimens_for(drug: object) -> tuple[Regimen, ...]:
    """The regimens that can be chosen for ``drug``; its default regimen first."""
    name = _drug(drug)
    found = [r for r in load_dosing_data().regimens.values() if name in r.drugs]
    return tuple(sorted(found, key=lambda r: (not (r.default and r.drug == name), r.drug != name, r.id)))


def describe_bands(ladder: Ladder) -> str:
    """The weight bands in words: ``≥ 60 kg: 12 mg once daily; < 60 kg: 8 mg once daily``."""
    parts = []
    for band in ladder.start:
        level = ladder.levels[ladder.level_index(band.level)]
        if band.weight_at_least_kg is not None and band.weight_below_kg is not None:
            where = f"{band.weight_at_least_kg:g}-{band.weight_below_kg:g} kg"
        elif band.weight_at_least_kg is not None:
            where = f"≥ {band.weight_at_least_kg:g} kg"
        elif band.weight_below_kg is not None:
            where = f"< {band.weight_below_kg:g} kg"
        else:
            where = "any weight"
        parts.append(f"{where}: {level.dose_mg:g} mg {level.schedule}")
    return "; ".join(parts)


def weight_edges(ladder: Ladder) -> tuple[float, ...]:
    """The body weights (kg) at which the ladder's starting dose changes."""
    return tuple(e for b in ladder.start for e in (b.weight_at_least_kg, b.weight_below_kg) if e is not None)


def ladder_dose(ladder: Ladder, index: int, *, start: int | None, jurisdiction: str, rationale: str,
                weight: float | None = None) -> DoseRecommendation:
    """The recommendation for position ``index`` of ``ladder`` (``len(levels)`` means discontinue)."""
    source = f"{ladder.sources[jurisdiction]}; {ladder.trial}"
    level_no = None if start is None else index - start
    if index >= len(ladder.levels):
        return DoseRecommendation(drug=ladder.drug, dose_mg=None, schedule="discontinue", level=level_no,
                                  status="discontinue", route=ladder.route, rationale=rationale, source=source,
                                  weight_kg=weight)
    level = ladder.levels[index]
    notes = (f"alternative at this level: {level.alternative}",) if level.alternative else ()
    return DoseRecommendation(
        drug=ladder.drug, dose_mg=level.dose_mg, schedule=level.schedule, level=level_no, status="dose",
        route=ladder.route, rationale=rationale, source=source, interval_days=level.interval_days,
        doses_per_day=level.doses_per_day, daily_dose_mg=level.dose_mg * level.doses_per_day / level.interval_days,
        weight_kg=weight, notes=notes)


def _ladder_component(ladder: Ladder, weight: float | None, level: int, jurisdiction: str,
                      advice: tuple[ImpairmentAdvice, ...]) -> DoseRecommendation:
    start = ladder.start_index(weight)
    if start is None:
        raise InputError(f"'weight' is needed: the {ladder.drug} HCC starting dose depends on actual body weight "
                         f"({describe_bands(ladder)}); give it as 'VALUE kg'", "weight")
    last = len(ladder.levels) - start  # this level number means discontinue
    if not 0 <= level <= last:
        raise InputError(f"'level' must be an integer in [0, {last}] for {ladder.drug} starting at "
                         f"{ladder.levels[start].dose_mg:g} mg {ladder.levels[start].schedule} (0 = starting dose, "
                         f"{last} = discontinue); got {level}", "level")
    blocking = [a for a in advice if a.action != "standard"]
    if blocking:
        text = "; ".join(f"{a.level}: {a.text} ({a.source})" for a in blocking)
        return DoseRecommendation(drug=ladder.drug, dose_mg=None, schedule="no labelled dose", level=None,
                                  status="no-labelled-dose", route=ladder.route, rationale=text,
                                  source=f"{ladder.sources[jurisdiction]}; {blocking[0].source}", weight_kg=weight)
    start_level = ladder.levels[start]
    if ladder.weight_based:
        why = (f"actual body weight {weight:g} kg → starting dose {start_level.dose_mg:g} mg {start_level.schedule} "
               f"({describe_bands(ladder)})")
    else:
        why = f"starting dose {start_level.dose_mg:g} mg {start_level.schedule}"
    if level == 0:
        rationale = why
    elif level == last:
        rationale = f"{why}; level {level} is past the last dose level: discontinue"
    else:
        rationale = f"{why}; level {level} = reduction {level} in the label's sequence"
    rationale += "".join(f"; {a.level}: {a.text}" for a in advice)
    return ladder_dose(ladder, start + level, start=start, jurisdiction=jurisdiction, rationale=rationale,
                       weight=weight)


def _infusion_components(component: Component, weight: float | None, source: str) -> list[DoseRecommendation]:
    out = []
    for phase in component.phases:
        amount, unit, notes = phase.amount, phase.unit, []
        if phase.low_weight is not None:
            low = phase.low_weight
            if weight is None:
                notes.append(f"flat dose for ≥ {low.below_kg:g} kg; below {low.below_kg:g} kg the label gives "
                             f"{low.amount:g} {low.unit}: give the weight to check")
            elif weight < low.below_kg:
                amount, unit = low.amount, low.unit
                notes.append(f"body weight {weight:g} kg < {low.below_kg:g} kg: weight-based dose")
        if phase.start:
            notes.append(f"start: {phase.start}")
        if unit == "mg/kg":
            if weight is None:
                raise InputError(f"'weight' is needed: {component.drug} is dosed at {amount:g} mg/kg of actual body "
                                 "weight; give it as 'VALUE kg'", "weight")
            dose, per_kg = amount * weight, amount
            rationale = f"{amount:g} mg/kg × {weight:g} kg = {dose:g} mg {phase.schedule}"
        else:
            dose, per_kg = amount, None
            rationale = f"flat dose {amount:g} mg {phase.schedule}"
        out.append(DoseRecommendation(
            drug=component.drug, dose_mg=dose, schedule=phase.schedule, level=None, status="dose",
            route=component.route, rationale=rationale, source=source, interval_days=phase.interval_days,
            mg_per_kg=per_kg, weight_kg=weight, doses=phase.doses, phase=phase.phase, notes=tuple(notes)))
    return out


def dose_regimen(drug: object, *, regimen: object = None, weight: object = None, level: object = 0,
                 child_pugh: object = None, renal_impairment: object = None,
                 jurisdiction: object = "us") -> RegimenDose:
    """The doses of one regimen for one patient.

    Parameters
    ----------
    drug
        A drug name from :func:`available_drugs` (``lenvatinib``, ``sorafenib``, ``pembrolizumab``, …).
    regimen
        A regimen id from :func:`regimens_for` (default: the drug's default regimen).
    weight
        Actual body weight, ``"VALUE UNIT"`` (kg, g, lb). Needed for lenvatinib (the start dose depends on it)
        and for mg/kg doses; optional otherwise.
    level
        Dose level of the oral kinase inhibitor: 0 = starting dose, *n* = *n*-th reduction. Infusions have
        no levels, so a regimen without an oral component accepts only 0.
    child_pugh, renal_impairment
        Optional; for lenvatinib and sorafenib the label's impairment advice is applied (a label that gives
        no dose yields ``status = "no-labelled-dose"``).
    jurisdiction
        ``us`` or ``eu``: which label's impairment advice and section citations to use.

    Returns
    -------
    RegimenDose

    Raises
    ------
    InputError
        Unknown drug or regimen, missing weight, a level out of range, a bad impairment value.

    Examples
    --------
    >>> d = dose_regimen("lenvatinib", weight="72 kg")
    >>> (d.components[0].dose_mg, d.components[0].schedule, d.components[0].level)
    (12.0, 'once daily', 0)
    >>> dose_regimen("lenvatinib", weight="55 kg", level=2).components[0].schedule
    'every other day'
    >>> dose_regimen("atezolizumab", weight="70 kg").components[1].dose_mg
    1050.0
    """
    data = load_dosing_data()
    name = _drug(drug)
    choices = regimens_for(name)
    if regimen is None:
        chosen = choices[0]
    else:
        wanted = normalise_name(regimen)
        matches = [r for r in choices if r.id == wanted]
        if not matches:
            raise InputError(f"'regimen' must be one of {', '.join(r.id for r in choices)} for {name}; "
                             f"got {regimen!r}", "regimen")
        chosen = matches[0]
    where = check_jurisdiction(jurisdiction)
    lvl = check_int(level, "level", 0, 100)
    ladders = [data.ladders[c.ladder] for c in chosen.components if c.ladder is not None]
    edges = tuple(e for lad in ladders for e in weight_edges(lad)) + tuple(
        p.low_weight.below_kg for c in chosen.components for p in c.phases if p.low_weight is not None)
    kg = None if weight is None else weight_kg(weight, edges)
    if not ladders and lvl != 0:
        raise InputError(f"'level' must be 0 for {chosen.id}: infusions have no dose levels (the labels withhold "
                         f"or discontinue immune-checkpoint inhibitors, they do not reduce them); got {lvl}", "level")
    if child_pugh is not None and not (isinstance(child_pugh, str) and child_pugh.strip()):
        raise InputError(f"'child_pugh' must be one of {', '.join(CHILD_PUGH)}; got {child_pugh!r}", "child_pugh")
    if renal_impairment is not None and not isinstance(renal_impairment, str):
        raise InputError(f"'renal_impairment' must be one of {', '.join(RENAL)}; got {renal_impairment!r}",
                         "renal_impairment")
    components: list[DoseRecommendation] = []
    notes = list(chosen.notes)
    for component in chosen.components:
        if component.ladder is not None:
            ladder = data.ladders[component.ladder]
            advice = impairment_advice(ladder.drug, child_pugh=child_pugh, renal_impairment=renal_impairment,
                                       jurisdiction=where)
            components.append(_ladder_component(ladder, kg, lvl, where, advice))
            notes.extend(n for n in ladder.notes if n not in notes)
        else:
            components.extend(_infusion_components(component, kg, chosen.source))
    if not ladders and (child_pugh is not None or renal_impairment not in (None, "none")):
        impairment_advice("lenvatinib", child_pugh=child_pugh, renal_impairment=renal_impairment,
                          jurisdiction=where)  # validates the values
        notes.append(f"no hepatic or renal dose rule is encoded for {chosen.id}")
    return RegimenDose(regimen=chosen.id, drug=name, title=chosen.title, components=tuple(components),
                       source=chosen.source, jurisdiction=where, review_refs=chosen.review_refs, notes=tuple(notes))


def lenvatinib_dose(weight: object, level: object = 0, *, child_pugh: object = None,
                    renal_impairment: object = None, jurisdiction: object = "us") -> DoseRecommendation:
    """Lenvatinib for HCC at dose ``level`` for a patient of actual body ``weight``.

    ≥ 60 kg: 12 → 8 → 4 mg once daily → 4 mg every other day → discontinue (levels 0-4);
    < 60 kg: 8 → 4 mg once daily → 4 mg every other day → discontinue (levels 0-3).

    Examples
    --------
    >>> lenvatinib_dose("60 kg").dose_mg
    12.0
    >>> lenvatinib_dose("59.9 kg").dose_mg
    8.0
    >>> lenvatinib_dose("59 kg", level=3).status
    'discontinue'

    References
    ----------
    LENVIMA US prescribing information §2.4, §2.6; Lenvima EU SmPC §4.2. Kudo M, et al. Lancet.
    2018;391(10126):1163-1173 (REFLECT).
    """
    return dose_regimen("lenvatinib", regimen="lenvatinib", weight=weight, level=level, child_pugh=child_pugh,
                        renal_impairment=renal_impairment, jurisdiction=jurisdiction).components[0]
