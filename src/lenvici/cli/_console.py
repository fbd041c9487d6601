"""Human output of the command line: rich tables on stdout, progress bars on stderr (DESIGN §4).

JSON output never passes through here (:func:`lenvici.cli._io.print_json` prints it), so ``--json`` stays one
document on stdout. Tables are drawn on whatever ``sys.stdout`` is when they are printed (Typer's test runner
swaps it). On a terminal they fit its width; anywhere else (a pipe, a file, a test) each row stays on one line,
drawn at its natural width without colour, so that ``grep`` and a test can read it.

Progress bars draw on stderr, vanish when the work is done, and are shown only when stderr is a terminal and
the command does not print JSON: logs, pipes and tests never see them.

Examples
--------
>>> print_table(["drug", "dose, mg"], [("lenvatinib", 12), ("sorafenib", 800)])  # doctest: +SKIP
>>> with progress_bar("scoring", show=progress_shown(json_out=False)) as bar:  # doctest: +SKIP
...     score_cohort(frame, units, progress=bar)
"""

from __future__ import annotations

import math
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager

from rich import box
from rich.console import Console
from rich.progress import (
    BarColumn,
    Progress,
    SpinnerColumn,
    TaskProgressColumn,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.table import Column, Table
from rich.text import Text

from lenvici.report.page import format_number

__all__ = ["Bar", "Column", "echo", "format_number", "num", "pct", "print_table", "progress_bar",
           "progress_shown"]

#: Width of the page when stdout is not a terminal: wide enough that no row of ours wraps.
PIPE_WIDTH = 1000


def _console(stream) -> Console:
    tty = bool(getattr(stream, "isatty", lambda: False)())
    return Console(file=stream, width=None if tty else PIPE_WIDTH, force_terminal=tty or None,
                   no_color=not tty, highlight=False, markup=False, emoji=False, soft_wrap=not tty)


def pct(fraction: float | None, digits: int = 1) -> str:
    """A fraction 0–1 as a percentage (``0.241`` → ``24.1%``); ``None`` a dash."""
    if fraction is None or (isinstance(fraction, float) and math.isnan(fraction)):
        return "–"
    return f"{100 * fraction:.{digits}f}%"


def num(header: str) -> Column:
    """A right-aligned column, for numbers given as text (``"24.1%"``, ``"13.6 [12.1, 14.9]"``)."""
    return Column(header, justify="right")


def _cell(value) -> Text:
    return Text(value if isinstance(value, str) else format_number(value))


def _is_number(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def print_table(columns: Sequence[str | Column], rows: Sequence[Sequence], *, title: str | None = None,
                note: str | None = None) -> None:
    """Print a table on stdout: ``columns`` are headers (or :class:`rich.table.Column`, e.g. :func:`num`),
    ``rows`` hold text or numbers (numbers are formatted by :func:`format_number`, and a column of numbers only
    is right-aligned). ``title`` is printed above and ``note`` below. Cells are plain text, never markup."""
    rows = [tuple(r) for r in rows]
    for r in rows:
        if len(r) != len(columns):
            raise ValueError(f"a row has {len(r)} cells for {len(columns)} columns: {r!r}")
    cols = []
    for i, c in enumerate(columns):
        if isinstance(c, Column):
            cols.append(c)
            continue
        values = [r[i] for r in rows if r[i] is not None]
        numeric = bool(values) and all(_is_number(v) for v in values)
        cols.append(Column(c, justify="right" if numeric else "left"))
    table = Table(*cols, box=box.ROUNDED, highlight=False, header_style="bold")
    for r in rows:
        table.add_row(*(_cell(v) for v in r))
    console = _console(sys.stdout)
    if title:
        console.print(Text(title, style="bold"))
    console.print(table)
    if note:
        console.print(Text(note))


def echo(text: str = "") -> None:
    """A line of plain text on stdout (no markup), beside the tables."""
    _console(sys.stdout).print(Text(text))


def progress_shown(json_out: bool) -> bool:
    """Whether a progress bar may be drawn: stderr is a terminal and the command does not print JSON."""
    if json_out:
        return False
    isatty = getattr(sys.stderr, "isatty", None)
    return bool(isatty and isatty())


class Bar:
    """The handle a :func:`progress_bar` block gets. ``bar(done, total)`` is the ``progress`` callback the
    library takes (cohort scoring, virtual trials); ``bar.stage(text)`` starts a new stage (its bar
    indeterminate until the next ``bar(done, total)``). When the bar is hidden every call does nothing."""

    def __init__(self, progress: Progress | None, description: str):
        self._progress = progress
        self._task = None if progress is None else progress.add_task(description, total=None)

    @property
    def shown(self) -> bool:
        return self._progress is not None

    def __call__(self, done: int, total: int) -> None:
        if self._progress is not None:
            self._progress.update(self._task, completed=done, total=max(total, 0) or None)

    def stage(self, description: str) -> None:
        if self._progress is not None:
            self._progress.reset(self._task, total=None, description=description)


@contextmanager
def progress_bar(description: str, *, show: bool) -> Iterator[Bar]:
    """A transient progress bar on stderr for the block (see :func:`progress_shown` for ``show``)."""
    if not show:
        yield Bar(None, description)
        return
    progress = Progress(SpinnerColumn(), TextColumn("{task.description}"), BarColumn(), TaskProgressColumn(),
                        TimeElapsedColumn(), TimeRemainingColumn(), console=_console(sys.stderr), transient=True)
    with progress:
        yield Bar(progress, description)
