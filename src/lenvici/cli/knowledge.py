"""``lenvici knowledge``: the mechanisms graph, Table 3 biomarkers, drugs and references."""

from __future__ import annotations

import json
from enum import Enum
from pathlib import Path
from typing import Annotated, Optional

import typer

from lenvici._atomic import atomic_path
from lenvici.cli._console import echo, num, print_table
from lenvici.cli._io import errors_to_exit, print_json
from lenvici.knowledge import (
    draw_neighbourhood,
    load_biomarkers,
    load_drugs,
    load_mechanisms,
    reference,
)

app = typer.Typer(help="The review's mechanisms graph, biomarkers (Table 3), drugs and references.",
                  no_args_is_help=True)

JsonFlag = Annotated[bool, typer.Option("--json", help="Print one JSON document.")]


class Direction(str, Enum):
    both = "both"
    out = "out"
    in_ = "in"


class Factor(str, Enum):
    resistance = "resistance"
    sensitivity = "sensitivity"
    reverses = "reverses"


_FACTOR_RELATION = {"resistance": "promotes-resistance", "sensitivity": "increases-sensitivity",
                    "reverses": "reverses-resistance"}


def _edge_json(edge) -> dict:
    return {**edge.model_dump(mode="json"), "sign": edge.sign}


@app.command()
def neighbours(node: str, direction: Direction = Direction.both,
               relation: Annotated[Optional[str], typer.Option(help="Only edges of this relation.")] = None,
               json_out: JsonFlag = False) -> None:
    """What a node acts on (out) and what acts on it (in), with the review's reference numbers.

    Examples:

      lenvici knowledge neighbours FGFR4

      lenvici knowledge neighbours lenvatinib --direction out --relation inhibits --json
    """
    with errors_to_exit():
        graph = load_mechanisms()
        centre = graph.node(node)
        found = graph.neighbours(node, direction.value, relation)
    if json_out:
        print_json({"node": centre.model_dump(mode="json"),
                    "neighbours": [{"node": n.node.id, "label": n.node.label, "kind": n.node.kind,
                                    "direction": n.direction, "edge": _edge_json(n.edge)} for n in found]})
        return
    print_table(["source", "relation", "target", "refs"],
                [((centre.label, n.edge.relation, n.node.label) if n.direction == "out"
                  else (n.node.label, n.edge.relation, centre.label)) + (", ".join(map(str, n.edge.refs)),)
                 for n in found],
                title=f"{centre.label} ({centre.kind}): {len(found)} edges")


@app.command()
def paths(source: str, target: str, max_length: int = typer.Option(4, min=1, max=8),
          json_out: JsonFlag = False) -> None:
    """Directed paths between two nodes (shortest first), at most --max-length edges.

    Examples:

      lenvici knowledge paths lenvatinib "PD-L1"

      lenvici knowledge paths FGF19 "PD-L1" --max-length 5 --json
    """
    with errors_to_exit():
        found = load_mechanisms().paths(source, target, max_length)
    if json_out:
        print_json({"source": source, "target": target, "paths": [[_edge_json(e) for e in p] for p in found]})
        return
    if not found:
        echo(f"no path from {source} to {target} within {max_length} edges")
        return
    print_table([num("edges"), "path", "refs"],
                [(len(p), p[0].source + "".join(f" --{e.relation}--> {e.target}" for e in p),
                  ", ".join(map(str, sorted({r for e in p for r in e.refs})))) for p in found],
                title=f"{len(found)} paths from {source} to {target}")


@app.command()
def factors(kind: Factor, drug: str = "lenvatinib", json_out: JsonFlag = False) -> None:
    """What promotes resistance to, increases sensitivity to, or reverses resistance to a drug.

    Examples:

      lenvici knowledge factors resistance

      lenvici knowledge factors sensitivity --drug lenvatinib --json
    """
    with errors_to_exit():
        edges = load_mechanisms().factors(_FACTOR_RELATION[kind.value], drug)
    if json_out:
        print_json([_edge_json(e) for e in edges])
        return
    print_table(["factor", "refs", "note"], [(e.source, ", ".join(map(str, e.refs)), e.note or "") for e in edges],
                title=f"{len(edges)} factors: {_FACTOR_RELATION[kind.value]} ({drug})")


class ExportFormat(str, Enum):
    graphml = "graphml"
    json = "json"


@app.command()
def export(out: Path = typer.Option(..., help="Output file."),
           format: ExportFormat = typer.Option(ExportFormat.graphml, help="graphml or json.")) -> None:
    """Export the mechanisms graph as GraphML or node-link JSON (written atomically).

    Examples:

      lenvici knowledge export --format graphml --out mechanisms.graphml

      lenvici knowledge export --format json --out mechanisms.json
    """
    with errors_to_exit():
        graph = load_mechanisms()
        with atomic_path(out) as tmp:
            if format is ExportFormat.graphml:
                graph.write_graphml(tmp)
            else:
                tmp.write_text(json.dumps(graph.to_json(), ensure_ascii=False, indent=2), encoding="utf-8")
    typer.echo(f"wrote {out} ({len(graph.nodes)} nodes, {len(graph.edges)} edges)")


@app.command()
def draw(node: str, out: Path = typer.Option(..., help="PNG or SVG file."),
         radius: int = typer.Option(1, min=1, max=3)) -> None:
    """Draw a node's neighbourhood (green: activates/upregulates, red: inhibits, grey: unsigned).

    Examples:

      lenvici knowledge draw EGFR --out egfr.png

      lenvici knowledge draw lenvatinib --radius 2 --out lenvatinib.svg
    """
    if out.suffix.lower() not in (".png", ".svg", ".pdf"):
        typer.echo(f"error: --out must end in .png, .svg or .pdf; got {out.name!r}", err=True)
        raise typer.Exit(2)
    with errors_to_exit():
        graph = load_mechanisms()
        with atomic_path(out) as tmp:
            draw_neighbourhood(graph, node, tmp, radius)
    typer.echo(f"wrote {out}")


@app.command()
def biomarkers(json_out: JsonFlag = False) -> None:
    """The review's Table 3: predictor molecules and predictive models/gradings.

    Examples:

      lenvici knowledge biomarkers

      lenvici knowledge biomarkers --json
    """
    with errors_to_exit():
        rows = load_biomarkers()
    if json_out:
        print_json([b.model_dump(mode="json") for b in rows])
        return
    print_table([num("row"), "section", "name", "location", "direction", "refs"],
                [(b.row, b.section, b.name_en, b.location or "", b.direction, ", ".join(map(str, b.refs)))
                 for b in rows], title="The review's Table 3: biomarkers and predictive models")


@app.command()
def drugs(json_out: JsonFlag = False) -> None:
    """Drugs the review names, with their targets.

    Examples:

      lenvici knowledge drugs

      lenvici knowledge drugs --json        (potencies with their primary sources)
    """
    with errors_to_exit():
        rows = load_drugs()
    if json_out:
        print_json([d.model_dump(mode="json") for d in rows])
        return
    print_table(["drug", "class", "targets"], [(d.name, d.drug_class, ", ".join(t.target for t in d.targets))
                                                for d in rows], title=f"{len(rows)} drugs")


@app.command()
def ref(number: int, json_out: JsonFlag = False) -> None:
    """One of the review's 249 references.

    Examples:

      lenvici knowledge ref 77

      lenvici knowledge ref 85 --json
    """
    try:
        r = reference(number)
    except KeyError as exc:
        typer.echo(f"error: {exc.args[0]}", err=True)
        raise typer.Exit(2) from None
    if json_out:
        print_json(r.model_dump(mode="json"))
    else:
        typer.echo(f"[{r.number}] {r.raw}")
