"""SBML export: libsbml-consistent, and libRoadRunner integrating it reproduces lenvici's trajectories."""

from __future__ import annotations

import numpy as np
import pytest

libsbml = pytest.importorskip("libsbml", reason="python-libsbml is not installed (pip install lenvici[sbml])")

from lenvici.sim.model import to_sbml  # noqa: E402
from lenvici.sim.solver import CallableExposure, ConstantExposure, PIController, simulate  # noqa: E402

DAYS = 180.0
TS = np.linspace(0.0, DAYS, 31)
RTOL = 1e-4           # relative agreement required (issue 5)
FLOOR = 1e-8          # absolute floor for states near zero (H_nl, H_os start at 0)

#: constant exposures (nM): no drug, lenvatinib, lenvatinib + anti-PD-1, sorafenib
EXPOSURES = {
    "no_drug": {"c_len": 0.0, "c_sor": 0.0, "c_pd1": 0.0},
    "lenvatinib": {"c_len": 3.0, "c_sor": 0.0, "c_pd1": 0.0},
    "lenvatinib_pd1": {"c_len": 3.0, "c_sor": 0.0, "c_pd1": 150.0},
    "sorafenib": {"c_len": 0.0, "c_sor": 20.0, "c_pd1": 0.0},
}


def _roadrunner():
    try:
        import roadrunner
    except ImportError as exc:  # pragma: no cover - depends on the environment
        pytest.skip(f"libroadrunner is not importable: {exc}")
    return roadrunner


def _run_roadrunner(roadrunner, sbml, states):
    r = roadrunner.RoadRunner(sbml)
    integ = r.getIntegrator()
    assert integ.getName() == "cvode"
    integ.relative_tolerance = 1e-11
    integ.absolute_tolerance = 1e-13
    integ.maximum_num_steps = 200_000
    r.timeCourseSelections = ["time", *states]
    out = np.asarray(r.simulate(times=list(TS)))
    assert np.allclose(out[:, 0], TS)
    return out[:, 1:]


def test_export_is_consistent(spec, table):
    doc = libsbml.readSBMLFromString(to_sbml(spec, table.values))
    assert doc.getLevel() == 3 and doc.getVersion() == 2
    doc.checkConsistency()
    errors = [doc.getError(i).getMessage() for i in range(doc.getNumErrors())
              if doc.getError(i).getSeverity() >= libsbml.LIBSBML_SEV_ERROR]
    assert errors == []
    m = doc.getModel()
    assert m.getNumRules() == spec.n_states + len(spec.definitions) + len(spec.fluxes)
    for s in spec.states:
        assert m.getRateRule(s.name) is not None
    for name in ("k_prol", "ic50_len_vegfr2"):
        assert m.getParameter(name).getConstant()
    assert m.getParameter("k_prol").getUnits() == "per_day"
    assert m.getParameter("c_len").getUnits() == "nM"
    assert m.getTimeUnits() == "day"


def test_exposure_as_function_of_time(spec, table):
    sbml = to_sbml(spec, table.values, {"c_len": "3 * exp(-0.1 * time)"})
    m = libsbml.readSBMLFromString(sbml).getModel()
    rule = m.getAssignmentRule("c_len")
    assert rule is not None and "time" in libsbml.formulaToL3String(rule.getMath())
    assert m.getParameter("c_sor").getConstant()


def test_bad_arguments(spec, table):
    with pytest.raises(ValueError, match="need"):
        to_sbml(spec, table.values[:-1])
    with pytest.raises(ValueError, match="unknown"):
        to_sbml(spec, table.values, {"nope": "1"})


@pytest.mark.parametrize("regimen", sorted(EXPOSURES))
def test_roadrunner_matches_simulate(spec, compiled, baseline, regimen):
    roadrunner = _roadrunner()
    conc = EXPOSURES[regimen]
    names = spec.input_names
    values = np.array([conc[n] for n in names])
    n = baseline.y0.shape[0]
    exp = ConstantExposure(names, np.tile(values, (n, 1)))
    sol = simulate(compiled, baseline.y0, baseline.params, TS, exp, controller=PIController(rtol=1e-10, atol=1e-12),
                   throw=True)
    worst = 0.0
    for i in range(n):
        sbml = to_sbml(spec, baseline.params[i], inputs=conc, y0=baseline.y0[i])
        rr = _run_roadrunner(roadrunner, sbml, spec.state_names)
        ours = sol.ys[i]
        assert np.all(np.isfinite(rr))
        err = np.abs(ours - rr) / (np.abs(rr) + FLOOR / RTOL)
        worst = max(worst, float(err.max()))
        bad = np.argwhere(err > RTOL)
        assert bad.size == 0, (
            f"{regimen}, patient {i}: state {spec.state_names[bad[0][1]]} at day {TS[bad[0][0]]}: "
            f"lenvici {ours[tuple(bad[0])]!r} vs roadrunner {rr[tuple(bad[0])]!r}")
    print(f"{regimen}: max relative difference vs libRoadRunner {worst:.2e}")


def test_roadrunner_time_varying_exposure(spec, compiled, baseline):
    """An exposure written as an assignment rule of time agrees with a CallableExposure of the same formula."""
    roadrunner = _roadrunner()
    names = spec.input_names
    k = 0.05

    def fn(t, rows):
        out = np.zeros((len(names), np.shape(t)[0]))
        out[names.index("c_len")] = 4.0 * np.exp(-k * t)
        return out

    def dfn(t, rows):
        out = np.zeros((len(names), np.shape(t)[0]))
        out[names.index("c_len")] = -k * 4.0 * np.exp(-k * t)
        return out

    sol = simulate(compiled, baseline.y0[:1], baseline.params[:1], TS, CallableExposure(names, fn, dfn),
                   controller=PIController(rtol=1e-10, atol=1e-12), throw=True)
    sbml = to_sbml(spec, baseline.params[0], {"c_len": f"4 * exp(-{k} * time)"}, y0=baseline.y0[0])
    rr = _run_roadrunner(roadrunner, sbml, spec.state_names)
    err = np.abs(sol.ys[0] - rr) / (np.abs(rr) + FLOOR / RTOL)
    assert err.max() <= RTOL


# --- dose events -------------------------------------------------------------------------------------------

DOSE_TS = np.linspace(0.0, 60.0, 13)
#: daily oral lenvatinib as a Bateman function (nM per unit dose; ke, ka 1/day) and pembrolizumab q21d as an IV
#: bolus (nM per dose; 1/day): the shapes of ``benchmarks/sim_vs_peers.py``
LEN_MODES = (np.array([3.5, -3.5]), np.array([0.55, 24.0]))
PD1_MODES = (np.array([224.0]), np.array([0.0267]))


def _dose_exposure(names, len_times, pd1_times, len_amounts=None):
    from lenvici.sim.solver import DoseEventExposure, StackedExposure

    len_amounts = np.ones(len(len_times)) if len_amounts is None else np.asarray(len_amounts, float)
    lenv = DoseEventExposure(("c_len",), LEN_MODES[0][None, None, :], LEN_MODES[1][None, None, :],
                             np.asarray(len_times, float)[None], len_amounts[None, :, None])
    pd1 = DoseEventExposure(("c_pd1",), PD1_MODES[0][None, None, :], PD1_MODES[1][None, None, :],
                            np.asarray(pd1_times, float)[None], np.ones((1, len(pd1_times), 1)))
    return StackedExposure([lenv, pd1])


def test_dose_schedule_regularity():
    from lenvici.sim.model.sbml import DoseSchedule

    daily = DoseSchedule("c_len", (1.0,), (0.5,), tuple(np.arange(0.0, 11.0)), (2.0,) * 11)
    assert daily.regular() == (1.0, 1.0, 2.0, 10)  # the dose at time 0 is an initial value, not an event
    gap = DoseSchedule("c_len", (1.0,), (0.5,), (0.0, 1.0, 2.0, 5.0, 6.0), (1.0,) * 5)
    assert gap.regular() is None
    changed = DoseSchedule("c_len", (1.0,), (0.5,), (0.0, 1.0, 2.0, 3.0), (1.0, 1.0, 0.5, 0.5))
    assert changed.regular() is None
    with pytest.raises(ValueError, match="sorted"):
        DoseSchedule("c_len", (1.0,), (0.5,), (2.0, 1.0), (1.0, 1.0))
    with pytest.raises(ValueError, match="equal length"):
        DoseSchedule("c_len", (1.0, 2.0), (0.5,), (0.0,), (1.0,))
    with pytest.raises(ValueError, match="rates"):
        DoseSchedule("c_len", (1.0,), (-0.5,), (0.0,), (1.0,))


def test_dose_events_in_the_document(spec, table):
    exp = _dose_exposure(spec.input_names, np.arange(0.0, 30.0), [0.0, 21.0, 42.0])
    parts = [s for p in exp.parts for s in p.schedules(0)]
    assert [s.input for s in parts] == ["c_len", "c_pd1"]
    m = libsbml.readSBMLFromString(to_sbml(spec, table.values, doses=parts)).getModel()
    # regular schedules: one event each, with a moving next-dose time
    assert sorted(m.getEvent(i).getId() for i in range(m.getNumEvents())) == ["c_len__dosing", "c_pd1__dosing"]
    assert m.getParameter("c_len__next").getValue() == 1.0 and m.getParameter("c_pd1__next").getValue() == 21.0
    assert m.getAssignmentRule("c_len") is not None and not m.getParameter("c_len").getConstant()
    # the dose at time 0 is the modes' initial value: z_m(0) = A_m
    assert m.getParameter("c_len__z0").getValue() == 3.5 and m.getParameter("c_len__z1").getValue() == -3.5
    # an interruption makes the schedule irregular: one event per later dose
    irregular = _dose_exposure(spec.input_names, [0.0, 1.0, 2.0, 7.0, 8.0], [0.0]).parts[0].schedules(0)
    m = libsbml.readSBMLFromString(to_sbml(spec, table.values, doses=irregular)).getModel()
    assert m.getNumEvents() == 4
    with pytest.raises(ValueError, match="distinct inputs"):
        to_sbml(spec, table.values, {"c_len": "1"}, doses=irregular)


@pytest.mark.parametrize("schedule", ["regular", "interrupted"])
def test_roadrunner_dose_events_match_simulate(spec, compiled, baseline, schedule):
    """libRoadRunner integrating the exported dose events reproduces lenvici's DoseEventExposure (issue 5's
    benchmark scenario: daily oral lenvatinib + pembrolizumab q3w), to 1e-4 relative."""
    roadrunner = _roadrunner()
    len_times = np.arange(0.0, 60.0) if schedule == "regular" else np.r_[np.arange(0.0, 20.0), np.arange(27.0, 60.0)]
    amounts = np.where(len_times < 40.0, 1.0, 0.67)  # a dose reduction from day 40 (irregular amounts)
    if schedule == "regular":
        amounts = np.ones(len_times.size)
    exp = _dose_exposure(spec.input_names, len_times, [0.0, 21.0, 42.0], amounts)
    sol = simulate(compiled, baseline.y0[:1], baseline.params[:1], DOSE_TS, exp,
                   controller=PIController(rtol=1e-10, atol=1e-12), throw=True, backend="numba")
    doses = [s for p in exp.parts for s in p.schedules(0)]
    sbml = to_sbml(spec, baseline.params[0], y0=baseline.y0[0], doses=doses)
    r = roadrunner.RoadRunner(sbml)
    integ = r.getIntegrator()
    integ.relative_tolerance = 1e-11
    integ.absolute_tolerance = 1e-13
    integ.maximum_num_steps = 200_000
    r.timeCourseSelections = ["time", *spec.state_names]
    rr = np.asarray(r.simulate(times=list(DOSE_TS)))[:, 1:]
    err = np.abs(sol.ys[0] - rr) / (np.abs(rr) + FLOOR / RTOL)
    assert np.all(np.isfinite(rr)) and err.max() <= RTOL, err.max()
    # the drug is really in: the tumour differs from the untreated course
    untreated = simulate(compiled, baseline.y0[:1], baseline.params[:1], DOSE_TS, None, throw=True)
    assert abs(untreated.ys[0, -1, 0] - rr[-1, 0]) > 0.05 * abs(untreated.ys[0, -1, 0])
