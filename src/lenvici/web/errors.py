"""Errors in one place: invalid input → HTTP 422 naming the field; anything else → 500, logged without data.

:class:`lenvici.errors.InputError` becomes ``422 {"detail": [{"loc": [where, field], "msg": …, "type":
"input_error"}]}`` — the shape FastAPI gives its own validation errors, so a client reads both alike.
``where`` is ``path``, ``query`` or ``body``, found from the request. An upload over the size limit is
``413`` with the same shape. A genuine bug is ``500 {"detail": "internal server error"}``; the log names the
exception class, the method, the path and the code lines — never the query string, the body or the
exception's message, which may hold a patient's values.
"""

from __future__ import annotations

import logging
import time
import traceback

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from lenvici.errors import InputError

__all__ = ["UploadTooLarge", "field_location", "input_error_detail", "install_error_handlers", "GuardMiddleware"]

log = logging.getLogger("lenvici.web")


class UploadTooLarge(Exception):
    """An uploaded file is larger than the app accepts."""

    def __init__(self, field: str, limit: int):
        super().__init__(f"{field!r}: the file is larger than the limit of {limit:,} bytes")
        self.field = field
        self.limit = limit


def _field_name(field: str | None) -> str | None:
    if field is None:
        return None
    return field.strip().lstrip("-").replace("-", "_") or None


def field_location(request: Request, field: str | None) -> list[str]:
    """``[where, field]``: ``where`` is ``path``, ``query`` or ``body`` — wherever the field came in."""
    name = _field_name(field)
    if name is None:
        return ["body"]
    if name in request.path_params:
        return ["path", name]
    if name in request.query_params:
        return ["query", name]
    return ["query" if request.method in ("GET", "HEAD") else "body", name]


def input_error_detail(request: Request, exc: InputError) -> dict:
    """The JSON body of a 422 for ``exc``."""
    return {"detail": [{"loc": field_location(request, exc.field), "msg": str(exc), "type": "input_error"}]}


async def _input_error(request: Request, exc: InputError) -> JSONResponse:
    return JSONResponse(input_error_detail(request, exc), status_code=422)


async def _too_large(request: Request, exc: UploadTooLarge) -> JSONResponse:
    return JSONResponse({"detail": [{"loc": ["body", exc.field], "msg": str(exc), "type": "too_large"}]},
                        status_code=413)


def install_error_handlers(app: FastAPI) -> None:
    """Register the handlers of :class:`InputError` and :class:`UploadTooLarge` on ``app``."""
    app.add_exception_handler(InputError, _input_error)
    app.add_exception_handler(UploadTooLarge, _too_large)


def _log_bug(scope: Scope, exc: BaseException) -> None:
    frames = "".join(traceback.format_tb(exc.__traceback__))
    log.error("internal error %s in %s %s\n%s", type(exc).__name__, scope.get("method"), scope.get("path"), frames)


class GuardMiddleware:
    """Outermost guard: one access line per request (method, path, status, time — no query string, no
    body) and a 500 without detail for any exception that escaped the handlers."""

    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False
        status = 500
        t0 = time.perf_counter()

        async def tracked(message: Message) -> None:
            nonlocal started, status
            if message["type"] == "http.response.start":
                started = True
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, tracked)
        except Exception as exc:  # a bug: answer 500, log without patient data
            _log_bug(scope, exc)
            if not started:
                response = JSONResponse({"detail": "internal server error"}, status_code=500)
                await response(scope, receive, send)
            status = 500
        finally:
            log.info("%s %s %d %.0f ms", scope.get("method"), scope.get("path"), status,
                     1000 * (time.perf_counter() - t0))
