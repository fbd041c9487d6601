"""Provenance: where a curated number comes from.

Every curated record in :mod:`lenvici.data` names the review's reference number(s) (``ref``) and the place
in the review it was read from (``where``: ``table1``, ``table2``, ``table3``, ``text:REFLECT``, ...). A number
taken from a primary publication instead of the review also names that paper (``source_paper``).

The review's title is :data:`REVIEW`; its reference numbers resolve through
:func:`lenvici.knowledge.references`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

__all__ = ["REVIEW", "Source", "WHERE_PATTERN"]

REVIEW = (
    "Lenvatinib and immune-checkpoint inhibitors in hepatocellular carcinoma: mechanistic insights, "
    "clinical efficacy, and future perspectives (review, published online 21 December 2024)"
)

#: Allowed forms of ``where``: a table, a text section or trial, or a figure.
WHERE_PATTERN = re.compile(r"^(table[123]|text:[^\s].*|fig:[0-9]+)$")


@dataclass(frozen=True)
class Source:
    """The provenance of one curated record.

    Parameters
    ----------
    refs
        The review's reference numbers (1–249) the record rests on.
    where
        Where in the review it was read: ``table1``, ``table2``, ``table3``, ``text:<section>`` or ``fig:<n>``.
    source_paper
        Full citation of a primary paper, when a number comes from it rather than from the review.
    """

    refs: tuple[int, ...]
    where: str
    source_paper: str | None = None
    notes: tuple[str, ...] = field(default_factory=tuple)

    def __post_init__(self) -> None:
        if not WHERE_PATTERN.match(self.where):
            raise ValueError(f"'where' must look like table1, text:REFLECT or fig:3; got {self.where!r}")
        for r in self.refs:
            if not 1 <= r <= 249:
                raise ValueError(f"reference number must be in 1..249; got {r}")

    def citation(self) -> str:
        """A one-line citation: ``review ref [76], table1`` plus the primary paper when there is one."""
        refs = ", ".join(str(r) for r in self.refs)
        text = f"review ref [{refs}], {self.where}"
        if self.source_paper:
            text += f"; {self.source_paper}"
        return text
