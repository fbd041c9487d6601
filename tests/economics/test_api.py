"""``lenvici.economics.__all__`` lists exactly its public names (STYLE §1); the layer imports only below it."""

import ast
import importlib
import inspect
from pathlib import Path

import lenvici.economics as econ

ALLOWED = {"lenvici.errors", "lenvici.units", "lenvici.provenance", "lenvici.survival", "lenvici.economics"}


def test_all_matches_public_names():
    public = {n for n, obj in vars(econ).items()
              if not n.startswith("_") and not inspect.ismodule(obj)
              and (inspect.isclass(obj) or inspect.isfunction(obj))
              and obj.__module__.startswith("lenvici.economics")}
    assert set(econ.__all__) == public
    for name in econ.__all__:
        assert getattr(econ, name) is not None


def test_economics_imports_only_the_base_and_survival():
    root = Path(econ.__file__).parent
    for path in root.glob("*.py"):
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            mods = []
            if isinstance(node, ast.ImportFrom) and node.module:
                mods = [node.module]
            elif isinstance(node, ast.Import):
                mods = [a.name for a in node.names]
            for m in mods:
                if m.startswith("lenvici"):
                    assert any(m == a or m.startswith(a + ".") for a in ALLOWED), (path.name, m)


def test_every_module_has_all():
    root = Path(econ.__file__).parent
    for path in root.glob("*.py"):
        if path.name.startswith("_"):
            continue
        mod = importlib.import_module(f"lenvici.economics.{path.stem}")
        for name in mod.__all__:
            assert hasattr(mod, name), (path.name, name)


def test_results_plot(thr):
    from lenvici.economics import run_model, run_psa

    base = run_model(thr)
    assert base.plot().axes and base.plot("trace").axes and base.icers.plot().axes
    psa = run_psa(thr, 50, seed=2)
    for kind in ("ce", "ceac", "evpi"):
        assert psa.plot(kind).axes
    assert "standard" in str(base) and "PSA" in str(psa)
    import matplotlib.pyplot as plt

    plt.close("all")
