"""How each indexed document was cut into chunks: its recipe, the chunker's version and settings
("chunks-v1 size=1000 overlap=120", `ingest.chunking`). A document whose recipe is not the current
one is re-indexed by the next `ingest`, even if it did not change.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-08

Documents indexed before this revision are recorded with the recipe of the default settings
(SWITCHBOARD_CHUNK_SIZE 1000, SWITCHBOARD_CHUNK_OVERLAP 120) at chunker version 1, not left NULL
("unknown", which the next run re-indexes). Why:

- Every one of them was cut by chunker version 1: the chunker and `embedding_text` have made the
  same output since the first release, this one included.
- Most knowledge bases run on the default settings: for them the recorded recipe is exactly true,
  and NULL would have re-embedded the whole knowledge base on upgrade (minutes on a large one) to
  make the same chunks again.
- Where the settings are not the defaults, the recipe recorded here differs from the current one,
  so the next run re-indexes every document once, at the current settings. That is needed anyway:
  before this revision a changed setting reached only documents edited after it, so such an index
  may mix two cuts; re-indexing makes it whole. The cost falls on those who changed the settings.
- The one case it misses: documents cut with other settings by an editor who has since gone back
  to the defaults. Their index is as it was before this revision, and is not made worse. To have
  it cut again, set the recipe to NULL (`UPDATE kb_documents SET chunk_recipe = NULL`): the next
  `ingest` re-indexes every document (there is no rebuild flag).

The value is written here, not read from `ingest.chunking`: it says what the chunker made when
this revision was written, whatever a later version of the chunker records.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

DEFAULT_RECIPE = "chunks-v1 size=1000 overlap=120"


def upgrade() -> None:
    with op.batch_alter_table("kb_documents") as batch:
        batch.add_column(sa.Column("chunk_recipe", sa.Text))
    documents = sa.table("kb_documents", sa.column("chunk_recipe", sa.Text))
    op.execute(documents.update().values(chunk_recipe=DEFAULT_RECIPE))


def downgrade() -> None:
    with op.batch_alter_table("kb_documents") as batch:
        batch.drop_column("chunk_recipe")
