"""One writer of a knowledge base at a time.

Two ingests of one knowledge base at once (an editor's run and a scheduled one, two editors) would
both plan against the same catalog: both insert version 1 of a new document, and one dies on the
catalog's unique key; worse, one run's sweep of chunks the catalog does not know yet deletes the
chunks the other has just written. So a run that writes holds this lock from its plan to its last
write, and a second run waits for it, then plans against what the first one left.

- SQLite: an exclusive `flock` on a file beside the database (`<database>-ingest.lock`).
- PostgreSQL: a session advisory lock on the catalog's schema, so runs on different machines take
  turns too.

Both are released by the operating system or the server when the process dies, so a crashed run
never leaves the knowledge base locked. Opening a new SQLite database or embedded Chroma store takes
a short lock of its own (`one_upgrade_at_a_time`, `file_lock`): two processes creating the same
tables at once fail.
"""

from __future__ import annotations

import fcntl
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from pathlib import Path

import sqlalchemy as sa

WRITER_LOCK = 0x5B5C_1A6E  # "switchboard ingest": the PostgreSQL advisory lock, with the schema's hash
_KEY = "(:key, hashtext(current_schema()))"


def exclusive(engine: sa.Engine, on_wait: Callable[[], None] | None = None) -> AbstractContextManager[None]:
    """Hold the knowledge base's writer lock; if another run holds it, call `on_wait` once and wait."""
    if engine.dialect.name == "postgresql":
        return _advisory(engine, on_wait)
    database = _sqlite_file(engine)  # none: a private database, nobody else can write it
    return file_lock(Path(f"{database}-ingest.lock"), on_wait) if database else nullcontext()


def one_upgrade_at_a_time(engine: sa.Engine) -> AbstractContextManager[None]:
    """For a schema upgrade of a SQLite file: two processes opening a new database at once both
    create its tables, and one fails ("table alembic_version already exists"). PostgreSQL takes
    its own advisory lock in `knowledge.schema.upgrade`."""
    database = _sqlite_file(engine)
    return file_lock(Path(f"{database}-schema.lock")) if database else nullcontext()


def _sqlite_file(engine: sa.Engine) -> str | None:
    """The file of a SQLite database; None for another database or one in memory."""
    database = engine.url.database
    return database if engine.dialect.name == "sqlite" and database and database != ":memory:" else None


@contextmanager
def file_lock(path: Path, on_wait: Callable[[], None] | None = None) -> Iterator[None]:
    """An exclusive `flock` on `path` (created if need be), released on exit or when the process dies."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a+") as f:
        try:
            fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            if on_wait:
                on_wait()
            fcntl.flock(f, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(f, fcntl.LOCK_UN)


@contextmanager
def _advisory(engine: sa.Engine, on_wait: Callable[[], None] | None) -> Iterator[None]:
    key = {"key": WRITER_LOCK}
    with engine.connect() as conn:
        got = conn.execute(sa.text(f"SELECT pg_try_advisory_lock{_KEY}"), key).scalar_one()
        conn.commit()
        if not got:
            if on_wait:
                on_wait()
            conn.execute(sa.text(f"SELECT pg_advisory_lock{_KEY}"), key)
            conn.commit()
        try:
            yield
        finally:
            conn.execute(sa.text(f"SELECT pg_advisory_unlock{_KEY}"), key)
            conn.commit()
