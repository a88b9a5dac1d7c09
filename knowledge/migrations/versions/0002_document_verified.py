"""Whether each indexed document is verified: drafts indexed with `--include-unverified` help
agents, and the bot never answers a customer from one on its own.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-01

Documents indexed before this revision were verified: `ingest` refused every other one unless
told to include them, so they are marked verified; a draft among them is marked as such the next
time it is ingested (its content hash now says it is unverified).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("kb_documents") as batch:
        batch.add_column(sa.Column("verified", sa.Boolean, nullable=False, server_default=sa.true()))


def downgrade() -> None:
    with op.batch_alter_table("kb_documents") as batch:
        batch.drop_column("verified")
