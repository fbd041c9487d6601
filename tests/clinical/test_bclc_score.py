"""BCLC as a registered score (``lenvici score bclc``): same stages as :mod:`lenvici.clinical.staging`.

Expected stages: Reig M, et al. J Hepatol 2022;76:681-693, Fig. 1.
"""

from __future__ import annotations

import json

import pytest

from lenvici.clinical.scores import ScoreResult, get_score, list_scores
from lenvici.errors import InputError


def test_bclc_is_registered_and_available():
    spec = get_score("bclc")
    assert spec.status == "available"
    assert spec.inputs == ("tumour_count", "largest_tumour", "macrovascular_invasion", "extrahepatic_spread",
                           "ecog", "liver_function")
    assert spec.options["liver_function"] == ("preserved", "impaired", "end-stage")
    assert "bclc" in {s.name for s in list_scores()}


@pytest.mark.parametrize("inputs,stage", [
    (dict(tumour_count=1, largest_tumour="1.8 cm", macrovascular_invasion="no", extrahepatic_spread="no",
          ecog=0, liver_function="preserved"), "0"),
    (dict(tumour_count=1, largest_tumour="9 cm", macrovascular_invasion="no", extrahepatic_spread="no",
          ecog=0, liver_function="preserved"), "A"),  # single large nodule: A (Fig. 1)
    (dict(tumour_count=4, largest_tumour="2 cm", macrovascular_invasion="no", extrahepatic_spread="no",
          ecog=0, liver_function="preserved"), "B"),
    (dict(tumour_count=2, largest_tumour="2 cm", macrovascular_invasion="yes", extrahepatic_spread="no",
          ecog=0, liver_function="preserved"), "C"),
    (dict(tumour_count=2, largest_tumour="2 cm", macrovascular_invasion="no", extrahepatic_spread="no",
          ecog=0, liver_function="end-stage"), "D"),
])
def test_score_function_gives_the_stage_as_category(inputs, stage):
    result = get_score("bclc").function(**inputs)
    assert isinstance(result, ScoreResult)
    assert result.score == "bclc" and result.value is None and result.category == stage
    document = json.loads(json.dumps(result.to_dict(), allow_nan=False))
    assert set(document) == {"score", "value", "category", "components", "inputs", "source"}
    assert document["components"]["rule"] and document["components"]["recommended"]
    assert "J Hepatol. 2022" in document["source"]


def test_score_function_raises_input_error_naming_the_field():
    with pytest.raises(InputError) as err:
        get_score("bclc").function(tumour_count=1, largest_tumour="3", macrovascular_invasion="no",
                                   extrahepatic_spread="no", ecog=0, liver_function="preserved")
    assert err.value.field == "largest_tumour"
