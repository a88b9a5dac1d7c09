"""Splitting documents into chunks along their headings (LangChain text splitters)."""

from __future__ import annotations

from langchain_text_splitters import MarkdownHeaderTextSplitter, RecursiveCharacterTextSplitter

from knowledge import Chunk, Document

HEADERS = [("#", "h1"), ("##", "h2"), ("###", "h3")]


class Chunker:
    def __init__(self, chunk_size: int = 1000, chunk_overlap: int = 120) -> None:
        self._by_heading = MarkdownHeaderTextSplitter(headers_to_split_on=HEADERS, strip_headers=True)
        self._by_size = RecursiveCharacterTextSplitter(
            chunk_size=chunk_size, chunk_overlap=chunk_overlap, add_start_index=False
        )

    def split(self, doc: Document) -> list[Chunk]:
        pieces: list[tuple[str, str]] = []  # (heading path, text)
        for section in self._by_heading.split_text(doc.text):
            heading = " > ".join(str(section.metadata[k]) for _, k in HEADERS if k in section.metadata)
            for text in self._by_size.split_text(section.page_content):
                if text.strip():
                    pieces.append((heading, text.strip()))
        prefix = doc.content_hash[:12]
        return [
            Chunk(
                chunk_id=f"{doc.doc_id}#{prefix}-{i}",
                doc_id=doc.doc_id,
                title=doc.title,
                url=doc.url,
                text=text,
                content_hash=doc.content_hash,
                ordinal=i,
                heading=heading,
            )
            for i, (heading, text) in enumerate(pieces)
        ]


def embedding_text(chunk: Chunk) -> str:
    """What gets embedded: the title and heading give a short section the context it lacks."""
    context = " > ".join(p for p in (chunk.title, chunk.heading) if p)
    return f"{context}\n{chunk.text}" if context else chunk.text
