"""Post-progression survival (PPS) with subsequent therapy, by era (MODELLING.md section 2) - a proposal.

Overall survival is time to progression plus post-progression survival. PPS depends on the patient's
prognosis at progression and on the subsequent systemic therapy received, whose availability changed
between REFLECT (enrolment 2013-2015, before any approved second-line drug) and LEAP-002 (2018-2020, with
regorafenib, cabozantinib, ramucirumab and anti-PD-1 antibodies available). This module holds the pieces as
pure functions; :func:`lenvici.sim.trials.run_trial` does not call them yet (see the module's section in
``docs/trials.md`` and the wiring note in the issue-6 report).

Model, per progressing patient ``i`` with prognostic linear predictor ``lp_i`` (the model's ``beta_*`` terms):

- **who receives subsequent therapy** (:func:`assign_subsequent_therapy`): the arm's published share ``s``,
  given to the patients ranked fittest on a latent score ``z_i = -rho * lp_i / sd(lp) + sqrt(1 - rho^2) * e_i``
  (``e_i`` standard normal). ``rho`` expresses that fitter patients (better liver function and performance
  status at progression) are the ones who can be treated: in a Japanese cohort progressing on sorafenib,
  second-line candidates lived a median 12.6 months after progression versus 3.0 months for non-candidates
  (Hepatol Res 2019;49:1054-1065, PMID 31033165). The REFLECT post hoc analysis (Alsina A et al. Liver Cancer
  2020;9:93-104) shows the same gap - OS 20.8 vs 11.5 months (lenvatinib arm) and 17.0 vs 9.1 months
  (sorafenib arm) with vs without subsequent anticancer medication - which is selection plus treatment, not
  treatment alone; only randomised second-line trials give the causal part.
- **the causal effect** (:func:`class_hazard_ratio`): the hazard ratio of death of the therapy class against
  placebo from the second-line randomised trials in :data:`SECOND_LINE_TRIALS`, pooled within a class by
  inverse-variance weighting of log hazard ratios (:func:`pooled_hazard_ratio`).
- **the rate** (:func:`post_progression_rate`): exponential PPS with rate
  ``ln 2 / (median_untreated * 30.4375) * exp(lp_i) * HR_i`` per day, ``HR_i = 1`` without subsequent therapy;
  ``median_untreated`` defaults to the mean placebo-arm OS of the three targeted second-line trials
  (:data:`UNTREATED_PPS_MEDIAN_MONTHS`), i.e. the post-progression survival of trial-eligible patients given
  best supportive care.

Status of the numbers: the second-line hazard ratios and placebo medians are the published values **as
recalled by the curator** (status ``recalled``) - the searchable sources did not reach the papers' text during
this work; verify before relying on them. The REFLECT and candidate/non-candidate figures above were read in
the abstracts.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import numpy as np

from lenvici.errors import InputError

__all__ = ["SecondLineTrial", "SECOND_LINE_TRIALS", "THERAPY_CLASSES", "UNTREATED_PPS_MEDIAN_MONTHS",
           "pooled_hazard_ratio", "class_hazard_ratio", "assign_subsequent_therapy", "draw_therapy_class",
           "post_progression_rate"]

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


#: Second-line trials after sorafenib (hazard ratios of death vs placebo). Values: recalled, not re-read.
SECOND_LINE_TRIALS: tuple[SecondLineTrial, ...] = (
    SecondLineTrial("RESORCE", "regorafenib", "tki", 0.63, (0.50, 0.79), 7.8,
                    "Bruix J et al. Lancet 2017;389:56-66 (OS 10.6 vs 7.8 months)"),
    SecondLineTrial("CELESTIAL", "cabozantinib", "tki", 0.76, (0.63, 0.92), 8.0,
                    "Abou-Alfa GK et al. N Engl J Med 2018;379:54-63 (OS 10.2 vs 8.0 months)"),
    SecondLineTrial("REACH-2", "ramucirumab", "anti_vegfr2", 0.71, (0.531, 0.949), 7.3,
                    "Zhu AX et al. Lancet Oncol 2019;20:282-296 (AFP >= 400 ng/mL; OS 8.5 vs 7.3 months)"),
    SecondLineTrial("KEYNOTE-240", "pembrolizumab", "anti_pd1", 0.781, (0.611, 0.998), 10.6,
                    "Finn RS et al. J Clin Oncol 2020;38:193-202 (OS 13.9 vs 10.6 months)"),
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


def assign_subsequent_therapy(lp, share: float, e, rho: float = 0.5) -> np.ndarray:
    """Which progressing patients receive subsequent therapy: exactly ``round(share * N)`` of them, those with
    the highest latent fitness ``z = -rho * lp / sd(lp) + sqrt(1 - rho^2) * e``.

    ``lp``: (N,) prognostic linear predictors (higher = worse); ``e``: (N,) standard-normal draws (the
    caller's seeded stream); ``rho`` in [0, 1]: 0 assigns at random, 1 strictly by prognosis. ``rho = 0.5`` is
    an assumption: the candidate/non-candidate gap (12.6 vs 3.0 months) shows strong selection, but its size
    is confounded by the same prognostic factors the model already carries in ``lp``."""
    lp = np.asarray(lp, dtype=float)
    e = np.asarray(e, dtype=float)
    if lp.shape != e.shape or lp.ndim != 1:
        raise InputError("lp and e must be 1-d arrays of the same length", field="lp")
    if not (np.all(np.isfinite(lp)) and np.all(np.isfinite(e))):
        raise InputError("lp and e must be finite", field="lp")
    if not 0.0 <= share <= 1.0:
        raise InputError(f"share must be in [0, 1]; got {share}", field="share")
    if not 0.0 <= rho <= 1.0:
        raise InputError(f"rho must be in [0, 1]; got {rho}", field="rho")
    n = lp.size
    k = int(round(share * n))
    out = np.zeros(n, dtype=bool)
    if k == 0:
        return out
    sd = lp.std()
    z = -rho * (lp - lp.mean()) / (sd if sd > 0 else 1.0) + math.sqrt(1.0 - rho * rho) * e
    out[np.argsort(-z, kind="stable")[:k]] = True
    return out


def draw_therapy_class(u, mix: Mapping[str, float]) -> np.ndarray:
    """Therapy class per treated patient from uniform draws ``u`` and the arm's class mix (shares summing
    to 1; e.g. ``{"tki": 0.6, "anti_pd1": 0.4}``), by inverse CDF in the mix's sorted key order."""
    if not mix:
        raise InputError("empty subsequent-therapy mix", field="mix")
    bad = set(mix) - set(THERAPY_CLASSES)
    if bad:
        raise InputError(f"unknown therapy classes {sorted(bad)}", field="mix")
    keys = sorted(mix)
    p = np.array([float(mix[k]) for k in keys])
    if np.any(~np.isfinite(p)) or np.any(p < 0) or abs(p.sum() - 1.0) > 1e-6:
        raise InputError(f"mix shares must be non-negative and sum to 1; got {dict(mix)}", field="mix")
    u = np.asarray(u, dtype=float)
    if np.any(~np.isfinite(u)) or np.any((u < 0) | (u >= 1)):
        raise InputError("u must be uniform draws in [0, 1)", field="u")
    idx = np.searchsorted(np.cumsum(p), u, side="right")
    return np.array(keys, dtype=object)[np.minimum(idx, len(keys) - 1)]


def post_progression_rate(lp, hr, median_untreated_months: float = UNTREATED_PPS_MEDIAN_MONTHS) -> np.ndarray:
    """Exponential post-progression death rate (1/day): ``ln 2 / (median * 30.4375) * exp(lp) * hr``.

    ``hr`` is 1 for patients without subsequent therapy and the class hazard ratio otherwise."""
    med = _finite_positive(median_untreated_months, "median_untreated_months")
    lp = np.asarray(lp, dtype=float)
    hr = np.broadcast_to(np.asarray(hr, dtype=float), lp.shape)
    if not (np.all(np.isfinite(lp)) and np.all(np.isfinite(hr)) and np.all(hr > 0)):
        raise InputError("lp must be finite and hr finite and positive", field="hr")
    return math.log(2.0) / (med * _DAYS_PER_MONTH) * np.exp(lp) * hr
