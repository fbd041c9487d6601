"""Per-app state the handlers share: the settings, and the evidence store (built once, under a lock)."""

from __future__ import annotations

import threading
from pathlib import Path

from fastapi import Request

from lenvici.evidence import build_store
from lenvici.web.settings import WebSettings

__all__ = ["AppState", "get_state"]


class AppState:
    """What one app instance holds: its settings and the path of its (built) evidence store."""

    def __init__(self, settings: WebSettings):
        self.settings = settings
        self._lock = threading.Lock()
        self._store: Path | None = None

    def store(self) -> Path:
        """The evidence store's path, built or brought up to date on first use (one build at a time)."""
        with self._lock:
            if self._store is None:
                self._store = build_store(self.settings.db_path).path
            return self._store


def get_state(request: Request) -> AppState:
    """FastAPI dependency: the app's :class:`AppState`."""
    return request.app.state.lenvici
