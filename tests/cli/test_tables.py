"""Human output of the commands: rich tables holding the expected values (read back from the text), while
``--json`` stays exactly one JSON document and no progress bar reaches a non-terminal."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from lenvici.cli import app
from tests.cli._tables import column, parse_tables, row_for, table_titled

REPO = Path(__file__).resolve().parents[2]
THR = REPO / "examples" / "economics" / "dmhee_thr.yaml"
LESIONS = REPO / "examples" / "lesions" / "example_lesions.csv"
BCG = REPO / "examples" / "meta" / "bcg.csv"

runner = CliRunner()


def invoke(*args: str):
    result = runner.invoke(app, [str(a) for a in args])
    assert result.exit_code == 0, result.output
    return result


def test_score_table_has_value_category_units_and_source():
    out = invoke("score", "albi", "--bilirubin", "1.2 mg/dL", "--albumin", "3.5 g/dL").stdout
    score = row_for(parse_tables(out)[0], "albi")
    # ALBI = 0.66 log10(bilirubin, umol/L) - 0.085 albumin (g/L) (Johnson et al., J Clin Oncol 2015;33:550):
    # 1.2 mg/dL = 20.5248 umol/L (x 17.104), 3.5 g/dL = 35 g/L -> 0.86610 - 2.975 = -2.1089, grade 2 (> -2.60).
    assert score == {"score": "albi", "value": "-2.1089", "category": "2", "source": "Johnson PJ 2015"}
    inputs = table_titled(out, "inputs")
    assert row_for(inputs, "bilirubin") == {"input": "bilirubin", "value": "20.52", "unit": "umol/L"}
    assert row_for(inputs, "albumin") == {"input": "albumin", "value": "35.00", "unit": "g/L"}
    assert "J Clin Oncol. 2015;33(6):550-558" in out


def test_score_list_is_one_table_row_per_score():
    out = invoke("score", "--list").stdout
    listed = json.loads(invoke("score", "--list", "--json").stdout)
    (table,) = parse_tables(out)
    assert column(table, "score") == [s["score"] for s in listed]
    assert row_for(table, "albi")["status"] == "available"


def test_evidence_summary_table_matches_the_json_document():
    doc = json.loads(invoke("evidence", "summary", "--json").stdout)
    (table,) = parse_tables(invoke("evidence", "summary").stdout)
    assert column(table, "regimen class") == [r["regimen_class"] for r in doc]
    assert column(table, "studies") == [str(r["n_studies"]) for r in doc]
    assert column(table, "arms") == [str(r["n_arms"]) for r in doc]


def test_studies_table_has_the_reflect_arms():
    table = table_titled(invoke("evidence", "studies", "--source", "text:REFLECT").stdout, "1 studies")
    # REFLECT (Kudo et al., Lancet 2018;391:1163): median OS 13.6 vs 12.3 months.
    assert column(table, "arm") == ["Lenvatinib", "Sorafenib"]
    assert column(table, "median OS, mo") == ["13.6", "12.3"]


def test_dose_table_follows_the_weight_threshold():
    out = invoke("dose", "lenvatinib", "--weight", "58 kg").stdout
    # LENVIMA US PI section 2.4: < 60 kg -> 8 mg once daily.
    (table,) = parse_tables(out)
    assert table["title"] == "Lenvatinib monotherapy, by actual body weight"
    assert column(table, "dose") == ["lenvatinib 8 mg once daily (level 0)"] and column(table, "route") == ["oral"]


def test_cea_tables_hold_the_published_icer():
    out = invoke("cea", "run", THR).stdout
    strategies = parse_tables(out)[0]
    assert strategies["header"] == ["strategy", "cost (GBP)", "QALY", "life-years"]
    icers = table_titled(out, "ICERs (base case)")
    # DMHEE THR model (Briggs et al. 2006, Example 3.5; heemod reproduces 2198.486665 GBP/QALY).
    assert row_for(icers, "np1") == {"strategy": "np1", "ICER (GBP/QALY)": "2,198.49", "status": "frontier"}
    assert row_for(icers, "standard")["status"] == "reference"


def test_cea_psa_tables():
    out = invoke("cea", "run", THR, "--psa", "30", "--seed", "1").stdout
    psa = table_titled(out, "PSA: 30 samples (seed 1)")
    assert column(psa, "strategy") == ["standard", "np1"]
    ceac = table_titled(out, "Cost-effectiveness acceptability")
    for row in ceac["rows"]:
        assert sum(float(x) for x in row[1:]) == pytest.approx(1.0, abs=0.011)


def test_response_table_per_patient_matches_the_json():
    doc = json.loads(invoke("response", "assess", "--data", LESIONS, "--json").stdout)
    out = invoke("response", "assess", "--data", LESIONS).stdout
    summary = table_titled(out, "recist1.1")
    for p in doc["patients"]:
        row = row_for(summary, p["patient"])
        assert row["best overall response"] == p["best_overall_response"]
        assert row["progression day"] == ("–" if p["progression_day"] is None else str(p["progression_day"]))
    visits = table_titled(out, "P03:")
    assert column(visits, "day") == [str(v["day"]) for v in doc["patients"][2]["visits"]]


def test_survival_km_table(tmp_path):
    data = tmp_path / "ipd.csv"
    data.write_text("time,event\n1,1\n2,1\n3,1\n4,1\n5,1\n")
    (table,) = parse_tables(invoke("survival", "km", "--data", data).stdout)
    # Five events at 1..5: S(t) = 0.8, 0.6, 0.4, … -> the median is 3, the first time S <= 0.5.
    row = row_for(table, "all")
    assert (row["n"], row["events"], row["median"]) == ("5", "5", "3.00")


def test_meta_pool_table():
    out = invoke("meta", "pool", "--data", BCG, "--measure", "RR", "--method", "DL").stdout
    assert out.startswith("MetaResult: Random-effects (DL)")
    (table,) = parse_tables(out)
    # metafor 4.x: rma(measure="RR", ai=tpos, bi=tneg, ci=cpos, di=cneg, data=dat.bcg, method="DL"):
    # estimate -0.7141, se 0.1787, tau^2 0.3088, exp(estimate) 0.4896 [0.3449, 0.6950].
    estimate = row_for(table, "estimate")
    assert (estimate["value"], estimate["se"]) == ("-0.7141", "0.1787")
    assert row_for(table, "tau^2")["value"] == "0.3088"
    back = row_for(table, "estimate (exp)")
    assert (back["value"], back["95% lower"], back["95% upper"]) == ("0.4896", "0.3449", "0.6950")


def test_knowledge_factors_table():
    doc = json.loads(invoke("knowledge", "factors", "resistance", "--json").stdout)
    (table,) = parse_tables(invoke("knowledge", "factors", "resistance").stdout)
    assert column(table, "factor") == [e["source"] for e in doc]


@pytest.mark.parametrize("args", [
    ("score", "albi", "--bilirubin", "1.2 mg/dL", "--albumin", "3.5 g/dL"),
    ("dose", "lenvatinib", "--weight", "72 kg"),
    ("evidence", "summary"),
    ("knowledge", "drugs"),
    ("cea", "run", str(THR), "--psa", "20", "--seed", "3"),
    ("response", "assess", "--data", str(LESIONS)),
    ("meta", "pool", "--data", str(BCG), "--measure", "OR", "--method", "REML"),
])
def test_json_is_one_document_with_nothing_on_stderr(args):
    result = invoke(*args, "--json")
    json.loads(result.stdout)  # exactly one document: anything more would not parse
    assert result.stderr == ""
    assert "╭" not in result.stdout
