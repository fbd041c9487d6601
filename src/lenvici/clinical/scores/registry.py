"""The registry of every score and model lenvici knows, with its status.

Each score module registers a :class:`ScoreSpec` when it is imported. Models that the review names but
lenvici cannot compute are registered too — ``unavailable`` (coefficients or point tables not published;
the reason and what was searched are recorded) or ``requires-imaging`` (needs images or trained weights) —
so that ``lenvici score --list`` is a complete and honest table of coverage.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache
from typing import Literal

from lenvici.errors import InputError

__all__ = ["ScoreSpec", "register", "get_score", "list_scores"]

Status = Literal["available", "unavailable", "requires-imaging"]


@dataclass(frozen=True)
class ScoreSpec:
    """What a score is, what it needs, and how to compute it.

    ``function`` takes the inputs named in ``inputs`` (shared names of DESIGN §4, with ``-`` as ``_``)
    as keyword arguments and returns a :class:`~lenvici.clinical.scores.ScoreResult`; it is ``None`` unless
    ``status`` is ``available``.
    """

    name: str
    title: str
    family: str
    status: Status
    source: str
    inputs: tuple[str, ...] = ()
    optional: tuple[str, ...] = ()
    function: Callable | None = None
    review_refs: tuple[int, ...] = ()
    table3_row: int | None = None
    reason: str | None = None
    searched: str | None = None
    options: dict[str, tuple[str, ...]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if (self.status == "available") != (self.function is not None):
            raise ValueError(f"score {self.name!r}: an available score needs a function, and only it")
        if self.status != "available" and not self.reason:
            raise ValueError(f"score {self.name!r}: status {self.status} needs a reason")

    def to_dict(self) -> dict:
        return {"score": self.name, "title": self.title, "family": self.family, "status": self.status,
                "inputs": list(self.inputs), "optional": list(self.optional),
                "options": {k: list(v) for k, v in self.options.items()}, "source": self.source,
                "review_refs": list(self.review_refs), "table3_row": self.table3_row,
                "reason": self.reason, "searched": self.searched}


_REGISTRY: dict[str, ScoreSpec] = {}


def register(spec: ScoreSpec) -> ScoreSpec:
    """Add a score to the registry (names are unique)."""
    if spec.name in _REGISTRY and _REGISTRY[spec.name] != spec:
        raise ValueError(f"score {spec.name!r} registered twice")
    _REGISTRY[spec.name] = spec
    return spec


@cache
def _discover() -> None:
    """Import every public module of this package once, so that each registers its scores."""
    package = importlib.import_module(__package__)
    for info in pkgutil.iter_modules(package.__path__):
        if not info.name.startswith("_") and info.name != "registry":
            importlib.import_module(f"{__package__}.{info.name}")


def get_score(name: str) -> ScoreSpec:
    """The registered score called ``name`` (lower case, e.g. ``albi``)."""
    _discover()
    try:
        return _REGISTRY[name.strip().lower()]
    except KeyError:
        raise InputError(f"unknown score {name!r}; known: {', '.join(sorted(_REGISTRY))}", "score") from None


def list_scores() -> list[ScoreSpec]:
    """Every registered score, available or not, sorted by family then name."""
    _discover()
    return sorted(_REGISTRY.values(), key=lambda s: (s.family, s.name))
