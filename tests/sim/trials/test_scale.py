"""Virtual trials at scale: block-wise stages, progress, and Dask scale-out.

The reference for each equality is the same trial computed another way by the same code (unpartitioned,
in-process); a partitioned or distributed run must reproduce it bit for bit, because every random number is
drawn centrally and each patient is integrated on its own (the compiled engine). The equivalence of the
block-wise ``run_trial`` with the former all-at-once implementation was checked when it was restructured
(reflect 60/70 per arm, scheduling 40/64, KEYNOTE-524 20, LEAP-002 15: identical outputs).
"""

from __future__ import annotations

import sys

import numpy as np
import pytest

from lenvici.errors import InputError
from lenvici.sim.population import draw_population
from lenvici.sim.protocols import load_protocol
from lenvici.sim.runner import InProcessRunner, open_runner
from lenvici.sim.solver import AUTO_NUMBA_MIN_PATIENTS
from lenvici.sim.trials import TrialSettings, run_trial

N_ARM = AUTO_NUMBA_MIN_PATIENTS  # arms this large use the compiled per-patient engine, as every trial at scale


def _same(a, b) -> bool:
    return a.to_json() == b.to_json() and a.patients.keys() == b.patients.keys() and all(
        np.array_equal(a.patients[k], b.patients[k]) for k in a.patients)


@pytest.fixture(scope="module")
def scheduling_pop():
    """The scheduling protocol (arm 1 a constant exposure, arm 2 a StepExposure: the antibody starts on
    day 42) and a population of 2 x N_ARM."""
    p = load_protocol("scheduling")
    return p, draw_population(p, 2 * N_ARM, seed=4, typical=TrialSettings.calibrated().typical)


@pytest.fixture(scope="module")
def keynote_run():
    """KEYNOTE-524 (one arm), 7 patients, drawn here, treated in blocks of 3: (result, progress calls)."""
    calls: list[tuple[int, int]] = []
    res = run_trial("keynote-524", 7, seed=3, block_size=3, progress=lambda d, t: calls.append((d, t)))
    return res, calls


def test_block_size_changes_no_number(scheduling_pop):
    p, pop = scheduling_pop
    whole = run_trial(p, N_ARM, seed=4, population=pop)
    for bs in (7,):
        assert _same(whole, run_trial(p, N_ARM, seed=4, population=pop, block_size=bs)), bs


def test_population_drawn_here_is_the_one_passed_in(keynote_run):
    p = load_protocol("keynote-524")
    pop = draw_population(p, 7, seed=3, typical=TrialSettings.calibrated().typical)
    res, _ = keynote_run
    same_blocks = run_trial(p, 7, seed=3, population=pop, block_size=3)
    assert _same(res, same_blocks)


def test_progress_monotone_and_complete(keynote_run):
    _, calls = keynote_run
    done = [d for d, _ in calls]
    # 7 patients: pre-treatment growth (one batch) then treatment blocks of 3, 3, 1; 2 stages x 7
    assert {t for _, t in calls} == {14}
    assert done == sorted(done) and done[0] == 7 and done[-3:] == [10, 13, 14]


def test_progress_with_given_population_counts_treatment_only(scheduling_pop):
    p, pop = scheduling_pop
    calls: list[tuple[int, int]] = []
    run_trial(p, N_ARM, seed=4, population=pop, block_size=40, progress=lambda d, t: calls.append((d, t)))
    n = 2 * N_ARM
    assert calls == [(40, n), (N_ARM, n), (N_ARM + 40, n), (n, n)]   # each arm: 40 + (N_ARM - 40)


def test_scheduler_without_dask_names_the_extra(monkeypatch):
    monkeypatch.setitem(sys.modules, "distributed", None)   # makes `import distributed` fail
    with pytest.raises(InputError) as e:
        run_trial("reflect", 5, seed=0, scheduler="local")
    assert e.value.field == "scheduler" and "lenvici[dask]" in str(e.value)


def test_bad_block_size_and_scheduler():
    with pytest.raises(InputError) as e:
        run_trial("reflect", 5, block_size=0)
    assert e.value.field == "block_size"
    pytest.importorskip("distributed")
    with pytest.raises(InputError) as e:
        run_trial("reflect", 5, scheduler=" ")
    assert e.value.field == "scheduler"


def test_in_process_runner_order_and_callbacks():
    seen: list[int] = []
    out = InProcessRunner().map(lambda s, b: s * b, [1, 2, 3], shared=10, on_done=seen.append)
    assert out == [10, 20, 30] and seen == [0, 1, 2]
    with open_runner(None) as r:
        assert isinstance(r, InProcessRunner)


def test_local_dask_cluster_equals_in_process(keynote_run):
    """Population growth and treatment blocks as tasks on a LocalCluster of processes (a few seconds, mostly
    the workers' start-up and imports)."""
    pytest.importorskip("distributed")
    res, calls = keynote_run
    got: list[tuple[int, int]] = []
    local = run_trial("keynote-524", 7, seed=3, block_size=3, scheduler="local",
                      progress=lambda d, t: got.append((d, t)))
    assert _same(res, local)
    done = [d for d, _ in got]
    assert len(got) == len(calls) and done == sorted(done) and got[-1] == (14, 14)
