"""Nutrition and body-composition scores: CONUT, Onodera PNI, GNRI, skeletal muscle index, JSH sarcopenia.

Kernels take NumPy arrays in canonical units (albumin g/L, lymphocytes 10⁹/L, cholesterol mg/dL,
weight kg, height cm, L3 muscle area cm², grip strength kg); public functions take quantities and
return :class:`~lenvici.clinical.scores.ScoreResult`.

Boundary conventions (cut-offs compared on unrounded values):

* **CONUT** — each band includes its lower end: albumin ≥ 3.5 g/dL scores 0, 3.0 to < 3.5 scores 2,
  2.5 to < 3.0 scores 4; lymphocytes ≥ 1600/mm³ score 0, 1200 to < 1600 score 1, 800 to < 1200 score 2;
  cholesterol ≥ 180 mg/dL scores 0, 140 to < 180 scores 1, 100 to < 140 scores 2. (The paper prints
  "3.0–3.49", "1200–1599"; reading them as half-open intervals leaves no gap such as 3.495.)
* **GNRI** — Bouillanne's bands: < 82 major risk, 82 to < 92 moderate, 92 to ≤ 98 low, > 98 no risk.
* **SMI / JSH sarcopenia** — low means strictly below the cut-off (SMI < 42 cm²/m² in men, < 38 in
  women; grip < 26 kg (2016) or < 28 kg (2021) in men, < 18 kg in women); a value at the cut-off is
  normal.
"""

from __future__ import annotations

import numpy as np

from lenvici.clinical.scores._common import canonical, classify, finite_result, snap
from lenvici.clinical.scores._result import ScoreResult
from lenvici.clinical.scores.registry import ScoreSpec, register
from lenvici.clinical.validation import check_choice
from lenvici.errors import InputError

__all__ = [
    "CONUT_SOURCE",
    "PNI_SOURCE",
    "GNRI_SOURCE",
    "JSH_2016_SOURCE",
    "JSH_2021_SOURCE",
    "SEXES",
    "JSH_CUTOFFS",
    "conut_points",
    "conut_category_from_points",
    "pni_onodera",
    "ideal_weight_lorentz",
    "ideal_weight_bmi22",
    "gnri_linear",
    "gnri_category_from_value",
    "smi_value",
    "conut",
    "pni",
    "gnri",
    "smi",
    "sarcopenia_jsh",
]

SEXES = ("male", "female")

#: JSH sarcopenia cut-offs by edition and sex: "low" is strictly below each value.
JSH_CUTOFFS = {
    "jsh-2016": {"grip_kg": {"male": 26.0, "female": 18.0}, "ct_smi": {"male": 42.0, "female": 38.0},
                 "bia_smi": {"male": 7.0, "female": 5.7}},
    "jsh-2021": {"grip_kg": {"male": 28.0, "female": 18.0}, "ct_smi": {"male": 42.0, "female": 38.0},
                 "bia_smi": {"male": 7.0, "female": 5.7}},
}

CONUT_SOURCE = (
    "Ignacio de Ulibarri J, Gonzalez-Madrono A, de Villar NGP, et al. CONUT: a tool for controlling "
    "nutritional status. First validation in a hospital population. Nutr Hosp. 2005;20(1):38-45"
)
PNI_SOURCE = (
    "Onodera T, Goseki N, Kosaki G. Prognostic nutritional index in gastrointestinal surgery of "
    "malnourished cancer patients [in Japanese]. Nihon Geka Gakkai Zasshi. 1984;85(9):1001-1005"
)
GNRI_SOURCE = (
    "Bouillanne O, Morineau G, Dupont C, et al. Geriatric Nutritional Risk Index: a new index for "
    "evaluating at-risk elderly medical patients. Am J Clin Nutr. 2005;82(4):777-783. "
    "doi:10.1093/ajcn/82.4.777"
)
JSH_2016_SOURCE = (
    "Nishikawa H, Shiraki M, Hiramatsu A, Moriya K, Hino K, Nishiguchi S. Japan Society of Hepatology "
    "guidelines for sarcopenia in liver disease (1st edition): recommendation from the working group for "
    "creation of sarcopenia assessment criteria. Hepatol Res. 2016;46(10):951-963. doi:10.1111/hepr.12774"
)
JSH_2021_SOURCE = (
    "Japan Society of Hepatology sarcopenia assessment criteria, 2nd edition (Nishikawa H, et al., "
    "Hepatol Res 2021), which takes the handgrip cut-offs of the Asian Working Group for Sarcopenia: "
    "Chen LK, Woo J, Assantachai P, et al. J Am Med Dir Assoc. 2020;21(3):300-307.e2. "
    "doi:10.1016/j.jamda.2019.12.012"
)


# ---------------------------------------------------------------------------------------------------
# Kernels
# ---------------------------------------------------------------------------------------------------


def _points_from_lower_bounds(values, bounds: tuple[float, ...], points: tuple[int, ...]) -> np.ndarray:
    """Points for values in half-open bands ``[bounds[i-1], bounds[i])``; ``points`` from lowest band up."""
    v = snap(values, bounds)
    return np.asarray(points)[np.searchsorted(np.asarray(bounds), v, side="right")]


def conut_points(albumin_g_l, lymphocytes_10_9_l,
                 cholesterol_mg_dl) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """CONUT points for albumin (0/2/4/6), lymphocytes (0–3) and total cholesterol (0–3)."""
    albumin = _points_from_lower_bounds(albumin_g_l, (25.0, 30.0, 35.0), (6, 4, 2, 0))
    lymph = _points_from_lower_bounds(lymphocytes_10_9_l, (0.8, 1.2, 1.6), (3, 2, 1, 0))
    chol = _points_from_lower_bounds(cholesterol_mg_dl, (100.0, 140.0, 180.0), (3, 2, 1, 0))
    return albumin, lymph, chol


def conut_category_from_points(points) -> np.ndarray:
    """CONUT undernutrition: 0–1 normal, 2–4 light, 5–8 moderate, 9–12 severe."""
    return classify(points, (1.0, 4.0, 8.0), ("normal", "light", "moderate", "severe"), closed="right")


def pni_onodera(albumin_g_l, lymphocytes_10_9_l) -> np.ndarray:
    """Onodera PNI = 10 × albumin (g/dL) + 0.005 × lymphocytes (/mm³) = albumin (g/L) + 5 × lymphocytes (10⁹/L)."""
    return np.asarray(albumin_g_l, dtype=float) + 5.0 * np.asarray(lymphocytes_10_9_l, dtype=float)


def ideal_weight_lorentz(height_cm, male) -> np.ndarray:
    """Lorentz ideal weight (kg): men H − 100 − (H − 150)/4, women H − 100 − (H − 150)/2.5 (H in cm)."""
    h = np.asarray(height_cm, dtype=float)
    return h - 100.0 - (h - 150.0) / np.where(np.asarray(male, dtype=bool), 4.0, 2.5)


def ideal_weight_bmi22(height_cm) -> np.ndarray:
    """Ideal weight (kg) as 22 × height² (m²), the Japanese standard body weight."""
    return 22.0 * (np.asarray(height_cm, dtype=float) / 100.0) ** 2


def gnri_linear(albumin_g_l, weight_kg, ideal_weight_kg) -> np.ndarray:
    """GNRI = 1.489 × albumin (g/L) + 41.7 × min(weight / ideal weight, 1)."""
    ratio = np.minimum(np.asarray(weight_kg, dtype=float) / np.asarray(ideal_weight_kg, dtype=float), 1.0)
    return 1.489 * np.asarray(albumin_g_l, dtype=float) + 41.7 * ratio


def gnri_category_from_value(value) -> np.ndarray:
    """GNRI risk: < 82 major, 82 to < 92 moderate, 92 to ≤ 98 low, > 98 no risk."""
    v = snap(value, (82.0, 92.0, 98.0))
    out = np.select([v < 82.0, v < 92.0, v <= 98.0, v > 98.0],
                    ["major-risk", "moderate-risk", "low-risk", "no-risk"], default="")
    return np.where(np.isnan(v), None, out.astype(object))


def smi_value(muscle_area_cm2, height_cm) -> np.ndarray:
    """Skeletal muscle index = L3 skeletal muscle area (cm²) / height² (m²)."""
    return np.asarray(muscle_area_cm2, dtype=float) / (np.asarray(height_cm, dtype=float) / 100.0) ** 2


# ---------------------------------------------------------------------------------------------------
# Public functions
# ---------------------------------------------------------------------------------------------------


def conut(albumin, lymphocytes, cholesterol) -> ScoreResult:
    """Controlling nutritional status (CONUT) score, 0–12, and undernutrition degree.

    Notes
    -----
    ===========================  =======  ============  ============  =======
    item                         0        1 / 2         2 / 4         3 / 6
    ===========================  =======  ============  ============  =======
    albumin (g/dL)               ≥ 3.5    3.0–<3.5: 2   2.5–<3.0: 4   < 2.5: 6
    lymphocytes (/mm³)           ≥ 1600   1200–<1600: 1 800–<1200: 2  < 800: 3
    total cholesterol (mg/dL)    ≥ 180    140–<180: 1   100–<140: 2   < 100: 3
    ===========================  =======  ============  ============  =======

    Degree: 0–1 normal, 2–4 light, 5–8 moderate, 9–12 severe.

    References
    ----------
    Ignacio de Ulíbarri J, González-Madroño A, de Villar NGP, et al. Nutr Hosp. 2005;20(1):38–45.

    Examples
    --------
    >>> r = conut("3.4 g/dL", "1500 /uL", "150 mg/dL")
    >>> r.value, r.category
    (4.0, 'light')
    """
    a = canonical(albumin, "albumin")
    lym = canonical(lymphocytes, "lymphocytes")
    chol = canonical(cholesterol, "cholesterol")
    pa, pl, pc = (int(x) for x in conut_points(a, lym, chol))
    total = pa + pl + pc
    return ScoreResult(
        score="conut", value=float(total), category=str(conut_category_from_points(total).item()),
        components={"albumin_points": pa, "lymphocyte_points": pl, "cholesterol_points": pc},
        inputs={"albumin": a, "lymphocytes": lym, "cholesterol": chol}, source=CONUT_SOURCE,
    )


def pni(albumin, lymphocytes) -> ScoreResult:
    """Onodera's prognostic nutritional index (value only).

    .. math:: \\mathrm{PNI} = 10 \\times \\text{albumin (g/dL)} + 0.005 \\times \\text{lymphocytes (/mm}^3)

    No category is assigned: the lenvatinib papers in the review (refs 153, 155) chose their own
    cut-offs, and Onodera's surgical bands do not transfer to systemic therapy.

    References
    ----------
    Onodera T, Goseki N, Kosaki G. Nihon Geka Gakkai Zasshi. 1984;85(9):1001–1005.

    Examples
    --------
    >>> round(pni("4.0 g/dL", "1500 /mm3").value, 6)
    47.5
    """
    a = canonical(albumin, "albumin")
    lym = canonical(lymphocytes, "lymphocytes")
    value = finite_result(float(pni_onodera(a, lym)), "pni", "lymphocytes")
    return ScoreResult(
        score="pni", value=value, category=None,
        components={"albumin_term": a, "lymphocyte_term": 5.0 * lym},
        inputs={"albumin": a, "lymphocytes": lym}, source=PNI_SOURCE,
    )


def gnri(albumin, weight, height, sex=None, *, ideal_weight="lorentz") -> ScoreResult:
    """Geriatric nutritional risk index (Bouillanne et al. 2005) and risk band.

    Parameters
    ----------
    albumin
        Serum albumin, e.g. ``"3.8 g/dL"``.
    weight, height
        Actual body weight and height, e.g. ``"58 kg"``, ``"165 cm"``.
    sex
        ``male`` or ``female``; required for the Lorentz ideal weight.
    ideal_weight
        ``"lorentz"`` (default, as Bouillanne): men H − 100 − (H − 150)/4, women H − 100 − (H − 150)/2.5
        (H in cm); ``"bmi22"``: 22 × height² (m²), as many Japanese studies use.

    Notes
    -----
    .. math:: \\mathrm{GNRI} = 1.489 \\times \\text{albumin (g/L)} + 41.7 \\times \\min(W / W_\\text{ideal}, 1)

    Risk: < 82 major, 82 to < 92 moderate, 92 to ≤ 98 low, > 98 none.

    References
    ----------
    Bouillanne O, Morineau G, Dupont C, et al. Am J Clin Nutr. 2005;82(4):777–783. doi:10.1093/ajcn/82.4.777

    Examples
    --------
    >>> r = gnri("4.0 g/dL", "70 kg", "170 cm", "male")
    >>> round(r.value, 2), r.category
    (101.26, 'no-risk')
    """
    a = canonical(albumin, "albumin")
    w = canonical(weight, "weight")
    h = canonical(height, "height")
    method = check_choice(ideal_weight, "ideal_weight", ("lorentz", "bmi22"))
    inputs: dict = {"albumin": a, "weight": w, "height": h, "ideal_weight": method}
    if method == "lorentz":
        if sex is None:
            raise InputError("'sex' is required for the Lorentz ideal weight (male or female); "
                             "or use ideal_weight=bmi22", "sex")
        s = check_choice(sex, "sex", SEXES)
        inputs["sex"] = s
        ideal = float(ideal_weight_lorentz(h, s == "male"))
    else:
        if sex is not None:
            inputs["sex"] = check_choice(sex, "sex", SEXES)
        ideal = float(ideal_weight_bmi22(h))
    value = finite_result(float(gnri_linear(a, w, ideal)), "gnri", "height")
    ratio = min(w / ideal, 1.0)
    return ScoreResult(
        score="gnri", value=value, category=str(gnri_category_from_value(value).item()),
        components={"ideal_weight_kg": ideal, "weight_ratio": ratio, "albumin_term": 1.489 * a,
                    "weight_term": 41.7 * ratio},
        inputs=inputs, source=GNRI_SOURCE,
    )


def smi(muscle_area, height, sex=None) -> ScoreResult:
    """Skeletal muscle index from the L3 skeletal muscle area on CT.

    .. math:: \\mathrm{SMI} = \\text{muscle area (cm}^2) / \\text{height}^2 (\\text{m}^2)

    With ``sex`` given, ``category`` is ``"low"`` below the JSH CT cut-offs (42 cm²/m² men, 38 women;
    unchanged in the 2021 edition) and ``"normal"`` otherwise; without it, ``None``.

    References
    ----------
    Nishikawa H, Shiraki M, Hiramatsu A, et al. Hepatol Res. 2016;46(10):951–963. doi:10.1111/hepr.12774

    Examples
    --------
    >>> r = smi("121 cm2", "1.70 m", "male")
    >>> round(r.value, 3), r.category
    (41.869, 'low')
    """
    area = canonical(muscle_area, "muscle_area")
    h = canonical(height, "height")
    value = finite_result(float(smi_value(area, h)), "smi", "height")
    inputs: dict = {"muscle_area": area, "height": h}
    category = None
    components: dict = {}
    if sex is not None:
        s = check_choice(sex, "sex", SEXES)
        inputs["sex"] = s
        cut = JSH_CUTOFFS["jsh-2016"]["ct_smi"][s]
        components["cutoff"] = cut
        category = "low" if float(snap(value, (cut,))) < cut else "normal"
    return ScoreResult(score="smi", value=value, category=category, components=components, inputs=inputs,
                       source=JSH_2016_SOURCE)


def sarcopenia_jsh(sex, grip_strength, muscle_area=None, height=None, bia_smi=None, *,
                   criteria="jsh-2016") -> ScoreResult:
    """Sarcopenia by the Japan Society of Hepatology criteria: low grip strength and low muscle mass.

    Parameters
    ----------
    sex
        ``male`` or ``female``.
    grip_strength
        Handgrip strength, e.g. ``"24 kg"``.
    muscle_area, height
        L3 skeletal muscle area on CT and height, for the CT skeletal muscle index; or
    bia_smi
        the skeletal muscle index from bioelectrical impedance, e.g. ``"6.8 kg/m2"``. Give exactly one
        of the two muscle-mass measures.
    criteria
        ``"jsh-2016"`` (default; 1st edition, Nishikawa et al. 2016): grip < 26 kg men, < 18 kg women.
        ``"jsh-2021"`` (2nd edition): grip < 28 kg men, < 18 kg women (the AWGS 2019 values).
        Muscle mass in both: CT SMI < 42 cm²/m² men, < 38 women; BIA SMI < 7.0 kg/m² men, < 5.7 women.

    Returns
    -------
    ScoreResult
        ``value`` None; ``category`` ``"sarcopenia"`` (both low), ``"low-muscle-mass"``,
        ``"low-grip-strength"`` or ``"none"``; components hold each measure and its cut-off.

    References
    ----------
    Nishikawa H, Shiraki M, Hiramatsu A, et al. Hepatol Res. 2016;46(10):951–963. doi:10.1111/hepr.12774

    Examples
    --------
    >>> sarcopenia_jsh("male", "25 kg", muscle_area="110 cm2", height="170 cm").category
    'sarcopenia'
    """
    s = check_choice(sex, "sex", SEXES)
    grip = canonical(grip_strength, "grip_strength")
    edition = check_choice(criteria, "criteria", tuple(JSH_CUTOFFS))
    cuts = JSH_CUTOFFS[edition]
    inputs: dict = {"sex": s, "grip_strength": grip, "criteria": edition}
    if (muscle_area is None) == (bia_smi is None):
        raise InputError("give exactly one muscle-mass measure: 'muscle_area' (with 'height') for CT, or "
                         "'bia_smi' for bioelectrical impedance", "muscle_area" if muscle_area is None else "bia_smi")
    if muscle_area is not None:
        if height is None:
            raise InputError("'height' is required with 'muscle_area' to compute the CT skeletal muscle index",
                             "height")
        area = canonical(muscle_area, "muscle_area")
        h = canonical(height, "height")
        inputs.update(muscle_area=area, height=h)
        mass, mass_cut, method = float(smi_value(area, h)), cuts["ct_smi"][s], "ct"
    else:
        if height is not None:
            inputs["height"] = canonical(height, "height")
        mass = canonical(bia_smi, "bia_smi")
        inputs["bia_smi"] = mass
        mass_cut, method = cuts["bia_smi"][s], "bia"
    grip_cut = cuts["grip_kg"][s]
    low_grip = float(snap(grip, (grip_cut,))) < grip_cut
    low_mass = float(snap(mass, (mass_cut,))) < mass_cut
    category = ("sarcopenia" if low_grip and low_mass else "low-muscle-mass" if low_mass
                else "low-grip-strength" if low_grip else "none")
    source = JSH_2016_SOURCE if edition == "jsh-2016" else JSH_2021_SOURCE
    return ScoreResult(
        score="sarcopenia-jsh", value=None, category=category,
        components={"low_grip_strength": low_grip, "grip_cutoff_kg": grip_cut, "low_muscle_mass": low_mass,
                    "muscle_mass_method": method, "skeletal_muscle_index": mass, "smi_cutoff": mass_cut},
        inputs=inputs, source=source,
    )


# ---------------------------------------------------------------------------------------------------
# Registry
# ---------------------------------------------------------------------------------------------------

register(ScoreSpec(
    name="conut", title="Controlling nutritional status (CONUT) score", family="nutrition",
    status="available", source=CONUT_SOURCE, inputs=("albumin", "lymphocytes", "cholesterol"),
    function=conut, review_refs=(156,), table3_row=34,
))
register(ScoreSpec(
    name="pni", title="Onodera prognostic nutritional index", family="nutrition", status="available",
    source=PNI_SOURCE, inputs=("albumin", "lymphocytes"), function=pni, review_refs=(155, 153), table3_row=26,
))
register(ScoreSpec(
    name="gnri", title="Geriatric nutritional risk index", family="nutrition", status="available",
    source=GNRI_SOURCE, inputs=("albumin", "weight", "height"), optional=("sex",), function=gnri,
    review_refs=(137,), table3_row=30, options={"sex": SEXES, "ideal_weight": ("lorentz", "bmi22")},
))
register(ScoreSpec(
    name="smi", title="Skeletal muscle index (L3, CT)", family="nutrition", status="available",
    source=JSH_2016_SOURCE, inputs=("muscle_area", "height"), optional=("sex",), function=smi,
    review_refs=(135, 136), table3_row=3, options={"sex": SEXES},
))
register(ScoreSpec(
    name="sarcopenia-jsh", title="Sarcopenia, Japan Society of Hepatology criteria", family="nutrition",
    status="available", source=JSH_2016_SOURCE, inputs=("sex", "grip_strength"),
    optional=("muscle_area", "height", "bia_smi"), function=sarcopenia_jsh, review_refs=(),
    table3_row=None, options={"sex": SEXES, "criteria": tuple(JSH_CUTOFFS)},
))
