"""Population-PK models as dose events of the PD model (lenvici.sim.dose_events)."""

import numpy as np
import pytest

from lenvici.errors import InputError
from lenvici.sim.dose_events import pk_dose_exposure, unit_dose_modes
from lenvici.sim.pk import default_model
from lenvici.sim.pk import simulate as pk_simulate
from lenvici.sim.pk.dosing import DosingSchedule, infusion_schedule, oral_schedule


def _at(exposure, t, n):
    """Values (n, T) with every time its own step start (all doses at or before t counted)."""
    rows = np.repeat(np.arange(n), t.size)
    tt = np.tile(t, n)
    return exposure.values(tt, rows, tt)[0].reshape(n, t.size)


def test_unit_dose_modes_are_the_bateman_function():
    """Depot -> one compartment: C(t) = ka / (V (ka - ke)) (e^-ke t - e^-ka t) per unit dose (Gibaldi & Perrier,
    Pharmacokinetics 2nd ed. 1982, eq. 1.73)."""
    ka, ke, V = 24.0, 0.55, 180.0
    M = np.array([[[-ka, 0.0], [ka, -ke]]])
    amp, lam = unit_dose_modes(M, target=0, central=1, volume=np.array([V]))
    order = np.argsort(lam[0])
    assert lam[0, order] == pytest.approx([ke, ka], rel=1e-12)
    a = ka / (V * (ka - ke))
    assert amp[0, order] == pytest.approx([a, -a], rel=1e-12)


def test_lenvatinib_doses_reproduce_the_pk_solver():
    """Gupta 2016 (zero-order release into the depot over D1, first-order absorption, three compartments),
    three patients with random effects, daily 12 / 8 / 12 mg with an interruption: the dose events give the
    unbound concentration of lenvici.sim.pk's exact modal solver."""
    model = default_model("lenvatinib")
    p = model.sample_parameters({"weight_kg": np.array([52.0, 70.0, 96.0])}, seed=11)
    amounts = np.tile([12.0, 8.0, 12.0], (14, 1)).T
    amounts[0, 5:8] = 0.0  # patient 0 withholds days 5-7
    schedule = DosingSchedule("oral", np.arange(14.0), amounts, np.zeros(14))
    ex = pk_dose_exposure(model, p, schedule, "c_len")
    t = np.linspace(0.0, 16.0, 641) + 0.00731  # not on an administration or a release end
    ref = pk_simulate(model, p, schedule, t).unbound_nanomolar()
    np.testing.assert_allclose(_at(ex, t, 3), ref, rtol=1e-9, atol=1e-12)
    # each administration is two breakpoints (release start and end); a withheld dose is none
    assert np.isfinite(ex.dose_times[0]).sum() == 2 * 11 and np.isfinite(ex.dose_times[1]).sum() == 2 * 14
    assert ex.rates[:, 0, 0] == pytest.approx(0.0)  # the constant mode of the step response


def test_long_infusion_reaches_rate_over_clearance():
    """A zero-order input at rate R reaches C_ss = R / CL (Gibaldi & Perrier 1982, eq. 2.8): 2-compartment
    antibody model at steady-state clearance, one 4000-day infusion (about 100 terminal half-lives)."""
    model = default_model("nivolumab")
    p = model.typical_parameters({"weight_kg": np.array([80.0])})
    schedule = DosingSchedule("intravenous", [0.0], [[40000.0]], [4000.0])
    ex = pk_dose_exposure(model, p, schedule, "c_pd1", steady_state=True)
    structure = model.structure
    M = structure.matrix(p.values, t=1e6)
    cl = -M[0, 0, 0] * structure.central_volume(p.values)[0] - M[0, 1, 0] * structure.central_volume(p.values)[0]
    c_ss_mg_per_l = 40000.0 / 4000.0 / cl
    dc = model.drug_constants
    expected_nm = c_ss_mg_per_l / dc.molecular_weight * 1e6 * dc.fraction_unbound
    assert _at(ex, np.array([3999.0]), 1)[0, 0] == pytest.approx(expected_nm, rel=1e-9)


def test_pembrolizumab_infusions_match_the_pk_solver_at_steady_state_clearance():
    model = default_model("pembrolizumab")
    p = model.typical_parameters({"weight_kg": np.array([75.0])})
    schedule = infusion_schedule(200.0, 21.0, 4)
    with pytest.raises(InputError, match="steady_state"):
        pk_dose_exposure(model, p, schedule, "c_pd1")
    ex = pk_dose_exposure(model, p, schedule, "c_pd1", steady_state=True)
    t = np.array([0.01, 1.0, 20.0, 22.0, 70.0])
    v = _at(ex, t, 1)[0]
    assert np.all(np.diff(v[1:3]) < 0) and v[3] > v[2]  # decays between infusions, jumps at the second
    assert np.all(v > 0)


def test_models_without_a_modal_form_are_refused():
    model = default_model("sorafenib")
    p = model.typical_parameters({"weight_kg": np.array([70.0])})
    with pytest.raises(InputError, match="dosing-clock"):
        pk_dose_exposure(model, p, oral_schedule(400.0, 5, per_day=2), "c_sor")
    nivo = default_model("nivolumab")
    q = nivo.typical_parameters({"weight_kg": np.array([70.0])})
    mixed = DosingSchedule("intravenous", [0.0, 14.0], [[240.0, 240.0]], [0.0, 1.0 / 48])
    with pytest.raises(InputError, match="mixing"):
        pk_dose_exposure(nivo, q, mixed, "c_pd1", steady_state=True)


def test_coinciding_rates_are_refused():
    M = np.array([[[-1.0, 0.0], [1.0, -1.0]]])  # ka == ke: a defective matrix, no modal form
    with pytest.raises(InputError, match="coincide"):
        unit_dose_modes(M, 0, 1, np.array([1.0]))
