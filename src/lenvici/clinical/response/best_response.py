"""Best overall response and progression day from the sequence of visit responses.

RECIST 1.1 §4.4 (Eisenhauer et al. 2009), shared by mRECIST:

* Only visits before the first PD count; the **progression day** is the day of that first PD visit.
* **Unconfirmed** (``confirm=False``, randomised trials): the best of the visit responses, in the order
  CR > PR > SD > NON-CR/NON-PD; an SD (or NON-CR/NON-PD) visit counts only when it is at least
  ``sd_min_days`` after the baseline (§4.4.1: "in general not less than 6–8 weeks"; default 42 days).
  Otherwise PD if the patient progressed, else NE.
* **Confirmed** (``confirm=True``, §4.4.1 and Table 3): a CR needs a later CR, and a PR a later CR or PR,
  at least ``confirm_days`` (28 days, "no less than 4 weeks") after it, with only responses of at least
  the same level or NE in between. An unconfirmed CR or PR still counts as SD when it meets the SD
  minimum duration (Table 3: "PR then PD → SD provided minimum criteria for SD duration met, otherwise
  PD"). For non-target-only disease an unconfirmed CR counts as NON-CR/NON-PD on the same terms.

Days are compared as given; the SD duration is measured from the baseline visit's day.
"""

from __future__ import annotations

from collections.abc import Sequence

from lenvici.clinical.response.result import CR, NE, NON_CR_NON_PD, PD, PR, SD
from lenvici.errors import InputError

__all__ = ["best_overall_response", "progression_day", "DEFAULT_CONFIRM_DAYS", "DEFAULT_SD_MIN_DAYS"]

#: RECIST 1.1 §4.4.1: confirmation "no less than 4 weeks" after the response is first met.
DEFAULT_CONFIRM_DAYS = 28
#: RECIST 1.1 §4.4.1: SD at least once after a minimum interval, "in general not less than 6–8 weeks".
DEFAULT_SD_MIN_DAYS = 42


def progression_day(days: Sequence[int], categories: Sequence[str | None]) -> int | None:
    """The day of the first visit whose response is PD, or ``None``."""
    for day, cat in zip(days, categories):
        if cat == PD:
            return day
    return None


def _check_days(value: int, field: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 10_000:
        raise InputError(f"{field!r} must be a whole number of days in [0, 10000]; got {value!r}", field)
    return value


def best_overall_response(days: Sequence[int], categories: Sequence[str | None], baseline_day: int,
                          confirm: bool = False, confirm_days: int = DEFAULT_CONFIRM_DAYS,
                          sd_min_days: int = DEFAULT_SD_MIN_DAYS, measurable: bool = True) -> str:
    """Best overall response of one patient.

    Parameters
    ----------
    days, categories
        Follow-up visits in day order and their overall responses (a ``None`` category — the baseline —
        is skipped).
    baseline_day
        Day of the baseline assessment; the SD minimum duration is measured from it.
    confirm
        Require confirmation of CR and PR.
    confirm_days
        Smallest interval between a response and its confirmation, days (28).
    sd_min_days
        Smallest interval from baseline for SD to count, days (42).
    measurable
        The patient has target lesions; ``False`` for non-target-only disease (Table 5), where a lasting
        but unconfirmed CR counts as NON-CR/NON-PD rather than SD.

    Returns
    -------
    str
        ``CR``, ``PR``, ``SD``, ``NON-CR/NON-PD``, ``PD`` or ``NE``.
    """
    confirm_days = _check_days(confirm_days, "confirm_days")
    sd_min_days = _check_days(sd_min_days, "sd_min_days")
    visits = [(d, c) for d, c in zip(days, categories) if c is not None]
    before_pd: list[tuple[int, str]] = []
    progressed = False
    for d, c in visits:
        if c == PD:
            progressed = True
            break
        before_pd.append((d, c))

    if confirm:
        if _confirmed(before_pd, {CR}, confirm_days):
            return CR
        if _confirmed(before_pd, {CR, PR}, confirm_days):
            return PR
    else:
        cats = {c for _, c in before_pd}
        if CR in cats:
            return CR
        if PR in cats:
            return PR

    lasting = {c for d, c in before_pd if d - baseline_day >= sd_min_days}
    if measurable and lasting & {CR, PR, SD}:
        return SD
    if not measurable and lasting & {CR, NON_CR_NON_PD}:
        return NON_CR_NON_PD
    return PD if progressed else NE


def _confirmed(visits: Sequence[tuple[int, str]], level: set[str], confirm_days: int) -> bool:
    """A visit in ``level`` followed ≥ ``confirm_days`` later by another in ``level``, with only ``level``
    or NE in between."""
    for i, (d_i, c_i) in enumerate(visits):
        if c_i not in level:
            continue
        for d_j, c_j in visits[i + 1:]:
            if c_j not in level and c_j != NE:
                break
            if c_j in level and d_j - d_i >= confirm_days:
                return True
    return False
