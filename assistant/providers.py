"""What every answer provider gives back, and how one is chosen from settings."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from knowledge import Hit

if TYPE_CHECKING:
    from assistant.evidence import Evidence
    from knowledge import Embedder, Settings

DeltaCallback = Callable[[str], None]
"""Receives each piece of the reply text as the provider writes it, in order; the pieces
concatenate to the streamed text (the Draft's `text` is that text, stripped). It is called on the
thread that runs `answer`: an async caller hands each piece to its loop (`call_soon_threadsafe`).
It must not raise: an exception from it ends the reply as a ProviderError (a handoff)."""


REDACTED = "[redacted]"
# What a credential looks like in an endpoint's error text: OpenAI-style keys, shown whole or
# masked ("sk-proj-****c0ffee"), and a bearer token echoed back (a JWT's dots inside it, never
# the full stop after it). The word boundary keeps "risk-…" and "task-…" readable.
_KEY_SHAPED = re.compile(
    r"\b(?:sk|pk|rk)-[A-Za-z0-9_*\-]{6,}|(?<=\bBearer )[A-Za-z0-9_*~+/=\-]+(?:\.[A-Za-z0-9_*~+/=\-]+)*", re.I
)


def redact(text: str, secrets: Iterable[str | None] = ()) -> str:
    """`text` without the given secrets (the configured API key) or anything key-shaped."""
    for secret in secrets:
        if secret and len(secret) >= 6:  # a short "key" ("x", "none") is no secret, and matches everywhere
            text = text.replace(secret, REDACTED)
    return _KEY_SHAPED.sub(REDACTED, text)


class ProviderError(RuntimeError):
    """The provider could not answer (endpoint down, timeout, malformed response).

    Its message becomes the handoff's detail, which agents read and the database stores, and a
    line of the log, so anything key-shaped is redacted from it here: an endpoint that refuses a
    key tends to quote it ("Incorrect API key provided: sk-…"). A provider redacts its own
    configured key, which need not look like one (`redact(message, [key])`)."""

    def __init__(self, message: str) -> None:
        super().__init__(redact(message))


@dataclass(frozen=True)
class SentenceSupport:
    """How one sentence of a written reply is grounded in the sources it cites."""

    text: str
    cites: tuple[int, ...]  # the source numbers it cites, [n] as written (1-based)
    score: float  # best cosine similarity to a sentence of those sources (or of all cited ones)
    supported: bool
    counted: bool = True  # False for a sentence with no content words, or a sign-off ("Hope this helps!")


@dataclass(frozen=True)
class Draft:
    text: str
    cited: list[Hit]  # the retrieved chunks the text is drawn from, in citation order
    support: float = 0.0  # how well the text's sentences are grounded in the cited chunks, in [0, 1]
    # Written (not extractive) replies only: the grounding of each sentence, and the chance that all
    # of them hold (`Grounding.grounded`: halved by each unsupported one); None where every word is
    # quoted from a source.
    sentences: tuple[SentenceSupport, ...] = ()
    grounded: float | None = None
    # Token log-probabilities of the reply, where the endpoint returns them (natural log).
    logprob_mean: float | None = None
    logprob_min: float | None = None


class Provider(Protocol):
    name: str

    def answer(self, question: str, evidence: Evidence, on_delta: DeltaCallback | None = None) -> Draft: ...


def make_provider(settings: Settings, embedder: Embedder) -> Provider:
    if settings.llm_provider == "openai":
        from assistant.llm import OpenAIProvider

        return OpenAIProvider(settings, embedder)
    from assistant.extractive import ExtractiveProvider

    return ExtractiveProvider()
