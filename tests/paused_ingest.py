"""An editor's ingest in a process of its own, stopping at every write that changes what a reader
may see, for tests to look at a running server's answers at that instant.

    python -m tests.paused_ingest '{"data_dir": ..., "chroma_url": ..., "collection": ..., "docs": ...}'

Documents are embedded by `tests.hashing_embedder`, one per batch. After each catalog switch
(`record`), catalog removal and store deletion it prints `pause <what>` and waits for a line on
stdin (unless given `"pause": false`); it prints `done` at the end.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import ingest.sync
from ingest import Chunker, sync
from knowledge import KnowledgeBase, Settings

from tests.hashing_embedder import HashingEmbedder


PAUSE = True


def pause(what: str) -> None:
    if not PAUSE:
        return
    print(f"pause {what}", flush=True)
    if not sys.stdin.readline():
        raise SystemExit("the test went away")


def main() -> None:
    global PAUSE
    args = json.loads(sys.argv[1])
    PAUSE = args.get("pause", True)
    settings = Settings(
        _env_file=None, data_dir=Path(args["data_dir"]), chroma_url=args.get("chroma_url"),
        collection=args.get("collection", "switchboard"),
    )
    ingest.sync.BATCH_CHUNKS = 1  # each document a batch of its own: a batch commit between any two
    kb = KnowledgeBase(settings, embedder=HashingEmbedder())
    record, remove, delete = kb.catalog.record, kb.catalog.remove, kb.store.delete

    def recorded(**kw) -> None:
        record(**kw)
        pause(f"switched {kw['doc_id']}")

    def removed(doc_id: str, *why) -> None:
        remove(doc_id, *why)
        pause(f"removed {doc_id}")

    def deleted(chunk_ids) -> None:
        delete(chunk_ids)
        if chunk_ids:
            pause(f"deleted {len(chunk_ids)} chunks")

    kb.catalog.record, kb.catalog.remove, kb.store.delete = recorded, removed, deleted
    sync(kb, [Path(args["docs"])], chunker=Chunker(), max_doc_bytes=100_000, allow_mass_delete=True)
    kb.close()
    print("done", flush=True)


if __name__ == "__main__":
    main()
