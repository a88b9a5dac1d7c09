"""Splitting documents into chunks along their headings (LangChain text splitters).

PDF text arrives with a form feed between pages; each chunk then records the page it came from.

Each document is indexed with a *recipe*: the chunker's version and its settings. The catalog
keeps it, and `ingest` re-indexes an unchanged document whose recipe is not the current one: a
content hash covers the document, not how it was cut and embedded, and a new chunk size had
otherwise reached only the documents edited after it.
"""

from __future__ import annotations

from langchain_text_splitters import MarkdownHeaderTextSplitter, RecursiveCharacterTextSplitter

from knowledge import Chunk, Document
from knowledge.documents import chunk_id

HEADERS = [("#", "h1"), ("##", "h2"), ("###", "h3")]
PAGE_BREAK = "\f"
# Bump when `Chunker.split` or `embedding_text` gives another output for the same document and
# settings: every indexed document is then re-indexed by the next run.
CHUNKING_VERSION = 1
LABELS = {"chunker": "chunker", "size": "chunk size", "overlap": "chunk overlap"}


class Chunker:
    def __init__(self, chunk_size: int = 1000, chunk_overlap: int = 120) -> None:
        self.recipe = f"chunks-v{CHUNKING_VERSION} size={chunk_size} overlap={chunk_overlap}"
        self._by_heading = MarkdownHeaderTextSplitter(headers_to_split_on=HEADERS, strip_headers=True)
        self._by_size = RecursiveCharacterTextSplitter(chunk_size=chunk_size, chunk_overlap=chunk_overlap)

    def _pieces(self, text: str) -> list[tuple[str, str]]:
        """(heading path, text) pieces of one stretch of text."""
        pieces = []
        for section in self._by_heading.split_text(text):
            heading = " > ".join(str(section.metadata[k]) for _, k in HEADERS if k in section.metadata)
            pieces.extend((heading, t.strip()) for t in self._by_size.split_text(section.page_content) if t.strip())
        return pieces

    def split(self, doc: Document, version: int = 0) -> list[Chunk]:
        paged = PAGE_BREAK in doc.text
        pages = doc.text.split(PAGE_BREAK) if paged else [doc.text]
        located = [
            (page if paged else None, heading, text)
            for page, page_text in enumerate(pages, start=1)
            for heading, text in self._pieces(page_text)
        ]
        return [
            Chunk(
                chunk_id=chunk_id(doc.doc_id, doc.content_hash, i),
                doc_id=doc.doc_id,
                title=doc.title,
                url=doc.url,
                text=text,
                content_hash=doc.content_hash,
                ordinal=i,
                heading=heading,
                version=version,
                page=page,
            )
            for i, (page, heading, text) in enumerate(located)
        ]


def embedding_text(chunk: Chunk) -> str:
    """What gets embedded: the title and heading give a short section the context it lacks."""
    context = " > ".join(p for p in (chunk.title, chunk.heading) if p)
    return f"{context}\n{chunk.text}" if context else chunk.text


def recipe_change(old: str, new: str) -> str:
    """What differs between two recipes, as an editor reads it: "chunk size 1000 → 800"."""
    before, after = _settings(old), _settings(new)
    changed = [
        f"{LABELS.get(key, key)} {before.get(key, '-')} → {after.get(key, '-')}"
        for key in dict.fromkeys([*after, *before])
        if before.get(key) != after.get(key)
    ]
    return ", ".join(changed) or f"{old} → {new}"


def _settings(recipe: str) -> dict[str, str]:
    """"chunks-v1 size=1000 overlap=120" -> {"chunker": "v1", "size": "1000", "overlap": "120"}."""
    head, *settings = recipe.split()
    return {"chunker": head.removeprefix("chunks-"), **dict(s.partition("=")[::2] for s in settings)}
