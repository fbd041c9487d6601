"""mRECIST for hepatocellular carcinoma: the amendments to RECIST that concern viable tumour.

Lencioni & Llovet (2010) keep RECIST's framework (target selection, sums, Tables 4–5) and amend it for
HCC; lenvici applies these amendments when the criterion's flags are on (:func:`.criteria.mrecist_criteria`).
With the flags off (RECIST 1.1) every function here reduces to the plain RECIST rule.

* **Viable tumour.** A typical intrahepatic target — in the liver and arterially enhancing at baseline
  (a ``viable_diameter_mm`` is given) — is measured by the longest diameter of its enhancing part;
  CR is the disappearance of intratumoral arterial enhancement in every target; PR a ≥ 30 % fall of
  the sum of viable diameters from baseline; PD a ≥ 20 % rise over the *nadir* of that sum, the smallest
  sum recorded since treatment started (an open calculator's bug measured it from baseline; here the
  nadir is always used). Extrahepatic targets, nodes and atypical intrahepatic targets (no viable
  diameter at baseline) are measured as in RECIST.
* **New lesions.** A new intrahepatic lesion is progression when it is ≥ 1 cm with the typical vascular
  pattern of HCC (arterial hyperenhancement with washout — the reader records ``present``). One that is
  < 1 cm or atypical (recorded ``equivocal``, or ``present`` but < 10 mm) is progression only once
  confirmed — a later typical read ≥ 1 cm, or ≥ 1 cm of interval growth of its diameter — and
  progression is then dated to the scan where it first appeared (RECIST 1.1 §4.3.2 for equivocal new
  lesions). When no diameter is recorded, the reader's call stands.
* **Non-target specifics.** Malignant portal-vein thrombosis is non-measurable: a non-target, never a
  target (checked in :func:`.recist.check_baseline`). Ascites and pleural effusion — frequent in
  cirrhosis — count as new lesions or as unequivocal progression only with cytological proof of malignancy
  (``cytology = positive``); otherwise an ``unequivocal-progression`` is read as ``present``.
* **Not implemented:** the porta-hepatis rule for nodes (malignant from 20 mm short axis in cirrhosis):
  the lesion table cannot tell a porta-hepatis node from another; record such nodes as non-target.

References
----------
Lencioni R, Llovet JM. Modified RECIST (mRECIST) assessment for hepatocellular carcinoma. Semin Liver
Dis. 2010;30(1):52–60. doi:10.1055/s-0030-1247132
"""

from __future__ import annotations

import polars as pl

from lenvici.clinical.response.criteria import ResponseCriteria
from lenvici.clinical.response.lesions import EFFUSIONS, LIVER

__all__ = [
    "is_typical_target", "non_target_status", "new_lesion_unequivocal",
    "is_typical_target_expr", "non_target_status_expr", "new_lesion_unequivocal_expr",
]


def is_typical_target(organ: str, baseline_viable_um: int | None, criteria: ResponseCriteria) -> bool:
    """Whether a target is measured by its viable diameter: mRECIST, intrahepatic, enhancing at baseline."""
    return criteria.viable and organ == LIVER and baseline_viable_um is not None


def is_typical_target_expr(criteria: ResponseCriteria) -> pl.Expr:
    """Columnar :func:`is_typical_target` over ``organ, viable_um`` (baseline rows)."""
    return pl.lit(criteria.viable) & (pl.col("organ") == LIVER) & pl.col("viable_um").is_not_null()


def non_target_status(organ: str, status: str | None, cytology: str | None, criteria: ResponseCriteria) -> str | None:
    """The status that counts: without positive cytology an effusion's progression is read as present."""
    if (status == "unequivocal-progression" and criteria.effusion_needs_cytology and organ in EFFUSIONS
            and cytology != "positive"):
        return "present"
    return status


def non_target_status_expr(criteria: ResponseCriteria) -> pl.Expr:
    """Columnar :func:`non_target_status` over ``organ, status, cytology``."""
    demote = ((pl.col("status") == "unequivocal-progression") & pl.lit(criteria.effusion_needs_cytology)
              & pl.col("organ").is_in(list(EFFUSIONS)) & (pl.col("cytology").fill_null("") != "positive"))
    return pl.when(demote).then(pl.lit("present")).otherwise(pl.col("status"))


def new_lesion_unequivocal(organ: str, status: str, diameter_um: int | None, first_diameter_um: int | None,
                           cytology: str | None, criteria: ResponseCriteria) -> bool:
    """Whether a new lesion's record at one visit establishes progression.

    Parameters
    ----------
    organ, status, diameter_um, cytology
        The record (``status``: present, equivocal or absent).
    first_diameter_um
        The lesion's first recorded diameter (for the interval-growth rule).
    """
    if status == "absent":
        return False
    if criteria.effusion_needs_cytology and organ in EFFUSIONS:
        return cytology == "positive"
    if organ == LIVER and criteria.new_lesion_min_mm is not None:
        growth = criteria.um("new_lesion_growth_mm")
        if (growth is not None and diameter_um is not None and first_diameter_um is not None
                and diameter_um - first_diameter_um >= growth):
            return True
        return status == "present" and (diameter_um is None or diameter_um >= criteria.um("new_lesion_min_mm"))
    return status == "present"


def new_lesion_unequivocal_expr(criteria: ResponseCriteria) -> pl.Expr:
    """Columnar :func:`new_lesion_unequivocal` over ``organ, status, diameter_um, first_diameter_um,
    cytology``."""
    status, d = pl.col("status"), pl.col("diameter_um")
    if criteria.new_lesion_min_mm is not None:
        growth_um = criteria.um("new_lesion_growth_mm")
        grown = ((d - pl.col("first_diameter_um")) >= growth_um).fill_null(False) if growth_um is not None \
            else pl.lit(False)
        liver = grown | ((status == "present") & (d.is_null() | (d >= criteria.um("new_lesion_min_mm"))))
    else:
        liver = status == "present"
    effusion = pl.col("organ").is_in(list(EFFUSIONS)) & pl.lit(criteria.effusion_needs_cytology)
    return (pl.when(status == "absent").then(False)
            .when(effusion).then(pl.col("cytology").fill_null("") == "positive")
            .when(pl.col("organ") == LIVER).then(liver)
            .otherwise(status == "present"))
