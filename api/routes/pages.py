"""The two web pages: the customer chat and the agent console."""

from __future__ import annotations

from pathlib import Path

from functools import cache

from fastapi import APIRouter
from fastapi.responses import FileResponse, HTMLResponse

from api.schemas import Health

STATIC = Path(__file__).resolve().parent.parent / "static"
router = APIRouter(tags=["pages"])


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
