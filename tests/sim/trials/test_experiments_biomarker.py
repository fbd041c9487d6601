"""Predicted benefit of adding anti-PD-1 by baseline subgroup (FGF19 pathway, ALBI grade) on LEAP-002."""

import numpy as np
import pytest

from lenvici.sim.experiments import albi_grade, run_experiment
from lenvici.sim.population import draw_population
from lenvici.sim.protocols import load_protocol
from lenvici.sim.trials import TrialSettings


def test_albi_grade_cut_offs():
    # Johnson PJ et al. J Clin Oncol 2015: grade 1 <= -2.60 < grade 2 <= -1.39 < grade 3
    assert albi_grade([-3.1, -2.60, -2.59, -1.39, -1.38]).tolist() == [1, 1, 2, 2, 3]


def test_biomarker_subgroups_partition_the_shared_population():
    p = load_protocol("leap-002")
    pop = draw_population(p, 40, 8, typical=TrialSettings.calibrated().typical)
    out = run_experiment("biomarker", 20, seed=8, population=pop)
    sub = out["subgroups"]
    grade = albi_grade(pop.covariates["albi"])
    for key, groups, expected in (("fgf19", ("fgf19_high", "fgf19_low"), pop.n),
                                  ("albi", ("albi_grade_1", "albi_grade_2"), int(np.sum(grade <= 2)))):
        total = sum(sub[key][g]["n"]["treated"] + sub[key][g]["n"]["control"] for g in groups)
        assert total == expected
        for g in groups:
            s = sub[key][g]
            assert s["hr_os"]["ci"][0] < s["hr_os"]["hr"] < s["hr_os"]["ci"][1]
            lo, hi = s["orr_difference_ci"]
            assert lo <= s["orr_difference"] <= hi
            assert s["orr_difference"] == pytest.approx(s["orr_recist"]["treated"] - s["orr_recist"]["control"],
                                                         abs=1e-3)
        inter = sub[key]["interaction"]
        assert inter["os"]["ci"][0] < inter["os"]["hr_ratio"] < inter["os"]["ci"][1]
    assert sub["albi"]["n_grade_3_excluded"] == int(np.sum(grade == 3))
    # fgf19 median split of the population's parameter
    assert sub["fgf19"]["fgf19_high"]["n"]["treated"] + sub["fgf19"]["fgf19_high"]["n"]["control"] == pop.n // 2
    assert out["arms"]["lenvatinib_pembrolizumab"]["n"] == 20
