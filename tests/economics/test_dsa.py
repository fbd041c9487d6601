"""One-way DSA: each run equals a base-case run with that parameter changed; tornado ordering."""

import numpy as np
import pytest

from lenvici.economics import load_model, run_dsa, run_model
from lenvici.errors import InputError
from tests.tolerances import SAME_ARITHMETIC_REL


def _with_value(model, name, value):
    data = model.model_dump()
    data["parameters"][name]["value"] = value
    return load_model(data)


def test_each_bar_equals_a_rerun(thr):
    res = run_dsa(thr)
    assert res.base == pytest.approx(run_model(thr).icers.row("np1").icer, rel=SAME_ARITHMETIC_REL)
    for row in res.rows:
        for value, got in ((row.low, row.low_outcome), (row.high, row.high_outcome)):
            again = run_model(_with_value(thr, row.parameter, value))
            assert got == pytest.approx(again.icers.row("np1").icer, rel=SAME_ARITHMETIC_REL)
    swings = [r.swing for r in res.rows]
    assert swings == sorted(swings, reverse=True)


def test_inmb_and_distribution_ranges(thr):
    res = run_dsa(thr, outcome="inmb", wtp=20000, from_distributions=True)
    names = {r.parameter for r in res.rows}
    assert {"omrPTHR", "c_revision", "u_successP"} <= names
    base = run_model(thr)
    expected = 20000 * (base.qaly[1] - base.qaly[0]) - (base.cost[1] - base.cost[0])
    assert res.base == pytest.approx(expected, rel=SAME_ARITHMETIC_REL)
    fig = res.plot()
    assert fig.axes and len(fig.axes[0].get_yticklabels()) == len(res.rows)


def test_dsa_errors(thr, hiv):
    with pytest.raises(InputError, match="wtp"):
        run_dsa(thr, outcome="inmb")
    with pytest.raises(InputError, match="outcome"):
        run_dsa(thr, outcome="qaly")
    with pytest.raises(InputError, match="comparator"):
        run_dsa(thr, comparator="np1")
    with pytest.raises(InputError, match="no range"):
        run_dsa(hiv, parameters=["cost_zido"])
    assert np.isfinite(run_dsa(hiv).base)
