"""Starting a kinase inhibitor in hepatic or renal impairment: what each label says.

Lenvatinib in HCC (``impairment.yaml``): Child-Pugh A needs no adjustment under either label. For
Child-Pugh B and C the US prescribing information gives no recommended dosage (§2.8, §8.7); the EU SmPC
finds the Child-Pugh B data too limited for a recommendation and does not recommend use in Child-Pugh C
(§4.2). Severe renal impairment: no recommended HCC dosage in either label (the reduced 10-14 mg doses of
the US §2.7 are for the other indications). Sorafenib needs no adjustment in Child-Pugh A-B or in renal
impairment short of dialysis; Child-Pugh C and dialysis were not studied.
"""

from __future__ import annotations

from lenvici.clinical.dosing._inputs import CHILD_PUGH, RENAL, jurisdiction as check_jurisdiction, normalise_name
from lenvici.clinical.dosing._result import ImpairmentAdvice
from lenvici.clinical.dosing._schema import load_dosing_data
from lenvici.clinical.validation import check_choice
from lenvici.errors import InputError

__all__ = ["impairment_advice"]


def impairment_advice(drug: object, *, child_pugh: object = None, renal_impairment: object = None,
                      jurisdiction: object = "us") -> tuple[ImpairmentAdvice, ...]:
    """The label's advice for starting ``drug`` with the given impairment(s).

    Parameters
    ----------
    drug
        A drug with impairment records: ``lenvatinib`` or ``sorafenib``.
    child_pugh
        Child-Pugh class ``A``, ``B`` or ``C`` (or ``None``).
    renal_impairment
        ``none``, ``mild`` (CLcr 60-89 mL/min), ``moderate`` (30-59), ``severe`` (15-29) or ``end-stage``
        (< 15 or dialysis), or ``None``.
    jurisdiction
        ``us`` (prescribing information) or ``eu`` (SmPC).

    Returns
    -------
    tuple of ImpairmentAdvice
        One per impairment given; empty when none is given.

    Examples
    --------
    >>> [a.action for a in impairment_advice("lenvatinib", child_pugh="C", jurisdiction="eu")]
    ['not-recommended']
    """
    data = load_dosing_data()
    drugs = sorted({k[0] for k in data.impairment})
    name = normalise_name(drug)
    if name not in drugs:
        raise InputError(f"'drug' must be one of {', '.join(drugs)} for impairment advice; got {drug!r}", "drug")
    where = check_jurisdiction(jurisdiction)
    wanted: list[tuple[str, str]] = []
    if child_pugh is not None:
        cp = check_choice(child_pugh.removeprefix("child-pugh-") if isinstance(child_pugh, str) else child_pugh,
                          "child_pugh", CHILD_PUGH)
        wanted.append(("hepatic", f"child-pugh-{cp.lower()}"))
    if renal_impairment is not None:
        renal = check_choice(renal_impairment, "renal_impairment", RENAL)
        if renal != "none":
            wanted.append(("renal", renal))
    out = []
    for kind, level in wanted:
        record = data.impairment[(name, kind, level)]
        advice = getattr(record, where)
        out.append(ImpairmentAdvice(drug=name, impairment=kind, level=level, jurisdiction=where,
                                    action=advice.action, text=advice.text, source=advice.section))
    return tuple(out)
