"""A chunk as the vector store keeps it: its fields as Chroma metadata, and back."""

from __future__ import annotations

from knowledge.documents import Chunk


def chunk_metadata(c: Chunk, units: int | None = None) -> dict:
    """The chunk's fields but its text and id, as Chroma metadata (no None values: Chroma refuses
    them); `units` overrides the chunk's own count of sentence vectors."""
    n = units if units is not None else c.units
    return {
        "doc_id": c.doc_id,
        "title": c.title,
        "url": c.url or "",
        "content_hash": c.content_hash,
        "ordinal": c.ordinal,
        "heading": c.heading,
        "version": c.version,
        **({"page": c.page} if c.page else {}),
        **({"units": n} if n is not None else {}),
    }


def chunk_from_record(chunk_id: str, text: str | None, meta) -> Chunk:
    """The chunk a stored record holds (metadata written by an older release may lack fields)."""
    return Chunk(
        chunk_id=chunk_id,
        doc_id=str(meta["doc_id"]),
        title=str(meta.get("title") or ""),
        url=str(meta.get("url") or "") or None,
        text=text or "",
        content_hash=str(meta.get("content_hash") or ""),
        ordinal=int(meta.get("ordinal") or 0),
        heading=str(meta.get("heading") or ""),
        version=int(meta.get("version") or 0),
        page=int(meta["page"]) if meta.get("page") else None,
        units=int(meta["units"]) if meta.get("units") is not None else None,
    )
