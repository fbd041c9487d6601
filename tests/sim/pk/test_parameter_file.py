"""The PK parameter file: schema, provenance of every number, derived values, and errors that name the place."""

from __future__ import annotations

import math
import shutil

import numpy as np
import pytest
import yaml

from lenvici.errors import CurationError
from lenvici.sim.pk import STATUSES, available_models, default_model, load_model, load_pk_parameters
from lenvici.sim.pk._schema import _all_values, default_parameter_path
from tests.sim.pk import reference_values as ref


def test_file_loads_and_every_value_has_provenance():
    data = load_pk_parameters()
    source_ids = {s.id for s in data.sources}
    n = 0
    for record in _all_values(data):
        n += 1
        assert record.source in source_ids
        assert record.status in STATUSES
        assert record.where
        if record.status == "unverified":
            assert record.via or record.note
    assert n > 150


def test_one_default_model_per_drug_and_every_model_builds():
    data = load_pk_parameters()
    for drug in {d.drug for d in data.drugs}:
        assert default_model(drug).drug == drug
    for model_id in available_models():
        model = load_model(model_id)
        assert model.typical_parameters().n == 1
    assert default_model("lenvatinib").id == "lenvatinib-gupta2016"
    assert default_model("pembrolizumab").id == "pembrolizumab-label-tv"


def test_values_verified_against_sources_are_marked_so():
    """The numbers read in the primary text during curation carry status 'verified'."""
    gupta = load_model("lenvatinib-gupta2016").record
    assert gupta.parameters["CL"].value == ref.GUPTA2016_CL_L_PER_H
    assert gupta.parameters["CL"].status == "verified"
    assert gupta.parameters["V1"].status == "unverified"  # Table 2 not read: stays provisional
    tv = load_model("pembrolizumab-label-tv").record
    assert tv.parameters["CL"].value * 1000 == pytest.approx(252.0)
    assert tv.parameters["CL"].status == "verified"
    assert tv.parameters["T50"].status == "assumption"


def test_derived_values_follow_from_their_inputs():
    tv = load_model("pembrolizumab-label-tv").record.parameters
    assert tv["EMAX"].value == pytest.approx(
        math.log(ref.KEYTRUDA_CL_STEADY_STATE_L_PER_DAY / ref.KEYTRUDA_CL_FIRST_DOSE_L_PER_DAY), abs=1e-5)
    assert tv["V1"].value + tv["V2"].value == pytest.approx(ref.KEYTRUDA_VSS_L, abs=1e-9)
    assert tv["V1"].value / tv["V2"].value == pytest.approx(3.48 / 4.06, rel=1e-3)
    atezo = load_model("atezolizumab-label").record.parameters
    assert atezo["V1"].value + atezo["V2"].value == pytest.approx(ref.TECENTRIQ_VSS_L)
    # Q was solved for a 27-day terminal half-life
    cl, v1, v2, q = (atezo[k].value for k in ("CL", "V1", "V2", "Q"))
    m = np.array([[-(cl + q) / v1, q / v2], [q / v1, -q / v2]])
    assert math.log(2) / -np.linalg.eigvals(m).real.max() == pytest.approx(27.0, rel=1e-3)
    lenv = next(d for d in load_pk_parameters().drugs if d.drug == "lenvatinib")
    ch4o3s = 12.011 + 4 * 1.008 + 3 * 15.999 + 32.06
    assert lenv.molecular_weight.value == pytest.approx(ref.LENVIMA_MESYLATE_MW - ch4o3s, abs=0.02)
    lo, hi = lenv.fraction_unbound_range
    assert (1 - ref.LENVIMA_PROTEIN_BINDING[1], 1 - ref.LENVIMA_PROTEIN_BINDING[0]) == pytest.approx((lo, hi))
    tamai = load_model("lenvatinib-tamai2017")
    assert tamai.omega[0, 1] == pytest.approx(0.599 * 0.326 * 0.495, rel=1e-4)


def test_structural_units_are_converted_to_days():
    gupta = load_model("lenvatinib-gupta2016")
    assert gupta.typical["CL"] == pytest.approx(6.56 * 24)
    assert gupta.typical["D1"] == pytest.approx(1.22 / 24)
    nivo = load_model("nivolumab-bajaj2017")
    assert nivo.typical["CL"] == pytest.approx(9.4e-3 * 24)
    assert nivo.typical["T50"] == pytest.approx(1410 / 24)


@pytest.fixture
def broken_copy(tmp_path):
    target = tmp_path / "pk_parameters.yaml"
    shutil.copy(default_parameter_path(), target)
    return target


def _edit(path, fn):
    data = yaml.safe_load(path.read_text())
    fn(data)
    path.write_text(yaml.safe_dump(data, sort_keys=False))


@pytest.mark.parametrize("breaker, message", [
    (lambda d: d["models"][0]["parameters"]["CL"].update(unit="L"), "needs a clearance unit"),
    (lambda d: d["models"][0]["parameters"]["V1"].pop("via"), "unverified value must name"),
    (lambda d: d["models"][0]["parameters"].pop("KA"), "needs parameters KA"),
    (lambda d: d["models"][1].update(default=True), "exactly one default"),
    (lambda d: d["models"][0]["covariates"][0].update(covariate="height_cm"), "unknown covariate"),
    (lambda d: d["models"][0]["iiv"][0]["omega2"].update(source="nowhere"), "unknown source"),
    (lambda d: d["models"][2]["iiv"][0]["omega2"].update(value=-0.1), "variance"),
])
def test_broken_file_names_the_problem(broken_copy, breaker, message):
    _edit(broken_copy, breaker)
    with pytest.raises(CurationError, match=message) as info:
        load_pk_parameters(broken_copy)
    assert str(broken_copy) in str(info.value)


def test_broken_file_reports_the_line(broken_copy):
    text = broken_copy.read_text().replace("CL: {value: 6.56, unit: L/h", "CL: {value: 6.56, unit: kg/h", 1)
    broken_copy.write_text(text)
    line = next(i for i, t in enumerate(text.splitlines(), 1) if "unit: kg/h" in t)
    with pytest.raises(CurationError, match=f"{broken_copy.name}:{line}"):
        load_pk_parameters(broken_copy)
