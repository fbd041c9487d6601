"""Matplotlib figures as inline images (SVG text or PNG data URIs), one at a time.

pyplot keeps global state and the server runs handlers in threads, so every drawing goes through
:func:`render` under one lock, and the figure is closed afterwards.
"""

from __future__ import annotations

import base64
import io
import threading
from collections.abc import Callable

__all__ = ["render", "png_data_uri"]

_LOCK = threading.Lock()


def render(draw: Callable[[], object], fmt: str = "svg") -> bytes:
    """Call ``draw()`` (which returns a matplotlib figure) and return the figure as ``svg`` or ``png`` bytes."""
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt

    with _LOCK:
        fig = draw()
        try:
            buffer = io.BytesIO()
            with matplotlib.rc_context({"svg.fonttype": "none", "svg.hashsalt": "lenvici"}):
                fig.savefig(buffer, format=fmt, dpi=110, bbox_inches="tight",
                            metadata={"Date": None} if fmt == "svg" else None)
            return buffer.getvalue()
        finally:
            plt.close(fig)


def png_data_uri(draw: Callable[[], object]) -> str:
    """``data:image/png;base64,…`` of the figure ``draw()`` returns."""
    return "data:image/png;base64," + base64.b64encode(render(draw, "png")).decode("ascii")
