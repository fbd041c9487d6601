"""Meta-analysis engine: effect sizes, τ² estimators, random-/mixed-effects models, subgroups — with
metafor's definitions (``escalc``, ``rma.uni``, ``predict``, ``confint``) so that results agree with R."""

from lenvici.evidence.meta.batch import rma_many
from lenvici.evidence.meta.effects import (
    PROPORTION_MEASURES,
    RATIO_MEASURES,
    TWO_GROUP_MEASURES,
    EffectSizes,
    escalc,
    from_ratio_ci,
    generic,
    log_median,
    proportion,
    ratio_of_medians,
    two_group,
)
from lenvici.evidence.meta.model import TESTS, rma
from lenvici.evidence.meta.result import (
    BatchResult,
    MetaRegResult,
    MetaResult,
    Prediction,
    SubgroupResult,
    Tau2CI,
    Transformed,
)
from lenvici.evidence.meta.subgroup import subgroup
from lenvici.evidence.meta.tau2 import METHODS, Control, Tau2Fit, estimate_tau2
from lenvici.evidence.meta.transforms import back_transform

__all__ = [
    "PROPORTION_MEASURES",
    "RATIO_MEASURES",
    "TWO_GROUP_MEASURES",
    "METHODS",
    "TESTS",
    "EffectSizes",
    "escalc",
    "proportion",
    "two_group",
    "generic",
    "from_ratio_ci",
    "log_median",
    "ratio_of_medians",
    "Control",
    "Tau2Fit",
    "estimate_tau2",
    "rma",
    "rma_many",
    "subgroup",
    "back_transform",
    "MetaResult",
    "MetaRegResult",
    "SubgroupResult",
    "BatchResult",
    "Prediction",
    "Tau2CI",
    "Transformed",
]
