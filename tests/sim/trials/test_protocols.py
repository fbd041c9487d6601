import numpy as np
import pytest

from lenvici.sim.protocols import Protocol, available_protocols, load_protocol


def test_shipped_protocols_load():
    assert set(available_protocols()) >= {"reflect", "keynote-524", "leap-002"}
    for name in ("reflect", "keynote-524", "leap-002"):
        p = load_protocol(name)
        assert p.arms and all(a.components for a in p.arms)
        assert p.cutoff_days > p.follow_up.accrual_months * 30


def test_imaging_schedules_follow_the_publications():
    assert np.all(np.diff(load_protocol("reflect").imaging_days(400)) == 56)
    assert np.all(np.diff(load_protocol("keynote-524").imaging_days(400)) == 42)
    leap = load_protocol("leap-002").imaging_days(600)
    assert 378.0 in leap and 441.0 in leap and 420.0 not in leap   # q6w to week 54, then q9w


def test_weight_based_lenvatinib_dose():
    comp = load_protocol("reflect").arm("Lenvatinib").components[0]
    np.testing.assert_array_equal(comp.dose([59.9, 60.0, 80.0]), [8.0, 12.0, 12.0])


def test_assumption_needs_rationale():
    raw = load_protocol("reflect").model_dump()
    raw["baseline"]["albi_mean"] = {"value": -2.6, "status": "assumption"}
    with pytest.raises(ValueError):
        Protocol.model_validate(raw)
