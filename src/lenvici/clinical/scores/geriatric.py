"""Geriatric screening: the G8 (Bellera et al. 2012) and the modified G8 of Sekiguchi et al. 2022 (review ref 157).

The questionnaire items are categorical inputs with the names below; body-mass index is computed from
the shared inputs ``weight`` and ``height``, and the age item from ``age``.

=======================  =====================================================================
input                    choices (points)
=======================  =====================================================================
``food_intake``          ``severe-decrease`` (0), ``moderate-decrease`` (1), ``normal`` (2)
``weight_loss``          ``over-3kg`` (0), ``unknown`` (1), ``1-3kg`` (2), ``none`` (3)
``mobility``             ``bed-or-chair-bound`` (0), ``out-of-bed-not-out`` (1), ``goes-out`` (2)
``neuropsychological``   ``severe`` dementia or depression (0), ``mild`` (1), ``none`` (2)
BMI (kg/m²)              < 19 (0), 19 to < 21 (1), 21 to < 23 (2), ≥ 23 (3)
``polypharmacy``         more than 3 prescription drugs a day: true (0), false (1)
``self_rated_health``    ``not-as-good`` (0), ``unknown`` (0.5), ``as-good`` (1), ``better`` (2)
age (years)              > 85 (0), 80–85 (1), < 80 (2)
=======================  =====================================================================

Boundary conventions: BMI bands include their lower end (BMI 19.0 scores 1, 23.0 scores 3), as the
G8 prints "19 to less than 21"; ages 80 and 85 both score 1 (the band is "80–85"; only "> 85" scores
0), compared on the age as given, so 85.5 years scores 0. G8 ≤ 14 is abnormal (the published cut-off).
The mG8 of ref 157 is the G8 without the age item (0–15); Sekiguchi et al. call ≥ 11 high and ≤ 10 low,
so the half-point totals that ``unknown`` self-rated health allows (e.g. 10.5) are low.

Which modified G8: two other "modified G8" scores exist — Martinez-Tapia et al. (Oncologist 2016, six
items re-weighted, with performance status and heart disease) and the version studied by
Petit-Monéger et al. (J Geriatr Oncol 2016). The review's ref 157 (Sekiguchi 2022) uses neither: its
abstract defines mG8 as the G8 score "excluding elements of age from 8 items". lenvici implements that.
"""

from __future__ import annotations

import numpy as np

from lenvici.clinical.scores._common import canonical, classify, finite_result, snap
from lenvici.clinical.scores._result import ScoreResult
from lenvici.clinical.scores.registry import ScoreSpec, register
from lenvici.clinical.validation import check_choice, check_flag

__all__ = [
    "G8_SOURCE",
    "MG8_SOURCE",
    "FOOD_INTAKE_POINTS",
    "WEIGHT_LOSS_POINTS",
    "MOBILITY_POINTS",
    "NEUROPSYCHOLOGICAL_POINTS",
    "SELF_RATED_HEALTH_POINTS",
    "G8_ITEMS",
    "bmi_value",
    "g8_bmi_points",
    "g8_age_points",
    "g8_category_from_value",
    "mg8_category_from_value",
    "g8",
    "mg8",
]

FOOD_INTAKE_POINTS = {"severe-decrease": 0.0, "moderate-decrease": 1.0, "normal": 2.0}
WEIGHT_LOSS_POINTS = {"over-3kg": 0.0, "unknown": 1.0, "1-3kg": 2.0, "none": 3.0}
MOBILITY_POINTS = {"bed-or-chair-bound": 0.0, "out-of-bed-not-out": 1.0, "goes-out": 2.0}
NEUROPSYCHOLOGICAL_POINTS = {"severe": 0.0, "mild": 1.0, "none": 2.0}
SELF_RATED_HEALTH_POINTS = {"not-as-good": 0.0, "unknown": 0.5, "as-good": 1.0, "better": 2.0}

#: The categorical G8 items and their point tables (polypharmacy is a flag).
G8_ITEMS = {
    "food_intake": FOOD_INTAKE_POINTS,
    "weight_loss": WEIGHT_LOSS_POINTS,
    "mobility": MOBILITY_POINTS,
    "neuropsychological": NEUROPSYCHOLOGICAL_POINTS,
    "self_rated_health": SELF_RATED_HEALTH_POINTS,
}

G8_SOURCE = (
    "Bellera CA, Rainfray M, Mathoulin-Pelissier S, et al. Screening older cancer patients: first "
    "evaluation of the G-8 geriatric screening tool. Ann Oncol. 2012;23(8):2166-2172. "
    "doi:10.1093/annonc/mdr587"
)
MG8_SOURCE = (
    "Sekiguchi S, Tsuchiya K, Yasui Y, et al. Clinical usefulness of geriatric assessment in elderly "
    "patients with unresectable hepatocellular carcinoma receiving sorafenib or lenvatinib therapy. "
    "Cancer Rep (Hoboken). 2022;5(11):e1613. doi:10.1002/cnr2.1613 (mG8 = G8 without the age item; "
    ">= 11 high, <= 10 low); G8 items: " + G8_SOURCE
)


# ---------------------------------------------------------------------------------------------------
# Kernels
# ---------------------------------------------------------------------------------------------------


def bmi_value(weight_kg, height_cm) -> np.ndarray:
    """Body-mass index, kg/m²."""
    return np.asarray(weight_kg, dtype=float) / (np.asarray(height_cm, dtype=float) / 100.0) ** 2


def g8_bmi_points(bmi) -> np.ndarray:
    """G8 BMI item: < 19 → 0, 19 to < 21 → 1, 21 to < 23 → 2, ≥ 23 → 3."""
    cuts = (19.0, 21.0, 23.0)
    return np.searchsorted(np.asarray(cuts), snap(bmi, cuts), side="right").astype(float)


def g8_age_points(age_years) -> np.ndarray:
    """G8 age item: > 85 → 0, 80–85 → 1, < 80 → 2."""
    a = snap(age_years, (80.0, 85.0))
    return np.where(a > 85.0, 0.0, np.where(a >= 80.0, 1.0, 2.0))


def g8_category_from_value(value) -> np.ndarray:
    """G8: ≤ 14 ``"abnormal"`` (geriatric assessment advised), > 14 ``"normal"``."""
    return classify(value, (14.0,), ("abnormal", "normal"), closed="right")


def mg8_category_from_value(value) -> np.ndarray:
    """mG8 (Sekiguchi 2022): ≥ 11 ``"high"``, below 11 ``"low"``."""
    return classify(value, (11.0,), ("low", "high"), closed="left")


# ---------------------------------------------------------------------------------------------------
# Public functions
# ---------------------------------------------------------------------------------------------------


def _items(food_intake, weight_loss, mobility, neuropsychological, weight, height, polypharmacy,
           self_rated_health) -> tuple[dict, dict]:
    answers = {
        "food_intake": check_choice(food_intake, "food_intake", FOOD_INTAKE_POINTS),
        "weight_loss": check_choice(weight_loss, "weight_loss", WEIGHT_LOSS_POINTS),
        "mobility": check_choice(mobility, "mobility", MOBILITY_POINTS),
        "neuropsychological": check_choice(neuropsychological, "neuropsychological", NEUROPSYCHOLOGICAL_POINTS),
        "self_rated_health": check_choice(self_rated_health, "self_rated_health", SELF_RATED_HEALTH_POINTS),
    }
    w = canonical(weight, "weight")
    h = canonical(height, "height")
    poly = check_flag(polypharmacy, "polypharmacy")
    bmi = finite_result(float(bmi_value(w, h)), "g8", "height")
    points = {f"{k}_points": G8_ITEMS[k][v] for k, v in answers.items()}
    points["bmi_points"] = float(g8_bmi_points(bmi))
    points["polypharmacy_points"] = 0.0 if poly else 1.0
    inputs = {**answers, "weight": w, "height": h, "polypharmacy": poly}
    return points, {"inputs": inputs, "bmi": bmi}


def g8(food_intake, weight_loss, mobility, neuropsychological, weight, height, polypharmacy,
       self_rated_health, age) -> ScoreResult:
    """G8 geriatric screening score (0–17); ≤ 14 abnormal.

    Parameters
    ----------
    food_intake, weight_loss, mobility, neuropsychological, self_rated_health
        The questionnaire answers (module docstring for the choices and points).
    weight, height
        For the BMI item, e.g. ``"52 kg"``, ``"158 cm"``.
    polypharmacy
        True when the patient takes more than three prescription drugs a day.
    age
        Age in years, e.g. ``"78 a"`` (UCUM ``a``; ``y``/``years`` accepted).

    References
    ----------
    Bellera CA, Rainfray M, Mathoulin-Pélissier S, et al. Ann Oncol. 2012;23(8):2166–2172.
    doi:10.1093/annonc/mdr587

    Examples
    --------
    >>> r = g8("normal", "none", "goes-out", "none", "60 kg", "160 cm", False, "as-good", "78 a")
    >>> r.value, r.category
    (16.0, 'normal')
    """
    points, extra = _items(food_intake, weight_loss, mobility, neuropsychological, weight, height,
                           polypharmacy, self_rated_health)
    a = canonical(age, "age")
    points["age_points"] = float(g8_age_points(a))
    total = float(sum(points.values()))
    return ScoreResult(
        score="g8", value=total, category=str(g8_category_from_value(total).item()),
        components={**points, "bmi": extra["bmi"]}, inputs={**extra["inputs"], "age": a}, source=G8_SOURCE,
    )


def mg8(food_intake, weight_loss, mobility, neuropsychological, weight, height, polypharmacy,
        self_rated_health) -> ScoreResult:
    """Modified G8 of Sekiguchi et al. 2022: the G8 without its age item (0–15); ≥ 11 high, ≤ 10 low.

    Inputs as :func:`g8`, without ``age``. A total of 10.5 (possible with ``unknown`` self-rated
    health) is low: the paper's high group starts at 11.

    References
    ----------
    Sekiguchi S, Tsuchiya K, Yasui Y, et al. Cancer Rep (Hoboken). 2022;5(11):e1613. doi:10.1002/cnr2.1613

    Examples
    --------
    >>> mg8("moderate-decrease", "1-3kg", "goes-out", "mild", "50 kg", "160 cm", True, "as-good").value
    8.0
    """
    points, extra = _items(food_intake, weight_loss, mobility, neuropsychological, weight, height,
                           polypharmacy, self_rated_health)
    total = float(sum(points.values()))
    return ScoreResult(
        score="mg8", value=total, category=str(mg8_category_from_value(total).item()),
        components={**points, "bmi": extra["bmi"]}, inputs=extra["inputs"], source=MG8_SOURCE,
    )


# ---------------------------------------------------------------------------------------------------
# Registry
# ---------------------------------------------------------------------------------------------------

#: Allowed values of the categorical inputs, for listings and forms.
_G8_CHOICES = {**{k: tuple(v) for k, v in G8_ITEMS.items()}, "polypharmacy": ("false", "true")}
_G8_INPUTS = ("food_intake", "weight_loss", "mobility", "neuropsychological", "weight", "height",
              "polypharmacy", "self_rated_health")

register(ScoreSpec(
    name="g8", title="G8 geriatric screening tool", family="geriatric", status="available", source=G8_SOURCE,
    inputs=(*_G8_INPUTS, "age"), function=g8, review_refs=(), table3_row=None, options=_G8_CHOICES,
))
register(ScoreSpec(
    name="mg8", title="Modified G8 (G8 without the age item; Sekiguchi 2022)", family="geriatric",
    status="available", source=MG8_SOURCE, inputs=_G8_INPUTS, function=mg8, review_refs=(157,), table3_row=29,
    options=_G8_CHOICES,
))
