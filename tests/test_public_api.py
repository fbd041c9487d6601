"""Each package's ``__all__`` lists exactly the public names it imports or defines (STYLE §1)."""

import importlib
import inspect

import pytest

PACKAGES = ["lenvici.sim.model", "lenvici.sim.solver", "lenvici.sim.pretreatment", "lenvici.knowledge", "lenvici.evidence", "lenvici.evidence.meta", "lenvici.clinical.staging", "lenvici.clinical.dosing", "lenvici.economics", "lenvici.clinical.response", "lenvici.survival", "lenvici.units", "lenvici.errors", "lenvici.provenance"]


@pytest.mark.parametrize("name", PACKAGES)
def test_all_matches_public_names(name):
    module = importlib.import_module(name)
    public = {
        n for n, obj in vars(module).items()
        if not n.startswith("_") and not inspect.ismodule(obj)
        and (
            ((inspect.isclass(obj) or inspect.isfunction(obj)) and (obj.__module__ == name or obj.__module__.startswith(name + ".")))
            or (n.isupper() and not callable(obj))  # module constants
        )
    }
    assert set(module.__all__) == public


def test_provenance_source_validates_and_cites():
    from lenvici.provenance import Source

    s = Source(refs=(76,), where="table1")
    assert s.citation() == "review ref [76], table1"
    with pytest.raises(ValueError):
        Source(refs=(250,), where="table1")
    with pytest.raises(ValueError):
        Source(refs=(1,), where="Table 1")
