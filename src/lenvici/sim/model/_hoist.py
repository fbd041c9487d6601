"""Parameter-only subexpressions, lifted out of the per-step functions and computed once per patient.

A virtual patient's parameters do not change during an integration, yet the right-hand side and the
Jacobian are evaluated about ten times per step: every ``cbrt(v_max)``, ``l50**n_pd1``, ``exp(covariate
effects)`` or ``1/(potency_shift*ic50)`` in them is recomputed thousands of times per patient with the
same value. This module rewrites the model's expressions so that each such term is a new symbol (a
*derived parameter*, ``g_0, g_1, ...``) and returns the definitions of those symbols, to be evaluated once
per patient (the compiled engine's ``derived`` function, :mod:`lenvici.sim.model._codegen_numba`).

What is lifted: every largest subexpression that depends on parameters only and contains a costly
operation (a function call such as ``exp``, a division or a non-integer power). Inside a sum or product,
the parameter-only factors or terms are gathered into one derived parameter, so that
``u * y / (shift * ic50)`` becomes ``u * y * g_k`` (one multiplication instead of two divisions). Cheap
parameter-only arithmetic (``a * b``, ``a - b``) stays where it is.

The rewrite is exact algebra; only the grouping of floating-point operations changes (results move by a
few units in the last place).
"""

from __future__ import annotations

from dataclasses import dataclass

import sympy as sp

__all__ = ["Hoisted", "hoist_parameter_terms"]


@dataclass(frozen=True)
class Hoisted:
    """Expression lists with parameter-only terms replaced, and the derived parameters' definitions."""

    exprs: tuple[tuple[sp.Expr, ...], ...]
    derived: tuple[tuple[sp.Symbol, sp.Expr], ...]


def _costly(expr: sp.Expr) -> bool:
    """Whether evaluating ``expr`` involves a function call, a division or a non-integer power."""
    for node in sp.preorder_traversal(expr):
        if isinstance(node, sp.Function):
            return True
        if isinstance(node, sp.Pow) and not (node.exp.is_Integer and node.exp > 0):
            return True
    return False


def hoist_parameter_terms(expr_lists, parameters, prefix: str = "g") -> Hoisted:
    """Replace costly parameter-only subexpressions of every list in ``expr_lists`` by derived symbols.

    Parameters
    ----------
    expr_lists
        Sequences of sympy expressions (right-hand side, Jacobian entries, ...); one table of derived
        parameters is shared by all of them, so a term common to several is computed once.
    parameters
        The parameter symbols (everything else, states, inputs, time, is variable).
    prefix
        Name prefix of the derived symbols (``g`` gives ``g_0, g_1, ...``); must not clash with other
        names of the generated code.
    """
    params = frozenset(parameters)
    table: dict[sp.Expr, sp.Symbol] = {}
    order: list[tuple[sp.Symbol, sp.Expr]] = []

    def name_of(expr: sp.Expr) -> sp.Symbol:
        sym = table.get(expr)
        if sym is None:
            sym = sp.Symbol(f"{prefix}_{len(order)}")
            table[expr] = sym
            order.append((sym, expr))
        return sym

    def param_only(expr: sp.Expr) -> bool:
        free = expr.free_symbols
        return bool(free) and free <= params

    def visit(expr: sp.Expr) -> sp.Expr:
        if expr.is_Atom:
            return expr
        if param_only(expr):
            return name_of(expr) if _costly(expr) else expr
        if isinstance(expr, sp.Add | sp.Mul):
            fixed = [a for a in expr.args if param_only(a)]
            if fixed and _costly(expr.func(*fixed)):
                rest = [visit(a) for a in expr.args if not param_only(a)]
                return expr.func(name_of(expr.func(*fixed)), *rest)
        return expr.func(*[visit(a) for a in expr.args])

    out = tuple(tuple(visit(e) for e in exprs) for exprs in expr_lists)
    return Hoisted(exprs=out, derived=tuple(order))
