"""The schema of ``lenvici/data/sim/pk_parameters.yaml``, validated at load.

One file holds every population-PK number lenvici uses: the sources, the drug-level constants (molecular weight,
unbound fraction) and the models (structural parameters, covariate effects, inter-individual variability and
residual error). Every number is a :class:`ValueRecord` with its unit, source, location in the source and
verification status. A broken file raises :class:`~lenvici.errors.CurationError` naming the file, line, record
and field.
"""

from __future__ import annotations

import math
from functools import lru_cache
from pathlib import Path
from typing import Literal

import numpy as np
import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from lenvici.errors import CurationError
from lenvici.knowledge._files import default_data_dir
from lenvici.sim.pk._units import CONCENTRATION_UNITS, PARAMETER_UNITS

__all__ = [
    "STATUSES",
    "CONTINUOUS_COVARIATES",
    "INDICATOR_COVARIATES",
    "STRUCTURE_PARAMETERS",
    "ValueRecord",
    "SourceRecord",
    "DrugRecord",
    "CovariateEffectRecord",
    "IIVRecord",
    "CovarianceRecord",
    "ResidualRecord",
    "ModelRecord",
    "PKParameterFile",
    "default_parameter_path",
    "load_pk_parameters",
]

Status = Literal["verified", "unverified", "derived", "assumption"]
#: Verification statuses of a value record (see the header of pk_parameters.yaml).
STATUSES = ("verified", "unverified", "derived", "assumption")

#: Continuous covariates a model may use, with their (canonical) units.
CONTINUOUS_COVARIATES: dict[str, str] = {
    "weight_kg": "kg (actual body weight)",
    "albumin_g_per_l": "g/L (serum albumin)",
    "egfr_ml_min": "mL/min/1.73 m2 (estimated glomerular filtration rate)",
    "tumour_burden_mm": "mm (baseline sum of longest diameters of target lesions)",
}
#: Indicator covariates (0 or 1) a model may use.
INDICATOR_COVARIATES: dict[str, str] = {
    "alp_above_uln": "alkaline phosphatase above the upper limit of normal",
    "cyp3a4_inducer": "concomitant strong or moderate CYP3A4 inducer",
    "cyp3a4_inhibitor": "concomitant strong or moderate CYP3A4 inhibitor",
    "healthy": "healthy volunteer (0: patient with cancer)",
    "capsule": "capsule formulation (0: tablet reference)",
    "female": "female sex",
    "ecog_ge1": "ECOG performance status 1 or more",
    "asian": "Asian race",
    "nsclc": "non-small-cell lung cancer (0: melanoma or other)",
    "prior_ipilimumab": "previously treated with ipilimumab",
    "tumour_hcc": "hepatocellular carcinoma (0: other solid tumour)",
    "tumour_dtc": "differentiated thyroid cancer (0: other solid tumour)",
    "tumour_rcc": "renal cell carcinoma (0: other solid tumour)",
}

#: Structure name -> (required parameters, optional parameters).
STRUCTURE_PARAMETERS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "oral-depot-3cmt": (("CL", "V1", "V2", "V3", "Q1", "Q2", "KA", "D1"), ("F",)),
    "iv-2cmt": (("CL", "V1", "V2", "Q"), ("EMAX", "T50", "HILL")),
    "oral-transit-ehc": (("MAT", "CL", "V", "KEHC", "TGB", "FENT"), ("F",)),
}

#: The unit kind each structural parameter name must have.
_PARAMETER_KIND = {
    "CL": "clearance", "Q": "clearance", "Q1": "clearance", "Q2": "clearance",
    "V": "volume", "V1": "volume", "V2": "volume", "V3": "volume",
    "KA": "rate", "KEHC": "rate",
    "D1": "time", "T50": "time", "TGB": "time", "MAT": "time",
    "F": "dimensionless", "FENT": "dimensionless", "EMAX": "dimensionless", "HILL": "dimensionless",
}


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ValueRecord(_Strict):
    """One number with its unit and provenance."""

    value: float
    unit: str
    source: str
    where: str
    status: Status
    via: str | None = None
    note: str | None = None

    @field_validator("value")
    @classmethod
    def _finite(cls, value: float) -> float:
        if not math.isfinite(value):
            raise ValueError("value must be a finite number")
        return value

    @field_validator("unit")
    @classmethod
    def _known_unit(cls, unit: str) -> str:
        if unit not in PARAMETER_UNITS and unit not in CONCENTRATION_UNITS and unit != "g/mol":
            allowed = ", ".join([*PARAMETER_UNITS, *CONCENTRATION_UNITS, "g/mol"])
            raise ValueError(f"unknown unit {unit!r}; allowed: {allowed}")
        return unit

    @model_validator(mode="after")
    def _unverified_says_how(self) -> ValueRecord:
        if self.status == "unverified" and not (self.via or self.note):
            raise ValueError("an unverified value must name where it was taken from (via) or explain (note)")
        if self.status in ("derived", "assumption") and not self.note and not self.where:
            raise ValueError("a derived or assumed value needs a note")
        return self


class SourceRecord(_Strict):
    id: str
    kind: Literal["paper", "label", "secondary"]
    citation: str
    read: str
    doi: str | None = None


class DrugRecord(_Strict):
    drug: str
    kind: Literal["small-molecule", "antibody"]
    concentration_unit: str
    molecular_weight: ValueRecord | None
    fraction_unbound: ValueRecord
    fraction_unbound_range: tuple[float, float]
    molecular_weight_note: str | None = None
    blood_to_plasma_ratio: ValueRecord | None = None

    @field_validator("concentration_unit")
    @classmethod
    def _known_concentration(cls, unit: str) -> str:
        if unit not in CONCENTRATION_UNITS:
            raise ValueError(f"concentration_unit must be one of {', '.join(CONCENTRATION_UNITS)}; got {unit!r}")
        return unit

    @model_validator(mode="after")
    def _consistent(self) -> DrugRecord:
        if self.molecular_weight is None and not self.molecular_weight_note:
            raise ValueError("a missing molecular_weight needs molecular_weight_note")
        if self.molecular_weight is not None and (self.molecular_weight.unit != "g/mol"
                                                  or self.molecular_weight.value <= 0):
            raise ValueError("molecular_weight must be positive, in g/mol")
        low, high = self.fraction_unbound_range
        if not 0 < low <= self.fraction_unbound.value <= high <= 1:
            raise ValueError("need 0 < fraction_unbound_range[0] <= fraction_unbound <= fraction_unbound_range[1] <= 1")
        return self


class CovariateEffectRecord(_Strict):
    """A multiplicative covariate effect on the parameters in ``acts_on``."""

    acts_on: tuple[str, ...] = Field(min_length=1)
    covariate: str
    form: Literal["power", "factor", "linear", "exp"]
    value: ValueRecord
    reference: float | None = None
    when: float | None = None
    below: float | None = None

    @model_validator(mode="after")
    def _coherent(self) -> CovariateEffectRecord:
        continuous = self.covariate in CONTINUOUS_COVARIATES
        if not continuous and self.covariate not in INDICATOR_COVARIATES:
            allowed = ", ".join([*CONTINUOUS_COVARIATES, *INDICATOR_COVARIATES])
            raise ValueError(f"unknown covariate {self.covariate!r}; allowed: {allowed}")
        if self.form == "power":
            if not continuous or self.reference is None or self.reference <= 0:
                raise ValueError("a power effect needs a continuous covariate and a positive reference")
            if self.below is not None or self.when is not None:
                raise ValueError("a power effect takes neither below nor when")
        else:
            if continuous and self.below is None:
                raise ValueError("an indicator-form effect of a continuous covariate needs below: <threshold>")
            if continuous and self.reference is None:
                raise ValueError("give the reference value filled in when the covariate is not supplied")
            if not continuous and self.below is not None:
                raise ValueError("below applies to continuous covariates only")
            if self.when is not None and self.when not in (0.0, 1.0):
                raise ValueError("when must be 0 or 1")
        if self.form == "factor" and self.value.value <= 0:
            raise ValueError("a factor effect must be positive")
        return self


class IIVRecord(_Strict):
    """One random effect (eta) shared by the parameters in ``acts_on``."""

    acts_on: tuple[str, ...] = Field(min_length=1)
    omega2: ValueRecord
    kind: Literal["exponential", "additive"] = "exponential"
    only_when: str | None = None

    @model_validator(mode="after")
    def _coherent(self) -> IIVRecord:
        if self.omega2.value < 0:
            raise ValueError("omega2 is a variance and cannot be negative")
        if self.only_when is not None and self.only_when not in INDICATOR_COVARIATES:
            raise ValueError(f"only_when must be an indicator covariate; got {self.only_when!r}")
        return self


class CovarianceRecord(_Strict):
    between: tuple[str, str]
    covariance: ValueRecord


class ResidualRecord(_Strict):
    form: Literal["proportional", "combined", "exponential"]
    proportional: ValueRecord
    additive: ValueRecord | None = None
    note: str | None = None

    @model_validator(mode="after")
    def _coherent(self) -> ResidualRecord:
        if (self.form == "combined") != (self.additive is not None):
            raise ValueError("a combined residual error needs an additive term; the other forms take none")
        return self


class ModelRecord(_Strict):
    id: str
    drug: str
    title: str
    structure: Literal["oral-depot-3cmt", "iv-2cmt", "oral-transit-ehc"]
    population: str
    parameters: dict[str, ValueRecord]
    covariates: tuple[CovariateEffectRecord, ...] = ()
    iiv: tuple[IIVRecord, ...] = ()
    covariances: tuple[CovarianceRecord, ...] = ()
    residual: ResidualRecord | None = None
    default: bool = False
    notes: tuple[str, ...] = ()

    @model_validator(mode="after")
    def _coherent(self) -> ModelRecord:
        required, optional = STRUCTURE_PARAMETERS[self.structure]
        missing = [p for p in required if p not in self.parameters]
        if missing:
            raise ValueError(f"structure {self.structure} needs parameters {', '.join(missing)}")
        extra = [p for p in self.parameters if p not in required and p not in optional]
        if extra:
            raise ValueError(f"structure {self.structure} has no parameters {', '.join(extra)}")
        tv = [p for p in ("EMAX", "T50", "HILL") if p in self.parameters]
        if tv and len(tv) != 3:
            raise ValueError("time-varying clearance needs all of EMAX, T50, HILL")
        for name, record in self.parameters.items():
            kind = PARAMETER_UNITS.get(record.unit, ("", 0))[0]
            if kind != _PARAMETER_KIND[name]:
                raise ValueError(f"parameter {name} needs a {_PARAMETER_KIND[name]} unit; got {record.unit!r}")
            if name not in ("EMAX",) and record.value <= 0:
                raise ValueError(f"parameter {name} must be positive; got {record.value}")
        for effect in self.covariates:
            unknown = [p for p in effect.acts_on if p not in self.parameters]
            if unknown:
                raise ValueError(f"covariate effect on unknown parameter(s) {', '.join(unknown)}")
        seen: set[str] = set()
        for eta in self.iiv:
            for p in eta.acts_on:
                if p not in self.parameters:
                    raise ValueError(f"random effect on unknown parameter {p}")
                if p in seen:
                    raise ValueError(f"parameter {p} carries two random effects")
                seen.add(p)
        for cov in self.covariances:
            for p in cov.between:
                if p not in seen:
                    raise ValueError(f"covariance names {p}, which carries no random effect")
        return self

    @property
    def time_varying_clearance(self) -> bool:
        return "EMAX" in self.parameters


class PKParameterFile(_Strict):
    sources: tuple[SourceRecord, ...]
    drugs: tuple[DrugRecord, ...]
    models: tuple[ModelRecord, ...]

    @model_validator(mode="after")
    def _cross_checks(self) -> PKParameterFile:
        source_ids = [s.id for s in self.sources]
        if len(set(source_ids)) != len(source_ids):
            raise ValueError("source ids must be unique")
        drugs = {d.drug: d for d in self.drugs}
        if len(drugs) != len(self.drugs):
            raise ValueError("drug records must be unique")
        model_ids = [m.id for m in self.models]
        if len(set(model_ids)) != len(model_ids):
            raise ValueError("model ids must be unique")
        for record in _all_values(self):
            if record.source not in source_ids:
                raise ValueError(f"value cites unknown source {record.source!r}")
        for drug in drugs:
            defaults = [m.id for m in self.models if m.drug == drug and m.default]
            if len(defaults) != 1:
                raise ValueError(f"drug {drug} needs exactly one default model; has {defaults}")
        for model in self.models:
            if model.drug not in drugs:
                raise ValueError(f"model {model.id} names unknown drug {model.drug!r}")
            unit = drugs[model.drug].concentration_unit
            if model.residual is not None and model.residual.additive is not None \
                    and model.residual.additive.unit != unit:
                raise ValueError(f"model {model.id}: additive residual error must be in {unit}")
            omega = omega_matrix(model)
            if omega.size and np.linalg.eigvalsh(omega).min() < -1e-12:
                raise ValueError(f"model {model.id}: the variance-covariance matrix is not positive semi-definite")
        return self


def omega_matrix(model: ModelRecord) -> np.ndarray:
    """The variance-covariance matrix of the model's random effects, in the order of ``model.iiv``."""
    k = len(model.iiv)
    omega = np.zeros((k, k))
    index = {p: i for i, eta in enumerate(model.iiv) for p in eta.acts_on}
    for i, eta in enumerate(model.iiv):
        omega[i, i] = eta.omega2.value
    for cov in model.covariances:
        i, j = index[cov.between[0]], index[cov.between[1]]
        omega[i, j] = omega[j, i] = cov.covariance.value
    return omega


def _all_values(data: PKParameterFile):
    for drug in data.drugs:
        for record in (drug.molecular_weight, drug.fraction_unbound, drug.blood_to_plasma_ratio):
            if record is not None:
                yield record
    for model in data.models:
        yield from model.parameters.values()
        for effect in model.covariates:
            yield effect.value
        for eta in model.iiv:
            yield eta.omega2
        for cov in model.covariances:
            yield cov.covariance
        if model.residual is not None:
            yield model.residual.proportional
            if model.residual.additive is not None:
                yield model.residual.additive


def default_parameter_path() -> Path:
    """The shipped parameter file, ``lenvici/data/sim/pk_parameters.yaml``."""
    return default_data_dir() / "sim" / "pk_parameters.yaml"


def _line_of(root: yaml.Node, loc: tuple) -> int:
    node = root
    for key in loc:
        if isinstance(node, yaml.SequenceNode) and isinstance(key, int) and key < len(node.value):
            node = node.value[key]
        elif isinstance(node, yaml.MappingNode):
            match = [v for k, v in node.value if k.value == key]
            if not match:
                break
            node = match[0]
        else:
            break
    return node.start_mark.line + 1


@lru_cache(maxsize=4)
def _load(path: str) -> PKParameterFile:
    try:
        text = Path(path).read_text(encoding="utf-8")
        root = yaml.compose(text)
        data = yaml.safe_load(text)
    except OSError as exc:
        raise CurationError(path, f"cannot read: {exc}") from exc
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = f"line {mark.line + 1}: " if mark is not None else ""
        raise CurationError(path, f"{line}invalid YAML: {getattr(exc, 'problem', exc)}") from exc
    try:
        return PKParameterFile.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        loc = tuple(x for x in first["loc"] if not (isinstance(x, str) and x.startswith("function-")))
        record = None
        if len(loc) >= 2 and isinstance(data, dict) and isinstance(loc[1], int):
            item = data.get(loc[0], [])[loc[1]]
            record = str(item.get("id", item.get("drug", loc[1]))) if isinstance(item, dict) else str(loc[1])
        raise CurationError(f"{path}:{_line_of(root, loc)}", first["msg"], record=record,
                            field=".".join(str(x) for x in loc) or None) from exc


def load_pk_parameters(path: str | Path | None = None) -> PKParameterFile:
    """Read and validate the PK parameter file (the shipped one by default); cached per path.

    Raises
    ------
    CurationError
        Naming the file, line, record and field of the first problem found.
    """
    return _load(str(path if path is not None else default_parameter_path()))
