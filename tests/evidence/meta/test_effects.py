"""Effect sizes: metafor's escalc definitions, continuity correction, reported intervals, validation."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest

from lenvici.errors import InputError
from lenvici.evidence.meta import (
    escalc,
    from_ratio_ci,
    generic,
    log_median,
    proportion,
    ratio_of_medians,
    two_group,
)


def test_proportion_measures_by_hand():
    """x = 3 of n = 20: the four transformations written out."""
    p = 3 / 20
    assert proportion([3], [20], "PR").yi[0] == pytest.approx(p, rel=1e-15)
    assert proportion([3], [20], "PR").vi[0] == pytest.approx(p * (1 - p) / 20, rel=1e-15)
    assert proportion([3], [20], "PLO").yi[0] == pytest.approx(math.log(3 / 17), rel=1e-15)
    assert proportion([3], [20], "PLO").vi[0] == pytest.approx(1 / 3 + 1 / 17, rel=1e-15)
    assert proportion([3], [20], "PAS").yi[0] == pytest.approx(math.asin(math.sqrt(p)), rel=1e-15)
    assert proportion([3], [20], "PAS").vi[0] == pytest.approx(1 / 80, rel=1e-15)
    pft = 0.5 * (math.asin(math.sqrt(3 / 21)) + math.asin(math.sqrt(4 / 21)))
    assert proportion([3], [20], "PFT").yi[0] == pytest.approx(pft, rel=1e-15)
    assert proportion([3], [20], "PFT").vi[0] == pytest.approx(1 / 82, rel=1e-15)


def test_proportion_zero_cells_get_half_only_for_pr_and_plo():
    """metafor: add = 1/2 to = "only0" for PR/PLO; PAS and PFT default to add = 0."""
    plo = proportion([0, 5, 10], [10, 10, 10], "PLO")
    assert plo.corrected.tolist() == [True, False, True]
    assert plo.yi[0] == pytest.approx(math.log(0.5 / 10.5))
    assert plo.vi[2] == pytest.approx(1 / 10.5 + 1 / 0.5)
    pr = proportion([0], [10], "PR")
    assert pr.yi[0] == pytest.approx(0.5 / 11)
    pas = proportion([0], [10], "PAS")
    assert pas.yi[0] == 0.0 and not pas.corrected.any()
    assert pas.ni.tolist() == [10.0]


def test_two_group_measures_by_hand():
    a, n1, c, n2 = 10, 50, 5, 60
    b, d = n1 - a, n2 - c
    es = two_group([a], [n1], [c], [n2], "OR")
    assert es.yi[0] == pytest.approx(math.log(a * d / (b * c)), rel=1e-14)
    assert es.vi[0] == pytest.approx(1 / a + 1 / b + 1 / c + 1 / d, rel=1e-14)
    es = two_group([a], [n1], [c], [n2], "RR")
    assert es.yi[0] == pytest.approx(math.log((a / n1) / (c / n2)), rel=1e-14)
    assert es.vi[0] == pytest.approx(1 / a - 1 / n1 + 1 / c - 1 / n2, rel=1e-14)
    es = two_group([a], [n1], [c], [n2], "RD")
    p1, p2 = a / n1, c / n2
    assert es.yi[0] == pytest.approx(p1 - p2, rel=1e-14)
    assert es.vi[0] == pytest.approx(p1 * (1 - p1) / n1 + p2 * (1 - p2) / n2, rel=1e-14)
    assert es.ni.tolist() == [110.0]


def test_double_zero_kept_and_corrected_by_default_dropped_on_request():
    """metafor's drop00=FALSE keeps a 0/118 vs 0/105 study (with ½ added to every cell)."""
    es = two_group([0, 3], [118, 50], [0, 1], [105, 50], "OR")
    assert es.k == 2 and es.corrected.tolist() == [True, False]
    assert es.yi[0] == pytest.approx(math.log((0.5 * 105.5) / (118.5 * 0.5)))
    dropped = two_group([0, 3, 50], [118, 50, 50], [0, 1, 40], [105, 50, 40], "RR", drop00=True)
    assert dropped.k == 1 and dropped.dropped == (0, 2)


def test_generic_from_sei_and_escalc_dispatch():
    g = generic([0.1, 0.2], sei=[0.5, 0.25])
    np.testing.assert_allclose(g.vi, [0.25, 0.0625])
    assert escalc("GEN", yi=[0.1], sei=[0.5]).vi[0] == 0.25
    assert escalc("PLO", xi=[3], ni=[20]).measure == "PLO"
    assert escalc("RD", ai=[1], n1i=[10], ci=[2], n2i=[10]).measure == "RD"


def test_ratio_ci_symmetric_on_log_scale():
    """HR 0.80 (0.66–0.97): SE = (ln 0.97 − ln 0.66) / (2 × 1.959964)."""
    es = from_ratio_ci(0.80, 0.66, 0.97, measure="HR")
    assert es.yi[0] == pytest.approx(math.log(0.8))
    assert es.sei[0] == pytest.approx((math.log(0.97) - math.log(0.66)) / (2 * 1.959964), rel=1e-6)
    assert es.measure == "HR" and es.notes == ()


def test_ratio_ci_asymmetric_warns_and_records():
    with pytest.warns(UserWarning, match="asymmetric"):
        es = from_ratio_ci(0.5, 0.45, 0.95)
    assert len(es.notes) == 1


def test_medians_and_their_ratio():
    """Median OS 13.6 (12.1–14.9) vs 12.3 (10.4–13.9) months (REFLECT, Kudo et al. Lancet 2018): real
    survival-median intervals are 10–20% asymmetric on the log scale and must not warn by default."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        one = log_median(13.6, 12.1, 14.9)
        two = log_median(12.3, 10.4, 13.9)
        ratio = ratio_of_medians(13.6, 12.1, 14.9, 12.3, 10.4, 13.9)
    assert ratio.measure == "ROMED" and one.measure == "MEDLN"
    assert ratio.yi[0] == pytest.approx(math.log(13.6 / 12.3))
    assert ratio.vi[0] == pytest.approx(one.vi[0] + two.vi[0])


@pytest.mark.parametrize(
    "call, field",
    [
        (lambda: proportion([-1], [10]), "xi"),
        (lambda: proportion([11], [10]), "xi"),
        (lambda: proportion([1.5], [10]), "xi"),
        (lambda: proportion([float("nan")], [10]), "xi"),
        (lambda: proportion([1, 2], [10]), "xi"),
        (lambda: proportion([1], [0]), "ni"),
        (lambda: proportion([1], [10], "XX"), "measure"),
        (lambda: two_group([5], [4], [1], [10]), "ai"),
        (lambda: two_group([1], [10], [-2], [10]), "ci"),
        (lambda: two_group([1, 2], [10, 10], [1], [10]), "ai"),
        (lambda: generic([0.1], [0.0]), "vi"),
        (lambda: generic([0.1], [0.1], sei=[0.3]), "sei"),
        (lambda: from_ratio_ci(0.8, 0.9, 0.7), "lower"),
        (lambda: from_ratio_ci(1.2, 0.66, 0.97), "estimate"),
        (lambda: log_median(10, -1, 12), "lower"),
        (lambda: proportion([0], [10], "PLO", to="none"), "add"),
    ],
)
def test_invalid_input_names_the_field(call, field):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with pytest.raises(InputError) as err:
            call()
    assert err.value.field == field


def test_effect_sizes_are_immutable_and_readable():
    es = proportion([3, 0], [20, 15], "PLO", study=["A", "B"])
    with pytest.raises(ValueError):
        es.yi[0] = 1.0
    text = repr(es)
    assert "PLO" in text and "continuity correction" in text
    assert es.summary()[1]["study"] == "B" and es.summary()[1]["corrected"] is True
