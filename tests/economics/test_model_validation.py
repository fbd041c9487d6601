"""The model file schema: every invalid file raises InputError naming the field."""

import copy

import pytest
import yaml

from lenvici.economics import load_model
from lenvici.errors import InputError
from tests.economics.conftest import EXAMPLES


@pytest.fixture
def base():
    return yaml.safe_load((EXAMPLES / "dmhee_hiv.yaml").read_text())


def _edit(data, path, value):
    d = copy.deepcopy(data)
    cur = d
    for key in path[:-1]:
        cur = cur[key]
    if value is _DELETE:
        del cur[path[-1]]
    else:
        cur[path[-1]] = value
    return d


_DELETE = object()

CASES = [
    (("settings", "cycles"), -3, "settings.cycles"),
    (("settings", "correction"), "trapezoid", "settings.correction"),
    (("settings", "cycle_length"), "1 fortnight", "settings.cycle_length"),
    (("settings", "colour"), "red", "settings.colour"),
    (("settings", "init"), {"Z": 1}, "settings.init.Z"),
    (("settings", "discount", "costs"), 1.5, "settings.discount.costs"),
    (("type",), "microsimulation", "type"),
    (("name",), _DELETE, "name"),
    (("parameters", "p_AB"), "350 / 1734 +", "parameters.p_AB"),
    (("parameters", "p_AB"), "p_XY * 2", "parameters.p_AB"),
    (("parameters", "p_AB"), "p_AB + 1", "parameters.p_AB"),
    (("parameters", "p_AB"), "__import__('os')", "parameters.p_AB"),
    (("parameters", "p_AB"), "p_AC.real", "parameters.p_AB"),
    (("parameters", "p_AB"), "2 ^ 3", "parameters.p_AB"),
    (("parameters", "rr_comb", "distribution"), {"type": "beta", "mean": 2, "sd": 1}, "parameters.rr_comb.distribution"),
    (("parameters", "rr_comb", "range"), [0.9, 0.1], "parameters.rr_comb.range"),
    (("parameters", "class"), 1, "parameters.class"),
    (("transitions", 0), ["C", "p_AB", "p_AC"], "transitions[0]"),
    (("transitions", 1, 1), 1.5, "transitions[1][1]"),
    (("transitions", 0, 0), "C", None),
    (("strategies", "combination", "parameters", "rr_typo"), 1, "strategies.combination.parameters.rr_typo"),
    (("states", 0, "name"), "state A", "states[0].name"),
    (("states", 0, "utility"), "state_time * 0.1", "states[0].utility"),
    (("psa", "dirichlet", 0, "counts"), [1, 2], "psa.dirichlet[0]"),
    (("psa", "dirichlet", 1, "parameters", 0), "nope", "psa.dirichlet[1].parameters"),
]


@pytest.mark.parametrize("path, value, field", CASES, ids=[".".join(map(str, c[0])) for c in CASES])
def test_invalid_field_is_named(base, path, value, field):
    data = _edit(base, path, value)
    if field is None:                                    # a valid edit: the model still loads
        load_model(data)
        return
    with pytest.raises(InputError) as err:
        load_model(data)
    assert err.value.field is not None and err.value.field.startswith(field), (err.value.field, str(err.value))
    assert field in str(err.value)
    assert "\n" not in str(err.value)


def test_circular_parameters(base):
    data = _edit(base, ("parameters", "cost_zido"), "cost_drugs - cost_lami")
    with pytest.raises(InputError, match="circular"):
        load_model(data)


def test_effect_qaly_needs_utilities(base):
    with pytest.raises(InputError, match="settings.effect"):
        load_model(_edit(base, ("settings", "effect"), "qaly"))


def test_horizon_or_cycles(base):
    data = _edit(base, ("settings", "horizon"), "20 years")
    with pytest.raises(InputError, match="exactly one"):
        load_model(data)
    data = _edit(data, ("settings", "cycles"), _DELETE)
    assert load_model(data).settings.n_cycles == 20


def test_file_errors(tmp_path):
    with pytest.raises(InputError, match="cannot read"):
        load_model(tmp_path / "missing.yaml")
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: [unclosed\n")
    with pytest.raises(InputError, match="YAML"):
        load_model(bad)
    bad.write_text("- a list\n")
    with pytest.raises(InputError, match="mapping"):
        load_model(bad)


def test_code_hooks_are_callable_from_expressions(base):
    data = _edit(base, ("parameters", "cost_zido"), "double(1139)")
    with pytest.raises(InputError, match="unknown function"):
        load_model(data)
    from lenvici.economics import run_model

    m = load_model(data, functions={"double": lambda x: 2 * x})
    assert run_model(m).cost[0] == pytest.approx(44663.4535637, rel=1e-9)


def test_psm_and_markov_sections_do_not_mix(base):
    data = _edit(base, ("partition",), ["a", "b", "c"])
    with pytest.raises(InputError, match="partition"):
        load_model(data)


def test_examples_load():
    for path in sorted(EXAMPLES.glob("*.yaml")):
        load_model(path)
