"""``lenvici evidence``: build the trial store, list studies, summarise by regimen class."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from lenvici.cli._io import errors_to_exit, print_json
from lenvici.evidence import build_store, query_studies, summarise_by_class
from lenvici.evidence.summary import ClassSummary

app = typer.Typer(help="The trial store built from the review's Tables 1–2 and the trials in its text.",
                  no_args_is_help=True)

DbOption = Annotated[Optional[Path], typer.Option("--db", help="Store path (default: $LENVICI_DB or the user data dir).")]


@app.command()
def build(db: DbOption = None, force: bool = typer.Option(False, help="Rebuild even if the data are unchanged."),
          json_out: bool = typer.Option(False, "--json", help="Print the build report as JSON.")) -> None:
    """Validate the curated files and build the DuckDB store atomically."""
    with errors_to_exit():
        report = build_store(db, force=force)
    if json_out:
        print_json({"path": str(report.path), "rebuilt": report.rebuilt, "counts": report.counts,
                    "data_hash": report.data_hash})
    else:
        state = "built" if report.rebuilt else "up to date"
        counts = ", ".join(f"{v} {k}" for k, v in report.counts.items())
        typer.echo(f"evidence store {state}: {report.path} ({counts})")


@app.command()
def studies(
    db: DbOption = None,
    regimen_contains: Annotated[Optional[str], typer.Option(help="Component id or text, e.g. tace, pembrolizumab.")] = None,
    source: Annotated[Optional[str], typer.Option(help="Provenance prefix: table1, table2, text, text:REFLECT.")] = None,
    regimen_class: Annotated[Optional[str], typer.Option(help="Regimen class, e.g. TACE+LEN+ICI.")] = None,
    json_out: bool = typer.Option(False, "--json", help="Print one JSON document."),
) -> None:
    """List the curated studies with their arms."""
    with errors_to_exit():
        found = query_studies(regimen_contains, source, regimen_class, db_path=db)
    if json_out:
        print_json(found)
        return
    for s in found:
        typer.echo(f"{s['id']:<22} ref {s['ref']:<3} {s['source']:<16} n={s['n_total'] or '?':<5} "
                   f"{s['name'] or s['regimen_source'] or ''}")
        for a in s["arms"]:
            typer.echo(f"    {a['regimen_class']:<14} {a['label'][:60]:<60} ORR {_pct(a['orr'])}  "
                       f"mPFS {_months(a['pfs_median_months'], a['pfs_median_not_reached'])}  "
                       f"mOS {_months(a['os_median_months'], a['os_median_not_reached'])}")


def _pct(x: float | None) -> str:
    return "   –  " if x is None else f"{100 * x:5.1f}%"


def _months(x: float | None, not_reached: bool = False) -> str:
    if not_reached:
        return "  NR"
    return "   –" if x is None else f"{x:4.1f}"


def _range(r: tuple[float, float] | None, fmt) -> str:
    if r is None:
        return "–"
    return fmt(r[0]) if r[0] == r[1] else f"{fmt(r[0])}–{fmt(r[1])}"


def format_summary(rows: list[ClassSummary]) -> str:
    """The per-class summary as a plain-text table."""
    head = f"{'regimen class':<20}{'studies':>8}{'arms':>6}  {'ORR (arms)':<22}{'median PFS, mo (arms)':<24}{'median OS, mo (arms)':<26}"
    lines = [head, "-" * len(head)]
    for r in rows:
        orr = f"{_range(r.orr_range, lambda v: f'{100 * v:.1f}%')} ({r.orr_arms})"
        pfs = f"{_range(r.pfs_median_range, lambda v: f'{v:.1f}')} ({r.pfs_arms})"
        os_ = f"{_range(r.os_median_range, lambda v: f'{v:.1f}')} ({r.os_arms})"
        if r.os_not_reached:
            os_ += f" +{r.os_not_reached} NR"
        lines.append(f"{r.regimen_class:<20}{r.n_studies:>8}{r.n_arms:>6}  {orr:<22}{pfs:<24}{os_:<26}")
    return "\n".join(lines)


@app.command()
def summary(db: DbOption = None, json_out: bool = typer.Option(False, "--json", help="Print one JSON document.")) -> None:
    """Studies per regimen class with the ranges of ORR, median PFS and median OS."""
    with errors_to_exit():
        rows = summarise_by_class(db)
    if json_out:
        print_json([r.__dict__ for r in rows])
    else:
        typer.echo(format_summary(rows))


@app.command()
def notes(json_out: bool = typer.Option(False, "--json", help="Print one JSON document."),
          contains: Annotated[Optional[str], typer.Option(help="Only notes containing this text.")] = None) -> None:
    """Curation notes: suspected errors of the review and judgement calls, per study and arm."""
    from lenvici.knowledge import load_studies

    with errors_to_exit():
        rows = [{"study": s.id, "ref": s.ref, "source": s.where, "arm": arm, "note": note}
                for s in load_studies()
                for arm, texts in [(None, s.notes), *((a.label, a.notes) for a in s.arms)]
                for note in texts
                if contains is None or contains.lower() in note.lower()]
    if json_out:
        print_json(rows)
        return
    for r in rows:
        where = f"{r['study']} [{r['ref']}]" + (f" / {r['arm']}" if r["arm"] else "")
        typer.echo(f"{where}: {r['note']}")
