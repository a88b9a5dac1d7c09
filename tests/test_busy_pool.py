"""A worker whose connection pool stays full (the database busy: a held lock, a slow query) gave
500 to every request that waited out the pool (`sqlalchemy.exc.TimeoutError: QueuePool limit of
size 5 overflow 10 reached`), with no Retry-After; a database that does not answer gets 503."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy.ext.asyncio import create_async_engine
from sqlalchemy.pool import AsyncAdaptedQueuePool

from api.app import create_app


def test_a_full_connection_pool_gets_503_with_retry_after_not_500(settings, kb, tmp_path):
    pool = create_async_engine(
        f"sqlite+aiosqlite:///{tmp_path / 'busy.db'}", poolclass=AsyncAdaptedQueuePool,
        pool_size=1, max_overflow=0, pool_timeout=0.2,
    )
    app = create_app(settings, kb)

    @app.get("/busy")
    async def busy() -> None:
        async with pool.connect():  # the pool's one connection, held ...
            async with pool.connect():  # ... so this one waits out pool_timeout
                pass

    with TestClient(app, raise_server_exceptions=False) as client:
        answer = client.get("/busy")
        client.portal.call(pool.dispose)
    assert answer.status_code == 503, answer.text
    assert answer.headers["Retry-After"] == "5"
    assert "briefly unavailable" in answer.json()["detail"]
