"""The knowledge base: documents, chunks, embeddings, the vector store and retrieval."""

from knowledge.catalog import Catalog, IndexedDocument
from knowledge.documents import Chunk, Document, Hit
from knowledge.embeddings import Embedder
from knowledge.retrieval import Retriever
from knowledge.settings import Settings
from knowledge.store import VectorStore


class KnowledgeBase:
    """The parts that make up one knowledge base, opened from settings."""

    def __init__(self, settings: Settings, embedder: Embedder | None = None) -> None:
        self.settings = settings
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        self.embedder = embedder or Embedder(settings.embedding_model, onnx_queries=settings.onnx_queries)
        self.catalog = Catalog(settings.resolved_database_url)
        self.store = VectorStore(
            chroma_url=settings.chroma_url, chroma_path=settings.chroma_path, collection=settings.collection
        )
        self.retriever = Retriever(embedder=self.embedder, store=self.store, catalog=self.catalog)

    def close(self) -> None:
        self.catalog.close()


__all__ = [
    "Catalog",
    "Chunk",
    "Document",
    "Embedder",
    "Hit",
    "IndexedDocument",
    "KnowledgeBase",
    "Retriever",
    "Settings",
    "VectorStore",
]
