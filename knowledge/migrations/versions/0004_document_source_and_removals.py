"""Which folder each document belongs to, and when (and why) a document left the index.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-10

`kb_documents.source`: the folder given to `ingest` (or a file given alone) that the document is
read from, as it was named: a link (`kb/current`) stays the link, so the next run through it owns
what it indexed, wherever it points now. A document named after its path is named after its path
below this folder. NULL: not known (indexed before this revision, and not inferable).

`kb_removed`: one row per document removed from the index and not indexed since: when, from where
and why, so that `kb show` can say so.

Documents indexed before this revision get the folder their id says they were read from: a file
`/kb/billing/refunds.md` indexed as `billing/refunds` was read from `/kb`. Any other (an `id` of
its own, a JSONL record) stays NULL: nothing says which folder it was given from.
"""

from __future__ import annotations

import posixpath

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def inferred_source(doc_id: str, path: str) -> str | None:
    """The folder below which `path` is named `doc_id`, if it is."""
    stem, _ = posixpath.splitext(path)
    tail = "/" + doc_id
    return stem[: -len(tail)] or "/" if stem.endswith(tail) else None


def upgrade() -> None:
    with op.batch_alter_table("kb_documents") as batch:
        batch.add_column(sa.Column("source", sa.Text))
    op.create_table(
        "kb_removed",
        sa.Column("doc_id", sa.String(512), primary_key=True),
        sa.Column("removed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("path", sa.Text, nullable=False),
        sa.Column("why", sa.Text, nullable=False),
    )
    documents = sa.table("kb_documents", sa.column("doc_id", sa.String), sa.column("path", sa.Text), sa.column("source", sa.Text))
    conn = op.get_bind()
    for doc_id, path in conn.execute(sa.select(documents.c.doc_id, documents.c.path)).all():
        if source := inferred_source(doc_id, path):
            conn.execute(documents.update().where(documents.c.doc_id == doc_id).values(source=source))


def downgrade() -> None:
    op.drop_table("kb_removed")
    with op.batch_alter_table("kb_documents") as batch:
        batch.drop_column("source")
