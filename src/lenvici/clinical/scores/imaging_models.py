"""Table 3 models and gradings that need images, device measurements or trained weights.

lenvici computes scores from laboratory values and clinical findings; it reads no images and ships no
trained models. The review's Table 3 nevertheless names imaging-based predictors of lenvatinib benefit, so
each is registered here with status ``requires-imaging`` (or ``unavailable`` for the one laboratory model),
its reason and its review reference, and ``lenvici score --list`` shows the whole table honestly.

Citations are the review's reference list as printed (``src/lenvici/data/references.yaml``).
"""

from __future__ import annotations

from lenvici.clinical.scores.registry import ScoreSpec, register

__all__ = ["IMAGING_SCORES"]

_NO_IMAGES = "lenvici takes no images and ships no trained image models"

#: Every score this module registers: (name, title, status, review refs, Table 3 row or None, reason, source).
IMAGING_SCORES: tuple[tuple[str, str, str, tuple[int, ...], int | None, str, str], ...] = (
    (
        "tlr", "Tumour-to-normal liver SUV ratio (TLR) on 18F-FDG PET", "requires-imaging", (145,), 23,
        "Needs the tumour and normal-liver standardised uptake values from a pretreatment 18F-FDG PET scan; "
        + _NO_IMAGES + ".",
        "Kawamura Y, Kobayashi M, Shindoh J, Kobayashi Y, Okubo S, Muraishi N, et al. Pretreatment positron "
        "emission tomography with 18F-fluorodeoxyglucose may be a useful new predictor of overall prognosis "
        "following lenvatinib treatment. Oncology. 2021 (review ref 145)",
    ),
    (
        "ceus-tic", "Arterial-phase time-intensity curve (TIC) on contrast-enhanced ultrasound", "requires-imaging",
        (141,), 27,
        "Needs time-intensity curves of arterial tumour perfusion from contrast-enhanced ultrasound before and "
        "early during treatment; " + _NO_IMAGES + ".",
        "Kuroda H, Abe T, Fujiwara Y, Okamoto T, Yonezawa M, Sato H, et al. Change in arterial tumor perfusion "
        "is an early biomarker of lenvatinib efficacy in patients with unresectable hepatocellular carcinoma. "
        "World J Gastroenterol. 2019 (review ref 141, printed 'Kuorda H')",
    ),
    (
        "ceus-blood-flow", "Tumour blood-flow reduction on contrast-enhanced ultrasound", "requires-imaging",
        (142,), 32,
        "Needs tumour blood-flow measurements from contrast-enhanced ultrasound before and during lenvatinib; "
        + _NO_IMAGES + ".",
        "Kamachi N, Nakano M, Okamura S, Niizeki T, Iwamoto H, Shimose S, et al. Evaluating the therapeutic "
        "effect of lenvatinib against advanced hepatocellular carcinoma by measuring blood flow changes using "
        "contrast-enhanced ultrasound. Cancer Rep (Hoboken). 2022 (review ref 142)",
    ),
    (
        "ct-attenuation-reduction", "Reduction rate of mean CT attenuation values", "requires-imaging", (143,), 41,
        "Needs mean intrahepatic target-lesion CT attenuation values (Hounsfield units) before and during "
        "treatment; the review cites a reduction rate >= 40% as favourable. " + _NO_IMAGES + ".",
        "Muraishi N, Kawamura Y, Kobayashi M, Shindoh J, Kobayashi Y, Okubo S, et al. Changes in the mean "
        "intrahepatic target computed tomography attenuation value during treatment may be a useful new "
        "predictor of the post-progression survival associated with lenvatinib treatment. Intern Med. 2022 "
        "(review ref 143)",
    ),
    (
        "ctav", "CT attenuation value of necrosis (CTav, N-CTav)", "requires-imaging", (144,), 44,
        "Needs CT attenuation values of the tumour after lenvatinib, read from contrast-enhanced CT; "
        + _NO_IMAGES + ".",
        "Chuma M, Yokoo H, Hiraoka A, Ueda K, Yokoyama T, Tsuji K, et al. Identification of CT values that could "
        "be predictive of necrosis (N-CTav) in hepatocellular carcinoma after lenvatinib treatment. Curr "
        "Oncol. 2022 (review ref 144)",
    ),
    (
        "radiomics-ml", "Machine-learning radiomics model of response to lenvatinib", "requires-imaging", (146,), 40,
        "Needs radiomic features extracted from CT images and the trained model weights of the paper; "
        + _NO_IMAGES + ".",
        "Bo Z, Chen B, Zhao Z, He Q, Mao Y, Yang Y, et al. Prediction of response to lenvatinib monotherapy for "
        "unresectable hepatocellular carcinoma by machine learning radiomics: a multicenter cohort study. Clin "
        "Cancer Res. 2023 (review ref 146)",
    ),
    (
        "body-composition", "Body composition parameters", "requires-imaging", (139,), 38,
        "Needs body-composition measurements from a device (bioelectrical impedance analysis in ref 139; CT in "
        "other studies), not laboratory values, and Table 3 names no single formula or cut-off. The skeletal "
        "muscle index computed from a measured muscle area is the separate score 'smi'.",
        "Yamaoka K, Kodama K, Kawaoka T, Kosaka M, Johira Y, Shirane Y, et al. The importance of body "
        "composition assessment for patients with advanced hepatocellular carcinoma by bioelectrical impedance "
        "analysis in lenvatinib treatment. PLoS ONE. 2022;17(1):e0262675 (review ref 139)",
    ),
    (
        "fapi-pet", "Baseline volume index on 68Ga-FAPI PET/CT", "requires-imaging", (140,), None,
        "Needs volumetric parameters from a baseline 68Ga-FAPI PET/CT scan (named in the review's text on "
        "imaging, not in Table 3); " + _NO_IMAGES + ".",
        "Wu M, Wang Y, Yang Q, Wang X, Wang X, Xing H, et al. Comparison of baseline 68Ga-FAPI and 18F-FDG "
        "PET/CT for prediction of response and clinical outcome in patients with unresectable hepatocellular "
        "carcinoma treated with PD-1 inhibitor and lenvatinib. J Nucl Med. 2023 (review ref 140)",
    ),
    (
        "smv-loss", "Skeletal muscle volume loss during lenvatinib", "requires-imaging", (134,), 3,
        "Needs skeletal muscle volume measured on CT at baseline and during treatment (the change, not one "
        "value); " + _NO_IMAGES + ". The skeletal muscle index at one time point is the separate score 'smi' "
        "(review refs 135, 136).",
        "Fujita M, Abe K, Kuroda H, Oikawa T, Ninomiya M, Masamune A, et al. Influence of skeletal muscle volume "
        "loss during lenvatinib treatment on prognosis in unresectable hepatocellular carcinoma: a multicenter "
        "study in Tohoku, Japan. Sci Rep. 2022 (review ref 134)",
    ),
    (
        "tumour-stain-reduction", "Reduction in tumour stain at 2 weeks", "requires-imaging", (172,), 22,
        "Needs arterial-phase tumour stain on dynamic CT at baseline and after 2 weeks of lenvatinib; "
        + _NO_IMAGES + ".",
        "Kunimoto H, Shakado S, Tanaka T, Takata K, Yamauchi R, Fukuda H, et al. Reduction in tumor stain at 2 "
        "weeks after treatment initiation is a predictor of the efficacy of lenvatinib in patients with "
        "unresectable hepatocellular carcinoma. Oncology. 2020 (review ref 172)",
    ),
    (
        "cirrhotic-pdx", "Cirrhotic patient-derived xenograft (PDX) mouse model", "unavailable", (173,), 24,
        "A laboratory model — patient-derived tumour grown in cirrhotic mice to test multikinase inhibitors — "
        "not a score computable from a patient's clinical data.",
        "Huang DQ, Muthiah MD, Zhou L, Jumat H, Tan WX, Lee GH, et al. Predicting HCC response to multikinase "
        "inhibitors with in vivo cirrhotic mouse model for personalized therapy. Cell Mol Gastroenterol "
        "Hepatol. 2021 (review ref 173)",
    ),
)

for _name, _title, _status, _refs, _row, _reason, _source in IMAGING_SCORES:
    register(ScoreSpec(name=_name, title=_title, family="imaging", status=_status,  # type: ignore[arg-type]
                       source=_source, review_refs=_refs, table3_row=_row, reason=_reason))
