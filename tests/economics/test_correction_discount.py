"""State-membership correction (heemod's names) and discounting (heemod's ``discount``).

Correction fixtures: heemod ``tests/testthat/test_model.R`` "compute_counts works" (two 2×2 matrices,
``init = c(10, 0)``) and the deprecated "half-cycle" method's values from heemod commit 808ac89.
"""

import numpy as np
import pytest

from lenvici.economics import correct_counts, discount_factors

COUNTS = np.array([[10.0, 0.0], [5.0, 5.0], [4.35, 5.65]])   # heemod's lm matrices applied to init c(10, 0)


@pytest.mark.parametrize("method, expected", [
    ("beginning", [[10, 0], [5, 5]]),
    ("end", [[5.00, 5.00], [4.35, 5.65]]),
    ("life-table", [[7.500, 2.500], [4.675, 5.325]]),
])
def test_heemod_corrections(method, expected):
    np.testing.assert_allclose(correct_counts(COUNTS, method), expected, rtol=1e-12)


def test_half_cycle_is_heemods_deprecated_method():
    with pytest.warns(FutureWarning):
        got = correct_counts(COUNTS, "half-cycle")
    np.testing.assert_allclose(got, [[10.000, 5.000], [6.525, 8.475]], rtol=1e-12)


def test_unknown_method():
    with pytest.raises(ValueError, match="life-table"):
        correct_counts(COUNTS, "trapezoid")


def test_corrections_are_vectorised_over_leading_axes():
    stack = np.stack([COUNTS, 2 * COUNTS])
    np.testing.assert_allclose(correct_counts(stack, "life-table")[1], 2 * correct_counts(COUNTS, "life-table"))


def test_discount_like_heemod():
    """heemod: discount(rep(10, 5), .02) and discount(rep(10, 5), .02, first = TRUE)."""
    np.testing.assert_allclose(10 * discount_factors(0.02, 5), 10 / 1.02 ** np.arange(5), rtol=1e-14)
    np.testing.assert_allclose(10 * discount_factors(0.02, 5, first=True), 10 / 1.02 ** np.arange(1, 6), rtol=1e-14)


def test_monthly_cycles_step_once_a_year_or_smoothly():
    annual = discount_factors(0.035, 25, cycle_length_years=1 / 12)
    assert np.all(annual[:12] == 1.0) and np.all(annual[12:24] == 1 / 1.035) and annual[24] == 1 / 1.035**2
    smooth = discount_factors(0.035, 25, cycle_length_years=1 / 12, steps="cycle")
    np.testing.assert_allclose(smooth, 1.035 ** (-np.arange(25) / 12), rtol=1e-14)
    with pytest.raises(ValueError):
        discount_factors(0.035, 3, steps="weekly")
