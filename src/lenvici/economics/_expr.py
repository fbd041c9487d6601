"""A small, safe arithmetic language for model files, evaluated with NumPy broadcasting.

Model files (YAML) write parameters, transition probabilities and state values as expressions such as
``"where(cycle <= 2, 0.509, 1)"`` or ``"1 - exp(lambda * ((cycle - 1) ** gamma - cycle ** gamma))"``.
An expression is parsed once with :mod:`ast`, checked against a whitelist (numbers, names, arithmetic,
comparisons, ``and``/``or``/``not``, ``a if c else b`` and calls of known functions — no attributes,
subscripts, strings or lambdas) and compiled. Evaluation is elementwise on arrays, so one evaluation
covers every cycle and every probabilistic sample at once.
"""

from __future__ import annotations

import ast
from collections.abc import Callable, Mapping
from dataclasses import dataclass

import numpy as np

__all__ = ["Expression", "FUNCTIONS", "compile_expression"]


def _where(cond, a, b):
    return np.where(cond, a, b)


def _rate_to_prob(rate, time=1.0):
    """Probability of at least one event in ``time`` given a constant ``rate``: 1 − exp(−r·t)."""
    return -np.expm1(-np.asarray(rate, dtype=float) * time)


def _prob_to_rate(prob, time=1.0):
    """Constant rate giving probability ``prob`` over ``time``: −log(1 − p)/t."""
    return -np.log1p(-np.asarray(prob, dtype=float)) / time


def _rescale_prob(prob, from_=1.0, to=1.0):
    """Probability over ``to`` time units from one over ``from_`` (constant rate): 1 − (1 − p)^(to/from)."""
    return -np.expm1(np.log1p(-np.asarray(prob, dtype=float)) * (to / from_))


def _logit(p):
    p = np.asarray(p, dtype=float)
    return np.log(p) - np.log1p(-p)


def _expit(x):
    return 1.0 / (1.0 + np.exp(-np.asarray(x, dtype=float)))


#: Functions an expression may call (besides lookup tables, survival curves and user hooks).
FUNCTIONS: dict[str, Callable] = {
    "exp": np.exp, "log": np.log, "log1p": np.log1p, "expm1": np.expm1, "sqrt": np.sqrt, "abs": np.abs,
    "floor": np.floor, "ceil": np.ceil, "min": np.minimum, "max": np.maximum, "clip": np.clip,
    "where": _where, "ifelse": _where,
    "rate_to_prob": _rate_to_prob, "prob_to_rate": _prob_to_rate, "rescale_prob": _rescale_prob,
    "logit": _logit, "expit": _expit,
}

_BINOPS = (ast.Add, ast.Sub, ast.Mult, ast.Div, ast.Pow, ast.Mod, ast.FloorDiv)
_CMPOPS = (ast.Lt, ast.LtE, ast.Gt, ast.GtE, ast.Eq, ast.NotEq)


class _Rewrite(ast.NodeTransformer):
    """``and``/``or``/``not``, chained comparisons and ``a if c else b`` become elementwise calls."""

    def visit_BoolOp(self, node):
        self.generic_visit(node)
        fn = "__and" if isinstance(node.op, ast.And) else "__or"
        out = node.values[0]
        for v in node.values[1:]:
            out = ast.Call(func=ast.Name(fn, ast.Load()), args=[out, v], keywords=[])
        return out

    def visit_UnaryOp(self, node):
        self.generic_visit(node)
        if isinstance(node.op, ast.Not):
            return ast.Call(func=ast.Name("__not", ast.Load()), args=[node.operand], keywords=[])
        return node

    def visit_Compare(self, node):
        self.generic_visit(node)
        if len(node.ops) == 1:
            return node
        parts, left = [], node.left
        for op, right in zip(node.ops, node.comparators):
            parts.append(ast.Compare(left=left, ops=[op], comparators=[right]))
            left = right
        out = parts[0]
        for p in parts[1:]:
            out = ast.Call(func=ast.Name("__and", ast.Load()), args=[out, p], keywords=[])
        return out

    def visit_IfExp(self, node):
        self.generic_visit(node)
        return ast.Call(func=ast.Name("__where", ast.Load()), args=[node.test, node.body, node.orelse],
                        keywords=[])


_INTERNAL = {"__and": np.logical_and, "__or": np.logical_or, "__not": np.logical_not, "__where": np.where}


@dataclass(frozen=True, eq=False)
class Expression:
    """A compiled expression: its text, the names it reads and the functions it calls."""

    text: str
    names: frozenset[str]
    calls: frozenset[str]
    _code: object
    constant: float | None = None

    def evaluate(self, namespace: Mapping[str, object]):
        """Evaluate with ``namespace`` resolving names (parameters, ``cycle``, tables, curves, functions)."""
        if self.constant is not None:
            return self.constant
        return eval(self._code, {"__builtins__": {}, **_INTERNAL}, namespace)  # noqa: S307 - whitelisted AST


def _check(node: ast.AST, text: str) -> None:
    for sub in ast.walk(node):
        if isinstance(sub, (ast.Expression, ast.Load, ast.Name, ast.BoolOp, ast.And, ast.Or, ast.Not,
                            ast.USub, ast.UAdd, ast.IfExp, ast.keyword) + _CMPOPS + _BINOPS):
            continue
        if isinstance(sub, ast.Constant):
            if isinstance(sub.value, bool) or isinstance(sub.value, (int, float)):
                continue
            raise ValueError(f"only numbers are allowed as literals, got {sub.value!r} in {text!r}")
        if isinstance(sub, ast.BinOp):
            if isinstance(sub.op, ast.BitXor):
                raise ValueError(f"'^' is not a power in this language; write ** instead ({text!r})")
            if not isinstance(sub.op, _BINOPS):
                raise ValueError(f"operator {type(sub.op).__name__} is not allowed in {text!r}")
            continue
        if isinstance(sub, ast.UnaryOp):
            if not isinstance(sub.op, (ast.USub, ast.UAdd, ast.Not)):
                raise ValueError(f"operator {type(sub.op).__name__} is not allowed in {text!r}")
            continue
        if isinstance(sub, ast.Compare):
            continue
        if isinstance(sub, ast.Call):
            if not isinstance(sub.func, ast.Name):
                raise ValueError(f"only plain function names can be called, in {text!r}")
            continue
        raise ValueError(f"{type(sub).__name__} is not allowed in an expression ({text!r}); "
                         "use numbers, names, + - * / ** %, comparisons, and/or/not and function calls")


def compile_expression(source: str | float | int) -> Expression:
    """Parse, check and compile one expression.

    Parameters
    ----------
    source
        A number or the text of an expression.

    Raises
    ------
    ValueError
        The text is not valid Python syntax or uses a construct outside the whitelist.
    """
    if isinstance(source, bool):
        raise ValueError(f"expected a number or an expression, got {source!r}")
    if isinstance(source, (int, float)):
        value = float(source)
        return Expression(repr(source), frozenset(), frozenset(), None, constant=value)
    text = str(source).strip()
    if not text:
        raise ValueError("empty expression")
    try:
        tree = ast.parse(text, mode="eval")
    except SyntaxError as exc:
        raise ValueError(f"cannot parse {text!r}: {exc.msg}") from None
    _check(tree, text)
    calls = {n.func.id for n in ast.walk(tree) if isinstance(n, ast.Call)}
    names = {n.id for n in ast.walk(tree) if isinstance(n, ast.Name)} - calls
    # a name used both as a value and as a callee is recorded in both sets
    names |= {n.id for n in ast.walk(tree) if isinstance(n, ast.Name) and not _is_callee(tree, n)}
    tree = ast.fix_missing_locations(_Rewrite().visit(tree))
    code = compile(tree, f"<expression {text}>", "eval")
    constant = None
    if not names and not calls:
        constant = float(eval(code, {"__builtins__": {}, **_INTERNAL}, {}))  # noqa: S307
    return Expression(text, frozenset(names), frozenset(calls), code, constant)


def _is_callee(tree: ast.AST, name: ast.Name) -> bool:
    return any(isinstance(n, ast.Call) and n.func is name for n in ast.walk(tree))
