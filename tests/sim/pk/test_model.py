"""Population models: covariate effects, filled-in covariates, random effects reproducible by seed, residual
error, molar units."""

from __future__ import annotations

import numpy as np
import pytest

from lenvici.errors import InputError
from lenvici.sim.pk import load_model, nanomolar, oral_schedule, simulate
from tests.sim.pk import reference_values as ref
from tests.tolerances import MONTE_CARLO_MEAN_SE


def test_covariate_effects_multiply_clearance_as_published():
    """Gupta 2016 abstract: CYP3A4 inducers +30%, inhibitors -7.8%, ALP above ULN -11.7% on CL/F."""
    model = load_model("lenvatinib-gupta2016")
    base = model.typical_parameters({"weight_kg": 75.0})["CL"][0]
    for covariate, factor in (("cyp3a4_inducer", 1.30), ("cyp3a4_inhibitor", 0.922), ("alp_above_uln", 0.883)):
        cl = model.typical_parameters({"weight_kg": 75.0, covariate: 1})["CL"][0]
        assert cl / base == pytest.approx(factor, rel=1e-12)
    low_alb = model.typical_parameters({"weight_kg": 75.0, "albumin_g_per_l": 25.0})["CL"][0]
    normal_alb = model.typical_parameters({"weight_kg": 75.0, "albumin_g_per_l": 35.0})["CL"][0]
    assert low_alb / base == pytest.approx(0.937) and normal_alb == pytest.approx(base)
    heavy = model.typical_parameters({"weight_kg": 150.0})
    assert heavy["CL"][0] / base == pytest.approx(2 ** 0.75)
    assert heavy["V1"][0] / model.typical["V1"] == pytest.approx(2.0)


def test_indicator_with_reference_level_zero():
    """Bajaj 2017: the female patient is the reference; male sex multiplies CL by exp(0.165)."""
    model = load_model("nivolumab-bajaj2017")
    female = model.typical_parameters({"female": 1})
    male = model.typical_parameters({"female": 0})
    assert male["CL"][0] / female["CL"][0] == pytest.approx(np.exp(0.165))
    assert female["CL"][0] == pytest.approx(9.4e-3 * 24)
    # not supplied: the reference (female) is filled in and reported
    filled = model.typical_parameters({"weight_kg": 80.0})
    assert "female" in filled.defaulted and filled["CL"][0] == pytest.approx(female["CL"][0])


def test_unknown_or_invalid_covariates_are_input_errors():
    model = load_model("lenvatinib-gupta2016")
    with pytest.raises(InputError, match="unknown covariate"):
        model.typical_parameters({"height_cm": 170})
    with pytest.raises(InputError, match="indicator"):
        model.typical_parameters({"capsule": 2})
    with pytest.raises(InputError, match="positive"):
        model.typical_parameters({"weight_kg": -5})
    with pytest.raises(InputError, match="disagree"):
        model.typical_parameters({"weight_kg": [60, 70], "capsule": [0, 1, 1]})


def test_random_effects_reproducible_by_seed_and_generator():
    model = load_model("lenvatinib-tamai2017")
    cov = {"weight_kg": np.full(50, 70.0)}
    a = model.sample_parameters(cov, seed=123)
    b = model.sample_parameters(cov, seed=123)
    c = model.sample_parameters(cov, seed=124)
    np.testing.assert_array_equal(a.etas, b.etas)
    np.testing.assert_array_equal(a["CL"], b["CL"])
    assert not np.array_equal(a.etas, c.etas)
    g1, g2 = np.random.default_rng(7), np.random.default_rng(7)
    np.testing.assert_array_equal(model.sample_etas(5, g1), model.sample_etas(5, g2))
    with pytest.raises(InputError, match="seed"):
        model.sample_parameters(cov, seed=None)


def test_random_effects_have_the_published_covariance():
    """200,000 draws: variances and the Tamai 2017 CL-V1 covariance within MONTE_CARLO_MEAN_SE standard errors."""
    model = load_model("lenvatinib-tamai2017")
    n = 200_000
    etas = model.sample_etas(n, seed=2024)
    emp = np.cov(etas, rowvar=False)
    se = np.sqrt((model.omega ** 2 + np.outer(np.diag(model.omega), np.diag(model.omega))) / n)
    assert np.all(np.abs(emp - model.omega) < MONTE_CARLO_MEAN_SE * se + 1e-15)


def test_random_effect_only_for_capsules_and_additive_emax():
    gupta = load_model("lenvatinib-gupta2016")
    etas = np.zeros((2, len(gupta.eta_names)))
    etas[:, gupta.eta_names.index("F")] = 0.5
    p = gupta.individual_parameters({"capsule": [0, 1]}, etas)
    assert p["F"][0] == pytest.approx(1.0)
    assert p["F"][1] == pytest.approx(0.896 * np.exp(0.5))
    nivo = load_model("nivolumab-bajaj2017")
    etas = np.zeros((1, len(nivo.eta_names)))
    etas[0, nivo.eta_names.index("EMAX")] = 0.1
    assert nivo.individual_parameters(None, etas)["EMAX"][0] == pytest.approx(-0.295 + 0.1)


def test_residual_error_is_seeded():
    model = load_model("lenvatinib-tamai2017")
    conc = np.full(1000, 100.0)
    a = model.add_residual_error(conc, seed=1)
    np.testing.assert_array_equal(a, model.add_residual_error(conc, seed=1))
    assert abs(np.std(a) - np.hypot(0.302 * 100, 7.35)) < 3.0
    assert load_model("atezolizumab-label").residual is None


def test_unbound_molar_concentrations():
    """1 ug/mL pembrolizumab = 1e6 / 149000 nmol/L (label MW); lenvatinib unbound = total x 1.5%."""
    assert float(nanomolar(1.0, "ug/mL", ref.KEYTRUDA_MW)) == pytest.approx(1e6 / ref.KEYTRUDA_MW)
    model = load_model("lenvatinib-gupta2016")
    res = simulate(model, model.typical_parameters(), oral_schedule(12.0, 2), [1.5])
    total_nm = res.concentration / 1000.0 / 426.86 * 1e6
    np.testing.assert_allclose(res.unbound_nanomolar(), total_nm * 0.015, rtol=1e-9)
    with pytest.raises(InputError, match="molecular weight"):
        nanomolar(1.0, "ug/mL", load_model("cadonilimab-generic-igg").drug_constants.molecular_weight, "cadonilimab")


def test_model_and_schedule_mismatches_are_refused():
    lenv = load_model("lenvatinib-gupta2016")
    pem = load_model("pembrolizumab-label-tv")
    with pytest.raises(InputError):
        simulate(lenv, pem.typical_parameters(), oral_schedule(12.0, 2), [1.0])
    with pytest.raises(InputError):
        simulate(pem, pem.typical_parameters(), oral_schedule(12.0, 2), [1.0])
    with pytest.raises(InputError):
        simulate(lenv, lenv.typical_parameters(), oral_schedule(12.0, 2, drug="sorafenib"), [1.0])
    with pytest.raises(InputError):
        simulate(lenv, lenv.typical_parameters(), oral_schedule(12.0, 2), [2.0, 1.0])
