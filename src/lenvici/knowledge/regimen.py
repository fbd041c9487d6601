"""Regimen components and the derived ``regimen_class`` used to group arms for pooled analyses.

The rule (one rule, applied to every arm)
-----------------------------------------
An arm's regimen is a list of component ids (vocabulary :data:`COMPONENTS`). Each component belongs to
one *family*; the class is the families present, joined with ``+`` in the fixed order of
:data:`FAMILY_ORDER` — locoregional treatments first, then systemic drugs::

    TACE, HAIC, MWA, I125, PVE, RT, SURG, LEN, SOR, TKI, BEV, MTA, ICI, CHEMO, PBO

* every immune-checkpoint inhibitor (anti-PD-1, anti-PD-L1, anti-CTLA-4, anti-LAG-3, the PD-1/CTLA-4
  bispecific, or an unspecified "ICI") is ``ICI``; how many ICIs an arm has does not change its class;
* HAIC with FOLFOX is ``HAIC`` (the FOLFOX is the HAIC's drug), and systemic FOLFOX is ``CHEMO``;
* other kinase inhibitors (regorafenib, apatinib, donafenib) are ``TKI``; an arm that received "one of
  several" non-lenvatinib targeted agents (Table 1, ref 96: apatinib/regorafenib/bevacizumab/sorafenib/
  donafenib) has the component ``mta`` and the family ``MTA``;
* placebo is dropped when anything else is present (``LEN + placebo`` is ``LEN``).

Examples: lenvatinib + pembrolizumab → ``LEN+ICI``; TACE + lenvatinib + anti-PD-1 → ``TACE+LEN+ICI``;
HAIC-FOLFOX + lenvatinib + toripalimab → ``HAIC+LEN+ICI``; atezolizumab + bevacizumab → ``BEV+ICI``.
"""

from __future__ import annotations

from collections.abc import Iterable

__all__ = ["COMPONENTS", "FAMILY_ORDER", "regimen_class", "check_components", "is_ici"]

_ICI = ("pembrolizumab nivolumab sintilimab toripalimab tislelizumab camrelizumab atezolizumab durvalumab "
        "ipilimumab tremelimumab cadonilimab relatlimab anti-pd-1 anti-pd-l1 ici").split()

#: Component id → family.
COMPONENTS: dict[str, str] = {
    **{c: "ICI" for c in _ICI},
    "lenvatinib": "LEN",
    "sorafenib": "SOR",
    "regorafenib": "TKI",
    "apatinib": "TKI",
    "donafenib": "TKI",
    "mta": "MTA",
    "bevacizumab": "BEV",
    "tace": "TACE",
    "haic": "HAIC",
    "haic-folfox": "HAIC",
    "folfox": "CHEMO",
    "mwa": "MWA",
    "i125-seeds": "I125",
    "pve": "PVE",
    "radiotherapy": "RT",
    "surgery": "SURG",
    "placebo": "PBO",
}

#: Order of families in a class name: locoregional first, then systemic.
FAMILY_ORDER = ("TACE", "HAIC", "MWA", "I125", "PVE", "RT", "SURG", "LEN", "SOR", "TKI", "BEV", "MTA", "ICI", "CHEMO",
                "PBO")


def check_components(components: Iterable[str]) -> None:
    """Raise ``ValueError`` naming the first component id that is not in :data:`COMPONENTS`."""
    for c in components:
        if c not in COMPONENTS:
            raise ValueError(f"unknown regimen component {c!r}; known: {', '.join(sorted(COMPONENTS))}")


def is_ici(component: str) -> bool:
    """Whether a component id is an immune-checkpoint inhibitor."""
    return COMPONENTS.get(component) == "ICI"


def regimen_class(components: Iterable[str]) -> str:
    """The regimen class of a list of components, by the rule in this module's docstring.

    Examples
    --------
    >>> regimen_class(["tace", "lenvatinib", "anti-pd-1"])
    'TACE+LEN+ICI'
    >>> regimen_class(["lenvatinib", "placebo"])
    'LEN'
    """
    components = list(components)
    check_components(components)
    families = {COMPONENTS[c] for c in components}
    if len(families) > 1:
        families.discard("PBO")
    return "+".join(f for f in FAMILY_ORDER if f in families)
