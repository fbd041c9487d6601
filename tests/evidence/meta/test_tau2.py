"""τ² estimators: contract tests over the whole family, hand-worked and analytic cases, the fallback."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest

from lenvici.errors import ConvergenceWarning, InputError
from lenvici.evidence.meta import METHODS, Control, estimate_tau2, rma
from lenvici.evidence.meta._brent import brent, brent_many

RNG_SEED = 20240611


@pytest.fixture
def rng():
    return np.random.default_rng(RNG_SEED)


def _data(rng, k=8, tau2=0.2):
    v = rng.uniform(0.01, 0.3, k)
    y = 0.3 + rng.normal(0, math.sqrt(tau2), k) + rng.normal(0, np.sqrt(v))
    return y, v


@pytest.mark.parametrize("method", METHODS)
def test_contract_every_estimator(method, rng):
    """Every estimator: τ² ≥ 0 and finite, an SE (NaN only for EE), converged, no fallback."""
    y, v = _data(rng)
    fit = estimate_tau2(method, y, v, np.ones((y.size, 1)), Control())
    assert fit.method == method and fit.converged and fit.fallback is None
    assert fit.tau2 >= 0 and math.isfinite(fit.tau2)
    assert math.isnan(fit.se_tau2) if method == "EE" else fit.se_tau2 > 0


@pytest.mark.parametrize("method", METHODS)
def test_identical_outcomes_give_the_equal_effects_fit(method):
    """Q = 0: every estimator truncates τ² at 0 and the model reduces to the equal-effects one."""
    y, v = np.full(5, 0.4), np.array([0.1, 0.2, 0.05, 0.4, 0.3])
    res, ee = rma(y, v, method=method), rma(y, v, method="EE")
    assert res.tau2 == 0.0
    for name in ("estimate", "se", "ci_lb", "ci_ub", "pi_lb", "pi_ub"):
        assert getattr(res, name) == pytest.approx(getattr(ee, name), rel=1e-12)
    assert res.I2 == 0.0
    assert res.H2 == (0.0 if method == "EE" else 1.0)  # metafor: H² = Q/(k−1) for EE, τ²/ṽ + 1 otherwise


@pytest.mark.parametrize("method", ["DL", "PM", "HS"])
def test_under_dispersed_data_truncate_at_zero(method):
    """Q below its df (DL, PM) or below k (HS): τ² = 0 exactly."""
    y = np.array([0.10, 0.12, 0.09, 0.11])
    v = np.full(4, 0.05)
    assert rma(y, v, method=method).tau2 == 0.0


def test_dl_hand_worked():
    """y = (1, 2, 4), v = (1, 1, 2): wᵢ = (1, 1, ½), ȳ_w = 2, Q = 3, c = 2.5 − 2.25/2.5 = 1.6,
    τ² = (3 − 2)/1.6 = 0.625; then wᵢ* = (8/13, 8/13, 8/21), μ̂ = (920/273)/(440/273) = 23/11,
    SE = √(273/440), ṽ = 2/1.6 = 1.25, I² = 100·0.625/1.875 = 33⅓ %, H² = 1.5."""
    res = rma([1.0, 2.0, 4.0], [1.0, 1.0, 2.0], method="DL")
    assert res.QE == pytest.approx(3.0, rel=1e-14)
    assert res.tau2 == pytest.approx(0.625, rel=1e-14)
    assert res.estimate == pytest.approx(23 / 11, rel=1e-14)
    assert res.se == pytest.approx(math.sqrt(273 / 440), rel=1e-14)
    assert res.vt == pytest.approx(1.25, rel=1e-14)
    assert res.I2 == pytest.approx(100 / 3, rel=1e-13)
    assert res.H2 == pytest.approx(1.5, rel=1e-14)
    se_tau2 = math.sqrt((2 * 2 + 4 * 0.625 * 1.6 + 2 * 0.625 ** 2 * (2.25 - 2 * 2.125 / 2.5 + 0.81)) / 1.6 ** 2)
    assert res.se_tau2 == pytest.approx(se_tau2, rel=1e-13)


@pytest.mark.parametrize("method", METHODS)
def test_symmetric_data_estimate_the_centre(method):
    """Outcomes symmetric about 0.7 with mirrored variances: every estimator pools to exactly 0.7."""
    d = np.array([0.05, 0.3, 0.6, 1.1])
    y = np.concatenate([0.7 - d, 0.7 + d])
    v = np.tile([0.02, 0.05, 0.1, 0.04], 2)
    res = rma(y, v, method=method)
    assert res.estimate == pytest.approx(0.7, abs=1e-12)
    assert res.pi_lb + res.pi_ub == pytest.approx(1.4, abs=1e-12)


def test_estimators_ordered_on_a_textbook_pattern(rng):
    """Sanity across the family on heterogeneous data: ML ≤ REML (ML's downward bias), PM ≈ EB."""
    y, v = _data(rng, k=12, tau2=0.5)
    fits = {m: rma(y, v, method=m) for m in METHODS}
    assert fits["ML"].tau2 <= fits["REML"].tau2
    assert fits["PM"].tau2 == pytest.approx(fits["EB"].tau2, abs=1e-4)


# A data set where metafor's Fisher scoring for REML oscillates and stops at maxiter (the fixture's
# nonconv_03; metafor's damped refit with threshold 1e-13 gives tau2 = 0.31167516614).


def _nonconv():
    from pathlib import Path
    import json

    path = Path(__file__).resolve().parents[2] / "data" / "metafor_reference.json"
    if not path.exists():
        pytest.skip("metafor reference fixture absent")
    cols = json.loads(path.read_text())["datasets"]["nonconv_03"]["columns"]
    return np.array(cols["yi"]), np.array(cols["vi"])


def test_fallback_is_recorded_and_warned():
    y, v = _nonconv()
    with pytest.warns(ConvergenceWarning, match="did not converge"):
        res = rma(y, v, method="REML")
    assert res.converged and res.fallback is not None and "Brent" in res.fallback
    assert res.tau2 == pytest.approx(0.3116751661432233, abs=1e-9)
    assert any("did not converge" in w for w in res.warnings)


def test_without_fallback_non_convergence_is_reported():
    y, v = _nonconv()
    with pytest.warns(ConvergenceWarning):
        res = rma(y, v, method="REML", control={"fallback": False})
    assert not res.converged and math.isnan(res.tau2) and math.isnan(res.estimate)


def test_damped_step_matches_without_fallback():
    y, v = _nonconv()
    res = rma(y, v, method="REML", control={"stepadj": 0.5, "maxiter": 1000})
    assert res.fallback is None and res.converged


def test_control_accepts_r_names_and_rejects_unknown():
    c = Control.from_mapping({"stepadj": 0.5, "tau2.init": 0.1, "maxiter": 1000.0})
    assert c.stepadj == 0.5 and c.tau2_init == 0.1 and c.maxiter == 1000
    with pytest.raises(InputError):
        Control.from_mapping({"stepsize": 0.5})
    with pytest.raises(InputError):
        Control(stepadj=0)


def test_brent_vectorised_takes_the_scalar_steps():
    """brent_many on many brackets equals brent lane by lane, bit for bit."""
    roots = np.array([0.1, 0.7, 2.5, 10.0, 33.0])

    def f(x, lanes):
        return np.tanh(x - roots[lanes]) + 0.1 * (x - roots[lanes]) ** 3

    lo, hi = np.zeros(5), np.full(5, 50.0)
    many, _, ok = brent_many(f, lo, hi, f(lo, np.arange(5)), f(hi, np.arange(5)))
    assert ok.all()
    for i in range(5):
        one = brent(lambda x: float(f(np.array([x]), np.array([i]))[0]), 0.0, 50.0,
                    float(f(lo, np.arange(5))[i]), float(f(hi, np.arange(5))[i]))
        assert many[i] == one.root


def test_pm_bracket_widening_is_a_recorded_fallback():
    """metafor stops when the PM root lies above tau2.max; we widen the bracket and say so."""
    y, v = np.array([0.0, 2.0, 4.0, 7.0]), np.full(4, 0.01)
    free = rma(y, v, method="PM")
    with pytest.warns(ConvergenceWarning, match="tau2_max"):
        capped = rma(y, v, method="PM", control={"tau2_max": 0.5})
    assert capped.fallback is not None and free.fallback is None
    assert capped.tau2 == pytest.approx(free.tau2, rel=1e-3)
    assert capped.QE == free.QE
