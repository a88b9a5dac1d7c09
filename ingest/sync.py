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

An unchanged document indexed with another recipe (chunker version, chunk size or overlap:
`ingest.chunking`) is re-indexed and reported as such; it keeps its version. Chunk ids name the
content hash and the place in the document, so its new chunks overwrite the old ones at the same
places before the catalog switches. Hence two more rules for a chunk overwritten in place: the
catalog forgets the document's recipe first (a run killed meanwhile leaves it to be cut again,
whatever the settings then: the store may hold part of the new cut), and the chunk's old units
are deleted before it is written and its new units written after, so its units never describe
text it does not hold (a chunk without units has them embedded when read).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from contextlib import nullcontext
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np

from ingest.chunking import Chunker, embedding_text, recipe_change
from ingest.loaders import Refusal
from ingest.ownership import adopt_earlier_releases, claimed_elsewhere, removals
from ingest.sources import Source, read_sources
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
    reindexed: list[str] = field(default_factory=list)  # unchanged, but cut anew: the chunking changed
    reindexed_because: list[str] = field(default_factory=list)  # each reason once: "chunk size 1000 → 800"
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
        if self.reindexed:
            counts += f"; {'would re-index' if self.dry_run else 're-indexed'} {self._reindexed()}"
        return f"dry run, nothing written: would have {counts}" if self.dry_run else counts

    def _reindexed(self) -> str:
        """The re-indexed documents were not edited: the line says why they were embedded again."""
        n = len(self.reindexed)
        return f"{n} unchanged document{'' if n == 1 else 's'}: {'; '.join(self.reindexed_because)}"


@dataclass
class Plan:
    index: list[tuple[Document, list[Chunk]]] = field(default_factory=list)  # new and changed
    remove: list[IndexedDocument] = field(default_factory=list)
    removed_because: dict[str, str] = field(default_factory=dict)  # doc id -> why (`kb show` says it)
    moved: list[Document] = field(default_factory=list)  # same content, another file
    report: SyncReport = field(default_factory=SyncReport)
    indexed_before: int = 0
    recipe: str = ""  # the chunker's (`Chunker.recipe`): what every document indexed is recorded with
    recut: set[str] = field(default_factory=set)  # doc ids of `index` unchanged but cut anew: same version
    stored: set[str] = field(default_factory=set)  # chunk ids in the store when the run planned

    @property
    def removes_too_much(self) -> bool:
        return bool(self.indexed_before) and len(self.remove) > MASS_DELETE_FRACTION * self.indexed_before


LOOSE = (
    "given alone, in no folder this knowledge base was ingested from, it has no name to keep: "
    "'{id}' (its file name) could be a file of any folder. Ingest the folder it belongs to (a file "
    "is named by its path below the folder ingested: 'billing/faq' for billing/faq.md), or give it "
    "an 'id' of its own (front matter 'id: ...'; a PDF's in NAME.pdf.meta.yaml)"
)


def _named_loose(kb: KnowledgeBase, source: Source, doc: Document) -> Document | None:
    """A file given alone, in no folder to name it by (`Source.loose`), keeps the id it is indexed
    under; one not indexed yet has none (None). Named after its file name, "faq" of billing/faq.md
    had then refused shipping/faq.md, and ingesting their folder had made "shipping/faq" beside it."""
    at_path = kb.catalog.under(doc.path, False)
    if len(at_path) != 1:
        return None
    kept = replace(doc, doc_id=at_path[0].doc_id, source=at_path[0].source or doc.source)
    source.documents[source.documents.index(doc)] = kept
    return kept


def plan_sync(
    kb: KnowledgeBase, paths: Iterable[Path], *, chunker: Chunker, max_doc_bytes: int, include_unverified: bool
) -> Plan:
    """What a sync would do. Reads the sources and the catalog; writes nothing."""
    stored = kb.store.ids()  # a document missing chunks (an interrupted write) is re-indexed
    plan = Plan(indexed_before=kb.catalog.count(), recipe=chunker.recipe, stored=stored)
    report = plan.report
    sources = read_sources(
        paths, max_doc_bytes=max_doc_bytes, include_unverified=include_unverified, known=kb.catalog.sources()
    )
    indexed_all = kb.catalog.all()
    adopt_earlier_releases(indexed_all, sources)
    read = {f for s in sources for f in s.files}
    for source in sources:
        report.refused.extend(source.refused)
        for doc in list(source.documents):
            if doc.path in source.loose:
                named = _named_loose(kb, source, doc)
                if named is None:
                    report.refused.append(Refusal(doc.path, LOOSE.format(id=doc.doc_id)))
                    source.documents.remove(doc)
                    continue
                doc = named
            indexed = kb.catalog.get(doc.doc_id)
            if claimed_elsewhere(indexed, doc, read, source.earlier):
                reason = (
                    f"doc id '{doc.doc_id}' is the indexed article from {indexed.path}, which still exists"
                    + (f" (indexed through {indexed.source})" if indexed.source and indexed.source != doc.source else "")
                    + ": give this file its own 'id', or remove that file first"
                )
                report.refused.append(Refusal(doc.path, reason, doc.doc_id, kept=True))
                source.documents.remove(doc)
                continue
            if indexed and indexed.content_hash == doc.content_hash and stored.issuperset(indexed.chunk_ids):
                if indexed.recipe == chunker.recipe:
                    report.unchanged.append(doc.doc_id)
                    if (indexed.path, indexed.source) != (doc.path, doc.source) or not indexed.source_recorded:
                        plan.moved.append(doc)  # or its source, inferred before, is now recorded
                    continue
                _plan_recut(plan, indexed, doc)
                version = indexed.version
            else:
                (report.updated if indexed else report.added).append(doc.doc_id)
                version = kb.catalog.next_version(doc.doc_id)
            chunks = chunker.split(doc, version=version)
            plan.index.append((doc, chunks))
            report.chunks_written += len(chunks)
            report.chunks_removed += len(indexed.chunk_ids) if indexed else 0

    for indexed, why in removals(indexed_all, sources, report.refused):
        plan.remove.append(indexed)
        plan.removed_because[indexed.doc_id] = why
        report.removed.append(indexed.doc_id)
        report.chunks_removed += len(indexed.chunk_ids)
    return plan


def _plan_recut(plan: Plan, indexed: IndexedDocument, doc: Document) -> None:
    """An unchanged document indexed with another recipe: re-indexed, and the report says why."""
    plan.recut.add(doc.doc_id)
    plan.report.reindexed.append(doc.doc_id)
    why = (
        f"chunking changed ({recipe_change(indexed.recipe, plan.recipe)})"
        if indexed.recipe
        else "chunking not recorded (as a run interrupted while re-indexing leaves it)"
    )
    if why not in plan.report.reindexed_because:
        plan.report.reindexed_because.append(why)


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
    for doc in plan.moved:  # same content, new file (or read through another folder): just follow it
        kb.catalog.move(doc.doc_id, doc.path, doc.source)
    if on_total:
        on_total(plan.report.chunks_written)
    for batch in _batches(plan.index, BATCH_CHUNKS):
        _index_batch(kb, plan, batch)
        if progress:
            progress(sum(len(chunks) for _, chunks in batch))
    for indexed in plan.remove:
        kb.catalog.remove(indexed.doc_id, plan.removed_because.get(indexed.doc_id, ""))
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


@dataclass(frozen=True)
class Embedded:
    """Chunks and their answer units, embedded; nothing stored yet."""

    chunks: list[Chunk]  # with their unit counts
    vectors: np.ndarray  # one per chunk (none when only their units were embedded)
    units: list[list[str]]
    unit_vectors: list[np.ndarray]

    def store_units(self, kb: KnowledgeBase, only: Callable[[str], bool] = lambda _: True) -> None:
        """Store the units of the chunks whose ids `only` accepts."""
        picked = [i for i, c in enumerate(self.chunks) if only(c.chunk_id)]
        kb.store.upsert_units(
            [self.chunks[i].chunk_id for i in picked],
            [self.units[i] for i in picked],
            [self.unit_vectors[i] for i in picked],
        )


def _embed(kb: KnowledgeBase, chunks: list[Chunk], *, with_chunks: bool = True) -> Embedded:
    """Embed the chunks (unless told not to) and their answer units, in one call."""
    units = [split_units(c.text) for c in chunks]
    texts = [embedding_text(c) for c in chunks] if with_chunks else []
    vectors = kb.embedder.embed(texts + [u for us in units for u in us])
    chunk_vectors, unit_vectors = vectors[: len(texts)], vectors[len(texts) :]
    per_chunk, start = [], 0
    for us in units:
        per_chunk.append(unit_vectors[start : start + len(us)])
        start += len(us)
    counted = [replace(c, units=len(us)) for c, us in zip(chunks, units, strict=True)]
    return Embedded(counted, chunk_vectors, units, per_chunk)


def embed_chunks(kb: KnowledgeBase, chunks: list[Chunk], *, with_chunks: bool = True) -> tuple[np.ndarray, list[Chunk]]:
    """Embed the chunks (unless told not to) and their answer units, in one call; store the units.

    Returns the chunk vectors and the chunks with their unit counts. Units are stored first: a
    chunk that retrieval can see has them.
    """
    embedded = _embed(kb, chunks, with_chunks=with_chunks)
    embedded.store_units(kb)
    return embedded.vectors, embedded.chunks


def _index_batch(kb: KnowledgeBase, plan: Plan, batch: list[tuple[Document, list[Chunk]]]) -> None:
    embedded = _embed(kb, [c for _, cs in batch for c in cs])
    previous = {doc.doc_id: kb.catalog.get(doc.doc_id) for doc, _ in batch}
    _write_chunks(kb, embedded, previous, plan.stored)
    for doc, doc_chunks in batch:
        chunk_ids = [c.chunk_id for c in doc_chunks]
        if doc.doc_id in plan.recut:
            kb.catalog.recut(doc_id=doc.doc_id, path=doc.path, chunk_ids=chunk_ids, recipe=plan.recipe, source=doc.source)
        else:
            _record(kb, doc, doc_chunks, plan.recipe)
        if old := previous[doc.doc_id]:
            kb.store.delete(sorted(set(old.chunk_ids) - set(chunk_ids)))


def _write_chunks(
    kb: KnowledgeBase, embedded: Embedded, previous: dict[str, IndexedDocument | None], stored: set[str]
) -> None:
    """Store a batch's chunks and units, in the order that keeps what a reader sees consistent.

    First the catalog forgets the recipe of each document whose indexed chunks are overwritten:
    the store is about to stop holding the cut the recipe names. Units left at these ids (by an
    older cut, or a run killed after writing them) are deleted, so none outlives its text. A chunk
    new to the store then gets its units before it is written: once visible, it has them. A chunk
    written over one in the store (a document cut anew keeps its ids) gets them after: in between
    a reader embeds them from its text, and no unit describes text the chunk does not hold.
    """
    ids = {c.chunk_id for c in embedded.chunks}
    again = ids & stored
    kb.catalog.forget_recipes(sorted(d for d, old in previous.items() if old and ids.intersection(old.chunk_ids)))
    kb.store.delete_units(sorted(ids))
    embedded.store_units(kb, only=lambda cid: cid not in again)
    kb.store.upsert(embedded.chunks, embedded.vectors)
    embedded.store_units(kb, only=lambda cid: cid in again)


def _record(kb: KnowledgeBase, doc: Document, chunks: list[Chunk], recipe: str) -> None:
    """Make this document's new version, cut by `recipe`, the indexed one."""
    kb.catalog.record(
        doc_id=doc.doc_id,
        version=chunks[0].version if chunks else kb.catalog.next_version(doc.doc_id),
        path=doc.path,
        title=doc.title,
        url=doc.url,
        owner=doc.owner,
        review_by=doc.metadata.get("review_by"),
        tags=doc.metadata.get("tags"),
        content_hash=doc.content_hash,
        text=doc.text,
        chunk_ids=[c.chunk_id for c in chunks],
        verified=doc.verified,
        recipe=recipe,
        source=doc.source or None,
    )


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
