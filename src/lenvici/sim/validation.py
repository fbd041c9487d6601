"""Validation of the virtual trials: simulated versus published endpoints, hits and misses kept visible.

REFLECT and KEYNOTE-524 are calibration targets (``data/sim/calibration_targets.yaml``); LEAP-002 is
validation only and never tuned (MODELLING.md §7). Published values come from the curated trial records.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
from scipy.stats import beta as beta_dist

from lenvici.errors import InputError
from lenvici.knowledge import load_studies
from lenvici.sim.protocols import load_protocol

if TYPE_CHECKING:
    from lenvici.sim.trials import TrialResult

__all__ = ["VALIDATION_TRIALS", "CALIBRATION_ROLE", "Validation", "validate", "validation_table"]

VALIDATION_TRIALS = ("reflect", "keynote-524", "leap-002")
CALIBRATION_ROLE = {"reflect": "calibration", "keynote-524": "calibration", "leap-002": "validation"}


def _published(trial_id: str) -> dict:
    """Published endpoints of one trial from the curated record (``data/studies/text_trials.yaml``)."""
    (study,) = [s for s in load_studies() if s.id == trial_id]
    rec = study.model_dump(mode="json")
    out = {"arms": {}, "comparisons": []}
    for a in rec["arms"]:
        arm = {"n": a.get("n")}
        for o in a.get("orr") or []:
            crit = {"mRECIST": "orr_mrecist", "RECIST1.1": "orr_recist"}.get(o.get("criteria"))
            if crit and (crit not in arm or o.get("assessment") == "independent"):
                arm[crit] = (o["value"], o.get("ci_lower"), o.get("ci_upper"), o.get("assessment"))
        for key, name in (("pfs_median", "pfs_median_months"), ("os_median", "os_median_months")):
            m = a.get(key)
            if isinstance(m, dict) and m.get("months") is not None:
                arm[name] = (m["months"], m.get("ci_lower"), m.get("ci_upper"), None)
        out["arms"][a["label"]] = arm
    for c in rec.get("comparisons") or []:
        out["comparisons"].append(c)
    return out


def _exact_ci(p: float, n: int) -> tuple[float, float]:
    k = round(p * n)
    lo = 0.0 if k == 0 else float(beta_dist.ppf(0.025, k, n - k + 1))
    hi = 1.0 if k == n else float(beta_dist.ppf(0.975, k + 1, n - k))
    return round(lo, 4), round(hi, 4)


def _summ(values: list) -> tuple[float | None, float | None, float | None]:
    v = np.array([x for x in values if x is not None and math.isfinite(x)], float)
    if v.size == 0:
        return None, None, None
    return float(np.median(v)), float(np.percentile(v, 2.5)), float(np.percentile(v, 97.5))


@dataclass(frozen=True)
class Validation:
    """What :func:`validate` returns.

    ``rows``: one dict per arm × endpoint and per HR (the rows of :func:`validation_table`).
    ``results``: every simulated trial, ``results[trial_id][r]`` the repeat with seed ``seed + r`` — kept so that
    a caller (the report's Kaplan–Meier curves) need not simulate the same trial again."""

    rows: list[dict]
    results: dict[str, list[TrialResult]] = field(default_factory=dict)


class _Progress:
    """Aggregates the ``progress(done, total)`` of every ``run_trial`` call of :func:`validate` into one count
    in patient-stages (each patient once for its pre-treatment growth and once for its treatment, the unit of
    :func:`lenvici.sim.trials.run_trial`). Each run's share is fixed up front from its number of patients, so
    the aggregate never decreases and ends exactly at its total, whatever a run reports."""

    def __init__(self, fn: Callable[[int, int], None] | None, weights: list[int]):
        self.fn, self.weights, self.total = fn, weights, sum(weights)
        self.offset = 0  # patient-stages of the runs already finished
        self.done = 0

    def _emit(self, done: int) -> None:
        self.done = max(self.done, min(done, self.total))
        if self.fn is not None:
            self.fn(self.done, self.total)

    def run(self, i: int) -> Callable[[int, int], None] | None:
        """The callback for run ``i`` (``None`` when nobody listens)."""
        if self.fn is None:
            return None
        weight = self.weights[i]

        def report(done: int, total: int) -> None:
            if total > 0:
                self._emit(self.offset + (weight * min(max(done, 0), total)) // total)

        return report

    def finished(self, i: int) -> None:
        self.offset += self.weights[i]
        self._emit(self.offset)


def validate(n: int | None, reps: int, seed: int = 0,
             progress: Callable[[int, int], None] | None = None) -> Validation:
    """Simulate every validation trial ``reps`` times and compare with the published endpoints.

    Parameters
    ----------
    n
        Patients per arm (per unit of the randomisation ratio); ``None``: each trial's published N (the
        smallest arm's).
    reps
        Repeats per trial, with seeds ``seed``, ``seed + 1``, …; the simulated value of a row is the median
        over repeats, beside the 2.5–97.5 percentile spread.
    seed
        Seed of the first repeat.
    progress
        ``progress(done, total)`` in patient-stages summed over trials × repeats (``total`` is twice the
        number of simulated patients); ``done`` never decreases and ends at ``total``.

    Returns
    -------
    Validation
        ``rows``: one per arm × endpoint (ORR by RECIST 1.1 and mRECIST, median PFS and OS in months) and per
        published HR, with the published CI (or an exact binomial CI from the published rate and n, labelled
        so) and hit/miss; ``results``: the :class:`~lenvici.sim.trials.TrialResult` of every repeat (their
        per-patient tables included, so memory grows with ``n × reps``).
    """
    from lenvici.sim import trials as sim_trials

    if reps < 1:
        raise InputError("reps must be at least 1", field="reps")
    plan = []
    for tid in VALIDATION_TRIALS:
        proto = load_protocol(tid)
        pub = _published(tid)
        n_arm = n or min(int(v["n"]) for v in pub["arms"].values())
        plan.append((tid, proto, pub, n_arm))
    weights = [2 * sum(proto.allocation(n_arm).values()) for _, proto, _, n_arm in plan for _ in range(reps)]
    report = _Progress(progress, weights)
    rows: list[dict] = []
    results: dict[str, list[TrialResult]] = {}
    i = 0
    for tid, proto, pub, n_arm in plan:
        runs = []
        for r in range(reps):
            runs.append(sim_trials.run_trial(proto, n_arm, seed + r, progress=report.run(i)))
            report.finished(i)
            i += 1
        results[tid] = runs
        rows.extend(_rows(tid, proto, pub, n_arm, runs))
    return Validation(rows, results)


def validation_table(n: int | None, reps: int, seed: int = 0) -> list[dict]:
    """The rows of :func:`validate`: simulated vs published endpoints of every validation trial, one row per
    arm × endpoint and per HR, with the published CI, the spread of ``reps`` simulated repeats at ``n``
    patients per arm (default: the trial's published N) and hit/miss."""
    return validate(n, reps, seed).rows


def _rows(tid: str, proto, pub: dict, n_arm: int, results: list[TrialResult]) -> list[dict]:
    """The table rows of one trial from its repeats."""
    reps = len(results)
    rows = []
    for arm in proto.arms:
        parm = pub["arms"].get(arm.label, {})
        for ep in ("orr_recist", "orr_mrecist", "pfs_median_months", "os_median_months"):
            if ep not in parm:
                continue
            value, lo, hi, assessment = parm[ep]
            ci_note = "published"
            if (lo is None or hi is None) and ep.startswith("orr") and parm.get("n"):
                lo, hi = _exact_ci(value, int(parm["n"]))
                ci_note = "exact binomial from the published rate and n"
            sims = [getattr(next(a for a in res.arms if a.label == arm.label), ep) for res in results]
            med, s_lo, s_hi = _summ(sims)
            hit = None if (lo is None or hi is None or med is None) else bool(lo <= med <= hi)
            rows.append({"trial": tid, "role": CALIBRATION_ROLE[tid], "arm": arm.label, "endpoint": ep,
                         "simulated": med, "simulated_spread_95": [s_lo, s_hi], "published": value,
                         "published_ci": [lo, hi], "ci_source": ci_note if lo is not None else "none",
                         "assessment": assessment, "hit": hit, "n_per_arm": n_arm, "reps": reps})
    for c in pub["comparisons"]:
        key = "hr_os" if c["endpoint"] == "os" else "hr_pfs" if c["endpoint"] == "pfs" else None
        if key is None:
            continue
        sims = [next((x for x in res.comparisons if list(x.arms) == list(c["arms"])), None) for res in results]
        med, s_lo, s_hi = _summ([getattr(s, key) if s else None for s in sims])
        lo, hi = c.get("ci_lower"), c.get("ci_upper")
        rows.append({"trial": tid, "role": CALIBRATION_ROLE[tid], "arm": " vs ".join(c["arms"]), "endpoint": key,
                     "simulated": med, "simulated_spread_95": [s_lo, s_hi], "published": c["hr"],
                     "published_ci": [lo, hi], "ci_source": "published", "assessment": None,
                     "hit": None if med is None or lo is None else bool(lo <= med <= hi),
                     "n_per_arm": n_arm, "reps": reps})
    return rows
