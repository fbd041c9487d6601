"""The public surface of lenvici.clinical.response: __all__, result types, JSON shape and plots."""

import dataclasses
import importlib
import inspect
import json

import pytest

from lenvici.clinical.response import (
    ResponseAssessment,
    VisitResponse,
    assess,
    assess_patient,
    get_criteria,
    mrecist_criteria,
    plot_response,
    recist11_criteria,
)
from lenvici.errors import InputError
from tests.clinical.response.rows import new, series

MODULES = ["lenvici.clinical.response", "lenvici.clinical.response.lesions", "lenvici.clinical.response.recist",
           "lenvici.clinical.response.mrecist", "lenvici.clinical.response.best_response",
           "lenvici.clinical.response.criteria", "lenvici.clinical.response.result",
           "lenvici.clinical.response._assess", "lenvici.clinical.response.plot"]


@pytest.mark.parametrize("name", MODULES)
def test_all_matches_public_names(name):
    """STYLE §1: each __all__ lists exactly the public names. For the package, the rule of
    tests/test_public_api.py (functions, classes and constants); for a module, the functions and classes
    it defines (its constants may be imported from a sibling), and every listed name exists."""
    module = importlib.import_module(name)
    defined = {
        n for n, obj in vars(module).items()
        if not n.startswith("_") and (inspect.isclass(obj) or inspect.isfunction(obj))
        and (obj.__module__ == name or obj.__module__.startswith(name + "."))
    }
    assert all(hasattr(module, n) for n in module.__all__)
    if name == "lenvici.clinical.response":
        constants = {n for n, obj in vars(module).items() if n.isupper() and not callable(obj)}
        assert set(module.__all__) == defined | constants
    else:
        assert defined <= set(module.__all__)
        assert {n for n in module.__all__ if not n.isupper()} == defined


def _result():
    rows = (series("A", "T1", "liver", [50, 30, 32, 40], viable=[45, 20, 15, 30])
            + series("B", "T1", "lung", [40, 38, 36], days=(0, 56, 112)) + [new("B", 112, "L1", "bone")])
    return assess(rows, criteria="mrecist")


def test_results_are_frozen_and_json_serialisable():
    r = _result()
    v = r.patients[0].visits[1]
    assert isinstance(v, VisitResponse)
    with pytest.raises(dataclasses.FrozenInstanceError):
        v.category = "CR"  # type: ignore[misc]
    doc = json.loads(json.dumps(r.to_dict(), allow_nan=False))
    assert doc["patients"][1]["progression_day"] == 112
    assert r.summary().columns == ["patient", "best_overall_response", "progression_day", "n_visits", "best_change_pct"]
    assert r.visits_frame().height == 7
    # A: viable 45 → 20 (PR); B: SD on day 56 (≥ 42 days), PD on day 112 → ORR 1/2, DCR 2/2.
    assert r.rates() == {"orr": 0.5, "dcr": 1.0, "n": 2}


def test_assess_patient_and_criteria_objects():
    rows = series("A", "T1", "liver", [50, 30], days=(0, 56))
    assert assess_patient(rows).best_overall_response == "PR"
    with pytest.raises(InputError, match="one patient"):
        assess_patient(rows + series("B", "T1", "liver", [50], days=(0,)))
    strict = recist11_criteria(pr_decrease=0.5)
    assert assess(rows, criteria=strict).patients[0].visits[1].category == "SD"   # −40 % < 50 %
    assert get_criteria("mrecist") == mrecist_criteria()
    assert get_criteria(strict, pd_min_increase_mm=None) is strict


@pytest.mark.parametrize("kind", ["spider", "waterfall"])
def test_plots_draw_and_save(tmp_path, kind):
    r = _result()
    ax = r.plot(kind)
    path = tmp_path / f"{kind}.png"
    ax.figure.savefig(path)
    assert path.stat().st_size > 1000
    assert ax.get_ylabel().startswith("best change" if kind == "waterfall" else "change")
    with pytest.raises(InputError):
        plot_response(r, kind="pie")


def test_result_type_name():
    assert isinstance(_result(), ResponseAssessment)


def test_docstring_examples_run():
    """STYLE §4: the Examples sections are doctests that run."""
    import doctest

    module = importlib.import_module("lenvici.clinical.response._assess")

    failed, attempted = doctest.testmod(module, optionflags=doctest.ELLIPSIS)
    assert attempted >= 3 and failed == 0
