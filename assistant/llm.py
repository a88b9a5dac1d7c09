"""Answers from any OpenAI-compatible endpoint (OpenAI, vLLM, Ollama, llama.cpp server)."""

from __future__ import annotations

import numpy as np

from assistant.evidence import Evidence
from assistant.providers import Draft, ProviderError
from assistant.text import split_units
from knowledge import Embedder, Hit, Settings

SYSTEM_PROMPT = """You are a customer-support assistant. Answer the customer's question using ONLY \
the numbered sources below. Cite the sources you use as [1], [2] after the sentences they support. \
If the sources do not contain the answer, reply exactly: I don't know. Do not use outside knowledge, \
do not guess, and keep the answer short and direct."""

DONT_KNOW = "i don't know"


def build_prompt(question: str, hits: list[Hit]) -> list[tuple[str, str]]:
    sources = "\n\n".join(
        f"[{n}] {hit.chunk.title}\n{hit.chunk.text}" for n, hit in enumerate(hits, start=1)
    )
    return [("system", f"{SYSTEM_PROMPT}\n\nSources:\n{sources}"), ("human", question)]


class OpenAIProvider:
    name = "openai"

    def __init__(self, settings: Settings, embedder: Embedder) -> None:
        from langchain_openai import ChatOpenAI

        self.embedder = embedder
        self._chat = ChatOpenAI(
            model=settings.openai_model,
            base_url=settings.openai_base_url,
            api_key=settings.openai_api_key or "not-needed",
            timeout=settings.llm_timeout_seconds,
            max_retries=1,
            temperature=0,
        )

    def answer(self, question: str, evidence: Evidence) -> Draft:
        hits = evidence.hits[:4]
        try:
            message = self._chat.invoke(build_prompt(question, hits))
        except Exception as e:  # any transport or API failure: the caller hands off
            raise ProviderError(f"{type(e).__name__}: {e}") from e
        text = str(message.content).strip()
        if not text or text.lower().rstrip(".") == DONT_KNOW:
            return Draft(text=text, cited=[], support=0.0)
        cited = [hit for n, hit in enumerate(hits, start=1) if f"[{n}]" in text] or hits[:1]
        return Draft(text=text, cited=cited, support=self._grounding(text, cited))

    def _grounding(self, text: str, cited: list[Hit]) -> float:
        """Mean over the reply's sentences of their best cosine to a sentence of the sources."""
        answer_units = split_units(text)
        source_units = [u for hit in cited for u in split_units(hit.chunk.text)]
        if not answer_units or not source_units:
            return 0.0
        vectors = self.embedder.embed(answer_units + source_units)
        a, s = vectors[: len(answer_units)], vectors[len(answer_units) :]
        return float(np.mean(np.max(a @ s.T, axis=1)))
