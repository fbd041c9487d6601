"""Every exception and warning class lenvici raises, in one place.

Invalid user input raises :class:`InputError`; the command line turns it into one line on stderr and
exit code 2, the REST API into HTTP 422 naming the field.
"""

from __future__ import annotations

__all__ = ["LenviciError", "InputError", "CurationError", "ConvergenceWarning", "InputWarning", "SimulationError"]


class LenviciError(Exception):
    """Base class of lenvici's own exceptions."""


class InputError(LenviciError, ValueError):
    """A value supplied by the user is missing, malformed, in an unknown unit or out of range.

    Parameters
    ----------
    message
        What is wrong and what is allowed.
    field
        The name of the offending input (``"albumin"``, ``"--weight"``), when there is one.
    """

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.field = field
        self.message = message

    def __str__(self) -> str:
        return self.message


class CurationError(LenviciError):
    """A curated data file is broken; the message names the file, the record and the field."""

    def __init__(self, path: str, message: str, record: str | None = None, field: str | None = None):
        self.path = path
        self.record = record
        self.field = field
        where = path
        if record is not None:
            where += f", record {record}"
        if field is not None:
            where += f", field {field!r}"
        super().__init__(f"{where}: {message}")


class ConvergenceWarning(UserWarning):
    """An iterative algorithm stopped before meeting its convergence criterion."""


class InputWarning(UserWarning):
    """Input that is accepted but suspicious (e.g. a confidence interval asymmetric on the log scale)."""


class SimulationError(LenviciError):
    """A batched simulation asked to raise (``throw=True``) found patients whose integration failed."""
