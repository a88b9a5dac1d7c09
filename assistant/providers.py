"""What every answer provider gives back, and how one is chosen from settings."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from knowledge import Hit

if TYPE_CHECKING:
    from assistant.evidence import Evidence
    from knowledge import Embedder, Settings


class ProviderError(RuntimeError):
    """The provider could not answer (endpoint down, timeout, malformed response)."""


@dataclass(frozen=True)
class Draft:
    text: str
    cited: list[Hit]  # the retrieved chunks the text is drawn from, in citation order
    support: float = 0.0  # how well the text's sentences are grounded in the cited chunks, in [0, 1]


class Provider(Protocol):
    name: str

    def answer(self, question: str, evidence: Evidence) -> Draft: ...


def make_provider(settings: Settings, embedder: Embedder) -> Provider:
    if settings.llm_provider == "openai":
        from assistant.llm import OpenAIProvider

        return OpenAIProvider(settings, embedder)
    from assistant.extractive import ExtractiveProvider

    return ExtractiveProvider()
