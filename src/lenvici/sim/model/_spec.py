"""The declarative pieces an ODE model is written in: states, inputs, parameters, algebraic definitions
and fluxes.

A model is *data about equations*: every right-hand side is a sum of named fluxes, each flux an
expression (a sympy expression) that moves material from one state to another, out of the system, or in
from outside. From this one description :mod:`lenvici.sim.model._compile` generates the vectorised
right-hand side, its Jacobian and a sparse LU factorisation for the solver, :mod:`._document` writes the
equations and the parameter table to ``docs/model.md``, and :func:`ModelSpec.infix` gives each expression
as an SBML Level 3 infix formula (what ``libsbml.parseL3Formula`` reads) for the SBML export.

Why sympy: one expression tree that prints to NumPy code, to LaTeX for the documentation and to infix
for SBML, and that differentiates itself for the analytic Jacobian.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

import sympy as sp

__all__ = ["State", "Input", "Definition", "Flux", "ModelSpec"]


@dataclass(frozen=True)
class State:
    """One state variable.

    Parameters
    ----------
    name
        Identifier used in expressions (a valid Python and SBML id).
    unit
        Unit of the state (``mL``, ``1`` for dimensionless, ...).
    description
        One line for the documentation.
    scale
        Typical magnitude; the solver's absolute tolerance for this state is ``atol * scale``.
    nonnegative
        Whether the state is a non-negative quantity (every outflow is proportional to it).
    """

    name: str
    unit: str
    description: str
    scale: float = 1.0
    nonnegative: bool = True


@dataclass(frozen=True)
class Input:
    """A time-varying input supplied from outside the model (drug exposure), per patient."""

    name: str
    unit: str
    description: str


@dataclass(frozen=True)
class Definition:
    """An algebraic quantity (assignment): ``name = expr``, usable in later definitions and fluxes.

    ``output=True`` marks quantities reported to the user (occupancies, diameters) besides the states.
    """

    name: str
    expr: str
    unit: str
    description: str
    output: bool = False


@dataclass(frozen=True)
class Flux:
    """A rate term: ``rate`` (in state units per day) leaves ``source`` and enters ``target``.

    ``source=None`` is an inflow from outside the system (proliferation, recruitment, synthesis);
    ``target=None`` is an outflow out of it (death, clearance, decay).
    """

    name: str
    rate: str
    source: str | None
    target: str | None
    description: str


@dataclass(frozen=True)
class ModelSpec:
    """A whole model: the ordered states, inputs, parameter names, definitions and fluxes.

    Parameters are referred to by name only; their values, units and sources live in a parameter file
    (for the HCC model ``lenvici/data/sim/model_parameters.yaml``), so that calibration moves numbers
    without touching equations.
    """

    name: str
    states: tuple[State, ...]
    inputs: tuple[Input, ...]
    parameters: tuple[str, ...]
    definitions: tuple[Definition, ...]
    fluxes: tuple[Flux, ...]
    description: str = ""
    time_unit: str = "day"
    _cache: dict = field(default_factory=dict, compare=False, repr=False, hash=False)

    def __post_init__(self) -> None:
        names = [s.name for s in self.states] + [i.name for i in self.inputs] + list(self.parameters)
        names += [d.name for d in self.definitions]
        dup = {n for n in names if names.count(n) > 1}
        if dup:
            raise ValueError(f"model {self.name!r}: names used twice: {sorted(dup)}")
        states = {s.name for s in self.states}
        for f in self.fluxes:
            for end in (f.source, f.target):
                if end is not None and end not in states:
                    raise ValueError(f"flux {f.name!r}: {end!r} is not a state")
            if f.source is None and f.target is None:
                raise ValueError(f"flux {f.name!r} has neither source nor target")
        # parse everything once, so a typo fails at definition time with the flux's name
        self.symbols  # noqa: B018
        self.definition_exprs  # noqa: B018
        self.flux_exprs  # noqa: B018

    # --- names ------------------------------------------------------------------------------------
    @property
    def state_names(self) -> tuple[str, ...]:
        return tuple(s.name for s in self.states)

    @property
    def input_names(self) -> tuple[str, ...]:
        return tuple(i.name for i in self.inputs)

    @property
    def output_names(self) -> tuple[str, ...]:
        return tuple(d.name for d in self.definitions if d.output)

    @property
    def n_states(self) -> int:
        return len(self.states)

    # --- symbolic forms ---------------------------------------------------------------------------
    @cached_property
    def symbols(self) -> dict[str, sp.Symbol]:
        """Every name → its sympy symbol (states, inputs, parameters, definitions, ``t``)."""
        names = list(self.state_names) + list(self.input_names) + list(self.parameters)
        names += [d.name for d in self.definitions] + ["t"]
        return {n: sp.Symbol(n, real=True) for n in names}

    def _parse(self, text: str, what: str, allowed: set[str]) -> sp.Expr:
        local = {n: self.symbols[n] for n in allowed}
        local.update({"exp": sp.exp, "log": sp.log, "sqrt": sp.sqrt, "pi": sp.pi, "Max": sp.Max, "Min": sp.Min})
        try:
            expr = sp.sympify(text, locals=local)
        except (sp.SympifyError, SyntaxError, TypeError) as exc:
            raise ValueError(f"{what}: cannot parse {text!r}: {exc}") from exc
        unknown = {s.name for s in expr.free_symbols} - allowed
        if unknown:
            raise ValueError(f"{what}: unknown names {sorted(unknown)} in {text!r}")
        return expr

    @cached_property
    def definition_exprs(self) -> dict[str, sp.Expr]:
        """Each definition as written (it may refer to earlier definitions)."""
        allowed = set(self.state_names) | set(self.input_names) | set(self.parameters) | {"t"}
        out: dict[str, sp.Expr] = {}
        for d in self.definitions:
            out[d.name] = self._parse(d.expr, f"definition {d.name!r}", allowed | set(out))
            allowed = allowed | {d.name}
        return out

    @cached_property
    def flux_exprs(self) -> dict[str, sp.Expr]:
        allowed = set(self.state_names) | set(self.input_names) | set(self.parameters) | {"t"}
        allowed |= {d.name for d in self.definitions}
        return {f.name: self._parse(f.rate, f"flux {f.name!r}", allowed) for f in self.fluxes}

    @cached_property
    def expanded_definitions(self) -> dict[str, sp.Expr]:
        """Each definition with earlier definitions substituted: only states, inputs and parameters."""
        out: dict[str, sp.Expr] = {}
        for name, expr in self.definition_exprs.items():
            out[name] = expr.xreplace({self.symbols[k]: v for k, v in out.items()})
        return out

    def expand(self, expr: sp.Expr) -> sp.Expr:
        """Substitute all definitions into ``expr``."""
        sub = {self.symbols[k]: v for k, v in self.expanded_definitions.items()}
        return expr.xreplace(sub)

    def balance(self, state: str) -> list[tuple[int, Flux]]:
        """The fluxes that enter (+1) or leave (−1) ``state``, in declaration order."""
        out = []
        for f in self.fluxes:
            if f.target == state:
                out.append((+1, f))
            if f.source == state:
                out.append((-1, f))
        return out

    @cached_property
    def rhs_exprs(self) -> tuple[sp.Expr, ...]:
        """dy/dt for each state, in terms of definitions (compact form, for documentation)."""
        out = []
        for s in self.states:
            terms = [sign * self.flux_exprs[f.name] for sign, f in self.balance(s.name)]
            out.append(sp.Add(*terms))
        return tuple(out)

    @cached_property
    def rhs_expanded(self) -> tuple[sp.Expr, ...]:
        """dy/dt for each state with every definition substituted (what the code generator compiles)."""
        fl = {name: self.expand(e) for name, e in self.flux_exprs.items()}
        out = []
        for s in self.states:
            out.append(sp.Add(*[sign * fl[f.name] for sign, f in self.balance(s.name)]))
        return tuple(out)

    def infix(self, expr: sp.Expr | str) -> str:
        """An expression as an SBML Level 3 infix formula (``libsbml.parseL3Formula`` syntax)."""
        from lenvici.sim.model._infix import to_infix

        if isinstance(expr, str):
            expr = self.flux_exprs.get(expr, self.definition_exprs.get(expr))
        return to_infix(expr)
