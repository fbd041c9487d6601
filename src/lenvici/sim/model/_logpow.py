"""Powers with symbolic exponents written through shared logarithms, for the per-patient generated code.

``pow(x, a)`` costs about as much as one ``log`` and one ``exp`` together, and the model raises the same
few quantities to several parameter exponents: the viable volume in the growth law ``(V/K)**theta`` and
in both hazards ``(V/v_ref)**beta``. Written as ``exp(a * (log V − log K))`` and
``exp(beta * (log V − log v_ref))``, common-subexpression elimination computes ``log V`` once, and
:mod:`lenvici.sim.model._hoist` lifts ``log v_ref`` out to the derived parameters: three ``pow`` calls
become one ``log`` of a state, one of another state and three ``exp``.

Only powers whose exponent is not a number are rewritten (numeric exponents are printed as roots or
integer powers, :class:`lenvici.sim.model._compile._Printer`). A base that is a product of symbols with
integer exponents and a positive coefficient is split into a sum of logarithms; any other base keeps one
``log``. For positive bases the rewrite is exact; a zero base gives ``exp(−inf) = 0`` as ``pow`` does, and
a negative one NaN as ``pow`` does.
"""

from __future__ import annotations

import sympy as sp

__all__ = ["powers_via_logs"]


def _log_of(base: sp.Expr) -> sp.Expr:
    """``log(base)``, split over the factors of a product of symbol powers with a positive coefficient."""
    factors = sp.Mul.make_args(base)
    coeff = sp.Integer(1)
    terms = []
    for f in factors:
        if f.is_Number:
            coeff *= f
            continue
        b, e = f.as_base_exp()
        if not (b.is_Symbol and e.is_Integer):
            return sp.log(base)
        terms.append(e * sp.log(b))
    if not coeff.is_positive:
        return sp.log(base)
    if coeff != 1:
        terms.append(sp.Float(float(sp.log(coeff))))
    return sp.Add(*terms)


def powers_via_logs(expr_lists):
    """Each list of ``expr_lists`` with every ``base**exponent`` (exponent not a number) written as
    ``exp(exponent * log(base))``, the logarithm split over the base's factors where it is a product."""

    def visit(expr: sp.Expr) -> sp.Expr:
        if expr.is_Atom:
            return expr
        args = [visit(a) for a in expr.args]
        if isinstance(expr, sp.Pow) and not expr.exp.is_Number:
            base, exponent = args
            return sp.exp(exponent * _log_of(base))
        return expr.func(*args)

    return tuple(tuple(visit(e) for e in exprs) for exprs in expr_lists)
