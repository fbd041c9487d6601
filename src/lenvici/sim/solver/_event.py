"""Terminating events: stop a patient where a function of its state crosses zero upwards."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

__all__ = ["Event"]


@dataclass(frozen=True)
class Event:
    """A patient stops where ``fn(t, y, rows)`` goes from negative to non-negative.

    ``fn`` takes times ``(m,)``, states ``(n_states, m)`` and patient indices ``(m,)`` and returns
    ``(m,)``. The crossing is located to ``xtol`` days by regula falsi (Illinois) on fresh solver steps from
    the last accepted point, so the state at the event has the solver's accuracy.
    """

    fn: Callable
    xtol: float = 1e-8
    max_iter: int = 60
