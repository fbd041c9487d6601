"""Dosing for HCC: lenvatinib and sorafenib dose ladders, adverse-event modifications (US label and EU SmPC),
hepatic and renal impairment, and the immune-checkpoint-inhibitor regimens the review names.

The rules are data, validated at load (``lenvici/data/dosing/*.yaml``); every rule cites its label section
or trial publication.
"""

from lenvici.clinical.dosing._result import DoseModification, DoseRecommendation, ImpairmentAdvice, RegimenDose
from lenvici.clinical.dosing._schema import ACTIONS, JURISDICTIONS, DosingData, load_dosing_data
from lenvici.clinical.dosing.adverse_events import MODIFIABLE_DRUGS, adverse_events, modify_dose
from lenvici.clinical.dosing.impairment import impairment_advice
from lenvici.clinical.dosing.regimens import (
    available_drugs,
    describe_bands,
    dose_regimen,
    ladder_dose,
    lenvatinib_dose,
    regimens_for,
    weight_edges,
)

__all__ = [
    "ACTIONS",
    "JURISDICTIONS",
    "MODIFIABLE_DRUGS",
    "DoseModification",
    "DoseRecommendation",
    "DosingData",
    "ImpairmentAdvice",
    "RegimenDose",
    "adverse_events",
    "available_drugs",
    "describe_bands",
    "dose_regimen",
    "impairment_advice",
    "ladder_dose",
    "lenvatinib_dose",
    "load_dosing_data",
    "modify_dose",
    "regimens_for",
    "weight_edges",
]
