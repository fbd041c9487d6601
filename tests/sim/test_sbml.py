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
