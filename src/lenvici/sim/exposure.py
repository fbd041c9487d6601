"""From a protocol arm's regimen to each virtual patient's drug exposure (the PD model's inputs).

Each drug's population-PK model (:func:`lenvici.sim.pk.default_model`) gives each patient's individual
clearance (covariates: weight; random effects seeded). The PD model is driven by the *average* steady-state
unbound concentration ``fu * F * dose / (tau * CL) / MW`` (nM) times the protocol's relative dose intensity
(MODELLING.md section 4: the published/assumed RDI route). Pembrolizumab uses its steady-state clearance
``CL * exp(EMAX)`` (the label's time-varying clearance) and total serum concentration. Within-day
fluctuation is averaged out — a simplification the PD time scales (weeks) allow.

A component that starts later than day 0 (``start_day``) switches on as a step: a breakpoint no solver
step crosses.
"""

from __future__ import annotations

import numpy as np

from lenvici.sim.pk import default_model
from lenvici.sim.protocols import Protocol
from lenvici.sim.solver import ConstantExposure, Exposure, StepExposure

__all__ = ["INPUTS", "INPUT_OF_DRUG", "component_exposures", "arm_exposures", "arm_exposure"]

#: The PD model's drug inputs (nM), in the model's order.
INPUTS = ("c_len", "c_sor", "c_pd1")
#: Which model input each protocol drug feeds.
INPUT_OF_DRUG = {"lenvatinib": "c_len", "sorafenib": "c_sor", "pembrolizumab": "c_pd1"}


def component_exposures(protocol: Protocol, arm_label: str, covariates, seed: int):
    """Per regimen component: ``(input column, (N,) average steady-state concentration in nM, start_day)``."""
    arm = protocol.arm(arm_label)
    w = np.asarray(covariates["weight_kg"], float)
    out = []
    for k, comp in enumerate(arm.components):
        if comp.drug == "placebo":
            continue
        model = default_model(comp.drug)
        p = model.sample_parameters({"weight_kg": w}, seed=np.random.default_rng([seed, k]))
        cl = np.asarray(p["CL"], float)
        if comp.drug == "pembrolizumab" and "EMAX" in p.values:
            cl = cl * np.exp(np.asarray(p["EMAX"], float))
        f = np.asarray(p.values.get("F", np.ones_like(cl)), float)
        dc = model.drug_constants
        mg_per_l = f * comp.dose(w) / (comp.interval_days * cl)
        nm = dc.fraction_unbound * mg_per_l / dc.molecular_weight * 1e6
        out.append((INPUTS.index(INPUT_OF_DRUG[comp.drug]), nm * protocol.dose_intensity_for(comp.drug),
                    float(comp.start_day)))
    return out


def arm_exposures(protocol: Protocol, arm_label: str, covariates, seed: int) -> np.ndarray:
    """``(N, 3)`` average steady-state concentrations (nM) of ``c_len``, ``c_sor``, ``c_pd1`` for one arm
    (every component at its steady state, whatever its ``start_day``)."""
    w = np.asarray(covariates["weight_kg"], float)
    out = np.zeros((w.size, len(INPUTS)))
    for col, nm, _start in component_exposures(protocol, arm_label, covariates, seed):
        out[:, col] += nm
    return out


def arm_exposure(protocol: Protocol, arm_label: str, covariates, seed: int) -> Exposure:
    """The arm's exposure for the solver: constant when every component starts on day 0, else a
    :class:`~lenvici.sim.solver.StepExposure` switching each component on at its ``start_day``."""
    comps = component_exposures(protocol, arm_label, covariates, seed)
    n = np.asarray(covariates["weight_kg"]).size
    if all(s == 0 for _c, _v, s in comps):
        conc = np.zeros((n, len(INPUTS)))
        for col, nm, _s in comps:
            conc[:, col] += nm
        return ConstantExposure(INPUTS, conc)
    starts = sorted({s for _c, _v, s in comps if s > 0})
    levels = np.zeros((n, len(starts) + 1, len(INPUTS)))
    for col, nm, start in comps:
        first = int(np.searchsorted(starts, start)) + (1 if start > 0 else 0)
        levels[:, first:, col] += nm[:, None]
    return StepExposure(INPUTS, np.tile(np.array(starts, float), (n, 1)), levels)
