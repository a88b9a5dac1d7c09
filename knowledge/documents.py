"""What the knowledge base is made of: documents, their chunks, and retrieval hits."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Document:
    """One verified source document, as loaded from a file or a JSONL record."""

    doc_id: str
    title: str
    text: str
    url: str | None = None
    verified: bool = True
    owner: str | None = None
    source: str = ""  # the path given to `ingest` that this document came from
    path: str = ""  # the file it was read from
    metadata: dict[str, str] = field(default_factory=dict)
    line: int | None = None  # its line in a JSONL file: where an editor finds it (not indexed, not hashed)
    id_from_path: bool = False  # no 'id' of its own: named after its path below the folder ingested (not hashed)

    @property
    def where(self) -> str:
        return f"{self.path}:{self.line}" if self.line else self.path

    @property
    def content_hash(self) -> str:
        """Hash of everything that reaches the index: a change to any of it re-indexes."""
        h = hashlib.sha256()
        meta = "\n".join(f"{k}={v}" for k, v in sorted(self.metadata.items()))
        for part in (self.doc_id, self.title, self.url or "", self.owner or "", meta, self.text):
            h.update(part.encode("utf-8"))
            h.update(b"\x00")
        if not self.verified:  # a draft verified later is a change (a verified one's hash is as it was)
            h.update(b"unverified\x00")
        return h.hexdigest()


def chunk_id(doc_id: str, content_hash: str, ordinal: int) -> str:
    """A chunk's id: its document, the document version's hash and its place in the document."""
    return f"{doc_id}#{content_hash[:12]}-{ordinal}"


@dataclass(frozen=True)
class Chunk:
    """A piece of a document small enough to embed and to quote."""

    chunk_id: str
    doc_id: str
    title: str
    url: str | None
    text: str
    content_hash: str  # of the document version this chunk belongs to
    ordinal: int
    heading: str = ""
    version: int = 0  # of the document
    page: int | None = None  # in a PDF, from 1
    units: int | None = None  # answer units stored for it (knowledge.units), when the store knows

    @property
    def next_id(self) -> str:
        """The id of the chunk that follows this one in its document (which may not exist)."""
        return chunk_id(self.doc_id, self.content_hash, self.ordinal + 1)

    @property
    def previous_id(self) -> str | None:
        """The id of the chunk before this one in its document; None for the first."""
        return chunk_id(self.doc_id, self.content_hash, self.ordinal - 1) if self.ordinal > 0 else None


@dataclass(frozen=True)
class Hit:
    """A chunk returned by retrieval: its cosine similarity to the query, its fused rank score, and
    its BM25 score relative to the query's best (1.0: the lexical search ranked it first)."""

    chunk: Chunk
    score: float
    fused: float = 0.0
    lexical: float = 0.0
