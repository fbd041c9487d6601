"""The pre-treatment growth phase."""

import numpy as np
import pytest

from lenvici.errors import InputError
from lenvici.sim.pretreatment import diameter_to_volume, pretreatment_state, volume_to_diameter
from lenvici.sim.solver import ZeroExposure, simulate
from tests.sim import tolerances as tol


def test_each_patient_reaches_its_baseline(baseline, spec):
    iv, inn = spec.state_names.index("V_v"), spec.state_names.index("V_n")
    d = volume_to_diameter(baseline.y0[:, iv] + baseline.y0[:, inn])
    np.testing.assert_allclose(d, [60.0, 80.0, 110.0], atol=tol.EVENT_DIAMETER_MM)
    assert np.all(np.diff(baseline.days) > 0)  # bigger tumours took longer
    assert np.all((baseline.days > 100) & (baseline.days < 20 * 365))
    for name in ("H_nl", "H_os"):
        assert np.all(baseline.y0[:, spec.state_names.index(name)] == 0)
    vf = baseline.y0[:, iv] / (baseline.y0[:, iv] + baseline.y0[:, inn])
    assert np.all((vf > 0.6) & (vf < 0.95))  # untreated tumours are mostly viable


def test_plateau_is_set_per_patient(baseline, table):
    vmax = baseline.params[:, table.index("v_max")]
    np.testing.assert_allclose(vmax, table["plateau_ratio"].value * diameter_to_volume([60.0, 80.0, 110.0]))


def test_state_is_reusable_across_arms(baseline, compiled):
    """The same starting state feeds every arm; untreated continuation grows on smoothly."""
    a = simulate(compiled, baseline.y0, baseline.params, [0.0, 30.0], ZeroExposure())
    b = simulate(compiled, baseline.y0, baseline.params, [0.0, 30.0], None)
    np.testing.assert_array_equal(a.ys, b.ys)
    assert np.all(a["d_recist"][:, 1] > a["d_recist"][:, 0])


def test_unreachable_baseline_reports_status(table):
    params = table.array(2, {"k_prol": [0.012, 0.0004]})
    pre = pretreatment_state(params, [50.0, 50.0], max_days=3000.0)
    assert pre.ok[0] and not pre.ok[1]
    assert pre.message(1) == "baseline diameter not reached within max_days"


def test_invalid_baseline(table):
    with pytest.raises(InputError, match="baseline_diameter"):
        pretreatment_state(table.array(1), [2.0])
