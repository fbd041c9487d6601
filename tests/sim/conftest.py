"""Fixtures for the simulation tests: the HCC model, its parameters and pre-treatment states."""

from __future__ import annotations

import numpy as np
import pytest

from lenvici.sim.model import compile_model, hcc_model, load_parameters
from lenvici.sim.pretreatment import pretreatment_state


@pytest.fixture(scope="session")
def spec():
    return hcc_model()


@pytest.fixture(scope="session")
def compiled(spec):
    return compile_model(spec)


@pytest.fixture(scope="session")
def table():
    return load_parameters()


@pytest.fixture(scope="session")
def baseline(table):
    """Three reference patients with baseline RECIST diameters 60, 80 and 110 mm, grown untreated once."""
    params = table.array(3)
    pre = pretreatment_state(params, np.array([60.0, 80.0, 110.0]))
    assert np.all(pre.ok)
    return pre


@pytest.fixture
def rng():
    return np.random.default_rng(20240611)
