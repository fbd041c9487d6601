"""Integrity of the curated data: every file validates against its schema, and the cross-record rules
that a schema cannot check hold (counts, references resolving, arm sizes adding up)."""

import pytest

from lenvici.knowledge import (
    load_biomarkers,
    load_drugs,
    load_mechanisms,
    load_references,
    load_studies,
    reference,
)
from lenvici.knowledge.regimen import regimen_class


@pytest.fixture(scope="module")
def studies():
    return load_studies()


def test_table1_has_12_rows_and_table2_25_rows_in_printed_order(studies):
    for where, count in (("table1", 12), ("table2", 25)):
        rows = [s.row for s in studies if s.where == where]
        assert rows == list(range(1, count + 1))


def test_text_trials_named_by_the_issue_are_present(studies):
    ids = {s.id for s in studies if s.where.startswith("text:")}
    wanted = {"sharp", "reflect", "keynote-524", "leap-002", "checkmate-040", "checkmate-459",
              "keynote-224", "keynote-240", "keynote-394", "himalaya", "text-ref78", "text-ref85", "text-ref86"}
    assert wanted <= ids


def test_every_study_has_an_arm_and_every_arm_a_regimen_class(studies):
    for s in studies:
        assert s.arms, s.id
        for a in s.arms:
            assert regimen_class(a.regimen), (s.id, a.label)


def test_arm_sizes_add_up_to_the_study_size_where_all_are_given(studies):
    checked = 0
    for s in studies:
        sizes = [a.n for a in s.arms]
        if s.n_total is not None and all(n is not None for n in sizes) and len(sizes) > 1:
            checked += 1
            noted = any("n" in note.lower() for note in s.notes)
            assert sum(sizes) == s.n_total or noted, (s.id, sizes, s.n_total)
    assert checked >= 5  # REFLECT, LEAP-002, SHARP, KEYNOTE-240, KEYNOTE-394 at least


def test_every_rate_is_a_fraction_and_keeps_its_printed_string(studies):
    for s in studies:
        for a in s.arms:
            for rate in (*a.orr, *a.dcr):
                assert 0.0 <= rate.value <= 1.0
                assert rate.source.strip()
            for median in (a.pfs_median, a.os_median, a.ttp_median):
                if median is not None:
                    assert median.source.strip()


def test_every_ref_resolves_to_a_printed_reference(studies):
    refs = load_references()
    assert len(refs) == 249
    used = {s.ref for s in studies}
    used |= {r for b in load_biomarkers() for r in b.refs}
    used |= {r for d in load_drugs() for r in d.refs}
    used |= {r for d in load_drugs() for t in d.targets for r in t.refs}
    used |= {r for e in load_mechanisms().edges for r in e.refs}
    for number in used:
        assert reference(number).raw.strip()


def test_references_are_complete_with_the_one_placeholder_flagged():
    refs = load_references()
    missing_year = [r.number for r in refs if r.year is None]
    # The review prints reference 119 as the placeholder "xxxx".
    assert missing_year == [119]
    assert reference(119).raw == "xxxx"


def test_table3_has_44_rows_22_per_section():
    rows = load_biomarkers()
    assert len(rows) == 44
    assert [b.section for b in rows] == ["predictor-molecule"] * 22 + ["model-grading"] * 22


def test_mechanisms_graph_is_large_and_connected_to_lenvatinib():
    graph = load_mechanisms()
    assert len(graph.edges) > 100
    assert graph.factors("promotes-resistance")
    assert graph.factors("increases-sensitivity")


def test_drugs_cover_every_agent_the_review_names():
    ids = {d.id for d in load_drugs()}
    named = {"lenvatinib", "sorafenib", "regorafenib", "pembrolizumab", "nivolumab", "sintilimab", "toripalimab",
             "tislelizumab", "camrelizumab", "atezolizumab", "durvalumab", "ipilimumab", "tremelimumab",
             "relatlimab", "cadonilimab", "bevacizumab"}
    assert named <= ids


def test_potencies_always_name_their_primary_source():
    for d in load_drugs():
        for t in d.targets:
            if t.potency is not None:
                assert t.potency.source_paper.strip(), (d.id, t.target)
