"""Tumour response from longitudinal lesion measurements: RECIST 1.1 and mRECIST for HCC.

``assess(lesions, criteria="recist1.1" | "mrecist", confirm=False)`` takes a lesion table (DESIGN §4
columns ``patient,day,lesion,kind,organ,diameter_mm,viable_diameter_mm,status``) and returns a
:class:`ResponseAssessment`: per visit the target sum, the target / non-target / overall response, and per
patient the best overall response and the day of progression. The rules and their sources are in
:mod:`.recist`, :mod:`.mrecist` and :mod:`.best_response`; the input format in :mod:`.lesions`.
"""

from lenvici.clinical.response._assess import assess, assess_patient
from lenvici.clinical.response.best_response import (
    DEFAULT_CONFIRM_DAYS,
    DEFAULT_SD_MIN_DAYS,
    best_overall_response,
    progression_day,
)
from lenvici.clinical.response.criteria import CRITERIA, ResponseCriteria, get_criteria, mrecist_criteria, recist11_criteria
from lenvici.clinical.response.lesions import COLUMNS, LesionRow, LesionTable, lesion_table, read_lesions
from lenvici.clinical.response.plot import plot_response, plot_spider, plot_waterfall
from lenvici.clinical.response.result import (
    BEST_RESPONSE_CATEGORIES,
    CATEGORIES,
    CR,
    NE,
    NON_CR_NON_PD,
    PD,
    PR,
    SD,
    PatientResponse,
    ResponseAssessment,
    VisitResponse,
)

__all__ = [
    "assess", "assess_patient", "best_overall_response", "progression_day", "DEFAULT_CONFIRM_DAYS",
    "DEFAULT_SD_MIN_DAYS", "CRITERIA", "ResponseCriteria", "get_criteria", "mrecist_criteria", "recist11_criteria", "COLUMNS",
    "LesionRow", "LesionTable", "lesion_table", "read_lesions", "plot_response", "plot_spider", "plot_waterfall",
    "BEST_RESPONSE_CATEGORIES", "CATEGORIES", "CR", "NE", "NON_CR_NON_PD", "PD", "PR", "SD", "PatientResponse",
    "ResponseAssessment", "VisitResponse",
]
