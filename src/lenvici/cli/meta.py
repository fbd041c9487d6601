"""``lenvici meta``: pool a study table (``pool``) or the review's curated evidence (``evidence``).

Handlers parse the options, call :mod:`lenvici.evidence.meta` / :mod:`lenvici.evidence.pooling` and print;
the statistics live there (STYLE §8).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from lenvici.cli._console import echo, num, print_table
from lenvici.cli._io import errors_to_exit, print_json

# The engine (SciPy, matplotlib, DuckDB) is imported inside the handlers so that every other ``lenvici``
# command starts without it; the option help therefore spells the choices out.
_MEASURES_HELP = "PR PLO PAS PFT (columns xi,ni); OR RR RD (ai,n1i,ci,n2i); GEN (yi,vi)"
_METHODS_HELP = "EE (common effect) or a tau2 estimator: DL HE HS SJ ML REML EB PM"
_ENDPOINTS_HELP = "orr, dcr, trae_grade3, pfs_median or os_median"
_PLOT_HELP = "Write a {} plot (.svg, .png or .pdf by the suffix)."
_DB_HELP = "Store path (default: $LENVICI_DB or the user data dir)."

__all__ = ["app"]

app = typer.Typer(help="Meta-analysis with metafor's definitions: a study table, or the review's curated evidence.",
                  no_args_is_help=True)

@app.command()
def pool(
    data: Annotated[Path, typer.Option("--data", help="CSV: xi,ni (proportions); ai,n1i,ci,n2i (two groups); "
                                                      "yi,vi (GEN); optional study column.")],
    measure: Annotated[str, typer.Option("--measure", help=_MEASURES_HELP)],
    method: Annotated[str, typer.Option("--method", help=_METHODS_HELP)] = "REML",
    knha: Annotated[bool, typer.Option("--knha", help="Knapp-Hartung test and CIs (zval then holds t).")] = False,
    level: Annotated[float, typer.Option("--level", help="Confidence level in percent.")] = 95.0,
    forest_file: Annotated[Optional[Path], typer.Option("--forest", help=_PLOT_HELP.format("forest"))] = None,
    funnel_file: Annotated[Optional[Path], typer.Option("--funnel", help=_PLOT_HELP.format("funnel"))] = None,
    baujat_file: Annotated[Optional[Path], typer.Option("--baujat", help=_PLOT_HELP.format("Baujat"))] = None,
    json_out: Annotated[bool, typer.Option("--json", help="Print one JSON document.")] = False,
) -> None:
    """Pool a study table as metafor's rma() does (DESIGN §4).

    Counts as whole numbers (xi of ni; ai of n1i, ci of n2i); yi on the measure's scale (e.g. log hazard ratio)
    with its sampling variance vi; --level in percent. Results on the measure's scale, back-transformed where it
    has one (e.g. exp for RR/OR, a proportion for PLO).

    Examples:

      lenvici meta pool --data examples/meta/bcg.csv --measure RR --method REML

      lenvici meta pool --data examples/meta/bcg.csv --measure OR --method DL --knha --forest forest.svg --json

      lenvici meta pool --data examples/meta/anti_pd1_os_loghr.csv --measure GEN --method EE
    """
    from lenvici.evidence.meta import rma
    from lenvici.evidence.meta.csvfile import read_effects_csv
    from lenvici.evidence.meta.plots import baujat, forest, funnel

    with errors_to_exit():
        es = read_effects_csv(data, measure.upper())
        res = rma(es, method=method, test="knha" if knha else "z", level=level)
        for path, draw in ((forest_file, forest), (funnel_file, funnel), (baujat_file, baujat)):
            if path is not None:
                draw(es, res, path=path)
    doc = res.to_json(es.study)
    if json_out:
        print_json(doc)
    else:
        print_pool(repr(res).splitlines()[0], doc)


def _g(x) -> str:
    """A statistic to 4 decimals, small p-values in scientific notation; ``None`` a dash."""
    if x is None:
        return "–"
    if x != 0 and abs(x) < 1e-3:
        return f"{x:.4e}"
    return f"{x:.4f}"


def print_pool(title: str, doc: dict) -> None:
    """A fitted model (the JSON document of ``rma().to_json()``) as a table: estimate, prediction interval,
    heterogeneity and the back-transformed values, with the methods below."""
    stat = "t" if doc.get("test") == "knha" else "z"
    ci = doc.get("tau2_ci") or {}
    rows = [("estimate", doc["estimate"], doc["se"], doc["zval"], doc["pval"], doc["ci_lb"], doc["ci_ub"]),
            ("prediction", doc["estimate"], None, None, None, doc["pi_lb"], doc["pi_ub"]),
            ("tau^2", doc["tau2"], doc.get("se_tau2"), None, None, ci.get("tau2_lb"), ci.get("tau2_ub")),
            ("I^2 (%)", doc["I2"], None, None, None, ci.get("I2_lb"), ci.get("I2_ub")),
            ("H^2", doc["H2"], None, None, None, ci.get("H2_lb"), ci.get("H2_ub")),
            ("QE", doc["QE"], None, None, doc["QEp"], None, None)]
    t = doc.get("transformed")
    if t:
        name = t.get("transformation") or "natural scale"
        rows += [(f"estimate ({name})", t["estimate"], None, None, None, t["ci_lb"], t["ci_ub"]),
                 (f"prediction ({name})", t["estimate"], None, None, None, t["pi_lb"], t["pi_ub"])]
    level = f"{doc.get('level', 95):g}%"
    print_table(["quantity", num("value"), num("se"), num(stat), num("p"), num(f"{level} lower"),
                 num(f"{level} upper")], [(r[0], *(_g(v) for v in r[1:])) for r in rows], title=title,
                note=f"converged = {doc.get('converged')}, n_iter = {doc.get('n_iter')}"
                     + (f", degrees of freedom {doc['ddf']}" if doc.get("ddf") is not None else ""))
    echo(f"CI: {doc.get('ci_method')}; PI: {doc.get('pi_method')}")
    echo(f"I^2: {doc.get('i2_definition')}")
    for w in doc.get("warnings") or []:
        echo(f"warning: {w}")


@app.command()
def evidence(
    endpoint: Annotated[str, typer.Option("--endpoint", help=_ENDPOINTS_HELP)],
    by: Annotated[str, typer.Option("--by", help="Grouping: regimen_class.")] = "regimen_class",
    compare: Annotated[Optional[tuple[str, str]], typer.Option(
        "--compare", help="Two regimen classes A B: pool the studies comparing A with B.")] = None,
    measure: Annotated[Optional[str], typer.Option(
        "--measure", help="Rates: PLO (default) or PFT (also PR, PAS); comparisons: OR (default), RR, RD.")] = None,
    method: Annotated[str, typer.Option("--method", help=_METHODS_HELP)] = "REML",
    knha: Annotated[bool, typer.Option("--knha", help="Knapp-Hartung test and CIs.")] = False,
    level: Annotated[float, typer.Option("--level", help="Confidence level in percent.")] = 95.0,
    criteria: Annotated[str, typer.Option("--criteria", help="ORR criteria: first (as reported first; default), "
                                                             "any (the same), mRECIST or RECIST1.1.")] = "first",
    assume_equal_arms: Annotated[bool, typer.Option(
        "--assume-equal-arms", help="Split n_total equally over the arms where arm sizes are not reported "
                                    "(flagged per row).")] = False,
    min_k: Annotated[int, typer.Option("--min-k", help="Fewest usable studies to pool a group.")] = 2,
    forest_file: Annotated[Optional[Path], typer.Option("--forest", help=_PLOT_HELP.format("forest"))] = None,
    db: Annotated[Optional[Path], typer.Option("--db", help=_DB_HELP)] = None,
    json_out: Annotated[bool, typer.Option("--json", help="Print one JSON document.")] = False,
) -> None:
    """Pooled estimates per regimen class from the curated studies, with every study included or excluded
    and why; --compare A B pools the two-arm studies comparing A with B.

    Rates (orr, dcr, trae_grade3) as proportions 0-1; medians (pfs_median, os_median) in months; comparisons as
    odds ratios (or RR, RD); --level in percent.

    Examples:

      lenvici meta evidence --endpoint orr --by regimen_class --forest orr.svg

      lenvici meta evidence --endpoint os_median --method DL

      lenvici meta evidence --endpoint orr --compare TACE+LEN+ICI TACE+LEN --assume-equal-arms --json
    """
    from lenvici.evidence.pooling import pool_evidence

    if compare is not None and all(c is None for c in compare):
        compare = None
    with errors_to_exit():
        result = pool_evidence(endpoint, by=by, compare=compare, measure=measure, method=method,
                               test="knha" if knha else "z", level=level,
                               criteria=criteria,
                               assume_equal_arms=assume_equal_arms, min_k=min_k, db_path=db)
        plot_note = None
        if forest_file is not None:
            if any(g.result is not None for g in result.groups):
                result.plot(forest_file)
            else:
                plot_note = f"no forest plot written: no group has k >= {min_k} usable studies"
                typer.echo(f"warning: {plot_note}", err=True)
    if json_out:
        doc = result.to_dict()
        doc["forest"] = str(forest_file) if forest_file is not None and plot_note is None else None
        print_json(doc)
        return
    level = f"{result.level:g}%"
    print_table(["group", num("k"), num("excluded"), num("estimate"), num(f"{level} CI"), num(f"{level} PI"),
                 num("I² %"), "note"],
                [(r["group"], r["k"], r["excluded"], _est(r["estimate"]), _interval(r["ci_lb"], r["ci_ub"]),
                  _interval(r["pi_lb"], r["pi_ub"]), "–" if r["I2"] is None else f"{r['I2']:.1f}",
                  r["note"] or "") for r in result.summary()],
                title=repr(result).splitlines()[0])
    echo(f"CI: {result.ci_method}; PI: {result.pi_method}; I²: {result.i2_definition}")
    print_table(["group", "", "study / arm", "notes or reason for exclusion"],
                [(g.group, "+", row.label, "; ".join(row.notes)) for g in result.groups for row in g.included]
                + [(g.group, "-", f"{e.study}: {e.arm}" if e.arm else e.study, e.reason)
                   for g in result.groups for e in g.excluded],
                title="studies included (+) and excluded (-)")


def _est(x) -> str:
    return "–" if x is None else f"{x:.3f}"


def _interval(lo, hi) -> str:
    return "–" if lo is None or hi is None else f"{lo:.3f} to {hi:.3f}"
