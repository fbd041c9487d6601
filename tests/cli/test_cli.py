"""The command line, through Typer's CliRunner: JSON contracts and the error contract (DESIGN §4)."""

import json

import pytest
from typer.testing import CliRunner

from lenvici.cli import app

runner = CliRunner()


def invoke(*args):
    return runner.invoke(app, list(args))


def test_evidence_studies_json_returns_all_table_rows_and_text_trials():
    result = invoke("evidence", "studies", "--json")
    assert result.exit_code == 0, result.output
    studies = json.loads(result.stdout)
    assert sum(s["source"] == "table1" for s in studies) == 12
    assert sum(s["source"] == "table2" for s in studies) == 25
    assert {"reflect", "leap-002", "keynote-524"} <= {s["id"] for s in studies}


def test_evidence_build_json_and_summary():
    result = invoke("evidence", "build", "--json")
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["counts"]["biomarkers"] == 44
    summary = invoke("evidence", "summary")
    assert summary.exit_code == 0 and "LEN+ICI" in summary.stdout


def test_knowledge_queries():
    out = invoke("knowledge", "neighbours", "lenvatinib", "--json")
    assert out.exit_code == 0, out.output
    doc = json.loads(out.stdout)
    assert doc["node"]["id"] == "lenvatinib" and doc["neighbours"]
    res = invoke("knowledge", "factors", "resistance", "--json")
    assert res.exit_code == 0 and json.loads(res.stdout)
    assert invoke("knowledge", "ref", "77").exit_code == 0


def test_unknown_node_is_exit_code_2_with_one_error_line():
    result = invoke("knowledge", "neighbours", "NOT-A-NODE")
    assert result.exit_code == 2
    assert result.stderr.startswith("error: ")
    assert len(result.stderr.strip().splitlines()) == 1


def test_reference_out_of_range_is_exit_code_2():
    result = invoke("knowledge", "ref", "250")
    assert result.exit_code == 2 and result.stderr.startswith("error: ")


@pytest.mark.parametrize("fmt", ["graphml", "json"])
def test_export_writes_a_readable_file(tmp_path, fmt):
    out = tmp_path / f"g.{fmt}"
    result = invoke("knowledge", "export", "--format", fmt, "--out", str(out))
    assert result.exit_code == 0, result.output
    assert out.stat().st_size > 1000
    assert not list(tmp_path.glob(".g.*"))


def test_draw_writes_png(tmp_path):
    out = tmp_path / "n.png"
    result = invoke("knowledge", "draw", "lenvatinib", "--out", str(out))
    assert result.exit_code == 0, result.output
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_demo_prints_the_summary_and_writes_the_report_with_km_curves(tmp_path):
    import re

    from tests.cli._tables import column, table_titled

    out = tmp_path / "out" / "report.html"
    result = invoke("demo", "--db", str(tmp_path / "d.duckdb"), "--out", str(out), "--trial-n", "40",
                    "--trial-reps", "1", "--psa", "100", "--seed", "11")
    assert result.exit_code == 0, result.output
    assert "regimen class" in result.stdout and "TACE+LEN+ICI" in result.stdout
    summary = table_titled(result.stdout, "lenvici demo: seed 11, 40 virtual patients per arm × 1 repeats, 100 PSA draws")
    assert column(summary, "stage") == ["evidence store", "evidence", "pooled analyses", "virtual trials",
                                        "example patient", "cost-effectiveness"]
    assert result.stdout.strip().splitlines()[-1] == f"report written: {out}"
    assert result.stderr == ""  # no progress bar off a terminal
    page = out.read_text(encoding="utf-8")
    for name in ("REFLECT", "KEYNOTE-524", "LEAP-002"):
        assert re.search(rf'<img alt="{name} \([^"]*Kaplan–Meier[^"]*40 patients per arm and seed 11', page), name
    assert "40 patients per arm, 1 repeat(s), seed 11" in page and "seed 11 for every random draw" in page


def test_notes_lists_the_flagged_review_errors():
    result = invoke("evidence", "notes", "--json", "--contains", "swap")
    assert result.exit_code == 0
    assert any(r["ref"] == 103 for r in json.loads(result.stdout))
