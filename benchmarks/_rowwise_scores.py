"""The peer of ``cohort_vs_pandas.py``: the same scores written the straightforward pandas way.

One plain-Python function scores one row (``df.apply(score_row, axis=1)``): convert each input to the
canonical unit with the same factors (:data:`lenvici.units.ANALYTES`), check its physiological range, and
apply each score's published formula and cut-offs with ``if``/``else`` — the code a careful analyst would
write. Cut-offs carry the same 1e-9 float-noise allowance as lenvici's, so the two agree row for row
(the benchmark checks that on the rows it times). A missing or out-of-range input makes the scores that
need it ``None``.
"""

from __future__ import annotations

import math

from lenvici.units import ANALYTES

CHOICE_POINTS = {
    "ascites": {"none": 1, "slight": 2, "moderate": 3},
    "encephalopathy": {"none": 1, "grade1-2": 2, "grade3-4": 3},
    "food_intake": {"severe-decrease": 0.0, "moderate-decrease": 1.0, "normal": 2.0},
    "weight_loss": {"over-3kg": 0.0, "unknown": 1.0, "1-3kg": 2.0, "none": 3.0},
    "mobility": {"bed-or-chair-bound": 0.0, "out-of-bed-not-out": 1.0, "goes-out": 2.0},
    "neuropsychological": {"severe": 0.0, "mild": 1.0, "none": 2.0},
    "self_rated_health": {"not-as-good": 0.0, "unknown": 0.5, "as-good": 1.0, "better": 2.0},
}
STAGES = ("0", "A", "B", "C", "D")


def _snap(x: float, cut: float) -> float:
    return cut if abs(x - cut) <= 1e-9 * max(1.0, abs(cut)) else x


def _quantity(row, name: str, units) -> float | None:
    x = row[name]
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return None
    analyte = ANALYTES["diameter" if name == "largest_tumour" else name]
    value = float(x) * analyte.factors[units[name]]
    return value if analyte.low <= value <= analyte.high else None


def _given(row, name: str) -> bool:
    x = row[name]
    return not (x is None or (isinstance(x, float) and math.isnan(x)))


def _choice(row, name: str):
    x = row[name]
    return x if isinstance(x, str) and x in CHOICE_POINTS.get(name, {x: 0}) else None


def _flag(row, name: str):
    x = row[name]
    return None if x is None or (isinstance(x, float) and math.isnan(x)) else bool(x)


def _band(x: float, low: float, high: float) -> int:
    x = _snap(_snap(x, low), high)
    return 1 if x < low else 2 if x <= high else 3


def _grade(x: float, cuts, labels, low_side: bool = True) -> str:
    """Label of x among ascending cuts; a value at a cut takes the lower label when ``low_side``."""
    for cut, label in zip(cuts, labels):
        s = _snap(x, cut)
        if (s <= cut) if low_side else (s < cut):
            return label
    return labels[-1]


def _lower_bound_points(x: float, bounds, points) -> int:
    for bound, p in zip(bounds, points):
        if _snap(x, bound) < bound:
            return p
    return points[-1]


def score_row(row, units) -> dict:
    """Every score of one row (a pandas Series), as value/category pairs in a flat dict."""
    q = {name: _quantity(row, name, units) for name in units if name in row.index}
    out: dict = {}
    bil, alb, lym = q.get("bilirubin"), q.get("albumin"), q.get("lymphocytes")
    sex = row["sex"] if row["sex"] in ("male", "female") else None
    bad_sex = sex is None and _given(row, "sex")
    male = sex == "male"

    asc, enc, inr = _choice(row, "ascites"), _choice(row, "encephalopathy"), q.get("inr")
    if None not in (bil, alb, inr, asc, enc):
        pts = (_band(bil, 34.2, 51.312) + 4 - _band(alb, 28.0, 35.0) + _band(inr, 1.7, 2.3)
               + CHOICE_POINTS["ascites"][asc] + CHOICE_POINTS["encephalopathy"][enc])
        out["child_pugh"], out["child_pugh_class"] = pts, _grade(pts, (6, 9), ("A", "B", "C"))
    if bil is not None and alb is not None and bil > 0:
        albi = 0.66 * math.log10(bil) - 0.085 * alb
        out["albi"], out["albi_grade"] = albi, _grade(albi, (-2.60, -1.39), ("1", "2", "3"))
        out["malbi"], out["malbi_grade"] = albi, _grade(albi, (-2.60, -2.27, -1.39), ("1", "2a", "2b", "3"))
    if bil is not None and alb is not None:
        ez = bil / 17.104 - 9.0 * alb / 10.0
        out["ez_albi"], out["ez_albi_grade"] = ez, _grade(ez, (-34.4, -22.2), ("1", "2", "3"))
    for name, num, den, cut in (("nlr", "neutrophils", "lymphocytes", 4.0), ("plr", "platelets", "lymphocytes", 150.0),
                                ("car", "crp", "albumin", 0.108)):
        n, d = q.get(num), q.get(den)
        if n is not None and d is not None and d > 0:
            out[name], out[f"{name}_group"] = n / d, _grade(n / d, (cut,), ("low", "high"), low_side=False)
    crp = q.get("crp")
    if crp is not None and alb is not None:
        high, low = _snap(crp, 10.0) > 10.0, _snap(alb, 35.0) < 35.0
        out["gps"], out["mgps"] = int(high) + int(low), (1 + int(low)) if high else 0
    chol = q.get("cholesterol")
    if None not in (alb, lym, chol):
        conut = (_lower_bound_points(alb, (25.0, 30.0, 35.0), (6, 4, 2, 0))
                 + _lower_bound_points(lym, (0.8, 1.2, 1.6), (3, 2, 1, 0))
                 + _lower_bound_points(chol, (100.0, 140.0, 180.0), (3, 2, 1, 0)))
        out["conut"], out["conut_category"] = conut, _grade(conut, (1, 4, 8), ("normal", "light", "moderate", "severe"))
    if alb is not None and lym is not None:
        out["pni"] = alb + 5.0 * lym
    w, h = q.get("weight"), q.get("height")
    if None not in (alb, w, h, sex):
        ideal = h - 100.0 - (h - 150.0) / (4.0 if male else 2.5)
        g = 1.489 * alb + 41.7 * min(w / ideal, 1.0)
        s = _snap(_snap(_snap(g, 82.0), 92.0), 98.0)
        out["gnri"] = g
        out["gnri_risk"] = ("major-risk" if s < 82 else "moderate-risk" if s < 92 else "low-risk" if s <= 98
                            else "no-risk")
    area, bia, grip = q.get("muscle_area"), q.get("bia_smi"), q.get("grip_strength")
    if area is not None and h is not None and not bad_sex:
        smi = area / (h / 100.0) ** 2
        out["smi"] = smi
        if sex is not None:
            cut = 42.0 if male else 38.0
            out["smi_category"] = "low" if _snap(smi, cut) < cut else "normal"
    ct, bi, hg = _given(row, "muscle_area"), _given(row, "bia_smi"), _given(row, "height")
    if (sex is not None and grip is not None and ct != bi and (not ct or (area is not None and h is not None))
            and (not bi or (bia is not None and (h is not None or not hg)))):
        mass, cut = (area / (h / 100.0) ** 2, 42.0 if male else 38.0) if area is not None else (bia, 7.0 if male else 5.7)
        low_mass = _snap(mass, cut) < cut
        grip_cut = 26.0 if male else 18.0
        low_grip = _snap(grip, grip_cut) < grip_cut
        out["sarcopenia_jsh"] = ("sarcopenia" if low_grip and low_mass else "low-muscle-mass" if low_mass
                                 else "low-grip-strength" if low_grip else "none")
    items = [_choice(row, k) for k in ("food_intake", "weight_loss", "mobility", "neuropsychological",
                                       "self_rated_health")]
    poly, age = _flag(row, "polypharmacy"), q.get("age")
    if None not in items and None not in (w, h, poly):
        bmi = _snap(_snap(_snap(w / (h / 100.0) ** 2, 19.0), 21.0), 23.0)
        total = sum(CHOICE_POINTS[k][v] for k, v in zip(("food_intake", "weight_loss", "mobility",
                                                          "neuropsychological", "self_rated_health"), items))
        total += (0 if bmi < 19 else 1 if bmi < 21 else 2 if bmi < 23 else 3) + (0.0 if poly else 1.0)
        out["mg8"], out["mg8_category"] = total, "high" if total >= 11 else "low"
        if age is not None:
            a = _snap(_snap(age, 80.0), 85.0)
            total += 0.0 if a > 85 else 1.0 if a >= 80 else 2.0
            out["g8"], out["g8_category"] = total, "abnormal" if total <= 14 else "normal"
    pivka, ehs = q.get("pivka"), _flag(row, "extrahepatic_spread")
    if pivka is not None and ehs is not None:
        points = int(_snap(pivka, 600.0) > 600.0) + int(ehs)
        out["pimet"], out["pimet_group"] = points, ("PIMET-low", "PIMET-int", "PIMET-high")[points]
    tace, stage = _flag(row, "prior_tace"), row["bclc_stage"]
    if None not in (bil, alb, lym, tace) and stage in STAGES and bil > 0:
        pni = _snap(alb + 5.0 * lym, 43.3)
        grade = _grade(0.66 * math.log10(bil) - 0.085 * alb, (-2.60, -1.39), ("1", "2", "3"))
        if pni > 43.3:
            out["lep"] = "low" if tace else "medium"
        elif grade == "2":
            out["lep"] = "high"
        elif grade == "1" and stage in ("B", "C"):
            out["lep"] = "medium" if stage == "B" else "high"
    count, size = row["tumour_count"], q.get("largest_tumour")
    mvi, ecog, liver = _flag(row, "macrovascular_invasion"), row["ecog"], row["liver_function"]
    if (None not in (size, mvi, ehs) and not math.isnan(count) and not math.isnan(ecog) and 1 <= count <= 1000
            and 0 <= ecog <= 4 and liver in ("preserved", "impaired", "end-stage") and size > 0):
        size = _snap(_snap(size, 20.0), 30.0)
        if liver == "end-stage" or ecog >= 3:
            out["bclc"] = "D"
        elif mvi or ehs or 1 <= ecog <= 2:
            out["bclc"] = "C"
        elif count == 1 and size <= 20.0:
            out["bclc"] = "0"
        elif count == 1 or (count <= 3 and size <= 30.0):
            out["bclc"] = "A"
        else:
            out["bclc"] = "B"
    return out
