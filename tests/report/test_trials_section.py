"""The report's virtual-trials section: the validation table beside each trial's Kaplan–Meier figure, with N
and the seed stated. The simulations are replaced by stand-ins here (the demo test runs the real ones)."""

from __future__ import annotations

import re

import numpy as np
import pytest

import lenvici.sim.trials as sim_trials
import lenvici.sim.validation as sim_validation
from lenvici.report.sections import trials_section
from lenvici.sim.trials import ArmResult, TrialResult

TRIALS = ("reflect", "keynote-524", "leap-002")


def _result(protocol, n: int, seed: int) -> TrialResult:
    """Exponential survival per arm (medians about 12 and 9 months), events for every patient."""
    from lenvici.sim.protocols import load_protocol

    protocol = load_protocol(protocol) if isinstance(protocol, str) else protocol
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
    runs = []

    def run_trial(protocol, n_per_arm=100, seed=0, *, progress=None, scheduler=None):
        runs.append((protocol, n_per_arm, seed))
        if progress is not None:
            progress(n_per_arm, 2 * n_per_arm)
            progress(2 * n_per_arm, 2 * n_per_arm)
        return _result(protocol, n_per_arm, seed)

    def validation_table(n, reps, seed):
        return [{"trial": t, "role": "calibration", "arm": "Lenvatinib", "endpoint": "os_median_months",
                 "simulated": 13.0, "published": 13.6, "published_ci": [12.1, 14.9], "hit": i != 2,
                 "n_per_arm": n or 50} for i, t in enumerate(TRIALS)]

    monkeypatch.setattr(sim_trials, "run_trial", run_trial)
    monkeypatch.setattr(sim_validation, "validation_table", validation_table)
    return runs


def test_each_trial_has_its_km_figure_beside_the_table(simulated):
    seen = []
    section = trials_section(12, 1, 7, progress=lambda done, total: seen.append((done, total)))
    body = section.body
    assert body.index("<table>") < body.index("<img")  # the figures follow the validation table
    images = re.findall(r'<img alt="([^"]*)" src="data:image/png;base64,', body)
    assert len(images) == 3
    for name, alt in zip(("REFLECT", "KEYNOTE-524", "LEAP-002"), images):
        assert alt.startswith(name) and "Kaplan–Meier" in alt and "12 patients per arm" in alt and "seed 7" in alt
    assert simulated == [(t, 12, 7) for t in TRIALS]  # the table's first repeat: same N, same seed
    assert "12 patients per arm" in body and "seed 7" in body
    assert "2 of 3 endpoints" in body and section.summary.startswith("2 of 3 endpoints")
    assert seen and seen[-1] == (3000, 3000) and [d for d, _ in seen] == sorted(d for d, _ in seen)


def test_published_n_is_stated_when_n_is_not_given(simulated):
    body = trials_section(None, 1, 0).body
    assert "each trial's published N per arm (reflect 50, keynote-524 50, leap-002 50)" in body
    assert len(re.findall(r"<img ", body)) == 3
