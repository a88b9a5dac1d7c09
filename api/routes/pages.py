"""The web pages (the customer chat, the agent console, the widget), health and metrics."""

from __future__ import annotations

import asyncio
import hmac
from functools import cache
from pathlib import Path

from fastapi import APIRouter, Request, Response
from fastapi.responses import FileResponse, HTMLResponse
from prometheus_client import CONTENT_TYPE_LATEST

from api.db import database_answers
from api.events import POLL_SECONDS
from api.packed_asset import packed_response
from api.deps import ServicesDep, TokenDep
from api.schemas import Dependency, Health, Readiness

STATIC = Path(__file__).resolve().parent.parent / "static"
router = APIRouter(tags=["pages"])
# Uptime monitors and link checkers ask with HEAD: the same answer as GET, without the body.
GET_OR_HEAD = ["GET", "HEAD"]


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


# HEAD answers like GET; the schema lists the GET alone (one operation id per path and function).
router.head("/healthz", include_in_schema=False)(healthz)


@router.get("/readyz", responses={503: {"model": Readiness, "description": "the database does not answer"}})
async def readyz(services: ServicesDep, response: Response) -> Readiness:
    """Ready to serve: the database answers. A load balancer's health check should use this one:
    /healthz says only that the process runs, and stayed 200 while every request got 503.

    Redis, when one is configured (several workers share it), is asked too and named when it does
    not answer, but a worker without it still serves (200, "degraded"): its events are stored
    first and its readers poll every 15 seconds, so customers and agents still get every line, a
    few seconds late. A 503 for it would take every worker out of the load balancer at once when
    the one shared Redis restarts: an outage in place of a slowdown."""
    database, redis = await asyncio.gather(database_answers(services.engine), services.notifier.answers())
    answered: dict[Dependency, bool] = {"database": database, "redis": redis}
    down = [name for name, up in answered.items() if not up]
    if not database:
        response.status_code = 503
        response.headers["Retry-After"] = "5"
        return Readiness(status=f"{' and '.join(down)} unavailable", unavailable=down)
    if down:
        return Readiness(status=f"degraded: redis unavailable, live events poll every {POLL_SECONDS:g} s", unavailable=down)
    return Readiness(status="ok")


def _page_headers(frame_ancestors: str | None) -> dict[str, str]:
    """Our pages run only our own scripts and styles, talk only to this server, and say who may
    frame them (None: any page at all)."""
    policy = (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
        "object-src 'none'; base-uri 'none'; form-action 'self'"
    )
    if frame_ancestors:
        policy += f"; frame-ancestors {frame_ancestors}"
    return {"Content-Security-Policy": policy, "X-Content-Type-Options": "nosniff", "Referrer-Policy": "same-origin"}


@router.api_route("/", include_in_schema=False, methods=GET_OR_HEAD)
async def chat_page() -> FileResponse:
    return FileResponse(STATIC / "chat.html", headers=_page_headers("'self'"))


@router.api_route("/agent", include_in_schema=False, methods=GET_OR_HEAD)
async def agent_page() -> FileResponse:
    # The console is never framed by another site (clickjacking).
    return FileResponse(STATIC / "agent.html", headers={**_page_headers("'none'"), "X-Frame-Options": "DENY"})


@router.api_route("/widget.js", include_in_schema=False, methods=GET_OR_HEAD)
async def widget_script(request: Request) -> Response:
    """The one tag operators put on their site, on every page of it: small, gzipped for a browser
    that accepts it (this one response, not the event streams: no middleware), cached for five
    minutes, then revalidated by its ETag."""
    return packed_response(STATIC / "widget.js", request, "text/javascript", max_age=300)


@cache
def _widget_page() -> str:
    page = (STATIC / "chat.html").read_text(encoding="utf-8")
    return page.replace('<body class="page-chat">', '<body class="page-chat page-widget" data-embed="true">', 1)


@router.api_route("/widget", include_in_schema=False, methods=GET_OR_HEAD)
async def widget_page() -> HTMLResponse:
    """The chat inside the widget's iframe, framed by any page. No frame-ancestors at all: `*`
    would leave out a page opened from a file (and any other non-network scheme)."""
    return HTMLResponse(_widget_page(), headers=_page_headers(None))
