"""``validate``: the validation table together with the simulated trials behind it, and one progress count over
all trials and repeats. ``validation_table`` stays its rows."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import lenvici.sim.trials as sim_trials
from lenvici.errors import InputError
from lenvici.sim.trials import ArmResult, TrialResult
from lenvici.sim.validation import VALIDATION_TRIALS, Validation, validate, validation_table

REAL_RUN_TRIAL = sim_trials.run_trial


@pytest.fixture(scope="module")
def real_runs():
    """The real ``run_trial`` at 3 patients per arm, each (trial, n, seed) simulated once and remembered, so
    that ``validate`` and ``validation_table`` see the same simulations; yields the list of real runs."""
    cache: dict = {}
    runs = []

    def run_trial(protocol, n_per_arm=100, seed=0, **kw):
        key = (protocol.id, n_per_arm, seed)
        if key not in cache:
            runs.append(key)
            with warnings.catch_warnings():  # Cox at 3 patients per arm may not converge; not the point here
                warnings.simplefilter("ignore")
                cache[key] = REAL_RUN_TRIAL(protocol, n_per_arm, seed, **kw)
        return cache[key]

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(sim_trials, "run_trial", run_trial)
        yield runs


def test_validate_keeps_the_results_and_its_rows_are_the_table(real_runs):
    seen = []
    v = validate(3, 1, 0, progress=lambda done, total: seen.append((done, total)))
    assert isinstance(v, Validation) and list(v.results) == list(VALIDATION_TRIALS)
    assert real_runs == [(t, 3, 0) for t in VALIDATION_TRIALS]
    assert validation_table(3, 1, 0) == v.rows  # same simulations (remembered), same rows
    reflect = v.results["reflect"][0]
    assert isinstance(reflect, TrialResult) and reflect.seed == 0
    row = next(r for r in v.rows if (r["trial"], r["arm"], r["endpoint"]) == ("reflect", "Lenvatinib", "orr_recist"))
    assert row["simulated"] == next(a for a in reflect.arms if a.label == "Lenvatinib").orr_recist
    # patient-stages of the real run_trial: REFLECT 2 arms, KEYNOTE-524 1, LEAP-002 2, 3 patients each, every
    # patient once for its pre-treatment growth and once for its treatment
    total = 2 * 3 * (2 + 1 + 2)
    assert seen[-1] == (total, total) and {t for _, t in seen} == {total}
    assert [d for d, _ in seen] == sorted(d for d, _ in seen)
    assert len(seen) > len(VALIDATION_TRIALS)  # moves within a trial, not only between trials


def _fake(reports):
    """A stand-in ``run_trial`` whose progress reports are ``reports(total)``; records (trial, seed)."""
    calls = []

    def run_trial(protocol, n_per_arm=100, seed=0, *, progress=None, **kw):
        calls.append((protocol.id, seed))
        if progress is not None:
            for done, total in reports(2 * n_per_arm * len(protocol.arms)):
                progress(done, total)
        arms = [ArmResult(a.label, n_per_arm, 0.2, 0.3, 0.7, 5.0, None, 12.0, None) for a in protocol.arms]
        return TrialResult(protocol.id, seed, arms, [], {"arm": np.array([])})

    return run_trial, calls


def test_repeats_are_kept_in_seed_order_and_progress_spans_all_of_them(monkeypatch):
    run_trial, calls = _fake(lambda total: [(total // 4, total), (total, total)])
    monkeypatch.setattr(sim_trials, "run_trial", run_trial)
    seen = []
    v = validate(4, 3, 10, progress=lambda done, total: seen.append((done, total)))
    assert calls == [(t, s) for t in VALIDATION_TRIALS for s in (10, 11, 12)]
    assert {t: [r.seed for r in rs] for t, rs in v.results.items()} == {t: [10, 11, 12] for t in VALIDATION_TRIALS}
    assert all(r["reps"] == 3 for r in v.rows)
    total = 3 * 2 * 4 * (2 + 1 + 2)  # repeats x stages x patients per arm x arms
    assert seen[-1] == (total, total) and [d for d, _ in seen] == sorted(d for d, _ in seen)


def test_progress_stays_monotone_and_complete_whatever_a_run_reports(monkeypatch):
    """A run reporting another unit (1 x patients, as with a population passed in), a step back and no end."""
    run_trial, _ = _fake(lambda total: [(3, total // 2), (1, total // 2), (total // 4, total // 2)])
    monkeypatch.setattr(sim_trials, "run_trial", run_trial)
    seen = []
    validate(4, 2, 0, progress=lambda done, total: seen.append((done, total)))
    total = 2 * 2 * 4 * 5
    assert seen[-1] == (total, total) and [d for d, _ in seen] == sorted(d for d, _ in seen)
    assert all(0 <= d <= t == total for d, t in seen)


def test_no_listener_no_callback_and_bad_reps(monkeypatch):
    seen = []

    def run_trial(protocol, n_per_arm=100, seed=0, *, progress=None, **kw):
        seen.append(progress)
        return _fake(lambda total: [])[0](protocol, n_per_arm, seed)

    monkeypatch.setattr(sim_trials, "run_trial", run_trial)
    validate(4, 1, 0)
    assert seen == [None, None, None]
    with pytest.raises(InputError) as err:
        validate(4, 0, 0)
    assert err.value.field == "reps"
