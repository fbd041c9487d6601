"""Effect sizes and their sampling variances, with metafor's ``escalc`` definitions.

Single proportions from events ``xi`` out of ``ni``:

=======  ==========================================  =================================
measure  yᵢ                                          vᵢ
=======  ==========================================  =================================
``PR``   p = x/n                                     p(1 − p)/n
``PLO``  log(p/(1 − p))                              1/x + 1/(n − x)
``PAS``  arcsin √p                                   1/(4n)
``PFT``  ½[arcsin √(x/(n+1)) + arcsin √((x+1)/(n+1))]  1/(4n + 2)
=======  ==========================================  =================================

Two groups, ``ai`` events of ``n1i`` against ``ci`` of ``n2i`` (bᵢ = n1ᵢ − aᵢ, dᵢ = n2ᵢ − cᵢ):
``OR`` log odds ratio (vᵢ = 1/a + 1/b + 1/c + 1/d), ``RR`` log risk ratio (vᵢ = 1/a − 1/n₁ + 1/c − 1/n₂),
``RD`` risk difference (vᵢ = p₁(1 − p₁)/n₁ + p₂(1 − p₂)/n₂).

Continuity correction as metafor's defaults (``add=1/2, to="only0"``): ½ is added to every cell of a study
with a zero cell — for ``PR``, ``PLO``, ``OR``, ``RR`` and ``RD`` — and nothing for ``PAS`` and ``PFT``
(metafor sets ``add=0`` for them). Studies with no events in either arm are kept and corrected
(metafor's ``drop00=FALSE``); ``drop00=True`` drops them, and studies where every patient in both arms
had the event, and the result lists the dropped positions.

Reported results: a generic outcome with its variance or standard error (``GEN``); a ratio with its
confidence interval, analysed on the log scale with SE = (ln U − ln L)/(2 z₁₋α/₂) (z = 1.959964 for 95%);
a median with its CI on the log scale (``MEDLN``) and the log ratio of two independent medians by the
delta method (``ROMED``).

References
----------
Viechtbauer W. Conducting meta-analyses in R with the metafor package. J Stat Softw 2010;36(3):1–48,
doi:10.18637/jss.v036.i03 (``escalc``).
Freeman MF, Tukey JW. Transformations related to the angular and the square root. Ann Math Stat
1950;21:607–611, doi:10.1214/aoms/1177729756 (PFT).
Altman DG, Bland JM. How to obtain the confidence interval from a P value. BMJ 2011;343:d2090,
doi:10.1136/bmj.d2090 (standard error from a ratio's confidence interval).
McGrath S, Zhao X, Qin ZZ, Steele R, Benedetti A. One-sample aggregate data meta-analysis of medians.
Stat Med 2019;38:969–984, doi:10.1002/sim.8013.
McGrath S, Sohn H, Steele R, Benedetti A. Meta-analysis of the difference of medians. Biom J
2020;62:69–98, doi:10.1002/bimj.201900036 (two-sample medians; the ratio here is its log-scale form).
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass

import numpy as np
from scipy.stats import norm

from lenvici.errors import InputError, InputWarning
from lenvici.evidence.meta._validate import (
    as_vector,
    check_choice,
    check_counts,
    check_level,
    check_positive,
    same_length,
)

__all__ = [
    "PROPORTION_MEASURES",
    "TWO_GROUP_MEASURES",
    "RATIO_MEASURES",
    "EffectSizes",
    "escalc",
    "proportion",
    "two_group",
    "generic",
    "from_ratio_ci",
    "log_median",
    "ratio_of_medians",
]

PROPORTION_MEASURES = ("PR", "PLO", "PAS", "PFT")
TWO_GROUP_MEASURES = ("OR", "RR", "RD")
#: Measures analysed as logarithms of a positive ratio or quantity (back-transformed with exp).
RATIO_MEASURES = ("OR", "RR", "HR", "IRR", "ROM", "MEDLN", "ROMED")
_TO = ("only0", "all", "if0all", "none")


def _frozen(a: np.ndarray) -> np.ndarray:
    a = np.array(a, dtype=float)
    a.flags.writeable = False
    return a


@dataclass(frozen=True, eq=False)
class EffectSizes:
    """Outcomes ``yi`` and sampling variances ``vi`` of k studies on the scale of ``measure``.

    ``ni`` holds the unadjusted total sample sizes where the measure has them (metafor's ``attr(yi, "ni")``,
    which the PFT back-transformation needs); ``corrected`` flags the studies that received the continuity
    correction; ``dropped`` lists input positions left out (``drop00``); ``notes`` records warnings.
    """

    yi: np.ndarray
    vi: np.ndarray
    measure: str
    ni: np.ndarray | None = None
    corrected: np.ndarray | None = None
    dropped: tuple[int, ...] = ()
    study: tuple[str, ...] | None = None
    notes: tuple[str, ...] = ()

    @property
    def k(self) -> int:
        """Number of studies."""
        return int(self.yi.size)

    @property
    def sei(self) -> np.ndarray:
        """Standard errors √vᵢ."""
        return np.sqrt(self.vi)

    def summary(self) -> list[dict]:
        """One dict per study: study, yi, vi, sei (and ni, corrected where known)."""
        rows = []
        for i in range(self.k):
            row = {"study": self.study[i] if self.study else str(i + 1),
                   "yi": float(self.yi[i]), "vi": float(self.vi[i]), "sei": float(math.sqrt(self.vi[i]))}
            if self.ni is not None:
                row["ni"] = float(self.ni[i])
            if self.corrected is not None:
                row["corrected"] = bool(self.corrected[i])
            rows.append(row)
        return rows

    def __repr__(self) -> str:
        lines = [f"EffectSizes(measure={self.measure!r}, k={self.k})"]
        for row in self.summary():
            flag = " *" if row.get("corrected") else ""
            lines.append(f"  {row['study']:>12}  yi={row['yi']: .6f}  vi={row['vi']:.6f}{flag}")
        if self.corrected is not None and self.corrected.any():
            lines.append("  * continuity correction applied")
        if self.dropped:
            lines.append(f"  dropped input positions: {list(self.dropped)}")
        return "\n".join(lines)


def _study_labels(study, k: int, keep: np.ndarray | None = None) -> tuple[str, ...] | None:
    if study is None:
        return None
    labels = tuple(str(s) for s in study)
    if len(labels) != k:
        raise InputError(f"'study' must have one label per study ({k}); got {len(labels)}", "study")
    if keep is not None:
        labels = tuple(s for s, kp in zip(labels, keep) if kp)
    return labels


def _check_finite_result(yi, vi, measure):
    bad = ~(np.isfinite(yi) & np.isfinite(vi)) | (vi <= 0)
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise InputError(f"{measure} is undefined for study {i + 1} (yi={yi[i]}, vi={vi[i]}); "
                         "a zero cell needs a continuity correction (add > 0, to='only0')", "add")


def proportion(xi, ni, measure: str = "PLO", *, add: float | None = None, to: str = "only0",
               study=None) -> EffectSizes:
    """Single proportions ``xi/ni`` on the scale of ``measure`` (``PR``, ``PLO``, ``PAS``, ``PFT``).

    Parameters
    ----------
    xi
        Number of events in each study (whole numbers ≥ 0).
    ni
        Number of patients in each study (whole numbers > 0, ≥ xi).
    measure
        ``PR`` raw proportion, ``PLO`` logit, ``PAS`` arcsine square root, ``PFT`` Freeman–Tukey.
    add, to
        Continuity correction: ``add`` is added to events and non-events of the studies selected by
        ``to`` (``only0``: studies with 0 events or 0 non-events; ``all``; ``if0all``: all studies if
        any has a zero; ``none``). Default ``add``: 0.5, but 0 for ``PAS`` and ``PFT`` (metafor).
    study
        Optional study labels.

    Returns
    -------
    EffectSizes
        With ``ni`` the unadjusted sample sizes.

    Raises
    ------
    InputError
        Negative or fractional counts, ``xi > ni``, NaN, unequal lengths, unknown ``measure``/``to``.

    Examples
    --------
    >>> es = proportion([3, 0], [20, 15], "PLO")
    >>> [round(float(y), 4) for y in es.yi]
    [-1.7346, -3.434]
    """
    check_choice(measure, "measure", PROPORTION_MEASURES)
    check_choice(to, "to", _TO)
    x = check_counts(as_vector(xi, "xi"), "xi")
    n = check_counts(as_vector(ni, "ni"), "ni")
    same_length(xi=x, ni=n)
    check_positive(n, "ni")
    over = x > n
    if over.any():
        i = int(np.flatnonzero(over)[0])
        raise InputError(f"'xi' must not exceed 'ni'; study {i + 1} has xi={x[i]:g} > ni={n[i]:g}", "xi")
    if add is None:
        add = 0.0 if measure in ("PAS", "PFT") else 0.5
    add = float(add)
    m = n - x
    corrected = _which(to, (x == 0) | (m == 0))
    xa = x + add * corrected
    ma = m + add * corrected
    na = xa + ma
    p = xa / na
    with np.errstate(divide="ignore", invalid="ignore"):
        if measure == "PR":
            yi, vi = p, p * (1 - p) / na
        elif measure == "PLO":
            yi, vi = np.log(p / (1 - p)), 1 / xa + 1 / ma
        elif measure == "PAS":
            yi, vi = np.arcsin(np.sqrt(p)), 1 / (4 * na)
        else:
            yi = 0.5 * (np.arcsin(np.sqrt(xa / (na + 1))) + np.arcsin(np.sqrt((xa + 1) / (na + 1))))
            vi = 1 / (4 * na + 2)
    _check_finite_result(yi, vi, measure)
    return EffectSizes(_frozen(yi), _frozen(vi), measure, ni=_frozen(n),
                       corrected=corrected & (add != 0), study=_study_labels(study, x.size))


def _which(to: str, has_zero: np.ndarray) -> np.ndarray:
    if to == "only0":
        return has_zero.copy()
    if to == "all":
        return np.ones_like(has_zero)
    if to == "if0all":
        return np.full_like(has_zero, bool(has_zero.any()))
    return np.zeros_like(has_zero)


def two_group(ai, n1i, ci, n2i, measure: str = "OR", *, add: float = 0.5, to: str = "only0",
              drop00: bool = False, study=None) -> EffectSizes:
    """Two-group binary outcomes: log odds ratio ``OR``, log risk ratio ``RR`` or risk difference ``RD``.

    Parameters
    ----------
    ai, n1i
        Events and patients in the first (experimental) group.
    ci, n2i
        Events and patients in the second (control) group.
    measure
        ``OR``, ``RR`` or ``RD``.
    add, to
        Continuity correction added to all four cells of the studies ``to`` selects (metafor's default
        ``add=1/2, to="only0"``: studies with any zero cell).
    drop00
        Drop studies with no events in both groups or only events in both groups (metafor's default:
        ``False``, keep and correct them).
    study
        Optional study labels.

    Returns
    -------
    EffectSizes
        With ``ni = n1i + n2i`` and ``dropped`` the input positions removed by ``drop00``.

    Raises
    ------
    InputError
        Negative or fractional counts, events above the group size, empty groups, NaN, unequal lengths.

    Examples
    --------
    >>> es = two_group([10, 0], [50, 40], [5, 3], [50, 40], "RR")
    >>> round(float(es.yi[0]), 4), bool(es.corrected[1])
    (0.6931, True)
    """
    check_choice(measure, "measure", TWO_GROUP_MEASURES)
    check_choice(to, "to", _TO)
    a = check_counts(as_vector(ai, "ai"), "ai")
    n1 = check_counts(as_vector(n1i, "n1i"), "n1i")
    c = check_counts(as_vector(ci, "ci"), "ci")
    n2 = check_counts(as_vector(n2i, "n2i"), "n2i")
    same_length(ai=a, n1i=n1, ci=c, n2i=n2)
    check_positive(n1, "n1i")
    check_positive(n2, "n2i")
    for ev, nn, fe, fn in ((a, n1, "ai", "n1i"), (c, n2, "ci", "n2i")):
        over = ev > nn
        if over.any():
            i = int(np.flatnonzero(over)[0])
            raise InputError(f"{fe!r} must not exceed {fn!r}; study {i + 1} has {fe}={ev[i]:g} > "
                             f"{fn}={nn[i]:g}", fe)
    b, d = n1 - a, n2 - c
    keep = np.ones(a.size, dtype=bool)
    if drop00:
        keep = ~(((a == 0) & (c == 0)) | ((b == 0) & (d == 0)))
        if not keep.any():
            raise InputError("drop00 removed every study (no events, or only events, in both groups)",
                             "drop00")
    dropped = tuple(int(i) for i in np.flatnonzero(~keep))
    a, b, c, d, n_u = a[keep], b[keep], c[keep], d[keep], (n1 + n2)[keep]
    corrected = _which(to, (a == 0) | (b == 0) | (c == 0) | (d == 0))
    add = float(add)
    a, b, c, d = (cell + add * corrected for cell in (a, b, c, d))
    m1, m2 = a + b, c + d
    p1, p2 = a / m1, c / m2
    with np.errstate(divide="ignore", invalid="ignore"):
        if measure == "OR":
            yi = np.log(p1 / (1 - p1)) - np.log(p2 / (1 - p2))
            vi = 1 / a + 1 / b + 1 / c + 1 / d
        elif measure == "RR":
            yi = np.log(p1) - np.log(p2)
            vi = 1 / a - 1 / m1 + 1 / c - 1 / m2
        else:
            yi = p1 - p2
            vi = p1 * (1 - p1) / m1 + p2 * (1 - p2) / m2
    _check_finite_result(yi, vi, measure)
    return EffectSizes(_frozen(yi), _frozen(vi), measure, ni=_frozen(n_u),
                       corrected=corrected & (add != 0), dropped=dropped,
                       study=_study_labels(study, keep.size, keep))


def generic(yi, vi=None, *, sei=None, measure: str = "GEN", ni=None, study=None) -> EffectSizes:
    """Outcomes already computed: ``yi`` with either ``vi`` (variances) or ``sei`` (standard errors).

    ``measure`` names the scale for the back-transformation (``GEN`` for none; e.g. ``HR`` for log hazard
    ratios, ``PFT`` with ``ni`` for Freeman–Tukey proportions).

    Examples
    --------
    >>> generic([0.1, -0.2], sei=[0.1, 0.2]).vi.tolist()
    [0.010000000000000002, 0.04000000000000001]
    """
    y = as_vector(yi, "yi")
    if (vi is None) == (sei is None):
        raise InputError("give exactly one of 'vi' (variances) and 'sei' (standard errors)",
                         "vi" if vi is None else "sei")
    if vi is not None:
        v = check_positive(as_vector(vi, "vi"), "vi")
        same_length(yi=y, vi=v)
    else:
        s = check_positive(as_vector(sei, "sei"), "sei")
        same_length(yi=y, sei=s)
        v = s * s
    n = None
    if ni is not None:
        n = check_positive(as_vector(ni, "ni"), "ni")
        same_length(yi=y, ni=n)
        n = _frozen(n)
    if not isinstance(measure, str) or not measure:
        raise InputError(f"'measure' must be a non-empty string; got {measure!r}", "measure")
    return EffectSizes(_frozen(y), _frozen(v), measure, ni=n, study=_study_labels(study, y.size))


def _log_ci(estimate, lower, upper, level, asymmetry_tol, names):
    fe, fl, fu = names
    lo = check_positive(as_vector(lower, fl), fl)
    up = check_positive(as_vector(upper, fu), fu)
    same_length(**{fl: lo, fu: up})
    if estimate is None:
        est = np.sqrt(lo * up)
    else:
        est = check_positive(as_vector(estimate, fe), fe)
        same_length(**{fe: est, fl: lo})
    bad = ~(lo < up)
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise InputError(f"{fl!r} must be below {fu!r}; study {i + 1} has {lo[i]:g} >= {up[i]:g}", fl)
    bad = (est < lo) | (est > up)
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise InputError(f"{fe!r} must lie inside its interval; study {i + 1} has {est[i]:g} outside "
                         f"[{lo[i]:g}, {up[i]:g}]", fe)
    z = float(norm.isf(check_level(level) / 2))
    ll, lu, le = np.log(lo), np.log(up), np.log(est)
    se = (lu - ll) / (2 * z)
    below, above = le - ll, lu - le
    asym = np.abs(above - below) / (lu - ll)
    notes = []
    for i in np.flatnonzero(asym > asymmetry_tol):
        text = (f"study {i + 1}: the interval [{lo[i]:g}, {up[i]:g}] around {est[i]:g} is asymmetric on "
                f"the log scale ({asym[i]:.0%} > {asymmetry_tol:.0%}); check it was computed on that scale")
        notes.append(text)
        warnings.warn(text, InputWarning, stacklevel=3)
    return le, se * se, tuple(notes)


def from_ratio_ci(estimate, lower, upper, *, level: float = 95, measure: str = "GEN",
                  asymmetry_tol: float = 0.1, study=None) -> EffectSizes:
    """A ratio reported with its confidence interval, as log ratio and variance.

    .. math:: y_i = \\ln \\hat\\theta_i, \\qquad
              v_i = \\left(\\frac{\\ln U_i - \\ln L_i}{2 z_{1-\\alpha/2}}\\right)^2

    Parameters
    ----------
    estimate
        The ratios (hazard, odds, risk ratios …; > 0). ``None`` takes the geometric midpoint √(L·U).
    lower, upper
        The interval's limits (> 0, lower < upper).
    level
        The interval's confidence level in percent.
    measure
        Name of the scale, e.g. ``HR``; any name in :data:`RATIO_MEASURES` is back-transformed with exp.
    asymmetry_tol
        Warn (``InputWarning``, also kept in ``notes``) when |(ln U − ln θ̂) − (ln θ̂ − ln L)| / (ln U − ln L)
        exceeds it — a sign that the interval was not symmetric on the log scale or the numbers are wrong.

    Examples
    --------
    >>> es = from_ratio_ci(0.79, 0.68, 0.92, measure="HR")
    >>> round(float(es.yi[0]), 4), round(float(es.sei[0]), 4)
    (-0.2357, 0.0771)
    """
    yi, vi, notes = _log_ci(estimate, lower, upper, level, asymmetry_tol, ("estimate", "lower", "upper"))
    return EffectSizes(_frozen(yi), _frozen(vi), measure, study=_study_labels(study, yi.size), notes=notes)


def log_median(median, lower, upper, *, level: float = 95, asymmetry_tol: float = 0.3,
               study=None) -> EffectSizes:
    """A median (e.g. median survival in months) with its confidence interval, on the log scale (``MEDLN``).

    yᵢ = ln mᵢ and vᵢ = ((ln U − ln L) / (2 z))², the interval being taken as symmetric on the log scale
    (as Brookmeyer–Crowley intervals with a log transformation are). A one-sample meta-analysis of the
    log medians pools them by inverse variance (McGrath et al. 2019 treat one-sample medians).

    Survival-median intervals come from inverting the Kaplan–Meier curve and are rarely exactly
    symmetric on any scale (REFLECT's lenvatinib OS 13.6 (12.1–14.9) months is 12% off), so the
    asymmetry warning starts at 30% here rather than the 10% used for ratios.
    """
    yi, vi, notes = _log_ci(median, lower, upper, level, asymmetry_tol, ("median", "lower", "upper"))
    return EffectSizes(_frozen(yi), _frozen(vi), "MEDLN", study=_study_labels(study, yi.size), notes=notes)


def ratio_of_medians(median1, lower1, upper1, median2, lower2, upper2, *, level: float = 95,
                     asymmetry_tol: float = 0.3, study=None) -> EffectSizes:
    """The log ratio of the medians of two independent arms, by the delta method (``ROMED``).

    .. math:: y_i = \\ln m_{1i} - \\ln m_{2i}, \\qquad v_i = \\operatorname{Var}(\\ln m_{1i})
              + \\operatorname{Var}(\\ln m_{2i})

    each log-median variance from its arm's interval as in :func:`log_median` (McGrath et al. 2020 give the
    two-sample construction for medians; on the log scale the difference is the log ratio).
    """
    one = log_median(median1, lower1, upper1, level=level, asymmetry_tol=asymmetry_tol)
    two = log_median(median2, lower2, upper2, level=level, asymmetry_tol=asymmetry_tol)
    same_length(median1=one.yi, median2=two.yi)
    return EffectSizes(_frozen(one.yi - two.yi), _frozen(one.vi + two.vi), "ROMED",
                       study=_study_labels(study, one.k),
                       notes=tuple(f"arm 1, {t}" for t in one.notes) + tuple(f"arm 2, {t}" for t in two.notes))


def escalc(measure: str, **data) -> EffectSizes:
    """metafor-style entry point: ``escalc("PLO", xi=..., ni=...)``, ``escalc("OR", ai=..., n1i=...,
    ci=..., n2i=...)``, ``escalc("GEN", yi=..., vi=...)`` (or ``sei=``); other keywords (``add``, ``to``,
    ``drop00``, ``study``) pass through.
    """
    if measure in PROPORTION_MEASURES:
        _need(data, ("xi", "ni"), measure)
        return proportion(data.pop("xi"), data.pop("ni"), measure, **data)
    if measure in TWO_GROUP_MEASURES:
        _need(data, ("ai", "n1i", "ci", "n2i"), measure)
        return two_group(data.pop("ai"), data.pop("n1i"), data.pop("ci"), data.pop("n2i"), measure, **data)
    _need(data, ("yi",), measure)
    return generic(data.pop("yi"), data.pop("vi", None), measure=measure, **data)


def _need(data: dict, names: tuple[str, ...], measure: str) -> None:
    missing = [n for n in names if n not in data]
    if missing:
        raise InputError(f"measure {measure} needs columns {', '.join(names)}; missing {', '.join(missing)}",
                         missing[0])
