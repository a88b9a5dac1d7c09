"""What a bot's unsent draft cites, so an agent who sends the draft sends its sources with it.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-30

Drafts stored before this revision have no sources kept: sent as they are, they cite nothing.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("messages") as batch:
        batch.add_column(sa.Column("draft_sources", sa.JSON, nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("messages") as batch:
        batch.drop_column("draft_sources")
