"""``lenvici demo``: the main job end to end (for now: build the evidence store and summarise it)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from lenvici.cli._io import errors_to_exit
from lenvici.cli.evidence import format_summary
from lenvici.evidence import build_store, summarise_by_class
from lenvici.knowledge import load_biomarkers, load_mechanisms


def demo(db: Annotated[Optional[Path], typer.Option("--db", help="Store path.")] = None) -> None:
    """Build the evidence store and print the curated evidence per regimen class."""
    with errors_to_exit():
        report = build_store(db)
        rows = summarise_by_class(report.path)
        graph = load_mechanisms()
        markers = load_biomarkers()
    c = report.counts
    typer.echo(f"lenvici evidence store: {report.path} ({'built' if report.rebuilt else 'up to date'})")
    typer.echo(f"  {c['studies']} studies, {c['arms']} arms; {c['biomarkers']} Table 3 biomarkers; "
               f"{c['drugs']} drugs; {c['references']} references; mechanisms graph {c['nodes']} nodes, "
               f"{c['edges']} edges\n")
    typer.echo("Studies per regimen class (ranges across arms; NR = median not reached)\n")
    typer.echo(format_summary(rows))
    resistance = graph.factors("promotes-resistance")
    sensitivity = graph.factors("increases-sensitivity")
    typer.echo(f"\nMechanisms: {len(resistance)} factors promote resistance to lenvatinib, "
               f"{len(sensitivity)} increase sensitivity.")
    by_direction: dict[str, int] = {}
    for b in markers:
        by_direction[b.direction] = by_direction.get(b.direction, 0) + 1
    typer.echo("Table 3: " + ", ".join(f"{v} {k}" for k, v in sorted(by_direction.items())))
