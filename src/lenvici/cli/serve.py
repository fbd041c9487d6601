"""``lenvici serve``: the web app and REST API on http://127.0.0.1:8000 (needs the ``web`` extra).

The server binds to the loopback address unless told otherwise; access lines name the method, path and
status only — never a query string, which on the Patient page holds a patient's values.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Annotated, Optional

import typer

__all__ = ["serve"]


def serve(
    host: Annotated[str, typer.Option(
        help="Address to bind; 0.0.0.0 exposes the server to the network.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="TCP port.", min=1, max=65535)] = 8000,
    db: Annotated[Optional[Path], typer.Option("--db", help="Evidence store path (default: $LENVICI_DB or the "
                                                            "user data dir).")] = None,
    models: Annotated[Optional[Path], typer.Option(
        "--models", help="Folder of cost-effectiveness models (*.yaml) offered by name "
                         "(default: examples/economics).")] = None,
    max_psa: Annotated[int, typer.Option(
        "--max-psa", help="Most PSA samples one request may ask for.", min=1)] = 10_000,
) -> None:
    """Serve the web app (Patient, Evidence, Virtual trial, Economics, Mechanisms) and the JSON API under /api.

    Binds to 127.0.0.1 unless --host says otherwise; --max-psa caps the PSA samples of one request.

    Examples:

      lenvici serve

      lenvici serve --port 8080 --db /tmp/evidence.duckdb --max-psa 2000
    """
    try:
        import uvicorn

        from lenvici.web import WebSettings, create_app
    except ImportError as exc:
        typer.echo(f"error: the web app needs the 'web' extra: pip install 'lenvici[web]' ({exc.name} is missing)",
                   err=True)
        raise typer.Exit(2) from None
    if models is not None and not models.is_dir():
        typer.echo(f"error: --models {str(models)!r} is not a folder", err=True)
        raise typer.Exit(2)
    defaults = WebSettings()
    settings = WebSettings(db_path=db, models_dir=models if models is not None else defaults.models_dir,
                           max_psa_samples=max_psa)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    typer.echo(f"lenvici web app on http://{host}:{port}/ (API docs at /docs); Ctrl+C stops it")
    uvicorn.run(create_app(settings), host=host, port=port, access_log=False, log_level="info")
