"""The meta-analysis engine applied to the review: pooled estimates per regimen class from the curated
studies, and pooled comparisons of two regimen classes — with every study included or excluded, and why.

Endpoints
---------
``orr``, ``dcr``, ``trae_grade3``
    Proportions. The events are ``round(rate × n)`` (halves rounded up) with n the arm's size; the rate is
    pooled on the ``PLO`` (logit, default) or ``PFT`` (Freeman–Tukey) scale — any of ``PR PLO PAS PFT`` —
    and back-transformed. ``trae_grade3`` is the rate of grade ≥ 3 *treatment-related* adverse events: a
    safety entry named "TRAE grade>=3", "TRAE grade 3-4" or "TRAE grade 3-5" (grade 3–4 leaves out grade 5,
    which is rare; the name used is recorded). All-cause or treatment-emergent AEs (AE, TEAE), TRAEs of any
    grade and per-grade rates (grade 3, grade 4 …, not summed) are excluded with that reason.
``pfs_median``, ``os_median``
    Median survival in months, pooled on the log scale (``MEDLN``, :func:`~lenvici.evidence.meta.log_median`)
    with SE = (ln U − ln L)/(2 · 1.959964) from the reported 95% CI. A median without a CI has no usable
    SE and is excluded ("no CI"); so is a median not reached.

The arm's n
-----------
In order: the arm's own n; the n of the same arm in another record of the same study (same reference
number, the arms matched by position and regimen class — the review prints some trials twice, in a table
and in its text); the study's ``n_total`` when the study has a single arm. Otherwise the arm is excluded
("arm n not reported") — unless ``assume_equal_arms=True``, which splits ``n_total`` equally over the study's
arms and says so in the row's notes (an assumption: retrospective cohorts are rarely balanced).

One study, one entry
--------------------
Records with the same reference number describe the same study. For each study the record that gives the
most usable arms (then the most arms with their own n, then the first in the store's order: tables before
text) is used; the arms of the other records are listed as excluded ("same study as …, counted once")
where the chosen record has an arm of the same class. Arms of one study in the same regimen class (dose
cohorts, subgroups) are independent patients and enter as separate rows.

ORR criteria
------------
``criteria="first"`` (default; ``"any"`` is the same): the ORR listed first for the arm — the review's
printed order — whatever its criteria, including unstated ones. ``"mRECIST"`` or ``"RECIST1.1"``: the first
ORR by those criteria; arms reporting only other or unstated criteria are excluded ("criteria mismatch").
The criteria used are recorded per row. DCR uses the first DCR listed (the store keeps one per arm).

Comparisons (``compare=(A, B)``)
--------------------------------
Studies with arms of both class A and class B. Rates: a two-group outcome (``OR`` default, ``RR``, ``RD``)
from events = round(rate × n) in each arm; several arms of one class in a study are combined (events and
n summed, the Cochrane Handbook's advice for multi-arm studies, §23.3.4); in each arm the ORR of the same
criteria and assessment is used ("first": the first pair both arms report). Medians: the log ratio of
medians A/B (:func:`~lenvici.evidence.meta.ratio_of_medians`, delta method, McGrath et al. 2020) when
both arms report a 95% CI; with several arms of one class the first listed is used and the others named.

Rows whose study or arms carry a curation note "SUSPECTED ERROR" (``lenvici evidence notes``) stay in, with
a note saying so, so that a sensitivity analysis can leave them out.

Every result states the τ² estimator, the CI method, the PI method and the I² definition (those of
:func:`~lenvici.evidence.meta.rma`). Classes with fewer than ``min_k`` usable rows are listed but not pooled.

References
----------
Higgins JPT, Thomas J, Chandler J, et al. (eds). *Cochrane Handbook for Systematic Reviews of
Interventions*, version 6.4, 2023, §23.3.4 (multi-arm studies).
McGrath S, Zhao X, Qin ZZ, Steele R, Benedetti A. One-sample aggregate data meta-analysis of medians.
Stat Med 2019;38:969–984, doi:10.1002/sim.8013.
McGrath S, Sohn H, Steele R, Benedetti A. Meta-analysis of the difference of medians. Biom J
2020;62:69–98, doi:10.1002/bimj.201900036.
"""

from __future__ import annotations

import math
import re
import warnings
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Sequence

import numpy as np

from lenvici.errors import InputError
from lenvici.evidence.meta import (
    PROPORTION_MEASURES,
    TWO_GROUP_MEASURES,
    EffectSizes,
    MetaResult,
    SubgroupResult,
    log_median,
    proportion,
    ratio_of_medians,
    rma,
    subgroup,
    two_group,
)
from lenvici.evidence.meta.model import TESTS
from lenvici.evidence.meta.tau2 import METHODS
from lenvici.evidence.store import query_studies

__all__ = [
    "ENDPOINTS",
    "ORR_CRITERIA",
    "ArmValue",
    "PooledRow",
    "Exclusion",
    "GroupPool",
    "EvidencePool",
    "pool_evidence",
]

ENDPOINTS = ("orr", "dcr", "trae_grade3", "pfs_median", "os_median")
ORR_CRITERIA = ("first", "any", "mRECIST", "RECIST1.1")
_RATES = ("orr", "dcr", "trae_grade3")
_NAMES = {"orr": "ORR", "dcr": "DCR", "trae_grade3": "grade >= 3 TRAE rate", "pfs_median": "median PFS",
          "os_median": "median OS"}
_ESTIMATORS = {
    "EE": "equal (common) effect: no tau2",
    "DL": "DerSimonian-Laird",
    "HE": "Hedges (variance component)",
    "HS": "Hunter-Schmidt",
    "SJ": "Sidik-Jonkman",
    "ML": "maximum likelihood",
    "REML": "restricted maximum likelihood",
    "EB": "empirical Bayes (Morris)",
    "PM": "Paule-Mandel",
}
_TRAE3 = re.compile(r"^trae\s*grade\s*(>=\s*3|≥\s*3|3\s*-\s*[45]|3\s*(or|and)\s*(above|higher))$")


# --- result types -------------------------------------------------------------------------------------

@dataclass(frozen=True)
class ArmValue:
    """What one arm contributed: the value (rate as a fraction, or median in months), its n and events,
    its CI (medians), the ORR criteria or safety definition used, and any assumption in ``notes``."""

    label: str
    regimen_class: str
    value: float
    n: int | None = None
    events: int | None = None
    ci: tuple[float, float] | None = None
    criteria: str | None = None
    assessment: str | None = None
    definition: str | None = None
    notes: tuple[str, ...] = ()


@dataclass(frozen=True)
class PooledRow:
    """One row of a pooled analysis: a study arm (one ``ArmValue``) or a comparison (two: A then B), with
    the outcome ``yi`` and sampling variance ``vi`` on the analysis scale."""

    study_id: str
    ref: int
    study: str
    label: str
    arms: tuple[ArmValue, ...]
    yi: float
    vi: float
    notes: tuple[str, ...] = ()


@dataclass(frozen=True)
class Exclusion:
    """A study arm (or a study, for comparisons) left out, and why."""

    study_id: str
    ref: int
    study: str
    arm: str | None
    regimen_class: str | None
    reason: str


@dataclass(frozen=True)
class GroupPool:
    """The pooled analysis of one regimen class (or of one comparison, ``group = "A vs B"``).

    ``result`` is ``None`` when fewer than ``min_k`` rows were usable (``note`` says so).
    """

    group: str
    endpoint: str
    measure: str
    included: tuple[PooledRow, ...]
    excluded: tuple[Exclusion, ...]
    effects: EffectSizes | None
    result: MetaResult | None
    note: str | None = None

    @property
    def k(self) -> int:
        return len(self.included)


@dataclass(frozen=True)
class EvidencePool:
    """Pooled evidence for one endpoint, by regimen class or for one comparison.

    ``subgroup`` holds the test for differences between the pooled classes (metafor's QM from
    ``rma(yi, vi, mods = ~ factor(class))``, one τ² common to the classes) when at least two classes were
    pooled — descriptive only: classes pooled from single arms are not randomised comparisons.
    """

    endpoint: str
    by: str
    compare: tuple[str, str] | None
    measure: str
    method: str
    test: str
    level: float
    criteria: str
    assume_equal_arms: bool
    min_k: int
    groups: tuple[GroupPool, ...]
    estimator: str
    ci_method: str
    pi_method: str
    i2_definition: str
    rules: tuple[str, ...]
    subgroup: SubgroupResult | None = None
    warnings: tuple[str, ...] = field(default=())

    def group(self, name: str) -> GroupPool:
        """The pool of one regimen class (or ``"A vs B"``)."""
        for g in self.groups:
            if g.group == name:
                return g
        raise InputError(f"no group {name!r}; groups: {', '.join(g.group for g in self.groups)}", "group")

    def summary(self) -> list[dict]:
        """One row per group: k, estimate and CI on the natural scale, τ², I²."""
        rows = []
        for g in self.groups:
            r = g.result
            t = r.transformed if r is not None else None
            rows.append({"group": g.group, "k": g.k, "excluded": len(g.excluded),
                         "estimate": None if r is None else (t.estimate if t else r.estimate),
                         "ci_lb": None if r is None else (t.ci_lb if t else r.ci_lb),
                         "ci_ub": None if r is None else (t.ci_ub if t else r.ci_ub),
                         "pi_lb": None if r is None else (t.pi_lb if t else r.pi_lb),
                         "pi_ub": None if r is None else (t.pi_ub if t else r.pi_ub),
                         "tau2": None if r is None else r.tau2, "I2": None if r is None else r.I2,
                         "note": g.note})
        return rows

    def to_dict(self) -> dict:
        """A JSON-ready document (NaN and infinities as ``None``)."""
        doc = {
            "endpoint": self.endpoint, "by": self.by, "compare": list(self.compare) if self.compare else None,
            "measure": self.measure, "method": self.method, "test": self.test, "level": self.level,
            "criteria": self.criteria if self.endpoint == "orr" else None,
            "assume_equal_arms": self.assume_equal_arms, "min_k": self.min_k,
            "estimator": self.estimator, "ci_method": self.ci_method, "pi_method": self.pi_method,
            "i2_definition": self.i2_definition, "rules": list(self.rules),
            "groups": [_group_dict(g) for g in self.groups],
            "subgroup_test": None if self.subgroup is None else {
                "groups": list(self.subgroup.groups), "QM": self.subgroup.QM, "df": list(self.subgroup.QMdf),
                "QMp": self.subgroup.QMp,
                "note": "test for differences between the pooled classes (one tau2 common to them); "
                        "descriptive: single-arm estimates of different classes are not randomised comparisons"},
            "warnings": list(self.warnings),
        }
        return _clean(doc)

    def plot(self, path: str | Path | None = None, **options):
        """Forest plot of the pooled groups: one block per pooled class (with the test for subgroup
        differences) or the comparison's single block. Returns the figure; saved when ``path`` is given."""
        from lenvici.evidence.meta import plots

        pooled = [g for g in self.groups if g.result is not None]
        if not pooled:
            raise InputError(f"nothing to plot: no group has k >= {self.min_k} usable studies", "endpoint")
        title = options.pop("title", _title(self))
        if self.endpoint not in _RATES:
            what = "Ratio of medians" if self.compare else _NAMES[self.endpoint].capitalize() + ", months"
            options.setdefault("xlabel", f"{what} (log scale)")
        if len(pooled) == 1:
            g = pooled[0]
            labels = [r.label for r in g.included]
            return plots.forest(g.effects, g.result, labels=labels, title=title, path=path, **options)
        effects, labels, groups = _stack(pooled)
        return plots.forest(effects, self.subgroup, groups=groups, labels=labels, title=title, path=path,
                            **options)

    def __repr__(self) -> str:
        head = f"EvidencePool: {_title(self)} — {self.method} ({self.estimator}), test = {self.test}"
        lines = [head]
        for row in self.summary():
            if row["estimate"] is None:
                lines.append(f"  {row['group']:<22} k = {row['k']:<3} not pooled ({row['note']})")
            else:
                lines.append(f"  {row['group']:<22} k = {row['k']:<3} {row['estimate']:.3f} "
                             f"[{row['ci_lb']:.3f}, {row['ci_ub']:.3f}]  I² = {row['I2']:.1f}%")
        lines.append(f"CI: {self.ci_method}; PI: {self.pi_method}; I²: {self.i2_definition}")
        return "\n".join(lines)


def _title(pool: EvidencePool) -> str:
    name = _NAMES[pool.endpoint]
    if pool.compare:
        return f"{name}: {pool.compare[0]} vs {pool.compare[1]} ({pool.measure})"
    return f"{name} by regimen class ({pool.measure})"


def _stack(pools: Sequence[GroupPool]):
    ys, vs, ns, labels, groups = [], [], [], [], []
    measure = pools[0].effects.measure
    for g in pools:
        ys.extend(g.effects.yi)
        vs.extend(g.effects.vi)
        if g.effects.ni is not None:
            ns.extend(g.effects.ni)
        labels.extend(r.label for r in g.included)
        groups.extend([g.group] * g.k)
    es = EffectSizes(np.array(ys), np.array(vs), measure, ni=np.array(ns) if len(ns) == len(ys) else None,
                     study=tuple(labels))
    return es, labels, groups


def _clean(obj):
    if isinstance(obj, float):
        return obj if math.isfinite(obj) else None
    if isinstance(obj, dict):
        return {k: _clean(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_clean(v) for v in obj]
    if isinstance(obj, np.generic):
        return _clean(obj.item())
    return obj


_POOLED_FIELDS = ("k", "estimate", "se", "zval", "pval", "ci_lb", "ci_ub", "pi_lb", "pi_ub", "tau2", "I2", "H2",
                  "QE", "QEp", "converged")


def _group_dict(g: GroupPool) -> dict:
    pooled = None
    if g.result is not None:
        r = g.result
        pooled = {f: getattr(r, f) for f in _POOLED_FIELDS}
        pooled["transformed"] = None if r.transformed is None else {
            k: v for k, v in asdict(r.transformed).items()}
        pooled["warnings"] = list(r.warnings)
    return {"group": g.group, "k": g.k, "measure": g.measure, "pooled": pooled, "note": g.note,
            "included": [{"study_id": row.study_id, "ref": row.ref, "study": row.study, "label": row.label,
                          "yi": row.yi, "vi": row.vi, "notes": list(row.notes),
                          "arms": [asdict(a) for a in row.arms]} for row in g.included],
            "excluded": [asdict(e) for e in g.excluded]}


# --- extraction from the curated records --------------------------------------------------------------

def _study_name(s: dict) -> str:
    return s.get("name") or f"ref {s['ref']} ({s['id']})"


def _row_label(s: dict, arm: dict | None = None) -> str:
    base = f"{s['name']} [{s['ref']}]" if s.get("name") else f"Ref {s['ref']}"
    if arm is not None and len(s["arms"]) > 1:
        text = arm["label"]
        base += f": {text[:38] + '…' if len(text) > 39 else text}"
    return base


@dataclass(frozen=True)
class _Value:
    value: float | None
    reason: str | None = None
    criteria: str | None = None
    assessment: str | None = None
    definition: str | None = None
    ci: tuple[float, float] | None = None


def _orr_options(arm: dict) -> list[dict]:
    return list(arm.get("orr_all") or ([{"value": arm["orr"], "criteria": arm.get("orr_criteria")}]
                                       if arm.get("orr") is not None else []))


def _orr(arm: dict, criteria: str) -> _Value:
    options = _orr_options(arm)
    if not options:
        return _Value(None, "no ORR reported")
    if criteria in ("first", "any"):
        o = options[0]
        return _Value(o["value"], criteria=o.get("criteria"), assessment=o.get("assessment"))
    for o in options:
        if o.get("criteria") == criteria:
            return _Value(o["value"], criteria=criteria, assessment=o.get("assessment"))
    have = sorted({o.get("criteria") or "criteria not stated" for o in options})
    return _Value(None, f"criteria mismatch: ORR reported only as {', '.join(have)} (asked for {criteria})")


def _dcr(arm: dict) -> _Value:
    if arm.get("dcr") is None:
        return _Value(None, "no DCR reported")
    return _Value(arm["dcr"], definition="first DCR listed")


def _trae3(arm: dict) -> _Value:
    safety = [s for s in arm.get("safety") or [] if s.get("unit", "fraction") == "fraction"]
    if not safety:
        return _Value(None, "no safety rate reported")
    for s in safety:
        name = " ".join(str(s["name"]).lower().split())
        if _TRAE3.match(name) and s.get("value") is not None:
            return _Value(s["value"], definition=s["name"])
    names = [str(s["name"]) for s in safety]
    lowered = [" ".join(n.lower().split()) for n in names]
    if any(re.match(r"^trae\s*grade\s*[345]$", n) for n in lowered):
        return _Value(None, f"per-grade TRAE rates only ({', '.join(names)}); not summed")
    if any(n.startswith(("teae", "ae")) and "grade" in n for n in lowered):
        return _Value(None, f"all-cause/treatment-emergent AEs only ({', '.join(names)}), not treatment-related "
                            "grade >= 3")
    if any(n in ("trae", "trae any grade") for n in lowered):
        return _Value(None, f"TRAE of any grade only ({', '.join(names)}); no grade >= 3 rate")
    return _Value(None, f"no grade >= 3 TRAE rate (reports: {', '.join(names)})")


def _median(arm: dict, endpoint: str) -> _Value:
    what = _NAMES[endpoint]
    if arm.get(f"{endpoint}_not_reached"):
        return _Value(None, f"{what} not reached")
    value = arm.get(f"{endpoint}_months")
    if value is None:
        return _Value(None, f"no {what} reported")
    ci = arm.get(f"{endpoint}_ci")
    if not ci or ci[0] is None or ci[1] is None:
        return _Value(value, f"{what} {value:g} months without a CI: no SE on the log scale")
    lo, hi = float(ci[0]), float(ci[1])
    if not (0 < lo <= value <= hi and lo < hi):
        return _Value(value, f"{what} {value:g} months with an unusable CI [{lo:g}, {hi:g}]")
    return _Value(value, ci=(lo, hi))


def _extract(arm: dict, endpoint: str, criteria: str) -> _Value:
    if endpoint == "orr":
        return _orr(arm, criteria)
    if endpoint == "dcr":
        return _dcr(arm)
    if endpoint == "trae_grade3":
        return _trae3(arm)
    return _median(arm, endpoint)


def _arm_n(study: dict, index: int, siblings: Sequence[dict], assume_equal: bool) -> tuple[int | None, str]:
    """(n, note) — or (None, reason)."""
    arm = study["arms"][index]
    if arm.get("n"):
        return int(arm["n"]), ""
    cls = arm["regimen_class"]
    for sib in siblings:
        arms = sib["arms"]
        if (sib is not study and len(arms) == len(study["arms"]) and arms[index]["regimen_class"] == cls
                and arms[index].get("n")):
            return int(arms[index]["n"]), (f"arm n = {arms[index]['n']} from {sib['id']} (same study, ref "
                                            f"{study['ref']}; arm matched by position)")
    n_total = study.get("n_total")
    if n_total and len(study["arms"]) == 1:
        return int(n_total), f"n = study n_total {n_total} (single-arm study)"
    if n_total and assume_equal:
        n = int(math.floor(n_total / len(study["arms"]) + 0.5))
        return n, (f"ASSUMPTION: arm n = {n} = n_total {n_total} / {len(study['arms'])} arms (arm sizes not "
                   "reported)")
    if n_total:
        return None, (f"arm n not reported (study n_total {n_total} over {len(study['arms'])} arms; "
                      "assume_equal_arms=True would split it equally)")
    return None, "no n reported"


def _flags(study: dict, arms: Sequence[dict]) -> list[str]:
    """A note when the curation flags a suspected error of the review in this study or these arms."""
    texts = list(study.get("notes") or []) + [n for a in arms for n in a.get("notes") or []]
    if any("SUSPECTED ERROR" in t for t in texts):
        return [f"the curation flags a SUSPECTED ERROR in the review's data for {study['id']} "
                "(lenvici evidence notes)"]
    return []


def _events(rate: float, n: int) -> int:
    return int(math.floor(rate * n + 0.5))


# --- single-arm pooling by class ----------------------------------------------------------------------

@dataclass
class _ArmOutcome:
    study: dict
    index: int
    row: PooledRow | None
    reason: str | None


def _single_arm(study: dict, index: int, siblings, endpoint, criteria, assume_equal) -> _ArmOutcome:
    arm = study["arms"][index]
    val = _extract(arm, endpoint, criteria)
    if val.reason is not None:
        return _ArmOutcome(study, index, None, val.reason)
    notes: list[str] = _flags(study, [arm])
    if endpoint in _RATES:
        n, note = _arm_n(study, index, siblings, assume_equal)
        if n is None:
            return _ArmOutcome(study, index, None, note)
        if note:
            notes.append(note)
        events = _events(val.value, n)
        av = ArmValue(arm["label"], arm["regimen_class"], float(val.value), n=n, events=events,
                      criteria=val.criteria, assessment=val.assessment, definition=val.definition,
                      notes=tuple(notes))
        return _ArmOutcome(study, index, PooledRow(study["id"], study["ref"], _study_name(study),
                                                   _row_label(study, arm), (av,), math.nan, math.nan,
                                                   tuple(notes)), None)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        es = log_median([val.value], [val.ci[0]], [val.ci[1]])
    notes.extend(str(w.message).replace("study 1: ", "") for w in caught)
    av = ArmValue(arm["label"], arm["regimen_class"], float(val.value), ci=val.ci, notes=tuple(notes))
    return _ArmOutcome(study, index, PooledRow(study["id"], study["ref"], _study_name(study),
                                               _row_label(study, arm), (av,), float(es.yi[0]), float(es.vi[0]),
                                               tuple(notes)), None)


def _by_ref(studies: Sequence[dict]) -> dict[int, list[dict]]:
    groups: dict[int, list[dict]] = {}
    for s in studies:
        groups.setdefault(int(s["ref"]), []).append(s)
    return groups


def _choose(outcomes: dict[str, list[_ArmOutcome]], records: list[dict]) -> dict:
    def score(rec):
        outs = outcomes[rec["id"]]
        usable = sum(o.row is not None for o in outs)
        own_n = sum(o.row is not None and bool(rec["arms"][o.index].get("n")) for o in outs)
        return (usable, own_n)

    best = records[0]
    for rec in records[1:]:
        if score(rec) > score(best):
            best = rec
    return best


def _pool_classes(studies, endpoint, criteria, assume_equal, classes):
    """{class: (rows, exclusions)} over all studies, one entry per study."""
    per_class: dict[str, tuple[list, list]] = {}

    def bucket(cls):
        return per_class.setdefault(cls, ([], []))

    for ref, records in _by_ref(studies).items():
        outcomes = {rec["id"]: [_single_arm(rec, i, records, endpoint, criteria, assume_equal)
                                for i in range(len(rec["arms"]))] for rec in records}
        primary = _choose(outcomes, records)
        primary_classes = {a["regimen_class"] for a in primary["arms"]}
        for rec in records:
            for o in outcomes[rec["id"]]:
                arm = rec["arms"][o.index]
                cls = arm["regimen_class"]
                if classes is not None and cls not in classes:
                    continue
                rows, excl = bucket(cls)
                if rec is not primary and cls in primary_classes:
                    excl.append(Exclusion(rec["id"], ref, _study_name(rec), arm["label"], cls,
                                          f"same study as {primary['id']} (ref {ref}); counted once"))
                elif o.row is not None:
                    rows.append(o.row)
                else:
                    excl.append(Exclusion(rec["id"], ref, _study_name(rec), arm["label"], cls, o.reason))
    return per_class


def _effects(rows: list[PooledRow], endpoint: str, measure: str) -> EffectSizes:
    labels = [r.label for r in rows]
    if endpoint in _RATES:
        return proportion([r.arms[0].events for r in rows], [r.arms[0].n for r in rows], measure, study=labels)
    return EffectSizes(np.array([r.yi for r in rows]), np.array([r.vi for r in rows]), measure,
                       study=tuple(labels))


def _with_effects(rows: list[PooledRow], es: EffectSizes) -> tuple[PooledRow, ...]:
    out = []
    for r, y, v in zip(rows, es.yi, es.vi):
        out.append(PooledRow(r.study_id, r.ref, r.study, r.label, r.arms, float(y), float(v), r.notes))
    return tuple(out)


# --- comparisons --------------------------------------------------------------------------------------

def _pair_criteria(arms_a: list[dict], arms_b: list[dict], criteria: str):
    """Per arm the ORR option to use, with criteria and assessment the same in all arms; or a reason."""
    options = [_orr_options(a) for a in arms_a + arms_b]
    if any(not o for o in options):
        return None, "no ORR reported in " + ", ".join(
            repr(a["label"]) for a, o in zip(arms_a + arms_b, options) if not o)

    def key(o):
        return (o.get("criteria"), o.get("assessment"))

    wanted = None if criteria in ("first", "any") else criteria
    for o in options[0]:
        if wanted is not None and o.get("criteria") != wanted:
            continue
        picks = []
        for opts in options:
            match = next((p for p in opts if key(p) == key(o)), None)
            if match is None:
                break
            picks.append(match)
        else:
            return picks, None
    have = "; ".join(f"{a['label']}: " + ", ".join(sorted({(p.get('criteria') or 'not stated') for p in o}))
                     for a, o in zip(arms_a + arms_b, options))
    asked = "the same criteria and assessment in both arms" if wanted is None else wanted
    return None, f"criteria mismatch between arms ({have}); asked for {asked}"


def _compare_study(study, siblings, endpoint, a, b, measure, criteria, assume_equal) -> tuple[PooledRow | None, str]:
    idx_a = [i for i, arm in enumerate(study["arms"]) if arm["regimen_class"] == a]
    idx_b = [i for i, arm in enumerate(study["arms"]) if arm["regimen_class"] == b]
    arms_a = [study["arms"][i] for i in idx_a]
    arms_b = [study["arms"][i] for i in idx_b]
    notes: list[str] = _flags(study, arms_a + arms_b)
    label = _row_label(study)
    if endpoint in _RATES:
        if endpoint == "orr":
            picks, reason = _pair_criteria(arms_a, arms_b, criteria)
            if picks is None:
                return None, reason
            vals = [_Value(p["value"], criteria=p.get("criteria"), assessment=p.get("assessment")) for p in picks]
        else:
            vals = [_extract(arm, endpoint, criteria) for arm in arms_a + arms_b]
            bad = [(arm, v) for arm, v in zip(arms_a + arms_b, vals) if v.reason is not None]
            if bad:
                return None, "; ".join(f"{arm['label']}: {v.reason}" for arm, v in bad)
            defs = {v.definition for v in vals}
            if endpoint == "trae_grade3" and len(defs) > 1:
                return None, f"different safety definitions in the arms ({', '.join(sorted(defs))})"
        sides = []
        for idx, arm_vals in ((idx_a, vals[:len(idx_a)]), (idx_b, vals[len(idx_a):])):
            avs = []
            for i, v in zip(idx, arm_vals):
                n, note = _arm_n(study, i, siblings, assume_equal)
                if n is None:
                    return None, f"{study['arms'][i]['label']}: {note}"
                if note:
                    notes.append(note)
                arm = study["arms"][i]
                avs.append(ArmValue(arm["label"], arm["regimen_class"], float(v.value), n=n,
                                    events=_events(v.value, n), criteria=v.criteria, assessment=v.assessment,
                                    definition=v.definition, notes=(note,) if note else ()))
            sides.append(avs)
        for cls, avs in zip((a, b), sides):
            if len(avs) > 1:
                notes.append(f"{len(avs)} arms of class {cls} combined (events and n summed): "
                             + "; ".join(x.label for x in avs))
        ea, na = sum(x.events for x in sides[0]), sum(x.n for x in sides[0])
        ec, nc = sum(x.events for x in sides[1]), sum(x.n for x in sides[1])
        es = two_group([ea], [na], [ec], [nc], measure)
        if es.corrected is not None and es.corrected[0]:
            notes.append("a zero cell: 1/2 added to every cell (metafor's default continuity correction)")
        return PooledRow(study["id"], study["ref"], _study_name(study), label, tuple(sides[0] + sides[1]),
                         float(es.yi[0]), float(es.vi[0]), tuple(dict.fromkeys(notes))), ""
    # medians: the first arm of each class
    chosen = []
    for cls, arms in ((a, arms_a), (b, arms_b)):
        v = _extract(arms[0], endpoint, criteria)
        if v.reason is not None or v.ci is None:
            return None, f"{arms[0]['label']} ({cls}): {v.reason}"
        if len(arms) > 1:
            notes.append(f"class {cls}: first arm used ({arms[0]['label']}); not used: "
                         + "; ".join(x["label"] for x in arms[1:]) + " (medians of separate arms cannot be combined)")
        chosen.append((arms[0], v))
    (arm_a, va), (arm_b, vb) = chosen
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        es = ratio_of_medians([va.value], [va.ci[0]], [va.ci[1]], [vb.value], [vb.ci[0]], [vb.ci[1]])
    notes.extend(str(w.message).replace("study 1: ", "") for w in caught)
    arms = (ArmValue(arm_a["label"], a, float(va.value), ci=va.ci),
            ArmValue(arm_b["label"], b, float(vb.value), ci=vb.ci))
    return PooledRow(study["id"], study["ref"], _study_name(study), label, arms, float(es.yi[0]), float(es.vi[0]),
                     tuple(dict.fromkeys(notes))), ""


def _pool_comparison(studies, endpoint, a, b, measure, criteria, assume_equal):
    rows, excl = [], []
    for ref, records in _by_ref(studies).items():
        both = [r for r in records if {a, b} <= {arm["regimen_class"] for arm in r["arms"]}]
        if not both:
            continue
        results = {r["id"]: _compare_study(r, records, endpoint, a, b, measure, criteria, assume_equal) for r in both}
        usable = [r for r in both if results[r["id"]][0] is not None]
        primary = usable[0] if usable else both[0]
        for r in both:
            row, reason = results[r["id"]]
            if r is not primary:
                excl.append(Exclusion(r["id"], ref, _study_name(r), None, f"{a} vs {b}",
                                      f"same study as {primary['id']} (ref {ref}); counted once"))
            elif row is not None:
                rows.append(row)
            else:
                excl.append(Exclusion(r["id"], ref, _study_name(r), None, f"{a} vs {b}", reason))
    return rows, excl


# --- entry point --------------------------------------------------------------------------------------

def _rules(endpoint, compare, measure, criteria, assume_equal, min_k) -> tuple[str, ...]:
    rules = []
    if endpoint in _RATES:
        rules.append("events = round(rate x n), halves up; n = the arm's n, else the same arm's n in another record "
                     "of the same study (matched by position and class), else n_total for a single-arm study")
        rules.append("arm sizes not reported: " + ("n_total split equally over the arms (ASSUMPTION, flagged per row)"
                                                    if assume_equal else "excluded"))
        if endpoint == "orr":
            rules.append("ORR criteria: " + {"first": "the first ORR listed for the arm (review's printed order), "
                                                       "any criteria", "any": "the first ORR listed (any criteria)"}
                         .get(criteria, f"only ORRs by {criteria}; others excluded as criteria mismatch"))
        if endpoint == "trae_grade3":
            rules.append("grade >= 3 TRAE: safety entries 'TRAE grade>=3', 'TRAE grade 3-4', 'TRAE grade 3-5'; "
                         "AE/TEAE, any-grade and per-grade rates excluded")
    else:
        rules.append("medians pooled on the log scale with SE = (ln U - ln L) / (2 x 1.959964) from the 95% CI; "
                     "medians without a CI or not reached excluded")
    rules.append("records with the same reference number are one study, counted once")
    if compare:
        rules.append(f"comparison {compare[0]} vs {compare[1]}: studies with arms of both classes; "
                     + ("several arms of one class combined (events and n summed)" if endpoint in _RATES
                        else "ratio of medians A/B (delta method); several arms of one class: the first listed"))
    else:
        rules.append("arms of one study in the same class (cohorts, subgroups) enter as separate rows")
    rules.append(f"groups with fewer than {min_k} usable rows are listed but not pooled")
    rules.append(f"measure {measure}")
    return tuple(rules)


def pool_evidence(endpoint: str, *, by: str = "regimen_class", compare: Sequence[str] | None = None,
                  measure: str | None = None, method: str = "REML", test: str = "z", level: float = 95,
                  criteria: str = "first", assume_equal_arms: bool = False, min_k: int = 2,
                  classes: Sequence[str] | None = None, studies: Sequence[dict] | None = None,
                  db_path: str | Path | None = None) -> EvidencePool:
    """Pool an endpoint of the curated studies per regimen class, or for a comparison of two classes.

    Parameters
    ----------
    endpoint
        ``orr``, ``dcr``, ``trae_grade3``, ``pfs_median`` or ``os_median``.
    by
        The grouping; ``regimen_class`` (the class rule of :mod:`lenvici.knowledge.regimen`).
    compare
        ``(A, B)``: pool the studies with arms of both classes, A against B, instead of single arms.
    measure
        Single-arm rates: ``PLO`` (default) or ``PFT`` (also ``PR``, ``PAS``); comparisons of rates: ``OR``
        (default), ``RR`` or ``RD``. Medians are always ``MEDLN`` (single arms) or ``ROMED`` (comparisons).
    method, test, level
        As for :func:`~lenvici.evidence.meta.rma` (τ² estimator; ``z`` or ``knha``; confidence level %).
    criteria
        ORR criteria: ``first`` (default), ``any`` (same), ``mRECIST`` or ``RECIST1.1``.
    assume_equal_arms
        Split ``n_total`` equally over the arms where arm sizes are not reported (flagged per row).
    min_k
        Fewest usable rows to pool a group (≥ 1).
    classes
        Only these regimen classes (by-class pooling).
    studies
        Study records as :func:`~lenvici.evidence.store.query_studies` returns them; default: all studies
        of the store at ``db_path``.

    Returns
    -------
    EvidencePool

    Raises
    ------
    InputError
        Unknown endpoint, grouping, measure, method, test or criteria; ``compare`` not two different classes.
    """
    if endpoint not in ENDPOINTS:
        raise InputError(f"'endpoint' must be one of {', '.join(ENDPOINTS)}; got {endpoint!r}", "endpoint")
    if by != "regimen_class":
        raise InputError(f"'by' must be regimen_class; got {by!r}", "by")
    criteria = {c.lower(): c for c in ORR_CRITERIA}.get(str(criteria).lower(), criteria)
    if criteria not in ORR_CRITERIA:
        raise InputError(f"'criteria' must be one of {', '.join(ORR_CRITERIA)}; got {criteria!r}", "criteria")
    method_u = str(method).upper()
    if method_u not in METHODS:
        raise InputError(f"'method' must be one of {', '.join(METHODS)}; got {method!r}", "method")
    if test not in TESTS:
        raise InputError(f"'test' must be one of {', '.join(TESTS)}; got {test!r}", "test")
    if not isinstance(min_k, int) or min_k < 1:
        raise InputError(f"'min_k' must be a whole number >= 1; got {min_k!r}", "min_k")
    if compare is not None:
        compare = tuple(str(c) for c in compare)
        if len(compare) != 2 or compare[0] == compare[1]:
            raise InputError(f"'compare' must name two different regimen classes; got {list(compare)!r}", "compare")
    measure = _measure(endpoint, compare, measure)
    if studies is None:
        studies = query_studies(db_path=db_path)
    studies = list(studies)
    known = sorted({a["regimen_class"] for s in studies for a in s["arms"]})
    for cls in (compare or ()) + tuple(classes or ()):
        if cls not in known:
            raise InputError(f"unknown regimen class {cls!r}; the curated studies have: {', '.join(known)}",
                             "compare" if compare and cls in compare else "classes")

    if compare is not None:
        rows, excl = _pool_comparison(studies, endpoint, compare[0], compare[1], measure, criteria,
                                      assume_equal_arms)
        buckets = {f"{compare[0]} vs {compare[1]}": (rows, excl)}
    else:
        buckets = _pool_classes(studies, endpoint, criteria, assume_equal_arms,
                                None if classes is None else set(classes))

    messages: list[str] = []
    groups = []
    for name in _order(buckets):
        rows, excl = buckets[name]
        if not rows:
            groups.append(GroupPool(name, endpoint, measure, (), tuple(excl), None, None,
                                    "no usable study"))
            continue
        es = _comparison_effects(rows, measure) if compare is not None else _effects(rows, endpoint, measure)
        included = _with_effects(rows, es)
        if len(rows) < min_k:
            groups.append(GroupPool(name, endpoint, measure, included, tuple(excl), es, None,
                                    f"k = {len(rows)} < {min_k}: not pooled"))
            continue
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            res = rma(es, method=method_u, test=test, level=level)
        messages.extend(f"{name}: {w.message}" for w in caught)
        groups.append(GroupPool(name, endpoint, measure, included, tuple(excl), es, res))

    sg = None
    pooled = [g for g in groups if g.result is not None]
    if compare is None and len(pooled) >= 2:
        es, _, labels = _stack(pooled)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            sg = subgroup(es, groups=labels, method=method_u, test=test, level=level)
        messages.extend(f"subgroup test: {w.message}" for w in caught)
        # subgroup() orders the classes as R's factor() does; keep the pool's order for the plot.
        sg = SubgroupResult(groups={g.group: sg.groups[g.group] for g in pooled}, QM=sg.QM, QMdf=sg.QMdf,
                            QMp=sg.QMp, method=sg.method, test=sg.test, model=sg.model)
    ci_method, pi_method, i2_def = _statements(pooled, method_u, test)
    return EvidencePool(endpoint=endpoint, by=by, compare=compare, measure=measure, method=method_u, test=test,
                        level=float(level), criteria=criteria, assume_equal_arms=assume_equal_arms, min_k=min_k,
                        groups=tuple(groups), estimator=f"{method_u}: {_ESTIMATORS[method_u]}",
                        ci_method=ci_method, pi_method=pi_method, i2_definition=i2_def,
                        rules=_rules(endpoint, compare, measure, criteria, assume_equal_arms, min_k),
                        subgroup=sg, warnings=tuple(messages))


def _comparison_effects(rows: list[PooledRow], measure: str) -> EffectSizes:
    return EffectSizes(np.array([r.yi for r in rows]), np.array([r.vi for r in rows]), measure,
                       study=tuple(r.label for r in rows))


def _order(buckets: dict) -> list[str]:
    """Groups with most usable rows first, then by name."""
    return sorted(buckets, key=lambda g: (-len(buckets[g][0]), g))


def _measure(endpoint: str, compare, measure: str | None) -> str:
    if endpoint in _RATES:
        allowed = TWO_GROUP_MEASURES if compare else PROPORTION_MEASURES
        default = "OR" if compare else "PLO"
    else:
        allowed = ("ROMED",) if compare else ("MEDLN",)
        default = allowed[0]
    if measure is None:
        return default
    measure = str(measure).upper()
    if measure not in allowed:
        what = "a comparison of" if compare else "single-arm"
        raise InputError(f"'measure' for {what} {_NAMES[endpoint]} must be one of {', '.join(allowed)}; "
                         f"got {measure!r}", "measure")
    return measure


def _statements(pooled: list[GroupPool], method: str, test: str) -> tuple[str, str, str]:
    if pooled:
        r = pooled[0].result
        return r.ci_method, r.pi_method, r.i2_definition
    # Nothing pooled: state what would have been used, from a fit of the same kind.
    probe = rma([0.0, 0.1, 0.3], [0.01, 0.02, 0.03], method=method, test=test, tau2_ci=False)
    return probe.ci_method, probe.pi_method, probe.i2_definition
