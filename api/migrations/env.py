"""The API's Alembic environment: its revisions are in versions/ (see knowledge/schema.py)."""

from alembic import context

from api.db import metadata
from knowledge.schema import run_environment

run_environment(context, metadata)
