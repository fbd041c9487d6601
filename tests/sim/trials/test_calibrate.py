import pytest
import yaml

from lenvici.errors import InputError
from lenvici.sim.calibrate import TARGETS_FILE, load_targets, objective


def test_targets_are_calibration_trials_only():
    t = load_targets()
    assert set(t["trials"]) == {"reflect", "keynote-524"}
    assert 2 <= len(t["parameters"]) <= 4
    assert set(t["trials"]["reflect"]["arms"]) == {"Lenvatinib", "Sorafenib"}


def test_leap002_refused_as_target(tmp_path):
    d = yaml.safe_load(TARGETS_FILE.read_text(encoding="utf-8"))
    d["trials"]["leap-002"] = {"source": "x", "arms": {}}
    p = tmp_path / "t.yaml"
    p.write_text(yaml.safe_dump(d))
    with pytest.raises(InputError):
        load_targets(p)


def test_objective_runs_on_a_tiny_trial():
    t = load_targets()
    t["trials"] = {"keynote-524": t["trials"]["keynote-524"]}
    val, res = objective({}, t, n_per_arm=10, seed=1)
    assert val >= 0 and len(res) == 4
