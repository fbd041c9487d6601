"""SBML Level 3 Version 2 export of a :class:`~lenvici.sim.model.ModelSpec` (python-libsbml).

The export is the same model lenvici integrates, written from the same sympy expressions:

- every **state** is a non-constant ``parameter`` with a ``rateRule`` ``d(state)/dt = Σ ± flux``;
- every **flux** is a non-constant ``parameter`` with an ``assignmentRule`` (its rate, in state units per
  day), so the flux structure of :mod:`lenvici.sim.model.hcc` survives in the file;
- every **definition** (occupancies, hazards, diameters, ...) is an ``assignmentRule``;
- every **model parameter** is a constant ``parameter`` with the patient's value and, where the unit string
  is understood (``mL``, ``nM``, ``1/day``, ``1``, ...), its SBML unit definition;
- the **drug inputs** are constant parameters (``exposures="constant"``, values from ``inputs``),
  assignment rules of time (``exposures={"c_len": "3.5 * exp(-0.55 * time)", ...}``) or **dose events**
  (``doses=[DoseSchedule(...)]``): linear PK as exponential modes ``z_m`` (``dz_m/dt = −λ_m z_m``, the input
  is ``Σ z_m``) and SBML events that add ``amount · A_m`` at each dose, the representation of
  :class:`~lenvici.sim.solver.DoseEventExposure` (one event with a moving next-dose time for a regular
  schedule, one event per dose otherwise).

States are parameters rather than species so that no compartment or amount/concentration semantics are
introduced: the equations are exactly lenvici's ``dy/dt``. The document is checked with libsbml's
consistency checks (errors raise; unit warnings are tolerated, since numeric literals such as ``10`` or
``2/3`` in the formulas carry no units).

python-libsbml is an optional dependency (``pip install lenvici[sbml]``).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import sympy as sp

from lenvici.sim.model._infix import to_infix
from lenvici.sim.model._spec import ModelSpec

__all__ = ["DoseSchedule", "to_sbml", "sbml_unit_id"]


@dataclass(frozen=True)
class DoseSchedule:
    """One drug input of one patient as dose events: linear PK written as exponential modes.

    After doses ``a_d`` at times ``t_d`` the input is ``Σ_d a_d Σ_m A_m exp(−λ_m (t − t_d))`` (the
    superposition :class:`~lenvici.sim.solver.DoseEventExposure` integrates). Times are in the model's time
    unit from the start of the simulation (SBML time 0); doses at or before 0 are folded into the modes'
    initial values. ``DoseEventExposure.schedules(patient)`` gives these for one patient.
    """

    input: str
    amplitudes: tuple[float, ...]
    rates: tuple[float, ...]
    times: tuple[float, ...]
    amounts: tuple[float, ...]

    def __post_init__(self):
        if len(self.amplitudes) != len(self.rates) or not self.amplitudes:
            raise ValueError(f"DoseSchedule {self.input!r}: amplitudes and rates must be non-empty, of equal length")
        if len(self.times) != len(self.amounts):
            raise ValueError(f"DoseSchedule {self.input!r}: times and amounts must have equal length")
        t = np.asarray(self.times, dtype=float)
        if not np.all(np.isfinite(t)) or np.any(np.diff(t) < 0):
            raise ValueError(f"DoseSchedule {self.input!r}: dose times must be finite and sorted")
        if np.any(np.asarray(self.rates, dtype=float) < 0):
            raise ValueError(f"DoseSchedule {self.input!r}: rates must be >= 0")

    def regular(self) -> tuple[float, float, float, int] | None:
        """``(first time, interval, amount, count)`` of the doses after time 0 when they are equally spaced
        with equal amounts (at least two), else ``None``."""
        t = np.asarray(self.times, dtype=float)
        a = np.asarray(self.amounts, dtype=float)
        later = t > 0
        t, a = t[later], a[later]
        if t.size < 2:
            return None
        gaps = np.diff(t)
        if np.ptp(gaps) > 1e-9 * max(1.0, gaps[0]) or np.ptp(a) > 1e-12 * max(1.0, abs(a[0])) or gaps[0] <= 0:
            return None
        return float(t[0]), float(gaps[0]), float(a[0]), int(t.size)

# base unit → (SBML kind, exponent, scale, multiplier)
_BASE = {
    "1": [],
    "day": [("second", 1, 0, 86400.0)],
    "d": [("second", 1, 0, 86400.0)],
    "h": [("second", 1, 0, 3600.0)],
    "s": [("second", 1, 0, 1.0)],
    "L": [("litre", 1, 0, 1.0)],
    "mL": [("litre", 1, -3, 1.0)],
    "m": [("metre", 1, 0, 1.0)],
    "mm": [("metre", 1, -3, 1.0)],
    "cm": [("metre", 1, -2, 1.0)],
    "M": [("mole", 1, 0, 1.0), ("litre", -1, 0, 1.0)],
    "mM": [("mole", 1, -3, 1.0), ("litre", -1, 0, 1.0)],
    "uM": [("mole", 1, -6, 1.0), ("litre", -1, 0, 1.0)],
    "nM": [("mole", 1, -9, 1.0), ("litre", -1, 0, 1.0)],
    "mg": [("gram", 1, -3, 1.0)],
    "g": [("gram", 1, 0, 1.0)],
}


def sbml_unit_id(unit: str) -> str:
    """An SBML SId for a unit string: ``1/day`` → ``per_day``, ``mL`` → ``mL``, ``1`` → ``dimensionless``."""
    if unit.strip() == "1":
        return "dimensionless"
    s = unit.strip().replace(" ", "")
    s = re.sub(r"^1/", "per_", s).replace("/", "_per_").replace("*", "_").replace("^", "_pow_")
    s = re.sub(r"[^A-Za-z0-9_]", "_", s)
    return s if not s[0].isdigit() else "u_" + s


def _parse_unit(unit: str) -> list[tuple[str, float, int, float]] | None:
    """``num/den1/den2`` with ``*`` products and ``^k`` powers of the base units; ``None`` if not understood."""
    parts = unit.replace(" ", "").split("/")
    out: list[tuple[str, float, int, float]] = []
    for i, part in enumerate(parts):
        sign = 1 if i == 0 else -1
        for factor in part.split("*"):
            base, _, power = factor.partition("^")
            try:
                p = float(power) if power else 1.0
            except ValueError:
                return None
            if base not in _BASE:
                return None
            for kind, e, scale, mult in _BASE[base]:
                out.append((kind, sign * p * e, scale, mult))
    return out


def _as_mapping(names: Sequence[str], values, what: str, default: float | None) -> dict[str, float]:
    if values is None:
        if default is None:
            raise ValueError(f"to_sbml: {what} are required")
        return dict.fromkeys(names, default)
    if isinstance(values, Mapping):
        unknown = set(values) - set(names)
        if unknown:
            raise ValueError(f"to_sbml: unknown {what} {sorted(unknown)}")
        if default is None and set(names) - set(values):
            raise ValueError(f"to_sbml: missing {what} {sorted(set(names) - set(values))}")
        return {n: float(values.get(n, default if default is not None else 0.0)) for n in names}
    arr = np.asarray(values, dtype=float).ravel()
    if arr.shape[0] != len(names):
        raise ValueError(f"to_sbml: {what} need {len(names)} values; got {arr.shape[0]}")
    return dict(zip(names, arr.tolist(), strict=True))


def _check(rc: int, what: str) -> None:
    import libsbml

    if rc != libsbml.LIBSBML_OPERATION_SUCCESS:
        raise RuntimeError(f"libsbml: {what} failed: {libsbml.OperationReturnValue_toString(rc)}")


def to_sbml(spec: ModelSpec, params_row, exposures: str | Mapping[str, str | float] = "constant", *,
            inputs=None, y0=None, doses: Sequence[DoseSchedule] = (), parameter_units: Mapping[str, str] | None = None,
            validate: bool = True) -> str:
    """The model as an SBML Level 3 Version 2 document (a string).

    Parameters
    ----------
    spec
        The model.
    params_row
        One patient's parameters: ``(n_params,)`` in ``spec.parameters`` order, or a mapping name → value.
    exposures
        ``"constant"``: each drug input is a constant parameter with its value from ``inputs`` (default 0,
        i.e. no drug). A mapping input name → infix formula of ``time`` (days; or a number): that input is an
        assignment rule (inputs not listed are constants from ``inputs``).
    inputs
        Constant input values, ``(n_inputs,)`` or a mapping (default: zero).
    y0
        Initial states, ``(n_states,)`` or a mapping (default: zero).
    doses
        Inputs given as dose events (:class:`DoseSchedule`, at most one per input, not also in
        ``exposures``); the mode amplitudes are parameters ``<input>__amp<m>`` and the modes' values
        ``<input>__z<m>``, so that a tool can change the dose scale per patient.
    parameter_units
        Unit strings of the parameters (name → unit); by default those of the shipped parameter file for the
        names it has. Units not understood are left out.
    validate
        Run libsbml's consistency checks and raise :class:`ValueError` on any error.
    """
    import libsbml

    pvals = _as_mapping(spec.parameters, params_row, "parameters", None)
    ivals = _as_mapping(spec.input_names, inputs, "inputs", 0.0)
    yvals = _as_mapping(spec.state_names, y0, "initial states", 0.0)
    if parameter_units is None:
        parameter_units = {}
        try:
            from lenvici.sim.model._params import load_parameters

            table = load_parameters()
            parameter_units = {r.name: r.unit for r in table.records if r.name in set(spec.parameters)}
        except Exception:  # noqa: BLE001 - units are decoration; a missing file must not block the export
            parameter_units = {}
    if isinstance(exposures, str):
        if exposures != "constant":
            raise ValueError(f"to_sbml: exposures must be 'constant' or a mapping; got {exposures!r}")
        rules: dict[str, str] = {}
    else:
        unknown = set(exposures) - set(spec.input_names)
        if unknown:
            raise ValueError(f"to_sbml: exposures for unknown inputs {sorted(unknown)}")
        rules = {k: (repr(float(v)) if isinstance(v, int | float) else str(v)) for k, v in exposures.items()}

    doc = libsbml.SBMLDocument(3, 2)
    model = doc.createModel()
    _check(model.setId(spec.name if spec.name.isidentifier() else "model"), "model id")
    if spec.description:
        model.setName(spec.description[:200])

    # --- units -------------------------------------------------------------------------------------
    defined: set[str] = set()

    def unit_id(unit: str) -> str | None:
        if unit.strip() == "1":
            return "dimensionless"
        uid = sbml_unit_id(unit)
        if uid in defined:
            return uid
        parts = _parse_unit(unit)
        if parts is None:
            return None
        ud = model.createUnitDefinition()
        _check(ud.setId(uid), f"unit {unit!r}")
        for kind, exponent, scale, mult in parts:
            u = ud.createUnit()
            u.setKind(libsbml.UnitKind_forName(kind))
            u.setExponent(exponent)
            u.setScale(scale)
            u.setMultiplier(mult)
        defined.add(uid)
        return uid

    tid = unit_id(spec.time_unit)
    if tid is not None:
        model.setTimeUnits(tid)

    def add_param(name: str, value: float | None, constant: bool, unit: str | None) -> None:
        p = model.createParameter()
        _check(p.setId(name), f"parameter id {name!r}")
        p.setConstant(constant)
        if value is not None:
            p.setValue(float(value))
        if unit:
            uid = unit_id(unit)
            if uid is not None:
                p.setUnits(uid)

    time_sym = sp.Symbol("time")
    tsub = {spec.symbols["t"]: time_sym}

    def formula(expr: sp.Expr) -> libsbml.ASTNode:
        text = to_infix(expr.xreplace(tsub))
        ast = libsbml.parseL3FormulaWithModel(text, model)
        if ast is None:
            raise ValueError(f"to_sbml: libsbml cannot parse {text!r}: {libsbml.getLastParseL3Error()}")
        return ast

    def add_assignment(name: str, ast) -> None:
        r = model.createAssignmentRule()
        _check(r.setVariable(name), f"rule variable {name!r}")
        _check(r.setMath(ast), f"math of {name!r}")

    # --- constants: parameters and constant inputs -------------------------------------------------
    for name in spec.parameters:
        add_param(name, pvals[name], True, parameter_units.get(name))
    dosed = {d.input for d in doses}
    if len(dosed) != len(doses) or dosed - set(spec.input_names) or dosed & set(rules):
        raise ValueError(f"to_sbml: doses must name distinct inputs of the model not given in exposures; got "
                         f"{[d.input for d in doses]}")
    for inp in spec.inputs:
        if inp.name in rules or inp.name in dosed:
            add_param(inp.name, None, False, inp.unit)
        else:
            add_param(inp.name, ivals[inp.name], True, inp.unit)
    # --- states, definitions, fluxes ---------------------------------------------------------------
    for s in spec.states:
        add_param(s.name, yvals[s.name], False, s.unit)
    for d in spec.definitions:
        add_param(d.name, None, False, d.unit)
    taken = set(spec.symbols) | {"time"}
    flux_id = {}
    for f in spec.fluxes:
        fid = f.name if f.name.isidentifier() and f.name not in taken else f"flux_{f.name}"
        flux_id[f.name] = fid
        taken.add(fid)
        unit = next(s.unit for s in spec.states if s.name == (f.target or f.source))
        add_param(fid, None, False, f"{unit}/{spec.time_unit}" if unit != "1" else f"1/{spec.time_unit}")

    _add_dose_events(model, spec, doses, add_param, add_assignment)
    for name, text in rules.items():
        ast = libsbml.parseL3FormulaWithModel(text, model)
        if ast is None:
            raise ValueError(f"to_sbml: exposure of {name!r}: cannot parse {text!r}: {libsbml.getLastParseL3Error()}")
        add_assignment(name, ast)
    for name, expr in spec.definition_exprs.items():
        add_assignment(name, formula(expr))
    for name, expr in spec.flux_exprs.items():
        add_assignment(flux_id[name], formula(expr))
    for s in spec.states:
        terms = [(sign, flux_id[f.name]) for sign, f in spec.balance(s.name)]
        text = " ".join(f"{'+' if sign > 0 else '-'} {fid}" for sign, fid in terms).lstrip("+ ") or "0"
        ast = libsbml.parseL3FormulaWithModel(text, model)
        r = model.createRateRule()
        _check(r.setVariable(s.name), f"rate rule {s.name!r}")
        _check(r.setMath(ast), f"rate of {s.name!r}")

    if validate:
        doc.setConsistencyChecks(libsbml.LIBSBML_CAT_UNITS_CONSISTENCY, True)
        doc.checkConsistency()
        errors = [doc.getError(i) for i in range(doc.getNumErrors())
                  if doc.getError(i).getSeverity() >= libsbml.LIBSBML_SEV_ERROR]
        if errors:
            msg = "; ".join(f"{e.getErrorId()}: {e.getShortMessage()} ({e.getMessage().strip()[:200]})"
                            for e in errors[:5])
            raise ValueError(f"to_sbml: the SBML document is not consistent ({len(errors)} errors): {msg}")
    return libsbml.writeSBMLToString(doc)


def _add_dose_events(model, spec: ModelSpec, doses: Sequence[DoseSchedule], add_param, add_assignment) -> None:
    """Modes, their decay, the input's assignment rule and the dose events of every :class:`DoseSchedule`."""
    import libsbml

    def math_of(text: str):
        ast = libsbml.parseL3FormulaWithModel(text, model)
        if ast is None:
            raise ValueError(f"to_sbml: libsbml cannot parse {text!r}: {libsbml.getLastParseL3Error()}")
        return ast

    def add_event(eid: str, trigger: str, assignments: Mapping[str, str]) -> None:
        ev = model.createEvent()
        _check(ev.setId(eid), f"event id {eid!r}")
        ev.setUseValuesFromTriggerTime(True)
        tr = ev.createTrigger()
        tr.setInitialValue(True)  # a trigger already true at time 0 does not fire: those doses are folded in
        tr.setPersistent(True)
        _check(tr.setMath(math_of(trigger)), f"trigger of {eid!r}")
        for var, text in assignments.items():
            ea = ev.createEventAssignment()
            _check(ea.setVariable(var), f"event assignment {var!r}")
            _check(ea.setMath(math_of(text)), f"event assignment {var!r}")

    unit = {i.name: i.unit for i in spec.inputs}
    for sched in doses:
        k = sched.input
        t = np.asarray(sched.times, dtype=float)
        a = np.asarray(sched.amounts, dtype=float)
        past = t <= 0
        modes = []
        for m, (amp, lam) in enumerate(zip(sched.amplitudes, sched.rates, strict=True)):
            z, amp_id, lam_id = f"{k}__z{m}", f"{k}__amp{m}", f"{k}__lam{m}"
            z0 = float(np.sum(a[past] * amp * np.exp(lam * t[past])))  # e^{-λ (0 - t_d)}
            add_param(amp_id, amp, True, None)
            add_param(lam_id, lam, True, None)
            add_param(z, z0, False, unit.get(k))
            rr = model.createRateRule()
            _check(rr.setVariable(z), f"rate rule {z!r}")
            _check(rr.setMath(math_of(f"-{lam_id} * {z}")), f"rate of {z!r}")
            modes.append((z, amp_id))
        add_assignment(k, math_of(" + ".join(z for z, _ in modes)))
        reg = sched.regular()
        if reg is not None:
            first, interval, amount, count = reg
            nxt, last, dose_id, tau = f"{k}__next", f"{k}__last", f"{k}__dose", f"{k}__interval"
            add_param(nxt, first, False, None)
            add_param(last, first + (count - 1) * interval, True, None)
            add_param(dose_id, amount, True, None)
            add_param(tau, interval, True, None)
            assign = {z: f"{z} + {dose_id} * {amp_id}" for z, amp_id in modes}
            assign[nxt] = f"{nxt} + {tau}"
            add_event(f"{k}__dosing", f"(time >= {nxt}) && ({nxt} <= {last})", assign)
        else:
            for d, (td, ad) in enumerate(zip(t[~past], a[~past], strict=True)):
                add_event(f"{k}__dose{d}", f"time >= {float(td)!r}",
                          {z: f"{z} + {float(ad)!r} * {amp_id}" for z, amp_id in modes})
