"""BCLC 2022 staging as a score, so that ``lenvici score bclc …`` and ``POST /api/scores/bclc`` work.

The staging itself lives in :mod:`lenvici.clinical.staging`; this module only adapts its result to the
shape every score shares (:class:`~lenvici.clinical.scores.ScoreResult`): ``value`` is ``None`` (the stage
is categorical), ``category`` is the stage (``0 A B C D``) and ``components`` carry the rule that fired, the
reasoning, the recommended first-line options and the review's lenvatinib ± ICI options.
"""

from __future__ import annotations

from lenvici.clinical.scores._result import ScoreResult
from lenvici.clinical.scores.registry import ScoreSpec, register
from lenvici.clinical.staging import BCLC_SOURCE, LIVER_FUNCTION_LEVELS, bclc_stage

__all__ = ["bclc"]


def bclc(tumour_count: object, largest_tumour: object, macrovascular_invasion: object,
         extrahepatic_spread: object, ecog: object, liver_function: object) -> ScoreResult:
    """BCLC 2022 stage as a :class:`ScoreResult` (see :func:`lenvici.clinical.staging.bclc_stage`).

    Parameters
    ----------
    tumour_count
        Number of nodules, 1-1000.
    largest_tumour
        Diameter of the largest nodule, ``"VALUE UNIT"`` (mm or cm).
    macrovascular_invasion, extrahepatic_spread
        Flags.
    ecog
        ECOG performance status 0-4 (taken as cancer-related).
    liver_function
        ``preserved``, ``impaired`` or ``end-stage``.

    Examples
    --------
    >>> bclc(1, "8 cm", "no", "no", 0, "preserved").category
    'A'

    References
    ----------
    Reig M, et al. BCLC strategy for prognosis prediction and treatment recommendation: the 2022 update.
    J Hepatol. 2022;76(3):681-693. doi:10.1016/j.jhep.2021.11.018
    """
    result = bclc_stage(tumour_count, largest_tumour, macrovascular_invasion, extrahepatic_spread, ecog,
                        liver_function)
    components = {
        "stage_name": result.name,
        "rule": result.rule,
        "criteria_met": list(result.criteria_met),
        "reasoning": list(result.reasoning),
        "expected_survival": result.expected_survival,
        "recommended": [o.to_dict() for o in result.recommended],
        "review_options": [o.to_dict() for o in result.review_options],
        "caveats": list(result.caveats),
    }
    inputs = {k: v for k, v in result.inputs.items() if v is not None}
    return ScoreResult(score="bclc", value=None, category=result.stage, components=components, inputs=inputs,
                       source=BCLC_SOURCE)


register(ScoreSpec(
    name="bclc", title="BCLC staging, 2022 update", family="staging", status="available", source=BCLC_SOURCE,
    inputs=("tumour_count", "largest_tumour", "macrovascular_invasion", "extrahepatic_spread", "ecog",
            "liver_function"),
    function=bclc, options={"liver_function": LIVER_FUNCTION_LEVELS},
))
