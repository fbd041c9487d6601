"""Shared fixtures: the shipped example models and small synthetic models built as mappings."""

from __future__ import annotations

from pathlib import Path

import pytest

from lenvici.economics import load_model

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "economics"


@pytest.fixture(scope="session")
def hiv():
    return load_model(EXAMPLES / "dmhee_hiv.yaml")


@pytest.fixture(scope="session")
def thr():
    return load_model(EXAMPLES / "dmhee_thr.yaml")


def psm_model(pfs: dict, os_: dict, cycles: int = 40, correction: str = "life-table", **settings) -> dict:
    """Three-state partitioned survival model with monthly cycles."""
    return {
        "name": "psm test",
        "type": "psm",
        "settings": {"cycle_length": "1 month", "cycles": cycles, "correction": correction, **settings},
        "states": [
            {"name": "pf", "costs": {"drug": 1000}, "utility": 0.8},
            {"name": "pd", "costs": {"care": 500}, "utility": 0.6},
            {"name": "dead", "alive": False},
        ],
        "curves": {"pfs": pfs, "os": os_},
        "partition": ["pfs", "os"],
        "strategies": {"only": {}},
    }
