"""The declarative model, its generated code and its expression printers."""

import numpy as np
import pytest
import sympy as sp

from lenvici.sim.model import Definition, Flux, Input, ModelSpec, State, compile_model, hcc_model
from lenvici.sim.model._infix import to_infix


def _toy(**kw):
    base = dict(name="toy", states=(State("a", "1", ""), State("b", "1", "")), inputs=(Input("u", "nM", ""),),
                parameters=("k", "m"), definitions=(Definition("occ", "u / (u + m)", "1", "", output=True),),
                fluxes=(Flux("conv", "k * a * (1 - occ)", "a", "b", ""), Flux("out", "k * b**2", "b", None, "")))
    base.update(kw)
    return ModelSpec(**base)


def test_unknown_name_in_a_flux_is_rejected():
    with pytest.raises(ValueError, match="unknown names"):
        _toy(fluxes=(Flux("conv", "k * c", "a", "b", ""),))


def test_flux_ends_must_be_states():
    with pytest.raises(ValueError, match="not a state"):
        _toy(fluxes=(Flux("conv", "k * a", "a", "zz", ""),))


def test_duplicate_names_are_rejected():
    with pytest.raises(ValueError, match="used twice"):
        _toy(parameters=("k", "a"))


def test_balance_is_the_signed_sum_of_fluxes():
    spec = _toy()
    a, b, k, u, m = (spec.symbols[n] for n in "abkum")
    conv = k * a * (1 - u / (u + m))
    assert sp.simplify(spec.rhs_expanded[0] - (-conv)) == 0
    assert sp.simplify(spec.rhs_expanded[1] - (conv - k * b**2)) == 0


def test_generated_code_matches_lambdified_sympy(spec, compiled, table, rng):
    m = 7
    Y = np.abs(rng.normal(1.0, 0.5, (spec.n_states, m))) + 0.1
    Y[0] *= 100
    Y[2] *= 150
    P = table.array(m).T * rng.uniform(0.8, 1.2, (len(table.names), m))
    U = np.abs(rng.normal(5, 2, (3, m)))
    syms = [spec.symbols[n] for n in spec.state_names + tuple(table.names) + spec.input_names]
    f = sp.lambdify(syms, list(spec.rhs_expanded), "numpy")
    ref = np.array([np.broadcast_to(v, (m,)) for v in f(*Y, *P, *U)])
    np.testing.assert_allclose(compiled.rhs(Y, P, U), ref, rtol=1e-12, atol=1e-15)


def test_jacobian_matches_finite_differences(spec, compiled, table, rng):
    m = 3
    Y = np.abs(rng.normal(1.0, 0.3, (spec.n_states, m))) + 0.2
    Y[0] *= 100
    Y[2] *= 150
    P = table.array(m).T
    U = np.array([[5.0, 0, 3], [0, 40, 0], [100, 0, 0]])
    J = compiled.jac(Y, P, U)
    f0 = compiled.rhs(Y, P, U)
    for j in range(spec.n_states):
        eps = 1e-7 * max(1.0, abs(Y[j]).max())
        Y2 = Y.copy()
        Y2[j] += eps
        fd = (compiled.rhs(Y2, P, U) - f0) / eps
        np.testing.assert_allclose(J[:, j], fd, rtol=1e-4, atol=1e-7)


def test_sparse_lu_solves_the_shifted_system(spec, compiled, table, rng):
    m = 5
    Y = np.abs(rng.normal(1.0, 0.3, (spec.n_states, m))) + 0.2
    Y[0] *= 100
    Y[2] *= 150
    P = table.array(m).T
    U = np.abs(rng.normal(5, 2, (3, m)))
    c = rng.uniform(0.5, 50, m)
    B = rng.normal(size=(spec.n_states, m))
    x = compiled.solve(compiled.lu(Y, P, U, c), B)
    J = compiled.jac(Y, P, U)
    for k in range(m):
        W = c[k] * np.eye(spec.n_states) - J[:, :, k]
        np.testing.assert_allclose(W @ x[:, k], B[:, k], rtol=1e-10, atol=1e-12)


def test_dfdu_is_the_chain_rule_through_inputs(compiled, table):
    Y = np.array([[100.0, 20, 150, 1, 0.2, 0.1, 1, 1, 1, 1.5, 1, 0, 0]]).T
    P = table.array(1).T
    U = np.array([[5.0], [30.0], [100.0]])
    DU = np.array([[1.0], [-2.0], [0.5]])
    eps = 1e-6
    fd = (compiled.rhs(Y, P, U + eps * DU) - compiled.rhs(Y, P, U - eps * DU)) / (2 * eps)
    np.testing.assert_allclose(compiled.dfdu(Y, P, U, DU), fd, rtol=1e-6, atol=1e-10)


def test_infix_is_sbml_l3_syntax():
    x, y = sp.symbols("x y")
    assert to_infix(x**2 * sp.exp(y)) == "x^2*exp(y)"
    assert to_infix(sp.log(x)) == "ln(x)"
    assert to_infix(x ** sp.Rational(2, 3)) == "x^(2 / 3)"
    spec = hcc_model()
    text = spec.infix("angiogenesis")
    assert "b_ang" in text and "**" not in text


def test_hcc_model_size_and_outputs(spec):
    assert 10 <= spec.n_states <= 20
    for target in ("VEGFR1", "VEGFR2", "VEGFR3", "FGFR1", "FGFR2", "FGFR3", "FGFR4", "PDGFRA", "KIT", "RET",
                   "RAF1", "PDGFRB", "PD1"):
        assert f"occ_{target}" in spec.output_names
    assert {"d_recist", "d_mrecist", "h_os", "h_nl"} <= set(spec.output_names)


def test_sorafenib_has_no_fgfr2_to_4_activity(spec):
    for target in ("FGFR2", "FGFR3", "FGFR4"):
        assert "c_sor" not in {s.name for s in spec.expanded_definitions[f"occ_{target}"].free_symbols}
    assert "c_sor" in {s.name for s in spec.expanded_definitions["occ_RAF1"].free_symbols}


def test_compiled_code_is_cached(spec):
    assert compile_model(spec) is compile_model(spec)
