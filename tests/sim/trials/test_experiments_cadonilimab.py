"""Cadonilimab (review ref 86) as the anti-PD-1 input: PK conversion by hand, protocol, experiment."""

import numpy as np
import pytest

from lenvici.errors import InputError
from lenvici.sim.exposure import INPUT_OF_DRUG, INPUTS, MOLAR_MASS_FALLBACK, arm_exposure, component_exposures
from lenvici.sim.experiments import run_experiment
from lenvici.sim.protocols import Component, load_protocol


def test_per_kg_component():
    c = Component(drug="cadonilimab", rule="per_kg", dose_mg_per_kg=6, interval_days=14)
    assert c.dose([50.0, 76.8]).tolist() == pytest.approx([300.0, 460.8])
    with pytest.raises(ValueError):
        Component(drug="cadonilimab", rule="per_kg", interval_days=14)  # no mg/kg
    with pytest.raises(ValueError):
        Component(drug="cadonilimab", rule="per_kg", dose_mg=6, dose_mg_per_kg=6, interval_days=14)
    with pytest.raises(ValueError):
        Component(drug="lenvatinib", rule="fixed", interval_days=1)  # a fixed dose needs dose_mg


def test_cadonilimab_exposure_matches_dose_over_tau_cl_by_hand():
    """Generic-IgG approximation (pk_parameters.yaml, cadonilimab-generic-igg): CL = 0.200 L/day at the
    reference 76.8 kg, weight exponent 0.595, no random effects; fu = 1; molar mass 200,000 g/mol (assumed).

    By hand (python arithmetic, not lenvici):
    76.8 kg: 6 mg/kg q2w -> 460.8 mg / 14 d / 0.2 L/d = 164.571 mg/L = 822.857 nM;
             15 mg/kg q3w -> 1152 mg / 21 d / 0.2 L/d = 274.286 mg/L = 1371.43 nM.
    60 kg:   CL = 0.2 * (60/76.8)**0.595 = 0.1726792 L/d; 6 mg/kg q2w -> 744.568 nM; 15 mg/kg q3w -> 1240.947 nM.
    """
    assert INPUT_OF_DRUG["cadonilimab"] == "c_pd1"
    assert MOLAR_MASS_FALLBACK["cadonilimab"][0] == 200_000.0
    p = load_protocol("cadonilimab")
    cov = {"weight_kg": np.array([76.8, 60.0])}
    pd1 = INPUTS.index("c_pd1")
    q2w = [nm for col, nm, _s in component_exposures(p, p.arms[0].label, cov, 0) if col == pd1][0]
    q3w = [nm for col, nm, _s in component_exposures(p, p.arms[1].label, cov, 0) if col == pd1][0]
    assert q2w == pytest.approx([822.857, 744.568], rel=1e-5)
    assert q3w == pytest.approx([1371.43, 1240.947], rel=1e-5)
    # the solver sees the same values (constant: both components from day 0, lenvatinib on the RDI route)
    e = arm_exposure(p, p.arms[1].label, cov, 0)
    assert e.values(np.zeros(2), np.arange(2), np.zeros(2))[pd1] == pytest.approx([1371.43, 1240.947], rel=1e-5)


def test_cadonilimab_protocol_loads():
    p = load_protocol("cadonilimab")
    assert [c.drug for c in p.arms[0].components] == ["lenvatinib", "cadonilimab"]
    cad = [c for a in p.arms for c in a.components if c.drug == "cadonilimab"]
    assert [(c.dose_mg_per_kg, c.interval_days) for c in cad] == [(6.0, 14.0), (15.0, 21.0)]


def test_cadonilimab_experiment():
    out = run_experiment("cadonilimab", 15, seed=2)
    a, b = out["arms"]["q2w_6mg_kg"], out["arms"]["q3w_15mg_kg"]
    # average dose rate 15/21 vs 6/14 mg/kg/day: the q3w arm's exposure is 5/3 of the q2w arm's
    assert b["c_pd1_nM"]["mean"] / a["c_pd1_nM"]["mean"] == pytest.approx((15 / 21) / (6 / 14), rel=0.05)
    assert "NOT modelled" in out["caveat"] and "approximation" in out["caveat"]
    obs = out["observed"]["arms"]
    assert obs["q2w_6mg_kg"]["orr"] == 0.355 and obs["q2w_6mg_kg"]["os_median_months"] == 27.1
    assert obs["q3w_15mg_kg"]["pfs_median_months"] == 9.8


def test_unknown_molar_mass_is_refused(monkeypatch):
    import lenvici.sim.exposure as ex

    monkeypatch.setattr(ex, "MOLAR_MASS_FALLBACK", {})
    p = load_protocol("cadonilimab")
    with pytest.raises(InputError):
        component_exposures(p, p.arms[0].label, {"weight_kg": np.array([70.0])}, 0)


def test_cadonilimab_experiment_prints_in_text_mode():
    from typer.testing import CliRunner

    from lenvici.cli.trial import app

    r = CliRunner().invoke(app, ["experiment", "cadonilimab", "--n", "6", "--seed", "0"])
    assert r.exit_code == 0, r.output
    assert "35.5%" in r.output and "27.1" in r.output and "NOT modelled" in r.output
