"""Liver-function scores: Child–Pugh, ALBI, modified ALBI, EZ-ALBI (and ALBS, registered as unavailable).

Each score is a pure vectorised kernel on NumPy arrays in canonical units (bilirubin µmol/L, albumin
g/L, INR unitless) for the cohort engine, and a public function that takes quantities (``"VALUE
UNIT"`` strings or :class:`~lenvici.units.Quantity`) and returns a
:class:`~lenvici.clinical.scores.ScoreResult`.

Boundary conventions (all cut-offs compared on unrounded values; see :mod:`._common` for the 1e-9
float-noise allowance):

* **Child–Pugh** — the two-point column is a closed interval at both ends: bilirubin
  2–3 mg/dL, albumin 2.8–3.5 g/dL, INR 1.7–2.3 all score 2 points at their end values. Pugh et al.
  (1973, Table 1) print the one-point column as "1–2" (bilirubin) and "3.5" (albumin, i.e. above 3.5),
  the two-point column as "2–3" and "2.8–3.5", and the three-point column as ">3" and "<2.8"; only the
  three-point column uses a strict sign, so the ends of the printed two-point ranges belong to it, and
  the overlap of "1–2" with "2–3" at exactly 2 is resolved to 2 points, as the modern tables read it
  ("<2 | 2–3 | >3"). Nothing falls between classes, so no boundary value scores 0 points.
  Pugh's bands are in mg/dL and are the definition. Bilirubin is canonical in µmol/L, and SI tables
  print the bands converted with 17.1 µmol/L per mg/dL while lenvici converts with 17.104; the
  two-point interval takes the wider of the two conversions at each end, ``[34.2, 51.312]`` µmol/L,
  so that both spellings of each boundary score 2 points: 2 mg/dL (= 34.208 µmol/L) and the SI
  tables' 34.2 µmol/L; 3 mg/dL (= 51.312 µmol/L) and the SI tables' 51.3 µmol/L. The PBC/PSC variant
  (``cholestatic=True``, Pugh 1973: 1–4 | 4–10 | >10 mg/dL) uses ``[68.4, 171.04]`` µmol/L likewise
  (tables that print "68" and "170" µmol/L have rounded 68.4 and 171: 68 µmol/L = 3.98 mg/dL scores 1
  point, 170 µmol/L scores 2).
  INR replaces Pugh's "seconds prolonged" prothrombin time (1–4 | 4–6 | >6 s) with the now-usual
  INR bands <1.7 | 1.7–2.3 | >2.3.
* **ALBI / mALBI / EZ-ALBI** — grades are closed on the right: a value exactly at a cut-off takes
  the better (lower) grade, as published ("grade 1 ≤ −2.60 < grade 2 ≤ −1.39 < grade 3").
"""

from __future__ import annotations

import numpy as np

from lenvici.clinical.scores._common import canonical, classify, finite_result, positive, snap
from lenvici.clinical.scores._result import ScoreResult
from lenvici.clinical.scores.registry import ScoreSpec, register
from lenvici.clinical.validation import check_choice, check_flag

__all__ = [
    "CHILD_PUGH_SOURCE",
    "ALBI_SOURCE",
    "MALBI_SOURCE",
    "EZ_ALBI_SOURCE",
    "ALBS_SOURCE",
    "ASCITES_POINTS",
    "ENCEPHALOPATHY_POINTS",
    "BILIRUBIN_MG_DL_TO_UMOL_L",
    "child_pugh_bilirubin_points",
    "child_pugh_albumin_points",
    "child_pugh_inr_points",
    "child_pugh_points",
    "child_pugh_class_from_points",
    "albi_linear",
    "albi_grade_from_value",
    "malbi_grade_from_value",
    "ez_albi_linear",
    "ez_albi_grade_from_value",
    "child_pugh",
    "albi",
    "malbi",
    "ez_albi",
]

#: µmol/L per mg/dL of bilirubin (molar mass 584.66 g/mol), as in :mod:`lenvici.units`.
BILIRUBIN_MG_DL_TO_UMOL_L = 17.104

#: Child–Pugh points for the clinical items (Pugh et al. 1973, Table 1).
ASCITES_POINTS = {"none": 1, "slight": 2, "moderate": 3}
ENCEPHALOPATHY_POINTS = {"none": 1, "grade1-2": 2, "grade3-4": 3}

# Two-point bilirubin intervals in µmol/L, closed at both ends (see the module docstring).
# Pugh defines the bands in mg/dL; SI tables print them converted with 17.1 µmol/L per mg/dL, lenvici
# converts with 17.104, so each end takes the wider of the two conversions.
_SI_TABLE_FACTOR = 17.1
_BILI_STANDARD = (2.0 * _SI_TABLE_FACTOR, 3.0 * BILIRUBIN_MG_DL_TO_UMOL_L)  # 2–3 mg/dL = [34.2, 51.312]
_BILI_CHOLESTATIC = (4.0 * _SI_TABLE_FACTOR, 10.0 * BILIRUBIN_MG_DL_TO_UMOL_L)  # 4–10 mg/dL = [68.4, 171.04]
_ALBUMIN = (28.0, 35.0)  # g/L; 2.8–3.5 g/dL
_INR = (1.7, 2.3)

_ALBI_CUTS = (-2.60, -1.39)
_MALBI_CUTS = (-2.60, -2.27, -1.39)
_EZ_ALBI_CUTS = (-34.4, -22.2)

CHILD_PUGH_SOURCE = (
    "Pugh RNH, Murray-Lyon IM, Dawson JL, Pietroni MC, Williams R. Transection of the oesophagus for "
    "bleeding oesophageal varices. Br J Surg. 1973;60(8):646-649. doi:10.1002/bjs.1800600817 "
    "(prothrombin time given as INR <1.7 | 1.7-2.3 | >2.3, the usual modern form)"
)
ALBI_SOURCE = (
    "Johnson PJ, Berhane S, Kagebayashi C, et al. Assessment of liver function in patients with "
    "hepatocellular carcinoma: a new evidence-based approach - the ALBI grade. J Clin Oncol. "
    "2015;33(6):550-558. doi:10.1200/JCO.2014.57.9151"
)
MALBI_SOURCE = (
    "Hiraoka A, Michitaka K, Kumada T, et al. Validation and potential of albumin-bilirubin grade and "
    "prognostication in a nationwide survey of 46,681 hepatocellular carcinoma patients in Japan: the "
    "need for a more detailed evaluation of hepatic function. Liver Cancer. 2017;6(4):325-336. "
    "doi:10.1159/000479984"
)
EZ_ALBI_SOURCE = (
    "Kariyama K, Nouso K, Hiraoka A, et al. EZ-ALBI score for predicting hepatocellular carcinoma "
    "prognosis. Liver Cancer. 2020;9(6):734-743. doi:10.1159/000508971"
)
ALBS_SOURCE = (
    "Kariyama K, Hiraoka A, Kumada T, et al. Chronological change in serum albumin as a prognostic "
    "factor in patients with hepatocellular carcinoma treated with lenvatinib: proposal of albumin "
    "simplified grading based on the modified albumin-bilirubin score (ALBS grade). J Gastroenterol. "
    "2022;57(8):581-586"
)


# ---------------------------------------------------------------------------------------------------
# Kernels (canonical units, NumPy arrays, no validation)
# ---------------------------------------------------------------------------------------------------


def _three_band_points(values, low: float, high: float) -> np.ndarray:
    """1 below ``low``, 2 on the closed interval ``[low, high]``, 3 above ``high``."""
    v = snap(values, (low, high))
    return np.where(v < low, 1, np.where(v <= high, 2, 3))


def child_pugh_bilirubin_points(bilirubin_umol_l, cholestatic: bool = False) -> np.ndarray:
    """Child–Pugh bilirubin points: <34.2 → 1, 34.2–51.312 → 2, >51.312 µmol/L → 3.

    With ``cholestatic=True`` (PBC/PSC): <68.4 → 1, 68.4–171.04 → 2, >171.04 µmol/L → 3.
    """
    low, high = _BILI_CHOLESTATIC if cholestatic else _BILI_STANDARD
    return _three_band_points(bilirubin_umol_l, low, high)


def child_pugh_albumin_points(albumin_g_l) -> np.ndarray:
    """Child–Pugh albumin points: >35 → 1, 28–35 → 2, <28 g/L → 3."""
    return 4 - _three_band_points(albumin_g_l, *_ALBUMIN)


def child_pugh_inr_points(inr) -> np.ndarray:
    """Child–Pugh INR points: <1.7 → 1, 1.7–2.3 → 2, >2.3 → 3."""
    return _three_band_points(inr, *_INR)


def child_pugh_points(bilirubin_umol_l, albumin_g_l, inr, ascites_points, encephalopathy_points,
                      cholestatic: bool = False) -> np.ndarray:
    """Total Child–Pugh points (5–15); ascites and encephalopathy given as their points (1–3)."""
    return (child_pugh_bilirubin_points(bilirubin_umol_l, cholestatic) + child_pugh_albumin_points(albumin_g_l)
            + child_pugh_inr_points(inr) + np.asarray(ascites_points) + np.asarray(encephalopathy_points))


def child_pugh_class_from_points(points) -> np.ndarray:
    """Child–Pugh class: A for 5–6 points, B for 7–9, C for 10–15."""
    return classify(points, (6.0, 9.0), ("A", "B", "C"), closed="right")


def albi_linear(bilirubin_umol_l, albumin_g_l) -> np.ndarray:
    """ALBI = 0.66·log10(bilirubin µmol/L) − 0.085·albumin g/L; NaN where bilirubin ≤ 0."""
    b = np.asarray(bilirubin_umol_l, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        log_b = np.where(b > 0, np.log10(np.where(b > 0, b, 1.0)), np.nan)
    return 0.66 * log_b - 0.085 * np.asarray(albumin_g_l, dtype=float)


def albi_grade_from_value(value) -> np.ndarray:
    """ALBI grade: "1" for ≤ −2.60, "2" for > −2.60 to ≤ −1.39, "3" for > −1.39."""
    return classify(value, _ALBI_CUTS, ("1", "2", "3"), closed="right")


def malbi_grade_from_value(value) -> np.ndarray:
    """mALBI grade: "1" ≤ −2.60 < "2a" ≤ −2.27 < "2b" ≤ −1.39 < "3"."""
    return classify(value, _MALBI_CUTS, ("1", "2a", "2b", "3"), closed="right")


def ez_albi_linear(bilirubin_umol_l, albumin_g_l) -> np.ndarray:
    """EZ-ALBI = total bilirubin (mg/dL) − 9 × albumin (g/dL), from canonical µmol/L and g/L."""
    bilirubin_mg_dl = np.asarray(bilirubin_umol_l, dtype=float) / BILIRUBIN_MG_DL_TO_UMOL_L
    albumin_g_dl = np.asarray(albumin_g_l, dtype=float) / 10.0
    return bilirubin_mg_dl - 9.0 * albumin_g_dl


def ez_albi_grade_from_value(value) -> np.ndarray:
    """EZ-ALBI grade: "1" for ≤ −34.4, "2" for > −34.4 to ≤ −22.2, "3" for > −22.2."""
    return classify(value, _EZ_ALBI_CUTS, ("1", "2", "3"), closed="right")


# ---------------------------------------------------------------------------------------------------
# Public functions (quantities in, ScoreResult out)
# ---------------------------------------------------------------------------------------------------


def child_pugh(bilirubin, albumin, inr, ascites, encephalopathy, *, cholestatic=False) -> ScoreResult:
    """Child–Pugh score (5–15 points) and class A/B/C.

    Parameters
    ----------
    bilirubin
        Total bilirubin, e.g. ``"1.2 mg/dL"`` or ``"20 umol/L"`` (0–1500 µmol/L).
    albumin
        Serum albumin, e.g. ``"3.5 g/dL"`` (5–70 g/L).
    inr
        International normalised ratio, unitless (0.5–15).
    ascites
        ``none``, ``slight`` or ``moderate``.
    encephalopathy
        ``none``, ``grade1-2`` or ``grade3-4``.
    cholestatic
        Use Pugh's bilirubin bands for primary biliary / primary sclerosing cholangitis
        (4 and 10 mg/dL instead of 2 and 3 mg/dL). Default ``False``.

    Returns
    -------
    ScoreResult
        ``value`` the total points, ``category`` the class, ``components`` the points per item.

    Raises
    ------
    InputError
        Naming the input that is missing a unit, in an unknown unit, out of range or not an allowed choice.

    Notes
    -----
    ======================  ============  ============  ===========
    item                    1 point       2 points      3 points
    ======================  ============  ============  ===========
    bilirubin (mg/dL)       < 2           2–3           > 3
    bilirubin, PBC/PSC      < 4           4–10          > 10
    albumin (g/dL)          > 3.5         2.8–3.5       < 2.8
    INR                     < 1.7         1.7–2.3       > 2.3
    ascites                 none          slight        moderate
    encephalopathy          none          grade 1–2     grade 3–4
    ======================  ============  ============  ===========

    Class A 5–6, B 7–9, C 10–15. The two-point column is closed at both ends (module docstring).

    References
    ----------
    Pugh RNH, Murray-Lyon IM, Dawson JL, Pietroni MC, Williams R. Br J Surg. 1973;60(8):646–649.
    doi:10.1002/bjs.1800600817

    Examples
    --------
    >>> r = child_pugh("2 mg/dL", "3.5 g/dL", "1.7", "none", "none")
    >>> r.value, r.category
    (8.0, 'B')
    """
    b = canonical(bilirubin, "bilirubin")
    a = canonical(albumin, "albumin")
    i = canonical(inr, "inr")
    asc = check_choice(ascites, "ascites", ASCITES_POINTS)
    enc = check_choice(encephalopathy, "encephalopathy", ENCEPHALOPATHY_POINTS)
    chol = check_flag(cholestatic, "cholestatic")
    parts = {
        "bilirubin_points": int(child_pugh_bilirubin_points(b, chol)),
        "albumin_points": int(child_pugh_albumin_points(a)),
        "inr_points": int(child_pugh_inr_points(i)),
        "ascites_points": ASCITES_POINTS[asc],
        "encephalopathy_points": ENCEPHALOPATHY_POINTS[enc],
    }
    total = sum(parts.values())
    return ScoreResult(
        score="child-pugh", value=float(total), category=str(child_pugh_class_from_points(total).item()),
        components=parts,
        inputs={"bilirubin": b, "albumin": a, "inr": i, "ascites": asc, "encephalopathy": enc,
                "cholestatic": chol},
        source=CHILD_PUGH_SOURCE,
    )


def _albi_inputs(bilirubin, albumin, score: str) -> tuple[float, float, float]:
    b = positive(canonical(bilirubin, "bilirubin"), "bilirubin", f"for {score} (it takes log10 of bilirubin)")
    a = canonical(albumin, "albumin")
    return b, a, finite_result(float(albi_linear(b, a)), score, "bilirubin")


def albi(bilirubin, albumin) -> ScoreResult:
    """ALBI score and grade (Johnson et al. 2015).

    Parameters
    ----------
    bilirubin
        Total bilirubin (> 0; the score takes its logarithm), e.g. ``"0.8 mg/dL"``.
    albumin
        Serum albumin, e.g. ``"4.0 g/dL"``.

    Returns
    -------
    ScoreResult
        ``value`` the linear predictor, ``category`` the grade ``"1"``, ``"2"`` or ``"3"``.

    Notes
    -----
    .. math:: \\mathrm{ALBI} = 0.66\\,\\log_{10}(\\text{bilirubin, µmol/L}) - 0.085\\,(\\text{albumin, g/L})

    Grade 1 ≤ −2.60 < grade 2 ≤ −1.39 < grade 3 (a value at a cut-off takes the lower grade).

    References
    ----------
    Johnson PJ, Berhane S, Kagebayashi C, et al. J Clin Oncol. 2015;33(6):550–558.
    doi:10.1200/JCO.2014.57.9151

    Examples
    --------
    >>> r = albi("10 umol/L", "40 g/L")
    >>> round(r.value, 2), r.category
    (-2.74, '1')
    """
    b, a, value = _albi_inputs(bilirubin, albumin, "albi")
    return ScoreResult(
        score="albi", value=value, category=str(albi_grade_from_value(value).item()),
        components={"bilirubin_term": 0.66 * float(np.log10(b)), "albumin_term": -0.085 * a},
        inputs={"bilirubin": b, "albumin": a}, source=ALBI_SOURCE,
    )


def malbi(bilirubin, albumin) -> ScoreResult:
    """Modified ALBI grade (1, 2a, 2b, 3; Hiraoka et al. 2017).

    ALBI grade 2 is split at −2.27 (the ALBI value matching an indocyanine-green retention of 30 % at
    15 minutes): 1 ≤ −2.60 < 2a ≤ −2.27 < 2b ≤ −1.39 < 3, a value at a cut-off taking the lower grade.
    Inputs as :func:`albi`.

    References
    ----------
    Hiraoka A, Michitaka K, Kumada T, et al. Liver Cancer. 2017;6(4):325–336. doi:10.1159/000479984

    Examples
    --------
    >>> malbi("0.8 mg/dL", "3.6 g/dL").category
    '2a'
    """
    b, a, value = _albi_inputs(bilirubin, albumin, "malbi")
    return ScoreResult(
        score="malbi", value=value, category=str(malbi_grade_from_value(value).item()),
        components={"albi": value, "albi_grade": str(albi_grade_from_value(value).item())},
        inputs={"bilirubin": b, "albumin": a}, source=MALBI_SOURCE,
    )


def ez_albi(bilirubin, albumin) -> ScoreResult:
    """EZ-ALBI score and grade (Kariyama et al. 2020).

    Notes
    -----
    .. math:: \\text{EZ-ALBI} = \\text{bilirubin (mg/dL)} - 9 \\times \\text{albumin (g/dL)}

    Grade 1 ≤ −34.4 < grade 2 ≤ −22.2 < grade 3 (a value at a cut-off takes the lower grade); the
    cut-offs are the EZ-ALBI values that correspond to the ALBI cut-offs −2.60 and −1.39.

    References
    ----------
    Kariyama K, Nouso K, Hiraoka A, et al. Liver Cancer. 2020;9(6):734–743. doi:10.1159/000508971

    Examples
    --------
    >>> r = ez_albi("1.0 mg/dL", "4.0 g/dL")
    >>> round(r.value, 6), r.category
    (-35.0, '1')
    """
    b = canonical(bilirubin, "bilirubin")
    a = canonical(albumin, "albumin")
    value = finite_result(float(ez_albi_linear(b, a)), "ez-albi", "bilirubin")
    return ScoreResult(
        score="ez-albi", value=value, category=str(ez_albi_grade_from_value(value).item()),
        components={"bilirubin_mg_dl": b / BILIRUBIN_MG_DL_TO_UMOL_L, "albumin_term": -9.0 * a / 10.0},
        inputs={"bilirubin": b, "albumin": a}, source=EZ_ALBI_SOURCE,
    )


# ---------------------------------------------------------------------------------------------------
# Registry
# ---------------------------------------------------------------------------------------------------

register(ScoreSpec(
    name="child-pugh", title="Child-Pugh score and class", family="liver", status="available",
    source=CHILD_PUGH_SOURCE, inputs=("bilirubin", "albumin", "inr", "ascites", "encephalopathy"),
    function=child_pugh, review_refs=(), table3_row=None,
    options={"ascites": tuple(ASCITES_POINTS), "encephalopathy": tuple(ENCEPHALOPATHY_POINTS),
             "cholestatic": ("false", "true")},
))
register(ScoreSpec(
    name="albi", title="Albumin-bilirubin (ALBI) score and grade", family="liver", status="available",
    source=ALBI_SOURCE, inputs=("bilirubin", "albumin"), function=albi, review_refs=(148,), table3_row=28,
))
register(ScoreSpec(
    name="malbi", title="Modified ALBI grade (1, 2a, 2b, 3)", family="liver", status="available",
    source=MALBI_SOURCE, inputs=("bilirubin", "albumin"), function=malbi, review_refs=(149,), table3_row=25,
))
register(ScoreSpec(
    name="ez-albi", title="EZ (easy) ALBI score and grade", family="liver", status="available",
    source=EZ_ALBI_SOURCE, inputs=("bilirubin", "albumin"), function=ez_albi, review_refs=(), table3_row=None,
))
register(ScoreSpec(
    name="albs", title="Albumin simplified (ALBS) grade", family="liver", status="unavailable",
    source=ALBS_SOURCE, inputs=("albumin",), review_refs=(150,), table3_row=35,
    reason=("the ALBS grade is a set of serum-albumin cut-offs derived from the mALBI grade; the cut-off "
            "values could not be read from an accessible copy of the paper, and lenvici does not guess "
            "them (approximating them from mALBI at a fixed bilirubin would be a different score)"),
    searched=("stored web pages and documentation for 'ALBS grade', 'albumin simplified grade', "
              "'Kariyama J Gastroenterol 2022 lenvatinib albumin', the review text (ref 150), and public "
              "source code for 'ALBS grade'; only the title and citation were found"),
))
