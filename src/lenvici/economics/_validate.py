"""Semantic checks of a model file, run once when it loads: names, references, shapes, cycles, PSA groups.

Every check raises ``ValueError("<field path>: <what is wrong and what is allowed>")``;
:func:`lenvici.economics.model.load_model` turns it into an :class:`~lenvici.errors.InputError` naming the
field.
"""

from __future__ import annotations

import keyword
import math
import re
from collections.abc import Callable
from typing import TYPE_CHECKING

from lenvici.economics._expr import FUNCTIONS, Expression, compile_expression
from lenvici.economics.curves import FAMILIES
from lenvici.economics.psa import Dirichlet, GaussianCopula, MultivariateNormal

if TYPE_CHECKING:
    from lenvici.economics.model import Model

__all__ = ["check_model", "TIME_VARIABLES", "TABLE_FUNCTIONS"]

#: Variables every expression can read besides the parameters.
TIME_VARIABLES = ("cycle", "model_time", "markov_cycle", "state_time", "cycle_length")
#: Functions that take a lookup table as their first argument.
TABLE_FUNCTIONS = ("lookup", "interp")

_IDENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def _fail(path: str, message: str):
    raise ValueError(f"{path}: {message}" if path else message)


def _compile(model: Model, path: str, source) -> Expression:
    try:
        e = compile_expression(source)
    except ValueError as exc:
        _fail(path, str(exc))
    model._expr[path] = e
    return e


def _iter_expressions(model: Model):
    """Every (path, source, context) in the model; context is 'state:<name>' or a section."""
    for n, p in model.parameters.items():
        yield f"parameters.{n}", p.base, "parameter"
    for i, st in enumerate(model.states):
        for c, v in st.costs.items():
            yield f"states[{i}].costs.{c}", v, f"state:{st.name}"
        if st.utility is not None:
            yield f"states[{i}].utility", st.utility, f"state:{st.name}"
    if model.transitions is not None:
        for i, row in enumerate(model.transitions):
            for j, v in enumerate(row):
                if v != "C":
                    yield f"transitions[{i}][{j}]", v, f"row:{i}"
    for name, curve in model.curves.items():
        for k, v in curve.fields.items():
            if curve.type in FAMILIES or k in ("hr", "af"):
                yield f"curves.{name}.{k}", v, "curve"
    for sname, s in model.strategies.items():
        for n, v in s.parameters.items():
            yield f"strategies.{sname}.parameters.{n}", v, "parameter"
        if s.transitions is not None:
            for i, row in enumerate(s.transitions):
                for j, v in enumerate(row):
                    if v != "C":
                        yield f"strategies.{sname}.transitions[{i}][{j}]", v, f"row:{i}"
        if s.starting_values is not None:
            yield f"strategies.{sname}.starting_values.cost", s.starting_values.cost, "start"
            yield f"strategies.{sname}.starting_values.qaly", s.starting_values.qaly, "start"


def check_model(model: Model, functions: dict[str, Callable]) -> None:
    """Run every semantic check; compiled expressions are stored on the model."""
    model._functions = dict(functions)
    names = model.state_names
    n = len(names)
    if n < 2:
        _fail("states", "a model needs at least two states")
    for i, nm in enumerate(names):
        if not _IDENT.match(nm):
            _fail(f"states[{i}].name", f"must be an identifier (letters, digits, _); got {nm!r}")
    if len(set(names)) != n:
        _fail("states", f"state names must be unique; got {names}")
    if model.type == "psm" and any(s.tunnel > 1 for s in model.states):
        _fail("states", "tunnel states belong to Markov models, not partitioned survival")

    reserved = set(TIME_VARIABLES) | set(FUNCTIONS) | set(TABLE_FUNCTIONS) | set(functions)
    symbols: dict[str, str] = {}
    for section in ("parameters", "tables", "curves"):
        for nm in getattr(model, section):
            path = f"{section}.{nm}"
            if not _IDENT.match(nm) or keyword.iskeyword(nm):
                _fail(path, f"name must be an identifier (letters, digits, _), not a Python keyword; got {nm!r}")
            if nm in reserved:
                _fail(path, f"name {nm!r} is reserved (a time variable or a function)")
            if nm in symbols:
                _fail(path, f"name {nm!r} is already used in {symbols[nm]}")
            symbols[nm] = section

    # settings that refer to states
    if model.settings.init is not None:
        for k, v in model.settings.init.items():
            if k not in names:
                _fail(f"settings.init.{k}", f"unknown state; states are {', '.join(names)}")
            if not math.isfinite(v) or v < 0:
                _fail(f"settings.init.{k}", f"must be a count ≥ 0; got {v!r}")
        if sum(model.settings.init.values()) <= 0:
            _fail("settings.init", "the initial counts must not all be zero")
    if model.type == "psm" and model.settings.init is not None:
        if any(v > 0 for k, v in model.settings.init.items() if k != names[0]):
            _fail("settings.init", f"a partitioned survival model starts everyone in the first state ({names[0]})")
    for pname, p in model.parameters.items():
        if p.range is not None and not isinstance(p.base, (int, float)):
            _fail(f"parameters.{pname}.range", "a one-way range needs a numeric value, not an expression")
    if model.settings.effect == "qaly" and not model.has_utilities:
        _fail("settings.effect", "effect 'qaly' needs a utility on at least one state; use effect: ly")
    if model.settings.n_cycles < 1:
        _fail("settings.horizon", "the horizon is shorter than one cycle")

    # structure by model type
    if not model.strategies:
        _fail("strategies", "give at least one strategy")
    for sname in model.strategies:
        if not sname or any(ch in sname for ch in "\n\t"):
            _fail("strategies", f"strategy names must be non-empty single-line text; got {sname!r}")
    if model.type == "markov":
        if model.partition is not None:
            _fail("partition", "a Markov model has transitions, not a partition")
        for sname, s in model.strategies.items():
            if s.partition is not None:
                _fail(f"strategies.{sname}.partition", "a Markov model has transitions, not a partition")
            path, mat = model.strategy_transitions(sname)
            if mat is None:
                _fail(f"strategies.{sname}", "no transitions: give 'transitions' at the model or strategy level")
            _check_matrix(path, mat, n)
    else:
        if model.transitions is not None:
            _fail("transitions", "a partitioned survival model has a partition, not transitions")
        for sname, s in model.strategies.items():
            if s.transitions is not None:
                _fail(f"strategies.{sname}.transitions", "a partitioned survival model has a partition, not transitions")
            part = model.strategy_partition(sname)
            ppath = f"strategies.{sname}.partition" if s.partition is not None else "partition"
            if part is None:
                _fail(f"strategies.{sname}", "no partition: give 'partition' (curve names) at the model or strategy level")
            if len(part) != n - 1:
                _fail(ppath, f"{n} states need {n - 1} curves (innermost first, e.g. [pfs, os]); got {len(part)}")
            for c in part:
                if c not in model.curves:
                    _fail(ppath, f"unknown curve {c!r}; curves are {', '.join(model.curves) or 'none'}")
    for cname, curve in model.curves.items():
        f = curve.fields
        if curve.type in ("ph", "aft") and f["base"] not in model.curves:
            _fail(f"curves.{cname}.base", f"unknown curve {f['base']!r}")
        if curve.type == "km" and f.get("tail") is not None and f["tail"] not in model.curves:
            _fail(f"curves.{cname}.tail", f"unknown curve {f['tail']!r}")
    _check_curve_cycles(model)

    for sname, s in model.strategies.items():
        for p in s.parameters:
            if p not in model.parameters:
                _fail(f"strategies.{sname}.parameters.{p}",
                      f"unknown parameter {p!r}: a strategy overrides parameters defined under 'parameters'")

    # compile and resolve names
    known_values = set(model.parameters) | set(model.tables) | set(TIME_VARIABLES)
    known_calls = set(FUNCTIONS) | set(TABLE_FUNCTIONS) | set(model.curves) | set(functions)
    contexts: dict[str, str] = {}
    for path, source, ctx in _iter_expressions(model):
        e = _compile(model, path, source)
        contexts[path] = ctx
        for nm in e.names:
            if nm in model.curves:
                _fail(path, f"curve {nm!r} is a function of time in cycles: write {nm}(cycle)")
            if nm not in known_values:
                _fail(path, f"unknown name {nm!r} in {e.text!r}")
        for nm in e.calls:
            if nm not in known_calls:
                _fail(path, f"unknown function {nm!r} in {e.text!r}")
            if nm in model.tables:
                _fail(path, f"{nm!r} is a table: write lookup({nm}, x)")
        tables_used = e.names & set(model.tables)
        if tables_used and not (e.calls & set(TABLE_FUNCTIONS)):
            _fail(path, f"table {sorted(tables_used)[0]!r} can only be read through lookup() or interp()")

    # dependency cycles and state_time use, per strategy
    st_dep_any: set[str] = set()
    for sname in model.strategies:
        paths = model.parameter_paths(sname)
        deps = {p: _deps(model, model._expr[path]) for p, path in paths.items()}
        _check_cycles({**deps, **{c: _curve_deps(model, c) for c in model.curves}},
                      {**paths, **{c: f"curves.{c}" for c in model.curves}})
        st_dep_any |= _state_time_dependent(model, deps, paths)
    for path, ctx in contexts.items():
        e = model._expr[path]
        uses = "state_time" in e.names or bool(_all_param_deps(model, e) & st_dep_any)
        if not uses:
            continue
        if ctx.startswith("state:"):
            st = next(s for s in model.states if s.name == ctx[6:])
            if st.tunnel > 1:
                continue
            _fail(path, f"uses state_time, but state {st.name!r} is not a tunnel state (set tunnel: k)")
        if ctx.startswith("row:"):
            if model.states[int(ctx[4:])].tunnel > 1:
                continue
            _fail(path, f"uses state_time, but state {model.states[int(ctx[4:])].name!r} is not a tunnel state")
        if ctx in ("curve", "start"):
            _fail(path, "state_time cannot be used here")
    for cname, curve in model.curves.items():
        for k in curve.fields:
            path = f"curves.{cname}.{k}"
            if path in model._expr:
                e = model._expr[path]
                if e.names & {"cycle", "model_time", "markov_cycle"}:
                    _fail(path, "curve parameters cannot depend on the cycle; the curve is a function of time")

    _check_psa(model)


def _check_matrix(path: str, mat, n: int) -> None:
    if len(mat) != n:
        _fail(path, f"must have {n} rows, one per state; got {len(mat)}")
    for i, row in enumerate(mat):
        if len(row) != n:
            _fail(f"{path}[{i}]", f"must have {n} entries, one per state; got {len(row)}")
        cs = [j for j, v in enumerate(row) if v == "C"]
        if len(cs) > 1:
            _fail(f"{path}[{i}]", "at most one complement 'C' per row")
        for j, v in enumerate(row):
            if isinstance(v, (int, float)) and not isinstance(v, bool) and not 0 <= v <= 1:
                _fail(f"{path}[{i}][{j}]", f"a probability must lie in [0, 1]; got {v!r}")


def _deps(model: Model, e: Expression) -> set[str]:
    """Parameters and curves an expression reads directly."""
    return {x for x in (e.names | e.calls) if x in model.parameters or x in model.curves}


def _curve_deps(model: Model, cname: str) -> set[str]:
    curve = model.curves[cname]
    out: set[str] = set()
    for k in curve.fields:
        path = f"curves.{cname}.{k}"
        if path in model._expr:
            out |= {x for x in model._expr[path].names if x in model.parameters}
    for k in ("base", "tail"):
        if k in curve.fields and curve.fields[k] is not None:
            out.add(curve.fields[k])
    return out


def _check_curve_cycles(model: Model) -> None:
    graph = {c: {d for d in ("base", "tail") if model.curves[c].fields.get(d)} for c in model.curves}
    graph = {c: {model.curves[c].fields[d] for d in ds} for c, ds in graph.items()}
    state: dict[str, int] = {}

    def visit(c, stack):
        if state.get(c) == 1:
            _fail(f"curves.{c}", f"circular definition {' → '.join([*stack, c])}")
        if state.get(c) == 2:
            return
        state[c] = 1
        for d in graph[c]:
            visit(d, [*stack, c])
        state[c] = 2

    for c in graph:
        visit(c, [])


def _check_cycles(deps: dict[str, set[str]], paths: dict[str, str]) -> None:
    state: dict[str, int] = {}

    def visit(p, stack):
        if state.get(p) == 1:
            loop = stack[stack.index(p):] + [p]
            _fail(paths[loop[0]], f"circular definition {' → '.join(loop)}")
        if state.get(p) == 2:
            return
        state[p] = 1
        for d in deps.get(p, ()):
            if d in deps:
                visit(d, [*stack, p])
        state[p] = 2

    for p in deps:
        visit(p, [])


def _state_time_dependent(model: Model, deps: dict[str, set[str]], paths: dict[str, str]) -> set[str]:
    direct = {p for p, path in paths.items() if "state_time" in model._expr[path].names}
    out = set(direct)
    changed = True
    while changed:
        changed = False
        for p, ds in deps.items():
            if p not in out and ds & out:
                out.add(p)
                changed = True
    return out


def _all_param_deps(model: Model, e: Expression) -> set[str]:
    seen: set[str] = set()
    todo = list(_deps(model, e))
    while todo:
        x = todo.pop()
        if x in seen:
            continue
        seen.add(x)
        if x in model.parameters:
            todo.extend(_deps(model, model._expr[f"parameters.{x}"]))
        elif x in model.curves:
            todo.extend(_curve_deps(model, x))
    return seen


def _check_psa(model: Model) -> None:
    grouped: dict[str, str] = {}
    for kind, groups in (("correlations", model.psa.correlations), ("multivariate_normal", model.psa.multivariate_normal),
                         ("dirichlet", model.psa.dirichlet)):
        for g_i, g in enumerate(groups):
            path = f"psa.{kind}[{g_i}]"
            for p in g.parameters:
                if p not in model.parameters:
                    _fail(f"{path}.parameters", f"unknown parameter {p!r}")
                if kind != "correlations" and p in grouped:
                    _fail(f"{path}.parameters", f"parameter {p!r} is already drawn in {grouped[p]}")
                spec = model.parameter(p)
                if kind == "correlations":
                    if spec.distribution is None:
                        _fail(f"{path}.parameters", f"{p!r} needs a distribution to be correlated")
                else:
                    if spec.distribution is not None:
                        _fail(f"{path}.parameters", f"{p!r} has its own distribution; it cannot also be drawn in {kind}")
                    if kind == "multivariate_normal" and not isinstance(spec.base, (int, float)):
                        _fail(f"{path}.parameters", f"{p!r} needs a numeric value (the mean of the group)")
                grouped.setdefault(p, path)
            try:
                if kind == "correlations":
                    GaussianCopula(tuple(g.parameters), tuple(map(tuple, g.matrix)))
                elif kind == "multivariate_normal":
                    MultivariateNormal(tuple(g.parameters), tuple(float(model.parameter(p).base) for p in g.parameters),
                                       tuple(map(tuple, g.covariance)))
                else:
                    Dirichlet(tuple(g.parameters), tuple(g.counts))
            except ValueError as exc:
                _fail(path, str(exc))
    seen: dict[str, int] = {}
    for g_i, g in enumerate(model.psa.correlations):
        for p in g.parameters:
            if p in seen:
                _fail(f"psa.correlations[{g_i}].parameters", f"{p!r} is already in correlation group {seen[p]}")
            seen[p] = g_i
