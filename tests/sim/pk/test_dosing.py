"""Dosing schedules: builders, per-patient doses, dose changes, validation."""

from __future__ import annotations

import numpy as np
import pytest

from lenvici.errors import InputError
from lenvici.sim.pk import (
    DosingSchedule,
    infusion_schedule,
    oral_schedule,
    oral_schedule_from_daily,
    weight_based_dose,
)


def test_oral_schedule_with_reduction_and_interruption():
    s = oral_schedule(np.array([8.0, 12.0]), 10, changes=[(3, 0.0), (5, 4.0)])
    assert s.amounts.shape == (2, 10)
    np.testing.assert_array_equal(s.times, np.arange(10.0))
    np.testing.assert_array_equal(s.amounts[1], [12, 12, 12, 0, 0, 4, 4, 4, 4, 4])
    np.testing.assert_array_equal(s.amounts[0, :3], [8, 8, 8])
    assert s.route == "oral" and np.all(s.infusion_days == 0)


def test_twice_daily():
    s = oral_schedule(400.0, 2, per_day=2, start_day=1.0)
    np.testing.assert_allclose(s.times, [1.0, 1.5, 2.0, 2.5])
    np.testing.assert_allclose(s.total_amount(), [1600.0])


def test_from_daily_matrix_every_other_day():
    daily = np.array([[4.0, 0.0, 4.0, 0.0], [8.0, 8.0, 8.0, 8.0]])
    s = oral_schedule_from_daily(daily)
    np.testing.assert_array_equal(s.amounts, daily)


def test_infusions_weight_based_and_skipped():
    dose = weight_based_dose(6.0, [50.0, 80.0])
    s = infusion_schedule(dose, 14.0, 4, infusion_minutes=60.0, skip=[1])
    np.testing.assert_allclose(s.amounts[:, 0], [300.0, 480.0])
    assert np.all(s.amounts[:, 1] == 0)
    np.testing.assert_allclose(s.infusion_days, 60.0 / 1440.0)
    np.testing.assert_allclose(s.times, [0, 14, 28, 42])


def test_merge_phases():
    induction = infusion_schedule(80.0, 21.0, 4)
    maintenance = infusion_schedule(240.0, 14.0, 3, start_day=84.0)
    merged = induction.merge(maintenance)
    np.testing.assert_allclose(merged.times, [0, 21, 42, 63, 84, 98, 112])
    np.testing.assert_allclose(merged.amounts[0], [80, 80, 80, 80, 240, 240, 240])


@pytest.mark.parametrize("build", [
    lambda: oral_schedule(-1.0, 3),
    lambda: oral_schedule(12.0, 0),
    lambda: oral_schedule(12.0, 3, per_day=5),
    lambda: oral_schedule(12.0, 3, changes=[(1, -4.0)]),
    lambda: infusion_schedule(200.0, 21.0, 2, infusion_minutes=21 * 1440.0),
    lambda: infusion_schedule(200.0, 21.0, 2, skip=[3]),
    lambda: DosingSchedule("oral", [1.0, 0.0], [[1.0, 1.0]], [0.0, 0.0]),
    lambda: DosingSchedule("oral", [0.0], [[1.0]], [0.1]),
    lambda: DosingSchedule("subcutaneous", [0.0], [[1.0]], [0.0]),
    lambda: weight_based_dose(3.0, [-70.0]),
    lambda: oral_schedule(float("nan"), 3),
])
def test_invalid_input_raises_input_error(build):
    with pytest.raises(InputError):
        build()


def test_schedule_and_parameter_sizes_must_agree():
    s = oral_schedule(np.array([8.0, 12.0]), 2)
    assert s.amounts_for(2).shape == (2, 2)
    with pytest.raises(InputError):
        s.amounts_for(3)
