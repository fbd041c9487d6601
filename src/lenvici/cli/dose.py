"""``lenvici dose``: starting doses, dose levels and adverse-event modifications (no science here).

``lenvici dose DRUG [--weight "W kg"] [--level N] [--regimen ID] --json`` — one command per drug the
dosing data knows (lenvatinib, sorafenib, the immune-checkpoint inhibitors, bevacizumab);
``lenvici dose modify lenvatinib --event E (--grade G | --urine-protein … | --qtc …) --current "12 mg"
--jurisdiction {us,eu} --json``; ``lenvici dose list --json``; ``lenvici dose events --json``.

Every value is passed through as text and validated by :mod:`lenvici.clinical.dosing`, so invalid input
always ends as one line ``error: …`` on stderr with exit code 2 (DESIGN §4).
"""

from __future__ import annotations

from typing import Annotated, Optional

import typer

from lenvici.cli._console import echo, print_table
from lenvici.cli._io import errors_to_exit, print_json
from lenvici.clinical.dosing import (
    adverse_events,
    available_drugs,
    dose_regimen,
    load_dosing_data,
    modify_dose,
    regimens_for,
)

__all__ = ["app"]

app = typer.Typer(help="Doses of the HCC regimens the review names: starting dose, dose levels, and "
                       "lenvatinib modifications for adverse events (US label or EU SmPC).",
                  no_args_is_help=True)

JsonFlag = Annotated[bool, typer.Option("--json", help="Print one JSON document.")]
Weight = Annotated[Optional[str], typer.Option("--weight", help='Actual body weight, e.g. "72 kg".')]
Jurisdiction = Annotated[str, typer.Option("--jurisdiction", help="us (prescribing information) or eu (SmPC).")]


def _print_regimen(result) -> None:
    print_table(["dose", "route", "rationale"],
                [(c.describe(), c.route, c.rationale + "".join(f" Note: {n}" for n in c.notes))
                 for c in result.components], title=result.title)
    for note in result.notes:
        echo(f"note: {note}")
    echo(f"source: {result.source}")


def _drug_command(drug: str):
    def command(
        weight: Weight = None,
        level: Annotated[str, typer.Option("--level", help="Dose level of the oral drug: 0 = starting dose, "
                                                            "n = n-th reduction.")] = "0",
        regimen: Annotated[Optional[str], typer.Option("--regimen", help="Regimen id (see `lenvici dose list`).")] = None,
        child_pugh: Annotated[Optional[str], typer.Option("--child-pugh", help="Child-Pugh class A, B or C.")] = None,
        renal_impairment: Annotated[Optional[str], typer.Option(
            "--renal-impairment", help="none, mild, moderate, severe or end-stage.")] = None,
        jurisdiction: Jurisdiction = "us",
        json_out: JsonFlag = False,
    ) -> None:
        with errors_to_exit():
            result = dose_regimen(drug, regimen=regimen, weight=weight, level=level, child_pugh=child_pugh,
                                  renal_impairment=renal_impairment, jurisdiction=jurisdiction)
        if json_out:
            print_json(result.to_dict())
        else:
            _print_regimen(result)

    return command


def _help(drug: str) -> str:
    choices = regimens_for(drug)
    weight = ' --weight "72 kg"'
    return (f"{choices[0].title}. Regimens: {', '.join(r.id for r in choices)}.\n\n"
            "Doses in mg (weight-based doses from the actual body weight, --weight \"W kg\"), schedules as "
            "labelled.\n\nExamples:\n\n"
            f"  lenvici dose {drug}{weight}\n\n"
            f"  lenvici dose {drug} --regimen {choices[-1].id}{weight} --jurisdiction eu --json")


for _name in available_drugs():
    app.command(name=_name, help=_help(_name))(_drug_command(_name))


@app.command()
def modify(
    drug: Annotated[str, typer.Argument(help="The drug (lenvatinib).")],
    event: Annotated[Optional[str], typer.Option("--event", help="Adverse event, e.g. hypertension, proteinuria, "
                                                                 "ppe (see `lenvici dose events`).")] = None,
    grade: Annotated[Optional[str], typer.Option("--grade", help="CTCAE v5 grade.")] = None,
    current: Annotated[Optional[str], typer.Option("--current", help='Current dose, e.g. "12 mg" or '
                                                                     '"4 mg every other day".')] = None,
    jurisdiction: Jurisdiction = "us",
    intolerable: Annotated[bool, typer.Option("--intolerable", help="Grade 2 persistent or intolerable.")] = False,
    laboratory_only: Annotated[bool, typer.Option(
        "--laboratory-only", help="Grade 4 laboratory abnormality judged not life-threatening.")] = False,
    urine_protein: Annotated[Optional[str], typer.Option("--urine-protein", help='e.g. "2.5 g/24h".')] = None,
    qtc: Annotated[Optional[str], typer.Option("--qtc", help='QTc now, e.g. "510 ms".')] = None,
    qtc_baseline: Annotated[Optional[str], typer.Option("--qtc-baseline", help='Baseline QTc, e.g. "430 ms".')] = None,
    weight: Annotated[Optional[str], typer.Option("--weight", help="Actual body weight at the start of "
                                                                   "treatment (to number the dose levels).")] = None,
    json_out: JsonFlag = False,
) -> None:
    """What to do with the current dose after an adverse event (US label or EU SmPC).

    Doses in mg ("12 mg", "4 mg every other day"); urine protein in g/24h; QTc in ms.

    Examples:

      lenvici dose modify lenvatinib --event hypertension --grade 3 --current "12 mg" --jurisdiction eu

      lenvici dose modify lenvatinib --event proteinuria --urine-protein "2.5 g/24h" --current "8 mg"

      lenvici dose modify lenvatinib --event qt-prolongation --qtc "510 ms" --qtc-baseline "430 ms" --current "12 mg" --json
    """
    with errors_to_exit():
        result = modify_dose(drug, event, current=current, jurisdiction=jurisdiction, grade=grade,
                             intolerable=intolerable, laboratory_only=laboratory_only, urine_protein=urine_protein,
                             qtc=qtc, qtc_baseline=qtc_baseline, weight=weight)
    if json_out:
        print_json(result.to_dict())
        return
    rows = [("decision", result.rationale)]
    if result.next_dose is not None and result.action != "continue":
        rows.append(("then", result.next_dose.describe()))
    rows += [("note", note) for note in result.notes]
    if result.differs_by_jurisdiction:
        rows.append((f"the {result.other_jurisdiction.upper()} label differs", result.other_action))
    rows.append(("source", result.source))
    print_table(["", f"{drug} dose modification"], rows)


@app.command("list")
def list_regimens(json_out: JsonFlag = False) -> None:
    """Every regimen, the drugs it is listed under, and its source.

    Examples:

      lenvici dose list

      lenvici dose list --json
    """
    with errors_to_exit():
        regimens = load_dosing_data().regimens.values()
    rows = [{"regimen": r.id, "drug": r.drug, "drugs": list(r.drugs), "default": r.default, "title": r.title,
             "components": [c.drug for c in r.components], "source": r.source,
             "review_refs": list(r.review_refs)} for r in regimens]
    if json_out:
        print_json({"regimens": rows})
        return
    print_table(["regimen", "default for", "title"],
                [(r["regimen"], r["drug"] if r["default"] else "", r["title"]) for r in rows],
                title=f"{len(rows)} regimens (sources: lenvici dose list --json)")


@app.command()
def events(json_out: JsonFlag = False) -> None:
    """The adverse events with encoded lenvatinib rules, their aliases and accepted grades (CTCAE v5).

    Examples:

      lenvici dose events

      lenvici dose events --json
    """
    with errors_to_exit():
        found = adverse_events()
    rows = [{"event": e.event, "title": e.title, "aliases": list(e.aliases), "grades": list(e.grades),
             "measured": e.measured, "us_section": e.us.section, "eu_section": e.eu.section} for e in found]
    if json_out:
        print_json({"drug": "lenvatinib", "events": rows})
        return
    print_table(["event", "graded by", "title", "aliases"],
                [(r["event"], "measurement" if r["measured"] else "CTCAE grade " + ",".join(map(str, r["grades"])),
                  r["title"], ", ".join(r["aliases"]) or "–") for r in rows],
                title="adverse events with lenvatinib dose rules (US label and EU SmPC)")
