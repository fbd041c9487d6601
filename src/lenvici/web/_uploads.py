"""Uploaded files, read into memory up to the app's size limit (never written under a name the client chose)."""

from __future__ import annotations

from fastapi import UploadFile

from lenvici.web.errors import UploadTooLarge

__all__ = ["read_limited"]


async def read_limited(upload: UploadFile, field: str, limit: int) -> bytes:
    """The upload's bytes; :class:`UploadTooLarge` when it has more than ``limit``."""
    data = await upload.read(limit + 1)
    if len(data) > limit:
        raise UploadTooLarge(field, limit)
    return data
