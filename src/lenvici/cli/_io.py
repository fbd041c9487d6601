"""Shared plumbing of the command line: JSON output and the error contract (DESIGN §4).

Invalid input prints one line ``error: …`` on stderr and exits with code 2; a broken curated file
prints the file, line and field and exits with code 1.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager

import typer

from lenvici.errors import CurationError, InputError

__all__ = ["errors_to_exit", "print_json"]


def print_json(document) -> None:
    """Print exactly one JSON document on stdout."""
    sys.stdout.write(json.dumps(document, ensure_ascii=False, indent=2, allow_nan=False) + "\n")


@contextmanager
def errors_to_exit() -> Iterator[None]:
    """Turn lenvici's exceptions into the CLI's error contract."""
    try:
        yield
    except InputError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from None
    except CurationError as exc:
        typer.echo(f"error: curated data: {exc}", err=True)
        raise typer.Exit(1) from None
