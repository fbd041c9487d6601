"""Best overall response and progression day (RECIST 1.1 §4.4, Table 3), on visit sequences.

Days are since a baseline on day 0; the SD minimum is 42 days and confirmation 28 days unless stated.
"""

import pytest

from lenvici.clinical.response import assess, best_overall_response, progression_day
from lenvici.errors import InputError
from tests.clinical.response.rows import series


def bor(visits, confirm=False, sd_min_days=42, confirm_days=28, measurable=True):
    days = [d for d, _ in visits]
    cats = [c for _, c in visits]
    return best_overall_response(days, cats, 0, confirm=confirm, confirm_days=confirm_days,
                                 sd_min_days=sd_min_days, measurable=measurable)


# --- Unconfirmed (§4.4.1: randomised trials) --------------------------------------------------------------

@pytest.mark.parametrize(("visits", "expected"), [
    ([(56, "PR")], "PR"),                          # best of the visits
    ([(56, "SD"), (112, "PR"), (168, "PD")], "PR"),
    ([(56, "CR"), (112, "PR")], "CR"),
    ([(56, "SD")], "SD"),                          # 56 ≥ 42 days
    ([(28, "SD")], "NE"),                          # SD too early, nothing after it
    ([(28, "SD"), (56, "PD")], "PD"),              # §4.4.1: SD too early then PD → PD
    ([(28, "SD"), (56, "NE")], "NE"),
    ([(42, "SD")], "SD"),                          # exactly the minimum counts
    ([(41, "SD")], "NE"),
    ([(56, "PD"), (112, "PR")], "PD"),             # visits after progression are ignored
    ([(56, "NE"), (112, "NE")], "NE"),
    ([], "NE"),                                    # no follow-up
])
def test_unconfirmed(visits, expected):
    assert bor(visits) == expected


# --- Confirmed (§4.4.1 and Table 3) ----------------------------------------------------------------------

@pytest.mark.parametrize(("visits", "expected"), [
    ([(56, "CR"), (84, "CR")], "CR"),              # Table 3: CR, CR → CR (84 − 56 = 28 days)
    ([(56, "CR"), (83, "CR")], "SD"),              # 27 days: not confirmed; CR at 56 ≥ 42 counts as SD
    ([(56, "CR"), (112, "PR")], "PR"),             # CR then PR: PR (lenvici counts CR as confirming PR)
    ([(56, "CR"), (112, "SD")], "SD"),             # Table 3: CR, SD → SD (SD minimum met)
    ([(28, "CR"), (35, "PD")], "PD"),              # Table 3: CR, PD → PD when SD minimum not met
    ([(56, "CR"), (112, "PD")], "SD"),             # Table 3: CR, PD → SD when the minimum is met
    ([(28, "CR"), (35, "NE")], "NE"),              # Table 3: CR, NE → NE when SD minimum not met
    ([(56, "PR"), (112, "CR")], "PR"),             # Table 3: PR, CR → PR
    ([(56, "PR"), (112, "PR")], "PR"),             # Table 3: PR, PR → PR
    ([(56, "PR"), (112, "SD")], "SD"),             # Table 3: PR, SD → SD
    ([(56, "PR"), (112, "PD")], "SD"),             # Table 3: PR, PD → SD (minimum met)
    ([(28, "PR"), (35, "PD")], "PD"),              # Table 3: PR, PD → PD (minimum not met)
    ([(56, "PR"), (112, "NE")], "SD"),             # Table 3: PR, NE → SD (minimum met)
    ([(28, "PR"), (35, "NE")], "NE"),              # Table 3: PR, NE → NE (minimum not met)
    ([(56, "NE"), (112, "NE")], "NE"),             # Table 3: NE, NE → NE
    ([(56, "PR"), (70, "NE"), (112, "PR")], "PR"),  # NE between response and confirmation is allowed
    ([(56, "PR"), (84, "SD"), (112, "PR")], "SD"),  # an SD in between breaks the confirmation (strict)
    ([(56, "PR"), (70, "PR")], "SD"),              # 14 days apart: unconfirmed
])
def test_confirmed(visits, expected):
    assert bor(visits, confirm=True) == expected


def test_confirmation_interval_is_configurable():
    assert bor([(56, "PR"), (70, "PR")], confirm=True, confirm_days=14) == "PR"


def test_non_target_only_disease():
    """Table 5: non-target disease only; an unconfirmed CR lasting ≥ 42 days is NON-CR/NON-PD, not SD."""
    assert bor([(56, "CR"), (112, "CR")], confirm=True, measurable=False) == "CR"
    assert bor([(56, "CR")], confirm=True, measurable=False) == "NON-CR/NON-PD"
    assert bor([(56, "NON-CR/NON-PD")], measurable=False) == "NON-CR/NON-PD"
    assert bor([(28, "NON-CR/NON-PD"), (56, "PD")], measurable=False) == "PD"


def test_progression_day_is_the_first_pd():
    assert progression_day([56, 112, 168], ["SD", "PD", "PD"]) == 112
    assert progression_day([56], ["SD"]) is None


@pytest.mark.parametrize("value", [-1, 1.5, True, "28"])
def test_invalid_intervals_are_input_errors(value):
    with pytest.raises(InputError, match="confirm_days"):
        bor([(56, "PR")], confirm_days=value)


def test_assess_passes_confirmation_through():
    """End to end: 50 → 30 (−40 %, PR) on day 56 → 32 (−36 %, PR) on day 84: confirmed 28 days later.
    With a 42-day confirmation interval the PR is unconfirmed and counts as SD."""
    rows = series("P", "T1", "liver", [50, 30, 32], days=(0, 56, 84))
    assert assess(rows, confirm=True).patients[0].best_overall_response == "PR"
    assert assess(rows, confirm=True, confirm_days=42).patients[0].best_overall_response == "SD"
    assert assess(rows, confirm=False, sd_min_days=90).patients[0].best_overall_response == "PR"
