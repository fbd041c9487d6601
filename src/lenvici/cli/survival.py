"""``lenvici survival``: patient data from a published Kaplan–Meier curve, and Kaplan–Meier summaries.

Thin: parse the options, call :mod:`lenvici.survival`, print. Contracts in DESIGN §4.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Annotated, Optional

import typer

from lenvici.cli._console import echo, num, print_table
from lenvici.cli._io import errors_to_exit, print_json
from lenvici.errors import InputError
from lenvici.survival import (
    kaplan_meier,
    logrank_test,
    read_at_risk_csv,
    read_curve_csv,
    read_ipd_csv,
    reconstruct_ipd,
    regular_times,
)

app = typer.Typer(help="Kaplan–Meier summaries and patient data reconstructed from published curves.",
                  no_args_is_help=True)

JsonOption = Annotated[bool, typer.Option("--json", help="Print one JSON document.")]


@app.command()
def reconstruct(
    curve: Annotated[Path, typer.Option("--curve", help="Digitised curve: CSV with columns time,survival.")],
    at_risk: Annotated[Path, typer.Option("--at-risk", help="Numbers at risk: CSV with columns time,n_at_risk.")],
    out: Annotated[Path, typer.Option("--out", help="Where to write the patient data (columns time,event).")],
    events: Annotated[Optional[int], typer.Option("--events", help="Total number of events, if reported.")] = None,
    percent: Annotated[bool, typer.Option("--percent", help="Survival in the curve file is in percent.")] = False,
    json_out: JsonOption = False,
) -> None:
    """Reconstruct individual patient data (Guyot et al. 2012) and write it as time,event rows.

    Times in one unit throughout (the curve's and the at-risk table's, e.g. months); survival as a fraction
    0–1 (or percent with --percent).

    Examples:

      lenvici survival reconstruct --curve curve.csv --at-risk risk.csv --out ipd.csv

      lenvici survival reconstruct --curve os_curve.csv --at-risk os_risk.csv --events 351 --percent --out ipd.csv --json
    """
    with errors_to_exit():
        c_time, c_surv, c_rows = read_curve_csv(curve)
        r_time, r_n, r_rows = read_at_risk_csv(at_risk)
        ipd = reconstruct_ipd(c_time, c_surv, r_time, r_n, total_events=events, percent=percent,
                              curve_rows=c_rows, risk_rows=r_rows)
        ipd.write_csv(out)
        km = ipd.km()
    doc = {
        "n": ipd.n,
        "events": ipd.events,
        "censored": ipd.n - ipd.events,
        "median": _num(km.median.time),
        "median_ci": [_num(km.median.lower), _num(km.median.upper)],
        "conf_type": km.conf_type,
        "conf_level": km.conf_level,
        "out": str(out),
        "notes": list(ipd.notes),
    }
    if json_out:
        print_json(doc)
    else:
        echo(f"{ipd.n} patients, {ipd.events} events, median {_text(km.median.time)} "
             f"(95% CI {_text(km.median.lower)}–{_text(km.median.upper)}) -> {out}")
        for note in ipd.notes:
            echo(f"note: {note}")


@app.command()
def km(
    data: Annotated[Path, typer.Option("--data", help="Patient data: CSV with time and event columns.")],
    time_col: Annotated[str, typer.Option("--time-col", help="Name of the time column.")] = "time",
    event_col: Annotated[str, typer.Option("--event-col", help="Name of the event column (1 = event, 0 = censored).")] = "event",
    group_col: Annotated[Optional[str], typer.Option("--group-col", help="Name of a group column (one curve each).")] = None,
    conf_type: Annotated[str, typer.Option("--conf-type", help="log (R's default), log-log or plain.")] = "log",
    conf_level: Annotated[float, typer.Option("--conf-level", help="Confidence level, e.g. 0.95.")] = 0.95,
    at: Annotated[Optional[str], typer.Option("--at", help="Times for the at-risk table, comma-separated, e.g. 0,3,6,9.")] = None,
    every: Annotated[Optional[float], typer.Option("--every", help="At-risk table every this many time units.")] = None,
    json_out: JsonOption = False,
) -> None:
    """Kaplan–Meier median with its confidence interval and the numbers at risk, per group.

    Times in the data's own unit (e.g. months); event 1, censored 0.

    Examples:

      lenvici survival km --data ipd.csv

      lenvici survival km --data trial.csv --time-col months --event-col death --group-col arm --every 6 --json
    """
    with errors_to_exit():
        time, event, group = read_ipd_csv(data, time_col, event_col, group_col)
        times = _at_times(at, every, float(time.max()))
        labels = sorted(set(group.tolist())) if group is not None else [None]
        curves = []
        for label in labels:
            mask = (group == label) if group is not None else slice(None)
            curves.append(kaplan_meier(time[mask], event[mask], conf_type=conf_type, conf_level=conf_level,
                                       label=label))
        test = logrank_test(time, event, group) if group is not None and len(labels) > 1 else None
        tables = [c.at_risk(times) for c in curves]
    doc = {
        "conf_type": curves[0].conf_type,
        "conf_level": curves[0].conf_level,
        "groups": [
            {
                "group": c.label,
                "n": c.n,
                "events": c.n_events,
                "median": _num(c.median.time),
                "median_ci": [_num(c.median.lower), _num(c.median.upper)],
                "at_risk": t.records(),
            }
            for c, t in zip(curves, tables)
        ],
    }
    if test is not None:
        doc["logrank"] = {"chisq": test.chisq, "df": test.df, "p": test.p_value}
    if json_out:
        print_json(doc)
        return
    level = f"{100 * curves[0].conf_level:g}%"
    print_table(["group", num("n"), num("events"), num("median"), num(f"{level} CI")],
                [("all" if c.label is None else str(c.label), str(c.n), str(c.n_events), _text(c.median.time),
                  f"{_text(c.median.lower)}–{_text(c.median.upper)}") for c in curves],
                title=f"Kaplan–Meier medians (time in the data's unit; NR = not reached; CI {curves[0].conf_type})")
    for c, t in zip(curves, tables):
        name = f"{c.label} " if c.label is not None else ""
        echo(f"{name}at risk: " + ", ".join(f"{x:g}: {int(n)}" for x, n in zip(t.time, t.n_risk)))
    if test is not None:
        echo(f"log-rank chisq={test.chisq:.3f} df={test.df} p={test.p_value:.4g}")


def _at_times(at: str | None, every: float | None, last: float):
    if at is not None and every is not None:
        raise InputError("give either --at or --every, not both", "--at")
    if at is not None:
        try:
            return [float(x) for x in at.split(",") if x.strip()]
        except ValueError:
            raise InputError(f"--at must be comma-separated numbers, e.g. 0,3,6; got {at!r}", "--at") from None
    if every is not None and not (math.isfinite(every) and every > 0):
        raise InputError(f"--every must be a number > 0; got {every!r}", "--every")
    return regular_times(last, every)


def _num(x: float) -> float | None:
    return None if math.isnan(x) else float(x)


def _text(x: float) -> str:
    return "NR" if math.isnan(x) else f"{x:.2f}"
