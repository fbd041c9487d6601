"""The model's parameters as data: one YAML file, validated by pydantic at load.

Every parameter carries its value, unit and where the value comes from. ``status`` says how much to
trust it:

``sourced``
    Read from the cited paper during curation.
``quoted``
    The value as the cited primary paper is widely quoted; the primary table was not re-read during
    curation (see the record's ``note``).
``derived``
    Computed from sourced numbers; ``derivation`` shows the arithmetic.
``assumed``
    No source gives the number; ``assumption`` gives the rationale (and, where one exists, the paper that
    supports the mechanism or its order of magnitude). Assumed parameters are the first candidates for
    calibration.

``kind: covariate`` marks per-patient baseline characteristics (ECOG, ALBI, ...) whose default is the
reference patient; ``kind: patient`` marks per-patient quantities set by the pre-treatment phase.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, field_validator, model_validator

from lenvici.errors import InputError
from lenvici.knowledge._files import default_data_dir, read_yaml_records

__all__ = ["ParameterRecord", "ParameterTable", "load_parameters", "PARAMETER_FILE"]

#: The parameter file, relative to the package's data folder.
PARAMETER_FILE = Path("sim") / "model_parameters.yaml"


class ParameterRecord(BaseModel):
    """One model parameter with its provenance."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str
    value: float
    unit: str
    group: str
    description: str
    status: Literal["sourced", "quoted", "derived", "assumed"]
    source: str | None = None
    derivation: str | None = None
    assumption: str | None = None
    note: str | None = None
    refs: tuple[int, ...] = ()
    kind: Literal["constant", "covariate", "patient"] = "constant"
    bounds: tuple[float, float]

    @field_validator("name")
    @classmethod
    def _identifier(cls, v: str) -> str:
        if not v.isidentifier():
            raise ValueError(f"must be a Python/SBML identifier; got {v!r}")
        return v

    @field_validator("refs")
    @classmethod
    def _refs(cls, v: tuple[int, ...]) -> tuple[int, ...]:
        for r in v:
            if not 1 <= r <= 249:
                raise ValueError(f"review reference numbers are 1..249; got {r}")
        return v

    @model_validator(mode="after")
    def _provenance(self):
        if self.status in ("sourced", "quoted", "derived") and not self.source:
            raise ValueError(f"status {self.status!r} needs a 'source'")
        if self.status == "derived" and not self.derivation:
            raise ValueError("status 'derived' needs a 'derivation'")
        if self.status == "assumed" and not self.assumption:
            raise ValueError("status 'assumed' needs an 'assumption' giving the rationale")
        lo, hi = self.bounds
        if not lo <= self.value <= hi:
            raise ValueError(f"value {self.value} lies outside bounds [{lo}, {hi}]")
        return self


@dataclass(frozen=True)
class ParameterTable:
    """All parameters of a model, in file order, with a way to build per-patient arrays."""

    records: tuple[ParameterRecord, ...]

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(r.name for r in self.records)

    @property
    def values(self) -> np.ndarray:
        return np.array([r.value for r in self.records])

    def __getitem__(self, name: str) -> ParameterRecord:
        for r in self.records:
            if r.name == name:
                return r
        raise KeyError(name)

    def index(self, name: str) -> int:
        try:
            return self.names.index(name)
        except ValueError:
            raise InputError(f"unknown model parameter {name!r}", field=name) from None

    def array(self, n: int, overrides: Mapping[str, float | np.ndarray] | None = None) -> np.ndarray:
        """Parameters of ``n`` patients, shape ``(n, P)``: defaults, then ``overrides`` by name.

        An override is a scalar (all patients) or an array of length ``n``.
        """
        out = np.tile(self.values, (n, 1))
        for name, v in (overrides or {}).items():
            v = np.asarray(v, dtype=float)
            if v.ndim not in (0, 1) or (v.ndim == 1 and v.shape[0] != n):
                raise InputError(f"override {name!r} must be a scalar or have length {n}; got shape {v.shape}",
                                 field=name)
            out[:, self.index(name)] = v
        return out

    def counts(self) -> dict[str, int]:
        """How many parameters have each status."""
        out: dict[str, int] = {}
        for r in self.records:
            out[r.status] = out.get(r.status, 0) + 1
        return out

    def replace(self, **values: float) -> ParameterTable:
        """A copy with new default values (calibration writes through this)."""
        recs = []
        for r in self.records:
            recs.append(r.model_copy(update={"value": float(values.pop(r.name))}) if r.name in values else r)
        if values:
            raise InputError(f"unknown model parameters {sorted(values)}", field=sorted(values)[0])
        return ParameterTable(tuple(recs))


def _read(path: Path) -> ParameterTable:
    from lenvici.errors import CurationError

    recs = read_yaml_records(path, ParameterRecord)
    seen: set[str] = set()
    for r in recs:
        if r.name in seen:
            raise CurationError(str(path), "duplicate parameter name", r.name, "name")
        seen.add(r.name)
    return ParameterTable(tuple(recs))


@lru_cache(maxsize=None)
def _shipped() -> ParameterTable:
    return _read(default_data_dir() / PARAMETER_FILE)


def load_parameters(path: str | Path | None = None) -> ParameterTable:
    """Read and validate the parameter file (the shipped one by default; read once per process).

    Raises
    ------
    CurationError
        Naming the file, the record and the field of the first problem.
    """
    if path is None:
        return _shipped()
    return _read(Path(path))
