"""Units: conversions against published factors, and the errors for bare, unknown and implausible input.

Factors: bilirubin 1 mg/dL = 17.104 µmol/L and platelets 1 × 10⁴/µL = 10 × 10⁹/L (DESIGN §3; e.g. the SI
conversion table of the AMA Manual of Style); albumin 1 g/dL = 10 g/L; CRP 1 mg/dL = 10 mg/L; total
cholesterol 1 mmol/L = 38.67 mg/dL; month = 365.25/12 = 30.4375 days.
"""

import pytest

from lenvici.errors import InputError
from lenvici.units import DAYS_PER_MONTH, days_to_months, parse_quantity, to_canonical
from tests.tolerances import CONVERSION


@pytest.mark.parametrize(
    ("text", "field", "expected"),
    [
        ("1.0 mg/dL", "bilirubin", 17.104),
        ("17.104 umol/L", "bilirubin", 17.104),
        ("20 µmol/L", "bilirubin", 20.0),
        ("3.5 g/dL", "albumin", 35.0),
        ("35 g/L", "albumin", 35.0),
        ("1.2 mg/dL", "crp", 12.0),
        ("5 mmol/L", "cholesterol", 193.35),
        ("25 10*4/uL", "platelets", 250.0),
        ("250 10*3/uL", "platelets", 250.0),
        ("250000 /uL", "platelets", 250.0),
        ("250000 /mm3", "platelets", 250.0),
        ("4.2 x10^9/L", "neutrophils", 4.2),
        ("1.65 m", "height", 165.0),
        ("60 kg", "weight", 60.0),
        ("4 cm", "largest_tumour", 40.0),
        ("1.1", "inr", 1.1),
    ],
)
def test_conversion_to_canonical(text, field, expected):
    assert to_canonical(text, field) == pytest.approx(expected, rel=CONVERSION)


def test_bare_number_for_a_dimensioned_input_is_an_error_naming_the_units():
    with pytest.raises(InputError, match=r"needs a unit; accepted units: g/L, g/dL") as info:
        to_canonical("3.5", "albumin")
    assert info.value.field == "albumin"


def test_unknown_unit_is_an_error():
    with pytest.raises(InputError, match="unknown unit 'mmol/L'"):
        to_canonical("3.5 mmol/L", "albumin")


def test_wrong_unit_giving_an_implausible_value_is_an_error():
    # 3.5 g/L of albumin: almost certainly g/dL meant; lenvici refuses rather than guesses.
    with pytest.raises(InputError, match="outside the physiological range"):
        to_canonical("3.5 g/L", "albumin")


@pytest.mark.parametrize("text", ["nan g/L", "inf g/L", "abc", "", "g/L 3.5"])
def test_malformed_or_non_finite_is_an_error(text):
    with pytest.raises(InputError):
        to_canonical(text, "albumin")


def test_parse_keeps_value_and_normalises_unit_spelling():
    q = parse_quantity("20 µmol/l", "bilirubin")
    assert (q.value, q.unit) == (20.0, "umol/L")


def test_month_is_365_25_over_12_days():
    assert DAYS_PER_MONTH == 30.4375
    assert days_to_months(179) == pytest.approx(5.880903490759754, rel=CONVERSION)
