"""The schema of the release before Alembic (its hand-written migrations m001–m010).

Revision ID: 0001
Revises:
Create Date: 2026-11-29

A new database gets these tables here; a database that release made is stamped with this revision
instead (api/migrations/legacy.py). The tables are frozen in api/migrations/baseline.py.
"""

from __future__ import annotations

from alembic import op

from api.migrations import baseline

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    baseline.metadata.create_all(op.get_bind())


def downgrade() -> None:
    baseline.metadata.drop_all(op.get_bind())
