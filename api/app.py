"""The FastAPI application: routers, error mapping and the lifespan that owns every service."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI, Request, status
from fastapi.exceptions import RequestValidationError
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import JSONResponse
from fastapi_offline import FastAPIOffline
from sqlalchemy import exc as sa_exc

from api import logs, request_errors
from api.body_limit import BodyLimit
from api.error_schemas import error_responses
from api.heap import settle_worker_heap
from api.errors import Conflict, Forbidden, Invalid, NotFound
from api.routes import admin, agent, completions, customer, kb_drafts, pages, vault
from api.services import open_services
from api.static_assets import StaticAssets
from api.streams import end_streams_on_exit
from knowledge import KnowledgeBase, Settings

log = logging.getLogger(__name__)
MAX_BODY_BYTES = 256 * 1024  # the largest request: a whole escalation rules document


def create_app(settings: Settings, kb: KnowledgeBase | None = None, *, freeze_heap: bool = False) -> FastAPI:
    """The app over `settings` (and `kb`, if given, instead of opening one). `freeze_heap` is for a
    worker process of its own (`switchboard serve`): once started, what it holds is frozen out of
    the garbage collector's full collections (api/heap.py)."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        redaction = logs.install()
        services = await open_services(settings, kb)
        app.state.services = services
        if freeze_heap:
            log.info("froze %d start-up objects out of the garbage collector's way", settle_worker_heap())
        exit_watch = asyncio.create_task(end_streams_on_exit(services), name="end-streams-on-exit")
        try:
            yield
        finally:
            exit_watch.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await exit_watch
            await services.close()
            logs.uninstall(redaction)

    # Any request whose body passes the limit gets 413 (api/body_limit.py), whatever its route.
    # /docs and /redoc load their scripts from this server, not from a CDN: they work offline
    app = FastAPIOffline(
        title="Switchboard", version="0.1.0", lifespan=lifespan, responses=error_responses(413),
        static_url="/static-docs",
    )
    app.include_router(pages.router)
    app.include_router(customer.router)
    app.include_router(agent.router)
    app.include_router(admin.router)
    app.include_router(kb_drafts.router)
    app.include_router(vault.router)
    app.include_router(completions.router)
    app.mount("/static", StaticAssets(directory=pages.STATIC), name="static")

    body_limit = max(MAX_BODY_BYTES, settings.max_message_chars * 8)

    app.add_middleware(BodyLimit, limit=body_limit)
    if origins := settings.cors_origin_list:
        # Other sites' scripts may call the API with a Bearer token (a customer's conversation
        # token, an integration's agent token), never with our cookies: credentials stay off, so
        # the console's and chat page's cookie sessions cannot be ridden from another origin.
        app.add_middleware(
            CORSMiddleware, allow_origins=origins, allow_credentials=False,
            allow_methods=["GET", "POST", "PUT", "PATCH", "DELETE"],  # every method the API routes use
            allow_headers=["Authorization", "Content-Type", "Last-Event-ID"],
            expose_headers=["Retry-After"], max_age=600,
        )

    def error(code: int):
        async def handler(_request: Request, exc: Exception) -> JSONResponse:
            return JSONResponse({"detail": str(exc) or "conversation not found"}, status_code=code)

        return handler

    async def database_unavailable(_request: Request, exc: Exception) -> JSONResponse:
        # The transaction rolled back: nothing was half-written, and a retry (with the same
        # client_id for a customer line) is safe. The pool replaces dead connections by itself.
        log.warning("database unavailable: %s", str(exc).splitlines()[0] if str(exc) else type(exc).__name__)
        return JSONResponse(
            {"detail": "the service is briefly unavailable (database); please retry in a few seconds"},
            status_code=status.HTTP_503_SERVICE_UNAVAILABLE, headers={"Retry-After": "5"},
        )

    app.add_exception_handler(sa_exc.OperationalError, database_unavailable)
    app.add_exception_handler(sa_exc.InterfaceError, database_unavailable)
    # every pooled connection busy for the pool's whole wait (QueuePool limit ... reached): as
    # unavailable, and as safe to retry, as a database that does not answer
    app.add_exception_handler(sa_exc.TimeoutError, database_unavailable)
    app.add_exception_handler(NotFound, error(status.HTTP_404_NOT_FOUND))
    app.add_exception_handler(Forbidden, error(status.HTTP_403_FORBIDDEN))
    app.add_exception_handler(Conflict, error(status.HTTP_409_CONFLICT))
    app.add_exception_handler(Invalid, error(status.HTTP_422_UNPROCESSABLE_CONTENT))
    app.add_exception_handler(RequestValidationError, request_errors.validation_failed)
    app.add_exception_handler(UnicodeEncodeError, request_errors.not_unicode)
    return app
