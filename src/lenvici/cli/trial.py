"""``lenvici trial``: run a virtual trial, validate simulated vs published endpoints, run an experiment."""

from __future__ import annotations

import json
from pathlib import Path

import typer

from lenvici.cli._console import Bar, echo, num, pct, print_table, progress_bar, progress_shown
from lenvici.cli._io import errors_to_exit
from lenvici.sim.protocols import available_protocols, load_protocol
from lenvici.sim.validation import VALIDATION_TRIALS
from lenvici.sim.validation import validate as validate_trials

app = typer.Typer(help="Virtual clinical trials (REFLECT, KEYNOTE-524, LEAP-002) and in-silico experiments.",
                  no_args_is_help=True)

_SCHEDULER_HELP = ('Where the simulation runs: "local" (a Dask LocalCluster on this machine) or a Dask scheduler '
                   "address tcp://host:port; default: in this process.")


def _callback(bar: Bar):
    """``run_trial``'s ``progress`` argument: the bar where it is drawn, else ``None`` (nobody listens)."""
    return bar if bar.shown else None


def _median(value, ci) -> str:
    """``13.6 [12.1, 14.9]`` months; NR when the median is not reached."""
    def m(x):
        return "NR" if x is None else f"{x:.1f}"

    lo, hi = ci if ci else (None, None)
    return f"{m(value)} [{m(lo)}, {m(hi)}]"


def _hr(value, ci) -> str:
    def h(x):
        return "–" if x is None else f"{x:.2f}"

    return f"{h(value)} [{h(ci[0])}, {h(ci[1])}]" if ci else h(value)


def print_trial(result, seed: int) -> None:
    """Arms (n, ORR by RECIST 1.1 and mRECIST, DCR, median PFS and OS in months with 95% CIs) and the HRs."""
    print_table(["arm", num("n"), num("ORR RECIST 1.1"), num("ORR mRECIST"), num("DCR RECIST 1.1"),
                 num("median PFS, mo [95% CI]"), num("median OS, mo [95% CI]")],
                [(a.label, str(a.n) + (f" ({a.n_failed} failed)" if a.n_failed else ""), pct(a.orr_recist),
                  pct(a.orr_mrecist), pct(a.dcr_recist), _median(a.pfs_median_months, a.pfs_median_ci),
                  _median(a.os_median_months, a.os_median_ci)) for a in result.arms],
                title=f"{result.trial} (seed {seed})")
    if result.comparisons:
        print_table(["comparison", num("HR OS [95% CI]"), num("HR PFS [95% CI]")],
                    [(f"{c.arms[0]} vs {c.arms[1]}", _hr(c.hr_os, c.hr_os_ci), _hr(c.hr_pfs, c.hr_pfs_ci))
                     for c in result.comparisons], title="hazard ratios (Cox)")


@app.command("run")
def run(name: str = typer.Argument(..., help=f"Protocol: {', '.join(available_protocols())} or a YAML path"),
        n: int = typer.Option(100, "--n", min=2, help="Virtual patients per unit of the randomisation ratio "
                                                      "(per arm at 1:1)"),
        seed: int = typer.Option(0, "--seed", help="Random seed (same seed, same result)"),
        scheduler: str = typer.Option(None, "--scheduler", metavar="ADDRESS", help=_SCHEDULER_HELP),
        as_json: bool = typer.Option(False, "--json", help="Print one JSON document (DESIGN §4)"),
        plot: Path = typer.Option(None, "--plot", help="Write Kaplan–Meier curves (PNG/PDF/SVG by suffix)"),
        endpoint: str = typer.Option("os", "--endpoint", help="Endpoint of --plot: os or pfs"),
        pk: str = typer.Option("average", "--pk", help="Drug input: average (steady-state unbound nM, the "
                                                       "calibrated setting) or doses (every administration as a "
                                                       "dose event of the population-PK model; ~60x slower)")
        ) -> None:
    """Run one virtual trial: ORR (RECIST 1.1, mRECIST), DCR, median PFS and OS in months, Cox hazard ratios.

    On a terminal a progress bar follows the simulation: each patient's pre-treatment growth, then its
    treatment.

    Examples:

      lenvici trial run reflect --n 200 --seed 1

      lenvici trial run leap-002 --n 500 --seed 2 --plot leap002-os.png --endpoint os

      lenvici trial run keynote-524 --n 100000 --scheduler local --json

      lenvici trial run reflect --n 10000 --scheduler tcp://10.0.0.5:8786

      lenvici trial run keynote-524 --n 300 --pk doses
    """
    from lenvici.sim.trials import run_trial

    with errors_to_exit():
        protocol = load_protocol(name)
        with progress_bar(f"{protocol.id}: simulating", show=progress_shown(as_json)) as bar:
            result = run_trial(protocol, n, seed, scheduler=scheduler, progress=_callback(bar), pk=pk)
        if plot is not None:
            result.plot(endpoint=endpoint.lower(), path=plot)
    if as_json:
        typer.echo(result.to_json(indent=2))
        return
    print_trial(result, seed)
    if plot is not None:
        echo(f"wrote {plot}")


@app.command("validate")
def validate(n: int = typer.Option(None, "--n", min=2, help="Virtual patients per arm (default: each trial's "
                                                            "published N)"),
             reps: int = typer.Option(1, "--reps", min=1, help="Repeated trials (spread of simulated endpoints)"),
             seed: int = typer.Option(0, "--seed", help="Random seed of the first repeat (then seed+1, …)"),
             as_json: bool = typer.Option(False, "--json", help="Print one JSON document")) -> None:
    """Simulated vs published endpoints per trial/arm, with the published 95% CI and HIT/MISS.

    ORR as percent, medians in months, HRs unitless. REFLECT and KEYNOTE-524 are calibration targets, LEAP-002
    validation only. On a terminal a progress bar follows the simulations of every trial and repeat.

    Examples:

      lenvici trial validate --n 200 --seed 1

      lenvici trial validate --reps 5 --json
    """
    with errors_to_exit():
        with progress_bar(f"simulating {', '.join(VALIDATION_TRIALS)}", show=progress_shown(as_json)) as bar:
            rows = validate_trials(n, reps, seed, progress=_callback(bar)).rows
    hits = sum(r["hit"] is True for r in rows)
    misses = sum(r["hit"] is False for r in rows)
    if as_json:
        typer.echo(json.dumps({"rows": rows, "hits": hits, "misses": misses}, indent=2))
        return

    def value(endpoint: str, x) -> str:
        if x is None:
            return "–"
        return pct(x) if endpoint.startswith("orr") else f"{x:.2f}" if endpoint.startswith("hr") else f"{x:.1f}"

    def interval(endpoint: str, ci) -> str:
        lo, hi = ci
        return "–" if lo is None or hi is None else f"{value(endpoint, lo)} to {value(endpoint, hi)}"

    print_table(["", "trial", "role", "arm", "endpoint", num("simulated"), num("published"),
                 num("published 95% CI")],
                [({True: "HIT", False: "MISS", None: "–"}[r["hit"]], r["trial"], r["role"], r["arm"], r["endpoint"],
                  value(r["endpoint"], r["simulated"]), value(r["endpoint"], r["published"]),
                  interval(r["endpoint"], r["published_ci"])) for r in rows],
                title=f"validation: {hits} HIT, {misses} MISS ({reps} repeat(s), seed {seed})")


@app.command("experiment")
def experiment(name: str = typer.Argument(..., help="Experiment: scheduling, weight-threshold, dose-intensity, "
                                                    "cadonilimab, biomarker, within-day-fluctuation"),
               n: int = typer.Option(200, "--n", min=2, help="Virtual patients per arm"),
               seed: int = typer.Option(0, "--seed", help="Random seed"),
               as_json: bool = typer.Option(False, "--json", help="Print one JSON document")) -> None:
    """One of the review's open questions as an in-silico randomised experiment, beside the observation.

    ORR as percent, medians in months, HRs unitless.

    Examples:

      lenvici trial experiment scheduling --n 300 --seed 1

      lenvici trial experiment scheduling --json
    """
    from lenvici.sim.experiments import run_experiment

    with errors_to_exit():
        with progress_bar(f"{name}: simulating", show=progress_shown(as_json)) as bar:
            out = run_experiment(name, n, seed, progress=_callback(bar))
    if as_json:
        typer.echo(json.dumps(out, indent=2))
        return
    obs = out["observed"]

    def months(x) -> str:
        return "NR" if x is None else f"{x:.1f}"

    rows = []
    for key, a in out["arms"].items():
        o = obs["arms"].get(key, {})
        rows.append((a["label"], pct(a["orr_recist"]), pct(a["orr_mrecist"]), months(a["pfs_median_months"]),
                     months(a["os_median_months"]), pct(o.get("orr")), months(o.get("pfs_median_months")),
                     months(o.get("os_median_months"))))
    print_table(["arm", num("ORR RECIST 1.1"), num("ORR mRECIST"), num("median PFS, mo"), num("median OS, mo"),
                 num("observed ORR"), num("observed PFS, mo"), num("observed OS, mo")], rows,
                title=f"{out['experiment']} (n={n}/arm, seed {seed}): {out['design']}")
    hr = out["hazard_ratio"]
    if "hr_os" in hr:
        echo(f"HR OS {_hr(hr['hr_os'], hr['hr_os_ci'])}  HR PFS {_hr(hr['hr_pfs'], hr['hr_pfs_ci'])}")
    else:  # one comparison per arm (e.g. within-day-fluctuation: dose events vs averages)
        for label, h in hr.items():
            echo(f"{label}: HR OS {_hr(h['os']['hr'], h['os']['ci'])}  HR PFS {_hr(h['pfs']['hr'], h['pfs']['ci'])}")
    echo(f"observed ({obs['design']}): {obs['direction']}")
    echo("simulated: " + "; ".join(f"{k}: {v}" for k, v in out["simulated_direction"].items()))
    echo(f"caveat: {out['caveat']}")
