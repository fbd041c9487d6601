"""``lenvici meta``: ``pool`` against metafor's numbers (DESIGN §4), ``evidence`` JSON, and the error contract.

The reference values are the fixture's (``tests/data/metafor_reference.json``, written by
``validation/metafor/generate_reference.R``), e.g. for case ``bcg/OR/REML/z``:
``rma(escalc("OR", ai=ai, n1i=n1i, ci=ci, n2i=n2i), method="REML", test="z")`` and
``predict(res, transf=exp)``.
"""

from __future__ import annotations

import csv
import json
from functools import lru_cache
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from lenvici.cli import meta
from tests import tolerances as tol

ROOT = Path(__file__).resolve().parents[2]
FIXTURE = ROOT / "tests" / "data" / "metafor_reference.json"
EXAMPLES = ROOT / "examples" / "meta"
FIELDS = ("estimate", "se", "zval", "pval", "ci_lb", "ci_ub", "pi_lb", "pi_ub", "I2", "H2", "QE", "QEp")

# ``meta`` is not wired into ``lenvici.cli.app`` by this module; mount it the way the root app will.
_root = typer.Typer()
_root.add_typer(meta.app, name="meta")
runner = CliRunner()


def invoke(*args):
    return runner.invoke(_root, ["meta", *map(str, args)])


@lru_cache(maxsize=1)
def _reference() -> dict:
    return json.loads(FIXTURE.read_text())


def _case(case_id: str) -> dict:
    return next(c for c in _reference()["cases"] if c["id"] == case_id)


def _write_dataset(tmp_path: Path, name: str) -> Path:
    cols = _reference()["datasets"][name]["columns"]
    path = tmp_path / f"{name}.csv"
    with path.open("w", newline="") as fh:
        w = csv.writer(fh)
        names = list(cols)
        w.writerow(["study", *names])
        for i in range(len(cols[names[0]])):
            w.writerow([f"study {i + 1}", *(cols[c][i] for c in names)])
    return path


def _assert_matches(doc: dict, case: dict) -> None:
    ref, trans = case["result"], case["transformed"]
    assert doc["k"] == ref["k"]
    for name in FIELDS:
        if ref[name] is None:
            continue
        assert doc[name] == pytest.approx(ref[name], rel=tol.META_REL, abs=tol.META_ABS_ZERO), name
    assert doc["tau2"] == pytest.approx(ref["tau2"], abs=tol.TAU2_ITER_ABS)
    for name in ("estimate", "ci_lb", "ci_ub", "pi_lb", "pi_ub"):
        if trans[name] is not None:
            assert doc["transformed"][name] == pytest.approx(trans[name], rel=tol.META_REL), name


@pytest.mark.parametrize("case_id,extra", [("bcg/OR/REML/z", []), ("bcg/OR/REML/knha", ["--knha"])])
def test_pool_bcg_matches_metafor(tmp_path, case_id, extra):
    path = _write_dataset(tmp_path, "bcg")
    result = invoke("pool", "--data", path, "--measure", "OR", "--method", "REML", *extra, "--json")
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert (doc["measure"], doc["method"], doc["test"]) == ("OR", "REML", "knha" if extra else "z")
    _assert_matches(doc, _case(case_id))
    assert doc["transformed"]["transformation"] == "exp"
    assert doc["study"][0] == "study 1"


def test_example_bcg_file_is_dat_bcg(tmp_path):
    result = invoke("pool", "--data", EXAMPLES / "bcg.csv", "--measure", "or", "--method", "reml", "--json")
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    _assert_matches(doc, _case("bcg/OR/REML/z"))
    assert doc["study"][0] == "Aronson 1948"


@pytest.mark.parametrize("case_id", ["pritz1997/PFT/DL/z", "pritz1997/PLO/REML/knha"])
def test_pool_proportions_match_metafor(case_id):
    _, measure, method, test = case_id.split("/")
    args = ["pool", "--data", EXAMPLES / "pritz1997.csv", "--measure", measure, "--method", method, "--json"]
    result = invoke(*args, *(["--knha"] if test == "knha" else []))
    assert result.exit_code == 0, result.output
    _assert_matches(json.loads(result.stdout), _case(case_id))


def test_pool_generic_has_no_transformation_and_writes_plots(tmp_path):
    forest = tmp_path / "forest.svg"
    result = invoke("pool", "--data", EXAMPLES / "anti_pd1_os_loghr.csv", "--measure", "GEN", "--method", "EE",
                    "--forest", forest, "--funnel", tmp_path / "funnel.png", "--baujat", tmp_path / "b.png", "--json")
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert doc["transformed"] is None and doc["k"] == 3 and doc["tau2"] == 0
    assert forest.read_text().lstrip().startswith("<?xml")
    assert (tmp_path / "funnel.png").read_bytes()[:4] == b"\x89PNG"


def test_pool_text_output_is_the_result_repr():
    result = invoke("pool", "--data", EXAMPLES / "bcg.csv", "--measure", "OR", "--method", "DL")
    assert result.exit_code == 0 and result.stdout.startswith("MetaResult: Random-effects (DL)")


@pytest.mark.parametrize("content,measure,needle", [
    ("study,ai,n1i,ci\nA,1,10,2\n", "OR", "column 'n2i' is missing"),
    ("study,ai,n1i,ci,n2i\nA,1,10,2,10\nB,x,10,2,10\n", "OR", "line 3, column 'ai': 'x' is not a number"),
    ("study,ai,n1i,ci,n2i\nA,1,10,2,10\nB,-1,10,2,10\n", "OR", "line 3, column 'ai': counts must be >= 0"),
    ("xi,ni\n2,10\n3.5,10\n", "PLO", "line 3, column 'xi': counts must be whole numbers"),
    ("xi,ni\n12,10\n", "PR", "line 2, column 'xi'"),
    ("yi,vi\n0.1,0.02\n0.2,\n", "GEN", "line 3, column 'vi': the cell is empty"),
    ("yi,vi\n0.1,0.02\n0.2,-1\n", "GEN", "line 3, column 'vi': must be > 0"),
    ("study,xi,ni\n", "PLO", "no data rows"),
    ("xi,ni\n1,10\n", "XYZ", "'measure' must be one of"),
])
def test_bad_csv_is_one_error_line_and_exit_2(tmp_path, content, measure, needle):
    path = tmp_path / "bad.csv"
    path.write_text(content)
    result = invoke("pool", "--data", path, "--measure", measure, "--json")
    assert result.exit_code == 2
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and needle in lines[0], result.stderr


def test_pool_other_errors_exit_2(tmp_path):
    assert invoke("pool", "--data", tmp_path / "none.csv", "--measure", "OR", "--json").exit_code == 2
    bad_method = invoke("pool", "--data", EXAMPLES / "bcg.csv", "--measure", "OR", "--method", "XX", "--json")
    assert bad_method.exit_code == 2 and "method" in bad_method.stderr
    bad_plot = invoke("pool", "--data", EXAMPLES / "bcg.csv", "--measure", "OR", "--forest", tmp_path / "f.txt")
    assert bad_plot.exit_code == 2 and bad_plot.stderr.startswith("error: ")


@pytest.fixture(scope="module")
def db(tmp_path_factory):
    from lenvici.evidence import build_store

    path = tmp_path_factory.mktemp("store") / "evidence.duckdb"
    build_store(path)
    return path


def test_evidence_orr_by_class_json_and_forest(db, tmp_path):
    forest = tmp_path / "orr.png"
    result = invoke("evidence", "--endpoint", "orr", "--by", "regimen_class", "--forest", forest, "--db", db,
                    "--json")
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    groups = {g["group"]: g for g in doc["groups"]}
    assert groups["LEN+ICI"]["k"] >= 5 and groups["LEN+ICI"]["pooled"]["transformed"]["estimate"] > 0
    assert all(e["reason"] for g in doc["groups"] for e in g["excluded"])
    for key in ("estimator", "ci_method", "pi_method", "i2_definition"):
        assert doc[key]
    assert doc["forest"] == str(forest) and forest.read_bytes()[:4] == b"\x89PNG"


def test_evidence_compare_json(db):
    result = invoke("evidence", "--endpoint", "orr", "--compare", "TACE+LEN+ICI", "TACE+LEN",
                    "--assume-equal-arms", "--measure", "RR", "--db", db, "--json")
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert doc["compare"] == ["TACE+LEN+ICI", "TACE+LEN"] and doc["measure"] == "RR"
    (g,) = doc["groups"]
    assert g["k"] >= 5 and g["pooled"]["transformed"]["transformation"] == "exp"
    assert any("ASSUMPTION" in n for row in g["included"] for n in row["notes"])


def test_evidence_text_output_and_warning_when_nothing_to_plot(db, tmp_path):
    result = invoke("evidence", "--endpoint", "pfs_median", "--compare", "HAIC+LEN+ICI", "LEN+ICI",
                    "--forest", tmp_path / "x.svg", "--db", db)
    assert result.exit_code == 0, result.output
    assert "without a CI" in result.stdout
    assert result.stderr.startswith("warning: no forest plot written")
    assert not (tmp_path / "x.svg").exists()


@pytest.mark.parametrize("args,needle", [
    (["--endpoint", "survival"], "endpoint"),
    (["--endpoint", "orr", "--by", "study"], "'by'"),
    (["--endpoint", "orr", "--compare", "LEN", "NOPE"], "unknown regimen class"),
    (["--endpoint", "orr", "--criteria", "EASL"], "criteria"),
])
def test_evidence_errors_exit_2(db, args, needle):
    result = invoke("evidence", *args, "--db", db, "--json")
    assert result.exit_code == 2
    assert result.stderr.startswith("error: ") and needle in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
