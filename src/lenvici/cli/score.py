"""``lenvici score``: one clinical score from quantities, or the list of every score (DESIGN §4).

``lenvici score NAME [inputs] --json`` prints ``{"score", "value", "category", "components", "inputs",
"source"}``; ``lenvici score --list --json`` prints every registered score with its status, inputs and
source. The shared inputs of DESIGN §4 are options (``--bilirubin "1.2 mg/dL"``); inputs a score alone
uses go through ``--set NAME=VALUE`` (repeatable), e.g. ``--set grip_strength="24 kg"``. Invalid input is
one line ``error: …`` on stderr and exit code 2. No science lives here: the names are checked and the
score computed by :func:`lenvici.clinical.scores._evaluate.evaluate_score`.
"""

from __future__ import annotations

from typing import Annotated, Optional

import typer

from lenvici.cli._console import echo, num, print_table
from lenvici.cli._io import errors_to_exit, print_json
from lenvici.clinical.scores import list_scores
from lenvici.clinical.scores._evaluate import evaluate_score
from lenvici.errors import InputError

__all__ = ["score"]

_Q = "A quantity 'VALUE UNIT'"


def _quantity(help_text: str):
    return Annotated[Optional[str], typer.Option(help=f"{_Q}: {help_text}.", show_default=False)]


def _choice(help_text: str):
    return Annotated[Optional[str], typer.Option(help=help_text, show_default=False)]


def _flag(name: str, help_text: str):
    return Annotated[Optional[bool], typer.Option(f"--{name}/--no-{name}", help=help_text, show_default=False)]


def _parse_set(items: list[str]) -> dict[str, str]:
    out: dict[str, str] = {}
    for item in items:
        key, sep, value = item.partition("=")
        field = key.strip().replace("-", "_")
        if not sep or not field:
            raise InputError(f"--set takes NAME=VALUE; got {item!r}", "--set")
        if field in out:
            raise InputError(f"input {field!r} is given twice with --set", field)
        out[field] = value.strip()
    return out


def _unit(field: str) -> str:
    """The canonical unit an input is reported in (DESIGN §3); ``–`` for choices, counts and flags."""
    from lenvici.units import ANALYTES

    name = "diameter" if field.endswith(("diameter", "tumour", "tumor", "_mm")) else field
    analyte = ANALYTES.get(name)
    return "–" if analyte is None or analyte.dimensionless else analyte.canonical


def _short_source(source: str) -> str:
    """``"Johnson PJ, Berhane S, … 2015;33(6) …"`` → ``"Johnson PJ 2015"`` (the full citation is printed below)."""
    import re

    first = source.split(",")[0].split(".")[0].strip()
    year = re.search(r"\b(19|20)\d{2}\b", source)
    return f"{first} {year.group(0)}" if year else first


def _component(value) -> str:
    """A component as one cell: numbers to 6 significant digits, lists joined, a dict by its first text."""
    if isinstance(value, float):
        return f"{value:.6g}"
    if isinstance(value, dict):
        return next((str(v) for v in value.values() if isinstance(v, str)), str(value))
    if isinstance(value, (list, tuple)):
        return "; ".join(_component(v) for v in value) or "–"
    return str(value)


def _print_text(result) -> None:
    shown = [f"{result.value:.6g}"] if result.value is not None else []
    if result.category is not None:
        shown.append(f"({result.category})" if shown else result.category)
    echo(f"{result.score}: {' '.join(shown) or '-'}")
    print_table(["score", num("value"), "category", "source"],
                [(result.score, "–" if result.value is None else f"{result.value:.6g}", result.category or "–",
                  _short_source(result.source))])
    if result.inputs:
        print_table(["input", num("value"), "unit"],
                    [(k, v if isinstance(v, (int, float)) and not isinstance(v, bool) else _component(v), _unit(k))
                     for k, v in result.inputs.items()], title="inputs, in canonical units")
    if result.components:
        print_table(["component", "value"], [(k, _component(v)) for k, v in result.components.items()],
                    title="components (every detail: --json)")
    echo(f"source: {result.source}")


def score(
    name: Annotated[Optional[str], typer.Argument(help="Score name, e.g. albi, child-pugh, gps.",
                                                  show_default=False)] = None,
    bilirubin: _quantity("total bilirubin, e.g. '1.2 mg/dL' or '20 umol/L'") = None,
    albumin: _quantity("serum albumin, e.g. '3.5 g/dL'") = None,
    inr: _quantity("INR (unitless, a bare number is accepted)") = None,
    ascites: _choice("none, slight or moderate") = None,
    encephalopathy: _choice("none, grade1-2 or grade3-4") = None,
    crp: _quantity("C-reactive protein, e.g. '0.3 mg/dL'") = None,
    cholesterol: _quantity("total cholesterol, e.g. '160 mg/dL'") = None,
    neutrophils: _quantity("neutrophil count, e.g. '3.5 10*9/L' or '3500 /uL'") = None,
    lymphocytes: _quantity("lymphocyte count, e.g. '1.2 10*9/L' or '1200 /mm3'") = None,
    platelets: _quantity("platelet count, e.g. '15 10*4/uL'") = None,
    afp: _quantity("alpha-fetoprotein, e.g. '20 ng/mL'") = None,
    pivka: _quantity("PIVKA-II (DCP), e.g. '40 mAU/mL'") = None,
    ggt: _quantity("gamma-glutamyl transferase, e.g. '60 U/L'") = None,
    weight: _quantity("body weight, e.g. '62 kg'") = None,
    height: _quantity("height, e.g. '165 cm'") = None,
    sex: _choice("male or female") = None,
    age: _quantity("age in years, e.g. '72 a'") = None,
    ecog: _choice("ECOG performance status 0-4") = None,
    tumour_count: _choice("number of tumours") = None,
    largest_tumour: _quantity("largest tumour diameter, e.g. '35 mm'") = None,
    macrovascular_invasion: _flag("macrovascular-invasion", "Macrovascular invasion present.") = None,
    extrahepatic_spread: _flag("extrahepatic-spread", "Extrahepatic spread present.") = None,
    liver_function: _choice("preserved, impaired or end-stage") = None,
    set_: Annotated[Optional[list[str]], typer.Option(
        "--set", help="A score-specific input or option, NAME=VALUE (repeatable), e.g. "
                      "--set grip_strength='24 kg' --set cholestatic=true.", show_default=False)] = None,
    list_: Annotated[bool, typer.Option("--list", help="List every score with its status and inputs.")] = False,
    json_out: Annotated[bool, typer.Option("--json", help="Print one JSON document.")] = False,
) -> None:
    """Compute a clinical score (DESIGN §4), or list every score with --list.

    Quantities are "VALUE UNIT" with UCUM units (g/dL g/L mg/dL umol/L 10*9/L 10*4/uL /uL ng/mL mAU/mL U/L kg
    cm mm); they are converted to the canonical units shown in the output (bilirubin umol/L, albumin g/L, CRP
    mg/L, counts 10*9/L, weight kg).

    Examples:

      lenvici score albi --bilirubin "1.2 mg/dL" --albumin "3.5 g/dL"

      lenvici score child-pugh --bilirubin "25 umol/L" --albumin "32 g/L" --inr 1.3 --ascites none --encephalopathy none --json

      lenvici score bclc --tumour-count 1 --largest-tumour "8 cm" --ecog 0 --liver-function preserved --no-macrovascular-invasion --no-extrahepatic-spread

      lenvici score --list
    """
    shared = {
        "bilirubin": bilirubin, "albumin": albumin, "inr": inr, "ascites": ascites,
        "encephalopathy": encephalopathy, "crp": crp, "cholesterol": cholesterol, "neutrophils": neutrophils,
        "lymphocytes": lymphocytes, "platelets": platelets, "afp": afp, "pivka": pivka, "ggt": ggt,
        "weight": weight, "height": height, "sex": sex, "age": age, "ecog": ecog, "tumour_count": tumour_count,
        "largest_tumour": largest_tumour, "macrovascular_invasion": macrovascular_invasion,
        "extrahepatic_spread": extrahepatic_spread, "liver_function": liver_function,
    }
    if list_:
        specs = list_scores()
        if json_out:
            print_json([spec.to_dict() for spec in specs])
            return
        print_table(["score", "status", "inputs", "title"],
                    [(spec.name, spec.status, ", ".join(spec.inputs) or "–", spec.title) for spec in specs],
                    title=f"{len(specs)} scores and models (unavailable ones say why: lenvici score --list --json)")
        return
    with errors_to_exit():
        if name is None:
            raise InputError("give a score NAME (e.g. albi) or --list", "score")
        values: dict[str, object] = {k: v for k, v in shared.items() if v is not None}
        for field, value in _parse_set(set_ or []).items():
            if field in values:
                raise InputError(f"input {field!r} is given both as --{field.replace('_', '-')} and with --set",
                                 field)
            values[field] = value
        result = evaluate_score(name, values)
    if json_out:
        print_json(result.to_dict())
    else:
        _print_text(result)
