"""Lenvatinib-specific prognostic models named by the review (refs 123 and 147–159), and Table 3 coverage.

Two models publish a complete definition in their abstracts and are computed here:

- **PIMET** (Guo 2023, review ref 147): PIVKA-II > 600 mAU/mL and metastasis, one risk factor each.
- **LEP**, the lenvatinib prognostic index (Rapposelli 2021, ref 154): a recursive-partitioning tree over the
  prognostic nutritional index (PNI), previous TACE, ALBI grade and BCLC stage.

Four are registered as ``unavailable`` because their coefficients, point tables or cut-offs could not be
found in any source lenvici could reach (MPML ref 158, AGH ref 152, RCOSC ref 159, TAE score ref 123); each
records what was searched. Nothing is guessed.

:data:`TABLE3_SCORES` maps every row of the review's Table 3 section "Predictive model/grading" (rows 23–44
of ``biomarkers.yaml``), and the imaging and blood-ratio rows of the "Predictor molecule" section, to the
score that covers it; :func:`table3_coverage` joins it with the registry so a face can show what lenvici covers.

Each model has a vectorised kernel on NumPy arrays in canonical units (DESIGN §3) — the batch path — and a
public function that validates one patient's inputs and returns a
:class:`~lenvici.clinical.scores.ScoreResult`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

import numpy as np

from lenvici.clinical.scores._common import canonical, positive, snap
from lenvici.clinical.scores._result import ScoreResult
from lenvici.clinical.scores.liver import albi_grade_from_value, albi_linear
from lenvici.clinical.scores.registry import ScoreSpec, get_score, register
from lenvici.clinical.validation import check_choice, check_flag
from lenvici.errors import InputError

__all__ = [
    "PIMET_SOURCE",
    "LEP_SOURCE",
    "PIMET_PIVKA_CUTOFF",
    "LEP_PNI_CUTOFF",
    "BCLC_STAGES",
    "TABLE3_SCORES",
    "STANDARD_SCORES",
    "Table3Coverage",
    "pimet_kernel",
    "pimet",
    "lep_kernel",
    "lep",
    "table3_coverage",
]

# --------------------------------------------------------------------------------------------- sources

PIMET_SOURCE = (
    "Guo DZ, Zhang SY, Dong SY, Yan JY, Wang YP, Cao Y, Rao SX, Fan J, Yang XR, Huang A, Zhou J. "
    "Prognostic model for predicting outcome and guiding treatment decision for unresectable hepatocellular "
    "carcinoma treated with lenvatinib monotherapy or lenvatinib plus immunotherapy. Front Immunol. "
    "2023;14:1141199. doi:10.3389/fimmu.2023.1141199"
)
LEP_SOURCE = (
    "Rapposelli IG, Shimose S, Kumada T, Okamura S, Hiraoka A, Di Costanzo GG, et al. Identification of "
    "lenvatinib prognostic index via recursive partitioning analysis in advanced hepatocellular carcinoma. "
    "ESMO Open. 2021;6(4):100190. doi:10.1016/j.esmoop.2021.100190"
)

# ------------------------------------------------------------------------------------------- constants

#: PIMET's PIVKA-II cut-off in mAU/mL; a value strictly above it is a risk factor (Guo 2023 prints ">600").
PIMET_PIVKA_CUTOFF = 600.0
#: LEP's PNI cut-off; strictly above it is the favourable branch (Rapposelli 2021 prints ">43.3").
LEP_PNI_CUTOFF = 43.3
#: BCLC stages accepted as input, in order; their index is the code the kernels take.
BCLC_STAGES = ("0", "A", "B", "C", "D")

_PIMET_GROUPS = ("PIMET-low", "PIMET-int", "PIMET-high")
_LEP_GROUPS = ("low", "medium", "high")

# ------------------------------------------------------------------------------------------------ PIMET


def pimet_kernel(pivka: np.ndarray, metastasis: np.ndarray) -> np.ndarray:
    """Number of PIMET risk factors (0, 1 or 2) per patient; the index into the three groups.

    Parameters
    ----------
    pivka
        PIVKA-II (DCP) in mAU/mL.
    metastasis
        Boolean: metastasis present.

    Returns
    -------
    numpy.ndarray
        Integer array: 0 = PIMET-low, 1 = PIMET-int, 2 = PIMET-high.
    """
    above = snap(pivka, (PIMET_PIVKA_CUTOFF,)) > PIMET_PIVKA_CUTOFF
    return above.astype(np.int8) + np.asarray(metastasis, dtype=bool).astype(np.int8)


def pimet(pivka: object, extrahepatic_spread: object) -> ScoreResult:
    """PIMET score for unresectable HCC treated with lenvatinib ± an immune checkpoint inhibitor.

    One point for PIVKA-II above 600 mAU/mL and one for metastasis:

    ==========  =========================================================
    Group       Definition (Guo 2023, abstract)
    ==========  =========================================================
    PIMET-low   without metastasis and PIVKA-II < 600 mAU/mL (0 factors)
    PIMET-int   with metastasis or PIVKA-II > 600 mAU/mL (1 factor)
    PIMET-high  with metastasis and PIVKA-II > 600 mAU/mL (2 factors)
    ==========  =========================================================

    Parameters
    ----------
    pivka
        PIVKA-II (des-γ-carboxy prothrombin), ``"VALUE mAU/mL"``.
    extrahepatic_spread
        Metastasis present (true/false). The paper's "metastasis" is read as extrahepatic spread (lymph-node
        or distant metastasis), the shared lenvici input of that meaning.

    Returns
    -------
    ScoreResult
        ``value`` the number of risk factors (0–2), ``category`` the group.

    Raises
    ------
    InputError
        When PIVKA-II is not a quantity in mAU/mL within range, or the flag is not true/false.

    Notes
    -----
    The abstract defines the low group with PIVKA-II < 600 and the risk factor as PIVKA-II > 600, leaving
    exactly 600 unassigned; lenvici applies the risk factor as printed, strictly above 600, so 600 mAU/mL
    scores no point. Multivariate hazard ratios for overall survival: PIVKA-II 2.05, metastasis 2.07.

    References
    ----------
    Guo DZ, et al. Front Immunol. 2023;14:1141199. doi:10.3389/fimmu.2023.1141199 (review ref 147, Table 3
    row 31).

    Examples
    --------
    >>> r = pimet("850 mAU/mL", extrahepatic_spread=False)
    >>> r.value, r.category
    (1, 'PIMET-int')
    """
    pivka_v = canonical(pivka, "pivka")
    spread = check_flag(extrahepatic_spread, "extrahepatic_spread")
    points = int(pimet_kernel(np.array([pivka_v]), np.array([spread]))[0])
    return ScoreResult(
        score="pimet",
        value=points,
        category=_PIMET_GROUPS[points],
        components={"pivka_above_600": points - int(spread) == 1, "metastasis": spread},
        inputs={"pivka": pivka_v, "extrahepatic_spread": spread},
        source=PIMET_SOURCE,
    )


# -------------------------------------------------------------------------------------------------- LEP


def lep_kernel(
    bilirubin: np.ndarray,
    albumin: np.ndarray,
    lymphocytes: np.ndarray,
    prior_tace: np.ndarray,
    bclc_stage: np.ndarray,
) -> dict[str, np.ndarray]:
    """The LEP tree over arrays of patients in canonical units.

    Parameters
    ----------
    bilirubin
        Total bilirubin, µmol/L (> 0).
    albumin
        Albumin, g/L.
    lymphocytes
        Lymphocyte count, 10⁹/L.
    prior_tace
        Boolean: previous trans-arterial chemoembolisation.
    bclc_stage
        Integer code of the BCLC stage: the index in :data:`BCLC_STAGES` (0, A, B, C, D → 0..4).

    Returns
    -------
    dict of numpy.ndarray
        ``pni``, ``albi``, ``albi_grade`` and ``group``: 0 = low, 1 = medium, 2 = high, and −1 where the
        published tree defines no group (PNI ≤ 43.3 with ALBI grade 3, or with ALBI grade 1 and a BCLC
        stage other than B or C).
    """
    albumin = np.asarray(albumin, dtype=float)
    prior_tace = np.asarray(prior_tace, dtype=bool)
    bclc_stage = np.asarray(bclc_stage)
    # Onodera PNI = 10 x albumin [g/dL] + 0.005 x lymphocytes [/mm3] = albumin [g/L] + 5 x lymphocytes [10^9/L];
    # snapped onto 43.3 within 1e-9 (relative), the unit-conversion float noise allowance of ._common.
    pni = snap(albumin + 5.0 * np.asarray(lymphocytes, dtype=float), (LEP_PNI_CUTOFF,))
    albi = albi_linear(bilirubin, albumin)
    grade_label = albi_grade_from_value(albi)  # "1" <= -2.60 < "2" <= -1.39 < "3" (Johnson 2015)
    grade = np.select([grade_label == "1", grade_label == "2", grade_label == "3"], [1, 2, 3], 0).astype(np.int8)
    high_pni = pni > LEP_PNI_CUTOFF
    low_pni = ~high_pni
    stage_b, stage_c = bclc_stage == BCLC_STAGES.index("B"), bclc_stage == BCLC_STAGES.index("C")
    group = np.select(
        [
            high_pni & prior_tace,
            high_pni & ~prior_tace,
            low_pni & (grade == 2),
            low_pni & (grade == 1) & stage_b,
            low_pni & (grade == 1) & stage_c,
        ],
        [0, 1, 2, 1, 2],
        default=-1,
    ).astype(np.int8)
    return {"pni": pni, "albi": albi, "albi_grade": grade, "group": group}


def lep(bilirubin: object, albumin: object, lymphocytes: object, prior_tace: object, bclc_stage: object) -> ScoreResult:
    """Lenvatinib prognostic index (LEP) for advanced HCC treated with lenvatinib.

    The three risk groups of the recursive-partitioning tree, as defined in Rapposelli 2021 (abstract):

    ======  ==================================================================================
    Group   Definition
    ======  ==================================================================================
    low     PNI > 43.3 and previous TACE
    medium  PNI > 43.3 without previous TACE; or PNI < 43.3, ALBI grade 1 and BCLC-B
    high    PNI < 43.3 and ALBI grade 2; or PNI < 43.3, ALBI grade 1 and BCLC-C
    ======  ==================================================================================

    Parameters
    ----------
    bilirubin
        Total bilirubin, e.g. ``"0.8 mg/dL"`` (must be > 0: ALBI takes its logarithm).
    albumin
        Serum albumin, e.g. ``"3.9 g/dL"``.
    lymphocytes
        Lymphocyte count, e.g. ``"1.2 10*9/L"`` or ``"1200 /uL"``.
    prior_tace
        Previous trans-arterial chemoembolisation (true/false).
    bclc_stage
        BCLC stage, one of ``0 A B C D``.

    Returns
    -------
    ScoreResult
        ``value`` is ``None`` (the index is a classification); ``category`` is ``low``, ``medium`` or
        ``high``; ``components`` hold PNI, the ALBI score and grade and the branch taken.

    Raises
    ------
    InputError
        For invalid inputs, and when the published tree assigns no group: PNI ≤ 43.3 with ALBI grade 3
        (the abstract names grades 1 and 2 only), or PNI ≤ 43.3 with ALBI grade 1 and BCLC stage 0, A or D.

    Notes
    -----
    .. math::

        \\mathrm{PNI} = 10\\,\\mathrm{Alb}[\\mathrm{g/dL}] + 0.005\\,\\mathrm{Lymph}[/\\mathrm{mm^3}]

        \\mathrm{ALBI} = 0.66\\log_{10}\\mathrm{Bil}[\\mu\\mathrm{mol/L}] - 0.085\\,\\mathrm{Alb}[\\mathrm{g/L}]

    PNI is Onodera's index, the definition used by the same group (Caputo 2020, PLoS One 15:e0232449);
    ALBI grade 1 is ≤ −2.60, grade 2 > −2.60 to ≤ −1.39 (Johnson 2015). The abstract prints "> 43.3" for
    the favourable branch and "< 43.3" for the other, leaving 43.3 itself unassigned; lenvici applies the
    favourable branch as printed, strictly above 43.3 (after the 1e-9 float-noise allowance of
    :mod:`._common`, so 3.5 g/dL with 1660 /µL is exactly 43.3). The abstract says the tree uses five
    variables, but its groups are defined by these four; lenvici implements the groups as the abstract
    defines them. HR for overall survival vs low risk: medium 1.95, high 4.84.

    References
    ----------
    Rapposelli IG, et al. ESMO Open. 2021;6(4):100190. doi:10.1016/j.esmoop.2021.100190 (review ref 154,
    Table 3 row 42).

    Examples
    --------
    >>> lep("0.7 mg/dL", "4.0 g/dL", "1.5 10*9/L", prior_tace=True, bclc_stage="B").category
    'low'
    """
    bil = positive(canonical(bilirubin, "bilirubin"), "bilirubin", "for LEP (ALBI takes log10 of bilirubin)")
    alb = canonical(albumin, "albumin")
    lym = canonical(lymphocytes, "lymphocytes")
    tace = check_flag(prior_tace, "prior_tace")
    if isinstance(bclc_stage, int) and not isinstance(bclc_stage, bool):
        bclc_stage = str(bclc_stage)  # stage 0 given as a number
    stage = check_choice(bclc_stage, "bclc_stage", BCLC_STAGES)
    out = lep_kernel(np.array([bil]), np.array([alb]), np.array([lym]), np.array([tace]),
                     np.array([BCLC_STAGES.index(stage)]))
    pni_v, albi_v = float(out["pni"][0]), float(out["albi"][0])
    grade, group = int(out["albi_grade"][0]), int(out["group"][0])
    if group < 0:
        if grade == 3:
            raise InputError(
                f"LEP defines no group for PNI <= 43.3 with ALBI grade 3 (ALBI {albi_v:.3f}); Rapposelli 2021 "
                "names grades 1 and 2 only", "albumin")
        raise InputError(
            f"'bclc_stage' must be B or C for LEP when PNI <= 43.3 and ALBI grade is 1 (Rapposelli 2021); got {stage}",
            "bclc_stage")
    if pni_v > LEP_PNI_CUTOFF:
        branch = "PNI > 43.3, " + ("previous TACE" if tace else "no previous TACE")
    elif grade == 2:
        branch = "PNI <= 43.3, ALBI grade 2"
    else:
        branch = f"PNI <= 43.3, ALBI grade 1, BCLC-{stage}"
    return ScoreResult(
        score="lep",
        value=None,
        category=_LEP_GROUPS[group],
        components={"pni": pni_v, "albi": albi_v, "albi_grade": grade, "prior_tace": tace,
                    "bclc_stage": stage, "branch": branch},
        inputs={"bilirubin": bil, "albumin": alb, "lymphocytes": lym, "prior_tace": tace, "bclc_stage": stage},
        source=LEP_SOURCE,
    )


# ------------------------------------------------------------------------------------------ registry

register(ScoreSpec(
    name="pimet", title="PIMET score (PIVKA-II and metastasis)", family="lenvatinib", status="available",
    source=PIMET_SOURCE, inputs=("pivka", "extrahepatic_spread"), function=pimet,
    review_refs=(147,), table3_row=31,
))
register(ScoreSpec(
    name="lep", title="Lenvatinib prognostic index (LEP)", family="lenvatinib", status="available",
    source=LEP_SOURCE, inputs=("bilirubin", "albumin", "lymphocytes", "prior_tace", "bclc_stage"),
    function=lep, review_refs=(154,), table3_row=42, options={"bclc_stage": BCLC_STAGES},
))

_SEARCHED_CORPORA = "the stored search corpora 'pages' (PubMed, PMC, publisher and index pages), 'docs' and 'code'"

register(ScoreSpec(
    name="mpml", title="Multivariate prognostic model for lenvatinib (MPML)", family="lenvatinib",
    status="unavailable",
    source=("Li X, Ding X, Liu M, Wang J, Li W, Chen J. Development of a multivariate prognostic model for "
            "lenvatinib treatment in hepatocellular carcinoma. Oncologist. 2023;28(10):e942-e949. "
            "doi:10.1093/oncolo/oyad107"),
    review_refs=(158,), table3_row=33,
    reason=("A Cox-model nomogram over seven variables (BCLC stage, prior TACE, immunotherapy history, tumour "
            "number, PNI, log AFP, log PLR) with three risk groups cut by X-tile; the abstract gives neither the "
            "coefficients, the logarithm base, the nomogram points nor the risk-group cut-offs, and the full "
            "text could not be reached. Not computed rather than guessed."),
    searched=(f"{_SEARCHED_CORPORA}: 'MPML lenvatinib nomogram', 'multivariate prognostic model for Lenvatinib "
              "MPML nomogram risk score formula coefficients X-tile cutoff', 'MPML hazard ratio BCLC prior TACE "
              "PNI log AFP log PLR multivariate Cox table nomogram points'; found only the abstract "
              "(PubMed/OUCI/biocloudy)."),
))
register(ScoreSpec(
    name="agh", title="AGH score (AFP, GGT, Hangzhou criteria)", family="lenvatinib", status="unavailable",
    source=("Li JH, Chen T, Xing H, Li RD, Shen CH, Zhang QB, et al. The AGH score is a predictor of "
            "disease-free survival and targeted therapy efficacy after liver transplantation in patients with "
            "hepatocellular carcinoma. Hepatobiliary Pancreat Dis Int. 2023;22(3):245-252"),
    review_refs=(152,), table3_row=37,
    reason=("A post-transplant recurrence score; Table 3 expands AGH as AFP-GGT-Hangzhou and the review's text "
            "calls it 'the AFP-GGT-AGH scoring system', but neither the AFP and GGT cut-offs nor the points or "
            "the use of the Hangzhou criteria could be read from any reachable source (not even the abstract). "
            "Not computed rather than guessed."),
    searched=(f"{_SEARCHED_CORPORA} and 'issues': 'AGH score AFP GGT Hangzhou criteria liver transplantation "
              "disease-free survival targeted therapy', 'Li JH Chen T Xing H AGH score Hepatobiliary Pancreat "
              "Dis Int 2023', 'score combining alpha-fetoprotein gamma-glutamyl transpeptidase and Hangzhou "
              "criteria'; no page of the paper was found."),
))
register(ScoreSpec(
    name="rcosc", title="Risk classifier of South China cohort (RCOSC)", family="lenvatinib",
    status="unavailable",
    source=("Deng Y, Yang J, Chen Y, Wang J, Fu B, Zhang T, et al. Development of a risk classifier to predict "
            "tumor recurrence and lenvatinib benefits in hepatocellular carcinoma after liver transplantation. "
            "Transplant Proc. 2023;55(1):153-163"),
    review_refs=(159,), table3_row=43,
    reason=("A post-transplant recurrence classifier; its variables, coefficients and cut-offs could not be "
            "read from any reachable source (not even the abstract). Not computed rather than guessed."),
    searched=(f"{_SEARCHED_CORPORA}: 'Deng risk classifier predict tumor recurrence lenvatinib benefits "
              "hepatocellular carcinoma after liver transplantation Transplant Proc 2023 RCOSC', 'risk "
              "classifier South China cohort lenvatinib'; no page of the paper was found."),
))
register(ScoreSpec(
    name="tae", title="TAE score (TACE + lenvatinib + PD-1 inhibitor)", family="lenvatinib",
    status="unavailable",
    source=("Zeng ZX, Wu JY, Wu JY, Li YN, Fu YK, Zhang ZB, et al. The TAE score predicts prognosis of "
            "unresectable HCC patients treated with TACE plus lenvatinib with PD-1 inhibitors. Hepatol Int. "
            "2024;18(2):651-660"),
    review_refs=(123,),
    reason=("Named in the review's text on TACE + lenvatinib + PD-1 inhibitors ('TAE scores [123]'), not in "
            "Table 3; its components and points could not be read from any reachable source. Not computed "
            "rather than guessed."),
    searched=(f"{_SEARCHED_CORPORA}: 'TAE score predicts prognosis unresectable HCC TACE plus lenvatinib PD-1 "
              "inhibitors Zeng Hepatology International 2024', 'TAE score tumor burden AFP ECOG TACE lenvatinib "
              "PD-1 points'; no page of the paper was found."),
))

# ------------------------------------------------------------------------------------- Table 3 coverage

#: Table 3 row (``row`` in ``biomarkers.yaml``) → the registered score that covers it. Rows 23–44 are the
#: whole "Predictive model/grading" section; of the "Predictor molecule" section, rows 3 and 22 are its
#: imaging rows and rows 5, 8 and 12 its blood-count ratios. Its other rows (tissue and serum molecules,
#: genotypes, cell subsets) are measurements, not scores, and are not listed.
TABLE3_SCORES: Mapping[int, str] = MappingProxyType({
    3: "smv-loss",
    5: "nlr",
    8: "car",
    12: "plr",
    22: "tumour-stain-reduction",
    23: "tlr",
    24: "cirrhotic-pdx",
    25: "malbi",
    26: "pni",
    27: "ceus-tic",
    28: "albi",
    29: "mg8",
    30: "gnri",
    31: "pimet",
    32: "ceus-blood-flow",
    33: "mpml",
    34: "conut",
    35: "albs",
    36: "gps",
    37: "agh",
    38: "body-composition",
    39: "pni",
    40: "radiomics-ml",
    41: "ct-attenuation-reduction",
    42: "lep",
    43: "rcosc",
    44: "ctav",
})

#: Scores in :data:`TABLE3_SCORES` that the standard-score modules (liver, inflammation, nutrition,
#: geriatric) implement rather than this module or :mod:`.imaging_models`.
STANDARD_SCORES = frozenset({"albi", "malbi", "albs", "pni", "gnri", "mg8", "conut", "gps", "nlr", "car", "plr"})


@dataclass(frozen=True)
class Table3Coverage:
    """How one Table 3 row is covered: the score that covers it and that score's registry status."""

    row: int
    score: str
    status: str | None  # available / unavailable / requires-imaging; None if no module registered it

    def to_dict(self) -> dict:
        return {"row": self.row, "score": self.score, "status": self.status}


def table3_coverage() -> tuple[Table3Coverage, ...]:
    """Every row of :data:`TABLE3_SCORES` with the current registry status of its score, by row."""
    rows = []
    for row, name in sorted(TABLE3_SCORES.items()):
        try:
            status = get_score(name).status
        except InputError:
            status = None
        rows.append(Table3Coverage(row, name, status))
    return tuple(rows)
