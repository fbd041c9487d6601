"""Virtual patients for a trial: baseline covariates drawn to match the protocol's baseline table, model
parameters drawn from documented priors, a plausibility filter, and each patient's untreated growth to
baseline (:func:`~lenvici.sim.pretreatment.pretreatment_state`). Everything is reproducible by seed.

Covariates (a Gaussian copula: correlated standard normals mapped through each marginal)

- weight: log-normal, ``sd(log) = 0.2``, median set so that ``P(weight < 60 kg)`` equals the protocol's share;
- ECOG 1 (else 0), macrovascular invasion (MVI), extrahepatic spread (EHS), AFP >= 200 ng/mL: Bernoulli with the
  protocol's shares (thresholded latent normals);
- sum of target-lesion diameters: log-normal around the protocol's median, ``sd(log) = 0.45``, within 20-250 mm;
- ALBI score: normal around the protocol's mean, sd 0.45;
- BCLC C: *derived* by the BCLC definition (MVI or EHS or ECOG >= 1; else B) - its simulated share is compared
  with the table, not forced;
- aetiology: categorical with the protocol's shares (independent of the rest).

The latent correlations are assumptions (no trial publishes them): MVI-AFP 0.30, MVI-size 0.30, AFP-size 0.25,
ECOG-size 0.20, ALBI-size 0.20, ECOG-MVI 0.15, ECOG-ALBI 0.15 (worse liver function and larger, more invasive
tumours go together).

Model parameters: for the parameters in :data:`PRIOR_CV`, log-normal around the parameter file's value (or a
population-level override, e.g. from calibration) with the listed coefficient of variation (all assumptions:
inter-patient variability of the order seen for tumour growth rates in tumour-dynamics models), clipped to the
file's bounds; all other parameters at their file value. Covariate parameters (``ecog``, ``albi``, ``afp_high``,
``mvi``, ``ehs``) take the patient's values.

Plausibility filter: the untreated growth from 0.05 mL to the baseline diameter must succeed and take between
:data:`MIN_HISTORY_DAYS` and :data:`MAX_HISTORY_DAYS`; rejected draws are replaced by fresh ones (same seed
stream, so the result is still reproducible).

Scale: the untreated growth is the expensive part of a draw. It runs in batches of :data:`PRETREATMENT_BATCH`
consecutive candidates on a :class:`~lenvici.sim.runner.BlockRunner` (in this process by default, or on a Dask
cluster), with the same numbers as one unbatched ``pretreatment_state`` call whatever the runner: the compiled
engine (batches of at least ``AUTO_NUMBA_MIN_PATIENTS`` = 64) integrates each patient on its own, and the numpy
engine (smaller sets, or options numba lacks) chunks at 2048 itself - there its event location couples the
patients of a chunk (the bisection stops when *all* have converged), so the chunks must not move. A last
batch under 64 joins the one before, keeping the engine the unbatched call would use.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Mapping

import numpy as np
from scipy.stats import norm

from lenvici.errors import InputError
from lenvici.sim.model import load_parameters
from lenvici.sim.pretreatment import PretreatmentResult, pretreatment_state
from lenvici.sim.protocols import Protocol
from lenvici.sim.runner import BlockRunner, InProcessRunner
from lenvici.sim.solver import AUTO_NUMBA_MIN_PATIENTS

__all__ = ["Population", "draw_population", "PRIOR_CV", "LATENT", "LATENT_CORRELATION", "PRETREATMENT_BATCH"]

PRIOR_CV: dict[str, float] = {
    "k_prol": 0.35,      # tumour proliferation rate
    "e_prune": 0.30,     # vessel pruning efficacy under VEGFR blockade
    "k_ron": 0.50,       # onset rate of resistance
    "egfr": 0.50,        # escape via the FGF route
    "fgf19": 0.80,       # FGF19 expression (FGFR4 ligand; a known HCC biomarker, highly variable)
    "k_rec": 0.50,       # T-cell recruitment
    "k_kill": 0.50,      # T-cell killing rate
}
MIN_HISTORY_DAYS = 60.0
#: Candidates grown to baseline per task (module docstring, "Scale"); the numpy engine's default chunk.
PRETREATMENT_BATCH = 2048
MAX_HISTORY_DAYS = 20 * 365.25

LATENT = ("weight", "ecog", "mvi", "ehs", "afp", "size", "albi")
_PAIRS = {("mvi", "afp"): 0.30, ("mvi", "size"): 0.30, ("afp", "size"): 0.25, ("ecog", "size"): 0.20,
          ("albi", "size"): 0.20, ("ecog", "mvi"): 0.15, ("ecog", "albi"): 0.15}


def _correlation() -> np.ndarray:
    r = np.eye(len(LATENT))
    for (a, b), v in _PAIRS.items():
        i, j = LATENT.index(a), LATENT.index(b)
        r[i, j] = r[j, i] = v
    return r


LATENT_CORRELATION = _correlation()


@dataclass(frozen=True)
class Population:
    """N virtual patients: ``covariates`` (name -> (N,) array), model ``params`` (N, n_params) and the
    ``pretreatment`` state at the start of treatment."""

    protocol_id: str
    seed: int
    covariates: Mapping[str, np.ndarray]
    params: np.ndarray
    pretreatment: PretreatmentResult
    n_rejected: int

    @property
    def n(self) -> int:
        return self.params.shape[0]

    def take(self, index) -> Population:
        idx = np.asarray(index)
        pre = self.pretreatment
        return Population(self.protocol_id, self.seed, {k: v[idx] for k, v in self.covariates.items()},
                          self.params[idx], PretreatmentResult(pre.y0[idx], pre.params[idx], pre.days[idx],
                                                               pre.status[idx]), self.n_rejected)

    def shares(self) -> dict[str, float]:
        """Baseline-table shares of this population (compare with the protocol's targets)."""
        c = self.covariates
        out = {"weight_below_60kg": float(np.mean(c["weight_kg"] < 60.0)), "ecog_1": float(np.mean(c["ecog"] >= 1)),
               "bclc_c": float(np.mean(c["bclc_c"])), "mvi": float(np.mean(c["mvi"])),
               "ehs": float(np.mean(c["ehs"])), "afp_high": float(np.mean(c["afp_high"]))}
        for name in np.unique(c["aetiology"]):
            out[f"aetiology_{name}"] = float(np.mean(c["aetiology"] == name))
        return out


def _draw_covariates(protocol: Protocol, n: int, rng: np.random.Generator) -> dict[str, np.ndarray]:
    b = protocol.baseline
    z = rng.standard_normal((n, len(LATENT))) @ np.linalg.cholesky(LATENT_CORRELATION).T
    col = {name: z[:, i] for i, name in enumerate(LATENT)}
    sigma_w = 0.2
    mu_w = np.log(60.0) - norm.ppf(b.weight_below_60kg.value) * sigma_w
    weight = np.exp(mu_w + sigma_w * col["weight"])

    def bern(name, share):  # P(z > ppf(1 - share)) = share; high latent = adverse
        return (col[name] > norm.ppf(1.0 - share)).astype(float) if 0 < share < 1 else np.full(n, float(share))

    ecog, mvi, ehs, afp = (bern("ecog", b.ecog_1.value), bern("mvi", b.mvi.value), bern("ehs", b.ehs.value),
                           bern("afp", b.afp_high.value))
    size = np.clip(b.sum_diameter_median_mm.value * np.exp(0.45 * col["size"]), 20.0, 250.0)
    albi = b.albi_mean.value + 0.45 * col["albi"]
    names = list(b.aetiology.value)
    probs = np.array([b.aetiology.value[k] for k in names])
    aet = np.array(names)[rng.choice(len(names), size=n, p=probs / probs.sum())]
    bclc_c = ((mvi + ehs + ecog) > 0).astype(float)
    return {"weight_kg": weight, "ecog": ecog, "mvi": mvi, "ehs": ehs, "afp_high": afp, "sum_diameter_mm": size,
            "albi": albi, "bclc_c": bclc_c, "aetiology": aet}


def _draw_params(cov: Mapping[str, np.ndarray], rng: np.random.Generator,
                 typical: Mapping[str, float] | None) -> np.ndarray:
    table = load_parameters()
    n = cov["weight_kg"].shape[0]
    typical = dict(typical or {})
    unknown = set(typical) - set(table.names)
    if unknown:
        raise InputError(f"unknown model parameters {sorted(unknown)}", field="typical")
    over: dict[str, np.ndarray | float] = dict(typical)
    for name, cv in PRIOR_CV.items():
        rec = table[name]
        centre = float(typical.get(name, rec.value))
        s = np.sqrt(np.log1p(cv ** 2))
        v = centre * np.exp(s * rng.standard_normal(n))  # median = centre
        lo, hi = rec.bounds
        over[name] = np.clip(v, lo, hi)
    for name in ("ecog", "albi", "afp_high", "mvi", "ehs"):
        over[name] = cov[name]
    return table.array(n, over)


def _pretreatment_block(_shared, block) -> PretreatmentResult:
    params, diameter = block
    return pretreatment_state(params, diameter)


def _batches(m: int) -> list[tuple[int, int]]:
    """``(start, stop)`` of the pre-treatment batches of ``m`` candidates (module docstring, "Scale")."""
    cuts = list(range(0, m, PRETREATMENT_BATCH)) + [m]
    if len(cuts) > 2 and cuts[-1] - cuts[-2] < AUTO_NUMBA_MIN_PATIENTS:
        del cuts[-2]
    return list(zip(cuts[:-1], cuts[1:]))


def _pretreat(params: np.ndarray, diameter: np.ndarray, runner: BlockRunner, on_done) -> PretreatmentResult:
    """:func:`pretreatment_state` of all candidates, batch by batch (``on_done(n_candidates_in_batch)``)."""
    blocks = [(params[a:b], diameter[a:b]) for a, b in _batches(params.shape[0])]
    parts = runner.map(_pretreatment_block, blocks, None, lambda i: on_done(blocks[i][0].shape[0]))
    return PretreatmentResult(*(np.concatenate([getattr(p, f) for p in parts])
                                for f in ("y0", "params", "days", "status")))


def draw_population(protocol: Protocol, n: int, seed: int, *, typical: Mapping[str, float] | None = None,
                    max_rounds: int = 10, runner: BlockRunner | None = None,
                    progress: Callable[[int, int], None] | None = None) -> Population:
    """``n`` plausible virtual patients for ``protocol``, reproducible by ``seed``.

    ``typical`` overrides the parameter file's value (the prior's median) of model parameters - the hook for
    population-level calibration. The untreated growth runs in batches of :data:`PRETREATMENT_BATCH`
    candidates on ``runner`` (default: in this process; the runner does not change the result).
    ``progress(done, n)`` is called after each batch with the number of candidates grown so far, capped at ``n``.
    """
    if n < 1:
        raise InputError("n must be at least 1", field="n")
    runner = runner or InProcessRunner()
    grown = 0

    def on_done(k: int) -> None:
        nonlocal grown
        grown += k
        if progress is not None:
            progress(min(grown, n), n)

    rng = np.random.default_rng(seed)
    keep_cov: list[dict] = []
    keep_params: list[np.ndarray] = []
    keep_pre: list[PretreatmentResult] = []
    got, rejected = 0, 0
    for _ in range(max_rounds):
        need = n - got
        if need <= 0:
            break
        m = need if got == 0 else int(need * 1.5) + 4
        cov = _draw_covariates(protocol, m, rng)
        params = _draw_params(cov, rng, typical)
        pre = _pretreat(params, cov["sum_diameter_mm"], runner, on_done)
        ok = pre.ok & (pre.days >= MIN_HISTORY_DAYS) & (pre.days <= MAX_HISTORY_DAYS)
        idx = np.flatnonzero(ok)[:need]
        rejected += int(np.sum(~ok))
        keep_cov.append({k: v[idx] for k, v in cov.items()})
        keep_params.append(params[idx])
        keep_pre.append(PretreatmentResult(pre.y0[idx], pre.params[idx], pre.days[idx], pre.status[idx]))
        got += idx.size
    if got < n:
        raise InputError(f"only {got} of {n} virtual patients passed the plausibility filter", field="n")
    cov = {k: np.concatenate([c[k] for c in keep_cov]) for k in keep_cov[0]}
    pre = PretreatmentResult(*(np.concatenate([getattr(p, f) for p in keep_pre])
                               for f in ("y0", "params", "days", "status")))
    return Population(protocol.id, int(seed), cov, np.concatenate(keep_params), pre, rejected)
