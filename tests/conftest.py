"""Shared fixtures: an isolated store path per test, and a writable copy of the curated data."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from lenvici.knowledge._files import default_data_dir


@pytest.fixture(autouse=True)
def _isolated_store(tmp_path, monkeypatch):
    """No test touches the user's real store: $LENVICI_DB points into the test's tmp dir."""
    monkeypatch.setenv("LENVICI_DB", str(tmp_path / "store" / "evidence.duckdb"))


@pytest.fixture
def data_copy(tmp_path) -> Path:
    """A writable copy of the shipped curated data, for tests that break a file on purpose."""
    target = tmp_path / "data"
    shutil.copytree(default_data_dir(), target)
    return target
