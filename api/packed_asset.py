"""One static file served gzipped to a browser that accepts it, with an ETag that revalidates it.

For the widget's script, which every page of an operator's site loads, and the pages' scripts and
styles under /static. Done for those responses alone, not by a middleware: a middleware would
wrap the event streams too.
"""

from __future__ import annotations

import gzip
import hashlib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from fastapi import Request, Response


@dataclass(frozen=True)
class Packed:
    plain: bytes
    packed: bytes  # gzip
    etag: str


@lru_cache(maxsize=64)
def _packed(path: Path, _version: int) -> Packed:
    """The file and its gzip, made once per version of it (`_version`: its mtime)."""
    plain = path.read_bytes()
    return Packed(plain, gzip.compress(plain, 9, mtime=0), f'W/"{hashlib.sha256(plain).hexdigest()[:16]}"')


def accepts_gzip(accept_encoding: str) -> bool:
    """Whether Accept-Encoding lists gzip, and not with q=0."""
    for item in accept_encoding.lower().split(","):
        name, _, params = item.partition(";")
        if name.strip() == "gzip":
            return params.replace(" ", "") not in ("q=0", "q=0.0", "q=0.00", "q=0.000")
    return False


def packed_response(path: Path, request: Request, media_type: str, max_age: int) -> Response:
    """200 with the file (gzipped if the browser accepts it), or 304 when its ETag still holds."""
    asset = _packed(path, path.stat().st_mtime_ns)
    headers = {"Cache-Control": f"public, max-age={max_age}", "ETag": asset.etag, "Vary": "Accept-Encoding"}
    if asset.etag in request.headers.get("if-none-match", ""):
        return Response(status_code=304, headers=headers)
    if accepts_gzip(request.headers.get("accept-encoding", "")):
        return Response(asset.packed, media_type=media_type, headers={**headers, "Content-Encoding": "gzip"})
    return Response(asset.plain, media_type=media_type, headers=headers)
