"""``lenvici demo``: the main job end to end — evidence store, pooled analyses, an example patient,
cost-effectiveness with PSA — summarised on the terminal and written to ``out/report.html``."""

from __future__ import annotations

from functools import partial
from pathlib import Path
from typing import Annotated, Optional

import typer

from lenvici.cli._io import errors_to_exit
from lenvici.cli.evidence import format_summary
from lenvici.evidence import build_store, summarise_by_class
from lenvici.knowledge import load_biomarkers, load_mechanisms
from lenvici.report import ReportSpec, build_report
from lenvici.report.sections import trials_section


def demo(
    db: Annotated[Optional[Path], typer.Option("--db", help="Store path.")] = None,
    out: Annotated[Path, typer.Option(help="Where to write the HTML report.")] = Path("out/report.html"),
    models: Annotated[Optional[list[Path]], typer.Option(
        "--model", help="Economic model YAML to include (repeatable; default: examples/economics/hcc_*.yaml, "
                        "else every example model).")] = None,
    psa: Annotated[int, typer.Option(help="PSA draws per economic model (0: deterministic only).", min=0)] = 1000,
    seed: Annotated[int, typer.Option(help="Seed of every random draw.")] = 2024,
    trial_n: Annotated[int, typer.Option(help="Patients per arm in each virtual trial (0: skip the trials).",
                                         min=0)] = 100,
) -> None:
    """Build the evidence store, run the analyses and write the report."""
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

    model_files = tuple(models) if models else _default_models(Path("examples/economics"))
    trials = (("virtual trials", partial(trials_section, trial_n, 1, seed)),) if trial_n else ()
    spec = ReportSpec(db_path=report.path, out=out, economics_models=model_files, psa_n=psa, seed=seed,
                      extra_sections=trials)
    with errors_to_exit():
        path = build_report(spec, progress=lambda name: typer.echo(f"report: {name} …"))
    typer.echo(f"\nreport written: {path}")


def _default_models(folder: Path) -> tuple[Path, ...]:
    hcc = sorted(folder.glob("hcc_*.yaml"))
    return tuple(hcc or sorted(folder.glob("*.yaml")))
