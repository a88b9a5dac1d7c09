"""The page's scripts and styles under /static, but never a page itself.

Each page is served by its route with its own headers (`api.routes.pages`): the console's
`frame-ancestors 'none'` and `X-Frame-Options: DENY`, the chat's CSP. The same file fetched as
/static/agent.html would come without them, and a page of a sibling origin could frame a
signed-in console there and trick an agent into its buttons.
"""

from __future__ import annotations

from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException
from starlette.types import Scope

PAGES = (".html", ".htm")


class StaticAssets(StaticFiles):
    async def get_response(self, path: str, scope: Scope):
        if path.lower().endswith(PAGES):
            raise HTTPException(status_code=404)
        return await super().get_response(path, scope)
