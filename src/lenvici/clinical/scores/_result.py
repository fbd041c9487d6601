"""The result of a score: a small frozen value with its components, canonical inputs and source."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

__all__ = ["ScoreResult"]


@dataclass(frozen=True)
class ScoreResult:
    """One score for one patient.

    Attributes
    ----------
    score
        The score's short name in lower case (``"albi"``, ``"child-pugh"``).
    value
        The numeric value, or ``None`` for purely categorical scores.
    category
        The grade, class or risk group, or ``None`` when the score has none.
    components
        The parts the value is built from (points per item, intermediate terms).
    inputs
        The inputs in canonical units (DESIGN §3), as used.
    source
        Full citation of the paper that defines the score.
    """

    score: str
    value: float | None
    category: str | None
    components: Mapping[str, object] = field(default_factory=dict)
    inputs: Mapping[str, object] = field(default_factory=dict)
    source: str = ""

    def __post_init__(self) -> None:
        object.__setattr__(self, "components", MappingProxyType(dict(self.components)))
        object.__setattr__(self, "inputs", MappingProxyType(dict(self.inputs)))

    def to_dict(self) -> dict:
        """The JSON shape of ``lenvici score NAME --json`` (DESIGN §4)."""
        return {"score": self.score, "value": self.value, "category": self.category,
                "components": dict(self.components), "inputs": dict(self.inputs), "source": self.source}
