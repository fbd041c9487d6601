"""The public surface of lenvici.sim.pk: __all__ matches the public names (STYLE §1), doctests run."""

from __future__ import annotations

import doctest
import importlib
import inspect

import pytest

PACKAGE = "lenvici.sim.pk"
MODULES = ["lenvici.sim.pk", "lenvici.sim.pk.dosing", "lenvici.sim.pk.simulate", "lenvici.sim.pk.molar"]


def test_all_matches_public_names():
    module = importlib.import_module(PACKAGE)
    public = {
        n for n, obj in vars(module).items()
        if not n.startswith("_") and not inspect.ismodule(obj)
        and (((inspect.isclass(obj) or inspect.isfunction(obj))
              and (obj.__module__ == PACKAGE or obj.__module__.startswith(PACKAGE + ".")))
             or (n.isupper() and not callable(obj)))
    }
    assert set(module.__all__) == public


@pytest.mark.parametrize("name", MODULES)
def test_doctests(name):
    result = doctest.testmod(importlib.import_module(name), optionflags=doctest.ELLIPSIS)
    assert result.failed == 0
