"""The survival package's public surface: ``__all__`` matches its names, the layer order holds, and
the docstring examples run."""

from __future__ import annotations

import ast
import doctest
import importlib
import inspect
import pkgutil
from pathlib import Path

import pytest

import lenvici.survival as survival

MODULES = sorted(m.name for m in pkgutil.iter_modules(survival.__path__))


def test_all_matches_public_names():
    public = {
        n for n, obj in vars(survival).items()
        if not n.startswith("_") and not inspect.ismodule(obj)
        and (
            ((inspect.isclass(obj) or inspect.isfunction(obj)) and obj.__module__.startswith("lenvici.survival"))
            or (n.isupper() and not callable(obj))
        )
    }
    assert set(survival.__all__) == public
    assert len(survival.__all__) == len(set(survival.__all__))


@pytest.mark.parametrize("module", MODULES)
def test_survival_imports_only_the_base_layer(module):
    """DESIGN §1: survival imports only errors, units, provenance (and the base helper _atomic)."""
    allowed = ("lenvici.errors", "lenvici.units", "lenvici.provenance", "lenvici._atomic", "lenvici.survival")
    source = Path(survival.__path__[0], f"{module}.py").read_text()
    for node in ast.walk(ast.parse(source)):
        names = []
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module:
            names = [node.module]
        for name in names:
            if name == "lenvici" or name.startswith("lenvici."):
                assert name.startswith(allowed), f"{module} imports {name}"


@pytest.mark.parametrize("module", MODULES)
def test_docstring_examples_run(module):
    mod = importlib.import_module(f"lenvici.survival.{module}")
    result = doctest.testmod(mod, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert result.failed == 0
