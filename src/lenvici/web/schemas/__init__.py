"""Pydantic request and response models of the REST API, one module per layer."""

from lenvici.web.schemas.common import (
    ERROR_RESPONSES,
    Document,
    ErrorDocument,
    ErrorItem,
)
from lenvici.web.schemas.dosing import (
    DoseComponent,
    DoseRequest,
    DosingCatalogue,
    EventListing,
    ModificationDocument,
    ModifyRequest,
    RegimenDocument,
)
from lenvici.web.schemas.economics import CeaDocument, CeaRunRequest, ModelInfo
from lenvici.web.schemas.evidence import (
    ClassSummaryDocument,
    EvidencePoolDocument,
    MetaPoolDocument,
    MetaPoolRequest,
    MetaRow,
    StudyDocument,
)
from lenvici.web.schemas.knowledge import (
    NeighbourItem,
    NeighboursDocument,
    ReferenceDocument,
)
from lenvici.web.schemas.response import AssessmentDocument, PatientAssessment, Visit
from lenvici.web.schemas.scores import (
    QUANTITY_FIELDS,
    BclcDocument,
    BclcRequest,
    PatientInputs,
    PatientScores,
    ScoreDocument,
    ScoreInfo,
    SkippedScore,
)

__all__ = [
    "ERROR_RESPONSES", "Document", "ErrorDocument", "ErrorItem",
    "DoseComponent", "DoseRequest", "DosingCatalogue", "EventListing", "ModificationDocument", "ModifyRequest",
    "RegimenDocument",
    "CeaDocument", "CeaRunRequest", "ModelInfo",
    "ClassSummaryDocument", "EvidencePoolDocument", "MetaPoolDocument", "MetaPoolRequest", "MetaRow",
    "StudyDocument",
    "NeighbourItem", "NeighboursDocument", "ReferenceDocument",
    "AssessmentDocument", "PatientAssessment", "Visit",
    "QUANTITY_FIELDS", "BclcDocument", "BclcRequest", "PatientInputs", "PatientScores", "ScoreDocument",
    "ScoreInfo", "SkippedScore",
]
