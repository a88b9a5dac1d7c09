"""Loading, verifying, chunking and syncing documents into the knowledge base."""

from ingest.chunking import Chunker
from ingest.loaders import Refusal, load_file
from ingest.sync import MassDeleteRefused, SyncReport, plan_sync, sync

__all__ = ["Chunker", "MassDeleteRefused", "Refusal", "SyncReport", "load_file", "plan_sync", "sync"]
