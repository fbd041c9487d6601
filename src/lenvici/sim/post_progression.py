"""Post-progression survival (PPS): subsequent therapy and the era of the trial (MODELLING.md section 2).

Overall survival is time to progression plus post-progression survival. :func:`lenvici.sim.trials.run_trial`
draws PPS per progressing patient as an exponential with rate :func:`post_progression_rate`:
``ln 2 / (M * 30.4375) * exp(lp) * HR`` per day, where

- ``lp`` is the patient's prognostic linear predictor (the model's ``beta_*`` log-hazard ratios);
- ``HR`` is 1 without subsequent therapy and :data:`SUBSEQUENT_THERAPY_HR` with it — the hazard ratio of
  death of second-line drugs against placebo, pooled (fixed effect, inverse variance,
  :func:`pooled_hazard_ratio`) over the randomised second-line trials :data:`SECOND_LINE_TRIALS`; who
  receives subsequent therapy is drawn with the arm's published share (the protocol's
  ``subsequent_therapy``);
- ``M`` is the median PPS without subsequent therapy at the reference covariates,
  ``TrialSettings.pps_median_months`` (default :data:`UNTREATED_PPS_MEDIAN_MONTHS`: the mean placebo-arm OS
  of the targeted second-line trials, i.e. PPS of trial-eligible patients on best supportive care), times
  the **era factor** :func:`era_factor` of the trial's enrolment.

The era factor. PPS grew between the sorafenib era and the immunotherapy era (more and better later lines,
supportive care, selection of trial patients). :func:`era_trend` estimates the growth as a log-linear trend
of PPS against the middle year of enrolment, fitted to the sorafenib control arms of first-line randomised
trials curated from the review (SHARP, REFLECT, CheckMate 459, HIMALAYA; ``data/sim/pps_era.yaml``), PPS of
an arm approximated by median OS minus median PFS (TTP for SHARP). Control arms on one drug isolate the era
from the first-line drug. LEAP-002 (validation) and KEYNOTE-524 (a calibration target) do not enter the fit.
The factor is ``exp(slope * (year - reference_year))`` with ``reference_year`` the era of ``M``'s source.
A difference of medians is only a proxy for the median PPS (exact for exponential times, not in general),
and four points give a rough slope: its standard error is reported by :func:`era_trend`.

Status of the numbers: the second-line hazard ratios and placebo medians are the published values **as
recalled by the curator** (status ``recalled``) — verify before relying on them; the control arms' OS/PFS
come from the curated study records; their enrolment dates are recalled except REFLECT's (sourced).
"""

from __future__ import annotations

import math
import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

import numpy as np
import yaml

from lenvici.errors import InputError

__all__ = ["SecondLineTrial", "SECOND_LINE_TRIALS", "THERAPY_CLASSES", "UNTREATED_PPS_MEDIAN_MONTHS",
           "SUBSEQUENT_THERAPY_HR", "pooled_hazard_ratio", "class_hazard_ratio", "post_progression_rate",
           "EraTrend", "era_trend", "era_factor", "decimal_year"]

_DAYS_PER_MONTH = 30.4375
_Z975 = 1.959963984540054


@dataclass(frozen=True)
class SecondLineTrial:
    """One randomised second-line trial against placebo: the OS hazard ratio (95 % CI) of the drug and the
    placebo arm's median OS (months, from randomisation after first-line failure)."""

    name: str
    drug: str
    therapy_class: str
    hr: float
    ci: tuple[float, float]
    placebo_median_months: float
    source: str
    status: str = "recalled"


#: Second-line trials after sorafenib (hazard ratios of death vs placebo). Values recalled, not re-read, except
#: KEYNOTE-240's (read in the abstract).
SECOND_LINE_TRIALS: tuple[SecondLineTrial, ...] = (
    SecondLineTrial("RESORCE", "regorafenib", "tki", 0.63, (0.50, 0.79), 7.8,
                    "Bruix J et al. Lancet 2017;389:56-66 (OS 10.6 vs 7.8 months)"),
    SecondLineTrial("CELESTIAL", "cabozantinib", "tki", 0.76, (0.63, 0.92), 8.0,
                    "Abou-Alfa GK et al. N Engl J Med 2018;379:54-63 (OS 10.2 vs 8.0 months)"),
    SecondLineTrial("REACH-2", "ramucirumab", "anti_vegfr2", 0.71, (0.531, 0.949), 7.3,
                    "Zhu AX et al. Lancet Oncol 2019;20:282-296 (AFP >= 400 ng/mL; OS 8.5 vs 7.3 months)"),
    SecondLineTrial("KEYNOTE-240", "pembrolizumab", "anti_pd1", 0.781, (0.611, 0.998), 10.6,
                    "Finn RS et al. J Clin Oncol 2020;38:193-202, abstract: OS 13.9 vs 10.6 months, "
                    "HR 0.781 (95% CI 0.611-0.998)", status="sourced"),
)

#: Therapy classes a protocol's subsequent-therapy mix may name.
THERAPY_CLASSES = tuple(sorted({t.therapy_class for t in SECOND_LINE_TRIALS}))

#: Median PPS of trial-eligible patients on best supportive care: mean placebo-arm OS of the targeted-agent
#: second-line trials (RESORCE 7.8, CELESTIAL 8.0, REACH-2 7.3 months; KEYNOTE-240's placebo arm allowed
#: later therapy and is left out).
UNTREATED_PPS_MEDIAN_MONTHS = round((7.8 + 8.0 + 7.3) / 3.0, 2)


def _finite_positive(x: float, field: str) -> float:
    x = float(x)
    if not math.isfinite(x) or x <= 0.0:
        raise InputError(f"{field} must be a finite positive number; got {x!r}", field=field)
    return x


def pooled_hazard_ratio(trials: Iterable[SecondLineTrial]) -> tuple[float, tuple[float, float]]:
    """Fixed-effect inverse-variance pooled hazard ratio and 95 % CI of ``trials``.

    Each log hazard ratio's standard error is read from its CI, ``(ln hi - ln lo) / (2 * 1.96)``
    (symmetric on the log scale)."""
    trials = list(trials)
    if not trials:
        raise InputError("no trials to pool", field="trials")
    w_sum = wx_sum = 0.0
    for t in trials:
        hr, lo, hi = (_finite_positive(v, "hr") for v in (t.hr, *t.ci))
        if not lo < hr < hi:
            raise InputError(f"{t.name}: CI {t.ci} does not bracket HR {t.hr}", field="ci")
        se = (math.log(hi) - math.log(lo)) / (2.0 * _Z975)
        w = 1.0 / se**2
        w_sum += w
        wx_sum += w * math.log(hr)
    m, se = wx_sum / w_sum, math.sqrt(1.0 / w_sum)
    return math.exp(m), (math.exp(m - _Z975 * se), math.exp(m + _Z975 * se))


def class_hazard_ratio(therapy_class: str) -> float:
    """Pooled second-line hazard ratio of death for ``therapy_class`` (one of :data:`THERAPY_CLASSES`)."""
    trials = [t for t in SECOND_LINE_TRIALS if t.therapy_class == therapy_class]
    if not trials:
        raise InputError(f"unknown therapy class {therapy_class!r}; known: {', '.join(THERAPY_CLASSES)}",
                         field="therapy_class")
    return pooled_hazard_ratio(trials)[0]


def post_progression_rate(lp, hr, median_untreated_months: float = UNTREATED_PPS_MEDIAN_MONTHS) -> np.ndarray:
    """Exponential post-progression death rate (1/day): ``ln 2 / (median * 30.4375) * exp(lp) * hr``.

    ``hr`` is 1 for patients without subsequent therapy and the class hazard ratio otherwise."""
    med = _finite_positive(median_untreated_months, "median_untreated_months")
    lp = np.asarray(lp, dtype=float)
    hr = np.broadcast_to(np.asarray(hr, dtype=float), lp.shape)
    if not (np.all(np.isfinite(lp)) and np.all(np.isfinite(hr)) and np.all(hr > 0)):
        raise InputError("lp must be finite and hr finite and positive", field="hr")
    return math.log(2.0) / (med * _DAYS_PER_MONTH) * np.exp(lp) * hr


#: Hazard ratio of death after progression with vs without subsequent systemic therapy: every second-line
#: trial of :data:`SECOND_LINE_TRIALS` pooled (fixed effect, inverse variance).
SUBSEQUENT_THERAPY_HR = round(pooled_hazard_ratio(SECOND_LINE_TRIALS)[0], 4)

_ERA_FILE = resources.files("lenvici") / "data" / "sim" / "pps_era.yaml"


def decimal_year(date: dt.date | str) -> float:
    """``2014-07-02`` → 2014.5 (day of the year over the year's length)."""
    d = date if isinstance(date, dt.date) else dt.date.fromisoformat(str(date))
    start = dt.date(d.year, 1, 1)
    return d.year + (d - start).days / (dt.date(d.year + 1, 1, 1) - start).days


@dataclass(frozen=True)
class EraTrend:
    """Log-linear trend of post-progression survival with the enrolment year.

    ``slope`` (per year, on the log scale) with its standard error ``se`` (ordinary least squares),
    ``reference_year`` (the era of ``TrialSettings.pps_median_months``), and the points it was fitted to:
    ``(study, middle year of enrolment, PPS proxy in months)``.
    """

    slope: float
    se: float
    reference_year: float
    points: tuple[tuple[str, float, float], ...]

    def factor(self, year: float) -> float:
        """Multiplier of the median PPS for a trial enrolling around ``year``."""
        return math.exp(self.slope * (float(year) - self.reference_year))


@lru_cache(maxsize=1)
def era_trend() -> EraTrend:
    """Fit :class:`EraTrend` to the control arms of ``data/sim/pps_era.yaml`` (OS and PFS/TTP medians read
    from the curated study records, :func:`lenvici.knowledge.load_studies`)."""
    from lenvici.knowledge import load_studies

    spec = yaml.safe_load(_ERA_FILE.read_text(encoding="utf-8"))
    studies = {s.id: s for s in load_studies()}
    points = []
    for entry in spec["arms"]:
        study = studies[entry["study"]]
        arm = next(a for a in study.arms if a.label == entry["arm"])
        os_m = arm.os_median.months
        prog_m = getattr(arm, entry["progression_endpoint"]).months
        if os_m is None or prog_m is None or os_m <= prog_m:
            raise InputError(f"{entry['study']}/{entry['arm']}: needs OS and progression medians with OS longer",
                             field="arms")
        mid = 0.5 * (decimal_year(entry["enrolment"]["start"]) + decimal_year(entry["enrolment"]["end"]))
        points.append((entry["study"], round(mid, 4), round(os_m - prog_m, 4)))
    x = np.array([p[1] for p in points])
    y = np.log([p[2] for p in points])
    xc = x - x.mean()
    slope = float(xc @ (y - y.mean()) / (xc @ xc))
    resid = y - y.mean() - slope * xc
    se = float(math.sqrt(resid @ resid / (x.size - 2) / (xc @ xc))) if x.size > 2 else float("nan")
    return EraTrend(slope, se, float(spec["reference_year"]), tuple(points))


def era_factor(enrolment_mid_year: float | None) -> float:
    """:meth:`EraTrend.factor` of :func:`era_trend`; 1 when the enrolment year is unknown (an in-silico
    experiment without an era keeps the reference era)."""
    if enrolment_mid_year is None:
        return 1.0
    return era_trend().factor(enrolment_mid_year)
