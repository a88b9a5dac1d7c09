"""`switchboard db upgrade | current`: the schema's Alembic revisions, the API's and the catalog's.

The server applies pending revisions when it starts; `db upgrade` does it beforehand (for instance
once, before starting many workers), and `db current` says where a database is.
"""

from __future__ import annotations

import asyncio

import click

from ingest.cli import require_data_folder
from knowledge import Settings


@click.group("db")
def db_group() -> None:
    """The database schema (Alembic migrations)."""


@db_group.command("upgrade")
@click.pass_obj
def db_upgrade(settings: Settings) -> None:
    """Apply the schema migrations this database has not had yet."""
    from api.db import open_database
    from knowledge import Catalog

    settings.data_dir.mkdir(parents=True, exist_ok=True)
    url = settings.resolved_database_url

    async def upgrade_api() -> None:
        await (await open_database(url)).dispose()

    asyncio.run(upgrade_api())
    Catalog(url).close()
    _echo_revisions(url)


@db_group.command("current")
@click.pass_obj
def db_current(settings: Settings) -> None:
    """Print each part's revision, and whether it is the newest (head). It only reads: a data folder
    that does not exist holds no database, and is not made (`require_data_folder`)."""
    if not settings.database_url:  # the database is in the data folder
        require_data_folder(settings, "Switchboard database", "start `switchboard serve` there first")
    _echo_revisions(settings.resolved_database_url)


def _echo_revisions(url: str) -> None:
    for part, revision, newest in asyncio.run(_revisions(url)):
        state = "head" if revision == newest else f"pending: upgrade to {newest}"
        click.echo(f"{part}: {revision or 'none'} ({state})")


async def _revisions(url: str) -> list[tuple[str, str | None, str | None]]:
    from sqlalchemy.ext.asyncio import create_async_engine

    from api.db import SCHEMA, async_url
    from knowledge.catalog import SCHEMA as CATALOG_SCHEMA
    from knowledge.schema import current, head

    engine = create_async_engine(async_url(url))
    try:
        async with engine.connect() as conn:
            return [
                (part, await conn.run_sync(current, schema), head(schema))
                for part, schema in (("api", SCHEMA), ("catalog", CATALOG_SCHEMA))
            ]
    finally:
        await engine.dispose()
