"""Drawing a node's neighbourhood in the mechanisms graph (PNG or SVG, by the file's suffix)."""

from __future__ import annotations

from pathlib import Path

import networkx as nx

from lenvici.knowledge.mechanisms import MechanismGraph

__all__ = ["draw_neighbourhood"]

_KIND_COLOURS = {
    "gene": "#8ecae6", "protein": "#8ecae6", "ncrna": "#b5e48c", "drug": "#ffb703", "pathway": "#cdb4db",
    "cell-type": "#f4a261", "process": "#e9ecef", "phenotype": "#ffadad",
}
_SIGN_COLOURS = {1: "#2a9d8f", -1: "#d62828", 0: "#6c757d"}


def draw_neighbourhood(graph: MechanismGraph, name: str, path: str | Path, radius: int = 1):
    """Draw the nodes within ``radius`` edges of ``name``; green edges activate, red inhibit, grey unsigned.

    Returns the matplotlib figure (already saved to ``path``).
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    centre = graph.node(name).id
    sub = graph.subgraph(centre, radius)
    fig, ax = plt.subplots(figsize=(9, 7))
    others = [n for n in sub.nodes if n != centre]
    if radius == 1:
        pos = nx.shell_layout(sub, [[centre], others])  # the node in the middle, its neighbours around it
    else:
        pos = nx.spring_layout(sub, seed=7, k=1.2 / max(1, len(sub)) ** 0.3)
    colours = [_KIND_COLOURS.get(sub.nodes[n]["kind"], "#ffffff") for n in sub.nodes]
    sizes = [1600 if n == centre else 700 for n in sub.nodes]
    nx.draw_networkx_nodes(sub, pos, ax=ax, node_color=colours, node_size=sizes, edgecolors="#333333")
    nx.draw_networkx_labels(sub, pos, ax=ax, labels={n: sub.nodes[n]["label"] for n in sub.nodes}, font_size=7)
    for u, v, data in sub.edges(data=True):
        edge = data["edge"]
        nx.draw_networkx_edges(sub, pos, edgelist=[(u, v)], ax=ax, edge_color=_SIGN_COLOURS[edge.sign],
                               arrows=True, arrowsize=12, node_size=sizes[list(sub.nodes).index(v)],
                               connectionstyle="arc3,rad=0.08")
    ax.set_title(f"{graph.node(centre).label}: neighbourhood (radius {radius}, {sub.number_of_edges()} edges)")
    ax.axis("off")
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)
    return fig
