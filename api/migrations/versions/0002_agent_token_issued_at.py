"""When each agent's current token was issued, so tokens can expire (SWITCHBOARD_AGENT_TOKEN_DAYS).

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-29

Existing tokens count from the agent's creation: an old token is as old as its agent.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("agents") as batch:
        batch.add_column(sa.Column("token_issued_at", sa.DateTime(timezone=True), nullable=True))
    op.execute("UPDATE agents SET token_issued_at = created_at WHERE token_issued_at IS NULL")


def downgrade() -> None:
    with op.batch_alter_table("agents") as batch:
        batch.drop_column("token_issued_at")
