"""The evidence store: atomic, idempotent builds; broken files abort with file, line and field named
and leave the previous store intact; queries return DESIGN §4's JSON shape."""

import json

import duckdb
import pytest

from lenvici.errors import CurationError
from lenvici.evidence import build_store, query_studies, summarise_by_class
from lenvici.knowledge import load_studies


@pytest.fixture
def store(tmp_path):
    return build_store(tmp_path / "ev.duckdb").path


def test_build_counts_every_curated_record(store):
    with duckdb.connect(str(store), read_only=True) as con:
        n_studies = con.execute("SELECT count(*) FROM studies").fetchone()[0]
        n_arms = con.execute("SELECT count(*) FROM arms").fetchone()[0]
        n_markers = con.execute("SELECT count(*) FROM biomarkers").fetchone()[0]
        n_refs = con.execute('SELECT count(*) FROM "references"').fetchone()[0]
    studies = load_studies()
    assert n_studies == len(studies)
    assert n_arms == sum(len(s.arms) for s in studies)
    assert (n_markers, n_refs) == (44, 249)


def test_rebuild_from_unchanged_data_is_a_no_op_and_force_rebuilds_the_same(store):
    again = build_store(store)
    assert not again.rebuilt
    before = query_studies(db_path=store)
    forced = build_store(store, force=True)
    assert forced.rebuilt
    assert query_studies(db_path=store) == before


def test_broken_file_aborts_naming_file_line_and_field_and_keeps_the_old_store(tmp_path, data_copy):
    db = tmp_path / "ev.duckdb"
    build_store(db, data_dir=data_copy)
    before = db.read_bytes()
    path = data_copy / "studies" / "table2.yaml"
    text = path.read_text(encoding="utf-8")
    lines = text.splitlines()
    # Break the first 'value:' of an ORR on purpose: 1.5 is not a fraction.
    index = next(i for i, line in enumerate(lines) if "value:" in line and "orr" in "".join(lines[max(0, i - 3):i + 1]))
    lines[index] = lines[index].split("value:")[0] + "value: 1.5" + (
        "," + lines[index].split("value:")[1].split(",", 1)[1] if "{" in lines[index] else "")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(CurationError) as info:
        build_store(db, data_dir=data_copy, force=True)
    message = str(info.value)
    assert f"table2.yaml:{index + 1}" in message
    assert "orr" in message and "value" in message
    assert db.read_bytes() == before
    assert not list(tmp_path.glob(".ev.duckdb.*"))


def test_invalid_yaml_is_reported_with_its_line(tmp_path, data_copy):
    path = data_copy / "biomarkers.yaml"
    path.write_text(path.read_text(encoding="utf-8") + "\n- row: [unclosed\n", encoding="utf-8")
    with pytest.raises(CurationError, match=r"biomarkers.yaml.*line \d+"):
        build_store(tmp_path / "x.duckdb", data_dir=data_copy)
    assert not (tmp_path / "x.duckdb").exists()


def test_studies_json_has_design_fields(store):
    found = query_studies(db_path=store)
    assert sum(1 for s in found if s["source"] in ("table1", "table2")) == 37
    for s in found:
        assert {"id", "ref", "source", "registration", "design", "population", "n_total", "arms"} <= set(s)
        for a in s["arms"]:
            assert {"label", "regimen", "n", "orr", "orr_criteria", "pfs_median_months", "os_median_months",
                    "os_median_not_reached", "regimen_class"} <= set(a)
    json.dumps(found, allow_nan=False)  # no NaN escapes


def test_filters(store):
    tace = query_studies(regimen_contains="tace", db_path=store)
    assert tace and all(any("tace" in a["regimen"] for a in s["arms"]) or "TACE" in (s["regimen_source"] or "").upper()
                        for s in tace)
    table1 = query_studies(source="table1", db_path=store)
    assert len(table1) == 12
    text = query_studies(source="text", db_path=store)
    assert all(s["source"].startswith("text:") for s in text)
    haic = query_studies(regimen_class="HAIC+LEN+ICI", db_path=store)
    assert haic and all(any(a["regimen_class"] == "HAIC+LEN+ICI" for a in s["arms"]) for s in haic)


def test_summary_by_class_covers_every_arm(store):
    rows = summarise_by_class(store)
    assert sum(r.n_arms for r in rows) == sum(len(s.arms) for s in load_studies())
    len_ici = next(r for r in rows if r.regimen_class == "LEN+ICI")
    lo, hi = len_ici.orr_range
    assert 0 < lo <= hi <= 1


def test_broken_csv_names_the_line_and_field(tmp_path, data_copy):
    path = data_copy / "mechanisms" / "edges.csv"
    with path.open("a", encoding="utf-8") as handle:
        handle.write("lenvatinib,NO-SUCH-NODE,inhibits,3,text:FGFR1-4,test edge\n")
    n_lines = len(path.read_text(encoding="utf-8").splitlines())
    with pytest.raises(CurationError, match=rf"edges.csv:{n_lines}.*'NO-SUCH-NODE' is not a node"):
        build_store(tmp_path / "x.duckdb", data_dir=data_copy)


def test_reference_out_of_range_in_a_study_is_rejected(tmp_path, data_copy):
    path = data_copy / "studies" / "table1.yaml"
    text = path.read_text(encoding="utf-8").replace("  ref: 76\n", "  ref: 760\n", 1)
    path.write_text(text, encoding="utf-8")
    with pytest.raises(CurationError, match=r"table1.yaml:\d+, record t1-r01-ref76, field 'ref'"):
        build_store(tmp_path / "x.duckdb", data_dir=data_copy)
