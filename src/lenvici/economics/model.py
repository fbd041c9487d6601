"""The model file: a cohort Markov or partitioned survival model as data, validated at load time.

A model file (YAML) names its states, parameters (numbers or expressions, optionally with a PSA
distribution and a one-way sensitivity range), lookup tables, survival curves, the transition matrix (Markov)
or the curves partitioning the states (partitioned survival), state costs and utilities, and the
strategies, each overriding whatever parameters, transitions or partition set it apart. The worked
examples in ``examples/economics/`` show every section; ``docs`` describe the format.

Expressions may use the parameters, ``cycle`` (model time t = 1 … T; ``model_time`` and
``markov_cycle`` are heemod's aliases), ``state_time`` (1 … k inside a tunnel state), ``cycle_length``
(years), lookup tables through ``lookup(table, x)`` and ``interp(table, x)``, survival curves called
with a time in cycles (``os(cycle)``), the functions of :data:`lenvici.economics._expr.FUNCTIONS` and
user functions passed to :func:`load_model`.

Every error names the field (``strategies.comb.transitions[0][1]``), the offending value and what is
allowed.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Literal, Union

import yaml
from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, ValidationError, field_validator, model_validator

from lenvici.economics._expr import Expression
from lenvici.economics._validate import TABLE_FUNCTIONS, TIME_VARIABLES, check_model
from lenvici.economics.curves import DAYS_PER_UNIT, FAMILIES
from lenvici.economics.psa import Dirichlet, Distribution, GaussianCopula, MultivariateNormal, make_distribution
from lenvici.errors import InputError

__all__ = ["Model", "Settings", "Discount", "State", "Parameter", "Table", "Curve", "Strategy", "PSASpec",
           "load_model", "TIME_VARIABLES", "TABLE_FUNCTIONS"]

Expr = Union[float, int, str]

_QUANTITY = re.compile(r"^\s*([0-9]*\.?[0-9]+(?:[eE][-+]?[0-9]+)?)\s*([A-Za-z]+)\s*$")
_UNIT_NAMES = {"day": "day", "days": "day", "d": "day", "week": "week", "weeks": "week", "wk": "week",
               "month": "month", "months": "month", "mo": "month", "year": "year", "years": "year",
               "yr": "year", "a": "year", "y": "year"}


class _Spec(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def parse_duration(text: str, field: str) -> tuple[float, str]:
    """``"1 month"`` → (1.0, "month"); the units are day, week, month, year."""
    m = _QUANTITY.match(str(text))
    if not m or m.group(2).lower() not in _UNIT_NAMES:
        raise ValueError(f"{field} must be 'VALUE UNIT' with a unit among day, week, month, year; got {text!r}")
    value = float(m.group(1))
    if value <= 0:
        raise ValueError(f"{field} must be > 0; got {text!r}")
    return value, _UNIT_NAMES[m.group(2).lower()]


def _years(value: float, unit: str) -> float:
    return value * DAYS_PER_UNIT[unit] / DAYS_PER_UNIT["year"]


class Discount(_Spec):
    """Annual discount rates and heemod's discounting conventions (see :mod:`.discount`)."""

    costs: float = Field(0.0, ge=0.0, le=1.0)
    effects: float = Field(0.0, ge=0.0, le=1.0)
    first: bool = False
    steps: Literal["annual", "cycle"] = "annual"
    life_years: bool = True


class Settings(_Spec):
    """Cycle length, horizon, correction, initial counts, discounting, effect measure, WTP grid."""

    cycle_length: str = "1 year"
    cycles: int | None = Field(None, ge=1, le=100_000)
    horizon: str | None = None
    correction: Literal["life-table", "half-cycle", "beginning", "end"] = "life-table"
    init: dict[str, float] | None = None
    effect: Literal["qaly", "ly"] = "qaly"
    discount: Discount = Discount()
    currency: str = ""
    wtp: list[float] | None = None

    @field_validator("cycle_length")
    @classmethod
    def _cycle_length(cls, v: str) -> str:
        parse_duration(v, "cycle_length")
        return v

    @field_validator("horizon")
    @classmethod
    def _horizon(cls, v: str | None) -> str | None:
        if v is not None:
            parse_duration(v, "horizon")
        return v

    @field_validator("wtp")
    @classmethod
    def _wtp(cls, v):
        if v is not None and (not v or any(not math.isfinite(x) or x < 0 for x in v)):
            raise ValueError("must be a non-empty list of finite amounts ≥ 0")
        return v

    @model_validator(mode="after")
    def _horizon_or_cycles(self):
        if (self.cycles is None) == (self.horizon is None):
            raise ValueError("give exactly one of 'cycles' and 'horizon'")
        return self

    @property
    def cycle_length_years(self) -> float:
        return _years(*parse_duration(self.cycle_length, "cycle_length"))

    @property
    def n_cycles(self) -> int:
        if self.cycles is not None:
            return self.cycles
        n = _years(*parse_duration(self.horizon, "horizon")) / self.cycle_length_years
        return int(round(n))


class Parameter(_Spec):
    """A parameter: base value (number or expression), PSA distribution, one-way range, source."""

    value: Expr | None = None
    distribution: dict | None = None
    range: tuple[float, float] | None = None
    source: str | None = None
    description: str | None = None

    @field_validator("distribution")
    @classmethod
    def _distribution(cls, v):
        if v is not None:
            make_distribution(v)
        return v

    @field_validator("range")
    @classmethod
    def _range(cls, v):
        if v is not None and not (math.isfinite(v[0]) and math.isfinite(v[1]) and v[0] <= v[1]):
            raise ValueError(f"must be [low, high] with low ≤ high; got {list(v)}")
        return v

    @model_validator(mode="after")
    def _value_or_distribution(self):
        if self.value is None and self.distribution is None:
            raise ValueError("give a 'value' (and optionally a 'distribution')")
        return self

    @property
    def dist(self) -> Distribution | None:
        return None if self.distribution is None else make_distribution(self.distribution)

    @property
    def base(self) -> Expr:
        """The base-case value: ``value``, else the distribution's mean."""
        return self.value if self.value is not None else self.dist.mean


class State(_Spec):
    """A health state: per-cycle costs (named components), utility per year, alive or dead, tunnel length."""

    name: str
    costs: dict[str, Expr] = {}
    utility: Expr | None = None
    alive: bool = True
    tunnel: int = Field(1, ge=1, le=10_000)
    description: str | None = None


class Table(_Spec):
    """A lookup table: bins [breaks[i], breaks[i+1]) (the last open) carrying ``values[i]``."""

    breaks: list[float]
    values: list[float]
    source: str | None = None

    @model_validator(mode="after")
    def _shape(self):
        if len(self.breaks) != len(self.values) or not self.breaks:
            raise ValueError("'breaks' and 'values' must be non-empty lists of the same length")
        if any(b2 <= b1 for b1, b2 in zip(self.breaks, self.breaks[1:])):
            raise ValueError("'breaks' must be strictly increasing")
        return self


class Curve(_Spec):
    """A survival curve: a parametric family, digitised KM points, or a curve modified by HR or AF."""

    model_config = ConfigDict(extra="allow", frozen=True)

    type: str
    time_unit: Literal["day", "week", "month", "year"] = "month"
    source: str | None = None

    @model_validator(mode="after")
    def _fields(self):
        extra = dict(self.model_extra or {})
        t = self.type
        if t in FAMILIES:
            need = set(FAMILIES[t])
        elif t == "km":
            need = {"times", "survival"}
            extra.pop("tail", None)
        elif t == "ph":
            need = {"base", "hr"}
        elif t == "aft":
            need = {"base", "af"}
        else:
            raise ValueError(f"curve type must be one of {', '.join([*FAMILIES, 'km', 'ph', 'aft'])}; got {t!r}")
        if set(extra) != need:
            raise ValueError(f"a {t} curve takes {', '.join(sorted(need))}"
                             f"{' (and optionally tail)' if t == 'km' else ''}; got {', '.join(sorted(extra)) or 'nothing'}")
        if t == "km":
            times, surv = extra["times"], extra["survival"]
            if (not isinstance(times, list) or not isinstance(surv, list) or len(times) != len(surv) or not times
                    or any(not isinstance(x, (int, float)) for x in times + surv)):
                raise ValueError("km 'times' and 'survival' must be lists of numbers of the same length")
            if any(b < a for a, b in zip(times, times[1:])) or times[0] < 0:
                raise ValueError("km 'times' must be ≥ 0 and non-decreasing")
            if any(b > a for a, b in zip(surv, surv[1:])) or any(not 0 <= s <= 1 for s in surv):
                raise ValueError("km 'survival' must lie in [0, 1] and never increase")
        return self

    @property
    def fields(self) -> dict:
        return dict(self.model_extra or {})


class StartingValues(_Spec):
    """One-off amounts at time 0, not discounted (heemod's ``define_starting_values``)."""

    cost: Expr = 0.0
    qaly: Expr = 0.0


class Strategy(_Spec):
    """A strategy: parameter overrides and, when it differs from the model's, its transitions or partition."""

    label: str | None = None
    parameters: dict[str, Expr] = {}
    transitions: list[list[Expr]] | None = None
    partition: list[str] | None = None
    starting_values: StartingValues | None = None
    description: str | None = None


class CorrelationGroup(_Spec):
    parameters: list[str]
    matrix: list[list[float]]


class MVNormalGroup(_Spec):
    parameters: list[str]
    covariance: list[list[float]]


class DirichletGroup(_Spec):
    parameters: list[str]
    counts: list[float]


class PSASpec(_Spec):
    """Joint distributions: Gaussian-copula correlations, multivariate normals, Dirichlet groups."""

    correlations: list[CorrelationGroup] = []
    multivariate_normal: list[MVNormalGroup] = []
    dirichlet: list[DirichletGroup] = []


class Model(_Spec):
    """A validated cost-effectiveness model; build it with :func:`load_model`."""

    name: str
    type: Literal["markov", "psm"]
    description: str | None = None
    sources: list[str] = []
    settings: Settings
    states: list[State]
    parameters: dict[str, Parameter] = {}
    tables: dict[str, Table] = {}
    curves: dict[str, Curve] = {}
    transitions: list[list[Expr]] | None = None
    partition: list[str] | None = None
    strategies: dict[str, Strategy]
    psa: PSASpec = PSASpec()

    _expr: dict[str, Expression] = PrivateAttr(default_factory=dict)
    _functions: dict[str, Callable] = PrivateAttr(default_factory=dict)

    @field_validator("parameters", mode="before")
    @classmethod
    def _parameters(cls, v):
        if not isinstance(v, Mapping):
            raise ValueError("must be a mapping of parameter names to numbers, expressions or specifications")
        out = {}
        for name, spec in v.items():
            if isinstance(spec, Parameter):
                out[name] = spec
                continue
            if isinstance(spec, bool) or not isinstance(spec, (int, float, str, Mapping)):
                raise ValueError(f"parameters.{name}: must be a number, an expression or a mapping with 'value'; "
                                 f"got {spec!r}")
            try:
                out[name] = Parameter.model_validate(spec if isinstance(spec, Mapping) else {"value": spec})
            except ValidationError as exc:
                err = exc.errors()[0]
                sub = _loc(err["loc"])
                msg = _clean(err)
                raise ValueError(f"parameters.{name}{'.' + sub if sub else ''}: {msg}") from None
        return out

    @model_validator(mode="after")
    def _semantics(self, info):
        functions = {}
        if info is not None and isinstance(info.context, Mapping):
            functions = dict(info.context.get("functions") or {})
        check_model(self, functions)
        return self

    # ---- accessors used by the engine -------------------------------------------------------------
    @property
    def state_names(self) -> list[str]:
        return [s.name for s in self.states]

    def parameter(self, name: str) -> Parameter:
        return self.parameters[name]

    def expr(self, path: str) -> Expression:
        return self._expr[path]

    @property
    def functions(self) -> dict[str, Callable]:
        return dict(self._functions)

    def strategy_transitions(self, strategy: str) -> tuple[str, list[list[Expr]]]:
        """The field path and matrix of a strategy's transitions (its own, else the model's)."""
        s = self.strategies[strategy]
        if s.transitions is not None:
            return f"strategies.{strategy}.transitions", s.transitions
        return "transitions", self.transitions

    def strategy_partition(self, strategy: str) -> list[str]:
        s = self.strategies[strategy]
        return s.partition if s.partition is not None else self.partition

    def parameter_paths(self, strategy: str) -> dict[str, str]:
        """Parameter name → path of the expression that defines it in ``strategy``."""
        paths = {n: f"parameters.{n}" for n in self.parameters}
        paths.update({n: f"strategies.{strategy}.parameters.{n}" for n in self.strategies[strategy].parameters})
        return paths

    def init_vector(self) -> list[float]:
        init = self.settings.init
        if init is None:
            return [1.0] + [0.0] * (len(self.states) - 1)
        return [float(init.get(s, 0.0)) for s in self.state_names]

    def distributions(self) -> dict[str, Distribution]:
        """Univariate PSA distributions by parameter name."""
        return {n: self.parameter(n).dist for n in self.parameters if self.parameter(n).distribution is not None}

    def psa_groups(self) -> tuple[tuple[GaussianCopula, ...], tuple[MultivariateNormal, ...], tuple[Dirichlet, ...]]:
        cops = tuple(GaussianCopula(tuple(g.parameters), tuple(map(tuple, g.matrix))) for g in self.psa.correlations)
        mvns = tuple(MultivariateNormal(tuple(g.parameters), tuple(float(self.parameter(n).base) for n in g.parameters),
                                        tuple(map(tuple, g.covariance))) for g in self.psa.multivariate_normal)
        dirs = tuple(Dirichlet(tuple(g.parameters), tuple(g.counts)) for g in self.psa.dirichlet)
        return cops, mvns, dirs

    @property
    def has_utilities(self) -> bool:
        return any(s.utility is not None for s in self.states)


# ---- loading --------------------------------------------------------------------------------------

def _loc(loc: tuple) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        elif part in ("float", "int", "str") or "[" in str(part) or "(" in str(part):
            continue
        else:
            out += ("." if out else "") + str(part)
    return out


def load_model(source: str | Path | Mapping, functions: Mapping[str, Callable] | None = None) -> Model:
    """Load and validate a model from a YAML file, YAML text or a mapping.

    Parameters
    ----------
    source
        Path to a ``.yaml`` file, or an already parsed mapping.
    functions
        Code hooks: extra functions the model's expressions may call, e.g. ``{"my_hazard": fn}``; each
        receives and returns NumPy arrays.

    Raises
    ------
    InputError
        The file cannot be read or parsed, or a field is invalid; the message names the field.
    """
    where = ""
    if isinstance(source, Mapping):
        data = dict(source)
    else:
        path = Path(source)
        where = f"{path.name}: "
        try:
            text = path.read_text(encoding="utf-8")
        except OSError as exc:
            raise InputError(f"cannot read model file {str(path)!r}: {exc.strerror}", field="MODEL") from None
        try:
            data = yaml.safe_load(text)
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            at = f" at line {mark.line + 1}" if mark is not None else ""
            raise InputError(f"{where}not valid YAML{at}", field="MODEL") from None
        if not isinstance(data, dict):
            raise InputError(f"{where}a model file must be a mapping of sections (name, type, settings, …)",
                             field="MODEL")
    try:
        return Model.model_validate(data, context={"functions": dict(functions or {})})
    except ValidationError as exc:
        err = exc.errors()[0]
        field = _loc(err["loc"])
        msg = _clean(err)
        m = _PATH_PREFIX.match(msg)
        if m and (not field or m.group(1).startswith(field)):
            field = m.group(1)
        elif field:
            msg = f"{field}: {msg}"
        raise InputError(f"{where}{msg}", field=field or None) from None


_PATH_PREFIX = re.compile(r"^([A-Za-z_][\w.\[\]-]*): ")


def _clean(err: dict) -> str:
    """A pydantic error as one plain sentence."""
    if err["type"] == "extra_forbidden":
        return "unknown field"
    if err["type"] == "missing":
        return "required field is missing"
    msg = err["msg"]
    for prefix in ("Value error, ", "Assertion failed, "):
        if msg.startswith(prefix):
            msg = msg[len(prefix):]
    if "input" in err and err["type"] not in ("value_error",) and not isinstance(err["input"], (dict, list)):
        msg += f" (got {err['input']!r})"
    return msg
