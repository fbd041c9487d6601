"""The parameter file: every parameter has a value, unit and provenance, validated at load."""

import numpy as np
import pytest

from lenvici.errors import CurationError, InputError
from lenvici.sim.model import PARAMETER_FILE, load_parameters


def test_every_model_parameter_is_in_the_file_and_vice_versa(spec, table):
    used = set()
    for e in list(spec.rhs_expanded) + [spec.expanded_definitions[o] for o in spec.output_names]:
        used |= {s.name for s in e.free_symbols}
    params = set(table.names)
    assert used - set(spec.state_names) - set(spec.input_names) <= params
    # every parameter in the file enters an equation or an output (no dead parameters), except the one
    # the pre-treatment phase uses to set v_max
    assert params - used == {"plateau_ratio"}


def test_provenance_is_complete(table):
    for r in table.records:
        assert r.unit and r.description
        if r.status == "assumed":
            assert r.assumption
        else:
            assert r.source
        if r.status == "derived":
            assert r.derivation
        lo, hi = r.bounds
        assert lo <= r.value <= hi


def test_counts_add_up(table):
    counts = table.counts()
    assert sum(counts.values()) == len(table.records)
    assert counts.get("quoted", 0) + counts.get("sourced", 0) + counts.get("derived", 0) >= 15


def test_array_with_overrides(table):
    P = table.array(3, {"k_prol": [0.01, 0.02, 0.03], "ecog": 1})
    assert P.shape == (3, len(table.names))
    np.testing.assert_array_equal(P[:, table.index("k_prol")], [0.01, 0.02, 0.03])
    np.testing.assert_array_equal(P[:, table.index("ecog")], 1.0)
    with pytest.raises(InputError, match="nonsense"):
        table.array(2, {"nonsense": 1.0})
    with pytest.raises(InputError, match="length 2"):
        table.array(2, {"k_prol": [1.0, 2.0, 3.0]})


def test_replace_moves_a_default(table):
    t2 = table.replace(k_prol=0.02)
    assert t2["k_prol"].value == 0.02 and table["k_prol"].value != 0.02


def test_a_parameter_without_provenance_is_rejected(data_copy):
    path = data_copy / PARAMETER_FILE
    text = path.read_text()
    broken = text.replace("  status: quoted\n  source: *wilhelm2004\n", "  status: quoted\n", 1)
    path.write_text(broken)
    with pytest.raises(CurationError, match="source"):
        load_parameters(path)


def test_a_value_outside_its_bounds_is_rejected(data_copy):
    path = data_copy / PARAMETER_FILE
    text = path.read_text().replace("- name: k_prol\n  value: 0.012", "- name: k_prol\n  value: 5.0", 1)
    path.write_text(text)
    with pytest.raises(CurationError, match="outside bounds"):
        load_parameters(path)
