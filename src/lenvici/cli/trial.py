"""``lenvici trial``: run a virtual trial, and validate simulated vs published endpoints."""

from __future__ import annotations

import json
from pathlib import Path

import typer

from lenvici.cli._io import errors_to_exit
from lenvici.sim.protocols import available_protocols, load_protocol
from lenvici.sim.validation import validation_table

app = typer.Typer(help="Virtual clinical trials (REFLECT, KEYNOTE-524, LEAP-002).", no_args_is_help=True)

@app.command("run")
def run(name: str = typer.Argument(..., help=f"Protocol: {', '.join(available_protocols())} or a YAML path"),
        n: int = typer.Option(100, "--n", min=2, help="Patients per unit of the randomisation ratio (per arm at 1:1)"),
        seed: int = typer.Option(0, "--seed", help="Random seed"),
        as_json: bool = typer.Option(False, "--json", help="JSON output (DESIGN §4)"),
        plot: Path = typer.Option(None, "--plot", help="Write Kaplan-Meier curves (PNG/PDF/SVG by suffix)"),
        endpoint: str = typer.Option("os", "--endpoint", help="Endpoint of --plot: os or pfs")) -> None:
    """Run one virtual trial."""
    from lenvici.sim.trials import run_trial

    with errors_to_exit():
        result = run_trial(load_protocol(name), n, seed)
        if plot is not None:
            result.plot(endpoint=endpoint.lower(), path=plot)
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
    with errors_to_exit():
        rows = validation_table(n, reps, seed)
    if as_json:
        typer.echo(json.dumps({"rows": rows, "hits": sum(r["hit"] is True for r in rows),
                               "misses": sum(r["hit"] is False for r in rows)}, indent=2))
        return
    for r in rows:
        mark = {True: "HIT ", False: "MISS", None: "  - "}[r["hit"]]
        typer.echo(f"{mark} {r['trial']:12s} [{r['role']}] {r['arm'][:40]:40s} {r['endpoint']:18s} "
                   f"sim {r['simulated']}  pub {r['published']} {r['published_ci']}")


@app.command("experiment")
def experiment(name: str = typer.Argument(..., help="Experiment: scheduling"),
               n: int = typer.Option(200, "--n", min=2, help="Virtual patients per arm"),
               seed: int = typer.Option(0, "--seed"),
               as_json: bool = typer.Option(False, "--json")) -> None:
    """One of the review's open questions as an in-silico randomised experiment, beside the observation."""
    from lenvici.sim.experiments import run_experiment

    with errors_to_exit():
        out = run_experiment(name, n, seed)
    if as_json:
        typer.echo(json.dumps(out, indent=2))
        return
    typer.echo(f"{out['experiment']} (n={n}/arm, seed {seed}): {out['design']}")
    obs = out["observed"]
    for key, a in out["arms"].items():
        o = obs["arms"].get(key, {})
        typer.echo(f"  {a['label']:50s} ORR RECIST {a['orr_recist']:.1%} mRECIST {a['orr_mrecist']:.1%}  "
                   f"mPFS {a['pfs_median_months']}  mOS {a['os_median_months']}   "
                   f"observed: ORR {o.get('orr', float('nan')):.1%} mPFS {o.get('pfs_median_months')} "
                   f"mOS {o.get('os_median_months')}")
    hr = out["hazard_ratio"]
    typer.echo(f"  HR OS {hr['hr_os']} {hr['hr_os_ci']}  HR PFS {hr['hr_pfs']} {hr['hr_pfs_ci']}")
    typer.echo(f"  observed ({obs['design']}): {obs['direction']}")
    typer.echo(f"  simulated: {out['simulated_direction']}")
    typer.echo(f"  caveat: {out['caveat']}")
