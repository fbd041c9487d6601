"""Help text of the command line: prose paragraphs reflowed, example lines kept.

Typer's rich help keeps every single line break after a command's first paragraph, so a docstring wrapped at
120 columns would print as ragged lines. :func:`reflow_help` joins the lines of each prose paragraph of every
command's docstring and leaves paragraphs with indented lines (the examples) as written.
"""

from __future__ import annotations

import inspect

import typer

__all__ = ["reflow", "reflow_help"]


def reflow(doc: str) -> str:
    """``doc`` with each paragraph's lines joined, except paragraphs holding an indented line."""
    paragraphs = inspect.cleandoc(doc).split("\n\n")
    out = []
    for paragraph in paragraphs:
        lines = paragraph.split("\n")
        if any(line.startswith(" ") for line in lines):
            out.append(paragraph)
        else:
            out.append(" ".join(line.strip() for line in lines))
    return "\n\n".join(out)


def reflow_help(app: typer.Typer) -> None:
    """Reflow the help of every command of ``app`` and of its sub-apps, in place (before the app runs)."""
    for info in app.registered_commands:
        doc = info.help or (info.callback.__doc__ if info.callback is not None else None)
        if doc:
            info.help = reflow(doc)
    for group in app.registered_groups:
        reflow_help(group.typer_instance)
