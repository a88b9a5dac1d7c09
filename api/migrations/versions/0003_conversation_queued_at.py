"""When each conversation last joined the queue, so the queue keeps its order while customers write.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-30

A conversation already waiting counts from its last change, as the queue was ordered before.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("conversations") as batch:
        batch.add_column(sa.Column("queued_at", sa.DateTime(timezone=True), nullable=True))
    op.execute("UPDATE conversations SET queued_at = updated_at WHERE state = 'queued'")


def downgrade() -> None:
    with op.batch_alter_table("conversations") as batch:
        batch.drop_column("queued_at")
