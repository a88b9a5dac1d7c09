"""The catalog's schema: an Alembic environment (env.py, versions/), run by knowledge.schema."""
