"""Lenvatinib dose modification after an adverse event, under the US label or the EU SmPC.

The rules are data (``lenvatinib_adverse_events.yaml``), one row per event, grade and jurisdiction, each
citing its label section. The action is one of: ``continue``; ``withhold-reduce`` (withhold until the
label's recovery condition, then resume one level lower); ``withhold-reduce-or-discontinue`` (the same, or
discontinue depending on severity and persistence — the prescriber's call); ``discontinue``. A reduction
asked for at the lowest level (4 mg every other day) becomes ``discontinue``.

Where the labels differ, the data says so. The main differences (US PI §2.6 vs EU SmPC §4.2):

* grade 4 hepatotoxicity or renal impairment: US withholds and may resume lower; EU discontinues (unless a
  laboratory abnormality judged not life-threatening, managed as grade 3);
* gastrointestinal perforation: US discontinues at any grade; EU withholds at grade 3, discontinues at 4;
* fistula: US discontinues at grade 3-4; EU withholds a grade 3 fistula and discontinues at grade 4;
* QTc: US withholds for QTc > 500 ms **or** an increase > 60 ms; EU for QTc > 500 ms only;
* grade 3 cardiac dysfunction or haemorrhage: US resumes lower *or discontinues*; EU resumes lower;
* a persistent or intolerable grade 2 event: EU withholds and reduces for any toxicity (HCC table of §4.2);
  the US table does so only through its "other adverse reactions" row.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from lenvici.clinical.dosing._inputs import (
    current_level,
    flag,
    jurisdiction as check_jurisdiction,
    measurement,
    normalise_name,
    weight_kg,
)
from lenvici.clinical.dosing._result import DoseModification, DoseRecommendation
from lenvici.clinical.dosing._schema import JURISDICTIONS, EventRules, GradeRule, load_dosing_data
from lenvici.clinical.dosing.regimens import describe_bands, ladder_dose, weight_edges
from lenvici.clinical.validation import check_int
from lenvici.errors import InputError

__all__ = ["MODIFIABLE_DRUGS", "adverse_events", "modify_dose"]

#: Drugs with adverse-event rules encoded.
MODIFIABLE_DRUGS = ("lenvatinib",)

_WORDS = {
    "continue": "continue at the current dose",
    "withhold-reduce": "withhold, then resume one level lower",
    "withhold-reduce-or-discontinue": ("withhold, then resume one level lower or discontinue, depending on "
                                       "severity and persistence"),
    "discontinue": "discontinue permanently",
}


def adverse_events() -> tuple[EventRules, ...]:
    """Every adverse event with encoded lenvatinib rules (with its aliases and accepted grades)."""
    return tuple(load_dosing_data().events.values())


def _event(value: object) -> EventRules:
    data = load_dosing_data()
    key = data.aliases.get(normalise_name(value))
    if key is None:
        raise InputError(f"'event' must be one of {', '.join(sorted(data.events))}; got {value!r}", "event")
    return data.events[key]


def _decide(event: EventRules, where: str, grade: int | None, intolerable: bool, laboratory_only: bool,
            measured: Mapping[str, float]) -> tuple[GradeRule, list[str]]:
    """The rule that applies (after the intolerable-grade-2 and laboratory-only adjustments) and notes."""
    rules = event.for_jurisdiction(where)
    notes: list[str] = []
    if grade is not None and grade in rules.rules:
        rule = rules.rules[grade]
    elif event.measured:
        rule = None
        for measure in rules.measures:
            value = measured.get(measure.quantity)
            if value is None:
                continue
            if measure.met(value):
                rule = GradeRule(action=measure.action, resume_when=measure.resume_when)
                sign = ">" if measure.above is not None else "≥"
                limit = measure.above if measure.above is not None else measure.at_least
                notes.append(f"{measure.quantity.replace('_', ' ')} {value:g} {sign} {limit:g}")
                break
        if rule is None:
            rule = rules.otherwise  # type: ignore[assignment]
    else:
        raise AssertionError("grade checked by the caller")  # pragma: no cover
    assert rule is not None
    if rule.note:
        notes.append(rule.note)
    if intolerable and grade == 2:
        if rule.intolerable is not None:
            rule = GradeRule(action=rule.intolerable, resume_when="grade 0-1 or baseline")
            notes.append("persistent or intolerable grade 2: handled as the label's persistent/intolerable rule")
        else:
            notes.append("the label's row for this event does not change for a persistent or intolerable grade 2")
    if laboratory_only and grade == 4:
        if rule.laboratory_only is not None:
            rule = GradeRule(action=rule.laboratory_only, resume_when="grade 0-1 or baseline")
            notes.append("grade 4 laboratory abnormality judged not life-threatening: managed as the label allows")
        else:
            notes.append("the label's row for this event makes no exception for a laboratory-only grade 4")
    return rule, notes


def _final(action: str, index: int, n_levels: int) -> str:
    if action in ("withhold-reduce", "withhold-reduce-or-discontinue") and index + 1 >= n_levels:
        return "discontinue"
    return action


def modify_dose(drug: object, event: object, *, current: object, jurisdiction: object = "us",
                grade: object = None, intolerable: object = False, laboratory_only: object = False,
                urine_protein: object = None, qtc: object = None, qtc_baseline: object = None,
                weight: object = None) -> DoseModification:
    """What to do with the current lenvatinib dose after an adverse event.

    Parameters
    ----------
    drug
        ``lenvatinib`` (the only drug with encoded adverse-event rules).
    event
        An event name or alias from :func:`adverse_events`: ``hypertension``, ``proteinuria``,
        ``hepatotoxicity``, ``hepatic-failure``, ``renal-impairment``, ``haemorrhage``, ``qtc-prolongation``,
        ``hand-foot-skin-reaction`` (``ppe``), ``diarrhoea``, ``arterial-thromboembolism``, ``gi-perforation``,
        ``gi-fistula``, ``non-gi-fistula``, ``hypocalcaemia``, ``rpls``, ``cardiac-dysfunction``,
        ``nephrotic-syndrome``, ``other``.
    current
        The current dose, ``"12 mg"``, ``"8 mg once daily"``, ``"4 mg every other day"`` (a dose without a
        schedule means once daily).
    jurisdiction
        ``us`` (prescribing information) or ``eu`` (SmPC).
    grade
        CTCAE v5 grade, within the grades the event can take (hand-foot skin reaction 1-3, gastrointestinal
        perforation 2-4, hepatic failure 3-4, others 1-4). Not used for proteinuria; for QTc only grade 4
        (life-threatening arrhythmia).
    intolerable
        The grade 2 event is persistent or intolerable despite management.
    laboratory_only
        The grade 4 event is a laboratory abnormality judged not life-threatening.
    urine_protein
        Proteinuria, ``"VALUE g/24h"`` (required for ``proteinuria``).
    qtc, qtc_baseline
        QTc now and at baseline, ``"VALUE ms"`` (``qtc`` required for ``qtc-prolongation`` unless grade 4).
    weight
        Actual body weight *at the start of treatment*, ``"VALUE kg"`` (optional). With it, dose levels are
        counted from the starting dose; later weight changes do not change the dose (EU SmPC §4.2).

    Returns
    -------
    DoseModification

    Raises
    ------
    InputError
        Naming the field: unknown drug or event, a grade the event cannot take, a missing measurement, a
        current dose that is not a label dose level.

    Examples
    --------
    >>> m = modify_dose("lenvatinib", "hypertension", grade=3, current="12 mg", jurisdiction="us")
    >>> (m.action, m.next_dose.dose_mg)
    ('withhold-reduce', 8.0)
    >>> modify_dose("lenvatinib", "gi-perforation", grade=3, current="8 mg", jurisdiction="us").action
    'discontinue'
    >>> modify_dose("lenvatinib", "gi-perforation", grade=3, current="8 mg", jurisdiction="eu").action
    'withhold-reduce'
    """
    name = normalise_name(drug)
    if name not in MODIFIABLE_DRUGS:
        raise InputError(f"'drug' must be one of {', '.join(MODIFIABLE_DRUGS)} (adverse-event rules are encoded "
                         f"for lenvatinib only); got {drug!r}", "drug")
    data = load_dosing_data()
    ladder = data.ladders[name]
    rules = _event(event)
    where = check_jurisdiction(jurisdiction)
    index = current_level(current, ladder)
    g = None if grade is None else check_int(grade, "grade", 1, 4)
    if g is not None and g not in rules.grades:
        allowed = ", ".join(map(str, rules.grades)) or "none (a measured event)"
        raise InputError(f"'grade' {g} is not a grade of {rules.event} here; accepted: {allowed}"
                         + (" — give the measurement instead" if rules.measured else " (CTCAE v5)"), "grade")
    too = flag(intolerable, "intolerable")
    lab = flag(laboratory_only, "laboratory_only")
    measured: dict[str, float] = {}
    if urine_protein is not None:
        measured["urine_protein"] = measurement(urine_protein, "urine_protein")
    if qtc is not None:
        measured["qtc"] = measurement(qtc, "qtc")
    if qtc_baseline is not None:
        if "qtc" not in measured:
            raise InputError("'qtc_baseline' needs 'qtc' (the current QTc) as well", "qtc_baseline")
        measured["qtc_increase"] = measured["qtc"] - measurement(qtc_baseline, "qtc_baseline")
    if rules.measured and g is None:
        needed = {q.quantity for j in JURISDICTIONS for q in rules.for_jurisdiction(j).measures} - {"qtc_increase"}
        missing = sorted(needed - set(measured))
        if missing:
            raise InputError(f"{rules.event} is decided on a measurement: give {', '.join(missing)} "
                             f"({'g/24h' if 'urine_protein' in missing else 'ms'})", missing[0])
    elif not rules.measured and g is None:
        raise InputError(f"'grade' is needed for {rules.event}: CTCAE v5 grade, one of "
                         f"{', '.join(map(str, rules.grades))}", "grade")

    start = None
    if weight is not None:
        start = ladder.start_index(weight_kg(weight, weight_edges(ladder)))
        if index < start:  # type: ignore[operator]
            raise InputError(f"'current' {current!r} is above the starting dose for this weight "
                             f"({describe_bands(ladder)})", "current")
    rule, notes = _decide(rules, where, g, too, lab, measured)
    action = _final(rule.action, index, len(ladder.levels))
    other = next(j for j in JURISDICTIONS if j != where)
    other_rule, _ = _decide(rules, other, g, too, lab, measured)
    other_action = _final(other_rule.action, index, len(ladder.levels))

    section = rules.for_jurisdiction(where).section
    label = ladder.sources[where].split(":")[0]
    cur = ladder_dose(ladder, index, start=start, jurisdiction=where, rationale="current dose",
                      weight=None)
    if action == "continue":
        nxt: DoseRecommendation | None = cur
    elif action == "discontinue":
        nxt = None
    else:
        nxt = ladder_dose(ladder, index + 1, start=start, jurisdiction=where,
                          rationale=f"one level below {cur.dose_mg:g} mg {cur.schedule}")
    what = f"{rules.title}" + (f", grade {g}" if g is not None else "")
    text = f"{what} under the {where.upper()} label: {_WORDS[rule.action]}"
    if rule.action.startswith("withhold"):
        text += f" (resume when {rule.resume_when})"
    if action != rule.action:
        text += (f"; {cur.dose_mg:g} mg {cur.schedule} is the lowest HCC dose level, so there is no lower level: "
                 "discontinue")
    elif nxt is not None and nxt is not cur:
        text += f": {cur.dose_mg:g} mg {cur.schedule} → {nxt.dose_mg:g} mg {nxt.schedule}"
    return DoseModification(
        drug=name, event=rules.event, event_title=rules.title, grade=g, jurisdiction=where, action=action,
        label_action=rule.action, withhold=action.startswith("withhold"),
        resume_when=rule.resume_when if action.startswith("withhold") else None, current=cur, next_dose=nxt,
        rationale=text, source=f"{section} — {label}", other_jurisdiction=other, other_action=other_action,
        measurements=MappingProxyType(dict(measured)), notes=tuple(notes))
