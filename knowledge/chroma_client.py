"""Connecting to Chroma: a client for a server URL or an on-disk path, and the embedded systems
Chroma keeps per path in each process."""

from __future__ import annotations

import contextlib
from pathlib import Path
from urllib.parse import urlparse


def chroma_client(chroma_url: str | None, chroma_path: Path):  # -> chromadb.api.ClientAPI
    """A `chroma run` server's client when there is a URL, else the embedded store at the path."""
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    chroma_settings = ChromaSettings(anonymized_telemetry=False)
    if chroma_url:
        u = urlparse(chroma_url)
        return chromadb.HttpClient(
            host=u.hostname or "localhost",
            port=u.port or (443 if u.scheme == "https" else 8000),
            ssl=u.scheme == "https",
            settings=chroma_settings,
        )
    chroma_path.mkdir(parents=True, exist_ok=True)
    return chromadb.PersistentClient(path=str(chroma_path), settings=chroma_settings)


def forget_embedded_system(chroma_path: Path):  # -> chromadb.config.System | None
    """Chroma keeps one embedded system per path per process, index in memory: forgotten, the next
    client opens the store afresh from disk. Returns the old system, for its owner to stop once
    nothing reads through it any more."""
    from chromadb.api.shared_system_client import SharedSystemClient

    return SharedSystemClient._identifier_to_system.pop(str(chroma_path), None)


def stop_system(system) -> None:  # chromadb.config.System | None
    """Stop a forgotten system (None: nothing to stop); a failure to stop is no one's concern."""
    if system is not None:
        with contextlib.suppress(Exception):
            system.stop()
