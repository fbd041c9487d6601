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
    SUBSEQUENT_THERAPY_HR,
    class_hazard_ratio,
    decimal_year,
    era_factor,
    era_trend,
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


def test_subsequent_therapy_hr_pools_all_four_second_line_trials():
    # se_i = ln(hi/lo)/3.91993; weights 1/se^2: RESORCE 73.44, CELESTIAL 107.17, REACH-2 (0.71, 0.531-0.949)
    # se 0.14809 w 45.60, KEYNOTE-240 (0.781, 0.611-0.998) se 0.12517 w 63.83; sum 290.04;
    # sum w ln HR = 73.44(-0.46204) + 107.17(-0.27444) + 45.60(-0.34249) + 63.83(-0.24718) = -94.784
    # -> mean -0.32680, HR 0.7212
    assert SUBSEQUENT_THERAPY_HR == pytest.approx(0.7212, abs=5e-4)


def test_decimal_year():
    assert decimal_year("2014-01-01") == 2014.0
    assert decimal_year("2014-07-02") == pytest.approx(2014 + 182 / 365)
    assert decimal_year("2016-12-31") == pytest.approx(2016 + 365 / 366)


def test_era_trend_matches_hand_least_squares_on_the_control_arms():
    # Sorafenib control arms, PPS proxy = median OS - median PFS (TTP for SHARP), curated records:
    # SHARP 10.7 - 5.5 = 5.2; REFLECT 12.3 - 3.7 = 8.6; CheckMate 459 14.7 - 3.8 = 10.9; HIMALAYA 13.77 - 4.1 = 9.67
    # at enrolment mid-years 2006.244, 2014.369, 2016.706, 2018.621 (data/sim/pps_era.yaml).
    # OLS of ln PPS on year, by hand: x-bar 2013.985, Sxx 89.32, Sxy 5.103 -> slope 0.0571 per year.
    t = era_trend()
    assert [p[0] for p in t.points] == ["sharp", "reflect", "checkmate-459", "himalaya"]
    assert [p[2] for p in t.points] == pytest.approx([5.2, 8.6, 10.9, 9.67])
    assert t.slope == pytest.approx(0.0571, abs=5e-4)
    assert 0 < t.se < t.slope  # a rough but clearly positive trend
    assert t.reference_year == 2015.0


def test_era_factor_is_one_at_the_reference_and_without_an_era():
    assert era_factor(None) == 1.0
    assert era_factor(2015.0) == pytest.approx(1.0)
    assert era_factor(2019.0) == pytest.approx(math.exp(4 * era_trend().slope))


def test_no_calibration_or_validation_trial_feeds_the_era_trend():
    assert not {p[0] for p in era_trend().points} & {"leap-002", "keynote-524"}
