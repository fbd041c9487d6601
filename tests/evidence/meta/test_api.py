"""``lenvici.evidence.meta.__all__`` lists exactly its public names (STYLE §1), and every estimator is in
both paths."""

import inspect

import lenvici.evidence.meta as meta
from lenvici.evidence.meta import METHODS
from lenvici.evidence.meta.tau2 import _ESTIMATORS


def test_all_matches_public_names():
    name = meta.__name__
    public = {
        n for n, obj in vars(meta).items()
        if not n.startswith("_") and not inspect.ismodule(obj)
        and (((inspect.isclass(obj) or inspect.isfunction(obj)) and obj.__module__.startswith(name))
             or (n.isupper() and not callable(obj)))
    }
    assert set(meta.__all__) == public


def test_every_method_has_an_estimator():
    assert set(_ESTIMATORS) == set(METHODS)
