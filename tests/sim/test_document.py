"""docs/model.md is generated from the model and the parameter file, and committed up to date."""

from pathlib import Path

from lenvici.sim.model import render_markdown

DOC = Path(__file__).resolve().parents[2] / "docs" / "model.md"


def test_committed_documentation_is_current():
    assert DOC.read_text(encoding="utf-8") == render_markdown(), (
        "docs/model.md is stale: run `python -m lenvici.sim.model docs/model.md`")


def test_every_parameter_state_and_flux_is_documented(spec, table):
    text = render_markdown()
    for r in table.records:
        assert f"| `{r.name}` |" in text
    for s in spec.states:
        assert f"| `{s.name}` |" in text
    for f in spec.fluxes:
        assert f"| `{f.name}` |" in text
    assert text.count("*assumption:*") == table.counts()["assumed"]


def test_documentation_example_runs():
    text = render_markdown()
    code = text.split("```python\n", 1)[1].split("```", 1)[0]
    exec(compile(code, "docs/model.md", "exec"), {})  # noqa: S102 - our own documented example
