"""Evaluate a registered score from a mapping of named inputs, as the faces receive them.

The command line (``lenvici score NAME --albumin "3.5 g/dL" …``) and the REST API (``POST
/api/scores/{name}``) both hold a score name and a mapping of input names to values (strings,
quantities, booleans). :func:`evaluate_score` checks the names against the score's
:class:`~lenvici.clinical.scores.ScoreSpec` — every required input given, nothing the score does not use —
and calls its function; the function validates the values themselves. Every refusal is an
:class:`~lenvici.errors.InputError` naming the field.
"""

from __future__ import annotations

from collections.abc import Mapping

from lenvici.clinical.scores._result import ScoreResult
from lenvici.clinical.scores.registry import ScoreSpec, get_score
from lenvici.errors import InputError

__all__ = ["evaluate_score", "accepted_names"]


def accepted_names(spec: ScoreSpec) -> tuple[str, ...]:
    """Every input name ``spec`` accepts: required inputs, optional inputs, then options."""
    names = [*spec.inputs, *spec.optional, *spec.options]
    return tuple(dict.fromkeys(names))


def evaluate_score(name: str, values: Mapping[str, object]) -> ScoreResult:
    """Compute the score called ``name`` from ``values`` (input name → value; ``-`` and ``_`` alike).

    Raises
    ------
    InputError
        When the score is unknown or not computable (``unavailable``/``requires-imaging``, with the
        reason), when an input the score does not use is given, when a required input is missing, or
        when a value is invalid (raised by the score function, naming the field).
    """
    spec = get_score(name)
    if spec.status != "available" or spec.function is None:
        raise InputError(f"score {spec.name!r} is {spec.status}: {spec.reason}", "score")
    normalised: dict[str, object] = {}
    for key, value in values.items():
        field = key.strip().replace("-", "_")
        if field in normalised:
            raise InputError(f"input {field!r} is given twice", field)
        normalised[field] = value
    accepted = accepted_names(spec)
    for field in normalised:
        if field not in accepted:
            raise InputError(f"score {spec.name!r} does not use input {field!r}; it takes: {', '.join(accepted)}",
                             field)
    for field in spec.inputs:
        if normalised.get(field) is None:
            raise InputError(f"score {spec.name!r} needs input {field!r}; it takes: {', '.join(accepted)}", field)
    return spec.function(**{k: v for k, v in normalised.items() if v is not None})
