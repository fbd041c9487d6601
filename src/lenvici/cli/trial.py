"""``lenvici trial``: run a virtual trial, and validate simulated vs published endpoints."""

from __future__ import annotations

import json

import typer

from lenvici.errors import LenviciError
from lenvici.sim.protocols import available_protocols, load_protocol
from lenvici.sim.validation import validation_table

app = typer.Typer(help="Virtual clinical trials (REFLECT, KEYNOTE-524, LEAP-002).", no_args_is_help=True)

@app.command("run")
def run(name: str = typer.Argument(..., help=f"Protocol: {', '.join(available_protocols())} or a YAML path"),
        n: int = typer.Option(100, "--n", min=2, help="Patients per unit of the randomisation ratio (per arm at 1:1)"),
        seed: int = typer.Option(0, "--seed", help="Random seed"),
        as_json: bool = typer.Option(False, "--json", help="JSON output (DESIGN §4)")) -> None:
    """Run one virtual trial."""
    from lenvici.sim.trials import run_trial

    try:
        result = run_trial(load_protocol(name), n, seed)
    except LenviciError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from exc
    if as_json:
        typer.echo(result.to_json(indent=2))
        return
    typer.echo(f"{result.trial} (seed {seed})")
    for a in result.arms:
        typer.echo(f"  {a.label:30s} n={a.n:<6d} ORR RECIST {a.orr_recist:.1%}  mRECIST {a.orr_mrecist:.1%}  "
                   f"DCR {a.dcr_recist:.1%}  mPFS {a.pfs_median_months}  mOS {a.os_median_months}")
    for c in result.comparisons:
        typer.echo(f"  {c.arms[0]} vs {c.arms[1]}: HR OS {c.hr_os} {c.hr_os_ci}  HR PFS {c.hr_pfs} {c.hr_pfs_ci}")


@app.command("validate")
def validate(n: int = typer.Option(None, "--n", min=2, help="Patients per arm (default: each trial's published N)"),
             reps: int = typer.Option(1, "--reps", min=1, help="Repeated trials (spread of simulated endpoints)"),
             seed: int = typer.Option(0, "--seed"),
             as_json: bool = typer.Option(False, "--json")) -> None:
    """Simulated vs published endpoints per trial/arm, with the published 95% CI and hit/miss."""
    try:
        rows = validation_table(n, reps, seed)
    except LenviciError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from exc
    if as_json:
        typer.echo(json.dumps({"rows": rows, "hits": sum(r["hit"] is True for r in rows),
                               "misses": sum(r["hit"] is False for r in rows)}, indent=2))
        return
    for r in rows:
        mark = {True: "HIT ", False: "MISS", None: "  - "}[r["hit"]]
        typer.echo(f"{mark} {r['trial']:12s} [{r['role']}] {r['arm'][:40]:40s} {r['endpoint']:18s} "
                   f"sim {r['simulated']}  pub {r['published']} {r['published_ci']}")
