"""Contract and property tests over every registered score (STYLE §5: a contract test per family member).

Every registered score: a lower-case name, a source, a JSON-serialisable listing, and a reason unless it is
available. Every available score: its function takes exactly the names its spec declares, and on typical
inputs returns a :class:`ScoreResult` whose JSON has no NaN or infinity. Property tests (hypothesis): random
and extreme inputs give a valid result or an :class:`InputError` naming one of the score's inputs — never
another exception, never NaN or inf.
"""

from __future__ import annotations

import inspect
import json
import math

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lenvici.clinical.scores import ScoreResult, list_scores
from lenvici.clinical.scores._evaluate import accepted_names, evaluate_score
from lenvici.errors import InputError
from lenvici.units import ANALYTES

#: Typical inputs by name (shared names of DESIGN §4 and the score-specific ones), for the contract test.
TYPICAL: dict[str, object] = {
    "bilirubin": "0.8 mg/dL", "albumin": "3.9 g/dL", "inr": "1.1", "ascites": "none", "encephalopathy": "none",
    "crp": "0.2 mg/dL", "cholesterol": "170 mg/dL", "neutrophils": "3.2 10*9/L", "lymphocytes": "1.4 10*9/L",
    "platelets": "18 10*4/uL", "afp": "25 ng/mL", "pivka": "80 mAU/mL", "ggt": "60 U/L", "weight": "62 kg",
    "height": "165 cm", "sex": "male", "age": "74 a", "ecog": "0", "tumour_count": "2", "largest_tumour": "35 mm",
    "macrovascular_invasion": False, "extrahepatic_spread": False, "liver_function": "preserved",
    "muscle_area": "130 cm2", "grip_strength": "30 kg", "food_intake": "normal", "weight_loss": "none",
    "mobility": "goes-out", "neuropsychological": "none", "polypharmacy": False, "self_rated_health": "as-good",
    "prior_tace": False,
}
#: Optional inputs the typical case gives (a muscle-mass measure for the JSH criteria, sex for Lorentz).
EXTRA = {"sarcopenia-jsh": {"muscle_area": "130 cm2", "height": "170 cm"}, "gnri": {"sex": "female"},
         "smi": {"sex": "female"}}

ALL = list_scores()
AVAILABLE = [s for s in ALL if s.status == "available"]
OURS = {"child-pugh", "albi", "malbi", "ez-albi", "nlr", "plr", "car", "gps", "mgps", "conut", "pni", "gnri",
        "smi", "sarcopenia-jsh", "g8", "mg8"}


def test_the_standard_scores_are_all_registered():
    names = {s.name for s in ALL}
    assert OURS | {"albs"} <= names
    assert OURS <= {s.name for s in AVAILABLE}


@pytest.mark.parametrize("spec", ALL, ids=lambda s: s.name)
def test_every_spec_is_well_formed(spec):
    assert spec.name == spec.name.strip().lower() and " " not in spec.name
    assert spec.source.strip() and spec.title.strip()
    json.dumps(spec.to_dict(), allow_nan=False)
    if spec.status != "available":
        assert spec.reason and spec.function is None
    if spec.table3_row is not None:
        assert 1 <= spec.table3_row <= 44
    assert all(isinstance(r, int) and 1 <= r <= 300 for r in spec.review_refs)


@pytest.mark.parametrize("spec", AVAILABLE, ids=lambda s: s.name)
def test_function_signature_matches_the_spec(spec):
    params = inspect.signature(spec.function).parameters
    accepted = set(accepted_names(spec))
    assert set(spec.inputs) <= set(params), "every declared input is a parameter"
    assert set(params) <= accepted, "every parameter is declared (inputs, optional or options)"
    required = {n for n, p in params.items() if p.default is inspect.Parameter.empty}
    assert required <= set(spec.inputs), "a parameter without default is a declared input"


def _typical(spec) -> dict | None:
    values = {}
    for name in spec.inputs:
        if name in TYPICAL:
            values[name] = TYPICAL[name]
        elif name in spec.options:
            values[name] = spec.options[name][0]
        else:
            return None
    values.update(EXTRA.get(spec.name, {}))
    return values


def _check_result(result, spec) -> None:
    assert isinstance(result, ScoreResult)
    assert result.score == spec.name
    # DESIGN §4: value is a number or null (int or float, never bool, never NaN/inf)
    assert result.value is None or (isinstance(result.value, (int, float)) and not isinstance(result.value, bool)
                                    and math.isfinite(result.value))
    assert result.category is None or isinstance(result.category, str)
    assert result.source.strip()
    document = json.loads(json.dumps(result.to_dict(), allow_nan=False))
    assert set(document) == {"score", "value", "category", "components", "inputs", "source"}


@pytest.mark.parametrize("spec", AVAILABLE, ids=lambda s: s.name)
def test_typical_inputs_give_a_valid_result(spec):
    values = _typical(spec)
    if values is None:
        pytest.skip(f"no typical value for an input of {spec.name}: {spec.inputs}")
    _check_result(evaluate_score(spec.name, values), spec)


# ---------------------------------------------------------------------------------------- properties


def _strategy(name: str, spec) -> st.SearchStrategy:
    if name in ANALYTES:
        analyte = ANALYTES[name]
        units = st.sampled_from(list(analyte.factors))
        valid = st.builds(lambda v, u: f"{v / analyte.factors[u]!r} {u}",
                          st.floats(analyte.low, analyte.high, allow_nan=False), units)
        extreme = st.builds(lambda v, u: f"{v!r} {u}", st.floats(allow_nan=True, allow_infinity=True), units)
        junk = st.one_of(st.text(max_size=12), st.floats(), st.integers(), st.booleans(),
                         st.sampled_from(["1.0", "1 furlong", "x mg/dL", "-5 kg", "1e400 mg/dL"]))
        return st.one_of(valid, valid, valid, extreme, junk)
    if name in spec.options:
        return st.one_of(st.sampled_from(spec.options[name]), st.sampled_from(spec.options[name]),
                         st.text(max_size=10), st.integers(-1, 5), st.booleans())
    return st.one_of(st.booleans(), st.sampled_from(["true", "false", "yes", "no", "1", "0"]),
                     st.text(max_size=8), st.integers(-2, 3), st.floats())


@st.composite
def _inputs(draw, spec):
    values = {}
    for name in spec.inputs:
        if draw(st.integers(0, 30)) > 0:  # now and then leave a required input out
            values[name] = draw(_strategy(name, spec))
    for name in (*spec.optional, *(o for o in spec.options if o not in spec.inputs)):
        if draw(st.booleans()):
            values[name] = draw(_strategy(name, spec))
    return values


@pytest.mark.parametrize("spec", AVAILABLE, ids=lambda s: s.name)
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_random_inputs_give_a_result_or_an_input_error_naming_the_field(spec, data):
    values = data.draw(_inputs(spec))
    try:
        result = evaluate_score(spec.name, values)
    except InputError as exc:
        assert exc.field in accepted_names(spec), f"InputError must name one of the inputs; got {exc.field!r}"
        assert str(exc).strip()
    else:
        _check_result(result, spec)


@pytest.mark.parametrize("spec", [s for s in AVAILABLE if s.name in OURS], ids=lambda s: s.name)
@settings(max_examples=60, deadline=None)
@given(data=st.data())
def test_valid_inputs_always_give_a_result(spec, data):
    """The standard scores are defined over the whole physiological range (models such as LEP are not)."""
    values = _typical(spec)
    if values is None:
        pytest.skip(f"no typical value for an input of {spec.name}")
    for name in spec.inputs:
        if name in ANALYTES:
            analyte = ANALYTES[name]
            unit = data.draw(st.sampled_from(list(analyte.factors)))
            # stay a hair inside the range so the unit round trip cannot step outside it
            v = data.draw(st.floats(analyte.low, analyte.high * (1 - 1e-12), allow_nan=False))
            values[name] = f"{v / analyte.factors[unit]!r} {unit}"
    try:
        result = evaluate_score(spec.name, values)
    except InputError as exc:
        # the only domain restrictions beyond the physiological range: a zero denominator or log10(0), and
        # a denominator so small (5e-324) that the ratio would overflow
        assert "greater than 0" in str(exc) or "too small" in str(exc), str(exc)
    else:
        _check_result(result, spec)
