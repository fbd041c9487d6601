"""``lenvici cea`` through Typer's CliRunner: the JSON contract and the error contract (DESIGN §4).

The sub-app is tested on its own (``lenvici.cli.cea.app``); the main app mounts it as ``cea``.
"""

import json

import pytest
from typer.testing import CliRunner

from lenvici.cli.cea import app, parse_wtp
from lenvici.errors import InputError
from tests.economics.conftest import EXAMPLES
from tests.tolerances import HEEMOD_PARITY_REL

runner = CliRunner()
HIV = str(EXAMPLES / "dmhee_hiv.yaml")
THR = str(EXAMPLES / "dmhee_thr.yaml")


def invoke(*args):
    return runner.invoke(app, list(args))


def test_run_json_contract():
    r = invoke("run", HIV, "--json")
    assert r.exit_code == 0, r.output
    doc = json.loads(r.stdout)
    assert [s["name"] for s in doc["strategies"]] == ["monotherapy", "combination"]
    assert set(doc["strategies"][0]) == {"name", "cost", "qaly", "ly"}
    assert doc["strategies"][0]["cost"] == pytest.approx(44663.4535637, rel=HEEMOD_PARITY_REL)
    assert doc["icers"] == [{"strategy": "monotherapy", "icer": None, "status": "reference"},
                            {"strategy": "combination", "icer": pytest.approx(6275.9556, rel=HEEMOD_PARITY_REL),
                             "status": "frontier"}]
    assert "ceac" not in doc


def test_run_psa_json_has_ceac(tmp_path):
    r = invoke("run", THR, "--psa", "200", "--seed", "7", "--wtp", "0:10000:2500", "--json",
               "--plot-dir", str(tmp_path))
    assert r.exit_code == 0, r.output
    doc = json.loads(r.stdout)
    assert [p["wtp"] for p in doc["ceac"]] == [0, 2500, 5000, 7500, 10000]
    for p in doc["ceac"]:
        assert set(p) == {"wtp", "standard", "np1"}
        assert p["standard"] + p["np1"] == pytest.approx(1.0)
    again = json.loads(invoke("run", THR, "--psa", "200", "--seed", "7", "--wtp", "0:10000:2500", "--json").stdout)
    assert again["ceac"] == doc["ceac"]
    assert {p.split("/")[-1] for p in doc["plots"]} == {"frontier.png", "trace.png", "ce_plane.png", "ceac.png",
                                                        "evpi.png"}
    assert all((tmp_path / n).stat().st_size > 0 for n in ("ceac.png", "ce_plane.png"))


def test_run_text_and_dsa(tmp_path):
    r = invoke("run", THR)
    assert r.exit_code == 0 and "reference" in r.stdout and "np1" in r.stdout
    d = invoke("dsa", THR, "--json", "--plot-dir", str(tmp_path))
    assert d.exit_code == 0, d.output
    doc = json.loads(d.stdout)
    assert doc["outcome"] == "icer" and doc["parameters"][0]["parameter"] == "c_revision"
    assert (tmp_path / "tornado.png").exists()


@pytest.mark.parametrize("content, field", [
    ("name: x\ntype: markov\nsettings: {cycles: 0}\nstates: []\nstrategies: {}\n", "settings.cycles"),
    ("name: [unclosed\n", "YAML"),
])
def test_invalid_model_is_one_line_on_stderr_exit_2(tmp_path, content, field):
    bad = tmp_path / "bad.yaml"
    bad.write_text(content)
    r = invoke("run", str(bad), "--json")
    assert r.exit_code == 2
    assert r.stdout == ""
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and field in lines[0]


def test_missing_file_and_bad_wtp(tmp_path):
    r = invoke("run", str(tmp_path / "none.yaml"))
    assert r.exit_code == 2 and r.stderr.startswith("error: ")
    r = invoke("run", HIV, "--psa", "10", "--wtp", "a,b")
    assert r.exit_code == 2 and "--wtp" in r.stderr


def test_parse_wtp():
    assert parse_wtp("0, 100,200") == [0.0, 100.0, 200.0]
    assert parse_wtp("0:1000:500") == [0.0, 500.0, 1000.0]
    assert parse_wtp(None) is None
    for bad in ("1:0:1", "0:10:-1", "-5", "x"):
        with pytest.raises(InputError):
            parse_wtp(bad)
