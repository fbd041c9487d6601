"""Curated knowledge from the review: studies, biomarkers (Table 3), drugs and targets, mechanisms, references."""

from lenvici.knowledge.curated import (
    STUDY_FILES,
    load_biomarkers,
    load_drugs,
    load_references,
    load_studies,
    reference,
)
from lenvici.knowledge.mechanisms import MechanismGraph, Neighbour, load_mechanisms
from lenvici.knowledge.plot import draw_neighbourhood
from lenvici.knowledge.regimen import COMPONENTS, FAMILY_ORDER, is_ici, regimen_class
from lenvici.knowledge.schema import Arm, Biomarker, Drug, Edge, Median, Node, Rate, Reference, Study

__all__ = [
    "STUDY_FILES",
    "load_biomarkers",
    "load_drugs",
    "load_references",
    "load_studies",
    "reference",
    "MechanismGraph",
    "Neighbour",
    "load_mechanisms",
    "draw_neighbourhood",
    "COMPONENTS",
    "FAMILY_ORDER",
    "is_ici",
    "regimen_class",
    "Arm",
    "Biomarker",
    "Drug",
    "Edge",
    "Median",
    "Node",
    "Rate",
    "Reference",
    "Study",
]
