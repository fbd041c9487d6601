"""``lenvici cea``: run a cost-effectiveness model file (base case, PSA, one-way DSA) — DESIGN §4."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from lenvici.cli._console import echo, num, print_table, progress_bar, progress_shown
from lenvici.cli._io import errors_to_exit, print_json
from lenvici.errors import InputError

app = typer.Typer(help="Cost-effectiveness models (Markov, partitioned survival): base case, PSA, DSA.",
                  no_args_is_help=True)

ModelArg = Annotated[Path, typer.Argument(help="Model file (YAML); see examples/economics/.", show_default=False)]


def parse_wtp(text: str | None) -> list[float] | None:
    """``"0,20000,50000"`` or ``"0:100000:5000"`` (start:stop:step, stop included) → amounts."""
    if text is None:
        return None
    text = text.strip()
    try:
        if ":" in text:
            parts = [float(x) for x in text.split(":")]
            if len(parts) != 3 or parts[2] <= 0 or parts[1] < parts[0]:
                raise ValueError
            n = int((parts[1] - parts[0]) // parts[2]) + 1
            if n > 100_000:
                raise ValueError
            values = [parts[0] + i * parts[2] for i in range(n)]
        else:
            values = [float(x) for x in text.split(",") if x.strip()]
    except ValueError:
        raise InputError(f"--wtp must be 'a,b,c' or 'start:stop:step' with amounts ≥ 0; got {text!r}",
                         field="--wtp") from None
    if not values or any(v < 0 or v != v or v == float("inf") for v in values):
        raise InputError(f"--wtp amounts must be finite and ≥ 0; got {text!r}", field="--wtp")
    return values


def _finite(x):
    """JSON has no NaN or infinity: those become null."""
    if isinstance(x, float) and (x != x or x in (float("inf"), float("-inf"))):
        return None
    return x


def _plots(plot_dir: Path, base, psa, dsa) -> list[str]:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    try:
        plot_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise InputError(f"cannot create --plot-dir {str(plot_dir)!r}: {exc.strerror}", field="--plot-dir") from None
    written = []

    def save(fig, name):
        path = plot_dir / name
        fig.savefig(path, dpi=120, bbox_inches="tight")
        plt.close(fig)
        written.append(str(path))

    if base is not None:
        save(base.plot("frontier"), "frontier.png")
        save(base.plot("trace"), "trace.png")
    if psa is not None:
        save(psa.plot("ce"), "ce_plane.png")
        save(psa.plot("ceac"), "ceac.png")
        save(psa.plot("evpi"), "evpi.png")
    if dsa is not None:
        save(dsa.plot(), "tornado.png")
    return written


@app.command()
def run(
    model: ModelArg,
    psa: Annotated[Optional[int], typer.Option("--psa", help="Number of PSA samples.", min=1)] = None,
    seed: Annotated[Optional[int], typer.Option("--seed", help="Seed of the PSA draws.")] = None,
    wtp: Annotated[Optional[str], typer.Option("--wtp", help="WTP grid: 'a,b,c' or 'start:stop:step'.")] = None,
    plot_dir: Annotated[Optional[Path], typer.Option("--plot-dir", help="Write PNG plots here.")] = None,
    json_out: bool = typer.Option(False, "--json", help="Print one JSON document."),
) -> None:
    """Base case (strategies, ICER table) and, with --psa N, the CEAC, CEAF and EVPI.

    Costs in the model's currency (its settings.currency), effects in QALYs and life-years, ICERs in currency per
    QALY; --wtp amounts in currency per QALY.

    Examples:

      lenvici cea run examples/economics/hcc_lenvatinib_vs_sorafenib_canada.yaml

      lenvici cea run examples/economics/dmhee_thr.yaml --psa 1000 --seed 1 --wtp 0:50000:1000 --json

      lenvici cea run examples/economics/dmhee_hiv.yaml --psa 500 --seed 2 --plot-dir plots/
    """
    from lenvici.economics import load_model, run_model, run_psa

    with errors_to_exit():
        grid = parse_wtp(wtp)
        m = load_model(model)
        base = run_model(m)
        with progress_bar(f"PSA: {psa or 0:,} samples", show=bool(psa) and progress_shown(json_out)):
            prob = run_psa(m, psa, seed=seed, wtp=grid) if psa else None
        written = _plots(plot_dir, base, prob, None) if plot_dir is not None else []
    if json_out:
        doc = base.to_json()
        if prob is not None:
            doc.update(prob.to_json())
        if written:
            doc["plots"] = written
        print_json(doc)
        return
    print_base_case(base.to_json(), base.currency)
    if prob is not None:
        print_psa(prob.to_json(), base.currency)
    for w in written:
        echo(f"wrote {w}")


def _money(currency: str) -> str:
    return f" ({currency})" if currency else ""


def print_base_case(doc: dict, currency: str = "") -> None:
    """The deterministic strategies (cost, QALY, life-years) and the ICER table."""
    print_table(["strategy", num(f"cost{_money(currency)}"), num("QALY"), num("life-years")],
                [(s["name"], f"{s['cost']:,.2f}", f"{s['qaly']:.4f}", f"{s['ly']:.4f}") for s in doc["strategies"]],
                title=doc.get("model") or "base case")
    _print_icers(doc["icers"], doc.get("effect", "qaly"), currency, "ICERs (base case)")


def _print_icers(icers: list[dict], effect: str, currency: str, title: str) -> None:
    per = f"{currency or 'cost'}/{effect.upper()}"
    print_table(["strategy", num(f"ICER ({per})"), "status"],
                [(i["strategy"], "–" if i["icer"] is None else f"{i['icer']:,.2f}", i["status"]) for i in icers],
                title=title)


def print_psa(doc: dict, currency: str = "") -> None:
    """The PSA means with 95% intervals, the ICERs of the means and the CEAC at about six WTP values."""
    psa = doc["psa"]
    effect = psa.get("effect", "qaly")
    print_table(["strategy", num(f"mean cost{_money(currency)}"), num("95% interval"), num(f"mean {effect.upper()}"),
                 num("95% interval")],
                [(s["name"], f"{s['cost_mean']:,.2f}", f"{s['cost_ci'][0]:,.2f}–{s['cost_ci'][1]:,.2f}",
                  f"{s['effect_mean']:.4f}", f"{s['effect_ci'][0]:.4f}–{s['effect_ci'][1]:.4f}")
                 for s in psa["strategies"]],
                title=f"PSA: {psa['n']} samples (seed {psa['seed']})")
    _print_icers(psa["icers"], effect, currency, "ICERs (PSA means)")
    ceac_rows = doc["ceac"]
    names = [s["name"] for s in psa["strategies"]]
    shown = ceac_rows[:: max(1, len(ceac_rows) // 6)]
    print_table([num(f"WTP{_money(currency)}"), *(num(n) for n in names)],
                [(f"{r['wtp']:,.0f}", *(f"{r[n]:.2f}" for n in names)) for r in shown],
                title="Cost-effectiveness acceptability: probability each strategy is optimal")


@app.command()
def dsa(
    model: ModelArg,
    outcome: Annotated[str, typer.Option(help="icer, inmb, cost, effect or nmb.")] = "icer",
    strategy: Annotated[Optional[str], typer.Option(help="Strategy (default: the last).")] = None,
    comparator: Annotated[Optional[str], typer.Option(help="Comparator (default: the first).")] = None,
    wtp: Annotated[Optional[float], typer.Option("--wtp", help="Willingness to pay (for inmb, nmb).")] = None,
    from_distributions: bool = typer.Option(False, "--from-distributions",
                                            help="Use 2.5/97.5 % quantiles where a parameter has no range."),
    plot_dir: Annotated[Optional[Path], typer.Option("--plot-dir", help="Write tornado.png here.")] = None,
    json_out: bool = typer.Option(False, "--json", help="Print one JSON document."),
) -> None:
    """One-way sensitivity analysis over the parameters' ranges, with a tornado plot.

    The outcome is in the model's currency (icer: currency per QALY; inmb, nmb: currency at --wtp; cost) or in
    QALYs (effect).

    Examples:

      lenvici cea dsa examples/economics/dmhee_thr.yaml

      lenvici cea dsa examples/economics/hcc_lenvatinib_vs_sorafenib_canada.yaml --outcome inmb --wtp 50000 --plot-dir plots/ --json
    """
    from lenvici.economics import load_model, run_dsa

    with errors_to_exit():
        m = load_model(model)
        res = run_dsa(m, outcome=outcome, strategy=strategy, comparator=comparator, wtp=wtp,
                      from_distributions=from_distributions)
        written = _plots(plot_dir, None, None, res) if plot_dir is not None else []
    if json_out:
        doc = {"model": res.model, "outcome": res.outcome, "strategy": res.strategy, "comparator": res.comparator,
               "wtp": res.wtp, "base": _finite(res.base),
               "parameters": [{k: _finite(v) for k, v in row.items()} for row in res.summary()]}
        if written:
            doc["plots"] = written
        print_json(doc)
        return
    print_table(["parameter", num("low"), num("high"), num(f"{res.outcome} at low"), num(f"{res.outcome} at high"),
                 num("swing")],
                [(r["parameter"], _g(r["low"]), _g(r["high"]), _g(r["low_outcome"]), _g(r["high_outcome"]),
                  _g(r["swing"])) for r in res.summary()],
                title=f"{res.model}: one-way DSA of {res.outcome}, {res.strategy} vs {res.comparator} "
                      f"(base {_g(res.base)})")
    for w in written:
        echo(f"wrote {w}")


def _g(x) -> str:
    x = _finite(x)
    if x is None:
        return "–"
    return f"{x:,.2f}" if abs(x) >= 1 else f"{x:.4g}"
