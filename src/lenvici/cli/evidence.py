"""``lenvici evidence``: build the trial store, list studies, summarise by regimen class."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from lenvici.cli._console import num, pct, print_table
from lenvici.cli._io import errors_to_exit, print_json
from lenvici.evidence import build_store, query_studies, summarise_by_class
from lenvici.evidence.summary import ClassSummary

app = typer.Typer(help="The trial store built from the review's Tables 1–2 and the trials in its text.",
                  no_args_is_help=True)

DbOption = Annotated[Optional[Path], typer.Option("--db", help="Store path (default: $LENVICI_DB or the user data dir).")]


@app.command()
def build(db: DbOption = None, force: bool = typer.Option(False, help="Rebuild even if the data are unchanged."),
          json_out: bool = typer.Option(False, "--json", help="Print the build report as JSON.")) -> None:
    """Validate the curated files and build the DuckDB store atomically.

    Examples:

      lenvici evidence build

      lenvici evidence build --force --db /tmp/evidence.duckdb --json
    """
    with errors_to_exit():
        report = build_store(db, force=force)
    if json_out:
        print_json({"path": str(report.path), "rebuilt": report.rebuilt, "counts": report.counts,
                    "data_hash": report.data_hash})
        return
    state = "built" if report.rebuilt else "up to date"
    print_table(["records", "count"], list(report.counts.items()), title=f"evidence store {state}: {report.path}")


@app.command()
def studies(
    db: DbOption = None,
    regimen_contains: Annotated[Optional[str], typer.Option(help="Component id or text, e.g. tace, pembrolizumab.")] = None,
    source: Annotated[Optional[str], typer.Option(help="Provenance prefix: table1, table2, text, text:REFLECT.")] = None,
    regimen_class: Annotated[Optional[str], typer.Option(help="Regimen class, e.g. TACE+LEN+ICI.")] = None,
    json_out: bool = typer.Option(False, "--json", help="Print one JSON document."),
) -> None:
    """List the curated studies with their arms: N patients, ORR (percent), median PFS and OS (months).

    Examples:

      lenvici evidence studies --source table2 --regimen-contains tace

      lenvici evidence studies --regimen-class HAIC+LEN+ICI --json
    """
    with errors_to_exit():
        found = query_studies(regimen_contains, source, regimen_class, db_path=db)
    if json_out:
        print_json(found)
        return
    rows = []
    for s in found:
        for i, a in enumerate(s["arms"]):
            first = i == 0
            rows.append((s["id"] if first else "", str(s["ref"]) if first else "", s["source"] if first else "",
                         (str(s["n_total"]) if s["n_total"] else "?") if first else "", a["regimen_class"],
                         a["label"], pct(a["orr"]), _months(a["pfs_median_months"], a["pfs_median_not_reached"]),
                         _months(a["os_median_months"], a["os_median_not_reached"])))
    print_table(["study", num("ref"), "source", num("N"), "regimen class", "arm", num("ORR"),
                 num("median PFS, mo"), num("median OS, mo")], rows,
                title=f"{len(found)} studies (NR = median not reached; – = not reported)")


def _months(x: float | None, not_reached: bool = False) -> str:
    if not_reached:
        return "NR"
    return "–" if x is None else f"{x:.1f}"


def _range(r: tuple[float, float] | None, fmt) -> str:
    if r is None:
        return "–"
    return fmt(r[0]) if r[0] == r[1] else f"{fmt(r[0])}–{fmt(r[1])}"


def print_class_summary(rows: list[ClassSummary], title: str | None = None) -> None:
    """The per-class summary as a table: studies, arms, and the ranges of ORR, median PFS and median OS
    (months) across arms, each with the number of arms reporting it."""
    table = []
    for r in rows:
        os_ = f"{_range(r.os_median_range, lambda v: f'{v:.1f}')} ({r.os_arms})"
        if r.os_not_reached:
            os_ += f" +{r.os_not_reached} NR"
        table.append((r.regimen_class, r.n_studies, r.n_arms,
                      f"{_range(r.orr_range, pct)} ({r.orr_arms})",
                      f"{_range(r.pfs_median_range, lambda v: f'{v:.1f}')} ({r.pfs_arms})", os_))
    print_table(["regimen class", "studies", "arms", num("ORR (arms)"), num("median PFS, mo (arms)"),
                 num("median OS, mo (arms)")], table, title=title)


@app.command()
def summary(db: DbOption = None, json_out: bool = typer.Option(False, "--json", help="Print one JSON document.")) -> None:
    """Studies per regimen class with the ranges of ORR (percent), median PFS and median OS (months).

    Examples:

      lenvici evidence summary

      lenvici evidence summary --json
    """
    with errors_to_exit():
        rows = summarise_by_class(db)
    if json_out:
        print_json([r.__dict__ for r in rows])
    else:
        print_class_summary(rows, title="Studies per regimen class (ranges across arms; NR = median not reached)")


@app.command()
def notes(json_out: bool = typer.Option(False, "--json", help="Print one JSON document."),
          contains: Annotated[Optional[str], typer.Option(help="Only notes containing this text.")] = None) -> None:
    """Curation notes: suspected errors of the review and judgement calls, per study and arm.

    Examples:

      lenvici evidence notes --contains swap

      lenvici evidence notes --json
    """
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
    print_table(["study", num("ref"), "arm", "note"],
                [(r["study"], str(r["ref"]), r["arm"] or "", r["note"]) for r in rows],
                title=f"{len(rows)} curation notes")
