"""Population-level calibration to the declared targets (``lenvici/data/sim/calibration_targets.yaml`` only).

Method: Nelder-Mead on the log of 2-4 population-level model parameters (the targets file's ``parameters``),
minimising the sum over targets of ``((simulated - published) / se)^2`` with ``se`` = CI width / 3.92 (ORRs on
the rate scale, medians on the log scale). Common random numbers: every evaluation uses the same seeds, so the
objective is a smooth-ish function of the parameters. LEAP-002 is validation and is refused as a target.
Diagnostics returned: the objective history, per-target residuals at the optimum, the number of evaluations.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from importlib import resources

import numpy as np
import yaml
from scipy.optimize import minimize

from lenvici.errors import InputError
from lenvici.sim.model import load_parameters
from lenvici.sim.protocols import load_protocol
from lenvici.sim.trials import TrialSettings, run_trial

__all__ = ["load_targets", "objective", "calibrate", "CalibrationResult", "TARGETS_FILE", "FORBIDDEN_TARGETS"]

TARGETS_FILE = resources.files("lenvici") / "data" / "sim" / "calibration_targets.yaml"
FORBIDDEN_TARGETS = frozenset({"leap-002"})


def load_targets(path=None) -> dict:
    text = (TARGETS_FILE.read_text(encoding="utf-8") if path is None
            else open(path, encoding="utf-8").read())
    d = yaml.safe_load(text)
    bad = FORBIDDEN_TARGETS & set(d["trials"])
    if bad:
        raise InputError(f"{sorted(bad)} are validation trials and cannot be calibration targets", field="targets")
    names = set(load_parameters().names)
    if not 1 <= len(d["parameters"]) <= 4 or not set(d["parameters"]) <= names:
        raise InputError("calibration moves 1-4 known model parameters", field="parameters")
    return d


def _residuals(settings: TrialSettings, targets: dict, n_per_arm: int, seed: int) -> dict[str, float]:
    out = {}
    for tid, spec in targets["trials"].items():
        res = run_trial(load_protocol(tid), n_per_arm, seed, settings=settings)
        for arm_label, eps in spec["arms"].items():
            arm = next(a for a in res.arms if a.label == arm_label)
            for ep, t in eps.items():
                lo, hi = t["ci"]
                sim = getattr(arm, ep)
                if ep.startswith("orr"):
                    r = (sim - t["value"]) / ((hi - lo) / 3.92)
                else:
                    sim = sim if sim is not None else 60.0   # not reached: treat as very long
                    r = (np.log(sim) - np.log(t["value"])) / ((np.log(hi) - np.log(lo)) / 3.92)
                out[f"{tid}/{arm_label}/{ep}"] = float(r)
    return out


def objective(values: dict[str, float], targets: dict | None = None, n_per_arm: int = 100, seed: int = 0,
              base: TrialSettings | None = None) -> tuple[float, dict[str, float]]:
    targets = targets or load_targets()
    base = base or TrialSettings()
    settings = TrialSettings(base.pps_median_months, base.hr_subsequent, {**base.typical, **values})
    r = _residuals(settings, targets, n_per_arm, seed)
    return float(sum(v * v for v in r.values())), r


@dataclass
class CalibrationResult:
    values: dict[str, float]
    objective: float
    residuals: dict[str, float]
    n_evaluations: int
    history: list[float] = field(default_factory=list)


def calibrate(n_per_arm: int = 100, seed: int = 0, max_evaluations: int = 40, targets: dict | None = None
              ) -> CalibrationResult:
    targets = targets or load_targets()
    table = load_parameters()
    names = list(targets["parameters"])
    init = targets.get("initial") or {}
    x0 = np.log([init.get(n, table[n].value) for n in names])
    lo = np.log([max(table[n].bounds[0], 1e-8) for n in names])
    hi = np.log([table[n].bounds[1] for n in names])
    history: list[float] = []

    def f(x):
        x = np.clip(x, lo, hi)
        val, _ = objective(dict(zip(names, np.exp(x).tolist())), targets, n_per_arm, seed)
        history.append(val)
        return val

    opt = minimize(f, x0, method="Nelder-Mead",
                   options={"maxfev": max_evaluations, "initial_simplex": np.vstack([x0] + [x0 + 0.7 * e for e in np.eye(len(x0))])})
    best = dict(zip(names, np.exp(np.clip(opt.x, lo, hi)).tolist()))
    val, res = objective(best, targets, n_per_arm, seed)
    return CalibrationResult(best, val, res, len(history) + 1, history)
