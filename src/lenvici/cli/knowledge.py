"""``lenvici knowledge``: the mechanisms graph, Table 3 biomarkers, drugs and references."""

from __future__ import annotations

import json
from enum import Enum
from pathlib import Path
from typing import Annotated, Optional

import typer

from lenvici._atomic import atomic_path
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
    """What a node acts on (out) and what acts on it (in), with references."""
    with errors_to_exit():
        graph = load_mechanisms()
        centre = graph.node(node)
        found = graph.neighbours(node, direction.value, relation)
    if json_out:
        print_json({"node": centre.model_dump(mode="json"),
                    "neighbours": [{"node": n.node.id, "label": n.node.label, "kind": n.node.kind,
                                    "direction": n.direction, "edge": _edge_json(n.edge)} for n in found]})
        return
    typer.echo(f"{centre.label} ({centre.kind}): {len(found)} edges")
    for n in found:
        e = n.edge
        arrow = f"{centre.label} --{e.relation}--> {n.node.label}" if n.direction == "out" \
            else f"{n.node.label} --{e.relation}--> {centre.label}"
        typer.echo(f"  {arrow}   [{', '.join(map(str, e.refs))}]")


@app.command()
def paths(source: str, target: str, max_length: int = typer.Option(4, min=1, max=8),
          json_out: JsonFlag = False) -> None:
    """Directed paths between two nodes (shortest first)."""
    with errors_to_exit():
        found = load_mechanisms().paths(source, target, max_length)
    if json_out:
        print_json({"source": source, "target": target, "paths": [[_edge_json(e) for e in p] for p in found]})
        return
    if not found:
        typer.echo(f"no path from {source} to {target} within {max_length} edges")
    for p in found:
        chain = p[0].source + "".join(f" --{e.relation}--> {e.target}" for e in p)
        refs = sorted({r for e in p for r in e.refs})
        typer.echo(f"{chain}   [{', '.join(map(str, refs))}]")


@app.command()
def factors(kind: Factor, drug: str = "lenvatinib", json_out: JsonFlag = False) -> None:
    """What promotes resistance to, increases sensitivity to, or reverses resistance to a drug."""
    with errors_to_exit():
        edges = load_mechanisms().factors(_FACTOR_RELATION[kind.value], drug)
    if json_out:
        print_json([_edge_json(e) for e in edges])
        return
    for e in edges:
        typer.echo(f"{e.source:<24} [{', '.join(map(str, e.refs))}]  {e.note or ''}")


class ExportFormat(str, Enum):
    graphml = "graphml"
    json = "json"


@app.command()
def export(out: Path = typer.Option(..., help="Output file."),
           format: ExportFormat = typer.Option(ExportFormat.graphml, help="graphml or json.")) -> None:
    """Export the mechanisms graph as GraphML or node-link JSON (written atomically)."""
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
    """Draw a node's neighbourhood (green: activates/upregulates, red: inhibits, grey: unsigned)."""
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
    """The review's Table 3: predictor molecules and predictive models/gradings."""
    with errors_to_exit():
        rows = load_biomarkers()
    if json_out:
        print_json([b.model_dump(mode="json") for b in rows])
        return
    for b in rows:
        typer.echo(f"{b.row:>2} {b.section:<19} {b.name_en[:55]:<55} {b.location or '':<9} {b.direction:<10} "
                   f"[{', '.join(map(str, b.refs))}]")


@app.command()
def drugs(json_out: JsonFlag = False) -> None:
    """Drugs the review names, with their targets."""
    with errors_to_exit():
        rows = load_drugs()
    if json_out:
        print_json([d.model_dump(mode="json") for d in rows])
        return
    for d in rows:
        typer.echo(f"{d.name:<14} {d.drug_class:<28} {', '.join(t.target for t in d.targets)}")


@app.command()
def ref(number: int, json_out: JsonFlag = False) -> None:
    """One of the review's 249 references."""
    try:
        r = reference(number)
    except KeyError as exc:
        typer.echo(f"error: {exc.args[0]}", err=True)
        raise typer.Exit(2) from None
    if json_out:
        print_json(r.model_dump(mode="json"))
    else:
        typer.echo(f"[{r.number}] {r.raw}")
