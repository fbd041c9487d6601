"""Generate vectorised NumPy code from a :class:`~lenvici.sim.model.ModelSpec`.

Arrays are *state-major*: ``Y`` has shape ``(n_states, m)``, ``P`` ``(n_params, m)``, ``U``
``(n_inputs, m)``, one column per patient, so that every state, parameter and input is one contiguous
vector and each generated line is one vectorised operation over all ``m`` patients.

Generated functions (straight-line code, common subexpressions shared by :func:`sympy.cse`):

``rhs(Y, P, U)``
    dy/dt, shape ``(n, m)``.
``lu(Y, P, U, c)``
    The LU factors of ``W = diag(c) - J`` (``J = ∂f/∂y``), computed on the Jacobian's sparsity pattern
    with its symbolic fill-in and without pivoting; the Rosenbrock solver uses ``c = 1/(γh)`` per patient.
    A vanishing pivot gives non-finite numbers, which the solver treats as a rejected step (``W`` tends
    to ``c·I`` as ``h`` shrinks, so a smaller step always restores a safe pivot).
``solve(F, B)``
    ``W⁻¹ B`` from the factors ``F``.
``dfdu(Y, P, U, DU)``
    ``(∂f/∂u) · du/dt``: the explicit time derivative of the right-hand side through the inputs.
``jac(Y, P, U)``
    The dense Jacobian ``(n, n, m)`` (for reference solvers and tests).
``outputs(Y, P, U)``
    The definitions marked ``output`` (occupancies, diameters, ...), as a dict of arrays.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import sympy as sp
from sympy.printing.numpy import NumPyPrinter

from lenvici.sim.model._spec import ModelSpec

__all__ = ["CompiledModel", "compile_model"]


class _Printer(NumPyPrinter):
    """NumPy printer that writes rational powers as roots (``x**(2/3)`` → ``square(cbrt(x))``), other
    rational numbers as floats, and keeps names as given."""

    def _print_Rational(self, expr):
        return repr(float(expr))

    #: roots written as calls, cheaper than ``pow`` (``x**(k/4)`` = ``sqrt(sqrt(x))**k``)
    _ROOTS = {2: "numpy.sqrt({})", 3: "numpy.cbrt({})", 4: "numpy.sqrt(numpy.sqrt({}))"}

    def _print_Pow(self, expr, rational=False):
        base, exp = expr.as_base_exp()
        if exp == -1:
            return f"(1.0 / {self.parenthesize(base, 100)})"
        if exp.is_Integer and exp < 0:  # an integer power, not pow() with a float exponent
            return f"(1.0 / {self.parenthesize(base, 100)}**{-int(exp)})"
        if exp.is_Rational and not exp.is_Integer and exp.q in self._ROOTS and abs(exp.p) <= 5:
            root = self._ROOTS[exp.q].format(self._print(base))
            k = abs(exp.p)
            power = root if k == 1 else f"numpy.square({root})" if k == 2 else f"{root}**{k}"
            return power if exp.p > 0 else f"(1.0 / {power})"
        return super()._print_Pow(expr, rational=rational)

    def _print_Max(self, expr):
        args = [self._print(a) for a in expr.args]
        out = args[0]
        for a in args[1:]:
            out = f"numpy.maximum({out}, {a})"
        return out

    def _print_Min(self, expr):
        args = [self._print(a) for a in expr.args]
        out = args[0]
        for a in args[1:]:
            out = f"numpy.minimum({out}, {a})"
        return out


@dataclass(frozen=True)
class CompiledModel:
    """The generated functions of one model plus the names and layout they assume."""

    spec: ModelSpec
    parameter_names: tuple[str, ...]
    rhs: Callable
    lu: Callable
    solve: Callable
    dfdu: Callable
    jac: Callable
    outputs: Callable
    jacobian_pattern: tuple[tuple[int, int], ...]
    lu_pattern: tuple[tuple[int, int], ...]
    source: str

    @property
    def n_states(self) -> int:
        return self.spec.n_states

    @property
    def n_params(self) -> int:
        return len(self.parameter_names)

    @property
    def n_inputs(self) -> int:
        return len(self.spec.inputs)


def _header(spec: ModelSpec, params: tuple[str, ...]) -> dict[sp.Symbol, sp.Symbol]:
    """Map the model's symbols to the local variable names used in generated code."""
    ren = {}
    for i, n in enumerate(spec.state_names):
        ren[spec.symbols[n]] = sp.Symbol(f"y_{n}")
    for i, n in enumerate(params):
        ren[spec.symbols[n]] = sp.Symbol(f"p_{n}")
    for i, n in enumerate(spec.input_names):
        ren[spec.symbols[n]] = sp.Symbol(f"u_{n}")
    return ren


def _unpack(spec: ModelSpec, params: tuple[str, ...], used: set[str], inputs: bool = True) -> list[str]:
    lines = []
    for i, n in enumerate(spec.state_names):
        if f"y_{n}" in used:
            lines.append(f"    y_{n} = Y[{i}]")
    for i, n in enumerate(params):
        if f"p_{n}" in used:
            lines.append(f"    p_{n} = P[{i}]")
    if inputs:
        for i, n in enumerate(spec.input_names):
            if f"u_{n}" in used:
                lines.append(f"    u_{n} = U[{i}]")
    return lines


def _emit(exprs: list[sp.Expr], printer: _Printer, prefix: str) -> tuple[list[str], list[str], set[str]]:
    """CSE over ``exprs``; returns assignment lines, the printed reduced expressions, used names."""
    gen = sp.numbered_symbols(prefix)
    repl, reduced = sp.cse(exprs, symbols=gen, optimizations="basic")
    lines = [f"    {s} = {printer.doprint(e)}" for s, e in repl]
    printed = [printer.doprint(e) for e in reduced]
    used = set()
    for e in [e for _, e in repl] + list(reduced):
        used |= {s.name for s in e.free_symbols}
    return lines, printed, used


@dataclass(frozen=True)
class _Symbolic:
    """The model's expressions in generated-code names: what every code generator starts from.

    Shared by the vectorised NumPy generator here and the per-patient generators (numba, JAX) so that
    they cannot disagree about the model: same renaming, same symbolic Jacobian, same sparsity pattern
    and LU fill-in.
    """

    params: tuple[str, ...]
    f: list
    jexprs: list
    pattern: tuple[tuple[int, int], ...]
    nz: frozenset
    lu_pattern: tuple[tuple[int, int], ...]
    dfdt: list
    outs: list


def _symbolic(spec: ModelSpec, params: tuple[str, ...]) -> _Symbolic:
    """Renamed right-hand side, Jacobian entries on its pattern, LU fill-in, ``(∂f/∂u)·du`` and outputs."""
    key = ("symbolic", params)
    if key in spec._cache:
        return spec._cache[key]
    ren = _header(spec, params)
    n = spec.n_states
    f = [e.xreplace(ren) for e in spec.rhs_expanded]
    ysyms = [ren[spec.symbols[s]] for s in spec.state_names]
    usyms = [ren[spec.symbols[u]] for u in spec.input_names]
    J = [[sp.diff(fi, yj) for yj in ysyms] for fi in f]
    pattern = tuple((i, j) for i in range(n) for j in range(n) if J[i][j] != 0)
    nz = _lu_fill(pattern, n)
    dus = [sp.Symbol(f"du_{u}") for u in spec.input_names]
    dfdt = [sp.Add(*[sp.diff(fi, uk) * duk for uk, duk in zip(usyms, dus)]) for fi in f]
    outs = [spec.expanded_definitions[o].xreplace(ren) for o in spec.output_names]
    sym = _Symbolic(params=params, f=f, jexprs=[J[i][j] for i, j in pattern], pattern=pattern, nz=frozenset(nz),
                    lu_pattern=tuple(sorted(nz)), dfdt=dfdt, outs=outs)
    spec._cache[key] = sym
    return sym


def _lu_fill(pattern, n: int) -> set[tuple[int, int]]:
    """Non-zeros of the LU factors of ``diag(c) − J`` without pivoting: the pattern, the diagonal, fill-in."""
    nz = {(i, j) for i, j in pattern} | {(i, i) for i in range(n)}
    for k in range(n):
        rows = [i for i in range(k + 1, n) if (i, k) in nz]
        cols = [j for j in range(k + 1, n) if (k, j) in nz]
        for i in rows:
            for j in cols:
                nz.add((i, j))
    return nz


def _lu_names(lu_pattern, n: int) -> list[str]:
    """Names of the factors as the generated ``lu`` returns them: off-diagonal entries, then inverse pivots."""
    return [f"a_{i}_{j}" for i, j in lu_pattern if i != j] + [f"q_{k}" for k in range(n)]


def _lu_body(entry: dict, nz, lu_pattern, n: int) -> list[str]:
    """Lines of the in-place elimination (entries ``a_i_j``, inverse pivots ``q_k``) and its return.

    ``entry`` maps each Jacobian position to its printed expression. The lines are plain arithmetic on
    names, so they read the same for arrays (one column per patient) and for scalars (one patient).
    """
    src = []
    initialised = set()
    for i, j in lu_pattern:
        if (i, j) in entry:
            val = f"c - ({entry[(i, j)]})" if i == j else f"-({entry[(i, j)]})"
            src.append(f"    a_{i}_{j} = {val}")
            initialised.add((i, j))
        elif i == j:
            src.append(f"    a_{i}_{j} = c")
            initialised.add((i, j))
    for k in range(n):
        src.append(f"    q_{k} = 1.0 / a_{k}_{k}")
        rows = [i for i in range(k + 1, n) if (i, k) in nz]
        cols = [j for j in range(k + 1, n) if (k, j) in nz]
        for i in rows:
            src.append(f"    a_{i}_{k} = a_{i}_{k} * q_{k}")
            for j in cols:
                if (i, j) in initialised:
                    src.append(f"    a_{i}_{j} = a_{i}_{j} - a_{i}_{k} * a_{k}_{j}")
                else:
                    src.append(f"    a_{i}_{j} = -(a_{i}_{k} * a_{k}_{j})")
                    initialised.add((i, j))
    src.append("    return (" + ", ".join(_lu_names(lu_pattern, n)) + ",)")
    return src


def _solve_body(nz, n: int) -> list[str]:
    """Forward (unit lower) and back substitution from ``B`` into ``out``; factors already unpacked."""
    src = []
    for i in range(n):  # forward substitution, unit lower triangle
        terms = [f" - a_{i}_{j} * x_{j}" for j in range(i) if (i, j) in nz]
        src.append(f"    x_{i} = B[{i}]" + "".join(terms))
    for i in reversed(range(n)):  # back substitution
        terms = [f" - a_{i}_{j} * x_{j}" for j in range(i + 1, n) if (i, j) in nz]
        if terms:
            src.append(f"    x_{i} = (x_{i}" + "".join(terms) + f") * q_{i}")
        else:
            src.append(f"    x_{i} = x_{i} * q_{i}")
        src.append(f"    out[{i}] = x_{i}")
    return src


def _printer() -> _Printer:
    return _Printer({"fully_qualified_modules": True, "allow_unknown_functions": False})


def compile_model(spec: ModelSpec, parameter_names: tuple[str, ...] | None = None) -> CompiledModel:
    """Generate and compile the vectorised functions of ``spec``.

    Parameters
    ----------
    spec
        The model.
    parameter_names
        The order of rows in the parameter array ``P``; defaults to ``spec.parameters``.
    """
    key = ("compiled", parameter_names)
    if key in spec._cache:
        return spec._cache[key]
    params = tuple(parameter_names) if parameter_names is not None else tuple(spec.parameters)
    missing = set(spec.parameters) - set(params)
    if missing:
        raise ValueError(f"parameter_names lacks {sorted(missing)}")
    printer = _printer()
    sym = _symbolic(spec, params)
    n = spec.n_states
    pattern, nz, lu_pattern = sym.pattern, sym.nz, sym.lu_pattern
    src: list[str] = ["import numpy", ""]

    # rhs
    lines, printed, used = _emit(sym.f, printer, "r")
    src.append("def rhs(Y, P, U):")
    src += _unpack(spec, params, used)
    src += lines
    src.append("    out = numpy.empty((%d, Y.shape[1]))" % n)
    for i, e in enumerate(printed):
        src.append(f"    out[{i}] = {e}")
    src += ["    return out", ""]

    # dense jacobian
    lines, printed, used = _emit(sym.jexprs, printer, "j")
    src.append("def jac(Y, P, U):")
    src += _unpack(spec, params, used)
    src += lines
    src.append("    out = numpy.zeros((%d, %d, Y.shape[1]))" % (n, n))
    for (i, j), e in zip(pattern, printed):
        src.append(f"    out[{i}, {j}] = {e}")
    src += ["    return out", ""]

    # LU of W = diag(c) - J on the sparsity pattern with fill-in, no pivoting
    src.append("def lu(Y, P, U, c):")
    src += _unpack(spec, params, used)
    src += lines
    src += _lu_body(dict(zip(pattern, printed)), nz, lu_pattern, n)
    src.append("")

    src.append("def solve(F, B):")
    src.append("    (" + ", ".join(_lu_names(lu_pattern, n)) + ",) = F")
    src.append("    out = numpy.empty_like(B)")
    src += _solve_body(nz, n)
    src += ["    return out", ""]

    # (∂f/∂u)·du
    lines, printed, used = _emit(sym.dfdt, printer, "d")
    src.append("def dfdu(Y, P, U, DU):")
    src += _unpack(spec, params, used)
    for k, u in enumerate(spec.input_names):
        if f"du_{u}" in used:
            src.append(f"    du_{u} = DU[{k}]")
    src += lines
    src.append("    out = numpy.zeros((%d, Y.shape[1]))" % n)
    for i, e in enumerate(printed):
        if e not in ("0", "0.0"):
            src.append(f"    out[{i}] = {e}")
    src += ["    return out", ""]

    # outputs
    lines, printed, used = _emit(sym.outs, printer, "o")
    src.append("def outputs(Y, P, U):")
    src += _unpack(spec, params, used)
    src += lines
    src.append("    m = Y.shape[1]")
    src.append("    out = {}")
    for name, e in zip(spec.output_names, printed):
        src.append(f"    out[{name!r}] = numpy.broadcast_to({e}, (m,)).astype(float)")
    src += ["    return out", ""]

    source = "\n".join(src)
    namespace: dict = {}
    exec(compile(source, f"<lenvici generated: {spec.name}>", "exec"), namespace)  # noqa: S102 - our own generated code
    cm = CompiledModel(
        spec=spec, parameter_names=params, rhs=namespace["rhs"], lu=namespace["lu"], solve=namespace["solve"],
        dfdu=namespace["dfdu"], jac=namespace["jac"], outputs=namespace["outputs"], jacobian_pattern=pattern,
        lu_pattern=lu_pattern, source=source,
    )
    spec._cache[key] = cm
    return cm
