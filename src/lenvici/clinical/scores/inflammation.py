"""Inflammation-based scores: NLR, PLR, CRP/albumin ratio (CAR), Glasgow prognostic score (GPS) and mGPS.

Kernels take NumPy arrays in canonical units (cell counts 10⁹/L, CRP mg/L, albumin g/L); public
functions take quantities and return :class:`~lenvici.clinical.scores.ScoreResult`.

Boundary conventions (cut-offs compared on unrounded values):

* NLR, PLR and CAR are dichotomised as the lenvatinib papers did, with the cut-off in the *high*
  group: NLR ≥ 4 (Tada et al. 2020), PLR ≥ 150 (Tada et al. 2021), CAR ≥ 0.108 (Tada et al. 2022).
* GPS and mGPS use strict signs as McMillan's group defined them: CRP **>** 10 mg/L is elevated and
  albumin **<** 35 g/L is low, so CRP exactly 10 mg/L and albumin exactly 35 g/L score 0.
* The Japanese CRP threshold (CRP > 0.5 mg/dL = 5 mg/L, albumin < 3.5 g/dL unchanged) is available
  only as the explicitly named option ``variant="japanese"``; the default is McMillan's.
"""

from __future__ import annotations

import numpy as np

from lenvici.clinical.scores._common import canonical, classify, finite_result, positive, snap
from lenvici.clinical.scores._result import ScoreResult
from lenvici.clinical.scores.registry import ScoreSpec, register
from lenvici.clinical.validation import check_choice

__all__ = [
    "NLR_SOURCE",
    "PLR_SOURCE",
    "CAR_SOURCE",
    "GPS_SOURCE",
    "MGPS_SOURCE",
    "NLR_CUTOFF",
    "PLR_CUTOFF",
    "CAR_CUTOFF",
    "GPS_CRP_CUTOFF_MG_L",
    "GPS_ALBUMIN_CUTOFF_G_L",
    "ratio",
    "high_low_from_value",
    "gps_points",
    "mgps_points",
    "nlr",
    "plr",
    "car",
    "gps",
    "mgps",
]

#: Lenvatinib cut-offs, each in the high group (value ≥ cut-off).
NLR_CUTOFF = 4.0
PLR_CUTOFF = 150.0
CAR_CUTOFF = 0.108
#: GPS/mGPS thresholds by variant: CRP (mg/L) above which CRP is elevated.
GPS_CRP_CUTOFF_MG_L = {"mcmillan": 10.0, "japanese": 5.0}
#: Albumin (g/L) below which albumin is low, in every variant.
GPS_ALBUMIN_CUTOFF_G_L = 35.0

NLR_SOURCE = (
    "Tada T, Kumada T, Hiraoka A, et al. Neutrophil-to-lymphocyte ratio is associated with survival in "
    "patients with unresectable hepatocellular carcinoma treated with lenvatinib. Liver Int. "
    "2020;40(4):968-976. doi:10.1111/liv.14405 (cut-off NLR >= 4; the ratio itself: Zahorec R. Bratisl "
    "Lek Listy. 2001;102(1):5-14)"
)
PLR_SOURCE = (
    "Tada T, Kumada T, Hiraoka A, et al. Platelet-lymphocyte ratio predicts survival in patients with "
    "hepatocellular carcinoma who receive lenvatinib: an inverse probability weighting analysis. Eur J "
    "Gastroenterol Hepatol. 2021;33(2):261-268 (cut-off PLR >= 150)"
)
CAR_SOURCE = (
    "Tada T, Kumada T, Hiraoka A, et al. C-reactive protein to albumin ratio predicts survival in "
    "patients with unresectable hepatocellular carcinoma treated with lenvatinib. Sci Rep. "
    "2022;12:8421. doi:10.1038/s41598-022-12058-y (cut-off CAR >= 0.108, CRP mg/dL over albumin g/dL)"
)
GPS_SOURCE = (
    "Forrest LM, McMillan DC, McArdle CS, Angerson WJ, Dunlop DJ. Evaluation of cumulative prognostic "
    "scores based on the systemic inflammatory response in patients with inoperable non-small-cell lung "
    "cancer. Br J Cancer. 2003;89(6):1028-1030. doi:10.1038/sj.bjc.6601242; in lenvatinib: Tada T, "
    "Kumada T, Hiraoka A, et al. Eur J Gastroenterol Hepatol. 2022;34(8):857-864. "
    "doi:10.1097/MEG.0000000000002398"
)
MGPS_SOURCE = (
    "McMillan DC, Crozier JEM, Canna K, Angerson WJ, McArdle CS. Evaluation of an inflammation-based "
    "prognostic score (GPS) in patients undergoing resection for colon and rectal cancer. Int J "
    "Colorectal Dis. 2007;22(8):881-886. doi:10.1007/s00384-006-0259-6"
)
_JAPANESE_NOTE = " [variant 'japanese': CRP > 0.5 mg/dL (5 mg/L), albumin < 3.5 g/dL]"


# ---------------------------------------------------------------------------------------------------
# Kernels
# ---------------------------------------------------------------------------------------------------


def ratio(numerator, denominator) -> np.ndarray:
    """``numerator / denominator`` elementwise; NaN where the denominator is ≤ 0."""
    n = np.asarray(numerator, dtype=float)
    d = np.asarray(denominator, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        return np.where(d > 0, n / np.where(d > 0, d, 1.0), np.nan)


def high_low_from_value(value, cutoff: float) -> np.ndarray:
    """``"high"`` where value ≥ ``cutoff``, ``"low"`` below it (None for NaN)."""
    return classify(value, (cutoff,), ("low", "high"), closed="left")


def _flags(crp_mg_l, albumin_g_l, variant: str) -> tuple[np.ndarray, np.ndarray]:
    crp_cut = GPS_CRP_CUTOFF_MG_L[variant]
    crp_high = snap(crp_mg_l, (crp_cut,)) > crp_cut
    albumin_low = snap(albumin_g_l, (GPS_ALBUMIN_CUTOFF_G_L,)) < GPS_ALBUMIN_CUTOFF_G_L
    return crp_high, albumin_low


def gps_points(crp_mg_l, albumin_g_l, variant: str = "mcmillan") -> np.ndarray:
    """GPS: one point each for elevated CRP (> 10 mg/L) and low albumin (< 35 g/L), 0–2."""
    crp_high, albumin_low = _flags(crp_mg_l, albumin_g_l, variant)
    return crp_high.astype(int) + albumin_low.astype(int)


def mgps_points(crp_mg_l, albumin_g_l, variant: str = "mcmillan") -> np.ndarray:
    """mGPS: 0 if CRP ≤ 10 mg/L (whatever the albumin); 1 if CRP > 10 and albumin ≥ 35; 2 if both abnormal."""
    crp_high, albumin_low = _flags(crp_mg_l, albumin_g_l, variant)
    return np.where(crp_high, 1 + albumin_low.astype(int), 0)


# ---------------------------------------------------------------------------------------------------
# Public functions
# ---------------------------------------------------------------------------------------------------


def _dichotomised(score: str, num: float, den: float, den_field: str, cutoff: float, source: str,
                  inputs: dict, components: dict) -> ScoreResult:
    positive(den, den_field, f"for {score} (it divides by {den_field})")
    value = finite_result(float(ratio(num, den)), score, den_field)
    return ScoreResult(score=score, value=value, category=str(high_low_from_value(value, cutoff).item()),
                       components={**components, "cutoff": cutoff}, inputs=inputs, source=source)


def nlr(neutrophils, lymphocytes) -> ScoreResult:
    """Neutrophil-to-lymphocyte ratio, dichotomised at the lenvatinib cut-off 4 (Tada et al. 2020).

    Parameters
    ----------
    neutrophils, lymphocytes
        Absolute counts, e.g. ``"3.2 10*9/L"`` or ``"3200 /uL"``; lymphocytes must be > 0.

    Returns
    -------
    ScoreResult
        ``value`` the ratio, ``category`` ``"high"`` (NLR ≥ 4) or ``"low"`` (NLR < 4).

    References
    ----------
    Tada T, Kumada T, Hiraoka A, et al. Liver Int. 2020;40(4):968–976. doi:10.1111/liv.14405

    Examples
    --------
    >>> r = nlr("4000 /uL", "1000 /uL")
    >>> r.value, r.category
    (4.0, 'high')
    """
    n = canonical(neutrophils, "neutrophils")
    lym = canonical(lymphocytes, "lymphocytes")
    return _dichotomised("nlr", n, lym, "lymphocytes", NLR_CUTOFF, NLR_SOURCE,
                         {"neutrophils": n, "lymphocytes": lym}, {})


def plr(platelets, lymphocytes) -> ScoreResult:
    """Platelet-to-lymphocyte ratio, dichotomised at the lenvatinib cut-off 150 (Tada et al. 2021).

    Both counts in the same unit (canonical 10⁹/L); ``"high"`` for PLR ≥ 150.

    References
    ----------
    Tada T, Kumada T, Hiraoka A, et al. Eur J Gastroenterol Hepatol. 2021;33(2):261–268.

    Examples
    --------
    >>> r = plr("15 10*4/uL", "1.0 10*9/L")
    >>> r.value, r.category
    (150.0, 'high')
    """
    p = canonical(platelets, "platelets")
    lym = canonical(lymphocytes, "lymphocytes")
    return _dichotomised("plr", p, lym, "lymphocytes", PLR_CUTOFF, PLR_SOURCE,
                         {"platelets": p, "lymphocytes": lym}, {})


def car(crp, albumin) -> ScoreResult:
    """C-reactive protein to albumin ratio, dichotomised at 0.108 (Tada et al. 2022).

    Notes
    -----
    Tada et al. divide CRP in mg/dL by albumin in g/dL. Both units carry the same factor of ten from
    lenvici's canonical units (CRP mg/L, albumin g/L), so the ratio is the same number:
    CRP[mg/dL] / albumin[g/dL] = CRP[mg/L] / albumin[g/L]. (Mixing mg/L with g/dL would give a value ten
    times larger; lenvici never does.) ``"high"`` for CAR ≥ 0.108.

    References
    ----------
    Tada T, Kumada T, Hiraoka A, et al. Sci Rep. 2022;12:8421. doi:10.1038/s41598-022-12058-y

    Examples
    --------
    >>> r = car("0.5 mg/dL", "4.0 g/dL")
    >>> r.value, r.category
    (0.125, 'high')
    """
    c = canonical(crp, "crp")
    a = canonical(albumin, "albumin")
    return _dichotomised("car", c, a, "albumin", CAR_CUTOFF, CAR_SOURCE, {"crp": c, "albumin": a},
                         {"crp_mg_dl": c / 10.0, "albumin_g_dl": a / 10.0})


def _gps_like(score: str, kernel, crp, albumin, variant, source: str) -> ScoreResult:
    c = canonical(crp, "crp")
    a = canonical(albumin, "albumin")
    v = check_choice(variant, "variant", tuple(GPS_CRP_CUTOFF_MG_L))
    crp_high, albumin_low = _flags(c, a, v)
    points = int(kernel(c, a, v))
    return ScoreResult(
        score=score, value=float(points), category=None,
        components={"crp_elevated": bool(crp_high), "albumin_low": bool(albumin_low),
                    "crp_cutoff_mg_l": GPS_CRP_CUTOFF_MG_L[v], "albumin_cutoff_g_l": GPS_ALBUMIN_CUTOFF_G_L},
        inputs={"crp": c, "albumin": a, "variant": v},
        source=source + (_JAPANESE_NOTE if v == "japanese" else ""),
    )


def gps(crp, albumin, *, variant="mcmillan") -> ScoreResult:
    """Glasgow prognostic score (0, 1, 2).

    One point for CRP > 10 mg/L, one for albumin < 35 g/L (Forrest, McMillan et al. 2003).

    Parameters
    ----------
    crp
        C-reactive protein, e.g. ``"1.2 mg/dL"`` or ``"12 mg/L"``.
    albumin
        Serum albumin, e.g. ``"3.4 g/dL"``.
    variant
        ``"mcmillan"`` (default): CRP > 10 mg/L. ``"japanese"``: CRP > 0.5 mg/dL (5 mg/L), the
        threshold several Japanese cohorts use; albumin < 35 g/L in both.

    References
    ----------
    Forrest LM, McMillan DC, McArdle CS, Angerson WJ, Dunlop DJ. Br J Cancer. 2003;89(6):1028–1030.

    Examples
    --------
    >>> gps("12 mg/L", "34 g/L").value
    2.0
    >>> gps("0.8 mg/dL", "3.6 g/dL", variant="japanese").value
    1.0
    """
    return _gps_like("gps", gps_points, crp, albumin, variant, GPS_SOURCE)


def mgps(crp, albumin, *, variant="mcmillan") -> ScoreResult:
    """Modified Glasgow prognostic score (0, 1, 2; McMillan et al. 2007).

    0 when CRP ≤ 10 mg/L whatever the albumin; 1 when CRP > 10 mg/L and albumin ≥ 35 g/L; 2 when CRP
    > 10 mg/L and albumin < 35 g/L. ``variant="japanese"`` uses CRP > 5 mg/L (0.5 mg/dL).

    References
    ----------
    McMillan DC, Crozier JEM, Canna K, Angerson WJ, McArdle CS. Int J Colorectal Dis. 2007;22(8):881–886.

    Examples
    --------
    >>> mgps("5 mg/L", "30 g/L").value
    0.0
    """
    return _gps_like("mgps", mgps_points, crp, albumin, variant, MGPS_SOURCE)


# ---------------------------------------------------------------------------------------------------
# Registry
# ---------------------------------------------------------------------------------------------------

register(ScoreSpec(
    name="nlr", title="Neutrophil-to-lymphocyte ratio", family="inflammation", status="available",
    source=NLR_SOURCE, inputs=("neutrophils", "lymphocytes"), function=nlr, review_refs=(124, 160),
    table3_row=5,
))
register(ScoreSpec(
    name="plr", title="Platelet-to-lymphocyte ratio", family="inflammation", status="available",
    source=PLR_SOURCE, inputs=("platelets", "lymphocytes"), function=plr, review_refs=(164,), table3_row=12,
))
register(ScoreSpec(
    name="car", title="C-reactive protein to albumin ratio", family="inflammation", status="available",
    source=CAR_SOURCE, inputs=("crp", "albumin"), function=car, review_refs=(163,), table3_row=8,
))
register(ScoreSpec(
    name="gps", title="Glasgow prognostic score", family="inflammation", status="available",
    source=GPS_SOURCE, inputs=("crp", "albumin"), function=gps, review_refs=(151,), table3_row=36,
    options={"variant": tuple(GPS_CRP_CUTOFF_MG_L)},
))
register(ScoreSpec(
    name="mgps", title="Modified Glasgow prognostic score", family="inflammation", status="available",
    source=MGPS_SOURCE, inputs=("crp", "albumin"), function=mgps, review_refs=(), table3_row=None,
    options={"variant": tuple(GPS_CRP_CUTOFF_MG_L)},
))
