"""The page's scripts and styles under /static, but never a page itself.

Each page is served by its route with its own headers (`api.routes.pages`): the console's
`frame-ancestors 'none'` and `X-Frame-Options: DENY`, the chat's CSP. The same file fetched as
/static/agent.html would come without them, and a page of a sibling origin could frame a
signed-in console there and trick an agent into its buttons.

Scripts and styles go gzipped to a browser that accepts it (a third of their size), with an ETag
each load revalidates: a deploy's new script is fetched at once, an unchanged one costs a 304.
"""

from __future__ import annotations

import stat
from pathlib import Path

import anyio
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.types import Scope

from api.packed_asset import packed_response

PAGES = (".html", ".htm")
PACKED = {".js": "text/javascript", ".css": "text/css"}


class StaticAssets(StaticFiles):
    async def get_response(self, path: str, scope: Scope):
        if path.lower().endswith(PAGES):
            raise HTTPException(status_code=404)
        media_type = PACKED.get(Path(path).suffix.lower())
        if media_type and scope["method"] in ("GET", "HEAD") and (found := await self._file_at(path)):
            return packed_response(found, Request(scope), media_type, max_age=0)
        return await super().get_response(path, scope)

    async def _file_at(self, path: str) -> Path | None:
        """The file a script's or style's path names, if there is one. A path no file can have (a
        NUL byte, "/static/a%00b.js", was a 500; a name too long) is none here: StaticFiles answers
        it as it answers any such path, with a 404. Looked up off the event loop, as StaticFiles does."""
        try:
            full_path, found = await anyio.to_thread.run_sync(self.lookup_path, path)
        except (ValueError, OSError):
            return None
        return Path(full_path) if found is not None and stat.S_ISREG(found.st_mode) else None
