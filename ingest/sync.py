"""Syncing source documents into the knowledge base: incremental, idempotent, safe to interrupt.

A run first *plans* (reads every source, compares content hashes with the catalog) and only then
*applies*. Order of writes for a new or changed document: its new chunks go into the vector store,
then the catalog switches to the new version in one transaction, then the old chunks are deleted.
For a removed document: the catalog forgets it, then its chunks are deleted. Retrieval only trusts
chunks of the catalog's current version, so a crash at any point leaves the previous index
answering, and the next run finishes the job (including sweeping chunks nobody owns).

A run that writes holds the knowledge base's writer lock (`knowledge.writer_lock`) from its plan to
its last write: a second run at the same time waits, then plans against what the first one left.
Without it, both added the same new documents and one died on the catalog's key; and two processes
writing one embedded Chroma store at once left it unreadable (the next process to open it crashed).

Each chunk's answer units (sentences, list items, table rows) are embedded with it and stored
before it, so the assistant reads their vectors instead of embedding them per reply. An index made
before unit vectors existed gets them on its next run, without re-embedding its chunks.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from contextlib import nullcontext
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np

from ingest.chunking import Chunker, embedding_text
from ingest.loaders import Refusal, iter_files, load_file
from knowledge import Chunk, Document, IndexedDocument, KnowledgeBase
from knowledge.units import split_units

BATCH_CHUNKS = 256
MASS_DELETE_FRACTION = 0.2


class MassDeleteRefused(Exception):
    """The run would remove more than MASS_DELETE_FRACTION of the indexed documents."""


@dataclass
class SyncReport:
    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    refused: list[Refusal] = field(default_factory=list)
    chunks_written: int = 0
    chunks_removed: int = 0
    dry_run: bool = False
    stopped: str | None = None  # a dry run: why the real run would stop (a mass delete), if it would

    @property
    def ok(self) -> bool:
        return not self.refused

    def summary(self) -> str:
        counts = (
            f"added {len(self.added)}, updated {len(self.updated)}, unchanged {len(self.unchanged)}, "
            f"removed {len(self.removed)}, refused {len(self.refused)}"
        )
        return f"dry run, nothing written: would have {counts}" if self.dry_run else counts


@dataclass
class Source:
    """One path given to `ingest`, with everything read from it."""

    root: Path
    documents: list[Document]
    refused: list[Refusal]
    complete: bool  # False when the path does not exist: then nothing below it is removed
    files: set[str] = field(default_factory=set)  # every file read, resolved


@dataclass
class Plan:
    index: list[tuple[Document, list[Chunk]]] = field(default_factory=list)  # new and changed
    remove: list[IndexedDocument] = field(default_factory=list)
    moved: list[Document] = field(default_factory=list)  # same content, another file
    report: SyncReport = field(default_factory=SyncReport)
    indexed_before: int = 0

    @property
    def removes_too_much(self) -> bool:
        return bool(self.indexed_before) and len(self.remove) > MASS_DELETE_FRACTION * self.indexed_before


def read_sources(paths: Iterable[Path], *, max_doc_bytes: int, include_unverified: bool) -> list[Source]:
    """Every document below the paths. Two files (or two records) that claim one doc id are both
    refused: which one won depended only on the order of their paths, and the loser was an
    indexed article replaced without a word. The indexed version stays until the clash is mended."""
    sources: list[Source] = []
    read: set[str] = set()  # files read already: a folder given inside another one given adds none
    # outer folders first: a file is named after its path below the outermost folder given
    # a path named on the command line may be a link (a release's "kb/current"): read where it
    # points; links below it are refused by name (`load_file`)
    roots = [p.resolve() if p.is_symlink() else p for p in paths]
    for root in sorted(roots, key=lambda p: len(p.resolve().parts) if p.exists() else 0):
        if not root.exists():
            sources.append(Source(root, [], [Refusal(str(root), "no such file or folder")], False))
            continue
        docs: list[Document] = []
        refused: list[Refusal] = []
        files: set[str] = set()
        for path in iter_files(root):
            file = str(path.absolute() if path.is_symlink() else path.resolve())
            if file in read:
                continue
            read.add(file)
            files.add(file)
            loaded, bad = load_file(path, root, max_doc_bytes)
            refused.extend(bad)
            for doc in loaded:
                if not doc.verified and not include_unverified:
                    reason = (
                        "not verified: once reviewed, mark it verified (front matter 'verified: true', "
                        "HTML <meta name=\"verified\" content=\"true\">, a PDF's NAME.pdf.meta.yaml), "
                        "or pass --include-unverified"
                    )
                    refused.append(Refusal(doc.path, reason, doc.doc_id))
                else:
                    docs.append(doc)
        sources.append(Source(root, docs, refused, True, files))
    _refuse_shared_ids(sources)
    return sources


def _refuse_shared_ids(sources: list[Source]) -> None:
    """Each document whose doc id another one in this run claims too is refused, with where."""
    claims: dict[str, list[str]] = {}
    for source in sources:
        for doc in source.documents:
            claims.setdefault(doc.doc_id, []).append(doc.where)
    for source in sources:
        kept = []
        for doc in source.documents:
            places = claims[doc.doc_id]
            if len(places) == 1:
                kept.append(doc)
                continue
            others = ", ".join(p for p in dict.fromkeys(places) if p != doc.where) or "this same file"  # "kb.jsonl:7"
            reason = (
                f"duplicate doc id '{doc.doc_id}' (also in {others}): give each its own 'id'; "
                "the indexed version, if any, is kept"
            )
            source.refused.append(Refusal(doc.path, reason, doc.doc_id, line=doc.line, kept=True))
        source.documents = kept


def _claimed_elsewhere(indexed: IndexedDocument | None, doc: Document, read: set[str]) -> bool:
    """The doc id is indexed from another file that still exists and that this run did not read:
    this document would take that article over. (A file this run read and that no longer claims
    the id, or one that is gone, gave the id up: that is a move.)"""
    if indexed is None or indexed.path == doc.path or indexed.path in read:
        return False
    return Path(indexed.path).is_file()


def _keeping_indexed_id(kb: KnowledgeBase, source: Source, doc: Document) -> Document:
    """A file named after its path keeps the id it is indexed under: ingesting one file, or a
    folder inside the one it was first ingested from, names it after a shorter path
    ("reset-password" for "account/reset-password"), which had removed the article and added it
    again under the new id, its citations and version history broken."""
    if not doc.id_from_path:
        return doc
    at_path = kb.catalog.under(doc.path, False)
    if len(at_path) != 1 or at_path[0].doc_id == doc.doc_id:
        return doc
    kept = replace(doc, doc_id=at_path[0].doc_id)
    source.documents[source.documents.index(doc)] = kept
    return kept


def plan_sync(
    kb: KnowledgeBase, paths: Iterable[Path], *, chunker: Chunker, max_doc_bytes: int, include_unverified: bool
) -> Plan:
    """What a sync would do. Reads the sources and the catalog; writes nothing."""
    plan = Plan(indexed_before=kb.catalog.count())
    report = plan.report
    stored = kb.store.ids()  # a document missing chunks (an interrupted write) is re-indexed
    sources = read_sources(paths, max_doc_bytes=max_doc_bytes, include_unverified=include_unverified)
    read = {f for s in sources for f in s.files}
    for source in sources:
        report.refused.extend(source.refused)
        for doc in list(source.documents):
            doc = _keeping_indexed_id(kb, source, doc)
            indexed = kb.catalog.get(doc.doc_id)
            if _claimed_elsewhere(indexed, doc, read):
                reason = (
                    f"doc id '{doc.doc_id}' is the indexed article from {indexed.path}, which still exists: "
                    "give this file its own 'id', or remove that file first"
                )
                report.refused.append(Refusal(doc.path, reason, doc.doc_id, kept=True))
                source.documents.remove(doc)
                continue
            if indexed and indexed.content_hash == doc.content_hash and stored.issuperset(indexed.chunk_ids):
                report.unchanged.append(doc.doc_id)
                if indexed.path != doc.path:
                    plan.moved.append(doc)
                continue
            (report.updated if indexed else report.added).append(doc.doc_id)
            chunks = chunker.split(doc, version=kb.catalog.next_version(doc.doc_id))
            plan.index.append((doc, chunks))
            report.chunks_written += len(chunks)
            report.chunks_removed += len(indexed.chunk_ids) if indexed else 0

    # A document still in a source stays. So does one whose file could not be read this time
    # (its last good version keeps answering); an unverified one goes.
    present = {d.doc_id for s in sources for d in s.documents} | {r.doc_id for r in report.refused if r.kept}
    unreadable = {r.path for r in report.refused if r.doc_id is None}
    for source in sources:
        if not source.complete:
            continue
        for indexed in kb.catalog.under(str(source.root.resolve()), source.root.is_dir()):
            if indexed.doc_id not in present and indexed.path not in unreadable:
                plan.remove.append(indexed)
                report.removed.append(indexed.doc_id)
                report.chunks_removed += len(indexed.chunk_ids)
    return plan


def sync(
    kb: KnowledgeBase,
    paths: Iterable[Path],
    *,
    chunker: Chunker,
    max_doc_bytes: int,
    include_unverified: bool = False,
    dry_run: bool = False,
    allow_mass_delete: bool = False,
    progress: Callable[[int], None] | None = None,
    on_total: Callable[[int], None] | None = None,
    on_wait: Callable[[], None] | None = None,
) -> SyncReport:
    """Plan, then apply, holding the knowledge base's writer lock from the plan to the last write
    (a dry run writes nothing and takes no lock); `on_wait` is called if another run holds it."""
    with nullcontext() if dry_run else kb.catalog.exclusive(on_wait):
        plan = plan_sync(
            kb, paths, chunker=chunker, max_doc_bytes=max_doc_bytes, include_unverified=include_unverified
        )
        too_much = plan.removes_too_much and not allow_mass_delete
        why = (
            f"this run would remove {len(plan.remove)} of the {plan.indexed_before} indexed documents "
            f"(more than {MASS_DELETE_FRACTION:.0%}); nothing was changed. "
            "Check the paths, or pass --allow-mass-delete if that is intended."
        )
        if dry_run:
            plan.report.dry_run = True
            plan.report.stopped = why if too_much else None  # a check on a pull request sees it too
            return plan.report
        if too_much:
            raise MassDeleteRefused(why)
        apply_plan(kb, plan, progress=progress, on_total=on_total)
    return plan.report


def apply_plan(
    kb: KnowledgeBase,
    plan: Plan,
    *,
    progress: Callable[[int], None] | None = None,
    on_total: Callable[[int], None] | None = None,
) -> None:
    rebuild_units = _units_to_rebuild(kb)
    for doc in plan.moved:  # same content, new file: just follow it
        kb.catalog.move(doc.doc_id, doc.path)
    if on_total:
        on_total(plan.report.chunks_written)
    for batch in _batches(plan.index, BATCH_CHUNKS):
        _index_batch(kb, batch)
        if progress:
            progress(sum(len(chunks) for _, chunks in batch))
    for indexed in plan.remove:
        kb.catalog.remove(indexed.doc_id)
        kb.store.delete(indexed.chunk_ids)
    if rebuild_units:
        _backfill_units(kb, skip={c.chunk_id for _, chunks in plan.index for c in chunks})
    _sweep_orphans(kb, units=bool(plan.index or plan.remove))


def _units_to_rebuild(kb: KnowledgeBase) -> bool:
    """True until every chunk has its unit vectors: for an index made before they existed, one
    whose units were cut by an older `split_units` (those are dropped here), or one whose rebuild
    was interrupted. The chunks themselves are not re-embedded."""
    if not kb.store.units_current():
        kb.store.reset_units()
    return not kb.store.units_complete()


def _backfill_units(kb: KnowledgeBase, skip: set[str]) -> None:
    have = kb.store.unit_chunk_ids()
    ids = sorted(kb.catalog.all_chunk_ids() - skip - have)
    for start in range(0, len(ids), BATCH_CHUNKS):
        _, chunks = embed_chunks(kb, kb.store.get(ids[start : start + BATCH_CHUNKS]), with_chunks=False)
        kb.store.set_unit_counts(chunks, [c.units or 0 for c in chunks])
    kb.store.mark_units_complete()


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


def embed_chunks(kb: KnowledgeBase, chunks: list[Chunk], *, with_chunks: bool = True) -> tuple[np.ndarray, list[Chunk]]:
    """Embed the chunks (unless told not to) and their answer units, in one call; store the units.

    Returns the chunk vectors and the chunks with their unit counts. Units are stored first: a
    chunk that retrieval can see has them.
    """
    units = [split_units(c.text) for c in chunks]
    texts = [embedding_text(c) for c in chunks] if with_chunks else []
    vectors = kb.embedder.embed(texts + [u for us in units for u in us])
    chunk_vectors, unit_vectors = vectors[: len(texts)], vectors[len(texts) :]
    per_chunk, start = [], 0
    for us in units:
        per_chunk.append(unit_vectors[start : start + len(us)])
        start += len(us)
    kb.store.upsert_units([c.chunk_id for c in chunks], units, per_chunk)
    return chunk_vectors, [replace(c, units=len(us)) for c, us in zip(chunks, units, strict=True)]


def _index_batch(kb: KnowledgeBase, batch: list[tuple[Document, list[Chunk]]]) -> None:
    vectors, chunks = embed_chunks(kb, [c for _, cs in batch for c in cs])
    kb.store.upsert(chunks, vectors)
    for doc, doc_chunks in batch:
        previous = kb.catalog.get(doc.doc_id)
        kb.catalog.record(
            doc_id=doc.doc_id,
            version=doc_chunks[0].version if doc_chunks else kb.catalog.next_version(doc.doc_id),
            path=doc.path,
            title=doc.title,
            url=doc.url,
            owner=doc.owner,
            review_by=doc.metadata.get("review_by"),
            tags=doc.metadata.get("tags"),
            content_hash=doc.content_hash,
            text=doc.text,
            chunk_ids=[c.chunk_id for c in doc_chunks],
            verified=doc.verified,
        )
        if previous:
            kb.store.delete(sorted(set(previous.chunk_ids) - {c.chunk_id for c in doc_chunks}))


def _sweep_orphans(kb: KnowledgeBase, *, units: bool) -> None:
    """Delete chunks (and, after a run that wrote, unit vectors) no catalog entry owns.

    Both are left by an ingest that was killed mid-way.
    """
    owned = kb.catalog.all_chunk_ids()
    orphans = kb.store.ids() - owned
    if orphans:
        kb.store.delete(sorted(orphans))
    if units or orphans:
        stray = kb.store.unit_chunk_ids() - owned
        if stray:
            kb.store.delete_units(sorted(stray))
