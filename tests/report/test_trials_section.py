"""The report's virtual-trials section: the validation table beside each trial's Kaplan–Meier figure, with N
and the seed stated, and every trial simulated once per repeat (the curves reuse the table's first repeat).
``run_trial`` is replaced by a recording stand-in here (the demo test runs the real one); the table itself is
built by the real :func:`lenvici.sim.validation.validate` from the stand-in's results."""

from __future__ import annotations

import re

import numpy as np
import pytest

import lenvici.sim.trials as sim_trials
from lenvici.report.sections import trials_section
from lenvici.sim.trials import ArmResult, TrialResult

TRIALS = ("reflect", "keynote-524", "leap-002")


def _result(protocol, n: int, seed: int) -> TrialResult:
    """Exponential survival per arm (medians about 12 and 9 months), events for every patient."""
    rng = np.random.default_rng(seed)
    labels = np.repeat([a.label for a in protocol.arms], n)
    scale = np.where(labels == protocol.arms[0].label, 12.0, 9.0) / np.log(2)
    os_m = rng.exponential(scale)
    arms = [ArmResult(a.label, n, 0.2, 0.3, 0.7, 5.0, (4.0, 6.0), 12.0, (10.0, 14.0)) for a in protocol.arms]
    patients = {"arm": labels, "os_months": os_m, "os_event": np.ones(labels.size, bool), "pfs_months": os_m / 2,
                "pfs_event": np.ones(labels.size, bool), "failed": np.zeros(labels.size, bool)}
    return TrialResult(protocol.id, seed, arms, [], patients)


@pytest.fixture
def simulated(monkeypatch):
    """The calls of the stand-in ``run_trial`` as ``(trial, n_per_arm, seed)``; it reports its progress in
    patient-stages as the real one does (pre-treatment growth, then treatment)."""
    runs = []

    def run_trial(protocol, n_per_arm=100, seed=0, *, progress=None, scheduler=None):
        runs.append((protocol.id, n_per_arm, seed))
        total = 2 * n_per_arm * len(protocol.arms)
        if progress is not None:
            progress(total // 2, total)
            progress(total, total)
        return _result(protocol, n_per_arm, seed)

    monkeypatch.setattr(sim_trials, "run_trial", run_trial)
    return runs


def _verdicts(body: str) -> tuple[int, int]:
    return body.count('<span class="hit">inside</span>'), body.count('<span class="miss">outside</span>')


def test_each_trial_is_simulated_once_and_has_its_km_figure_beside_the_table(simulated):
    seen = []
    section = trials_section(12, 1, 7, progress=lambda done, total: seen.append((done, total)))
    assert simulated == [(t, 12, 7) for t in TRIALS]  # once each: the curves reuse the table's simulation
    body = section.body
    assert body.index("<table>") < body.index("<img")  # the figures follow the validation table
    images = re.findall(r'<img alt="([^"]*)" src="data:image/png;base64,', body)
    assert len(images) == 3
    for name, alt in zip(("REFLECT", "KEYNOTE-524", "LEAP-002"), images):
        assert alt.startswith(name) and "Kaplan–Meier" in alt and "12 patients per arm" in alt and "seed 7" in alt
    assert "12 patients per arm" in body and "seed 7" in body
    inside, outside = _verdicts(body)
    assert inside + outside > 0
    assert f"{inside} of {inside + outside} endpoints" in body
    assert section.summary.startswith(f"{inside} of {inside + outside} endpoints")
    # patient-stages: REFLECT 2 arms, KEYNOTE-524 1, LEAP-002 2, 12 patients each, every patient counted twice
    total = 2 * 12 * (2 + 1 + 2)
    assert seen[-1] == (total, total)
    assert [d for d, _ in seen] == sorted(d for d, _ in seen) and {t for _, t in seen} == {total}


def test_repeats_are_simulated_once_each_and_the_curves_are_the_first(simulated):
    body = trials_section(12, 2, 7).body
    assert sorted(simulated) == sorted((t, 12, s) for t in TRIALS for s in (7, 8))
    images = re.findall(r'<img alt="([^"]*)"', body)
    assert len(images) == 3 and all("seed 7" in alt and "seed 8" not in alt for alt in images)
    assert "2 repeat(s), seed 7" in body


def test_published_n_is_stated_when_n_is_not_given(simulated):
    body = trials_section(None, 1, 0).body
    # the smallest randomised arm of each publication: REFLECT 476 sorafenib (Kudo et al., Lancet 2018),
    # KEYNOTE-524 100 (Finn et al., J Clin Oncol 2020), LEAP-002 395 combination (Llovet et al., Lancet Oncol 2023)
    assert "each trial's published N per arm (reflect 476, keynote-524 100, leap-002 395)" in body
    assert simulated == [("reflect", 476, 0), ("keynote-524", 100, 0), ("leap-002", 395, 0)]
    assert len(re.findall(r"<img ", body)) == 3
