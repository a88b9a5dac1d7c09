"""Loading, verifying, chunking and syncing documents into the knowledge base."""

from ingest.chunking import Chunker
from ingest.loaders import Refusal, load_file
from ingest.sync import SyncReport, sync

__all__ = ["Chunker", "Refusal", "SyncReport", "load_file", "sync"]
