"""``--help`` of every command shows examples; units are spelled out where a command takes quantities."""

from __future__ import annotations

import pytest
import typer.main
from typer.testing import CliRunner

from lenvici.cli import app
from lenvici.cli._help import reflow

runner = CliRunner()


def _commands(command, path=()):
    if hasattr(command, "commands"):
        for name, sub in command.commands.items():
            yield from _commands(sub, (*path, name))
    else:
        yield path


COMMANDS = list(_commands(typer.main.get_command(app)))


def test_every_layer_has_commands():
    groups = {p[0] for p in COMMANDS if len(p) > 1}
    assert {"evidence", "knowledge", "meta", "dose", "cohort", "cea", "response", "survival", "trial"} <= groups
    assert {("demo",), ("score",), ("serve",), ("trial", "run")} <= set(COMMANDS)


@pytest.mark.parametrize("path", COMMANDS, ids=" ".join)
def test_help_shows_examples_of_the_command(path):
    result = runner.invoke(app, [*path, "--help"], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    assert "Example" in result.stdout
    assert f"lenvici {' '.join(path)}" in result.stdout  # an example runs this very command


@pytest.mark.parametrize("path, units", [
    (("score",), ["g/dL", "umol/L", "10*9/L"]),
    (("dose", "lenvatinib"), ["mg", "kg"]),
    (("dose", "modify"), ["g/24h", "ms"]),
    (("cea", "run"), ["currency", "QALY"]),
    (("trial", "run"), ["months"]),
    (("survival", "km"), ["months"]),
    (("response", "assess"), ["mm"]),
    (("meta", "evidence"), ["months", "proportions"]),
])
def test_help_names_the_units(path, units):
    text = runner.invoke(app, [*path, "--help"], env={"COLUMNS": "200"}).stdout
    for unit in units:
        assert unit in text, (path, unit)


def test_trial_run_help_offers_the_scheduler():
    text = runner.invoke(app, ["trial", "run", "--help"], env={"COLUMNS": "200"}).stdout
    assert "--scheduler" in text and "tcp://host:port" in text and '"local"' in text


def test_reflow_joins_prose_and_keeps_examples():
    doc = """First line.

    Prose wrapped
    over two lines.

    Examples:

      lenvici a --x 1
      lenvici b
    """
    assert reflow(doc) == "First line.\n\nProse wrapped over two lines.\n\nExamples:\n\n  lenvici a --x 1\n  lenvici b"
