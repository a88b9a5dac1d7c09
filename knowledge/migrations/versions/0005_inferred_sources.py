"""The sources of documents indexed before sources were recorded: inferred, and marked so.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-11

`kb_documents.source_inferred`: true when `source` was inferred here, not recorded by `ingest`.
Such a source is provisional (`ingest.ownership`). The catalog recorded only the file an article
was read from, where it really is (`…/rel/r1/refunds.md`), not the path the editor gave (a link,
`rel/current`, that pointed to r1). If the link then points to another release before this
release's first run through it, the run takes over the release the link served before; and any
run that reads the document records its source as given, which is no longer inferred.

What is inferred:
- A file named after its path: the folder below which its path is its id (`/kb/billing/refunds.md`
  indexed as `billing/refunds` was read from `/kb`).
- A JSONL record: its file. A record's id is its own: `faq` in `/e/faq.jsonl` says nothing of `/e`
  (taken for a folder given, it named every file below `/e` anew).
- Anything else (a file with an `id` of its own): NULL, unknown, which is provisional too.

Revision 0004 first made this inference itself, unmarked. In a database it brought up to date,
those sources stay unmarked (nothing tells them from a run's), except a JSONL record's folder taken
from its file's name, which becomes its file.
"""

from __future__ import annotations

import posixpath

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def folder_naming(doc_id: str, path: str) -> str | None:
    """The folder below which `path` is named `doc_id`, if it is."""
    stem, _ = posixpath.splitext(path)
    tail = "/" + doc_id
    return stem[: -len(tail)] or "/" if stem.endswith(tail) else None


def inferred_source(doc_id: str, path: str, source: str | None) -> str | None:
    """The source to record as inferred, or None to leave the row as it is."""
    if path.lower().endswith(".jsonl"):
        return path if source is None or source == folder_naming(doc_id, path) else None
    return folder_naming(doc_id, path) if source is None else None


def upgrade() -> None:
    with op.batch_alter_table("kb_documents") as batch:
        batch.add_column(sa.Column("source_inferred", sa.Boolean, nullable=False, server_default=sa.false()))
    documents = sa.table(
        "kb_documents", sa.column("doc_id", sa.String), sa.column("path", sa.Text), sa.column("source", sa.Text),
        sa.column("source_inferred", sa.Boolean),
    )
    conn = op.get_bind()
    for doc_id, path, source in conn.execute(sa.select(documents.c.doc_id, documents.c.path, documents.c.source)).all():
        if inferred := inferred_source(doc_id, path, source):
            conn.execute(
                documents.update().where(documents.c.doc_id == doc_id).values(source=inferred, source_inferred=True)
            )


def downgrade() -> None:
    with op.batch_alter_table("kb_documents") as batch:
        batch.drop_column("source_inferred")
