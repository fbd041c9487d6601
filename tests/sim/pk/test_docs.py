"""docs/pk.md stays in step with the parameter file, and its example runs."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from lenvici.sim.pk import available_models, markdown_table

DOC = Path(__file__).resolve().parents[3] / "docs" / "pk.md"


@pytest.mark.parametrize("model_id", available_models())
def test_parameter_table_in_docs_matches_the_file(model_id):
    assert markdown_table(model_id) in DOC.read_text(encoding="utf-8")


def test_first_example_runs():
    code = re.search(r"```python\n(.*?)```", DOC.read_text(encoding="utf-8"), re.S).group(1)
    namespace: dict = {}
    exec(compile(code, str(DOC), "exec"), namespace)  # noqa: S102 - our own documentation
    assert namespace["res"].concentration.shape == (1, 1470)
