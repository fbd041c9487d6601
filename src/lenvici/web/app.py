"""The FastAPI app: the JSON API under ``/api`` (one router per layer), the HTML pages, static assets.

``create_app()`` builds an independent app; ``lenvici serve`` runs one with uvicorn on 127.0.0.1.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from lenvici import __version__
from lenvici.web._limits import BodyLimitMiddleware
from lenvici.web.deps import AppState
from lenvici.web.errors import GuardMiddleware, install_error_handlers
from lenvici.web.routers import (
    dosing,
    economics,
    evidence,
    knowledge,
    pages,
    response,
    scores,
    trials,
)
from lenvici.web.settings import WebSettings

__all__ = ["create_app"]

_STATIC = Path(__file__).resolve().parent / "static"


def create_app(settings: WebSettings | None = None) -> FastAPI:
    """A new lenvici web app.

    Parameters
    ----------
    settings
        Store path, model folder and size limits (default :class:`~lenvici.web.settings.WebSettings()`).

    Examples
    --------
    >>> from fastapi.testclient import TestClient
    >>> client = TestClient(create_app())
    >>> client.post("/api/scores/albi", json={"bilirubin": "10 umol/L", "albumin": "40 g/L"}).json()["category"]
    '1'
    """
    app = FastAPI(
        title="lenvici",
        version=__version__,
        description="Lenvatinib ± immune-checkpoint inhibitors in HCC: clinical scores, staging, dosing, tumour "
                    "response, curated evidence and meta-analysis, cost-effectiveness and the mechanisms graph. "
                    "Quantities are 'VALUE UNIT' strings (UCUM units); invalid input is HTTP 422 naming the field.",
    )
    settings = settings or WebSettings()
    app.state.lenvici = AppState(settings)
    install_error_handlers(app)
    # a request body may hold one upload plus the form around it; JSON bodies are far smaller
    app.add_middleware(BodyLimitMiddleware, limit=settings.max_upload_bytes + 64 * 1024)
    app.add_middleware(GuardMiddleware)  # added last: the outermost, so it also guards the limit
    for module in (scores, dosing, response, evidence, economics, knowledge, trials, pages):
        app.include_router(module.router)
    app.include_router(trials.pages_router)

    def _stop_trial_jobs() -> None:
        jobs = getattr(app.state, "lenvici_trials", None)
        if jobs is not None:
            jobs.shutdown()

    app.router.on_shutdown.append(_stop_trial_jobs)
    app.mount("/static", StaticFiles(directory=str(_STATIC)), name="static")
    return app
