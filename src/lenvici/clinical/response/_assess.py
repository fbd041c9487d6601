"""The entry point: lesion measurements in, typed per-visit and best overall responses out."""

from __future__ import annotations

from dataclasses import asdict

from lenvici.clinical.response._columnar import assess_columnar
from lenvici.clinical.response._reference import assess_reference
from lenvici.clinical.response.best_response import DEFAULT_CONFIRM_DAYS, DEFAULT_SD_MIN_DAYS, _check_days
from lenvici.clinical.response.criteria import ResponseCriteria, get_criteria
from lenvici.clinical.response.lesions import lesion_table
from lenvici.clinical.response.recist import check_baseline
from lenvici.clinical.response.result import PatientResponse, ResponseAssessment
from lenvici.clinical.validation import check_choice, check_flag
from lenvici.errors import InputError

__all__ = ["assess", "assess_patient"]

_ENGINES = ("columnar", "reference")


def assess(lesions, criteria: str | ResponseCriteria = "recist1.1", confirm: bool = False,
           confirm_days: int = DEFAULT_CONFIRM_DAYS, sd_min_days: int = DEFAULT_SD_MIN_DAYS,
           pd_min_increase_mm: float | None = None, engine: str = "columnar", **options) -> ResponseAssessment:
    """Tumour response by RECIST 1.1 or mRECIST for every patient of a lesion table.

    Parameters
    ----------
    lesions
        A lesion table: a CSV path, a polars DataFrame, rows (:class:`LesionRow` or mappings) or a
        :class:`LesionTable`, with the columns of DESIGN §4 (see :mod:`.lesions`).
    criteria
        ``"recist1.1"`` (default) or ``"mrecist"``, or a :class:`ResponseCriteria`.
    confirm
        Require confirmation of CR/PR at least ``confirm_days`` later (RECIST 1.1 §4.4.1, Table 3).
    confirm_days
        Smallest interval between a response and its confirmation, days (28).
    sd_min_days
        Smallest interval from baseline for SD to count as best response, days (42).
    pd_min_increase_mm
        Absolute rise of the sum over the nadir needed for PD, mm (default: 5 for RECIST 1.1, 0 for
        mRECIST; see :func:`.criteria.mrecist_criteria`).
    engine
        ``"columnar"`` (Polars, all patients at once) or ``"reference"`` (one patient at a time).
    **options
        Any other :class:`ResponseCriteria` setting, e.g. ``pr_decrease=0.3``.

    Returns
    -------
    ResponseAssessment
        One :class:`PatientResponse` per patient; ``.to_dict()`` is the DESIGN §4 JSON document.

    Raises
    ------
    InputError
        On an invalid table (naming the row and column), an invalid baseline target selection, or an
        invalid option.

    Notes
    -----
    Target response at a follow-up visit, with :math:`S` the target sum, :math:`S_0` the baseline sum
    and :math:`S_{min}` the smallest complete sum before the visit (baseline included):

    .. math::

        \\text{PR}: S \\le (1 - 0.30)\\,S_0, \\qquad
        \\text{PD}: S \\ge (1 + 0.20)\\,S_{min} \\;\\wedge\\; S - S_{min} \\ge 5\\ \\text{mm}.

    References
    ----------
    Eisenhauer EA, et al. Eur J Cancer. 2009;45(2):228–247. doi:10.1016/j.ejca.2008.10.026.
    Lencioni R, Llovet JM. Semin Liver Dis. 2010;30(1):52–60. doi:10.1055/s-0030-1247132.

    Examples
    --------
    >>> rows = [
    ...     dict(patient="P1", day=0, lesion="T1", kind="target", organ="liver", diameter_mm=50,
    ...          viable_diameter_mm=40, status=""),
    ...     dict(patient="P1", day=56, lesion="T1", kind="target", organ="liver", diameter_mm=35,
    ...          viable_diameter_mm=20, status=""),
    ... ]
    >>> r = assess(rows)
    >>> r.patients[0].visits[1].category, r.patients[0].best_overall_response
    ('PR', 'PR')
    >>> assess(rows, criteria="mrecist").patients[0].visits[1].sum_mm
    20.0
    """
    confirm = check_flag(confirm, "confirm")
    confirm_days = _check_days(confirm_days, "confirm_days")
    sd_min_days = _check_days(sd_min_days, "sd_min_days")
    engine = check_choice(engine, "engine", _ENGINES)
    rules = get_criteria(criteria, pd_min_increase_mm=pd_min_increase_mm, **options)
    table = lesion_table(lesions)
    check_baseline(table, rules)
    run = assess_columnar if engine == "columnar" else assess_reference
    patients = run(table, rules, confirm, confirm_days, sd_min_days)
    settings = {k: v for k, v in asdict(rules).items() if k not in ("name", "source")}
    return ResponseAssessment(patients=patients, criteria=rules.name, confirm=confirm, confirm_days=confirm_days,
                              sd_min_days=sd_min_days, settings=settings, source=rules.source)


def assess_patient(lesions, criteria: str | ResponseCriteria = "recist1.1", **kwargs) -> PatientResponse:
    """:func:`assess` for a table holding exactly one patient; returns its :class:`PatientResponse`."""
    result = assess(lesions, criteria, engine=kwargs.pop("engine", "reference"), **kwargs)
    if len(result.patients) != 1:
        raise InputError(f"expected the lesions of one patient; got {len(result.patients)} patients", "patient")
    return result.patients[0]
