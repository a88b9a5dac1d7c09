"""When each agent was last seen (signed in, set their presence, or had a console open), so an agent
set online whose consoles are all closed counts as away.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-30

Nobody has been seen yet: every agent counts as away until they next open the console.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("agents") as batch:
        batch.add_column(sa.Column("last_seen_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("agents") as batch:
        batch.drop_column("last_seen_at")
