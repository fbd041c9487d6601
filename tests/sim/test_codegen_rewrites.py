"""Rewrites that make the generated per-patient code cheaper: roots instead of ``pow``, parameter-only terms
computed once per patient, symbolic powers through shared logarithms. Each must leave the numbers alone: the
references are NumPy's ``power`` and sympy's own evaluation of the unrewritten expressions."""

import numpy as np
import pytest
import sympy as sp

from lenvici.sim.model._compile import _printer
from lenvici.sim.model._hoist import hoist_parameter_terms
from lenvici.sim.model._logpow import powers_via_logs

x, y, z = sp.symbols("x y z")
a, b, c = sp.symbols("p_a p_b p_c")


@pytest.mark.parametrize("exponent", [sp.Rational(1, 2), sp.Rational(-1, 2), sp.Rational(1, 4), sp.Rational(-1, 4),
                                      sp.Rational(5, 4), sp.Rational(-5, 4), sp.Rational(3, 2), sp.Rational(1, 3),
                                      sp.Rational(2, 3), sp.Rational(-2, 3), sp.Rational(4, 3), sp.Integer(-4),
                                      sp.Integer(-1), sp.Integer(3), sp.Rational(7, 2)])
def test_printed_powers_equal_numpy_power(exponent):
    code = _printer().doprint(x**exponent)
    assert "**(" not in code or exponent == sp.Rational(7, 2)  # roots and integer powers, no float pow
    xs = np.array([1e-6, 0.37, 1.0, 2.5, 1e4])
    got = eval(code, {"numpy": np, "x": xs})  # noqa: S307 - our printer's output
    np.testing.assert_allclose(got, np.power(xs, float(exponent)), rtol=4e-15)


def _numeric(expr, values):
    return float(expr.xreplace(values).evalf(30))


def test_hoisting_keeps_values_and_lifts_only_parameter_terms():
    exprs = [x * y / (a * b) + sp.cbrt(c) ** 2 * x + sp.exp(a + 2 * b) * y**2,
             a**b * x / (a**b + x), (x / y) ** a + a * b * x]
    out = hoist_parameter_terms([exprs], [a, b, c])
    derived = dict(out.derived)
    for sym, expr in derived.items():
        assert expr.free_symbols <= {a, b, c}
    # every costly parameter-only term is gone from the per-step expressions
    for e in out.exprs[0]:
        for node in sp.preorder_traversal(e):
            if node.free_symbols and node.free_symbols <= {a, b, c} and not node.is_Atom:
                assert not isinstance(node, sp.Function) and not (isinstance(node, sp.Pow) and not node.exp.is_Integer)
    # a**b is shared by its two uses; a*b stays inline (cheap)
    assert list(derived.values()).count(a**b) == 1
    assert out.exprs[0][2].has(a * b) or out.exprs[0][2].has(b * a)
    rng = np.random.default_rng(5)
    for _ in range(5):
        vals = dict(zip([x, y, a, b, c], rng.uniform(0.3, 3.0, 5), strict=True))
        vals_g = {**vals, **{g: _numeric(e, vals) for g, e in derived.items()}}
        for orig, new in zip(exprs, out.exprs[0], strict=True):
            assert _numeric(new, vals_g) == pytest.approx(_numeric(orig, vals), rel=1e-13)


def test_powers_via_logs_share_the_logarithm_of_a_product():
    V, K, th, be, vref = sp.symbols("y_V y_K p_theta p_beta p_vref", positive=True)
    exprs = [(V / K) ** th, (V / vref) ** be * 3, (2 * V * K**2) ** be, (V + K) ** th, V ** sp.Rational(2, 3)]
    (out,) = powers_via_logs([exprs])
    assert not any(isinstance(n, sp.Pow) and not n.exp.is_Number for e in out for n in sp.preorder_traversal(e))
    assert out[0].has(sp.log(V)) and out[0].has(sp.log(K)) and out[1].has(sp.log(V))  # split, so CSE shares log V
    assert out[3].has(sp.log(V + K))  # a sum keeps one logarithm
    assert out[4] == V ** sp.Rational(2, 3)  # numeric exponents are left to the printer
    rng = np.random.default_rng(9)
    for _ in range(5):
        vals = dict(zip([V, K, th, be, vref], rng.uniform(0.2, 4.0, 5), strict=True))
        for orig, new in zip(exprs, out, strict=True):
            assert _numeric(new, vals) == pytest.approx(_numeric(orig, vals), rel=1e-13)


def test_compiled_per_patient_functions_match_sympy(spec, compiled, table, rng):
    """The numba module's rhs and outputs (with the rewrites and the derived parameters) against sympy."""
    pytest.importorskip("numba")
    from lenvici.sim.solver._numba import kernel_module

    mod = kernel_module(compiled)
    y = np.abs(rng.normal(1.0, 0.5, spec.n_states)) + 0.1
    y[0] *= 100
    y[2] *= 150
    p = table.array(1)[0] * rng.uniform(0.8, 1.2, len(table.names))
    u = np.abs(rng.normal(5, 2, 3))
    ext = np.empty(mod.N_PARAMS + mod.N_DERIVED)
    ext[: mod.N_PARAMS] = p
    mod.derived(ext)
    syms = [spec.symbols[n] for n in spec.state_names + tuple(table.names) + spec.input_names]
    ref = np.array(sp.lambdify(syms, list(spec.rhs_expanded), "numpy")(*y, *p, *u), dtype=float)
    np.testing.assert_allclose(mod.rhs(y, ext, u, np.empty(spec.n_states)), ref, rtol=1e-12, atol=1e-15)
    outs = [spec.expanded_definitions[o] for o in spec.output_names]
    ref_o = np.array(sp.lambdify(syms, outs, "numpy")(*y, *p, *u), dtype=float)
    np.testing.assert_allclose(mod.outputs(y, ext, u, np.empty(len(outs))), ref_o, rtol=1e-12, atol=1e-15)
