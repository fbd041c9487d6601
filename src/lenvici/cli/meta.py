"""``lenvici meta``: pool a study table (``pool``) or the review's curated evidence (``evidence``).

Handlers parse the options, call :mod:`lenvici.evidence.meta` / :mod:`lenvici.evidence.pooling` and print;
the statistics live there (STYLE §8).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

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
    """Pool a study table as metafor's rma() does (DESIGN §4)."""
    from lenvici.evidence.meta import rma
    from lenvici.evidence.meta.csvfile import read_effects_csv
    from lenvici.evidence.meta.plots import baujat, forest, funnel

    with errors_to_exit():
        es = read_effects_csv(data, measure.upper())
        res = rma(es, method=method, test="knha" if knha else "z", level=level)
        for path, draw in ((forest_file, forest), (funnel_file, funnel), (baujat_file, baujat)):
            if path is not None:
                draw(es, res, path=path)
    if json_out:
        print_json(res.to_json(es.study))
    else:
        typer.echo(repr(res))


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
    and why; --compare A B pools the two-arm studies comparing A with B."""
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
    typer.echo(repr(result))
    for g in result.groups:
        for row in g.included:
            extra = f"  [{'; '.join(row.notes)}]" if row.notes else ""
            typer.echo(f"  + {g.group:<22} {row.label}{extra}")
        for e in g.excluded:
            arm = f": {e.arm}" if e.arm else ""
            typer.echo(f"  - {g.group:<22} {e.study}{arm} — {e.reason}")
