"""The catalog: which document versions are indexed, and which chunk ids each one owns.

The catalog is the source of truth for what the index holds. The vector store may briefly hold
chunks the catalog does not know (a crash between the two writes); retrieval ignores them and the
next ingest sweeps them away, so an interrupted ingest never corrupts what the bot reads.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import sqlalchemy as sa

from knowledge.schema import Schema, upgrade
from knowledge.writer_lock import exclusive, one_upgrade_at_a_time

metadata = sa.MetaData()

documents = sa.Table(
    "kb_documents",
    metadata,
    sa.Column("doc_id", sa.String(512), primary_key=True),
    sa.Column("path", sa.Text, nullable=False, index=True),
    sa.Column("title", sa.Text, nullable=False),
    sa.Column("url", sa.Text),
    sa.Column("owner", sa.Text),
    sa.Column("review_by", sa.String(10)),  # ISO date
    sa.Column("tags", sa.Text),  # comma-separated
    sa.Column("content_hash", sa.String(64), nullable=False),
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column("chunk_ids", sa.Text, nullable=False),  # JSON list
    sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    # a draft indexed with --include-unverified: agents may read it, the bot sends nothing from it
    sa.Column("verified", sa.Boolean, nullable=False, server_default=sa.true()),
    # how its chunks were cut (`ingest.chunking`: "chunks-v1 size=1000 overlap=120"); NULL: unknown,
    # as while a run overwrites them, so the next run cuts them again
    sa.Column("chunk_recipe", sa.Text),
    # the folder given to `ingest` (or a file given alone) it belongs to, as named: a link stays the
    # link (`kb/current`); a document named after its path is named after its path below it. NULL: unknown
    sa.Column("source", sa.Text),
    # the source was inferred when the catalog was upgraded (migration 0005), not recorded by a run:
    # provisional, as an unknown one is (`ingest.ownership`)
    sa.Column("source_inferred", sa.Boolean, nullable=False, server_default=sa.false()),
)

versions = sa.Table(
    "kb_document_versions",
    metadata,
    sa.Column("doc_id", sa.String(512), primary_key=True),
    sa.Column("version", sa.Integer, primary_key=True),
    sa.Column("content_hash", sa.String(64), nullable=False),
    sa.Column("title", sa.Text, nullable=False),
    sa.Column("url", sa.Text),
    sa.Column("text", sa.Text, nullable=False),  # what the bot could read in this version
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
)

# documents that left the index and have not come back: `kb show` says when, and why
removed = sa.Table(
    "kb_removed",
    metadata,
    sa.Column("doc_id", sa.String(512), primary_key=True),
    sa.Column("removed_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("path", sa.Text, nullable=False),
    sa.Column("why", sa.Text, nullable=False),
)


@dataclass(frozen=True)
class IndexedDocument:
    doc_id: str
    path: str
    title: str
    url: str | None
    owner: str | None
    review_by: str | None
    tags: str | None
    content_hash: str
    version: int
    chunk_ids: tuple[str, ...]
    updated_at: datetime
    verified: bool = True
    recipe: str | None = None  # how its chunks were cut; None: unknown
    source: str | None = None  # the folder (or file) given to `ingest` it belongs to; None: unknown
    source_inferred: bool = False  # `source` was inferred from its path, not recorded by a run

    @property
    def source_recorded(self) -> bool:
        """Its source is the path a run was given, not unknown nor inferred (`ingest.ownership`)."""
        return self.source is not None and not self.source_inferred


@dataclass(frozen=True)
class Removal:
    """A document that left the index: when, the file it had been read from, and why."""

    doc_id: str
    removed_at: datetime
    path: str
    why: str


@dataclass(frozen=True)
class DocumentVersion:
    doc_id: str
    version: int
    content_hash: str
    title: str
    url: str | None
    text: str
    created_at: datetime


def _row_to_doc(row: sa.Row) -> IndexedDocument:
    return IndexedDocument(
        doc_id=row.doc_id,
        path=row.path,
        title=row.title,
        url=row.url,
        owner=row.owner,
        review_by=row.review_by,
        tags=row.tags,
        content_hash=row.content_hash,
        version=row.version,
        chunk_ids=tuple(json.loads(row.chunk_ids)),
        updated_at=row.updated_at,
        verified=bool(row.verified),
        recipe=row.chunk_recipe,
        source=row.source,
        source_inferred=bool(row.source_inferred),
    )


def _adopt(conn: sa.Connection) -> str | None:
    """Before Alembic the catalog had one schema (catalog.m001): its tables mean revision 0001."""
    return "0001" if sa.inspect(conn).has_table(documents.name) else None


SCHEMA = Schema(
    scripts=Path(__file__).resolve().parent / "migrations",
    version_table="kb_alembic_version",
    adopt=_adopt,
)


def sync_url(url: str) -> str:
    """The synchronous driver for a database URL (the API may name an async one)."""
    return url.replace("+aiosqlite", "").replace("postgresql://", "postgresql+psycopg://", 1)


class Catalog:
    def __init__(self, database_url: str) -> None:
        url = sync_url(database_url)
        connect_args = {"timeout": 30} if url.startswith("sqlite") else {}
        self.engine = sa.create_engine(url, connect_args=connect_args)
        with one_upgrade_at_a_time(self.engine), self.engine.begin() as conn:
            upgrade(conn, SCHEMA)

    def close(self) -> None:
        self.engine.dispose()

    def exclusive(self, on_wait: Callable[[], None] | None = None) -> AbstractContextManager[None]:
        """The writer lock: one ingest (or removal) of this knowledge base at a time (`knowledge.writer_lock`)."""
        return exclusive(self.engine, on_wait)

    def get(self, doc_id: str) -> IndexedDocument | None:
        with self.engine.connect() as conn:
            row = conn.execute(sa.select(documents).where(documents.c.doc_id == doc_id)).first()
        return _row_to_doc(row) if row else None

    def all(self) -> list[IndexedDocument]:
        with self.engine.connect() as conn:
            rows = conn.execute(sa.select(documents).order_by(documents.c.doc_id)).all()
        return [_row_to_doc(r) for r in rows]

    def count(self) -> int:
        with self.engine.connect() as conn:
            return int(conn.execute(sa.select(sa.func.count()).select_from(documents)).scalar_one())

    def generation(self) -> tuple[int, str]:
        """Changes whenever a document is added, updated or removed."""
        with self.engine.connect() as conn:
            row = conn.execute(sa.select(sa.func.count(), sa.func.max(documents.c.updated_at))).one()
        return int(row[0]), str(row[1])

    def unverified(self, doc_ids: list[str]) -> set[str]:
        """Those of the documents that are drafts, indexed with --include-unverified."""
        if not doc_ids:
            return set()
        with self.engine.connect() as conn:
            rows = conn.execute(
                sa.select(documents.c.doc_id).where(documents.c.doc_id.in_(set(doc_ids)), documents.c.verified.is_(False))
            ).all()
        return {r.doc_id for r in rows}

    def last_write(self) -> datetime | None:
        """When a document was last added or updated (removals leave no time behind)."""
        with self.engine.connect() as conn:
            at = conn.execute(sa.select(sa.func.max(documents.c.updated_at))).scalar_one_or_none()
        if at is None:
            return None
        return at if at.tzinfo else at.replace(tzinfo=UTC)

    def current_hashes(self, doc_ids: list[str]) -> dict[str, str]:
        """doc_id -> content hash of the indexed version, for the ids that are indexed."""
        if not doc_ids:
            return {}
        with self.engine.connect() as conn:
            rows = conn.execute(
                sa.select(documents.c.doc_id, documents.c.content_hash).where(
                    documents.c.doc_id.in_(set(doc_ids))
                )
            ).all()
        return {r.doc_id: r.content_hash for r in rows}

    def next_version(self, doc_id: str) -> int:
        """The number the next indexed version of this document gets.

        It is only taken when `record` commits, so a run that dies before that hands the same
        number to the run that finishes the job.
        """
        with self.engine.connect() as conn:
            last = conn.execute(
                sa.select(sa.func.max(versions.c.version)).where(versions.c.doc_id == doc_id)
            ).scalar_one()
        return (last or 0) + 1

    def record(
        self,
        *,
        doc_id: str,
        version: int,
        path: str,
        title: str,
        url: str | None,
        owner: str | None,
        review_by: str | None = None,
        tags: str | None = None,
        content_hash: str,
        text: str,
        chunk_ids: list[str],
        verified: bool = True,
        recipe: str | None = None,
        source: str | None = None,
    ) -> None:
        """Make this version the indexed one, in one transaction (a document removed before is back)."""
        now = datetime.now(UTC)
        with self.engine.begin() as conn:
            conn.execute(
                versions.insert().values(
                    doc_id=doc_id, version=version, content_hash=content_hash, title=title, url=url,
                    text=text, created_at=now,
                )
            )
            values = dict(
                path=path, title=title, url=url, owner=owner, review_by=review_by, tags=tags,
                content_hash=content_hash, version=version, chunk_ids=json.dumps(chunk_ids), updated_at=now,
                verified=verified, chunk_recipe=recipe, source=source, source_inferred=False,
            )
            updated = conn.execute(
                documents.update().where(documents.c.doc_id == doc_id).values(**values)
            ).rowcount
            if not updated:
                conn.execute(documents.insert().values(doc_id=doc_id, **values))
            conn.execute(removed.delete().where(removed.c.doc_id == doc_id))

    def recut(self, *, doc_id: str, path: str, chunk_ids: list[str], recipe: str, source: str | None = None) -> None:
        """The indexed version, cut anew (the chunking changed, the document did not): its chunk ids
        and recipe change, and its version stays. The time changes too, so that a running server
        sees the catalog changed and reads the new chunks (`Retriever.catch_up`)."""
        with self.engine.begin() as conn:
            conn.execute(
                documents.update().where(documents.c.doc_id == doc_id).values(
                    path=path, chunk_ids=json.dumps(chunk_ids), chunk_recipe=recipe, updated_at=datetime.now(UTC),
                    **({"source": source, "source_inferred": False} if source else {}),
                )
            )

    def forget_recipes(self, doc_ids: list[str]) -> None:
        """These documents' chunks are about to be overwritten in place: until they are recorded
        again their cut is unknown, and a run killed meanwhile leaves them to be cut again."""
        if doc_ids:
            with self.engine.begin() as conn:
                conn.execute(documents.update().where(documents.c.doc_id.in_(doc_ids)).values(chunk_recipe=None))

    def move(self, doc_id: str, path: str, source: str | None = None) -> None:
        """The same document, read from another file (or through another folder given, or through
        the one inferred for it, now recorded)."""
        with self.engine.begin() as conn:
            conn.execute(
                documents.update().where(documents.c.doc_id == doc_id).values(
                    path=path, **({"source": source, "source_inferred": False} if source else {})
                )
            )

    def versions(self, doc_id: str) -> list[DocumentVersion]:
        with self.engine.connect() as conn:
            rows = conn.execute(
                sa.select(versions).where(versions.c.doc_id == doc_id).order_by(versions.c.version)
            ).all()
        return [
            DocumentVersion(r.doc_id, r.version, r.content_hash, r.title, r.url, r.text, r.created_at)
            for r in rows
        ]

    def remove(self, doc_id: str, why: str = "") -> None:
        """Take the document out of the index (its versions stay), recording when and why."""
        with self.engine.begin() as conn:
            path = conn.execute(sa.select(documents.c.path).where(documents.c.doc_id == doc_id)).scalar_one_or_none()
            if path is None:
                return
            conn.execute(documents.delete().where(documents.c.doc_id == doc_id))
            conn.execute(removed.delete().where(removed.c.doc_id == doc_id))
            conn.execute(removed.insert().values(doc_id=doc_id, removed_at=datetime.now(UTC), path=path, why=why))

    def removal(self, doc_id: str) -> Removal | None:
        """When and why the document left the index, if it did (and has not come back). None for one
        removed before that was recorded, too."""
        with self.engine.connect() as conn:
            row = conn.execute(sa.select(removed).where(removed.c.doc_id == doc_id)).first()
        if row is None:
            return None
        at = row.removed_at if row.removed_at.tzinfo else row.removed_at.replace(tzinfo=UTC)
        return Removal(row.doc_id, at, row.path, row.why)

    def sources(self) -> set[str]:
        """The folders (and files given alone) that indexed documents were read from, as named."""
        with self.engine.connect() as conn:
            rows = conn.execute(sa.select(documents.c.source).where(documents.c.source.is_not(None)).distinct()).all()
        return {r.source for r in rows}

    def under(self, path: str, is_dir: bool) -> list[IndexedDocument]:
        """Indexed documents that were read from this file, or from anywhere below this folder."""
        cond = (
            documents.c.path.startswith(path.rstrip("/") + "/", autoescape=True)
            if is_dir
            else documents.c.path == path
        )
        with self.engine.connect() as conn:
            rows = conn.execute(sa.select(documents).where(cond)).all()
        return [_row_to_doc(r) for r in rows]

    def all_chunk_ids(self) -> set[str]:
        with self.engine.connect() as conn:
            rows = conn.execute(sa.select(documents.c.chunk_ids)).all()
        return {cid for r in rows for cid in json.loads(r.chunk_ids)}
