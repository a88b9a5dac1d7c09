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

The sources of documents indexed before this revision are inferred by revision 0005, which marks
them as inferred. (This revision inferred them itself at first, unmarked: see 0005.)
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


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


def downgrade() -> None:
    op.drop_table("kb_removed")
    with op.batch_alter_table("kb_documents") as batch:
        batch.drop_column("source")
