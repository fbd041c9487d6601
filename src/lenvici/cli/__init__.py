"""The ``lenvici`` command line (Typer): one sub-app per layer; no science lives here."""

from __future__ import annotations

import typer

from lenvici import __version__
from lenvici.cli import cea, cohort, dose, evidence, knowledge, meta, response, survival, trial
from lenvici.cli._help import reflow_help
from lenvici.cli.demo import demo
from lenvici.cli.score import score
from lenvici.cli.serve import serve

__all__ = ["app", "main"]

app = typer.Typer(
    name="lenvici",
    help="lenvatinib ± immune-checkpoint inhibitors in HCC: curated evidence, knowledge and tools.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
app.add_typer(evidence.app, name="evidence")
app.add_typer(knowledge.app, name="knowledge")
app.add_typer(meta.app, name="meta")
app.add_typer(dose.app, name="dose")
app.add_typer(cohort.app, name="cohort")
app.add_typer(cea.app, name="cea")
app.add_typer(response.app, name="response")
app.add_typer(survival.app, name="survival")
app.add_typer(trial.app, name="trial")
app.command()(demo)
app.command()(score)
app.command()(serve)


@app.command()
def version() -> None:
    """Print the version.

    Example:

      lenvici version
    """
    typer.echo(__version__)


reflow_help(app)


def main() -> None:
    app()
