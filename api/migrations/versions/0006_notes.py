"""Agents' internal notes on a conversation: written for the other agents, never shown to the customer.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01

A table of their own rather than a kind of message: whatever the customer or the bot reads reads
`messages`, so a note cannot reach them by a filter forgotten. No rows to carry over.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "notes",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("conversation_id", sa.String(36), sa.ForeignKey("conversations.id"), nullable=False),
        sa.Column("agent_id", sa.Integer, sa.ForeignKey("agents.id"), nullable=False),
        sa.Column("author", sa.String(200), nullable=False),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_notes_conversation_id", "notes", ["conversation_id"])


def downgrade() -> None:
    op.drop_index("ix_notes_conversation_id", table_name="notes")
    op.drop_table("notes")
