"""Population PK models from the parameter file: typical values, covariates, random effects, residual error.

:func:`load_model` builds a :class:`PKModel` from a record of ``pk_parameters.yaml``; the model turns covariates
(and, for virtual patients, random effects drawn with a seed) into :class:`IndividualParameters`, arrays (N,) in
model units that the solvers take.

Individual parameter P of patient i::

    P_i = P_typical * prod_effects f(covariates_i) * exp(eta_i)      (exponential random effect)
    P_i = P_typical * prod_effects f(covariates_i) + eta_i           (additive random effect)
    eta_i ~ N(0, Omega)
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from types import MappingProxyType

import numpy as np

from lenvici.errors import InputError
from lenvici.sim.pk._schema import (
    CONTINUOUS_COVARIATES,
    INDICATOR_COVARIATES,
    CovariateEffectRecord,
    DrugRecord,
    ModelRecord,
    ResidualRecord,
    load_pk_parameters,
    omega_matrix,
)
from lenvici.sim.pk._structure import Structure
from lenvici.sim.pk._units import CONCENTRATION_UNITS, to_model_units
from lenvici.sim.pk.antibodies import IntravenousTwoCompartment
from lenvici.sim.pk.lenvatinib import OralDepotThreeCompartment
from lenvici.sim.pk.sorafenib import OralTransitEnterohepatic

__all__ = [
    "DrugConstants",
    "IndividualParameters",
    "PKModel",
    "available_models",
    "default_model",
    "load_model",
    "as_generator",
]

_STRUCTURES: dict[str, type[Structure]] = {
    "oral-depot-3cmt": OralDepotThreeCompartment,
    "iv-2cmt": IntravenousTwoCompartment,
    "oral-transit-ehc": OralTransitEnterohepatic,
}


def as_generator(seed) -> np.random.Generator:
    """A numpy Generator from an int seed, a SeedSequence or a Generator (which is returned as is)."""
    if isinstance(seed, np.random.Generator):
        return seed
    if seed is None or isinstance(seed, bool):
        raise InputError("randomness is explicit: pass an integer 'seed' or a numpy Generator", field="seed")
    try:
        return np.random.default_rng(seed)
    except (TypeError, ValueError) as exc:
        raise InputError(f"'seed' must be an integer or a numpy Generator; got {seed!r}", field="seed") from exc


@dataclass(frozen=True)
class DrugConstants:
    """Drug-level constants: reporting unit, molecular weight (g/mol, None if unknown) and unbound fraction."""

    drug: str
    kind: str
    concentration_unit: str
    molecular_weight: float | None
    fraction_unbound: float
    fraction_unbound_range: tuple[float, float]
    record: DrugRecord = field(repr=False)


@dataclass(frozen=True)
class IndividualParameters:
    """Parameters of N patients in model units (days, L, L/day, 1/day), each an array (N,).

    ``covariates`` holds the covariate arrays used (including filled-in defaults, named in ``defaulted``);
    ``etas`` the random effects (N, K) in the order of the model's ``eta_names`` (zeros for typical values).
    """

    model_id: str
    values: Mapping[str, np.ndarray]
    covariates: Mapping[str, np.ndarray]
    etas: np.ndarray
    defaulted: tuple[str, ...] = ()

    @property
    def n(self) -> int:
        return next(iter(self.values.values())).size

    def __getitem__(self, name: str) -> np.ndarray:
        return self.values[name]

    def take(self, index) -> IndividualParameters:
        """The patients at ``index`` (an integer array or a boolean mask)."""
        return IndividualParameters(self.model_id, MappingProxyType({k: v[index] for k, v in self.values.items()}),
                                    MappingProxyType({k: v[index] for k, v in self.covariates.items()}),
                                    self.etas[index], self.defaulted)


@dataclass(frozen=True)
class _Effect:
    acts_on: tuple[str, ...]
    covariate: str
    form: str
    value: float
    reference: float | None
    when: float
    below: float | None

    @classmethod
    def from_record(cls, r: CovariateEffectRecord) -> _Effect:
        return cls(r.acts_on, r.covariate, r.form, r.value.value, r.reference,
                   1.0 if r.when is None else r.when, r.below)

    def default(self) -> float:
        """The covariate value at which this effect is 1 (used when the caller does not supply it)."""
        if self.covariate in CONTINUOUS_COVARIATES:
            return float(self.reference)  # type: ignore[arg-type]
        return 1.0 - self.when

    def multiplier(self, c: np.ndarray) -> np.ndarray:
        if self.form == "power":
            return (c / self.reference) ** self.value
        indicator = (c < self.below) if self.below is not None else (c == self.when)
        indicator = indicator.astype(float)
        if self.form == "factor":
            return self.value ** indicator
        if self.form == "linear":
            return 1.0 + self.value * indicator
        return np.exp(self.value * indicator)


@dataclass(frozen=True)
class PKModel:
    """A population PK model ready to simulate.

    Attributes
    ----------
    id, drug, title
        From the parameter file.
    structure
        The compartmental structure (:class:`~lenvici.sim.pk.OralDepotThreeCompartment`, ...).
    typical
        Typical parameter values in model units.
    eta_names
        One name per random effect: the first parameter it acts on.
    omega
        Variance-covariance matrix of the random effects (K, K).
    drug_constants
        Reporting unit, molecular weight, unbound fraction.
    record
        The validated record, with every value's source and status.
    """

    id: str
    drug: str
    title: str
    structure: Structure
    typical: Mapping[str, float]
    effects: tuple[_Effect, ...]
    eta_names: tuple[str, ...]
    eta_targets: tuple[tuple[str, ...], ...]
    eta_kinds: tuple[str, ...]
    eta_only_when: tuple[str | None, ...]
    omega: np.ndarray
    drug_constants: DrugConstants
    record: ModelRecord = field(repr=False)

    @property
    def concentration_unit(self) -> str:
        return self.drug_constants.concentration_unit

    @property
    def concentration_factor(self) -> float:
        """Factor from mg/L (amount / volume) to the reporting unit."""
        return CONCENTRATION_UNITS[self.concentration_unit]

    @property
    def covariate_names(self) -> tuple[str, ...]:
        """The covariates this model uses."""
        names = [e.covariate for e in self.effects] + [w for w in self.eta_only_when if w]
        return tuple(dict.fromkeys(names))

    @property
    def residual(self) -> ResidualRecord | None:
        return self.record.residual

    # ------------------------------------------------------------------------------------ covariates
    def _covariates(self, covariates: Mapping[str, object] | None, n: int | None) -> tuple[dict, tuple, int]:
        covariates = dict(covariates or {})
        allowed = {*CONTINUOUS_COVARIATES, *INDICATOR_COVARIATES}
        for name in covariates:
            if name not in allowed:
                raise InputError(f"unknown covariate {name!r}; accepted: {', '.join(sorted(allowed))}", field=name)
        arrays = {}
        for name, value in covariates.items():
            try:
                arr = np.atleast_1d(np.asarray(value, dtype=float))
            except (TypeError, ValueError) as exc:
                raise InputError(f"covariate {name!r} must be numbers; got {value!r}", field=name) from exc
            if arr.ndim != 1 or not np.all(np.isfinite(arr)):
                raise InputError(f"covariate {name!r} must be a finite number or an array (N,)", field=name)
            if name in INDICATOR_COVARIATES and not np.all((arr == 0) | (arr == 1)):
                raise InputError(f"covariate {name!r} is an indicator: 0 or 1", field=name)
            if name in CONTINUOUS_COVARIATES and np.any(arr <= 0):
                raise InputError(f"covariate {name!r} ({CONTINUOUS_COVARIATES[name]}) must be positive", field=name)
            arrays[name] = arr
        sizes = {a.size for a in arrays.values() if a.size != 1}
        if n is not None:
            sizes.add(int(n))
        if len(sizes) > 1:
            raise InputError(f"covariate arrays and n disagree on the number of patients: {sorted(sizes)}",
                             field="covariates")
        n_out = sizes.pop() if sizes else 1
        defaulted = []
        for name in self.covariate_names:
            if name not in arrays:
                effect = next((e for e in self.effects if e.covariate == name), None)
                arrays[name] = np.array([effect.default() if effect else 0.0])
                defaulted.append(name)
        arrays = {k: np.broadcast_to(v, (n_out,)).copy() for k, v in arrays.items()}
        return arrays, tuple(defaulted), n_out

    # ------------------------------------------------------------------------------------ parameters
    def individual_parameters(self, covariates: Mapping[str, object] | None = None, etas=None, *,
                              n: int | None = None) -> IndividualParameters:
        """Parameters of each patient from covariates (N,) and random effects ``etas`` (N, K) (zeros if None).

        Covariates not supplied take the model's reference value (listed in ``defaulted``).

        Raises
        ------
        InputError
            An unknown covariate, a value out of range, or shapes that disagree.
        """
        cov, defaulted, n_out = self._covariates(covariates, n)
        k = len(self.eta_names)
        if etas is None:
            eta = np.zeros((n_out, k))
        else:
            eta = np.asarray(etas, dtype=float)
            if eta.ndim == 1:
                eta = eta[None, :]
            if eta.shape[1] != k or not np.all(np.isfinite(eta)):
                raise InputError(f"'etas' must be finite with shape (N, {k})", field="etas")
            if n_out == 1 and eta.shape[0] > 1:
                n_out = eta.shape[0]
                cov = {name: np.broadcast_to(v, (n_out,)).copy() for name, v in cov.items()}
            if eta.shape[0] != n_out:
                raise InputError(f"'etas' has {eta.shape[0]} rows for {n_out} patients", field="etas")
        values = {name: np.full(n_out, v) for name, v in self.typical.items()}
        for effect in self.effects:
            mult = effect.multiplier(cov[effect.covariate])
            for name in effect.acts_on:
                values[name] = values[name] * mult
        for j, targets in enumerate(self.eta_targets):
            e = eta[:, j]
            if self.eta_only_when[j] is not None:
                e = e * (cov[self.eta_only_when[j]] == 1)
            for name in targets:
                values[name] = values[name] * np.exp(e) if self.eta_kinds[j] == "exponential" else values[name] + e
        for arr in values.values():
            arr.setflags(write=False)
        return IndividualParameters(self.id, MappingProxyType(values), MappingProxyType(cov), eta, defaulted)

    def typical_parameters(self, covariates: Mapping[str, object] | None = None, *,
                           n: int | None = None) -> IndividualParameters:
        """Typical parameters (all random effects zero) for the given covariates."""
        return self.individual_parameters(covariates, None, n=n)

    def sample_etas(self, n: int, seed) -> np.ndarray:
        """Random effects for ``n`` virtual patients, (n, K) ~ N(0, omega); reproducible for a given seed."""
        if int(n) != n or n < 1:
            raise InputError(f"'n' must be a whole number >= 1; got {n!r}", field="n")
        rng = as_generator(seed)
        k = len(self.eta_names)
        if k == 0:
            return np.zeros((int(n), 0))
        return rng.multivariate_normal(np.zeros(k), self.omega, size=int(n), method="eigh")

    def sample_parameters(self, covariates: Mapping[str, object] | None = None, *, n: int | None = None,
                          seed) -> IndividualParameters:
        """Virtual patients: random effects drawn with ``seed`` (an int or a numpy Generator) on the covariates."""
        cov, _, n_out = self._covariates(covariates, n)
        del cov
        return self.individual_parameters(covariates, self.sample_etas(n_out, seed), n=n_out)

    # ------------------------------------------------------------------------------------ residual error
    def add_residual_error(self, concentration, seed) -> np.ndarray:
        """Observed concentrations: the model's residual error applied to ``concentration`` (its unit)."""
        c = np.asarray(concentration, dtype=float)
        res = self.residual
        if res is None:
            raise InputError(f"model {self.id} has no residual error model", field="model")
        rng = as_generator(seed)
        sd = res.proportional.value
        if res.form == "exponential":
            return c * np.exp(rng.normal(0.0, sd, c.shape))
        obs = c * (1.0 + rng.normal(0.0, sd, c.shape))
        if res.additive is not None:
            obs = obs + rng.normal(0.0, res.additive.value, c.shape)
        return obs


@lru_cache(maxsize=64)
def _build(model_id: str, path: str | None) -> PKModel:
    data = load_pk_parameters(path)
    records = {m.id: m for m in data.models}
    if model_id not in records:
        raise InputError(f"unknown PK model {model_id!r}; available: {', '.join(records)}", field="model")
    rec = records[model_id]
    drug = next(d for d in data.drugs if d.drug == rec.drug)
    constants = DrugConstants(drug.drug, drug.kind, drug.concentration_unit,
                              None if drug.molecular_weight is None else drug.molecular_weight.value,
                              drug.fraction_unbound.value, drug.fraction_unbound_range, drug)
    typical = {name: to_model_units(v.value, v.unit) for name, v in rec.parameters.items()}
    return PKModel(
        id=rec.id, drug=rec.drug, title=rec.title, structure=_STRUCTURES[rec.structure](),
        typical=MappingProxyType(typical),
        effects=tuple(_Effect.from_record(e) for e in rec.covariates),
        eta_names=tuple(eta.acts_on[0] for eta in rec.iiv),
        eta_targets=tuple(eta.acts_on for eta in rec.iiv),
        eta_kinds=tuple(eta.kind for eta in rec.iiv),
        eta_only_when=tuple(eta.only_when for eta in rec.iiv),
        omega=omega_matrix(rec), drug_constants=constants, record=rec,
    )


def load_model(model_id: str, path=None) -> PKModel:
    """The PK model ``model_id`` (see :func:`available_models`) from the shipped parameter file or ``path``."""
    return _build(str(model_id), None if path is None else str(path))


def available_models(path=None) -> tuple[str, ...]:
    """Ids of every PK model in the parameter file."""
    return tuple(m.id for m in load_pk_parameters(path).models)


def default_model(drug: str, path=None) -> PKModel:
    """The default PK model of ``drug`` (lenvatinib: Gupta 2016; pembrolizumab: label time-varying; ...)."""
    data = load_pk_parameters(path)
    for m in data.models:
        if m.drug == str(drug).lower() and m.default:
            return load_model(m.id, path)
    drugs = sorted({m.drug for m in data.models})
    raise InputError(f"no PK model for {drug!r}; drugs with a model: {', '.join(drugs)}", field="drug")
