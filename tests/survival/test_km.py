"""Kaplan–Meier, its confidence limits, quantiles and numbers at risk: properties and input errors."""

from __future__ import annotations

import numpy as np
import pytest
from lifelines import KaplanMeierFitter

from lenvici.errors import InputError
from lenvici.survival import at_risk_table, curve_quantile, kaplan_meier, regular_times, survival_confint
from tests.tolerances import IDENTITY


@pytest.fixture
def sample():
    rng = np.random.default_rng(7)
    t = np.round(rng.exponential(10, 150), 1) + 0.1
    c = rng.uniform(0, 30, 150)
    return np.minimum(t, c), (t <= c).astype(int)


def test_default_conf_type_is_r_survfit_log(sample):
    km = kaplan_meier(*sample)
    assert km.conf_type == "log" and km.conf_level == 0.95
    z = 1.959963984540054
    ok = km.survival > 0
    assert np.allclose(km.lower[ok], km.survival[ok] * np.exp(-z * km.se_log[ok]), atol=IDENTITY, rtol=0)


def test_log_log_limits_equal_lifelines_exponential_greenwood(sample):
    """lifelines' KaplanMeierFitter intervals are the log-log ("exponential Greenwood") ones."""
    km = kaplan_meier(*sample, conf_type="log-log")
    kmf = KaplanMeierFitter().fit(*sample)
    ci = kmf.confidence_interval_.reindex(km.time).to_numpy()
    ok = (km.survival > 0) & (km.survival < 1)
    assert np.allclose(km.lower[ok], ci[ok, 0], atol=IDENTITY, rtol=0)
    assert np.allclose(km.upper[ok], ci[ok, 1], atol=IDENTITY, rtol=0)


def test_product_limit_and_greenwood_by_hand():
    t = [1, 2, 2, 3, 5, 5, 8, 9]
    e = [1, 1, 0, 1, 0, 1, 1, 0]
    km = kaplan_meier(t, e)
    # n at risk 8, 7, 5, 4, 2, 1 at times 1, 2, 3, 5, 8, 9; events 1, 1, 1, 1, 1, 0
    s = np.cumprod([1 - 1 / 8, 1 - 1 / 7, 1 - 1 / 5, 1 - 1 / 4, 1 - 1 / 2, 1.0])
    v = np.cumsum([1 / (8 * 7), 1 / (7 * 6), 1 / (5 * 4), 1 / (4 * 3), 1 / (2 * 1), 0.0])
    assert km.time.tolist() == [1, 2, 3, 5, 8, 9]
    assert np.allclose(km.survival, s, atol=IDENTITY, rtol=0)
    assert np.allclose(km.se_log, np.sqrt(v), atol=IDENTITY, rtol=0)
    assert km.n == 8 and km.n_events == 5


def test_confint_undefined_where_r_gives_na():
    s = np.array([1.0, 0.5, 0.0])
    se = np.array([0.0, 0.2, np.inf])
    lo, hi = survival_confint(s, se, "log", 0.95)
    assert lo[0] == hi[0] == 1.0 and np.isnan(lo[2]) and np.isnan(hi[2])
    lo, hi = survival_confint(s, se, "log-log", 0.95)
    assert np.isnan(lo[0]) and np.isnan(hi[0]) and np.isnan(lo[2])
    lo, hi = survival_confint(s, se, "plain", 0.95)
    assert lo[1] == pytest.approx(0.5 - 1.959963984540054 * 0.1) and hi[0] == 1.0


def test_median_midpoint_rule_and_not_reached():
    km = kaplan_meier([1, 2, 3, 4, 5, 6], [1] * 6)
    assert km.median.time == 3.5  # S = 0.5 exactly on [3, 4)
    km = kaplan_meier([1, 2, 3, 4, 5, 6], [1, 0, 0, 0, 0, 0])
    assert np.isnan(km.median.time) and "NA" in repr(km)


def test_curve_quantile_last_point_rule():
    """A curve that ends exactly at 1 − p: midpoint between reaching it and the last time."""
    t = np.array([1.0, 2.0, 5.0])
    s = np.array([0.75, 0.5, 0.5])
    assert curve_quantile(t, s, np.array([0.5]))[0] == pytest.approx((2.0 + 5.0) / 2)
    assert curve_quantile(t, s, np.array([0.0]))[0] == 0.0
    assert np.isnan(curve_quantile(t, s, np.array([0.9]))[0])


def test_survival_at_is_right_continuous(sample):
    km = kaplan_meier(*sample)
    assert km.survival_at(0.0)[0] == 1.0
    assert km.survival_at(km.time[3])[0] == km.survival[3]
    assert km.survival_at(km.time[-1] + 100)[0] == km.survival[-1]


def test_at_risk_counts_follow_up_at_or_after_each_time(sample):
    t, e = sample
    km = kaplan_meier(t, e)
    times = regular_times(t.max(), 3)
    table = at_risk_table(km, times)
    assert table.n_risk.tolist() == [int((t >= x).sum()) for x in times]
    assert table.n_event.sum() == e[t <= times[-1]].sum()
    assert table.n_censor.sum() == (1 - e)[t <= times[-1]].sum()
    assert table.summary().shape == (times.size, 8)
    assert repr(table).startswith("AtRiskTable(0: 150")


def test_regular_times():
    assert regular_times(34.2).tolist() == [0, 5, 10, 15, 20, 25, 30]
    assert regular_times(36, 3).tolist()[-1] == 36


def test_results_are_frozen_and_summaries_are_frames(sample):
    km = kaplan_meier(*sample, label="arm A")
    with pytest.raises(AttributeError):
        km.conf_type = "plain"  # type: ignore[misc]
    with pytest.raises(ValueError):
        km.survival[0] = 0.0
    frame = km.summary()
    assert list(frame.columns) == ["time", "n_risk", "n_event", "n_censor", "survival", "se_survival", "lower", "upper"]
    assert "arm A" in repr(km) and "conf_type='log'" in repr(km)


@pytest.mark.parametrize(
    ("time", "event", "kwargs", "field"),
    [
        ([1, -2, 3], [1, 1, 1], {}, "time"),
        ([1, np.nan, 3], [1, 1, 1], {}, "time"),
        ([1, 2, 3], [1, 2, 1], {}, "event"),
        ([1, 2, 3], [1, 1], {}, "event"),
        ([1, 2, 3], [1, 1, 1], {"conf_type": "logit"}, "conf_type"),
        ([1, 2, 3], [1, 1, 1], {"conf_level": 95}, "conf_level"),
        ([], [], {}, "time"),
        ("1,2,3", [1, 1, 1], {}, "time"),
    ],
)
def test_invalid_input_is_an_input_error_naming_the_field(time, event, kwargs, field):
    with pytest.raises(InputError) as info:
        kaplan_meier(time, event, **kwargs)
    assert info.value.field == field


def test_plot_draws_steps_and_band(sample):
    from matplotlib.figure import Figure

    ax = kaplan_meier(*sample, label="A").plot()
    assert isinstance(ax.figure, Figure)
    assert len(ax.lines) >= 2 and len(ax.collections) >= 1
