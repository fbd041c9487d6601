"""The mechanisms graph: specific statements of the review as edges, and the graph queries."""

import json

import networkx as nx
import pytest

from lenvici.errors import InputError
from lenvici.knowledge import load_drugs, load_mechanisms


@pytest.fixture(scope="module")
def graph():
    return load_mechanisms()


def _has(graph, source, relation, target):
    return [n.edge for n in graph.neighbours(source, "out", relation) if n.node.id == graph.node(target).id]


@pytest.mark.parametrize(
    ("source", "relation", "target", "ref"),
    [
        # "Lenvatinib targets VEGFR1–3, FGFR1–4, PDGFR-α, c-Kit, and RET" [71]
        ("lenvatinib", "inhibits", "VEGFR2", 71),
        ("lenvatinib", "inhibits", "FGFR4", 71),
        # FGFR4 blockade lowers tumour PD-L1 and Treg differentiation [15]
        ("FGFR4", "upregulates", "PD-L1", 15),
        # EGFR activation → EGFR–STAT3–ABCB1 axis → resistance [175, 176]
        ("EGFR", "promotes-resistance", "lenvatinib", 175),
        # Erlotinib suppresses ABCB1 and reverses resistance [176]
        ("erlotinib", "reverses-resistance", "lenvatinib", 176),
        # KDM6A activates FGFR4 expression; high KDM6A → benefit [131]
        ("KDM6A", "upregulates", "FGFR4", 131),
    ],
)
def test_review_statements_are_edges(graph, source, relation, target, ref):
    edges = _has(graph, source, relation, target)
    assert edges, f"{source} --{relation}--> {target} missing"
    assert any(ref in e.refs for e in edges)


def test_lookup_by_synonym_and_case(graph):
    assert graph.node("pd-l1").id == graph.node("CD274").id
    with pytest.raises(InputError, match="no node named"):
        graph.node("not a node")


def test_path_from_lenvatinib_to_pd_l1_through_fgfr4(graph):
    paths = graph.paths("lenvatinib", "PD-L1", max_length=2)
    chains = {tuple(e.target for e in p) for p in paths}
    assert ("FGFR4", "PD-L1") in chains


def test_resistance_and_sensitivity_factors_point_at_lenvatinib(graph):
    resistance = graph.factors("promotes-resistance")
    sensitivity = graph.factors("increases-sensitivity")
    assert len(resistance) >= 20 and len(sensitivity) >= 15
    assert {e.target for e in resistance + sensitivity} == {"lenvatinib"}
    assert "EGFR" in {e.source for e in resistance}


def test_signs_follow_relations(graph):
    for e in graph.edges:
        assert e.sign == {"activates": 1, "upregulates": 1, "inhibits": -1, "downregulates": -1,
                          "promotes-resistance": -1, "increases-sensitivity": 1, "reverses-resistance": 1}.get(
            e.relation, 0)


def test_graphml_and_json_exports_round_trip(graph, tmp_path):
    path = tmp_path / "g.graphml"
    graph.write_graphml(path)
    back = nx.read_graphml(path)
    assert back.number_of_nodes() == len(graph.nodes)
    assert back.number_of_edges() == len(graph.edges)
    doc = json.loads(json.dumps(graph.to_json()))
    assert len(doc["edges"]) == len(graph.edges)


def test_lenvatinib_and_sorafenib_binding_types_and_targets():
    drugs = {d.id: d for d in load_drugs()}
    assert drugs["lenvatinib"].binding_type == "type V" and 6 in drugs["lenvatinib"].refs
    assert drugs["sorafenib"].binding_type == "type II"
    lenva_targets = {t.target for t in drugs["lenvatinib"].targets}
    assert {"VEGFR1", "VEGFR2", "VEGFR3", "FGFR1", "FGFR2", "FGFR3", "FGFR4", "PDGFRA", "KIT", "RET"} <= lenva_targets
    sora_targets = {t.target for t in drugs["sorafenib"].targets}
    assert not any(t.startswith("FGFR") for t in sora_targets)  # the review's key contrast [8]
    assert {t.target for t in drugs["cadonilimab"].targets} == {"PD-1", "CTLA-4"}
