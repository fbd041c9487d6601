"""A seeded synthetic cohort of patients with unresectable HCC, for tests and benchmarks.

The distributions are chosen to look like the lenvatinib cohorts of the review (mostly older men with
cirrhosis and preserved liver function; Japanese multicentre series such as Tada 2020 and Hiraoka 2019):
age about 72 ± 9 years, 80 % men, median bilirubin 0.8 mg/dL, albumin 3.7 ± 0.45 g/dL, 85 % without
ascites, platelets around 14 × 10⁴/µL, skewed AFP and PIVKA-II, ECOG-PS mostly 0. They are plausible,
not fitted: the generator exists to exercise every score, every unit conversion and every cut-off.

Values are rounded to the precision a laboratory reports (albumin 0.1 g/dL, bilirubin 0.1 mg/dL, INR
0.01, …), so many rows sit *exactly* on published cut-offs once converted (3.5 g/dL = 35 g/L), which is
where a batch implementation is most likely to part from the per-patient one. The units of the frame are
:data:`SYNTHETIC_UNITS`: the units the clinic writes, not the canonical ones, so conversions are exercised.

``missing`` and ``invalid`` blank out or spoil that fraction of the cells of every input column (nulls;
out-of-range numbers and unknown category labels) to exercise the error paths.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

import numpy as np
import polars as pl

from lenvici.clinical._cohort_fields import enum_from_codes
from lenvici.clinical.scores.geriatric import G8_ITEMS
from lenvici.clinical.scores.lenvatinib_models import BCLC_STAGES
from lenvici.clinical.scores.liver import ASCITES_POINTS, ENCEPHALOPATHY_POINTS
from lenvici.clinical.scores.nutrition import SEXES
from lenvici.clinical.staging import LIVER_FUNCTION_LEVELS, bclc_kernel
from lenvici.errors import InputError

__all__ = ["SYNTHETIC_UNITS", "INVALID_LABEL", "synthetic_cohort"]

#: The units of :func:`synthetic_cohort`'s quantity columns.
SYNTHETIC_UNITS: Mapping[str, str] = MappingProxyType({
    "bilirubin": "mg/dL", "albumin": "g/dL", "inr": "1", "crp": "mg/dL", "cholesterol": "mg/dL",
    "neutrophils": "/uL", "lymphocytes": "/uL", "platelets": "10*4/uL", "afp": "ng/mL", "pivka": "mAU/mL",
    "ggt": "U/L", "weight": "kg", "height": "cm", "age": "a", "largest_tumour": "mm", "muscle_area": "cm2",
    "grip_strength": "kg", "bia_smi": "kg/m2",
})

#: The category label the generator writes into a spoilt categorical cell.
INVALID_LABEL = "not-a-category"

_CHOICES = {
    "ascites": (tuple(ASCITES_POINTS), (0.85, 0.12, 0.03)),
    "encephalopathy": (tuple(ENCEPHALOPATHY_POINTS), (0.97, 0.027, 0.003)),
    "liver_function": (LIVER_FUNCTION_LEVELS, (0.85, 0.13, 0.02)),
    "food_intake": (tuple(G8_ITEMS["food_intake"]), (0.08, 0.27, 0.65)),
    "weight_loss": (tuple(G8_ITEMS["weight_loss"]), (0.15, 0.10, 0.25, 0.50)),
    "mobility": (tuple(G8_ITEMS["mobility"]), (0.04, 0.11, 0.85)),
    "neuropsychological": (tuple(G8_ITEMS["neuropsychological"]), (0.03, 0.17, 0.80)),
    "self_rated_health": (tuple(G8_ITEMS["self_rated_health"]), (0.35, 0.10, 0.45, 0.10)),
}
_FLAGS = {"macrovascular_invasion": 0.20, "extrahepatic_spread": 0.30, "prior_tace": 0.45, "polypharmacy": 0.45}
# Out-of-range values written into spoilt numeric cells (in SYNTHETIC_UNITS).
_SPOILT = {"bilirubin": 200.0, "albumin": 0.2, "inr": 40.0, "crp": 1000.0, "cholesterol": 5.0,
           "neutrophils": 900000.0, "lymphocytes": -5.0, "platelets": 0.01, "afp": -1.0, "pivka": -1.0,
           "ggt": 1e6, "weight": 500.0, "height": 20.0, "age": 150.0, "largest_tumour": 900.0,
           "muscle_area": 1.0, "grip_strength": 400.0, "bia_smi": 80.0, "ecog": 7, "tumour_count": 0}


def _lognormal(rng: np.random.Generator, median: float, sigma: float, n: int, low: float, high: float) -> np.ndarray:
    return np.clip(median * np.exp(sigma * rng.standard_normal(n)), low, high)


def _by_sex(rng, male, men: tuple[float, float], women: tuple[float, float], n: int) -> np.ndarray:
    mean = np.where(male, men[0], women[0])
    sd = np.where(male, men[1], women[1])
    return mean + sd * rng.standard_normal(n)


def _numbers(rng: np.random.Generator, n: int, male: np.ndarray) -> dict[str, np.ndarray]:
    height = np.round(np.clip(_by_sex(rng, male, (166.0, 7.0), (153.0, 6.0), n), 135.0, 200.0), 1)
    bmi = np.clip(22.5 + 3.2 * rng.standard_normal(n), 14.0, 40.0)
    ct = rng.random(n) < 0.7  # CT muscle area for 70 %, bioimpedance SMI for the rest
    muscle = np.round(np.clip(_by_sex(rng, male, (130.0, 22.0), (90.0, 15.0), n), 40.0, 250.0), 1)
    bia = np.round(np.clip(_by_sex(rng, male, (7.2, 0.9), (5.9, 0.7), n), 3.0, 12.0), 1)
    return {
        "age": np.round(np.clip(72.0 + 9.0 * rng.standard_normal(n), 30.0, 95.0)),
        "height": height,
        "weight": np.round(bmi * (height / 100.0) ** 2, 1),
        "bilirubin": np.round(_lognormal(rng, 0.8, 0.45, n, 0.1, 25.0), 1),
        "albumin": np.round(np.clip(3.7 + 0.45 * rng.standard_normal(n), 1.5, 5.5), 1),
        "inr": np.round(_lognormal(rng, 1.08, 0.1, n, 0.8, 4.0), 2),
        "crp": np.round(_lognormal(rng, 0.25, 1.2, n, 0.01, 30.0), 2),
        "cholesterol": np.round(np.clip(165.0 + 35.0 * rng.standard_normal(n), 60.0, 400.0)),
        "neutrophils": np.round(_lognormal(rng, 3000.0, 0.4, n, 300.0, 30000.0), -1),
        "lymphocytes": np.round(_lognormal(rng, 1200.0, 0.45, n, 100.0, 8000.0), -1),
        "platelets": np.round(_lognormal(rng, 14.0, 0.45, n, 1.0, 80.0), 1),
        "afp": np.round(_lognormal(rng, 30.0, 2.5, n, 0.5, 1e6), 1),
        "pivka": np.round(_lognormal(rng, 200.0, 2.2, n, 5.0, 1e6)),
        "ggt": np.round(_lognormal(rng, 70.0, 0.8, n, 5.0, 2000.0)),
        "largest_tumour": np.round(_lognormal(rng, 40.0, 0.7, n, 5.0, 250.0)),
        "muscle_area": np.where(ct, muscle, np.nan),
        "grip_strength": np.round(np.clip(_by_sex(rng, male, (30.0, 7.0), (19.0, 5.0), n), 3.0, 70.0), 1),
        "bia_smi": np.where(ct, np.nan, bia),
    }


def synthetic_cohort(n: int, seed: int | np.random.Generator = 0, *, missing: float = 0.0,
                     invalid: float = 0.0) -> pl.DataFrame:
    """``n`` synthetic patients with every input of every score, in :data:`SYNTHETIC_UNITS`.

    Parameters
    ----------
    n
        Number of patients (rows).
    seed
        Seed or NumPy ``Generator``; the same seed gives the same frame.
    missing, invalid
        Fraction (0–1) of each input column's cells made null, and made invalid (out of range or an
        unknown label), independently.

    Returns
    -------
    polars.DataFrame
        ``patient`` (``P0000001`` …), the quantity columns (Float64), the categorical ones (Enum), the flags
        (Boolean), ``ecog`` and ``tumour_count`` (Int16), and ``bclc_stage`` (the stage of the row's own
        tumour burden, ECOG and liver function).

    Examples
    --------
    >>> synthetic_cohort(3, seed=1).height
    3
    """
    if n < 0:
        raise InputError(f"n must be at least 0; got {n}", "n")
    for name, fraction in (("missing", missing), ("invalid", invalid)):
        if not 0.0 <= fraction <= 1.0:
            raise InputError(f"{name!r} must be a fraction in [0, 1]; got {fraction!r}", name)
    rng = seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)
    male = rng.random(n) < 0.8
    numbers = _numbers(rng, n, male)
    codes = {name: rng.choice(len(labels), size=n, p=probs) for name, (labels, probs) in _CHOICES.items()}
    flags = {name: rng.random(n) < p for name, p in _FLAGS.items()}
    ecog = rng.choice(5, size=n, p=(0.65, 0.28, 0.05, 0.015, 0.005))
    count = np.where(rng.random(n) < 0.35, 1, np.minimum(2 + rng.geometric(0.25, n), 50))
    stage = bclc_kernel(count, numbers["largest_tumour"], flags["macrovascular_invasion"],
                        flags["extrahepatic_spread"], ecog, codes["liver_function"])

    patient = pl.select(pl.format("P{}", pl.int_range(1, n + 1, eager=False).cast(pl.String).str.zfill(7)))
    columns: list[pl.Series] = [patient.to_series().alias("patient") if n else pl.Series("patient", [], pl.String)]
    for name, values in numbers.items():
        columns.append(pl.Series(name, _spoil(rng, values, _SPOILT[name], missing, invalid), nan_to_null=True))
    codes["sex"] = np.where(male, SEXES.index("male"), SEXES.index("female"))
    codes["bclc_stage"] = stage
    labels = {**{k: v[0] for k, v in _CHOICES.items()}, "sex": SEXES, "bclc_stage": BCLC_STAGES}
    for name in ("sex", *_CHOICES, "bclc_stage"):
        columns.append(_categorical(rng, name, codes[name], labels[name], missing, invalid))
    for name, values in flags.items():
        series = pl.Series(name, values)
        columns.append(series.scatter(_cells(rng, n, missing), None) if missing else series)
    for name, values in (("ecog", ecog), ("tumour_count", count)):
        spoilt = _spoil(rng, values.astype(np.float64), float(_SPOILT[name]), missing, invalid)
        columns.append(pl.Series(name, spoilt, nan_to_null=True).cast(pl.Int16))
    return pl.DataFrame(columns)


def _cells(rng: np.random.Generator, n: int, fraction: float) -> np.ndarray:
    return np.flatnonzero(rng.random(n) < fraction)


def _spoil(rng, values: np.ndarray, bad: float, missing: float, invalid: float) -> np.ndarray:
    out = values.astype(np.float64)
    if invalid:
        out[_cells(rng, len(out), invalid)] = bad
    if missing:
        out[_cells(rng, len(out), missing)] = np.nan
    return out


def _categorical(rng, name: str, codes: np.ndarray, labels: tuple[str, ...], missing: float,
                 invalid: float) -> pl.Series:
    categories = [*labels, INVALID_LABEL]
    physical = codes.astype(np.uint32)
    if invalid:
        physical[_cells(rng, len(physical), invalid)] = len(labels)
    series = enum_from_codes(name, physical.astype(np.int16), tuple(categories))
    return series.scatter(_cells(rng, len(series), missing), None) if missing else series
