"""Syncing source documents into the knowledge base: incremental, idempotent, safe to interrupt.

Order of writes for a new or changed document: its new chunks go into the vector store, then the
catalog switches to the new version in one transaction, then the old chunks are deleted. For a
removed document: the catalog forgets it, then its chunks are deleted. Retrieval only trusts chunks
of the catalog's current version, so a crash at any point leaves the previous index answering, and
the next run finishes the job (including sweeping chunks nobody owns).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from ingest.chunking import Chunker, embedding_text
from ingest.loaders import Refusal, iter_files, load_file
from knowledge import Chunk, Document, KnowledgeBase

BATCH_CHUNKS = 256


@dataclass
class SyncReport:
    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    refused: list[Refusal] = field(default_factory=list)
    chunks_written: int = 0

    @property
    def ok(self) -> bool:
        return not self.refused

    def summary(self) -> str:
        return (
            f"added {len(self.added)}, updated {len(self.updated)}, unchanged {len(self.unchanged)}, "
            f"removed {len(self.removed)}, refused {len(self.refused)}"
        )


@dataclass
class Source:
    """One path given to `ingest`, with everything read from it."""

    root: Path
    documents: list[Document]
    refused: list[Refusal]
    complete: bool  # False when the path does not exist: then nothing below it is removed


def read_sources(
    paths: Iterable[Path], *, max_doc_bytes: int, include_unverified: bool
) -> list[Source]:
    sources: list[Source] = []
    seen: dict[str, str] = {}
    for root in paths:
        if not root.exists():
            sources.append(Source(root, [], [Refusal(str(root), "no such file or folder")], False))
            continue
        docs: list[Document] = []
        refused: list[Refusal] = []
        for path in iter_files(root):
            loaded, bad = load_file(path, root, max_doc_bytes)
            refused.extend(bad)
            for doc in loaded:
                if not doc.verified and not include_unverified:
                    refused.append(
                        Refusal(doc.path, "not verified: set 'verified: true' once reviewed, "
                                "or pass --include-unverified", doc.doc_id)
                    )
                elif doc.doc_id in seen:
                    refused.append(Refusal(doc.path, f"duplicate doc id '{doc.doc_id}' (also in {seen[doc.doc_id]})", doc.doc_id))
                else:
                    seen[doc.doc_id] = doc.path
                    docs.append(doc)
        sources.append(Source(root, docs, refused, True))
    return sources


def sync(
    kb: KnowledgeBase,
    paths: Iterable[Path],
    *,
    chunker: Chunker,
    max_doc_bytes: int,
    include_unverified: bool = False,
    progress: Callable[[int], None] | None = None,
    on_total: Callable[[int], None] | None = None,
) -> SyncReport:
    report = SyncReport()
    sources = read_sources(paths, max_doc_bytes=max_doc_bytes, include_unverified=include_unverified)
    to_index: list[tuple[Document, list[Chunk]]] = []
    for source in sources:
        report.refused.extend(source.refused)
        for doc in source.documents:
            indexed = kb.catalog.get(doc.doc_id)
            if indexed and indexed.content_hash == doc.content_hash:
                report.unchanged.append(doc.doc_id)
                if indexed.path != doc.path:  # moved file, same content: just follow it
                    kb.catalog.record(doc_id=doc.doc_id, path=doc.path, title=doc.title, url=doc.url,
                                      owner=doc.owner, content_hash=doc.content_hash,
                                      chunk_ids=list(indexed.chunk_ids))
                continue
            (report.updated if indexed else report.added).append(doc.doc_id)
            to_index.append((doc, chunker.split(doc)))

    if on_total:
        on_total(sum(len(chunks) for _, chunks in to_index))
    for batch in _batches(to_index, BATCH_CHUNKS):
        _index_batch(kb, batch)
        n = sum(len(chunks) for _, chunks in batch)
        report.chunks_written += n
        if progress:
            progress(n)

    # A document still in a source stays. So does one whose file could not be read this time
    # (its last good version keeps answering); an unverified one goes.
    present = {d.doc_id for s in sources for d in s.documents}
    unreadable = {r.path for r in report.refused if r.doc_id is None}
    for source in sources:
        if not source.complete:
            continue
        root = str(source.root.resolve())
        for indexed in kb.catalog.under(root, source.root.is_dir()):
            if indexed.doc_id not in present and indexed.path not in unreadable:
                kb.catalog.remove(indexed.doc_id)
                kb.store.delete(indexed.chunk_ids)
                report.removed.append(indexed.doc_id)

    _sweep_orphans(kb)
    return report


def _batches(items: list[tuple[Document, list[Chunk]]], size: int):
    batch: list[tuple[Document, list[Chunk]]] = []
    count = 0
    for doc, chunks in items:
        batch.append((doc, chunks))
        count += len(chunks)
        if count >= size:
            yield batch
            batch, count = [], 0
    if batch:
        yield batch


def _index_batch(kb: KnowledgeBase, batch: list[tuple[Document, list[Chunk]]]) -> None:
    chunks = [c for _, cs in batch for c in cs]
    vectors = kb.embedder.embed([embedding_text(c) for c in chunks])
    kb.store.upsert(chunks, vectors)
    for doc, doc_chunks in batch:
        previous = kb.catalog.get(doc.doc_id)
        kb.catalog.record(
            doc_id=doc.doc_id, path=doc.path, title=doc.title, url=doc.url, owner=doc.owner,
            content_hash=doc.content_hash, chunk_ids=[c.chunk_id for c in doc_chunks],
        )
        if previous:
            stale = set(previous.chunk_ids) - {c.chunk_id for c in doc_chunks}
            kb.store.delete(sorted(stale))


def _sweep_orphans(kb: KnowledgeBase) -> None:
    """Delete chunks no catalog entry owns (left by an ingest that was killed mid-way)."""
    orphans = kb.store.ids() - kb.catalog.all_chunk_ids()
    if orphans:
        kb.store.delete(sorted(orphans))
