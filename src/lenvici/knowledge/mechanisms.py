"""The review's mechanisms graph: signed, typed, referenced edges between genes, drugs, cells, processes.

Nodes and edges are curated in ``data/mechanisms/nodes.csv`` and ``edges.csv`` (format in
``docs/data-format.md``). :class:`MechanismGraph` answers the questions a reader of the review asks:
what does a node act on and what acts on it, how two nodes are connected, which factors promote
resistance to or increase sensitivity to lenvatinib; it exports GraphML and JSON and draws a node's
neighbourhood.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import networkx as nx

from lenvici.errors import CurationError, InputError
from lenvici.knowledge._files import default_data_dir, read_csv_records
from lenvici.knowledge.schema import Edge, Node

__all__ = ["MechanismGraph", "load_mechanisms", "Neighbour"]


@dataclass(frozen=True)
class Neighbour:
    """One edge seen from a node: the other end, the direction and the edge itself."""

    node: Node
    direction: str  # "out" (node → other) or "in" (other → node)
    edge: Edge


class MechanismGraph:
    """Query interface over the curated mechanisms graph (a :class:`networkx.MultiDiGraph` inside)."""

    def __init__(self, nodes: tuple[Node, ...], edges: tuple[Edge, ...]):
        self.nodes = nodes
        self.edges = edges
        self._by_id = {n.id: n for n in nodes}
        self._lookup: dict[str, str] = {}
        for n in nodes:
            for name in (n.id, n.label, *n.synonyms):
                self._lookup.setdefault(name.casefold(), n.id)
        self.graph = nx.MultiDiGraph()
        for n in nodes:
            self.graph.add_node(n.id, label=n.label, kind=n.kind)
        for e in edges:
            self.graph.add_edge(e.source, e.target, key=e.relation, edge=e)

    def __repr__(self) -> str:
        return f"MechanismGraph({len(self.nodes)} nodes, {len(self.edges)} edges)"

    def node(self, name: str) -> Node:
        """The node with this id, label or synonym (case-insensitive)."""
        node_id = self._lookup.get(name.strip().casefold())
        if node_id is None:
            close = sorted(k for k in self._by_id if name.strip().casefold() in k.casefold())[:8]
            hint = f"; did you mean {', '.join(close)}?" if close else ""
            raise InputError(f"no node named {name!r} in the mechanisms graph{hint}", "node")
        return self._by_id[node_id]

    def neighbours(self, name: str, direction: str = "both", relation: str | None = None) -> list[Neighbour]:
        """Edges leaving (``out``), entering (``in``) or touching (``both``) a node, optionally of one relation."""
        if direction not in ("in", "out", "both"):
            raise InputError(f"direction must be in, out or both; got {direction!r}", "direction")
        node = self.node(name)
        found: list[Neighbour] = []
        if direction in ("out", "both"):
            for _, other, data in self.graph.out_edges(node.id, data=True):
                found.append(Neighbour(self._by_id[other], "out", data["edge"]))
        if direction in ("in", "both"):
            for other, _, data in self.graph.in_edges(node.id, data=True):
                found.append(Neighbour(self._by_id[other], "in", data["edge"]))
        if relation is not None:
            found = [n for n in found if n.edge.relation == relation]
        return found

    def paths(self, source: str, target: str, max_length: int = 4, limit: int = 50) -> list[list[Edge]]:
        """Directed paths (as edge lists) from ``source`` to ``target`` of at most ``max_length`` edges."""
        a, b = self.node(source).id, self.node(target).id
        simple = nx.DiGraph(self.graph)  # one edge per ordered pair is enough to enumerate node paths
        result: list[list[Edge]] = []
        for node_path in nx.all_simple_paths(simple, a, b, cutoff=max_length):
            for edges in self._expand(node_path):
                result.append(edges)
                if len(result) >= limit:
                    return result
        result.sort(key=len)
        return result

    def _expand(self, node_path: list[str]) -> Iterator[list[Edge]]:
        if len(node_path) < 2:
            yield []
            return
        first = [d["edge"] for d in self.graph.get_edge_data(node_path[0], node_path[1]).values()]
        for rest in self._expand(node_path[1:]):
            for e in first:
                yield [e, *rest]

    def factors(self, relation: str, drug: str = "lenvatinib") -> list[Edge]:
        """Edges of one relation pointing at ``drug`` — e.g. everything that promotes resistance to it."""
        return [n.edge for n in self.neighbours(drug, "in", relation)]

    def to_json(self) -> dict:
        """Node-link JSON: ``{"nodes": [...], "edges": [...]}`` with every field of the curated records."""
        return {
            "nodes": [n.model_dump(mode="json") for n in self.nodes],
            "edges": [{**e.model_dump(mode="json"), "sign": e.sign} for e in self.edges],
        }

    def write_graphml(self, path: str | Path) -> None:
        """Write GraphML (attributes flattened to strings; refs ``;``-separated)."""
        g = nx.MultiDiGraph()
        for n in self.nodes:
            g.add_node(n.id, label=n.label, kind=n.kind, synonyms=";".join(n.synonyms))
        for e in self.edges:
            g.add_edge(e.source, e.target, key=e.relation, relation=e.relation, sign=e.sign,
                       refs=";".join(map(str, e.refs)), where=e.where, note=e.note or "")
        nx.write_graphml(g, str(path))

    def subgraph(self, name: str, radius: int = 1) -> nx.MultiDiGraph:
        """The neighbourhood of a node up to ``radius`` edges away, ignoring direction."""
        centre = self.node(name).id
        return nx.ego_graph(self.graph, centre, radius=radius, undirected=True)


def load_mechanisms(data_dir: str | Path | None = None) -> MechanismGraph:
    """Load and check the mechanisms graph: every edge endpoint is a node, ids are unique."""
    folder = (Path(data_dir) if data_dir is not None else default_data_dir()) / "mechanisms"
    nodes = read_csv_records(folder / "nodes.csv", Node, list_fields={"synonyms": str})
    edges = read_csv_records(folder / "edges.csv", Edge, list_fields={"refs": int})
    ids = [n.id for n in nodes]
    if len(set(ids)) != len(ids):
        dup = sorted({i for i in ids if ids.count(i) > 1})
        raise CurationError(str(folder / "nodes.csv"), f"duplicate node ids: {', '.join(dup)}", field="id")
    known = set(ids)
    for line, e in enumerate(edges, start=2):
        for end in (e.source, e.target):
            if end not in known:
                raise CurationError(f"{folder / 'edges.csv'}:{line}", f"edge endpoint {end!r} is not a node",
                                    record=str(line), field="source" if end == e.source else "target")
    return MechanismGraph(nodes, edges)
