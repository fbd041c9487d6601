"""The settings of a response criterion: thresholds, target-selection limits and the HCC amendments.

RECIST 1.1 and mRECIST share one framework (target sum, non-target status, new lesions, the overall
response of Tables 4 and 5 of Eisenhauer 2009); they differ in which diameter is summed for typical
intrahepatic targets, in the absolute +5 mm progression rule, and in the HCC-specific handling of new
intrahepatic lesions, effusions and portal-vein thrombosis. :class:`ResponseCriteria` holds all of it,
and :func:`recist11_criteria` and :func:`mrecist_criteria` give the published defaults (any field can be overridden).

Diameters are held internally as whole micrometres, so that the 30 % and 20 % boundaries are decided
by exact integer arithmetic on the recorded values (never on a rounded percentage).

References
----------
Eisenhauer EA, Therasse P, Bogaerts J, et al. New response evaluation criteria in solid tumours: revised
RECIST guideline (version 1.1). Eur J Cancer. 2009;45(2):228–247. doi:10.1016/j.ejca.2008.10.026

Lencioni R, Llovet JM. Modified RECIST (mRECIST) assessment for hepatocellular carcinoma. Semin Liver
Dis. 2010;30(1):52–60. doi:10.1055/s-0030-1247132
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from fractions import Fraction

from lenvici.clinical.validation import check_choice
from lenvici.errors import InputError

__all__ = ["CRITERIA", "RECIST_SOURCE", "MRECIST_SOURCE", "UM_PER_MM", "ResponseCriteria", "get_criteria",
           "mrecist_criteria", "recist11_criteria", "to_um"]

#: Names accepted by :func:`get_criteria` and ``--criteria``.
CRITERIA = ("recist1.1", "mrecist")

RECIST_SOURCE = (
    "Eisenhauer EA, Therasse P, Bogaerts J, et al. New response evaluation criteria in solid tumours: "
    "revised RECIST guideline (version 1.1). Eur J Cancer. 2009;45(2):228-247. doi:10.1016/j.ejca.2008.10.026"
)
MRECIST_SOURCE = (
    "Lencioni R, Llovet JM. Modified RECIST (mRECIST) assessment for hepatocellular carcinoma. "
    "Semin Liver Dis. 2010;30(1):52-60. doi:10.1055/s-0030-1247132"
)

#: Micrometres per millimetre: diameters are compared as whole micrometres.
UM_PER_MM = 1000


def to_um(mm: float) -> int:
    """A diameter in mm as whole micrometres (rounded half to even, as ``round``)."""
    return int(round(mm * UM_PER_MM))


@dataclass(frozen=True)
class ResponseCriteria:
    """How lesion measurements become per-visit responses.

    Attributes
    ----------
    name
        ``"recist1.1"`` or ``"mrecist"``.
    pr_decrease
        PR when the target sum has fallen by at least this fraction of the baseline sum (0.30).
    pd_increase
        PD when the target sum has risen by at least this fraction over the nadir (0.20).
    pd_min_increase_mm
        ... and by at least this many mm in absolute terms (RECIST 1.1: 5 mm; mRECIST: 0, see
        :func:`mrecist_criteria`).
    too_small_mm
        The value recorded for a target that is present but too small to measure (5 mm).
    max_targets, max_targets_per_organ
        Target-selection limits at baseline (5 in all, 2 per organ; all lymph nodes are one organ).
    min_target_mm, min_target_node_mm
        Smallest baseline diameter of a target: 10 mm long axis, 15 mm short axis for a lymph node.
    node_normal_mm
        A lymph node with short axis below this is normal (10 mm).
    viable
        Measure typical intrahepatic targets by their viable (arterially enhancing) diameter.
    new_lesion_min_mm
        A new intrahepatic lesion is unequivocal only from this diameter (mRECIST: 10 mm); ``None``
        leaves the call to the reader (RECIST 1.1).
    new_lesion_growth_mm
        An equivocal new intrahepatic lesion becomes unequivocal after this much interval growth of its
        diameter (mRECIST: 10 mm); ``None`` to disable.
    effusion_needs_cytology
        A new or progressing ascites / pleural effusion counts as progression only with positive
        cytology (mRECIST).
    portal_vein_non_measurable
        Malignant portal-vein thrombosis may not be a target lesion (mRECIST).
    source
        Full citation of the criterion.
    """

    name: str
    pr_decrease: float = 0.30
    pd_increase: float = 0.20
    pd_min_increase_mm: float = 5.0
    too_small_mm: float = 5.0
    max_targets: int = 5
    max_targets_per_organ: int = 2
    min_target_mm: float = 10.0
    min_target_node_mm: float = 15.0
    node_normal_mm: float = 10.0
    viable: bool = False
    new_lesion_min_mm: float | None = None
    new_lesion_growth_mm: float | None = None
    effusion_needs_cytology: bool = False
    portal_vein_non_measurable: bool = False
    source: str = RECIST_SOURCE

    def __post_init__(self) -> None:
        check_choice(self.name, "criteria", CRITERIA)
        for field, low, high in (("pr_decrease", 0.0, 1.0), ("pd_increase", 0.0, 10.0)):
            value = getattr(self, field)
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not low < value < high:
                raise InputError(f"{field!r} must be a fraction in ({low:g}, {high:g}); got {value!r}", field)
        for field in ("pd_min_increase_mm", "too_small_mm", "min_target_mm", "min_target_node_mm",
                      "node_normal_mm", "new_lesion_min_mm", "new_lesion_growth_mm"):
            value = getattr(self, field)
            if value is None and field.startswith("new_lesion"):
                continue
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value <= 1000:
                raise InputError(f"{field!r} must be a number of mm in [0, 1000]; got {value!r}", field)
        for field in ("max_targets", "max_targets_per_organ"):
            value = getattr(self, field)
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise InputError(f"{field!r} must be a positive integer; got {value!r}", field)

    # Exact forms used by the rules -------------------------------------------------------------------
    @property
    def pr_fraction(self) -> Fraction:
        """``pr_decrease`` as an exact fraction (0.30 → 3/10)."""
        return Fraction(str(self.pr_decrease)).limit_denominator(10**6)

    @property
    def pd_fraction(self) -> Fraction:
        """``pd_increase`` as an exact fraction (0.20 → 1/5)."""
        return Fraction(str(self.pd_increase)).limit_denominator(10**6)

    def um(self, field: str) -> int | None:
        """A millimetre setting as whole micrometres (``None`` stays ``None``)."""
        value = getattr(self, field)
        return None if value is None else to_um(value)

    def with_options(self, **overrides) -> ResponseCriteria:
        """A copy with some settings changed (validated again)."""
        return replace(self, **overrides)


def recist11_criteria(**overrides) -> ResponseCriteria:
    """RECIST 1.1 (Eisenhauer et al. 2009), with optional overrides.

    Defaults: PR at a ≥ 30 % fall of the target sum from baseline; PD at a ≥ 20 % rise over the nadir
    that is also ≥ 5 mm in absolute terms (§4.3.1); too-small lesions recorded as 5 mm (§4.3.1 note);
    at most 5 targets and 2 per organ, lymph nodes counting as one organ (§3.2, EORTC RECIST FAQ);
    targets ≥ 10 mm, nodal targets ≥ 15 mm short axis, nodes < 10 mm normal (§3.1).
    """
    return ResponseCriteria(name="recist1.1", source=RECIST_SOURCE).with_options(**overrides)


def mrecist_criteria(**overrides) -> ResponseCriteria:
    """mRECIST for HCC (Lencioni & Llovet 2010), with optional overrides.

    Defaults and why:

    * typical intrahepatic targets are measured by their viable (arterially enhancing) diameter;
      other targets (extrahepatic, nodes, atypical intrahepatic lesions) as in RECIST;
    * PR at a ≥ 30 % fall of the viable sum from baseline; PD at a ≥ 20 % rise over the nadir of the
      viable sum — the smallest sum recorded since treatment started, never the baseline sum alone;
    * ``pd_min_increase_mm = 0``: the paper's PD definition is the 20 % rise only. The absolute +5 mm
      rule came with RECIST 1.1 (2009); mRECIST amends the AASLD-JNCI adaptation of RECIST 1.0, which has
      none, and Lencioni & Llovet do not add it. Set it to 5 to harmonise with RECIST 1.1;
    * a new intrahepatic lesion counts as progression when it is ≥ 10 mm with the typical vascular pattern
      (the reader's ``present``); smaller or atypical ones (``equivocal``) only after ≥ 10 mm interval
      growth or a later typical read, and progression is then dated to their first appearance;
    * ascites and pleural effusion count as progression only with positive cytology;
    * malignant portal-vein thrombosis is non-measurable: a non-target, never a target.
    """
    base = ResponseCriteria(
        name="mrecist", pd_min_increase_mm=0.0, viable=True, new_lesion_min_mm=10.0,
        new_lesion_growth_mm=10.0, effusion_needs_cytology=True, portal_vein_non_measurable=True,
        source=MRECIST_SOURCE,
    )
    return base.with_options(**overrides)


def get_criteria(criteria: str | ResponseCriteria = "recist1.1", **overrides) -> ResponseCriteria:
    """The criterion named ``criteria`` (``recist1.1`` or ``mrecist``) with optional overrides.

    Overrides whose value is ``None`` are ignored, so optional CLI options can be passed through.
    """
    overrides = {k: v for k, v in overrides.items() if v is not None}
    if isinstance(criteria, ResponseCriteria):
        return criteria.with_options(**overrides) if overrides else criteria
    name = check_choice(criteria, "criteria", CRITERIA)
    try:
        return (recist11_criteria if name == "recist1.1" else mrecist_criteria)(**overrides)
    except TypeError as exc:  # an unknown option name
        raise InputError(f"unknown response option: {exc}", "criteria") from None
