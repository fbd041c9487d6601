"""Post-progression survival with subsequent therapy (lenvici.sim.post_progression)."""

import math

import numpy as np
import pytest
from scipy.stats import expon

from lenvici.errors import InputError
from lenvici.sim.post_progression import (
    SECOND_LINE_TRIALS,
    THERAPY_CLASSES,
    UNTREATED_PPS_MEDIAN_MONTHS,
    SecondLineTrial,
    assign_subsequent_therapy,
    class_hazard_ratio,
    draw_therapy_class,
    post_progression_rate,
    pooled_hazard_ratio,
)


def _trial(name):
    return next(t for t in SECOND_LINE_TRIALS if t.name == name)


def test_pooled_tki_hazard_ratio_matches_hand_arithmetic():
    # RESORCE HR 0.63 (0.50-0.79), CELESTIAL HR 0.76 (0.63-0.92); se = ln(hi/lo) / 3.92:
    # se1 = ln(0.79/0.50)/3.91993 = 0.11669 (w 73.44), se2 = ln(0.92/0.63)/3.91993 = 0.09660 (w 107.17);
    # mean log HR = (73.44 ln 0.63 + 107.17 ln 0.76) / 180.61 = -0.35070 -> HR 0.7042, CI 0.6086-0.8147.
    hr, (lo, hi) = pooled_hazard_ratio([_trial("RESORCE"), _trial("CELESTIAL")])
    assert hr == pytest.approx(0.7042, abs=5e-4)
    assert lo == pytest.approx(0.6086, abs=5e-4)
    assert hi == pytest.approx(0.8147, abs=5e-4)
    assert class_hazard_ratio("tki") == pytest.approx(hr)


def test_pooling_one_log_symmetric_estimate_returns_it():
    t = SecondLineTrial("X", "x", "tki", 0.8, (0.8 / 1.25, 0.8 * 1.25), 8.0, "synthetic")
    hr, (lo, hi) = pooled_hazard_ratio([t])
    assert (hr, lo, hi) == pytest.approx((0.8, 0.64, 1.0), rel=1e-9)


def test_every_class_has_a_benefit_and_unknown_class_is_refused():
    for c in THERAPY_CLASSES:
        assert 0.5 < class_hazard_ratio(c) < 1.0
    with pytest.raises(InputError):
        class_hazard_ratio("chemotherapy")


def test_untreated_median_is_the_mean_placebo_median():
    # RESORCE 7.8, CELESTIAL 8.0, REACH-2 7.3 months (placebo arms)
    assert UNTREATED_PPS_MEDIAN_MONTHS == pytest.approx(23.1 / 3, abs=0.01)


def test_rate_reproduces_the_median_of_an_exponential():
    rate = post_progression_rate(np.zeros(1), 1.0, 7.0)[0]
    assert expon(scale=1.0 / rate).median() == pytest.approx(7.0 * 30.4375, rel=1e-12)
    # prognosis and therapy act multiplicatively on the hazard
    r = post_progression_rate(np.array([math.log(2.0)]), 0.5, 7.0)[0]
    assert r == pytest.approx(rate)


def test_rate_rejects_bad_input():
    with pytest.raises(InputError):
        post_progression_rate(np.array([np.nan]), 1.0)
    with pytest.raises(InputError):
        post_progression_rate(np.zeros(2), np.array([1.0, 0.0]))
    with pytest.raises(InputError):
        post_progression_rate(np.zeros(2), 1.0, -3.0)


def test_assignment_gives_the_share_and_prefers_fitter_patients():
    rng = np.random.default_rng(3)
    lp = rng.normal(size=2000)
    e = rng.normal(size=2000)
    got = assign_subsequent_therapy(lp, 0.44, e, rho=0.5)
    assert got.sum() == 880
    assert lp[got].mean() < lp[~got].mean()  # treated patients have better prognosis
    rand = assign_subsequent_therapy(lp, 0.44, e, rho=0.0)
    assert rand.sum() == 880
    assert abs(lp[rand].mean() - lp[~rand].mean()) < 0.15  # no selection at rho = 0
    strict = assign_subsequent_therapy(lp, 0.25, e, rho=1.0)
    assert lp[strict].max() <= np.quantile(lp, 0.25) + 1e-12


def test_assignment_rejects_bad_input():
    with pytest.raises(InputError):
        assign_subsequent_therapy(np.zeros(3), 1.2, np.zeros(3))
    with pytest.raises(InputError):
        assign_subsequent_therapy(np.zeros(3), 0.5, np.zeros(2))
    with pytest.raises(InputError):
        assign_subsequent_therapy(np.array([0.0, np.nan]), 0.5, np.zeros(2))


def test_therapy_class_draws_follow_the_mix():
    u = (np.arange(10000) + 0.5) / 10000
    got = draw_therapy_class(u, {"tki": 0.6, "anti_pd1": 0.4})
    assert np.mean(got == "tki") == pytest.approx(0.6, abs=1e-3)
    with pytest.raises(InputError):
        draw_therapy_class(u, {"tki": 0.6, "anti_pd1": 0.3})
    with pytest.raises(InputError):
        draw_therapy_class(u, {"chemo": 1.0})
