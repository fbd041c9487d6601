"""Virtual trials with the drugs as dose events of their population-PK models (``pk="doses"``)."""

import numpy as np
import pytest
from typer.testing import CliRunner

from lenvici.cli import app
from lenvici.errors import InputError
from lenvici.sim.adverse_events import ladder_course, start_levels
from lenvici.sim.exposure import _LADDER_SEED, INPUTS, arm_exposure
from lenvici.sim.experiments import run_experiment
from lenvici.sim.protocols import load_protocol
from lenvici.sim.solver import DoseEventExposure, StackedExposure
from lenvici.sim.trials import run_trial

COV = {"weight_kg": np.array([52.0, 61.0, 80.0])}


def test_arm_exposure_as_dose_events():
    p = load_protocol("reflect")
    lenv = arm_exposure(p, "Lenvatinib", COV, 5, pk="doses", horizon_days=30.0)
    assert isinstance(lenv, StackedExposure)
    (events,) = [e for e in lenv.parts if isinstance(e, DoseEventExposure)]
    assert events.names == ("c_len",) and set(lenv.names) == set(INPUTS)
    # daily doses on days 0..29, each a release start and end: 60 breakpoints per patient
    assert np.isfinite(events.dose_times).sum(axis=1).tolist() == [60, 60, 60]
    # sorafenib has no dose-event form: its average concentration, as in the average mode
    sor = arm_exposure(p, "Sorafenib", COV, 6, pk="doses", horizon_days=30.0)
    avg = arm_exposure(p, "Sorafenib", COV, 6)
    assert not any(isinstance(e, DoseEventExposure) for e in sor.parts)
    z = np.zeros(3)
    np.testing.assert_allclose(sor.values(z + 3.3, np.arange(3), z)[[INPUTS.index(n) for n in sor.names]],
                               avg.values(z + 3.3, np.arange(3), z)[[INPUTS.index(n) for n in sor.names]])
    # the time-averaged dose-event concentration over a late day is close to the average mode's steady state
    avg_len = arm_exposure(p, "Lenvatinib", COV, 5).values(z, np.arange(3), z)[INPUTS.index("c_len")]
    t = np.linspace(20.0, 21.0, 2001)[:-1] + 1e-7
    rows = np.repeat(np.arange(3), t.size)
    tt = np.tile(t, 3)
    over_day = events.values(tt, rows, tt)[0].reshape(3, -1).mean(axis=1)
    np.testing.assert_allclose(over_day, avg_len, rtol=0.02)


def test_ladder_doses_follow_the_course():
    p = load_protocol("lenvatinib-dose-intensity")
    label = next(a.label for a in p.arms if type(p.dose_model_for("lenvatinib", a.label)).__name__ == "LadderModel")
    arm_i = [a.label for a in p.arms].index(label)
    w = np.full(40, 70.0)
    ex = arm_exposure(p, label, {"weight_kg": w}, seed=arm_i, pk="doses", horizon_days=365.0)
    (events,) = [e for e in ex.parts if isinstance(e, DoseEventExposure)]
    comp_k, comp = next((k, c) for k, c in enumerate(p.arm(label).components) if c.drug == "lenvatinib")
    course = ladder_course(start_levels(comp.dose(w), comp.interval_days),
                           np.random.default_rng([arm_i, comp_k, _LADDER_SEED]), p.dose_model_for("lenvatinib", label).overrides)
    for i in range(w.size):
        days = np.arange(365.0)
        level = course.daily_mg[i, np.searchsorted(course.times[i], days, side="right")]
        given = days[level > 0]
        starts = events.dose_times[i][events.doses[i, :, 0] > 0]
        np.testing.assert_allclose(starts, given)  # one release start per dosing day, none while withheld


def test_bad_pk_mode():
    p = load_protocol("reflect")
    with pytest.raises(InputError, match="pk must be"):
        arm_exposure(p, "Lenvatinib", COV, 0, pk="smoothed")
    with pytest.raises(InputError, match="horizon"):
        arm_exposure(p, "Lenvatinib", COV, 0, pk="doses")
    with pytest.raises(InputError, match="pk must be"):
        run_trial("reflect", 5, pk="smoothed")
    result = CliRunner().invoke(app, ["trial", "run", "reflect", "--n", "5", "--pk", "smoothed"])
    assert result.exit_code == 2 and "pk must be" in result.output


def test_within_day_fluctuation_experiment_has_its_negative_control():
    # 64 per arm: both runs on the compiled engine (a smaller average-mode arm would run on the NumPy engine,
    # and the control would then agree only to rounding)
    out = run_experiment("within-day-fluctuation", 64, seed=4)
    assert set(out["arms"]) == {"Lenvatinib / average", "Lenvatinib / doses", "Sorafenib / average",
                                "Sorafenib / doses"}
    # sorafenib is averaged in both runs: the same patients, the same outcomes
    s_avg, s_dose = out["arms"]["Sorafenib / average"], out["arms"]["Sorafenib / doses"]
    assert {k: v for k, v in s_avg.items() if k != "label"} == {k: v for k, v in s_dose.items() if k != "label"}
    assert out["hazard_ratio"]["Sorafenib"]["os"]["hr"] == pytest.approx(1.0, abs=1e-6)
    # lenvatinib sees its daily swing: something changes
    l_avg, l_dose = out["arms"]["Lenvatinib / average"], out["arms"]["Lenvatinib / doses"]
    assert (l_avg["orr_mrecist"], l_avg["os_median_months"], l_avg["pfs_median_months"]) != \
        (l_dose["orr_mrecist"], l_dose["os_median_months"], l_dose["pfs_median_months"])
    assert "not recalibrated" in out["caveat"]
