"""Meta-analysis engine: effect sizes, τ² estimators, random-/mixed-effects models, subgroups, diagnostics,
bias tests, permutation tests, the binomial-normal GLMM, plots — with metafor's definitions (``escalc``,
``rma.uni``, ``predict``, ``confint``, ``leave1out``, ``influence``, ``regtest``, ``trimfill``, ``permutest``,
``rma.glmm``) so that results agree with R."""

from lenvici.evidence.meta.batch import rma_many
from lenvici.evidence.meta.bias import regtest, ranktest, trimfill
from lenvici.evidence.meta.diagnostic_results import (
    CumulativeResult,
    GlmmResult,
    InfluenceResult,
    LeaveOneOutResult,
    PermutestResult,
    RanktestResult,
    RegtestResult,
    Residuals,
    TrimfillResult,
)
from lenvici.evidence.meta.diagnostics import cumul, influence, leave1out, rstandard, rstudent
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
from lenvici.evidence.meta.csvfile import read_effects_csv
from lenvici.evidence.meta.glmm import rma_glmm
from lenvici.evidence.meta.model import TESTS, rma
from lenvici.evidence.meta.permutation import permutest
from lenvici.evidence.meta.plots import PLOT_FORMATS, baujat, baujat_values, forest, funnel, save_figure
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
    "read_effects_csv",
    "PLOT_FORMATS",
    "forest",
    "funnel",
    "baujat",
    "baujat_values",
    "save_figure",
    "leave1out",
    "cumul",
    "influence",
    "rstandard",
    "rstudent",
    "regtest",
    "ranktest",
    "trimfill",
    "permutest",
    "rma_glmm",
    "LeaveOneOutResult",
    "CumulativeResult",
    "InfluenceResult",
    "Residuals",
    "RegtestResult",
    "RanktestResult",
    "TrimfillResult",
    "PermutestResult",
    "GlmmResult",
]
