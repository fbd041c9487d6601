"""The web face of lenvici: a FastAPI app with the JSON API under ``/api`` and server-rendered pages.

Needs the ``web`` extra (``pip install 'lenvici[web]'``). No science lives here: handlers parse, call the
public Python API and serialise (STYLE §8).
"""

from lenvici.web.app import create_app
from lenvici.web.settings import WebSettings

__all__ = ["create_app", "WebSettings"]
