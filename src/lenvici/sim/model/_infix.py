"""Print a sympy expression as an SBML Level 3 infix formula.

``libsbml.parseL3Formula`` reads ``+ - * / ^``, ``exp``, ``ln``, ``log10``, ``sqrt``, ``pow``, ``max`` and
``min`` (the latter two as L3v2 MathML ``max``/``min``). sympy's ``log`` is the natural logarithm, written
``ln`` here so the formula cannot be read as base 10.
"""

from __future__ import annotations

import sympy as sp
from sympy.printing.str import StrPrinter

__all__ = ["to_infix"]


class _InfixPrinter(StrPrinter):
    def _print_Pow(self, expr, rational=False):  # noqa: ARG002 - sympy's signature
        base, exp = expr.as_base_exp()
        if exp == sp.S.Half:
            return f"sqrt({self._print(base)})"
        if exp == -1:
            return f"1 / {self.parenthesize(base, 100)}"
        if exp.is_Rational and not exp.is_Integer:
            return f"{self.parenthesize(base, 100)}^({exp.p} / {exp.q})"
        return f"{self.parenthesize(base, 100)}^{self.parenthesize(exp, 100)}"

    def _print_Rational(self, expr):
        return f"({expr.p} / {expr.q})"

    def _print_Float(self, expr):
        return repr(float(expr))

    def _print_exp(self, expr):
        return f"exp({self._print(expr.args[0])})"

    def _print_log(self, expr):
        return f"ln({self._print(expr.args[0])})"

    def _print_Max(self, expr):
        return "max(" + ", ".join(self._print(a) for a in expr.args) + ")"

    def _print_Min(self, expr):
        return "min(" + ", ".join(self._print(a) for a in expr.args) + ")"

    def _print_Exp1(self, expr):  # noqa: ARG002
        return "exponentiale"

    def _print_Pi(self, expr):  # noqa: ARG002
        return "pi"


def to_infix(expr: sp.Expr) -> str:
    """``expr`` as an infix string that ``libsbml.parseL3Formula`` parses to the same MathML."""
    return _InfixPrinter({"order": "none"}).doprint(expr)
