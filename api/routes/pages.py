"""The web pages (the customer chat, the agent console, the widget), health and metrics."""

from __future__ import annotations

import hmac
from functools import cache
from pathlib import Path

from fastapi import APIRouter, Response
from fastapi.responses import FileResponse, HTMLResponse
from prometheus_client import CONTENT_TYPE_LATEST

from api.deps import ServicesDep, TokenDep
from api.schemas import Health

STATIC = Path(__file__).resolve().parent.parent / "static"
router = APIRouter(tags=["pages"])


@router.get("/metrics", include_in_schema=False)
async def metrics(services: ServicesDep, token: TokenDep) -> Response:
    """Prometheus text format. With SWITCHBOARD_METRICS_TOKEN set, it needs that Bearer token."""
    expected = services.settings.metrics_token
    if expected and not (token and hmac.compare_digest(token.encode(), expected.encode())):
        return Response("metrics token missing or wrong\n", status_code=401, media_type="text/plain",
                        headers={"WWW-Authenticate": "Bearer"})
    return Response(await services.telemetry.render(services.engine), media_type=CONTENT_TYPE_LATEST)


@router.get("/healthz")
async def healthz() -> Health:
    return Health(status="ok")


@router.get("/", include_in_schema=False)
async def chat_page() -> FileResponse:
    return FileResponse(STATIC / "chat.html")


@router.get("/agent", include_in_schema=False)
async def agent_page() -> FileResponse:
    # The console is never framed by another site (clickjacking).
    return FileResponse(STATIC / "agent.html", headers={"X-Frame-Options": "DENY", "Content-Security-Policy": "frame-ancestors 'none'"})


@router.get("/widget.js", include_in_schema=False)
async def widget_script() -> FileResponse:
    """The one tag operators put on their site. Small, cached for five minutes."""
    return FileResponse(
        STATIC / "widget.js", media_type="text/javascript", headers={"Cache-Control": "public, max-age=300"}
    )


@cache
def _widget_page() -> str:
    page = (STATIC / "chat.html").read_text(encoding="utf-8")
    return page.replace('<body class="page-chat">', '<body class="page-chat page-widget" data-embed="true">', 1)


@router.get("/widget", include_in_schema=False)
async def widget_page() -> HTMLResponse:
    """The chat inside the widget's iframe, framed by any site."""
    return HTMLResponse(_widget_page())
